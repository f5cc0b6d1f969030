import { performance } from 'node:perf_hooks';
import type { TransferListItem } from 'node:worker_threads';
import { Deque } from './deque';
import type { Outcome, TaskTiming } from './types';
import type { PoolWorker } from './workers';

/** Queued until a worker takes it, running until it settles, then done for good. */
export type TaskState = 'queued' | 'running' | 'done';

/** One `run()` call: its payload, its promise, and where it is. */
export class Task<T, R> {
  state: TaskState = 'queued';
  worker: PoolWorker<T, R> | null = null;
  readonly promise: Promise<R>;
  private resolve!: (result: R) => void;
  private reject!: (error: unknown) => void;
  onAbort: (() => void) | null = null;
  /** 0 unless someone listens to task timings. */
  enqueuedAt = 0;
  startedAt = 0;

  constructor(
    readonly id: number,
    readonly payload: T,
    readonly transferList: readonly TransferListItem[] | undefined,
    readonly signal: AbortSignal | undefined,
    timed: boolean,
  ) {
    this.promise = new Promise<R>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (timed) this.enqueuedAt = performance.now();
  }

  /** Calls `onAbort` when the task's signal (it has one) fires, until the task settles. */
  listenForAbort(onAbort: () => void): void {
    this.onAbort = onAbort;
    this.signal!.addEventListener('abort', onAbort, { once: true });
  }

  /** A worker has taken the task. */
  started(worker: PoolWorker<T, R>): void {
    this.worker = worker;
    this.state = 'running';
    if (this.enqueuedAt !== 0) this.startedAt = performance.now();
  }

  /**
   * Ends the task for good: its signal unhooked, its promise settled. Returns how long it
   * waited and ran when it was timed.
   */
  settle(error: unknown, result: R | undefined, outcome: Outcome): TaskTiming | undefined {
    const ran = this.state === 'running';
    this.state = 'done';
    this.worker = null;
    if (this.onAbort !== null) {
      this.signal!.removeEventListener('abort', this.onAbort);
      this.onAbort = null;
    }
    if (error === undefined) this.resolve(result as R);
    else this.reject(error);
    if (this.enqueuedAt === 0) return undefined;
    const now = performance.now();
    return { waitMs: (ran ? this.startedAt : now) - this.enqueuedAt, runMs: ran ? now - this.startedAt : 0, outcome };
  }
}

/**
 * The tasks waiting for a worker, oldest first. A task aborted while queued stays in the ring
 * until reached (taking it out of the middle would copy the ring) but no longer counts.
 */
export class TaskQueue<T, R> {
  private readonly ring = new Deque<Task<T, R>>();
  private waiting = 0;

  /** Tasks still queued. */
  get length(): number {
    return this.waiting;
  }

  push(task: Task<T, R>): void {
    this.ring.push(task);
    this.waiting++;
  }

  /** The oldest task still queued, taken out of the queue. */
  shift(): Task<T, R> | undefined {
    for (let task = this.ring.shift(); task !== undefined; task = this.ring.shift()) {
      if (task.state !== 'queued') continue;
      this.waiting--;
      return task;
    }
    return undefined;
  }

  /** A queued task that leaves by other means (its signal aborted); it is skipped when reached. */
  forget(task: Task<T, R>): void {
    if (task.state === 'queued') this.waiting--;
  }
}
