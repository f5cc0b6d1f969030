import * as assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import type { PoolStats } from '../../../src/core/pool';
import { PoolClosedError, PoolDestroyedError, WorkerPool } from '../../../src/core/pool';
import { delay, destroyAll, fixture, opsPool, rejection, startCounter, track, waitFor } from './helpers';

suite('WorkerPool lifecycle', () => {
  teardown(destroyAll);

  test('starts no thread until the first task', async () => {
    const starts = startCounter();
    const pool = opsPool({ size: 2, workerData: starts.data });
    await delay(100);
    assert.equal(starts.count, 0);
    assert.equal(pool.stats.workers, 0);

    assert.equal(await pool.run({ op: 'echo', value: 1 }), 1);
    // One task needs one worker, not the whole pool.
    assert.equal(starts.count, 1);
    assert.equal(pool.stats.workers, 1);
  });

  test('size defaults to the available parallelism, and 0 means the same', () => {
    assert.equal(opsPool().stats.size, availableParallelism());
    assert.equal(opsPool({ size: 0 }).stats.size, availableParallelism());
    assert.equal(opsPool({ size: 3 }).stats.size, 3);
    assert.throws(() => opsPool({ size: -1 }), RangeError);
  });

  test('runs at most `size` tasks at once, one per worker', async () => {
    const pool = opsPool({ size: 3 });
    let mostRunning = 0;
    pool.onDidChangeStats((s) => (mostRunning = Math.max(mostRunning, s.running)));
    const results = (await Promise.all(
      Array.from({ length: 12 }, () => pool.run({ op: 'concurrency', ms: 20 })),
    )) as { threadId: number; most: number }[];

    for (const r of results) assert.equal(r.most, 1, `worker ${r.threadId} ran two tasks at once`);
    assert.equal(new Set(results.map((r) => r.threadId)).size, 3);
    assert.ok(mostRunning <= 3, `running reached ${mostRunning}`);
  });

  test('idle workers exit after the idle timeout and restart on the next task', async () => {
    const starts = startCounter();
    const pool = opsPool({ size: 2, idleTimeoutMs: 50, workerData: starts.data });
    await Promise.all([pool.run({ op: 'sleep', ms: 20 }), pool.run({ op: 'sleep', ms: 20 })]);
    assert.equal(pool.stats.workers, 2);

    await waitFor(() => pool.stats.workers === 0, 'idle workers to exit');
    assert.equal(await pool.run({ op: 'echo', value: 'again' }), 'again');
    assert.equal(starts.count, 3);
  });

  test('a busy worker is not stopped by the idle timeout', async () => {
    const starts = startCounter();
    const pool = opsPool({ size: 1, idleTimeoutMs: 20, workerData: starts.data });
    assert.equal(await pool.run({ op: 'sleep', ms: 150, value: 'slow' }), 'slow');
    assert.equal(starts.count, 1);
  });

  test('growing the pool starts workers for queued tasks', async () => {
    const pool = opsPool({ size: 1 });
    const work = Array.from({ length: 6 }, (_, i) => pool.run({ op: 'sleep', ms: 100, value: i }));
    await waitFor(() => pool.stats.running === 1, 'the first task to run');
    pool.resize(3);
    await waitFor(() => pool.stats.running === 3, 'three tasks running after the resize');
    assert.deepEqual(await Promise.all(work), [0, 1, 2, 3, 4, 5]);
  });

  test('shrinking the pool keeps queued tasks and retires the extra workers', async () => {
    const pool = opsPool({ size: 3 });
    const work = Array.from({ length: 12 }, () => pool.run({ op: 'concurrency', ms: 30 }));
    await waitFor(() => pool.stats.running === 3, 'three tasks running');
    const firstQueued = pool.stats.completed + pool.stats.running; // tasks start in order
    pool.resize(1);
    const results = (await Promise.all(work)) as { threadId: number }[];
    assert.equal(results.length, 12);
    const threadsAfter = new Set(results.slice(firstQueued).map((r) => r.threadId));
    assert.equal(threadsAfter.size, 1, `tasks queued at the resize ran on ${threadsAfter.size} threads`);
    await waitFor(() => pool.stats.workers === 1, 'the extra workers to exit');
    assert.equal(pool.stats.size, 1);
    assert.throws(() => pool.resize(1.5), RangeError);
  });

  test('close() finishes queued and running tasks, then stops every worker', async () => {
    const pool = opsPool({ size: 2 });
    const work = [1, 2, 3, 4, 5].map((value) => pool.run({ op: 'sleep', ms: 20, value }));
    await pool.close();
    assert.deepEqual(await Promise.all(work), [1, 2, 3, 4, 5]);
    assert.equal(pool.stats.workers, 0);
    assert.ok((await rejection(pool.run({ op: 'echo', value: 1 }))) instanceof PoolClosedError);
    await pool.close(); // idempotent
  });

  test('a worker that becomes ready after close() took the last task is stopped, not replaced in a loop', async () => {
    // The first worker runs both tasks; the second is ready (150 ms) while the first still runs
    // the 400 ms one, with nothing left in the queue. Once, that ready worker was counted out of
    // "starting" twice, and every exit after it started a new worker: close() never resolved.
    const starts = startCounter();
    const pool = track(new WorkerPool<number, number>({ filename: fixture('slow-second-start'), size: 2, workerData: starts.data }));
    const work = [10, 400].map((ms) => pool.run(ms));
    const closed = pool.close();
    assert.deepEqual(await Promise.all(work), [10, 400]);
    const outcome = await Promise.race([closed.then(() => 'closed'), delay(3_000).then(() => 'still closing')]);
    assert.equal(outcome, 'closed');
    assert.equal(pool.stats.workers, 0);
    assert.equal(starts.count, 2, 'no worker started after close()');
  });

  test('a worker that becomes ready after the pool shrank is stopped, and idle exits start no new one', async () => {
    const starts = startCounter();
    const pool = track(new WorkerPool<number, number>({ filename: fixture('slow-second-start'), size: 2, idleTimeoutMs: 200, workerData: starts.data }));
    const work = [10, 400].map((ms) => pool.run(ms));
    pool.resize(1);
    assert.deepEqual(await Promise.all(work), [10, 400]);
    // The remaining worker idles out; with the count off by one, its exit started another.
    await waitFor(() => pool.stats.workers === 0, 'the last worker to idle out');
    await delay(500);
    assert.equal(pool.stats.workers, 0);
    assert.equal(starts.count, 2, 'no worker started after the resize');
  });

  test('close() on a pool that never ran resolves at once', async () => {
    await opsPool().close();
  });

  test('destroy() rejects queued and running tasks at once and stops every worker', async () => {
    const pool = opsPool({ size: 1 });
    const running = rejection(pool.run({ op: 'hang' }));
    const queued = rejection(pool.run({ op: 'echo', value: 1 }));
    await waitFor(() => pool.stats.running === 1, 'the task to run');
    await pool.destroy();
    for (const p of [running, queued]) {
      const error = await p;
      assert.ok(error instanceof PoolDestroyedError);
      assert.equal(error.code, 'ERR_POOL_DESTROYED');
    }
    assert.equal(pool.stats.workers, 0);
    assert.deepEqual({ queued: pool.stats.queued, running: pool.stats.running, failed: pool.stats.failed }, { queued: 0, running: 0, failed: 2 });
    assert.ok((await rejection(pool.run({ op: 'echo', value: 1 }))) instanceof PoolClosedError);
  });

  test('destroy() during close() stops the running tasks too', async () => {
    const pool = opsPool({ size: 1 });
    const running = rejection(pool.run({ op: 'hang' }));
    await waitFor(() => pool.stats.running === 1, 'the task to run');
    const closed = pool.close();
    await pool.destroy();
    await closed;
    assert.ok((await running) instanceof PoolDestroyedError);
  });

  test('stats count every outcome and change events are coalesced per turn', async () => {
    const pool = opsPool({ size: 2, maxQueue: 100 });
    const seen: PoolStats[] = [];
    const subscription = pool.onDidChangeStats((s) => seen.push(s));
    const work = Array.from({ length: 20 }, (_, i) => pool.run({ op: 'echo', value: i }));
    const failing = pool.run({ op: 'throw', message: 'no' }).catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    // 21 submissions in one turn make one event, not 21.
    assert.equal(seen.length, 1);
    assert.equal(seen[0].queued + seen[0].running + seen[0].completed + seen[0].failed, 21);

    await Promise.all([...work, failing]);
    await waitFor(() => seen.at(-1)?.running === 0 && seen.at(-1)?.queued === 0, 'a final stats event');
    assert.deepEqual(seen.at(-1), { ...pool.stats, workers: seen.at(-1)!.workers });
    assert.equal(pool.stats.completed, 20);
    assert.equal(pool.stats.failed, 1);
    assert.equal(pool.stats.queued, 0);
    assert.equal(pool.stats.running, 0);

    subscription.dispose();
    const before = seen.length;
    await pool.run({ op: 'echo', value: 0 });
    await delay(10);
    assert.equal(seen.length, before);
  });

  test('reports wait and run time per task to timing listeners', async () => {
    const pool = opsPool({ size: 1 });
    const timings: { waitMs: number; runMs: number; outcome: string }[] = [];
    pool.onDidFinishTask((t) => timings.push(t));
    await Promise.all([pool.run({ op: 'sleep', ms: 40 }), pool.run({ op: 'sleep', ms: 40 })]);
    assert.equal(timings.length, 2);
    for (const t of timings) {
      assert.equal(t.outcome, 'completed');
      assert.ok(t.runMs >= 35, `runMs ${t.runMs}`);
    }
    // The second task queued behind the first one.
    assert.ok(timings[1].waitMs >= 35, `waitMs ${timings[1].waitMs}`);
  });
});
