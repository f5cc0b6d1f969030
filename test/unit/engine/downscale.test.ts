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

  test('equals a direct area integral, within rounding, on the exact-half and the general paths', () => {
    // Reference: each output pixel integrates its source rectangle directly (no separable passes,
    // no cached rows).
    const reference = (src: Uint8Array, sw: number, sh: number, ch: number, dw: number, dh: number): number[] => {
      const out: number[] = [];
      const [rx, ry] = [sw / dw, sh / dh];
      for (let oy = 0; oy < dh; oy++) {
        for (let ox = 0; ox < dw; ox++) {
          for (let c = 0; c < ch; c++) {
            let sum = 0;
            let area = 0;
            for (let y = Math.floor(oy * ry); y < Math.min(sh, Math.ceil((oy + 1) * ry)); y++) {
              const wy = Math.min((oy + 1) * ry, y + 1) - Math.max(oy * ry, y);
              for (let x = Math.floor(ox * rx); x < Math.min(sw, Math.ceil((ox + 1) * rx)); x++) {
                const w = wy * (Math.min((ox + 1) * rx, x + 1) - Math.max(ox * rx, x));
                sum += w * src[(y * sw + x) * ch + c];
                area += w;
              }
            }
            out.push(sum / area);
          }
        }
      }
      return out;
    };
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    // [sw, sh, channels, dw, dh]: widths that halve exactly (the landscape chain 512 -> 256 ...,
    // with heights that do not), heights that halve, neither, one channel and three.
    const cases = [[64, 43, 3, 32, 21], [128, 85, 3, 64, 43], [40, 40, 1, 20, 20], [43, 64, 3, 21, 32], [37, 23, 3, 18, 11], [30, 17, 1, 7, 5]];
    for (const [sw, sh, ch, dw, dh] of cases) {
      const src = Uint8Array.from({ length: sw * sh * ch }, random);
      const got = areaDownscale(src, sw, sh, ch, dw, dh);
      const want = reference(src, sw, sh, ch, dw, dh);
      const worst = Math.max(...want.map((v, i) => Math.abs(v - got[i])));
      assert.ok(worst <= 0.5 + 1e-3, `${sw}x${sh}x${ch} -> ${dw}x${dh}: off by ${worst}`);
    }
  });

  test('halving both ways (integer path) gives the same bytes as the float passes', () => {
    // The float passes' result for an exact 2x2 block, floor(mean + 0.5) in float32, worked out
    // apart; the same check passes on the float passes alone (before the integer path existed).
    let seed = 11;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (const [dw, dh, ch] of [[256, 192, 3], [16, 9, 1], [1, 1, 3]]) {
      const sw = 2 * dw;
      const src = Uint8Array.from({ length: sw * 2 * dh * ch }, random);
      const got = areaDownscale(src, sw, 2 * dh, ch, dw, dh);
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          for (let c = 0; c < ch; c++) {
            const at = (yy: number, xx: number): number => src[(yy * sw + xx) * ch + c];
            const sum = at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1);
            assert.equal(got[(y * dw + x) * ch + c], Math.floor(Math.fround(Math.fround(sum / 4) + 0.5)), `${dw}x${dh}x${ch} at ${x},${y},${c}`);
          }
        }
      }
    }
  });

  test('refuses to enlarge', () => {
    assert.throws(() => areaDownscale(new Uint8Array(4), 2, 2, 1, 3, 1), RangeError);
  });
});
