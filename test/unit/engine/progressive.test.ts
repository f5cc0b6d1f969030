import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { trimProgressiveScans } from '../../../src/worker/progressive';
import { SHARP_ONLY, renderImage } from '../../../src/worker/render';
import { sharpJpegShrink } from '../../../src/worker/sharpDecode';
import { DEFAULT_MAX_DECODE_MB } from '../../../src/core/decodeMemory';
import { DEFAULT_MAX_PIXELS } from '../../../src/core/task';
import type { JpegOptions } from 'sharp';
import { jpeg, outputRoot, sharp, tempFolder } from './fixtures';

/** A photo-like picture: gradients plus deterministic grain, so every DCT band carries data. */
async function textured(file: string, width: number, height: number, options: JpegOptions): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const p = Math.floor(i / 3);
    const x = p % width;
    const y = Math.floor(p / width);
    const base = [x / width, y / height, ((x + y) % 200) / 200][i % 3] * 200;
    data[i] = Math.max(0, Math.min(255, base + 28 * Math.sin(x / 7 + (i % 3)) + ((seed >>> 24) % 40) - 20));
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).jpeg(options).toFile(file);
  return readFileSync(file);
}

/** What the render's decode step produces: shrink-on-load and a resize to w x h. */
function decodeTo(input: Buffer, w: number, h: number): Promise<Buffer> {
  return sharp(input).resize(w, h, { fit: 'fill', fastShrinkOnLoad: true }).raw().toBuffer();
}

function psnr(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255) / (se / a.length));
}

function maxDiff(a: Buffer, b: Buffer): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

suite('engine: the last bit planes of fine progressive JPEGs', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test("sharp's shrink-on-load choice", () => {
    const cases: Array<[number, number]> = [
      [1.5, 1], [2, 1], [2.5, 1], [3, 2], [3.75, 2], [4, 2], [4.5, 2], [5, 4], [5.5, 4], [8, 4], [8.5, 4], [9, 8], [20, 8],
    ];
    assert.deepEqual(cases.map(([f]) => [f, sharpJpegShrink(f)]), cases);
  });

  test('quality 90-100: refinement bits left out, pixels within 5 levels of the full decode', async () => {
    // libjpeg's standard script: DC, Y 1-5 and chroma 1-63 first passes, Y 6-63, then
    // refinements Y Ah 2->1, DC, Cb/Cr 1->0, Y 1->0. How many can go depends on the steps.
    const expected: Array<[number, number, number]> = [
      // quality, shrink, scans left out
      [100, 2, 4],
      [100, 4, 4],
      [95, 4, 2],
      [90, 4, 1],
    ];
    for (const [quality, shrink, scans] of expected) {
      const file = await textured(path.join(dir, `q${quality}.jpg`), 1600, 1200, { quality, progressive: true });
      const trimmed = trimProgressiveScans(Buffer.from(file), shrink);
      const what = `quality ${quality}, shrink ${shrink}`;
      assert.ok(trimmed, `${what}: something is left out`);
      assert.equal(trimmed.droppedScans, scans, what);
      assert.ok(trimmed.data.length < file.length * 0.8, `${what}: ${trimmed.data.length} of ${file.length} bytes`);
      const w = Math.floor(1600 / (shrink + 1.5));
      const h = Math.round((w * 1200) / 1600);
      assert.equal(sharpJpegShrink(1600 / w), shrink);
      const [full, part] = await Promise.all([decodeTo(file, w, h), decodeTo(trimmed.data, w, h)]);
      assert.ok(psnr(full, part) >= 48, `${what}: PSNR ${psnr(full, part).toFixed(1)} dB`);
      assert.ok(maxDiff(full, part) <= 5, `${what}: max difference ${maxDiff(full, part)}`);
    }
  });

  test('left whole: no shrink, coarser quantisation, baseline, cut off, not a JPEG', async () => {
    const q100 = await textured(path.join(dir, 'q100.jpg'), 400, 300, { quality: 100, progressive: true });
    assert.equal(trimProgressiveScans(q100, 1), null, 'full-size decode');
    const q85 = await textured(path.join(dir, 'q85.jpg'), 400, 300, { quality: 85, progressive: true });
    assert.equal(trimProgressiveScans(q85, 4), null, 'quality 85: one step is too much');
    const baseline = readFileSync(await jpeg(path.join(dir, 'b.jpg'), 400, 300, { quality: 100 }));
    assert.equal(trimProgressiveScans(baseline, 8), null, 'baseline');
    const cut = Buffer.from(q100.subarray(0, Math.floor(q100.length * 0.9)));
    assert.equal(trimProgressiveScans(cut, 4), null, 'cut off');
    assert.ok(cut.equals(q100.subarray(0, cut.length)), 'left untouched');
    assert.equal(trimProgressiveScans(Buffer.from(q100.subarray(0, q100.length - 2)), 4), null, 'no end marker');
    assert.equal(trimProgressiveScans(Buffer.from('not a jpeg at all'), 4), null);
    // The untrimmed file itself must have qualified, or the cut-off checks prove nothing.
    assert.ok(trimProgressiveScans(q100, 4));
  });

  test('render: thumbnails as faithful as without trimming', async () => {
    const source = path.join(dir, 'photo.jpg');
    const file = await textured(source, 2400, 1600, { quality: 100, progressive: true });
    const boxes = [512, 256, 64];
    assert.ok(trimProgressiveScans(Buffer.from(file), sharpJpegShrink(2400 / 512)), 'this source is trimmed');
    const outputs = (name: string) =>
      boxes.map((b) => ({ width: b, height: b, dest: path.join(dir, name, `${b}.jpg`), temp: path.join(dir, name, `.${b}.tmp`) }));
    for (const trimScans of [true, false]) {
      const result = await renderImage(
        {
          source,
          root: outputRoot(dir),
          outputs: outputs(String(trimScans)),
          quality: 65,
          maxPixels: DEFAULT_MAX_PIXELS,
          maxDecodeBytes: DEFAULT_MAX_DECODE_MB * 2 ** 20,
        },
        { ...SHARP_ONLY, trimScans },
      );
      assert.equal(result.ok, true);
    }
    for (const b of boxes) {
      const { data: trimmed, info } = await sharp(path.join(dir, 'true', `${b}.jpg`)).raw().toBuffer({ resolveWithObject: true });
      const whole = await sharp(path.join(dir, 'false', `${b}.jpg`)).raw().toBuffer();
      const reference = await sharp(source).resize(info.width, info.height, { fit: 'fill' }).raw().toBuffer();
      const [t, w] = [psnr(trimmed, reference), psnr(whole, reference)];
      assert.ok(Math.abs(t - w) < 0.2, `${b}: trimmed ${t.toFixed(2)} dB, whole ${w.toFixed(2)} dB against the exact resize`);
    }
    // The source is never written.
    assert.ok(readFileSync(source).equals(file));
  });
});
