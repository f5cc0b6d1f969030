import * as assert from 'node:assert/strict';
import type { CrashKind } from '../../../src/core/pool';
import { WorkerCrashedError, WorkerPool, WorkerStartError } from '../../../src/core/pool';
import type { Op } from '../../fixtures/workers/ops';
import { delay, destroyAll, fixture, opsPool, rejection, startCounter, track, waitFor } from './helpers';

suite('WorkerPool faults', () => {
  teardown(destroyAll);

  const crashes: { title: string; op: Op; kind: CrashKind; message: RegExp; exitCode?: number }[] = [
    { title: 'calls process.exit', op: { op: 'exit', code: 7 }, kind: 'exit', message: /exited with code 7/, exitCode: 7 },
    {
      title: 'throws outside the task',
      op: { op: 'uncaught', message: 'timer blew up' },
      kind: 'uncaught',
      message: /uncaught error.*timer blew up/,
    },
    { title: 'runs out of memory', op: { op: 'oom' }, kind: 'out-of-memory', message: /out of memory/ },
  ];

  for (const crash of crashes) {
    test(`a worker that ${crash.title} rejects only its task and is replaced`, async () => {
      const starts = startCounter();
      const pool = opsPool({
        size: 2,
        workerData: starts.data,
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      });
      // The neighbour hangs, so the queued tasks can only run on a replacement worker.
      const controller = new AbortController();
      let neighbourSettled = false;
      const neighbour = pool.run({ op: 'hang' }, { signal: controller.signal }).finally(() => (neighbourSettled = true));
      const crashed = rejection(pool.run(crash.op));
      const queued = [1, 2, 3].map((value) => pool.run({ op: 'echo', value }));

      const error = await crashed;
      assert.ok(error instanceof WorkerCrashedError, `got ${error.stack}`);
      assert.equal(error.kind, crash.kind);
      assert.equal(error.code, 'ERR_WORKER_CRASHED');
      assert.match(error.message, crash.message);
      if (crash.exitCode !== undefined) assert.equal(error.exitCode, crash.exitCode);

      assert.deepEqual(await Promise.all(queued), [1, 2, 3]);
      assert.equal(neighbourSettled, false, 'the neighbour task must not be touched');
      assert.equal(starts.count, 3, 'the crashed worker should have been replaced once');
      assert.deepEqual([pool.stats.failed, pool.stats.completed, pool.stats.running], [1, 3, 1]);
      controller.abort();
      await rejection(neighbour);
    });
  }

  test('a worker file that cannot start rejects the queued tasks with the reason and is not respawned', async () => {
    const starts = startCounter();
    const pool = track(new WorkerPool<number, number>({ filename: fixture('fail-start'), size: 2, workerData: starts.data }));
    const tasks = [1, 2, 3, 4, 5].map((n) => rejection(pool.run(n)));
    for (const error of await Promise.all(tasks)) {
      assert.ok(error instanceof WorkerStartError);
      assert.equal(error.code, 'ERR_WORKER_START');
      assert.match(error.message, /fail-start\.js failed to start: Error: cannot load the native module/);
    }
    await delay(200);
    assert.equal(starts.count, 2, 'one start per worker slot, no respawn loop');
    assert.equal(pool.stats.workers, 0);
    assert.equal(pool.stats.queued, 0);

    // A later task tries once more (the file may have been fixed) and fails the same way.
    assert.ok((await rejection(pool.run(6))) instanceof WorkerStartError);
    await delay(100);
    assert.equal(starts.count, 3);
  });

  test('a worker file that does not exist rejects with a start error', async () => {
    const pool = track(new WorkerPool<number, number>({ filename: fixture('does-not-exist'), size: 1 }));
    const error = await rejection(pool.run(1));
    assert.ok(error instanceof WorkerStartError);
    assert.match(error.message, /does-not-exist\.js failed to start/);
  });

  test('a worker that never calls serveTasks() is a failed start', async () => {
    const pool = track(new WorkerPool<number, number>({ filename: fixture('no-serve'), size: 1 }));
    const error = await rejection(pool.run(1));
    assert.ok(error instanceof WorkerStartError);
    assert.match(error.message, /exit code 0 before it called serveTasks\(\)/);
  });

  test('a worker whose start hangs is stopped after startTimeoutMs: a start error, no respawn, no thread left', async () => {
    assert.throws(() => new WorkerPool({ filename: fixture('hang-start'), startTimeoutMs: 0 }), RangeError);
    const pool = track(new WorkerPool<number, number>({ filename: fixture('hang-start'), size: 1, startTimeoutMs: 300 }));
    const error = await rejection(pool.run(1));
    assert.ok(error instanceof WorkerStartError);
    assert.match(error.message, /hang-start\.js failed to start: .*did not call serveTasks\(\) within 300 ms/);
    await delay(100);
    assert.equal(pool.stats.workers, 0, 'the hung thread was stopped and not replaced');
    assert.equal(pool.stats.queued, 0);
  });

  test('the start timer ends when the worker is ready: a task outlasting it completes', async () => {
    const pool = opsPool({ size: 1, startTimeoutMs: 2_000 });
    assert.equal(await pool.run({ op: 'sleep', ms: 2_300, value: 'slept' }), 'slept');
    assert.equal(pool.stats.failed, 0);
  });

  test('one failed start does not fail tasks that other workers can run', async () => {
    const starts = startCounter();
    const pool = track(new WorkerPool<number, number>({ filename: fixture('flaky-start'), size: 2, workerData: starts.data }));
    assert.deepEqual(await Promise.all([1, 2, 3, 4].map((n) => pool.run(n))), [2, 4, 6, 8]);
    assert.equal(pool.stats.failed, 0);
    assert.equal(starts.count, 2);
  });

  test('an idle worker that dies is dropped and the next task still runs', async () => {
    const starts = startCounter();
    const pool = opsPool({ size: 1, workerData: starts.data });
    assert.equal(await pool.run({ op: 'die-later', ms: 10, value: 'ok' }), 'ok');
    await waitFor(() => pool.stats.workers === 0, 'the idle worker to die');
    assert.equal(await pool.run({ op: 'echo', value: 'fine' }), 'fine');
    assert.equal(starts.count, 2);
    assert.equal(pool.stats.failed, 0);
  });
});
