/**
 * A pool of worker threads, each running one task at a time, driven asynchronously from the
 * caller's side (the idea of aiomisc's WorkerPool). Plain Node, no knowledge of what the
 * tasks are: worker entry files answer tasks with `serveTasks()` from `./worker`.
 *
 * This file is the public face. Behind it: the scheduler (scheduler.ts), the options and their
 * defaults (options.ts), the queue (task.ts), the threads and their counts (workers.ts), the idle
 * timer (idle.ts), producers waiting for room (room.ts), the listeners (events.ts) and the errors
 * (errors.ts).
 */
import { AbortError, PoolClosedError, QueueFullError } from './errors';
import { resolveOptions, resolveSize } from './options';
import { Scheduler } from './scheduler';
import type { Disposable, PoolOptions, PoolStats, RunOptions, TaskTiming } from './types';

export * from './errors';
export type { Disposable, PoolOptions, PoolStats, RunOptions, TaskTiming } from './types';

/**
 * Runs tasks on up to `size` worker threads, one task per worker at a time. Workers start
 * on demand, exit when idle, and are replaced when they crash. See `PoolOptions`.
 */
export class WorkerPool<T = unknown, R = unknown> {
  private readonly scheduler: Scheduler<T, R>;

  /** Starts no thread: the first `run()` does. */
  constructor(options: PoolOptions) {
    this.scheduler = new Scheduler<T, R>(resolveOptions(options), resolveSize(options.size ?? 0));
  }

  /**
   * Runs `task` on a worker and resolves with what its handler returned. Rejects with the
   * handler's error (same name, message, stack and code), an {@link AbortError}, a
   * {@link WorkerCrashedError}, a {@link WorkerStartError}, a {@link QueueFullError} when
   * the queue is at `maxQueue`, or a {@link PoolClosedError} after close/destroy.
   */
  run(task: T, options?: RunOptions): Promise<R> {
    if (this.scheduler.closing) return Promise.reject(new PoolClosedError());
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    if (this.scheduler.full) return Promise.reject(new QueueFullError(this.scheduler.maxQueue));
    return this.scheduler.submit(task, options);
  }

  /**
   * Resolves once the queue has room for another task, so a producer can feed any number of
   * tasks while holding at most `maxQueue` of them: `await pool.waitForRoom(); pool.run(x)`.
   * Waiters are woken in order, as many as there is room for.
   */
  waitForRoom(signal?: AbortSignal): Promise<void> {
    if (this.scheduler.closing) return Promise.reject(new PoolClosedError());
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    return this.scheduler.waitForRoom(signal);
  }

  /**
   * Changes the maximum number of workers (0 = auto). Growing starts workers for queued
   * tasks; shrinking retires idle workers now and busy ones when their task ends. Queued
   * tasks are kept.
   */
  resize(size: number): void {
    this.scheduler.resize(resolveSize(size));
  }

  /** The current counters. */
  get stats(): PoolStats {
    return this.scheduler.stats;
  }

  /**
   * Calls `listener` with fresh stats after they change. Changes are coalesced: at most one
   * call per event-loop turn, however many tasks moved in it.
   */
  onDidChangeStats(listener: (stats: PoolStats) => void): Disposable {
    return this.scheduler.events.onStats(listener);
  }

  /**
   * Calls `listener` when a task settles, with how long it waited and ran. Tasks are only
   * timed while at least one listener is registered (from the moment they are submitted).
   */
  onDidFinishTask(listener: (timing: TaskTiming) => void): Disposable {
    return this.scheduler.events.onTiming(listener);
  }

  /**
   * Stops accepting tasks, lets the queued and running ones finish, then stops the workers.
   * Resolves when every thread has exited.
   */
  close(): Promise<void> {
    return this.scheduler.close();
  }

  /**
   * Stops every worker now and rejects each queued and running task with a
   * {@link PoolDestroyedError}. Resolves when every thread has exited.
   */
  destroy(): Promise<void> {
    return this.scheduler.destroy();
  }
}
