import * as assert from 'node:assert/strict';
import { destroyAll, opsPool, rejection } from './helpers';

suite('WorkerPool results and errors', () => {
  teardown(destroyAll);

  test('resolves with the worker result as plain data', async () => {
    const pool = opsPool({ size: 1 });
    const value = { a: [1, 2, { b: 'c' }], d: new Map([[1, 2]]), e: null };
    assert.deepEqual(await pool.run({ op: 'echo', value }), value);
    assert.equal(await pool.run({ op: 'echo', value: undefined }), undefined);
  });

  test('a thrown error arrives with its name, message, stack and code', async () => {
    const pool = opsPool({ size: 1 });
    for (const async of [false, true]) {
      const error = await rejection(
        pool.run({ op: 'throw', name: 'DecodeError', message: 'bad JPEG', code: 'E_DECODE', async }),
      );
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'DecodeError');
      assert.equal(error.message, 'bad JPEG');
      assert.equal(error.code, 'E_DECODE');
      assert.match(error.stack ?? '', /bad JPEG[\s\S]*ops\.js/);
    }
    // The worker survives its task's error.
    assert.equal(await pool.run({ op: 'echo', value: 'still here' }), 'still here');
    assert.equal(pool.stats.failed, 2);
  });

  test('a thrown non-Error value becomes an Error with that text', async () => {
    const pool = opsPool({ size: 1 });
    const error = await rejection(pool.run({ op: 'throw-value', value: 'plain string' }));
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'plain string');
  });

  test('a result that cannot be cloned fails its task, not the worker', async () => {
    const pool = opsPool({ size: 1 });
    const error = await rejection(pool.run({ op: 'uncloneable-result' }));
    assert.equal(error.name, 'DataCloneError');
    assert.equal(await pool.run({ op: 'echo', value: 2 }), 2);
    assert.equal(pool.stats.workers, 1);
  });

  test('a task that cannot be cloned is rejected and the pool carries on', async () => {
    const pool = opsPool({ size: 1 });
    const error = await rejection(pool.run({ op: 'echo', value: () => 1 }));
    assert.equal(error.name, 'DataCloneError');
    assert.equal(await pool.run({ op: 'echo', value: 3 }), 3);
    assert.equal(pool.stats.running, 0);
  });

  test('transferList moves buffers instead of copying them', async () => {
    const pool = opsPool({ size: 1 });
    const buffer = new ArrayBuffer(1024);
    assert.equal(await pool.run({ op: 'byte-length', buffer }, { transferList: [buffer] }), 1024);
    assert.equal(buffer.byteLength, 0, 'the buffer should be detached here');
  });
});
