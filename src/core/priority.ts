/**
 * Thumbnail work is background work: the editor's helper process runs below normal OS priority,
 * so that the editor (typing, painting, the extension host) gets the cores first when both want
 * them. Only the helper does this; the CLI is a foreground tool (src/cli.ts says why).
 *
 * How each platform sees it:
 * - Linux: a thread is a task with its own nice value. `os.setPriority(pid, n)` is
 *   setpriority(PRIO_PROCESS, pid): for pid 0 it changes only the calling thread, for a thread id
 *   only that thread; new threads inherit their creator's value. So the helper lowers every
 *   thread it has at start (V8's platform threads exist before any JavaScript runs), before the
 *   pool's workers and libuv's thread pool are created; every later thread descends from those.
 *   Lowering each worker thread instead would not do: sharp runs libvips on libuv's thread pool,
 *   which the whole process shares, and libvips' own threads are started from there (seen in
 *   /proc: a worker at nice 10 in a process at 0 left every "libvips worker" thread at 0).
 * - Linux with autogroups (`kernel.sched_autogroup_enabled`, the default of most distributions):
 *   the scheduler first shares the CPU between sessions, and only then between the threads of
 *   one session by nice value. A helper in the extension host's session, niced, gives way to the
 *   extension host but not to the window (code-server's browser, or any program in another
 *   session). So the client starts the helper in a session of its own (client.ts: `detached`)
 *   and the helper lowers its session's autogroup to the same nice value. Measured in
 *   bench/README.md ("Typing while thumbnails are made").
 * - Windows: `os.setPriority(0, ...)` sets the process's priority class (BELOW_NORMAL), which
 *   its threads follow. macOS and the BSDs: the process's nice value, which covers its threads.
 *
 * Nothing here throws: an OS that refuses leaves the work at normal priority, and says so once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Logger } from './log';

/** nice 10 on POSIX systems; BELOW_NORMAL_PRIORITY_CLASS on Windows. */
export const BACKGROUND_PRIORITY = os.constants.priority.PRIORITY_BELOW_NORMAL;

/**
 * FOLDER_THUMBNAILS_PRIORITY exists only for the benchmarks (bench/ui): `normal` leaves the helper
 * at normal priority in the extension host's session (the behaviour before), `threads` lowers its
 * threads but keeps it in that session. Anything else: the default, background.
 */
export type PriorityMode = 'background' | 'threads' | 'normal';

export function priorityMode(env: NodeJS.ProcessEnv = process.env): PriorityMode {
  const mode = env.FOLDER_THUMBNAILS_PRIORITY;
  return mode === 'normal' || mode === 'threads' ? mode : 'background';
}

/** Sets one thread (Linux) or the process (elsewhere) to at least BACKGROUND_PRIORITY; never raises it. */
function lower(id: number): void {
  if (os.getPriority(id) < BACKGROUND_PRIORITY) os.setPriority(id, BACKGROUND_PRIORITY);
}

/**
 * Lowers the whole calling process to background priority: every thread it has now (Linux), the
 * process (elsewhere), and its session's autogroup when the process leads that session. Call it
 * first thing, before threads are started: they inherit it. Logs a refusal once, at debug level
 * for a missing /proc entry and as a warning when the OS refuses.
 */
export function runProcessInBackground(logger: Logger, mode: PriorityMode = 'background'): void {
  if (mode === 'normal') return;
  const refused: string[] = [];
  if (process.platform === 'linux') {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync('/proc/self/task');
    } catch (error) {
      refused.push(`threads: ${String(error)}`);
    }
    for (const tid of tasks) {
      try {
        lower(Number(tid));
      } catch (error) {
        // A thread that ended meanwhile (ESRCH) is no concern; anything else is a refusal.
        if ((error as { info?: { code?: string } }).info?.code !== 'ESRCH') refused.push(`thread ${tid}: ${describe(error)}`);
      }
    }
    if (mode === 'background') {
      const failure = lowerOwnAutogroup();
      if (failure) refused.push(failure);
    }
  } else {
    try {
      lower(0);
    } catch (error) {
      refused.push(describe(error));
    }
  }
  if (refused.length > 0) logger.warn(`thumbnail work runs at normal priority here: ${refused.join('; ')}`);
  else logger.debug(`thumbnail helper ${process.pid} runs below normal priority`);
}

/**
 * Writes the nice value of this process's autogroup (/proc/self/autogroup), only when the process
 * leads its session: the autogroup is the session's, and lowering it from inside the extension
 * host's session would lower the extension host too. Undefined when done or not applicable.
 */
function lowerOwnAutogroup(): string | undefined {
  let current: string;
  try {
    current = fs.readFileSync('/proc/self/autogroup', 'utf8');
  } catch {
    return undefined; // no autogroups in this kernel: nice values alone decide
  }
  if (sessionId() !== process.pid) return undefined;
  const nice = Number(/nice (-?\d+)/.exec(current)?.[1] ?? 0);
  if (nice >= BACKGROUND_PRIORITY) return undefined;
  try {
    fs.writeFileSync('/proc/self/autogroup', String(BACKGROUND_PRIORITY));
    return undefined;
  } catch (error) {
    return `autogroup: ${describe(error)}`;
  }
}

/** The session id of this process: field 6 of /proc/self/stat (after the command in parentheses). */
function sessionId(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
