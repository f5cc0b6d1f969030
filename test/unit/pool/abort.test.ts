import * as assert from 'node:assert/strict';
import { AbortError } from '../../../src/core/pool';
import { destroyAll, opsPool, rejection, startCounter, waitFor } from './helpers';

suite('WorkerPool cancellation', () => {
  teardown(destroyAll);

  test('an already aborted signal rejects without starting anything', async () => {
    const starts = startCounter();
    const pool = opsPool({ workerData: starts.data });
    const reason = new Error('user cancelled');
    const error = await rejection(pool.run({ op: 'echo', value: 1 }, { signal: AbortSignal.abort(reason) }));
    assert.ok(error instanceof AbortError);
    assert.equal(error.name, 'AbortError');
    assert.equal(error.cause, reason);
    assert.equal(pool.stats.workers, 0);
    assert.equal(starts.count, 0);
  });

  test('aborting a queued task removes it and rejects at once', async () => {
    const starts = startCounter();
    const pool = opsPool({ size: 1, workerData: starts.data });
    const blocker = pool.run({ op: 'sleep', ms: 100, value: 'first' });
    await waitFor(() => pool.stats.running === 1, 'the first task to run');
    const controller = new AbortController();
    const queued = rejection(pool.run({ op: 'echo', value: 'never' }, { signal: controller.signal }));
    const after = pool.run({ op: 'echo', value: 'after' });
    assert.equal(pool.stats.queued, 2);

    controller.abort('stop');
    assert.equal(pool.stats.queued, 1);
    const error = await queued;
    assert.ok(error instanceof AbortError);
    assert.equal(error.cause, 'stop');
    // The blocker was not disturbed and the queue went on past the aborted task.
    assert.equal(await blocker, 'first');
    assert.equal(await after, 'after');
    assert.equal(starts.count, 1);
    assert.equal(pool.stats.aborted, 1);
  });

  test('aborting a running task stops it within 200 ms and the pool carries on', async () => {
    const starts = startCounter();
    const pool = opsPool({ size: 1, workerData: starts.data });
    const controller = new AbortController();
    const spinning = rejection(pool.run({ op: 'spin' }, { signal: controller.signal }));
    const queued = pool.run({ op: 'echo', value: 'next' });
    await waitFor(() => pool.stats.running === 1, 'the spin task to start');

    const reason = new Error('timeout');
    const abortedAt = Date.now();
    controller.abort(reason);
    const error = await spinning;
    assert.ok(Date.now() - abortedAt < 200, `took ${Date.now() - abortedAt} ms`);
    assert.ok(error instanceof AbortError);
    assert.equal(error.cause, reason);

    // The spinning worker cannot answer: the queued task needs (and gets) a replacement.
    assert.equal(await queued, 'next');
    assert.equal(starts.count, 2);
    await waitFor(() => pool.stats.workers === 1, 'the aborted worker to exit');
  });

  test('aborting after the task settled changes nothing', async () => {
    const pool = opsPool({ size: 1 });
    const controller = new AbortController();
    assert.equal(await pool.run({ op: 'echo', value: 1 }, { signal: controller.signal }), 1);
    controller.abort();
    assert.equal(pool.stats.aborted, 0);
    assert.equal(await pool.run({ op: 'echo', value: 2 }), 2);
    assert.equal(pool.stats.workers, 1);
  });
});
