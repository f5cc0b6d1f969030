/**
 * The thumbnail helper process (dist/helper.js): the extension host starts it on the first job
 * (src/core/helper/client.ts) and it runs the engine exactly as the CLI does, with the same
 * worker pool, so that decoding images never happens in the extension host every extension
 * shares. It exits when it has been idle for IDLE_EXIT_MS, and at once when the extension host
 * goes away (its IPC channel closes), so no helper outlives its window.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createThumbnailPool, runJob, type ThumbnailPool } from '../core/engine';
import { describeError } from '../core/errors';
import type { FromHelper, RunRequest, ToHelper } from '../core/helper/protocol';
import type { Logger } from '../core/log';
import { priorityMode, runProcessInBackground } from '../core/priority';

/** The pool's threads idle out after 10 s (pool default); the process follows a little later. */
const IDLE_EXIT_MS = Number(process.env.FT_HELPER_IDLE_MS) || 15_000;
/** Progress messages at most this often per job (the window redraws at most every 250 ms). */
const PROGRESS_INTERVAL_MS = 100;

function send(message: FromHelper): void {
  // With a callback, a channel that closed mid-send reports to it instead of throwing EPIPE as
  // an unhandled 'error'; the 'disconnect' handler below then exits quietly.
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
}

const logger: Logger = {
  trace: () => undefined,
  debug: (message) => send({ type: 'log', level: 'debug', message }),
  info: (message) => send({ type: 'log', level: 'info', message }),
  warn: (message) => send({ type: 'log', level: 'warn', message }),
  error: (message) => send({ type: 'log', level: 'error', message }),
};

function workerFile(): string {
  // dist/helper.js sits beside dist/worker.js; the tsc build has out/src/worker/index.js.
  const bundled = path.join(__dirname, 'worker.js');
  return existsSync(bundled) ? bundled : path.join(__dirname, '..', 'worker', 'index.js');
}

/** The jobs this process runs on its pool, and the exit once it has been idle for IDLE_EXIT_MS. */
class JobHost {
  private readonly jobs = new Map<number, AbortController>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: ThumbnailPool) {}

  handle(message: ToHelper): void {
    if (message.type === 'run') void this.run(message);
    else if (message.type === 'cancel') this.jobs.get(message.id)?.abort(new Error('cancelled'));
    else if (message.type === 'resize') this.pool.resize(message.size);
  }

  armIdleExit(): void {
    clearTimeout(this.idleTimer);
    if (this.jobs.size > 0) return;
    this.idleTimer = setTimeout(() => void this.pool.close().finally(() => process.exit(0)), IDLE_EXIT_MS);
  }

  private async run(request: RunRequest): Promise<void> {
    const controller = new AbortController();
    this.jobs.set(request.id, controller);
    clearTimeout(this.idleTimer);
    let last = 0;
    try {
      const summary = await runJob(this.pool, {
        folder: request.folder,
        settings: request.settings,
        force: request.force,
        signal: controller.signal,
        logger,
        skip: new Set(request.skip),
        sources: request.sources,
        onImage: (event) => send({ type: 'image', id: request.id, event }),
        onProgress: (progress) => {
          const now = Date.now();
          if (now - last < PROGRESS_INTERVAL_MS && progress.done < progress.found) return;
          last = now;
          send({ type: 'progress', id: request.id, progress });
        },
      });
      send({ type: 'done', id: request.id, summary });
    } catch (error) {
      send({ type: 'error', id: request.id, message: describeError(error) });
    } finally {
      this.jobs.delete(request.id);
      this.armIdleExit();
    }
  }
}

// Below normal priority before the pool starts threads: they inherit it (src/core/priority.ts).
runProcessInBackground(logger, priorityMode());
const pool = createThumbnailPool({ workerFile: workerFile(), size: Number(process.argv[2]) || 0, logger });
pool.onDidChangeStats((stats) => send({ type: 'stats', stats }));
const host = new JobHost(pool);
process.on('message', (message: ToHelper) => host.handle(message));
// The extension host closed, crashed or disabled us: nothing is left to work for.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
host.armIdleExit();
