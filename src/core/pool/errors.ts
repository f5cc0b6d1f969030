/**
 * Errors the pool rejects with. Each has a stable `name` and `code` so callers can branch
 * without `instanceof` (errors may cross module copies or be logged and re-parsed).
 */

/** Rejection of a task whose AbortSignal fired. `cause` is the signal's reason. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(reason?: unknown) {
    super('The task was aborted', { cause: reason });
  }
}

/** `run()` or `waitForRoom()` called after `close()` or `destroy()`. */
export class PoolClosedError extends Error {
  override readonly name = 'PoolClosedError';
  readonly code = 'ERR_POOL_CLOSED';
  constructor(message = 'The worker pool is closed') {
    super(message);
  }
}

/** A task that was still queued or running when `destroy()` was called. */
export class PoolDestroyedError extends Error {
  override readonly name = 'PoolDestroyedError';
  readonly code = 'ERR_POOL_DESTROYED';
  constructor() {
    super('The worker pool was destroyed before the task finished');
  }
}

/** `run()` called while the queue already holds `maxQueue` tasks; use `waitForRoom()` first. */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
  readonly code = 'ERR_POOL_QUEUE_FULL';
  constructor(maxQueue: number) {
    super(`The worker pool queue is full (${maxQueue} tasks); await waitForRoom() before run()`);
  }
}

/** How a worker died while it held a task. */
export type CrashKind = 'exit' | 'uncaught' | 'out-of-memory';

/** The worker running the task died: it called process.exit, threw outside the task, or ran out of memory. */
export class WorkerCrashedError extends Error {
  override readonly name = 'WorkerCrashedError';
  readonly code = 'ERR_WORKER_CRASHED';
  constructor(
    readonly kind: CrashKind,
    readonly exitCode: number,
    cause?: unknown,
  ) {
    super(crashMessage(kind, exitCode, cause), cause === undefined ? undefined : { cause });
  }
}

/** The worker exited or threw before it called `serveTasks()`, e.g. its file does not load. */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
  readonly code = 'ERR_WORKER_START';
  constructor(
    readonly filename: string,
    readonly exitCode: number,
    cause?: unknown,
  ) {
    const why =
      cause !== undefined ? `: ${describe(cause)}` : ` (exit code ${exitCode} before it called serveTasks())`;
    super(`Worker ${filename} failed to start${why}`, cause === undefined ? undefined : { cause });
  }
}

function crashMessage(kind: CrashKind, exitCode: number, cause: unknown): string {
  switch (kind) {
    case 'out-of-memory':
      return `The worker ran out of memory while running the task (resourceLimits): ${describe(cause)}`;
    case 'uncaught':
      return `The worker threw an uncaught error while running the task: ${describe(cause)}`;
    case 'exit':
      return `The worker exited with code ${exitCode} while running the task`;
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
