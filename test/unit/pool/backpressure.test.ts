import * as assert from 'node:assert/strict';
import { AbortError, PoolClosedError, QueueFullError } from '../../../src/core/pool';
import { delay, destroyAll, opsPool, rejection, waitFor } from './helpers';

suite('WorkerPool backpressure', () => {
  teardown(destroyAll);

  test('run() rejects when the queue is full; waitForRoom() resolves once a task leaves it', async () => {
    const pool = opsPool({ size: 1, maxQueue: 2 });
    const first = pool.run({ op: 'sleep', ms: 50, value: 1 });
    await waitFor(() => pool.stats.running === 1, 'the first task to run');
    const queued = [pool.run({ op: 'echo', value: 2 }), pool.run({ op: 'echo', value: 3 })];

    const full = await rejection(pool.run({ op: 'echo', value: 4 }));
    assert.ok(full instanceof QueueFullError);
    assert.equal(full.code, 'ERR_POOL_QUEUE_FULL');

    let roomAt = -1;
    const room = pool.waitForRoom().then(() => (roomAt = pool.stats.completed));
    await delay(20);
    assert.equal(roomAt, -1, 'waitForRoom() resolved while the queue was full');
    await room;
    assert.equal(roomAt, 1, 'room appears when the first task finishes and the next one leaves the queue');
    assert.deepEqual(await Promise.all([first, ...queued, pool.run({ op: 'echo', value: 5 })]), [1, 2, 3, 5]);
  });

  test('a producer feeding many tasks never holds more than maxQueue queued', async () => {
    const pool = opsPool({ size: 2, maxQueue: 8 });
    const total = 20_000;
    let outstanding = 0;
    let mostOutstanding = 0;
    let mostQueued = 0;
    let sum = 0;
    const settled: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      await pool.waitForRoom();
      outstanding++;
      const p = pool.run({ op: 'echo', value: i }).then((v) => {
        outstanding--;
        sum += v as number;
      });
      mostOutstanding = Math.max(mostOutstanding, outstanding);
      mostQueued = Math.max(mostQueued, pool.stats.queued);
      settled.push(p);
      if (settled.length > 64) await settled.shift();
    }
    await Promise.all(settled);
    assert.equal(sum, (total * (total - 1)) / 2);
    assert.ok(mostQueued <= 8, `queued reached ${mostQueued}`);
    // Bounded by the queue plus, per worker, one running task and one answer whose .then()
    // has not run yet: the producer is held back instead of piling up 20 000 promises.
    assert.ok(mostOutstanding <= 8 + 2 * 2, `outstanding reached ${mostOutstanding}`);
  });

  test('waiters are woken in order, as many as there is room for', async () => {
    const pool = opsPool({ size: 1, maxQueue: 1 });
    const first = pool.run({ op: 'sleep', ms: 30, value: 0 });
    await waitFor(() => pool.stats.running === 1, 'the first task to run');
    const work: Promise<unknown>[] = [first, pool.run({ op: 'sleep', ms: 30, value: 1 })];
    const order: number[] = [];
    const producers = [2, 3, 4].map(async (value) => {
      await pool.waitForRoom();
      order.push(value);
      work.push(pool.run({ op: 'echo', value }));
    });
    await Promise.all(producers);
    assert.deepEqual(order, [2, 3, 4]);
    assert.deepEqual((await Promise.all(work)).sort(), [0, 1, 2, 3, 4]);
  });

  test('a woken producer that does not use its room does not strand the next one', async () => {
    const pool = opsPool({ size: 1, maxQueue: 1 });
    const first = pool.run({ op: 'sleep', ms: 30, value: 0 });
    await waitFor(() => pool.stats.running === 1, 'the first task to run');
    const second = pool.run({ op: 'echo', value: 1 });
    const idle = pool.waitForRoom(); // this producer will not call run()
    const eager = pool.waitForRoom();
    await idle;
    await eager;
    assert.deepEqual(await Promise.all([first, second]), [0, 1]);
  });

  test('waitForRoom() honours its signal and rejects after close', async () => {
    const pool = opsPool({ size: 1, maxQueue: 1 });
    assert.ok((await rejection(pool.waitForRoom(AbortSignal.abort('x')))) instanceof AbortError);
    const work = [pool.run({ op: 'sleep', ms: 100 })];
    await waitFor(() => pool.stats.running === 1, 'the first task to run');
    work.push(pool.run({ op: 'echo', value: 1 }));

    const controller = new AbortController();
    const waiting = rejection(pool.waitForRoom(controller.signal));
    controller.abort('gone');
    const aborted = await waiting;
    assert.ok(aborted instanceof AbortError);
    assert.equal(aborted.cause, 'gone');

    const pending = rejection(pool.waitForRoom());
    const closed = pool.close();
    assert.ok((await pending) instanceof PoolClosedError);
    assert.ok((await rejection(pool.waitForRoom())) instanceof PoolClosedError);
    await closed;
    await Promise.all(work);
  });

  test('the default queue bound follows the pool size', () => {
    const pool = opsPool({ size: 2 });
    assert.equal(pool.stats.maxQueue, 16);
    pool.resize(8);
    assert.equal(pool.stats.maxQueue, 32);
  });
});
