import * as assert from 'node:assert/strict';
import { WorkerPool } from '../../../src/core/pool';
import type { Op } from '../../fixtures/workers/ops';
import { delay, destroyAll, fixture, opsPool, rejection, startCounter, track, waitFor } from './helpers';

/** Workers that serve with sleepWhenIdle: blocked in Atomics.wait between tasks. */
const sleepingPool = (options: Parameters<typeof opsPool>[0] = {}): WorkerPool<Op, unknown> =>
  opsPool({ ...options, workerData: { ...(options.workerData as object | undefined), sleepWhenIdle: true } });

suite('WorkerPool with workers that sleep between tasks (serveTasks sleepWhenIdle)', () => {
  teardown(destroyAll);

  test('synchronous and asynchronous handlers answer every task, in any order of arrival', async () => {
    const sync = track(new WorkerPool<number, number>({ filename: fixture('noop-sleep'), size: 2, maxQueue: 4_096 }));
    const inputs = Array.from({ length: 2_000 }, (_, i) => i);
    assert.deepEqual(await Promise.all(inputs.map((n) => sync.run(n))), inputs.map((n) => n + 1));
    const pool = sleepingPool({ size: 2, maxQueue: 64 });
    const values = await Promise.all(Array.from({ length: 50 }, (_, i) => pool.run({ op: 'sleep', ms: i % 3, value: i })));
    assert.deepEqual(values, Array.from({ length: 50 }, (_, i) => i));
    // Errors still cross as errors.
    const error = await rejection(pool.run({ op: 'throw', message: 'bad input', async: true }));
    assert.equal(error.message, 'bad input');
  });

  test('one task at a time per worker', async () => {
    const pool = sleepingPool({ size: 2 });
    const results = (await Promise.all(Array.from({ length: 8 }, () => pool.run({ op: 'concurrency', ms: 20 })))) as Array<{
      threadId: number;
      most: number;
    }>;
    for (const r of results) assert.equal(r.most, 1, `worker ${r.threadId} ran two tasks at once`);
    assert.equal(new Set(results.map((r) => r.threadId)).size, 2);
  });

  test('a sleeping worker is stopped by the idle timeout, and a new one starts on the next task', async () => {
    const starts = startCounter();
    const pool = sleepingPool({ size: 1, idleTimeoutMs: 50, workerData: starts.data });
    assert.equal(await pool.run({ op: 'echo', value: 1 }), 1);
    await waitFor(() => pool.stats.workers === 0, 'the idle worker to exit');
    assert.equal(await pool.run({ op: 'echo', value: 2 }), 2);
    assert.equal(starts.count, 2);
  });

  test('aborting a running task stops it within 200 ms, and the pool carries on', async () => {
    const pool = sleepingPool({ size: 1 });
    const controller = new AbortController();
    const spinning = pool.run({ op: 'spin' }, { signal: controller.signal });
    await delay(50);
    const started = Date.now();
    controller.abort(new Error('stop'));
    await rejection(spinning);
    assert.ok(Date.now() - started < 200, `${Date.now() - started} ms`);
    assert.equal(await pool.run({ op: 'echo', value: 'after' }), 'after');
  });

  test('a worker that exits in a task fails only that task', async () => {
    const pool = sleepingPool({ size: 1 });
    const error = await rejection(pool.run({ op: 'exit', code: 3 }));
    assert.match(error.message, /exit/i);
    assert.equal(await pool.run({ op: 'echo', value: 'next' }), 'next');
  });

  test('close() finishes the work; destroy() stops sleeping and busy workers at once', async () => {
    const pool = sleepingPool({ size: 2 });
    const work = [1, 2, 3].map((value) => pool.run({ op: 'sleep', ms: 10, value }));
    await pool.close();
    assert.deepEqual(await Promise.all(work), [1, 2, 3]);
    assert.equal(pool.stats.workers, 0);

    const other = sleepingPool({ size: 2 });
    await other.run({ op: 'echo', value: 0 }); // one worker now sleeps
    const hanging = other.run({ op: 'hang' });
    await delay(20);
    await other.destroy();
    await rejection(hanging);
    assert.equal(other.stats.workers, 0);
  });

  test('the documented catch: a timer a task leaves behind waits until the next task wakes the thread', async () => {
    // die-later answers, then schedules a throw; while the worker sleeps, nothing runs it.
    const pool = sleepingPool({ size: 1 });
    assert.equal(await pool.run({ op: 'die-later', ms: 5, value: 'answered' }), 'answered');
    await delay(100);
    assert.equal(pool.stats.workers, 1, 'still alive: its event loop did not run');
    assert.equal(pool.stats.failed, 0);
  });
});
