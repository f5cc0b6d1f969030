import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { WorkerCrashedError } from './errors';
import type { ResolvedOptions } from './options';
import type { PortMessage, ResultMessage, TaskMessage } from './protocol';
import type { Task } from './task';

/** Starting until it calls serveTasks(), then idle or busy, exiting once stopped or dead. */
export type WorkerState = 'starting' | 'idle' | 'busy' | 'exiting';

/** What the pool hears from a worker's thread. */
export interface WorkerListener<T, R> {
  onMessage(worker: PoolWorker<T, R>, message: ResultMessage<R>): void;
  onExit(worker: PoolWorker<T, R>, code: number): void;
}

/** One worker thread and what the pool knows of it. */
export class PoolWorker<T = unknown, R = unknown> {
  state: WorkerState = 'starting';
  task: Task<T, R> | null = null;
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

  /**
   * Gives the worker `task` and posts it.
   * @throws when the task cannot be cloned; the worker is then left without it
   */
  assign(task: Task<T, R>): void {
    this.task = task;
    task.started(this);
    try {
      this.port.postMessage({ taskId: task.id, task: task.payload } satisfies TaskMessage<T>, task.transferList);
    } catch (error) {
      this.task = null;
      throw error;
    }
  }

  /** An answer already waiting in the port, taken without waiting for its 'message' event. */
  receive(): ResultMessage<R> | undefined {
    return receiveMessageOnPort(this.port)?.message as ResultMessage<R> | undefined;
  }

  /** Takes off this worker the task `message` answers (the caller settles it); null for a stale answer. */
  takeAnswered(message: ResultMessage<R>): Task<T, R> | null {
    return this.task !== null && this.task.id === message.taskId ? this.takeTask() : null;
  }

  /** Takes the task off this worker (the caller settles it). */
  takeTask(): Task<T, R> | null {
    const task = this.task;
    this.task = null;
    return task;
  }
}

/**
 * Starts a thread on the pool's entry file and hands it a private channel: the Worker object
 * re-emits every message of its own port as an EventEmitter event, a hop per task we skip.
 * @throws when the thread cannot be created
 */
export function startThread<T, R>(options: ResolvedOptions, listener: WorkerListener<T, R>): PoolWorker<T, R> {
  const thread = new Worker(options.filename, {
    workerData: options.workerData,
    env: options.env,
    resourceLimits: options.resourceLimits,
  });
  const { port1, port2 } = new MessageChannel();
  thread.postMessage({ port: port2 } satisfies PortMessage, [port2]);
  const worker = new PoolWorker<T, R>(thread, port1);
  port1.on('message', (message: ResultMessage<R>) => listener.onMessage(worker, message));
  // After on('message'), which refs the port: the thread's handle alone decides whether the
  // process stays alive (idle workers unref it).
  port1.unref();
  thread.on('error', (error) => (worker.lastError = error));
  thread.on('exit', (code) => listener.onExit(worker, code));
  if (Number.isFinite(options.startTimeoutMs)) {
    worker.startTimer = setTimeout(() => stopUnready(worker, options), options.startTimeoutMs);
    worker.startTimer.unref();
  }
  return worker;
}

/** A worker still not ready after startTimeoutMs: stopped; its 'exit' reports the failed start. */
function stopUnready<T, R>(worker: PoolWorker<T, R>, options: ResolvedOptions): void {
  if (worker.state !== 'starting') return;
  worker.lastError = new Error(`it did not call serveTasks() within ${options.startTimeoutMs} ms`);
  options.logger.debug(`pool: worker ${worker.id} not ready after ${options.startTimeoutMs} ms; stopping it`);
  void worker.thread.terminate();
}

/**
 * Every live worker. The counts are read off the workers' states and tasks when asked (a pool
 * has a few workers), so they cannot drift from them; only the order of the idle ones is kept.
 */
export class WorkerSet<T, R> implements Iterable<PoolWorker<T, R>> {
  private readonly all = new Set<PoolWorker<T, R>>();
  /**
   * Idle workers, oldest first: pop() reuses the warmest, the idle timer retires from the front.
   * Kept by setState(), the one place a worker's state changes.
   */
  readonly free: PoolWorker<T, R>[] = [];

  [Symbol.iterator](): Iterator<PoolWorker<T, R>> {
    return this.all[Symbol.iterator]();
  }

  /** Live threads, including those starting or exiting. */
  get size(): number {
    return this.all.size;
  }

  /** Threads that count against the pool's size: not exiting. */
  get active(): number {
    return this.all.size - this.count('exiting');
  }

  get starting(): number {
    return this.count('starting');
  }

  /** Tasks running on a worker now. */
  get running(): number {
    let n = 0;
    for (const worker of this.all) if (worker.task !== null) n++;
    return n;
  }

  add(worker: PoolWorker<T, R>): void {
    this.all.add(worker);
  }

  /** The thread has exited. */
  delete(worker: PoolWorker<T, R>): void {
    if (!this.all.delete(worker)) return;
    worker.task = null;
    this.removeFree(worker);
  }

  setState(worker: PoolWorker<T, R>, state: WorkerState): void {
    if (worker.state === state) return;
    if (worker.state === 'idle') this.removeFree(worker);
    worker.state = state;
    if (state === 'idle') {
      worker.idleSince = Date.now();
      this.free.push(worker);
    }
  }

  /** Stops a worker for good; its 'exit' event does the bookkeeping of the thread. */
  retire(worker: PoolWorker<T, R>): void {
    this.setState(worker, 'exiting');
    worker.thread.unref();
    void worker.thread.terminate();
  }

  private count(state: WorkerState): number {
    let n = 0;
    for (const worker of this.all) if (worker.state === state) n++;
    return n;
  }

  private removeFree(worker: PoolWorker<T, R>): void {
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
