import * as path from 'node:path';
import type { PoolOptions } from '../../../src/core/pool';
import { WorkerPool } from '../../../src/core/pool';
import type { Op } from '../../fixtures/workers/ops';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/workers');
export const fixture = (name: string): string => path.join(FIXTURES, `${name}.js`);

/** A shared counter the fixture workers bump once per thread start. */
export function startCounter(): { data: { starts: Int32Array }; readonly count: number } {
  const starts = new Int32Array(new SharedArrayBuffer(4));
  return {
    data: { starts },
    get count() {
      return Atomics.load(starts, 0);
    },
  };
}

const pools = new Set<WorkerPool<never, unknown>>();

/** A pool on the ops fixture with a short idle timeout; destroyed after each test. */
export function opsPool(options: Partial<PoolOptions> = {}): WorkerPool<Op, unknown> {
  const pool = new WorkerPool<Op, unknown>({ filename: fixture('ops'), idleTimeoutMs: 1_000, ...options });
  pools.add(pool as WorkerPool<never, unknown>);
  return pool;
}

export function track<T, R>(pool: WorkerPool<T, R>): WorkerPool<T, R> {
  pools.add(pool as unknown as WorkerPool<never, unknown>);
  return pool;
}

export async function destroyAll(): Promise<void> {
  const all = [...pools];
  pools.clear();
  await Promise.all(all.map((pool) => pool.destroy()));
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** Resolves with the rejection reason; fails if the promise resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}
