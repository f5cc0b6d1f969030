import { availableParallelism } from 'node:os';
import type { Logger } from '../log';
import { nullLogger } from '../log';
import type { PoolOptions } from './types';

/** What an option left out means (see PoolOptions). */
export const DEFAULT_OPTIONS = {
  idleTimeoutMs: 10_000,
  startTimeoutMs: 30_000,
  logger: nullLogger,
} as const;

/** PoolOptions checked, with their defaults filled in. */
export interface ResolvedOptions extends PoolOptions {
  idleTimeoutMs: number;
  startTimeoutMs: number;
  logger: Logger;
}

/** @throws TypeError or RangeError naming the option that is wrong */
export function resolveOptions(options: PoolOptions): ResolvedOptions {
  if (typeof options.filename !== 'string' || options.filename === '') {
    throw new TypeError('WorkerPool: options.filename must be the path of a worker entry file');
  }
  const resolved: ResolvedOptions = {
    ...options,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_OPTIONS.idleTimeoutMs,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_OPTIONS.startTimeoutMs,
    logger: options.logger ?? DEFAULT_OPTIONS.logger,
  };
  if (!(resolved.idleTimeoutMs >= 0)) throw new RangeError('WorkerPool: idleTimeoutMs must be >= 0');
  if (!(resolved.startTimeoutMs > 0)) throw new RangeError('WorkerPool: startTimeoutMs must be > 0');
  if (options.maxQueue !== undefined && !(options.maxQueue >= 1)) {
    throw new RangeError('WorkerPool: maxQueue must be >= 1');
  }
  return resolved;
}

/** The number of workers `size` asks for (0 = one per core). */
export function resolveSize(size: number): number {
  if (!Number.isInteger(size) || size < 0) {
    throw new RangeError(`WorkerPool: size must be a whole number >= 0 (0 = auto), got ${size}`);
  }
  return size === 0 ? availableParallelism() : size;
}

/** The queue bound for a pool of `size` workers: the option, or one that follows resizes. */
export function maxQueueFor(options: PoolOptions, size: number): number {
  return options.maxQueue ?? Math.max(16, 4 * size);
}
