/**
 * A pool of worker threads, each running one task at a time, driven asynchronously from the
 * caller's side (the idea of aiomisc's WorkerPool). Plain Node, no knowledge of what the
 * tasks are: worker entry files answer tasks with `serveTasks()` from `./worker`.
 *
 * This file is the scheduler; the queue (task.ts), the threads and their counts (workers.ts),
 * producers waiting for room (room.ts) and the errors (errors.ts) live beside it.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { receiveMessageOnPort } from 'node:worker_threads';
import type { Logger } from '../log';
import { nullLogger } from '../log';
import { AbortError, PoolClosedError, PoolDestroyedError, QueueFullError, WorkerStartError } from './errors';
import type { ResultMessage, TaskMessage } from './protocol';
import { reviveError } from './protocol';
import { RoomWaiters } from './room';
import { Task, TaskQueue } from './task';
import type { Disposable, PoolOptions, PoolStats, RunOptions, TaskTiming } from './types';
import { crashError, startThread, WorkerSet, type PoolWorker } from './workers';

export * from './errors';
export type { Disposable, PoolOptions, PoolStats, RunOptions, TaskTiming } from './types';

const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
const DEFAULT_START_TIMEOUT_MS = 30_000;

/** How a settled task ended, for the counters and the timing listeners. */
type Outcome = TaskTiming['outcome'];

/**
 * Runs tasks on up to `size` worker threads, one task per worker at a time. Workers start
 * on demand, exit when idle, and are replaced when they crash. See `PoolOptions`.
 */
export class WorkerPool<T = unknown, R = unknown> {
  private readonly idleTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly logger: Logger;
  private size: number;

  private readonly queue = new TaskQueue<T, R>();
  private readonly workers = new WorkerSet();
  private readonly roomWaiters = new RoomWaiters(() => this.maxQueue - this.queue.length);
  private readonly settled: Record<Outcome, number> = { completed: 0, failed: 0, aborted: 0 };
  private nextTaskId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  private closing = false;
  private destroyed = false;
  private stopWaiters: (() => void)[] = [];

  private readonly statsListeners = new Set<(stats: PoolStats) => void>();
  private readonly timingListeners = new Set<(timing: TaskTiming) => void>();
  private statsScheduled = false;

  /** Starts no thread: the first `run()` does. */
  constructor(private readonly options: PoolOptions) {
    if (typeof options.filename !== 'string' || options.filename === '') {
      throw new TypeError('WorkerPool: options.filename must be the path of a worker entry file');
    }
    this.size = resolveSize(options.size ?? 0);
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!(this.idleTimeoutMs >= 0)) throw new RangeError('WorkerPool: idleTimeoutMs must be >= 0');
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    if (!(this.startTimeoutMs > 0)) throw new RangeError('WorkerPool: startTimeoutMs must be > 0');
    if (options.maxQueue !== undefined && !(options.maxQueue >= 1)) {
      throw new RangeError('WorkerPool: maxQueue must be >= 1');
    }
    this.logger = options.logger ?? nullLogger;
  }

  /**
   * Runs `task` on a worker and resolves with what its handler returned. Rejects with the
   * handler's error (same name, message, stack and code), an {@link AbortError}, a
   * {@link WorkerCrashedError}, a {@link WorkerStartError}, a {@link QueueFullError} when
   * the queue is at `maxQueue`, or a {@link PoolClosedError} after close/destroy.
   */
  run(task: T, options?: RunOptions): Promise<R> {
    if (this.closing) return Promise.reject(new PoolClosedError());
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    if (this.workers.free.length === 0 && this.queue.length >= this.maxQueue) {
      return Promise.reject(new QueueFullError(this.maxQueue));
    }

    const entry = new Task<T, R>(this.nextTaskId++, task, options?.transferList, signal);
    const promise = new Promise<R>((resolve, reject) => {
      entry.resolve = resolve;
      entry.reject = reject;
    });
    if (this.timingListeners.size > 0) entry.enqueuedAt = performance.now();
    if (signal !== undefined) {
      entry.onAbort = () => this.abort(entry);
      signal.addEventListener('abort', entry.onAbort, { once: true });
    }

    const worker = this.workers.free.pop();
    if (worker !== undefined) {
      worker.thread.ref();
      if (!this.start(worker, entry)) this.next(worker);
    } else {
      this.queue.push(entry);
      this.spawnAsNeeded();
    }
    this.changed();
    return promise;
  }

  /**
   * Resolves once the queue has room for another task, so a producer can feed any number of
   * tasks while holding at most `maxQueue` of them: `await pool.waitForRoom(); pool.run(x)`.
   * Waiters are woken in order, as many as there is room for.
   */
  waitForRoom(signal?: AbortSignal): Promise<void> {
    if (this.closing) return Promise.reject(new PoolClosedError());
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    if (this.queue.length < this.maxQueue) return Promise.resolve();
    return this.roomWaiters.wait(signal);
  }

  /**
   * Changes the maximum number of workers (0 = auto). Growing starts workers for queued
   * tasks; shrinking retires idle workers now and busy ones when their task ends. Queued
   * tasks are kept.
   */
  resize(size: number): void {
    const next = resolveSize(size);
    if (next === this.size) return;
    this.logger.debug(`pool: resize ${this.size} -> ${next}`);
    this.size = next;
    while (this.workers.active > this.size && this.workers.free.length > 0) this.retire(this.workers.free[0]);
    this.spawnAsNeeded();
    this.roomWaiters.wake();
    this.changed();
  }

  /** The current counters. */
  get stats(): PoolStats {
    return {
      queued: this.queue.length,
      running: this.workers.running,
      ...this.settled,
      workers: this.workers.size,
      size: this.size,
      maxQueue: this.maxQueue,
    };
  }

  /**
   * Calls `listener` with fresh stats after they change. Changes are coalesced: at most one
   * call per event-loop turn, however many tasks moved in it.
   */
  onDidChangeStats(listener: (stats: PoolStats) => void): Disposable {
    this.statsListeners.add(listener);
    return { dispose: () => void this.statsListeners.delete(listener) };
  }

  /**
   * Calls `listener` when a task settles, with how long it waited and ran. Tasks are only
   * timed while at least one listener is registered (from the moment they are submitted).
   */
  onDidFinishTask(listener: (timing: TaskTiming) => void): Disposable {
    this.timingListeners.add(listener);
    return { dispose: () => void this.timingListeners.delete(listener) };
  }

  /**
   * Stops accepting tasks, lets the queued and running ones finish, then stops the workers.
   * Resolves when every thread has exited.
   */
  close(): Promise<void> {
    if (!this.closing) {
      this.logger.debug('pool: closing');
      this.closing = true;
      this.roomWaiters.rejectAll(() => new PoolClosedError());
    }
    const stopped = this.whenStopped();
    this.checkDrained();
    return stopped;
  }

  /**
   * Stops every worker now and rejects each queued and running task with a
   * {@link PoolDestroyedError}. Resolves when every thread has exited.
   */
  destroy(): Promise<void> {
    if (!this.destroyed) {
      this.logger.debug('pool: destroying');
      this.destroyed = true;
      this.closing = true;
      this.roomWaiters.rejectAll(() => new PoolClosedError());
      for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
        this.settle(task, new PoolDestroyedError(), undefined);
      }
      for (const worker of this.workers) {
        const task = this.detachTask(worker);
        if (task !== null) this.settle(task, new PoolDestroyedError(), undefined);
        if (worker.state !== 'exiting') this.retire(worker);
      }
      this.changed();
    }
    const stopped = this.whenStopped();
    this.checkDrained();
    return stopped;
  }

  private get maxQueue(): number {
    return this.options.maxQueue ?? Math.max(16, 4 * this.size);
  }

  /** Posts `task` to an idle or ready `worker`; false if the task could not be sent. */
  private start(worker: PoolWorker, task: Task<T, R>): boolean {
    this.workers.setState(worker, 'busy');
    this.workers.setTask(worker, task as Task<unknown, unknown>);
    task.worker = worker;
    task.state = 'running';
    if (task.enqueuedAt !== 0) task.startedAt = performance.now();
    try {
      const message: TaskMessage<T> = { taskId: task.id, task: task.payload };
      worker.port.postMessage(message, task.transferList);
      return true;
    } catch (error) {
      // The task could not be cloned: that is the task's fault, the worker is fine.
      this.workers.setTask(worker, null);
      this.settle(task, error, undefined);
      return false;
    }
  }

  /** Gives a worker that just became free its next task, or parks or retires it. */
  private next(worker: PoolWorker): void {
    if (this.workers.active > this.size) {
      this.retire(worker);
      return;
    }
    for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
      if (this.roomWaiters.length > 0) this.roomWaiters.wake();
      if (this.start(worker, task)) return;
    }
    if (this.closing) {
      this.retire(worker);
      return;
    }
    this.workers.setState(worker, 'idle');
    // An idle worker must not keep the process alive; run() refs it again.
    worker.thread.unref();
    if (this.idleTimer === undefined) this.armIdleTimer();
  }

  private spawnAsNeeded(): void {
    if (this.destroyed) return; // (close() still needs workers for what is queued)
    while (this.queue.length > this.workers.starting && this.workers.active < this.size) {
      if (!this.spawn()) return;
    }
  }

  private spawn(): boolean {
    let worker: PoolWorker;
    try {
      worker = startThread(this.options);
    } catch (error) {
      this.startFailed(new WorkerStartError(this.options.filename, -1, error));
      return false;
    }
    worker.port.on('message', (message: ResultMessage<R>) => {
      this.onMessage(worker, message);
      this.collectAnswers(worker);
    });
    // After on('message'), which refs the port: the thread's handle alone decides whether the
    // process stays alive (idle workers unref it).
    worker.port.unref();
    worker.thread.on('error', (error) => (worker.lastError = error));
    worker.thread.on('exit', (code) => this.onExit(worker, code));
    if (Number.isFinite(this.startTimeoutMs)) {
      worker.startTimer = setTimeout(() => this.startTimedOut(worker), this.startTimeoutMs);
      worker.startTimer.unref();
    }
    this.workers.add(worker);
    this.logger.debug(`pool: worker ${worker.id} starting (${this.workers.active}/${this.size})`);
    return true;
  }

  /**
   * Takes the answers other busy workers have already posted, straight from their ports: one
   * event-loop wake-up then serves several workers instead of one 'message' event each
   * (bench:pool throughput +20-25%).
   */
  private collectAnswers(except: PoolWorker): void {
    for (const worker of this.workers) {
      if (worker === except || worker.state !== 'busy') continue;
      const m = receiveMessageOnPort(worker.port);
      if (m !== undefined) this.onMessage(worker, m.message as ResultMessage<R>);
    }
  }

  private onMessage(worker: PoolWorker, message: ResultMessage<R>): void {
    if (worker.state === 'exiting') return; // answer of an aborted or destroyed task
    if (worker.state === 'starting') {
      clearTimeout(worker.startTimer);
      this.logger.debug(`pool: worker ${worker.id} ready`);
      this.next(worker);
      this.changed();
      return;
    }
    const task = this.takeAnswered(worker, message);
    if (task === null) return;
    // Hand the worker its next task before resolving, so it never waits on our callers.
    this.next(worker);
    this.finish(task, message);
    if (this.closing) this.checkDrained();
    this.changed();
  }

  /** Detaches the task `message` answers from its worker; null for a stale answer. */
  private takeAnswered(worker: PoolWorker, message: ResultMessage<R>): Task<T, R> | null {
    const task = worker.task as Task<T, R> | null;
    if (task === null || task.id !== message.taskId) return null;
    return this.detachTask(worker);
  }

  /** Takes the worker's task off it (the task is settled by the caller). */
  private detachTask(worker: PoolWorker): Task<T, R> | null {
    const task = worker.task as Task<T, R> | null;
    this.workers.setTask(worker, null);
    return task;
  }

  private finish(task: Task<T, R>, message: ResultMessage<R>): void {
    if (message.error !== undefined) this.settle(task, reviveError(message.error), undefined);
    else this.settle(task, undefined, message.result as R);
  }

  private onExit(worker: PoolWorker, code: number): void {
    clearTimeout(worker.startTimer);
    const state = worker.state;
    if (state === 'busy') {
      // An answer posted just before the thread died may still be in the port: a task that
      // completed must not be reported as crashed. (No next(): this worker is gone.)
      for (let m = receiveMessageOnPort(worker.port); m !== undefined; m = receiveMessageOnPort(worker.port)) {
        const task = this.takeAnswered(worker, m.message as ResultMessage<R>);
        if (task !== null) this.finish(task, m.message as ResultMessage<R>);
      }
    }
    worker.port.close();
    const crashed = state === 'busy' ? this.detachTask(worker) : null;
    this.workers.delete(worker);
    const id = worker.id;
    if (state === 'starting') {
      this.startFailed(new WorkerStartError(this.options.filename, code, worker.lastError));
    } else if (state === 'idle') {
      this.logger.debug(`pool: idle worker ${id} exited unexpectedly (code ${code})`);
    } else if (crashed !== null) {
      const error = crashError(code, worker.lastError);
      this.logger.debug(`pool: worker ${id} crashed: ${error.message}`);
      this.settle(crashed, error, undefined);
    } else {
      this.logger.debug(`pool: worker ${id} exited`);
    }
    // Replace a worker that died; one that never started is not retried here (no respawn loop).
    if (state !== 'starting') this.spawnAsNeeded();
    this.checkDrained();
    this.changed();
  }

  /** A worker still not ready after startTimeoutMs: stopped; its 'exit' reports the failed start. */
  private startTimedOut(worker: PoolWorker): void {
    if (worker.state !== 'starting') return;
    worker.lastError = new Error(`it did not call serveTasks() within ${this.startTimeoutMs} ms`);
    this.logger.debug(`pool: worker ${worker.id} not ready after ${this.startTimeoutMs} ms; stopping it`);
    void worker.thread.terminate();
  }

  /**
   * A worker died before calling serveTasks(). If no other worker is alive or starting, the
   * queued tasks cannot run: reject them with the reason rather than respawn in a loop. The
   * next run() tries again, once.
   */
  private startFailed(error: WorkerStartError): void {
    this.logger.debug(`pool: ${error.message}`);
    if (this.workers.active > 0) return;
    for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) this.settle(task, error, undefined);
    this.roomWaiters.wake();
  }

  private abort(task: Task<T, R>): void {
    if (task.state === 'queued') {
      this.queue.forget(task);
      this.roomWaiters.wake();
    } else if (task.state === 'running') {
      // Terminating interrupts even a synchronous loop; the replacement starts at once.
      const worker = task.worker!;
      this.detachTask(worker);
      this.retire(worker);
      this.spawnAsNeeded();
    } else {
      return;
    }
    this.settle(task, new AbortError(task.signal?.reason), undefined);
    this.checkDrained();
    this.changed();
  }

  /** Ends a task: its counter, its timing, its promise. Every task passes here exactly once. */
  private settle(task: Task<T, R>, error: unknown, result: R | undefined): void {
    const wasRunning = task.state === 'running';
    task.state = 'done';
    task.worker = null;
    if (task.onAbort !== null) {
      task.signal!.removeEventListener('abort', task.onAbort);
      task.onAbort = null;
    }
    const outcome: Outcome = error === undefined ? 'completed' : error instanceof AbortError ? 'aborted' : 'failed';
    this.settled[outcome]++;
    if (task.enqueuedAt !== 0) this.reportTiming(task, wasRunning, outcome);
    if (error === undefined) task.resolve(result as R);
    else task.reject(error);
  }

  private reportTiming(task: Task<T, R>, ran: boolean, outcome: Outcome): void {
    const now = performance.now();
    const timing: TaskTiming = {
      waitMs: (ran ? task.startedAt : now) - task.enqueuedAt,
      runMs: ran ? now - task.startedAt : 0,
      outcome,
    };
    for (const listener of this.timingListeners) this.callListener(listener, timing);
  }

  /** Stops a worker for good; its 'exit' event does the bookkeeping of the thread. */
  private retire(worker: PoolWorker): void {
    this.workers.setState(worker, 'exiting');
    worker.thread.unref();
    void worker.thread.terminate();
  }

  private armIdleTimer(): void {
    const oldest = this.workers.free[0];
    if (oldest === undefined || !Number.isFinite(this.idleTimeoutMs)) return;
    const delay = Math.max(0, oldest.idleSince + this.idleTimeoutMs - Date.now());
    // setTimeout treats anything above 2^31-1 ms as 1 ms.
    this.idleTimer = setTimeout(this.onIdleTimer, Math.min(delay, 0x7fffffff));
    this.idleTimer.unref();
  }

  private readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    const now = Date.now();
    const free = this.workers.free;
    let retired = 0;
    while (free.length > 0 && now - free[0].idleSince >= this.idleTimeoutMs) {
      this.retire(free[0]);
      retired++;
    }
    if (retired > 0) this.logger.debug(`pool: ${retired} idle worker(s) exiting`);
    this.armIdleTimer();
    this.changed();
  };

  private whenStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  /** Once closing and out of work: stop the remaining workers, then settle close()/destroy(). */
  private checkDrained(): void {
    if (!this.closing || this.queue.length > 0 || this.workers.running > 0) return;
    for (const worker of this.workers) if (worker.state !== 'exiting') this.retire(worker);
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (this.workers.size > 0) return;
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private changed(): void {
    if (this.statsScheduled || this.statsListeners.size === 0) return;
    this.statsScheduled = true;
    setImmediate(this.emitStats);
  }

  private readonly emitStats = (): void => {
    this.statsScheduled = false;
    const stats = this.stats;
    for (const listener of this.statsListeners) this.callListener(listener, stats);
  };

  private callListener<A>(listener: (arg: A) => void, arg: A): void {
    try {
      listener(arg);
    } catch (error) {
      this.logger.error(`pool: a listener threw: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
}

function resolveSize(size: number): number {
  if (!Number.isInteger(size) || size < 0) {
    throw new RangeError(`WorkerPool: size must be a whole number >= 0 (0 = auto), got ${size}`);
  }
  return size === 0 ? availableParallelism() : size;
}
