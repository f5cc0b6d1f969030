/**
 * A pool of worker threads, each running one task at a time, driven asynchronously from the
 * caller's side (the idea of aiomisc's WorkerPool). Plain Node, no knowledge of what the
 * tasks are: worker entry files answer tasks with `serveTasks()` from `./worker`.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort, ResourceLimits, TransferListItem } from 'node:worker_threads';
import type { Logger } from '../log';
import { nullLogger } from '../log';
import { Deque } from './deque';
import {
  AbortError,
  PoolClosedError,
  PoolDestroyedError,
  QueueFullError,
  WorkerCrashedError,
  WorkerStartError,
} from './errors';
import type { PortMessage, ResultMessage, TaskMessage } from './protocol';
import { reviveError } from './protocol';

export * from './errors';

/** Options of a {@link WorkerPool}. */
export interface PoolOptions {
  /** Absolute path of the worker entry (.js); it must call `serveTasks()`. */
  filename: string;
  /** Maximum number of workers; 0 or undefined = `os.availableParallelism()`. */
  size?: number;
  /** Idle workers exit after this many milliseconds (default 10 000; `Infinity` = never). */
  idleTimeoutMs?: number;
  /**
   * A worker that has not called `serveTasks()` this many milliseconds after it was created is
   * stopped and counts as failed to start, so a hung start cannot hold the queue forever
   * (default 30 000; `Infinity` = wait forever).
   */
  startTimeoutMs?: number;
  /** Bound on queued (not yet running) tasks; default `max(16, 4 * size)`, following resizes. */
  maxQueue?: number;
  resourceLimits?: ResourceLimits;
  workerData?: unknown;
  env?: NodeJS.ProcessEnv;
  /** Receives pool events (start, exit, crash, resize...) at debug level; never per task. */
  logger?: Logger;
}

/** Per-call options of {@link WorkerPool.run}. */
export interface RunOptions {
  /** Aborting removes a queued task, or terminates (and replaces) the worker running it. */
  signal?: AbortSignal;
  /** Moved to the worker instead of copied (ArrayBuffers, MessagePorts...). */
  transferList?: readonly TransferListItem[];
}

/** A snapshot of the pool's counters. */
export interface PoolStats {
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks a worker is running now. */
  running: number;
  completed: number;
  /** Tasks that threw, whose worker crashed, or that `destroy()` rejected. */
  failed: number;
  /** Tasks rejected because their signal aborted. */
  aborted: number;
  /** Live worker threads, including ones starting or exiting. */
  workers: number;
  /** The current maximum number of workers. */
  size: number;
  /** The current queue bound. */
  maxQueue: number;
}

/** How long one task waited in the queue and ran in a worker. */
export interface TaskTiming {
  waitMs: number;
  /** 0 when the task never reached a worker. */
  runMs: number;
  outcome: 'completed' | 'failed' | 'aborted';
}

/** Returned by event subscriptions. */
export interface Disposable {
  dispose(): void;
}

const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
const DEFAULT_START_TIMEOUT_MS = 30_000;

// Task states.
const QUEUED = 0;
const RUNNING = 1;
const DONE = 2;

// Worker states.
const STARTING = 0;
const IDLE = 1;
const BUSY = 2;
const EXITING = 3;

class Task<T, R> {
  state = QUEUED;
  worker: PoolWorker | null = null;
  resolve!: (result: R) => void;
  reject!: (error: unknown) => void;
  onAbort: (() => void) | null = null;
  /** 0 unless someone listens to task timings. */
  enqueuedAt = 0;
  startedAt = 0;

  constructor(
    readonly id: number,
    readonly payload: T,
    readonly transferList: readonly TransferListItem[] | undefined,
    readonly signal: AbortSignal | undefined,
  ) {}
}

class PoolWorker {
  state = STARTING;
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

interface RoomWaiter {
  resolve(): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
}

/**
 * Runs tasks on up to `size` worker threads, one task per worker at a time. Workers start
 * on demand, exit when idle, and are replaced when they crash. See `PoolOptions`.
 */
export class WorkerPool<T = unknown, R = unknown> {
  private readonly filename: string;
  private readonly idleTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly maxQueueOption: number | undefined;
  private readonly logger: Logger;
  private readonly options: PoolOptions;
  private size: number;

  private readonly queue = new Deque<Task<T, R>>();
  private queuedCount = 0;
  private runningCount = 0;
  private completedCount = 0;
  private failedCount = 0;
  private abortedCount = 0;
  private nextTaskId = 1;

  /** Every live thread; `active` excludes the ones exiting, `starting` counts those not yet ready. */
  private readonly workers = new Set<PoolWorker>();
  private active = 0;
  private starting = 0;
  /** Idle workers, oldest first: pop() reuses the warmest, the idle timer retires from the front. */
  private readonly free: PoolWorker[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  private closing = false;
  private destroyed = false;
  private stopWaiters: (() => void)[] = [];
  private roomWaiters: RoomWaiter[] = [];
  private roomRecheck = false;

  private readonly statsListeners = new Set<(stats: PoolStats) => void>();
  private readonly timingListeners = new Set<(timing: TaskTiming) => void>();
  private statsScheduled = false;

  /** Starts no thread: the first `run()` does. */
  constructor(options: PoolOptions) {
    if (typeof options.filename !== 'string' || options.filename === '') {
      throw new TypeError('WorkerPool: options.filename must be the path of a worker entry file');
    }
    this.options = options;
    this.filename = options.filename;
    this.size = resolveSize(options.size ?? 0);
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!(this.idleTimeoutMs >= 0)) throw new RangeError('WorkerPool: idleTimeoutMs must be >= 0');
    this.startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    if (!(this.startTimeoutMs > 0)) throw new RangeError('WorkerPool: startTimeoutMs must be > 0');
    if (options.maxQueue !== undefined && !(options.maxQueue >= 1)) {
      throw new RangeError('WorkerPool: maxQueue must be >= 1');
    }
    this.maxQueueOption = options.maxQueue;
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
    if (this.free.length === 0 && this.queuedCount >= this.maxQueue) {
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

    const worker = this.free.pop();
    if (worker !== undefined) {
      worker.thread.ref();
      if (!this.start(worker, entry)) this.next(worker);
    } else {
      this.queue.push(entry);
      this.queuedCount++;
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
    if (this.queuedCount < this.maxQueue) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: RoomWaiter = { resolve, reject, signal, onAbort: null };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.roomWaiters = this.roomWaiters.filter((w) => w !== waiter);
          reject(new AbortError(signal.reason));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.roomWaiters.push(waiter);
    });
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
    while (this.active > this.size && this.free.length > 0) this.retire(this.free[0]);
    this.spawnAsNeeded();
    this.wakeRoomWaiters();
    this.changed();
  }

  /** The current counters. */
  get stats(): PoolStats {
    return {
      queued: this.queuedCount,
      running: this.runningCount,
      completed: this.completedCount,
      failed: this.failedCount,
      aborted: this.abortedCount,
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
      this.rejectRoomWaiters(() => new PoolClosedError());
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
      this.rejectRoomWaiters(() => new PoolClosedError());
      for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
        if (task.state !== QUEUED) continue;
        this.queuedCount--;
        this.failedCount++;
        this.settle(task, new PoolDestroyedError(), undefined);
      }
      for (const worker of this.workers) {
        const task = worker.task as Task<T, R> | null;
        if (task !== null) {
          worker.task = null;
          this.runningCount--;
          this.failedCount++;
          this.settle(task, new PoolDestroyedError(), undefined);
        }
        if (worker.state !== EXITING) this.retire(worker);
      }
      this.changed();
    }
    const stopped = this.whenStopped();
    this.checkDrained();
    return stopped;
  }

  private get maxQueue(): number {
    return this.maxQueueOption ?? Math.max(16, 4 * this.size);
  }

  /** Posts `task` to an idle or ready `worker`; false if the task could not be sent. */
  private start(worker: PoolWorker, task: Task<T, R>): boolean {
    worker.state = BUSY;
    worker.task = task as Task<unknown, unknown>;
    task.worker = worker;
    task.state = RUNNING;
    this.runningCount++;
    if (task.enqueuedAt !== 0) task.startedAt = performance.now();
    try {
      const message: TaskMessage<T> = { taskId: task.id, task: task.payload };
      worker.port.postMessage(message, task.transferList);
      return true;
    } catch (error) {
      // The task could not be cloned: that is the task's fault, the worker is fine.
      worker.task = null;
      this.runningCount--;
      this.failedCount++;
      this.settle(task, error, undefined);
      return false;
    }
  }

  /** Gives a worker that just became free its next task, or parks or retires it. */
  private next(worker: PoolWorker): void {
    if (this.active > this.size) {
      this.retire(worker);
      return;
    }
    while (this.queuedCount > 0) {
      const task = this.queue.shift()!;
      if (task.state !== QUEUED) continue; // aborted while queued
      this.queuedCount--;
      if (this.roomWaiters.length > 0) this.wakeRoomWaiters();
      if (this.start(worker, task)) return;
    }
    if (this.closing) {
      this.retire(worker);
      return;
    }
    worker.state = IDLE;
    worker.idleSince = Date.now();
    // An idle worker must not keep the process alive; run() refs it again.
    worker.thread.unref();
    this.free.push(worker);
    if (this.idleTimer === undefined) this.armIdleTimer();
  }

  private spawnAsNeeded(): void {
    if (this.destroyed) return; // (close() still needs workers for what is queued)
    while (this.queuedCount > this.starting && this.active < this.size) {
      if (!this.spawn()) return;
    }
  }

  private spawn(): boolean {
    let thread: Worker;
    try {
      thread = new Worker(this.filename, {
        workerData: this.options.workerData,
        env: this.options.env,
        resourceLimits: this.options.resourceLimits,
      });
    } catch (error) {
      this.startFailed(new WorkerStartError(this.filename, -1, error));
      return false;
    }
    // A private channel instead of the Worker's own port: the Worker object re-emits every
    // message of its port as an EventEmitter event, a hop per task we can skip.
    const { port1, port2 } = new MessageChannel();
    thread.postMessage({ port: port2 } satisfies PortMessage, [port2]);
    const worker = new PoolWorker(thread, port1);
    port1.on('message', (message: ResultMessage<R>) => {
      this.onMessage(worker, message);
      this.collectAnswers(worker);
    });
    // The thread's handle alone decides whether the process stays alive (see next()).
    port1.unref();
    thread.on('error', (error) => (worker.lastError = error));
    thread.on('exit', (code) => this.onExit(worker, code));
    if (Number.isFinite(this.startTimeoutMs)) {
      worker.startTimer = setTimeout(() => this.startTimedOut(worker), this.startTimeoutMs);
      worker.startTimer.unref();
    }
    this.workers.add(worker);
    this.active++;
    this.starting++;
    this.logger.debug(`pool: worker ${thread.threadId} starting (${this.active}/${this.size})`);
    return true;
  }

  /**
   * Takes the answers other busy workers have already posted, straight from their ports: one
   * event-loop wake-up then serves several workers instead of one 'message' event each
   * (bench:pool throughput +20-25%).
   */
  private collectAnswers(except: PoolWorker): void {
    for (const worker of this.workers) {
      if (worker === except || worker.state !== BUSY) continue;
      const m = receiveMessageOnPort(worker.port);
      if (m !== undefined) this.onMessage(worker, m.message as ResultMessage<R>);
    }
  }

  private onMessage(worker: PoolWorker, message: ResultMessage<R>): void {
    if (worker.state === EXITING) return; // answer of an aborted or destroyed task
    if (worker.state === STARTING) {
      clearTimeout(worker.startTimer);
      this.starting--;
      // Out of STARTING before next(): if next() stops it (closing, or the pool shrank),
      // retire() must not count it out of `starting` a second time.
      worker.state = IDLE;
      this.logger.debug(`pool: worker ${worker.id} ready`);
      this.next(worker);
      this.changed();
      return;
    }
    const task = this.takeTask(worker, message);
    if (task === null) return;
    // Hand the worker its next task before resolving, so it never waits on our callers.
    this.next(worker);
    this.finish(task, message);
    if (this.closing) this.checkDrained();
    this.changed();
  }

  /** Detaches the task `message` answers from its worker; null for a stale answer. */
  private takeTask(worker: PoolWorker, message: ResultMessage<R>): Task<T, R> | null {
    const task = worker.task as Task<T, R> | null;
    if (task === null || task.id !== message.taskId) return null;
    worker.task = null;
    this.runningCount--;
    return task;
  }

  private finish(task: Task<T, R>, message: ResultMessage<R>): void {
    if (message.error !== undefined) {
      this.failedCount++;
      this.settle(task, reviveError(message.error), undefined);
    } else {
      this.completedCount++;
      this.settle(task, undefined, message.result as R);
    }
  }

  private onExit(worker: PoolWorker, code: number): void {
    clearTimeout(worker.startTimer);
    const state = worker.state;
    if (state === BUSY) {
      // An answer posted just before the thread died may still be in the port: a task that
      // completed must not be reported as crashed. (No next(): this worker is gone.)
      for (let m = receiveMessageOnPort(worker.port); m !== undefined; m = receiveMessageOnPort(worker.port)) {
        const task = this.takeTask(worker, m.message as ResultMessage<R>);
        if (task !== null) this.finish(task, m.message as ResultMessage<R>);
      }
    }
    worker.port.close();
    this.workers.delete(worker);
    if (state !== EXITING) {
      this.active--;
      worker.state = EXITING;
    }
    const id = worker.id;
    if (state === STARTING) {
      this.starting--;
      this.startFailed(new WorkerStartError(this.filename, code, worker.lastError));
    } else if (state === IDLE) {
      this.removeFree(worker);
      this.logger.debug(`pool: idle worker ${id} exited unexpectedly (code ${code})`);
    } else if (state === BUSY && worker.task !== null) {
      const task = worker.task as Task<T, R>;
      worker.task = null;
      this.runningCount--;
      this.failedCount++;
      const error = crashError(code, worker.lastError);
      this.logger.debug(`pool: worker ${id} crashed: ${error.message}`);
      this.settle(task, error, undefined);
    } else {
      this.logger.debug(`pool: worker ${id} exited`);
    }
    // Replace a worker that died; one that never started is not retried here (no respawn loop).
    if (state !== STARTING) this.spawnAsNeeded();
    this.checkDrained();
    this.changed();
  }

  /** A worker still not ready after startTimeoutMs: stopped; its 'exit' reports the failed start. */
  private startTimedOut(worker: PoolWorker): void {
    if (worker.state !== STARTING) return;
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
    if (this.active > 0) return;
    for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
      if (task.state !== QUEUED) continue;
      this.queuedCount--;
      this.failedCount++;
      this.settle(task, error, undefined);
    }
    this.wakeRoomWaiters();
  }

  private abort(task: Task<T, R>): void {
    const reason = task.signal?.reason;
    if (task.state === QUEUED) {
      this.queuedCount--; // the entry stays in the deque and is skipped when reached
      this.wakeRoomWaiters();
    } else if (task.state === RUNNING) {
      // Terminating interrupts even a synchronous loop; the replacement starts at once.
      const worker = task.worker!;
      worker.task = null;
      this.runningCount--;
      this.retire(worker);
      this.spawnAsNeeded();
    } else {
      return;
    }
    this.abortedCount++;
    this.settle(task, new AbortError(reason), undefined);
    this.checkDrained();
    this.changed();
  }

  private settle(task: Task<T, R>, error: unknown, result: R | undefined): void {
    const wasRunning = task.state === RUNNING;
    task.state = DONE;
    task.worker = null;
    if (task.onAbort !== null) {
      task.signal!.removeEventListener('abort', task.onAbort);
      task.onAbort = null;
    }
    if (task.enqueuedAt !== 0) this.reportTiming(task, wasRunning, error);
    if (error === undefined) task.resolve(result as R);
    else task.reject(error);
  }

  private reportTiming(task: Task<T, R>, ran: boolean, error: unknown): void {
    const now = performance.now();
    const timing: TaskTiming = {
      waitMs: (ran ? task.startedAt : now) - task.enqueuedAt,
      runMs: ran ? now - task.startedAt : 0,
      outcome: error === undefined ? 'completed' : error instanceof AbortError ? 'aborted' : 'failed',
    };
    for (const listener of this.timingListeners) this.callListener(listener, timing);
  }

  /** Stops a worker for good; its 'exit' event does the bookkeeping of the thread. */
  private retire(worker: PoolWorker): void {
    if (worker.state === STARTING) this.starting--;
    if (worker.state === IDLE) this.removeFree(worker);
    worker.state = EXITING;
    this.active--;
    worker.thread.unref();
    void worker.thread.terminate();
  }

  private removeFree(worker: PoolWorker): void {
    const at = this.free.indexOf(worker);
    if (at >= 0) this.free.splice(at, 1);
  }

  private armIdleTimer(): void {
    if (this.free.length === 0 || !Number.isFinite(this.idleTimeoutMs)) return;
    const delay = Math.max(0, this.free[0].idleSince + this.idleTimeoutMs - Date.now());
    // setTimeout treats anything above 2^31-1 ms as 1 ms.
    this.idleTimer = setTimeout(this.onIdleTimer, Math.min(delay, 0x7fffffff));
    this.idleTimer.unref();
  }

  private readonly onIdleTimer = (): void => {
    this.idleTimer = undefined;
    const now = Date.now();
    let retired = 0;
    while (this.free.length > 0 && now - this.free[0].idleSince >= this.idleTimeoutMs) {
      this.retire(this.free[0]);
      retired++;
    }
    if (retired > 0) this.logger.debug(`pool: ${retired} idle worker(s) exiting`);
    this.armIdleTimer();
    this.changed();
  };

  private wakeRoomWaiters(): void {
    let room = this.maxQueue - this.queuedCount;
    if (room <= 0 || this.roomWaiters.length === 0) return;
    while (room > 0 && this.roomWaiters.length > 0) {
      const waiter = this.roomWaiters.shift()!;
      if (waiter.onAbort !== null) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
      room--;
    }
    // A woken producer that does not use its room must not strand the others: look again
    // once the woken ones have had their turn.
    if (this.roomWaiters.length > 0 && !this.roomRecheck) {
      this.roomRecheck = true;
      setImmediate(() => {
        this.roomRecheck = false;
        this.wakeRoomWaiters();
      });
    }
  }

  private rejectRoomWaiters(makeError: () => Error): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const waiter of waiters) {
      if (waiter.onAbort !== null) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      waiter.reject(makeError());
    }
  }

  private whenStopped(): Promise<void> {
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  /** Once closing and out of work: stop the remaining workers, then settle close()/destroy(). */
  private checkDrained(): void {
    if (!this.closing || this.queuedCount > 0 || this.runningCount > 0) return;
    for (const worker of this.workers) if (worker.state !== EXITING) this.retire(worker);
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

function crashError(code: number, error: unknown): WorkerCrashedError {
  if ((error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new WorkerCrashedError('out-of-memory', code, error);
  }
  if (error !== undefined) return new WorkerCrashedError('uncaught', code, error);
  return new WorkerCrashedError('exit', code);
}
