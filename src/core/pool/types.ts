import type { ResourceLimits, TransferListItem } from 'node:worker_threads';
import type { Logger } from '../log';

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

/** How a settled task ended. */
export type Outcome = TaskTiming['outcome'];

/** Returned by event subscriptions. */
export interface Disposable {
  dispose(): void;
}
