import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { WorkerCrashedError } from './errors';
import type { PortMessage } from './protocol';
import type { Task } from './task';
import type { PoolOptions } from './types';

/** Starting until it calls serveTasks(), then idle or busy, exiting once stopped or dead. */
export type WorkerState = 'starting' | 'idle' | 'busy' | 'exiting';

/** One worker thread and what the pool knows of it. */
export class PoolWorker {
  state: WorkerState = 'starting';
  task: Task<unknown, unknown> | null = null;
  idleSince = 0;
  /** The last 'error' event; it arrives just before 'exit' and says why the thread died. */
  lastError: unknown = undefined;
  /** Stops the thread if it is not ready in time (see PoolOptions.startTimeoutMs). */
  startTimer: NodeJS.Timeout | undefined = undefined;
  /** Kept because `thread.threadId` reads -1 once the thread has exited. */
  readonly id: number;

  constructor(
    readonly thread: Worker,
    readonly port: MessagePort,
  ) {
    this.id = thread.threadId;
  }
}

/**
 * Starts a thread on the pool's entry file and hands it a private channel: the Worker object
 * re-emits every message of its own port as an EventEmitter event, a hop per task we skip.
 * @throws when the thread cannot be created
 */
export function startThread(options: PoolOptions): PoolWorker {
  const thread = new Worker(options.filename, {
    workerData: options.workerData,
    env: options.env,
    resourceLimits: options.resourceLimits,
  });
  const { port1, port2 } = new MessageChannel();
  thread.postMessage({ port: port2 } satisfies PortMessage, [port2]);
  return new PoolWorker(thread, port1);
}

/**
 * Every live worker and the pool's counts of them. The counts are kept here, in the only two
 * places a worker changes (its state, its task), so they cannot drift from the workers.
 */
export class WorkerSet implements Iterable<PoolWorker> {
  private readonly all = new Set<PoolWorker>();
  private readonly inState: Record<WorkerState, number> = { starting: 0, idle: 0, busy: 0, exiting: 0 };
  private withTask = 0;
  /** Idle workers, oldest first: pop() reuses the warmest, the idle timer retires from the front. */
  readonly free: PoolWorker[] = [];

  [Symbol.iterator](): Iterator<PoolWorker> {
    return this.all[Symbol.iterator]();
  }

  /** Live threads, including those starting or exiting. */
  get size(): number {
    return this.all.size;
  }

  /** Threads that count against the pool's size: not exiting. */
  get active(): number {
    return this.all.size - this.inState.exiting;
  }

  get starting(): number {
    return this.inState.starting;
  }

  /** Tasks running on a worker now. */
  get running(): number {
    return this.withTask;
  }

  add(worker: PoolWorker): void {
    this.all.add(worker);
    this.inState[worker.state]++;
  }

  /** The thread has exited. */
  delete(worker: PoolWorker): void {
    if (!this.all.delete(worker)) return;
    this.inState[worker.state]--;
    this.setTask(worker, null);
    this.removeFree(worker);
  }

  setState(worker: PoolWorker, state: WorkerState): void {
    if (worker.state === state) return;
    if (this.all.has(worker)) {
      this.inState[worker.state]--;
      this.inState[state]++;
    }
    if (worker.state === 'idle') this.removeFree(worker);
    worker.state = state;
    if (state === 'idle') {
      worker.idleSince = Date.now();
      this.free.push(worker);
    }
  }

  setTask(worker: PoolWorker, task: Task<unknown, unknown> | null): void {
    if ((worker.task === null) !== (task === null)) this.withTask += task === null ? -1 : 1;
    worker.task = task;
  }

  private removeFree(worker: PoolWorker): void {
    const at = this.free.indexOf(worker);
    if (at >= 0) this.free.splice(at, 1);
  }
}

/** Why the worker running a task died, from its exit code and last error. */
export function crashError(code: number, error: unknown): WorkerCrashedError {
  if ((error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new WorkerCrashedError('out-of-memory', code, error);
  }
  if (error !== undefined) return new WorkerCrashedError('uncaught', code, error);
  return new WorkerCrashedError('exit', code);
}
