import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BufferPool } from '../../../src/worker/buffers';
import { renderContextFor, renderImage, type RenderContext } from '../../../src/worker/render';
import { thumbnailPath } from '../../../src/core/plan';
import { jpeg, nativeHelpersFolder, renderTask, tempFolder, wasmFile } from './fixtures';

const BOXES = [1024, 512, 256, 64].map((s) => ({ width: s, height: s }));

suite('engine: pixel buffers are reused from one image to the next, never shared by two', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('a lease gets back the buffers an earlier one gave back, the smallest that fits', () => {
    const pool = new BufferPool();
    const first = pool.lease();
    const big = first.allocate(1000);
    const small = first.allocate(100);
    first.giveBack();
    const second = pool.lease();
    assert.equal(second.allocate(90).buffer, small.buffer, 'the 100-byte one for 90 bytes');
    assert.equal(second.allocate(900).buffer, big.buffer);
    assert.notEqual(second.allocate(900).buffer, big.buffer, 'a third buffer is new');
    assert.equal(second.allocate(50).length, 50, 'a buffer is the size asked for');
  });

  test('leases that overlap never get the same buffer', () => {
    const pool = new BufferPool();
    const warm = pool.lease();
    warm.allocate(500);
    warm.allocate(500);
    warm.giveBack();
    const a = pool.lease();
    const b = pool.lease();
    const taken = [a.allocate(400), b.allocate(400), a.allocate(400), b.allocate(400)].map((x) => x.buffer);
    assert.equal(new Set(taken).size, 4);
  });

  test('keeps at most its limit, leaving out the biggest buffers', () => {
    const pool = new BufferPool(1000);
    const lease = pool.lease();
    for (const size of [600, 300, 200, 50]) lease.allocate(size);
    lease.giveBack();
    assert.equal(pool.spareBytes(), 550, '50 + 200 + 300; the 600 would pass 1000');
  });

  for (const kind of ['turbojpeg', 'wasm'] as const) {
    test(`${kind}: images rendered one after another, and two at once, on one thread's buffers give the thumbnails of fresh buffers`, async function () {
      const native = nativeHelpersFolder();
      const wasm = wasmFile();
      if (kind === 'turbojpeg' ? !native : !wasm) this.skip();
      const helpers = kind === 'turbojpeg' ? { turbojpeg: path.join(native!, 'turbojpeg.node') } : { turbojpeg: path.join(dir, 'none.node'), wasm };
      // Different sizes, so that a reused buffer is bigger than the pixels it holds.
      const sizes = [[700, 500], [640, 480], [300, 200], [700, 500]] as const;
      const make = async (name: string): Promise<string[]> => {
        mkdirSync(path.join(dir, name));
        return Promise.all(sizes.map(([w, h], i) => jpeg(path.join(dir, name, `${i}.jpg`), w, h, { quality: 60 + 10 * i })));
      };
      const thumbnails = (sources: string[]) => sources.flatMap((s) => BOXES.map((b) => readFileSync(thumbnailPath(s, 'thumbnails', b))));
      const render = async (source: string, context: RenderContext) => assert.equal((await renderImage(renderTask(source, BOXES), context)).ok, true);

      const fresh = await make('fresh');
      for (const s of fresh) await render(s, renderContextFor(helpers));
      const oneByOne = await make('one-by-one');
      const shared = renderContextFor(helpers);
      for (const s of oneByOne) await render(s, shared);
      const atOnce = await make('at-once');
      await Promise.all(atOnce.map((s) => render(s, shared)));

      assert.ok(shared.buffers!.spareBytes() > 0, 'buffers were kept for reuse');
      const expected = thumbnails(fresh);
      assert.deepEqual(thumbnails(oneByOne).map((t, i) => t.equals(expected[i])), expected.map(() => true), 'one after another');
      assert.deepEqual(thumbnails(atOnce).map((t, i) => t.equals(expected[i])), expected.map(() => true), 'two at once');
    });
  }
});
