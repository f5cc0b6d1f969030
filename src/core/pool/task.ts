import type { TransferListItem } from 'node:worker_threads';
import { Deque } from './deque';
import type { PoolWorker } from './workers';

/** Queued until a worker takes it, running until it settles, then done for good. */
export type TaskState = 'queued' | 'running' | 'done';

/** One `run()` call: its payload, its promise's ends, and where it is. */
export class Task<T, R> {
  state: TaskState = 'queued';
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
