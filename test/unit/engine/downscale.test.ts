import assert from 'node:assert/strict';
import { areaDownscale } from '../../../src/worker/downscale';

suite('engine: area-averaging downscale', () => {
  test('a flat colour stays exactly that colour, at any ratio', () => {
    const src = Buffer.alloc(37 * 23 * 3);
    for (let i = 0; i < src.length; i += 3) src.set([200, 10, 77], i);
    for (const [w, h] of [[18, 11], [5, 3], [1, 1], [37, 23]]) {
      const out = areaDownscale(src, 37, 23, 3, w, h);
      assert.equal(out.length, w * h * 3);
      for (let i = 0; i < out.length; i += 3) assert.deepEqual([...out.subarray(i, i + 3)], [200, 10, 77]);
    }
  });

  test('2x is the mean of each 2x2 block; the overall mean is kept at odd ratios', () => {
    const src = Uint8Array.from([0, 100, 50, 150, 10, 30, 20, 40]); // 4x2, one channel
    assert.deepEqual([...areaDownscale(src, 4, 2, 1, 2, 1)], [Math.round((0 + 100 + 10 + 30) / 4), Math.round((50 + 150 + 20 + 40) / 4)]);
    const w = 103;
    const h = 61;
    const grad = new Uint8Array(w * h);
    let sum = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sum += grad[y * w + x] = (x * 255) / (w - 1);
    const out = areaDownscale(grad, w, h, 1, 29, 17);
    const mean = out.reduce((a, b) => a + b, 0) / out.length;
    assert.ok(Math.abs(mean - sum / (w * h)) < 1, `${mean} vs ${sum / (w * h)}`);
    // Monotone along x, like its source.
    for (let x = 1; x < 29; x++) assert.ok(out[x] >= out[x - 1]);
  });

  test('refuses to enlarge', () => {
    assert.throws(() => areaDownscale(new Uint8Array(4), 2, 2, 1, 3, 1), RangeError);
  });
});
