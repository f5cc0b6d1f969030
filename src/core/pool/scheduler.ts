/**
 * Which worker runs what: the queue, the workers' lives, answers, crashes, aborts and the drain at
 * close. WorkerPool (index.ts) is its public face and checks what callers ask before it gets here.
 */
import { AbortError, PoolClosedError, PoolDestroyedError, WorkerStartError } from './errors';
import { PoolEvents } from './events';
import { IdleReaper } from './idle';
import { maxQueueFor, type ResolvedOptions } from './options';
import type { ResultMessage } from './protocol';
import { reviveError } from './protocol';
import { RoomWaiters } from './room';
import { Task, TaskQueue } from './task';
import type { Outcome, PoolStats, RunOptions } from './types';
import { crashError, startThread, WorkerSet, type PoolWorker, type WorkerListener } from './workers';

export class Scheduler<T, R> {
  private readonly queue = new TaskQueue<T, R>();
  private readonly workers = new WorkerSet<T, R>();
  private readonly roomWaiters = new RoomWaiters(() => this.maxQueue - this.queue.length);
  readonly events: PoolEvents;
  private readonly idle: IdleReaper<T, R>;
  private readonly settled: Record<Outcome, number> = { completed: 0, failed: 0, aborted: 0 };
  private nextTaskId = 1;

  /** No more tasks are taken: close() or destroy() was called. */
  closing = false;
  private destroyed = false;
  private stopWaiters: (() => void)[] = [];

  private readonly listener: WorkerListener<T, R> = {
    onMessage: (worker, message) => {
      this.onMessage(worker, message);
      this.collectAnswers(worker);
    },
    onExit: (worker, code) => this.onExit(worker, code),
  };

  constructor(
    private readonly options: ResolvedOptions,
    private size: number,
  ) {
    this.events = new PoolEvents(() => this.stats, options.logger);
    this.idle = new IdleReaper(this.workers, options.idleTimeoutMs, options.logger, () => this.events.changed());
  }

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

  /** No idle worker takes a task now and the queue is at its bound. */
  get full(): boolean {
    return this.workers.free.length === 0 && this.queue.length >= this.maxQueue;
  }

  /** Resolves once the queue has room (see WorkerPool.waitForRoom). */
  waitForRoom(signal: AbortSignal | undefined): Promise<void> {
    return this.queue.length < this.maxQueue ? Promise.resolve() : this.roomWaiters.wait(signal);
  }

  /** Hands `payload` to an idle worker, or queues it and starts workers as needed. */
  submit(payload: T, options: RunOptions | undefined): Promise<R> {
    const task = new Task<T, R>(this.nextTaskId++, payload, options?.transferList, options?.signal, this.events.timed);
    if (task.signal !== undefined) task.listenForAbort(() => this.abort(task));
    const worker = this.workers.free.pop();
    if (worker !== undefined) {
      worker.thread.ref();
      if (!this.start(worker, task)) this.next(worker);
    } else {
      this.queue.push(task);
      this.spawnAsNeeded();
    }
    this.events.changed();
    return task.promise;
  }

  resize(size: number): void {
    if (size === this.size) return;
    this.options.logger.debug(`pool: resize ${this.size} -> ${size}`);
    this.size = size;
    while (this.workers.active > this.size && this.workers.free.length > 0) this.workers.retire(this.workers.free[0]);
    this.spawnAsNeeded();
    this.roomWaiters.wake();
    this.events.changed();
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.options.logger.debug('pool: closing');
      this.closing = true;
      this.roomWaiters.rejectAll(() => new PoolClosedError());
    }
    return this.whenStopped();
  }

  destroy(): Promise<void> {
    if (!this.destroyed) {
      this.options.logger.debug('pool: destroying');
      this.destroyed = true;
      this.closing = true;
      this.roomWaiters.rejectAll(() => new PoolClosedError());
      this.rejectQueued(new PoolDestroyedError());
      for (const worker of this.workers) {
        const task = worker.takeTask();
        if (worker.state !== 'exiting') this.workers.retire(worker);
        if (task !== null) this.settle(task, new PoolDestroyedError(), undefined);
      }
      this.events.changed();
    }
    return this.whenStopped();
  }

  get maxQueue(): number {
    return maxQueueFor(this.options, this.size);
  }

  /** Posts `task` to an idle or ready `worker`; false if the task could not be sent. */
  private start(worker: PoolWorker<T, R>, task: Task<T, R>): boolean {
    this.workers.setState(worker, 'busy');
    try {
      worker.assign(task);
      return true;
    } catch (error) {
      // The task could not be cloned: that is the task's fault, the worker is fine.
      this.settle(task, error, undefined);
      return false;
    }
  }

  /** Gives a worker that just became free its next task, or parks or retires it. */
  private next(worker: PoolWorker<T, R>): void {
    if (this.workers.active > this.size) {
      this.workers.retire(worker);
      return;
    }
    for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) {
      if (this.roomWaiters.length > 0) this.roomWaiters.wake();
      if (this.start(worker, task)) return;
    }
    if (this.closing) {
      this.workers.retire(worker);
      return;
    }
    this.workers.setState(worker, 'idle');
    // An idle worker must not keep the process alive; run() refs it again.
    worker.thread.unref();
    this.idle.arm();
  }

  private spawnAsNeeded(): void {
    if (this.destroyed) return; // (close() still needs workers for what is queued)
    while (this.queue.length > this.workers.starting && this.workers.active < this.size) {
      let worker: PoolWorker<T, R>;
      try {
        worker = startThread(this.options, this.listener);
      } catch (error) {
        this.startFailed(new WorkerStartError(this.options.filename, -1, error));
        return;
      }
      this.workers.add(worker);
      this.options.logger.debug(`pool: worker ${worker.id} starting (${this.workers.active}/${this.size})`);
    }
  }

  /**
   * Takes the answers other busy workers have already posted, straight from their ports: one
   * event-loop wake-up then serves several workers instead of one 'message' event each
   * (bench:pool throughput +20-25%).
   */
  private collectAnswers(except: PoolWorker<T, R>): void {
    for (const worker of this.workers) {
      if (worker === except || worker.state !== 'busy') continue;
      const message = worker.receive();
      if (message !== undefined) this.onMessage(worker, message);
    }
  }

  private onMessage(worker: PoolWorker<T, R>, message: ResultMessage<R>): void {
    if (worker.state === 'exiting') return; // answer of an aborted or destroyed task
    if (worker.state === 'starting') {
      clearTimeout(worker.startTimer);
      this.options.logger.debug(`pool: worker ${worker.id} ready`);
      this.next(worker);
      this.events.changed();
      return;
    }
    const task = worker.takeAnswered(message);
    if (task === null) return;
    // Hand the worker its next task before resolving, so it never waits on our callers.
    this.next(worker);
    this.finish(task, message);
    if (this.closing) this.checkDrained();
    this.events.changed();
  }

  private finish(task: Task<T, R>, message: ResultMessage<R>): void {
    if (message.error !== undefined) this.settle(task, reviveError(message.error), undefined);
    else this.settle(task, undefined, message.result as R);
  }

  private onExit(worker: PoolWorker<T, R>, code: number): void {
    clearTimeout(worker.startTimer);
    const state = worker.state;
    if (state === 'busy') {
      // An answer posted just before the thread died may still be in the port: a task that
      // completed must not be reported as crashed. (No next(): this worker is gone.)
      for (let m = worker.receive(); m !== undefined; m = worker.receive()) {
        const task = worker.takeAnswered(m);
        if (task !== null) this.finish(task, m);
      }
    }
    worker.port.close();
    const crashed = state === 'busy' ? worker.takeTask() : null;
    this.workers.delete(worker);
    const log = this.options.logger;
    if (state === 'starting') {
      this.startFailed(new WorkerStartError(this.options.filename, code, worker.lastError));
    } else if (state === 'idle') {
      log.debug(`pool: idle worker ${worker.id} exited unexpectedly (code ${code})`);
    } else if (crashed !== null) {
      const error = crashError(code, worker.lastError);
      log.debug(`pool: worker ${worker.id} crashed: ${error.message}`);
      this.settle(crashed, error, undefined);
    } else {
      log.debug(`pool: worker ${worker.id} exited`);
    }
    // Replace a worker that died; one that never started is not retried here (no respawn loop).
    if (state !== 'starting') this.spawnAsNeeded();
    this.checkDrained();
    this.events.changed();
  }

  /**
   * A worker died before calling serveTasks(). If no other worker is alive or starting, the
   * queued tasks cannot run: reject them with the reason rather than respawn in a loop. The
   * next run() tries again, once.
   */
  private startFailed(error: WorkerStartError): void {
    this.options.logger.debug(`pool: ${error.message}`);
    if (this.workers.active > 0) return;
    this.rejectQueued(error);
    this.roomWaiters.wake();
  }

  private rejectQueued(error: Error): void {
    for (let task = this.queue.shift(); task !== undefined; task = this.queue.shift()) this.settle(task, error, undefined);
  }

  private abort(task: Task<T, R>): void {
    if (task.state === 'queued') {
      this.queue.forget(task);
      this.roomWaiters.wake();
    } else if (task.state === 'running') {
      // Terminating interrupts even a synchronous loop; the replacement starts at once.
      const worker = task.worker!;
      worker.takeTask();
      this.workers.retire(worker);
      this.spawnAsNeeded();
    } else {
      return;
    }
    this.settle(task, new AbortError(task.signal?.reason), undefined);
    this.checkDrained();
    this.events.changed();
  }

  /** Ends a task: its counter, its timing, its promise. Every task passes here exactly once. */
  private settle(task: Task<T, R>, error: unknown, result: R | undefined): void {
    const outcome: Outcome = error === undefined ? 'completed' : error instanceof AbortError ? 'aborted' : 'failed';
    this.settled[outcome]++;
    const timing = task.settle(error, result, outcome);
    if (timing !== undefined) this.events.timing(timing);
  }

  private whenStopped(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.stopWaiters.push(resolve));
    this.checkDrained();
    return stopped;
  }

  /** Once closing and out of work: stop the remaining workers, then settle close()/destroy(). */
  private checkDrained(): void {
    if (!this.closing || this.queue.length > 0 || this.workers.running > 0) return;
    for (const worker of this.workers) if (worker.state !== 'exiting') this.workers.retire(worker);
    this.idle.stop();
    if (this.workers.size > 0) return;
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
