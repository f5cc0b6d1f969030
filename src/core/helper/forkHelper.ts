/**
 * Starting the helper process and its handshake: it is ready once it says so, and a helper that
 * exits or fails before that could not start, with the end of its stderr as the reason.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { describeError } from '../errors';
import { priorityMode } from '../priority';
import { helperEnv, HELPER_EXEC_ARGV, type FromHelper } from './protocol';

export interface ForkOptions {
  helperFile: string;
  /** Worker threads for the helper's pool (0: one per core). */
  size: number;
  execPath?: string;
  env?: Record<string, string>;
}

/** How a helper ended. */
export interface HelperExit {
  /** False when it exited before it was ready: `ready` has rejected with the reason. */
  wasReady: boolean;
  code: number | null;
  /** Its signal, or its exit code, in words. */
  reason: string;
  /** The last lines it wrote to stderr, joined; '' when none. */
  detail: string;
}

export interface HelperListener {
  /** Every message after 'ready'. */
  message(message: FromHelper): void;
  /** The process has exited, after it was ready or not. */
  exit(exit: HelperExit): void;
}

/**
 * Forks the helper. `ready` resolves when it says it is ready, and rejects with why it could
 * not start; `child` is there at once so that it can be stopped before.
 */
export function forkHelper(options: ForkOptions, listener: HelperListener): { child: ChildProcess; ready: Promise<ChildProcess> } {
  const env = { ...helperEnv(process.env), ...options.env };
  const child = fork(options.helperFile, [String(options.size)], {
    execPath: options.execPath ?? process.execPath,
    execArgv: [...HELPER_EXEC_ARGV],
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    // Linux: a session of its own, so that the scheduler's autogroups can put the helper below
    // every other session (the window, the extension host), not only below its siblings; the
    // helper lowers that group (src/core/priority.ts). It still exits when the channel closes.
    detached: process.platform === 'linux' && priorityMode(env) === 'background',
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const ready = new Promise<ChildProcess>((resolve, reject) => {
    let isReady = false;
    child.on('message', (message: FromHelper) => {
      if (message.type !== 'ready') return listener.message(message);
      isReady = true;
      resolve(child);
    });
    child.on('error', (error) => {
      if (!isReady) reject(new Error(`could not start the thumbnail helper: ${describeError(error)}`));
    });
    child.on('exit', (code, signal) => {
      const reason = signal ?? `exit code ${code}`;
      const detail = stderr.trim().split('\n').slice(-3).join(' | ');
      if (!isReady) reject(new Error(`could not start the thumbnail helper (${reason})${detail ? `: ${detail}` : ''}`));
      listener.exit({ wasReady: isReady, code, reason, detail });
    });
  });
  return { child, ready };
}
