import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SHARP_ONLY, renderImage, type RenderContext } from '../../../src/worker/render';
import { fitInside, sharpLanczos } from '../../../src/worker/sizes';
import { BIG_DECODE_BUDGET_MB, DecodeBudget, newBudgetMemory } from '../../../src/core/decodeMemory';
import type { TurboJpeg } from '../../../src/native/turbojpeg';
import { DEFAULT_MAX_PIXELS, type RenderResult, type RenderTask } from '../../../src/core/task';
import { thumbnailPath } from '../../../src/core/plan';
import { isStampCurrent } from '../../../src/core/stamp';
import { renameSync, statSync, utimesSync } from 'node:fs';
import { readSourceFactsSync } from '../../../src/core/source';
import { hasMark } from '../../../src/core/ownership';
import {
  bomb,
  colourDistance,
  dims,
  fifo,
  jpeg,
  orientedJpeg,
  pixel,
  QUADRANTS,
  sharp,
  tempFiles,
  countingCodec,
  tempFolder,
  turboJpegForTests,
  wasmForTests,
  renderTask,
} from './fixtures';
import { jpeg12bit, losslessJpeg } from './unsupportedJpegs';

/** What the renders of the current suite run with (sharp alone, or the fast path too). */
let context: RenderContext = SHARP_ONLY;
const render = (t: RenderTask): Promise<RenderResult> => renderImage(t, context);

const BOXES = [
  { width: 256, height: 256 },
  { width: 64, height: 64 },
  { width: 32, height: 32 },
];

const task = (source: string, boxes = BOXES, quality = 65): RenderTask => renderTask(source, boxes, quality);

function failure(result: RenderResult): { code: string; message: string } {
  assert.equal(result.ok, false, 'expected a per-file failure');
  return result as { code: string; message: string };
}

// Every test below runs twice: sharp doing all decoding and encoding, and with the TurboJPEG
// fast path (src/native/turbojpeg.c) taking the plain JPEGs, as the workers do where it loads,
// and thrice: the same library as WebAssembly (src/wasm), as the other platforms' workers do.
const MODES: Array<{ name: string; codec: () => TurboJpeg | undefined }> = [
  { name: 'sharp only', codec: () => undefined },
  { name: 'TurboJPEG fast path', codec: turboJpegForTests },
  { name: 'WebAssembly fast path', codec: wasmForTests },
];

for (const mode of MODES) suite(`engine: render (${mode.name}, main thread)`, () => {
  suiteSetup(function () {
    const codec = mode.codec();
    if (mode.name !== 'sharp only' && codec === undefined) this.skip(); // not built off Linux/glibc, or without the wasm toolchain
    context = { ...SHARP_ONLY, turbo: codec };
  });
  suiteTeardown(() => (context = SHARP_ONLY));
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => {
    assert.deepEqual(tempFiles(dir), [], 'no temp file may be left');
    cleanup();
  });

  test('fitInside keeps aspect and never enlarges', () => {
    assert.deepEqual(fitInside(4000, 3000, 1024, 1024), { width: 1024, height: 768 });
    assert.deepEqual(fitInside(3000, 4000, 256, 256), { width: 192, height: 256 });
    assert.deepEqual(fitInside(20, 10, 1024, 1024), { width: 20, height: 10 });
    assert.deepEqual(fitInside(10000, 100, 32, 32), { width: 32, height: 1 });
  });

  const shapes: Array<[string, number, number, Array<[number, number]>]> = [
    ['landscape', 800, 600, [[256, 192], [64, 48], [32, 24]]],
    ['portrait', 600, 800, [[192, 256], [48, 64], [24, 32]]],
    ['tiny (never enlarged)', 40, 20, [[40, 20], [40, 20], [32, 16]]],
    ['panorama', 2400, 200, [[256, 21], [64, 5], [32, 3]]],
  ];
  for (const [name, w, h, expected] of shapes) {
    test(`dimensions: ${name} ${w}x${h}`, async () => {
      const src = await jpeg(path.join(dir, 'a.jpg'), w, h);
      const before = readFileSync(src);
      const result = await render(task(src));
      assert.deepEqual(result, { ok: true, thumbnails: 3, width: w, height: h, decoder: mode.name === 'sharp only' ? 'sharp' : 'turbojpeg' });
      for (let i = 0; i < BOXES.length; i++) {
        const d = await dims(thumbnailPath(src, 'thumbnails', BOXES[i]));
        assert.deepEqual([d.width, d.height], expected[i], `${BOXES[i].width}x${BOXES[i].height}`);
        assert.equal(d.format, 'jpeg');
      }
      assert.deepEqual(readFileSync(src), before, 'the source is never written');
    });
  }

  test('a source smaller than several boxes: those thumbnails are one encode, written whole to each', async () => {
    const src = await jpeg(path.join(dir, 'small.jpg'), 300, 200);
    const boxes = [1024, 512, 256, 128].map((s) => ({ width: s, height: s }));
    const result = await render(task(src, boxes));
    assert.equal(result.ok && result.thumbnails, 4);
    const [big, mid, ...rest] = boxes.map((b) => thumbnailPath(src, 'thumbnails', b));
    assert.deepEqual([(await dims(big)).width, (await dims(big)).height], [300, 200]);
    assert.deepEqual(readFileSync(mid), readFileSync(big), '1024 and 512 are the same picture, encoded once');
    assert.ok(hasMark(readFileSync(mid)) && hasMark(readFileSync(big)), 'each carries the ownership mark');
    assert.ok(isStampCurrent(statSync(mid).mtimeMs, statSync(src).mtimeMs, 65), 'and the up-to-date stamp');
    assert.deepEqual(await Promise.all(rest.map(async (r) => (await dims(r)).width)), [256, 128]);
  });

  test('a greyscale photo: every size shows the picture, the sizes resized from the largest too', async () => {
    // A left-to-right ramp: a level read with the wrong channel count shows a squeezed ramp.
    const [w, h] = [1600, 1200];
    const ramp = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) ramp[y * w + x] = Math.floor((x * 255) / w);
    const src = path.join(dir, 'grey.jpg');
    await sharp(ramp, { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').jpeg({ quality: 95 }).toFile(src);
    const boxes = [1024, 512, 256, 64].map((s) => ({ width: s, height: s }));
    assert.equal((await render(task(src, boxes))).ok, true);
    for (const b of boxes) {
      const out = thumbnailPath(src, 'thumbnails', b);
      const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
      const at = (f: number): number => data[((info.height >> 1) * info.width + Math.floor(f * info.width)) * info.channels];
      const got = [0.25, 0.5, 0.75].map(at);
      assert.ok(got.every((v, i) => Math.abs(v - 64 * (i + 1)) <= 8), `${b.width}: ${got} along the ramp, want ~64, 128, 192`);
    }
  });

  test('a source rewritten in place after planning, its size and time kept, is read again too', async () => {
    // Same inode, same size, the old modification time restored: only the change time shows it.
    const src = path.join(dir, 'a.jpg');
    const [wide, tall] = [readFileSync(await jpeg(path.join(dir, 'w.jpg'), 300, 200)), readFileSync(await jpeg(path.join(dir, 't.jpg'), 120, 260))];
    const size = Math.max(wide.length, tall.length);
    const padded = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc(size - b.length)]); // after EOI: ignored
    writeFileSync(src, padded(wide));
    const time = Math.floor(Date.now() / 1000) - 60; // whole seconds: utimes() can put it back exactly
    utimesSync(src, time, time);
    const planned = readSourceFactsSync(src, { maxPixels: DEFAULT_MAX_PIXELS, maxDecodeBytes: 2 ** 28 });
    const { ino } = statSync(src);
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(src, padded(tall));
    utimesSync(src, time, time);
    assert.deepEqual([statSync(src).ino, statSync(src).size, statSync(src).mtimeMs], [ino, planned.bytes, planned.mtimeMs], 'the same file, size and time');
    const result = await render({ ...task(src, [{ width: 64, height: 64 }]), facts: planned });
    assert.deepEqual(result.ok && [result.width, result.height], [120, 260]);
  });

  test('a source replaced after planning is read again: its own header, not the planned one', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    const planned = readSourceFactsSync(src, { maxPixels: DEFAULT_MAX_PIXELS, maxDecodeBytes: 2 ** 28 });
    assert.equal(planned.header?.width, 300);
    await jpeg(path.join(dir, 'b.jpg'), 120, 260);
    renameSync(path.join(dir, 'b.jpg'), src);
    const result = await render({ ...task(src, [{ width: 64, height: 64 }]), facts: planned });
    assert.deepEqual(result.ok && [result.width, result.height], [120, 260]);
    const d = await dims(thumbnailPath(src, 'thumbnails', { width: 64, height: 64 }));
    assert.deepEqual([d.width, d.height], [30, 64]);
  });

  test('default six sizes from one task, stamped as up to date', async () => {
    const src = await jpeg(path.join(dir, 'big.jpg'), 1600, 1200);
    const boxes = [1024, 512, 256, 128, 64, 32].map((s) => ({ width: s, height: s }));
    const result = await render(task(src, boxes, 70));
    assert.equal(result.ok && result.thumbnails, 6);
    const srcMtime = statSync(src).mtimeMs;
    for (const b of boxes) {
      const out = thumbnailPath(src, 'thumbnails', b);
      const d = await dims(out);
      assert.deepEqual([d.width, d.height], [b.width, Math.round((b.width * 3) / 4)]);
      assert.ok(isStampCurrent(statSync(out).mtimeMs, srcMtime, 70));
      assert.ok(!isStampCurrent(statSync(out).mtimeMs, srcMtime, 65));
    }
  });

  for (let orientation = 1; orientation <= 8; orientation++) {
    test(`EXIF orientation ${orientation}: pixels upright, no orientation tag left`, async () => {
      const src = await orientedJpeg(path.join(dir, `o${orientation}.jpg`), 96, 48, orientation);
      assert.equal((await dims(src)).orientation, orientation);
      const result = await render(task(src, [{ width: 64, height: 64 }]));
      assert.equal(result.ok, true);
      const out = thumbnailPath(src, 'thumbnails', { width: 64, height: 64 });
      const d = await dims(out);
      assert.deepEqual([d.width, d.height], [64, 32]);
      assert.equal(d.orientation, undefined);
      const probes: Array<[number, number]> = [[12, 6], [52, 6], [12, 26], [52, 26]];
      for (let q = 0; q < 4; q++) {
        const got = await pixel(out, ...probes[q]);
        assert.ok(colourDistance(got, QUADRANTS[q]) < 40, `quadrant ${q}: got ${got}, want ${QUADRANTS[q]}`);
      }
    });
  }

  test('CMYK source: sRGB output with the right colour', async () => {
    const src = path.join(dir, 'cmyk.jpg');
    await sharp({ create: { width: 120, height: 80, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toFile(src);
    const m = await dims(src);
    assert.equal(m.space, 'cmyk');
    assert.equal((await render(task(src, [{ width: 64, height: 64 }]))).ok, true);
    const out = thumbnailPath(src, 'thumbnails', { width: 64, height: 64 });
    const d = await dims(out);
    assert.equal(d.space, 'srgb');
    assert.equal(d.channels, 3);
    const got = await pixel(out, 30, 20);
    assert.ok(colourDistance(got, [200, 30, 30]) < 45, `got ${got}`);
  });

  test('greyscale source stays greyscale (one channel), values kept', async () => {
    const src = path.join(dir, 'grey.jpg');
    await sharp(Buffer.alloc(100 * 60, 90), { raw: { width: 100, height: 60, channels: 1 } })
      .toColourspace('b-w')
      .jpeg({ quality: 95 })
      .toFile(src);
    assert.equal((await dims(src)).channels, 1);
    assert.equal((await render(task(src, [{ width: 50, height: 50 }]))).ok, true);
    const out = thumbnailPath(src, 'thumbnails', { width: 50, height: 50 });
    const d = await dims(out);
    assert.equal(d.channels, 1);
    assert.deepEqual([d.width, d.height], [50, 30]);
    assert.ok(Math.abs((await pixel(out, 25, 15))[0] - 90) <= 3);
  });

  test('ICC-profiled (wide-gamut P3) source is converted to sRGB through its profile', async () => {
    const src = path.join(dir, 'p3.jpg');
    const srgbRed = [220, 40, 40];
    await sharp({ create: { width: 80, height: 80, channels: 3, background: { r: 220, g: 40, b: 40 } } })
      .withIccProfile('p3')
      .jpeg({ quality: 98 })
      .toFile(src);
    // The stored numbers (read with the profile ignored) are P3 values, far from the sRGB ones:
    // a render that ignored or dropped the profile would pass them through.
    const { data } = await sharp(src, { ignoreIcc: true }).raw().toBuffer({ resolveWithObject: true });
    const stored = [...data.subarray(0, 3)];
    assert.ok(colourDistance(stored, srgbRed) > 12, `stored ${stored}`);
    assert.equal((await render(task(src, [{ width: 32, height: 32 }]))).ok, true);
    const out = thumbnailPath(src, 'thumbnails', { width: 32, height: 32 });
    const raw = await sharp(out, { ignoreIcc: true }).raw().toBuffer();
    const got = [...raw.subarray(16 * 32 * 3 + 16 * 3, 16 * 32 * 3 + 16 * 3 + 3)];
    assert.ok(colourDistance(got, srgbRed) < 8, `got ${got}, want ~${srgbRed}`);
    assert.equal((await sharp(out).metadata()).icc, undefined);
  });

  test('a big progressive decode waits for the shared budget; a small one does not', async () => {
    // 3000x2200 progressive: 20 MB of coefficients or more, over the 16 MB that counts as big.
    const big = await jpeg(path.join(dir, 'big.jpg'), 3000, 2200, { progressive: true, quality: 95 });
    const small = await jpeg(path.join(dir, 'small.jpg'), 400, 300, { progressive: true, quality: 95 });
    const memory = newBudgetMemory();
    const gate = new Int32Array(memory);
    Atomics.store(gate, 0, BIG_DECODE_BUDGET_MB); // another worker holds the whole budget
    context = { ...context, budget: new DecodeBudget(memory) };
    try {
      const cancel = new Int32Array(new SharedArrayBuffer(4));
      let started = Date.now();
      assert.equal((await render({ ...task(small), cancel })).ok, true, 'small decodes ignore the budget');
      const smallMs = Date.now() - started;
      // The big one blocks this thread at the budget, so another thread cancels it after
      // 300 ms; the waiting decode sees that at its next check and gives up, having decoded
      // nothing.
      const canceller = new Worker(
        'const { workerData } = require("node:worker_threads"); setTimeout(() => Atomics.store(workerData, 0, 1), 300);',
        { eval: true, workerData: cancel },
      );
      started = Date.now();
      const result = await render({ ...task(big), cancel });
      const bigMs = Date.now() - started;
      await canceller.terminate();
      assert.equal(failure(result).code, 'CANCELLED');
      assert.ok(bigMs >= 250, `gave up after ${bigMs} ms: it did not wait for the budget`);
      assert.ok(smallMs < bigMs, `${smallMs} vs ${bigMs} ms`);
      assert.equal(Atomics.load(gate, 0), BIG_DECODE_BUDGET_MB, 'a decode that never ran takes nothing from the budget');
      // With the budget free the big one goes through and gives its share back.
      Atomics.store(gate, 0, 0);
      assert.equal((await render(task(big))).ok, true);
      assert.equal(Atomics.load(gate, 0), 0);
    } finally {
      context = { ...context, budget: undefined };
    }
  });

  test('progressive and baseline inputs', async () => {
    for (const progressive of [true, false]) {
      const src = await jpeg(path.join(dir, `p-${progressive}.jpg`), 300, 200, { progressive });
      assert.equal((await sharp(src).metadata()).isProgressive, progressive);
      assert.equal((await render(task(src, [{ width: 64, height: 64 }]))).ok, true);
      const d = await dims(thumbnailPath(src, 'thumbnails', { width: 64, height: 64 }));
      assert.deepEqual([d.width, d.height], [64, 43]);
    }
  });

  test('EMPTY_FILE', async () => {
    const src = path.join(dir, 'empty.jpg');
    writeFileSync(src, '');
    const f = failure(await render(task(src)));
    assert.equal(f.code, 'EMPTY_FILE');
    assert.match(f.message, /empty\.jpg: is empty/);
  });

  test('UNSUPPORTED_JPEG, not corrupt: valid 12-bit and 16-bit lossless JPEGs, also when the header lies past 1 MB', async () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['monkey12-like.jpg', jpeg12bit(), /monkey12-like\.jpg: is a JPEG \(SOF1\) with 12 bits per sample, which the decoders here do not support \(they read 8-bit JPEGs\)$/],
      ['lossless16.jpg', losslessJpeg(32, 24, 16), /lossless16\.jpg: is a lossless JPEG \(SOF3\) with 16 bits per sample, which the decoders/],
      // Seventeen 64 KB APP segments put the frame header where only sharp's reader looks.
      ['late-header12.jpg', Buffer.concat([Buffer.from([0xff, 0xd8]), ...Array.from({ length: 17 }, () => Buffer.concat([Buffer.from([0xff, 0xe5, 0xff, 0xff]), Buffer.alloc(65533, 0x20)])), jpeg12bit().subarray(2)]), /late-header12\.jpg: is a JPEG the decoders here do not support \(Unsupported JPEG data precision 12\)/],
    ];
    for (const [name, bytes, message] of cases) {
      const src = path.join(dir, name);
      writeFileSync(src, bytes);
      const f = failure(await render(task(src)));
      assert.deepEqual([f.code, f.message.match(message) !== null], ['UNSUPPORTED_JPEG', true], `${name}: ${f.code} ${f.message}`);
    }
    assert.deepEqual(tempFiles(dir), []);
  });

  test('an 8-bit lossless JPEG is made into thumbnails (sharp decodes it; the fast path declines it)', async () => {
    const src = path.join(dir, 'lossless8.jpg');
    writeFileSync(src, losslessJpeg(400, 300));
    const result = await render(task(src));
    assert.ok(result.ok, JSON.stringify(result));
    const made = await dims(thumbnailPath(src, 'thumbnails', BOXES[1]));
    assert.deepEqual([made.width, made.height, made.channels], [64, 48, 1]);
  });

  test('CORRUPT_JPEG: truncated file, and garbage after the start marker', async () => {
    const good = await jpeg(path.join(dir, 'good.jpg'), 400, 300, { quality: 95 });
    const bytes = readFileSync(good);
    const cut = path.join(dir, 'cut.jpg');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    let f = failure(await render(task(cut)));
    assert.equal(f.code, 'CORRUPT_JPEG');
    assert.match(f.message, /cut\.jpg: is truncated or corrupt/);
    const garbage = path.join(dir, 'garbage.jpg');
    writeFileSync(garbage, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 0x5a)]));
    f = failure(await render(task(garbage)));
    assert.equal(f.code, 'CORRUPT_JPEG');
    assert.ok(f.message.includes(garbage));
    // The decoder's repeated warnings come once each, on one line (a log line per failed file).
    const dqt = path.join(dir, 'dqt.jpg');
    writeFileSync(dqt, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xdb]), Buffer.alloc(64, 7)]));
    f = failure(await render(task(dqt)));
    assert.equal(f.code, 'CORRUPT_JPEG');
    assert.ok(!f.message.includes('\n'), f.message);
    const parts = f.message.slice(f.message.indexOf('(') + 1, -1).split('; ');
    assert.deepEqual(parts, [...new Set(parts)], f.message);
    // Nothing of a failed image is left behind.
    assert.deepEqual(tempFiles(dir), []);
  });

  test('NOT_JPEG: a PNG and a text file named .jpg', async () => {
    const png = path.join(dir, 'png.jpg');
    await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } }).png().toFile(png);
    let f = failure(await render(task(png)));
    assert.equal(f.code, 'NOT_JPEG');
    assert.match(f.message, /png\.jpg: is a PNG image/);
    const txt = path.join(dir, 'notes.JPG');
    writeFileSync(txt, 'hello, I am text\n');
    f = failure(await render(task(txt)));
    assert.equal(f.code, 'NOT_JPEG');
    assert.match(f.message, /notes\.JPG: is a text file/);
  });

  test('TOO_MANY_PIXELS: a 30000x30000 header is refused without decoding', async () => {
    const src = await bomb(path.join(dir, 'bomb.jpg'), 30000, 30000);
    const before = process.memoryUsage().rss;
    const f = failure(await render(task(src)));
    assert.equal(f.code, 'TOO_MANY_PIXELS');
    assert.match(f.message, /bomb\.jpg: is 30000x30000 \(900 MP\), over the limit/);
    // A decode would need 2.7 GB; refusing from the header allocates next to nothing.
    assert.ok(process.memoryUsage().rss - before < 200e6);
    // A lower limit applies to ordinary files too.
    const normal = await jpeg(path.join(dir, 'n.jpg'), 200, 100);
    const g = failure(await render({ ...task(normal), maxPixels: 10_000 }));
    assert.equal(g.code, 'TOO_MANY_PIXELS');
  });

  test('UNREADABLE: a FIFO (and, when not root, a mode-000 file) named .jpg', async () => {
    const pipe = path.join(dir, 'pipe.jpg');
    fifo(pipe);
    const f = failure(await render(task(pipe)));
    assert.equal(f.code, 'UNREADABLE');
    assert.match(f.message, /pipe\.jpg: is not a regular file/);
    const dirNamedJpg = path.join(dir, 'folder.jpg');
    mkdirSync(dirNamedJpg);
    assert.equal(failure(await render(task(dirNamedJpg))).code, 'UNREADABLE');
    if (process.getuid?.() !== 0) {
      const locked = await jpeg(path.join(dir, 'locked.jpg'), 20, 20);
      chmodSync(locked, 0);
      const g = failure(await render(task(locked)));
      assert.equal(g.code, 'UNREADABLE');
      assert.match(g.message, /locked\.jpg: cannot be read \(EACCES\)/);
    }
  });

  test('VANISHED: the file is gone when its turn comes', async () => {
    const src = await jpeg(path.join(dir, 'gone.jpg'), 20, 20);
    rmSync(src);
    const f = failure(await render(task(src)));
    assert.equal(f.code, 'VANISHED');
    assert.match(f.message, /gone\.jpg: was deleted or moved/);
  });

  test('OUTPUT_NOT_WRITABLE: the output folder is blocked by a file; no temp left', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 200, 100);
    writeFileSync(path.join(dir, 'thumbnails'), 'I am a file where the folder should be');
    const f = failure(await render(task(src)));
    assert.equal(f.code, 'OUTPUT_NOT_WRITABLE');
    assert.ok(f.message.startsWith(`${src}: its thumbnail `), f.message);
    assert.match(f.message, /thumbnails\/256x256\/a\.jpg cannot be written: \S+\/thumbnails is a file, not a folder$/);
  });

  test('one size that cannot be written fails the image; the sizes written stay whole, no temp left', async () => {
    const src = await jpeg(path.join(dir, 'b.jpg'), 1200, 800);
    const boxes = [{ width: 1024, height: 1024 }, { width: 512, height: 512 }, ...BOXES];
    // 256x256's folder is a file: its write fails while other sizes' encodes are in flight.
    mkdirSync(path.join(dir, 'thumbnails'));
    writeFileSync(path.join(dir, 'thumbnails', '256x256'), 'not a folder');
    const f = failure(await render(task(src, boxes)));
    assert.equal(f.code, 'OUTPUT_NOT_WRITABLE');
    assert.match(f.message, /thumbnails\/256x256\/b\.jpg cannot be written: \S+\/thumbnails\/256x256 is a file, not a folder$/);
    // Written before the failure (largest first): complete JPEGs of the right size.
    const written = await Promise.all(boxes.slice(0, 2).map((b) => dims(thumbnailPath(src, 'thumbnails', b))));
    assert.deepEqual(
      written.map((d) => [d.format, d.width, d.height]),
      [
        ['jpeg', 1024, 683],
        ['jpeg', 512, 341],
      ],
    );
  });

  test('a cancelled task stops before writing and cleans up', async () => {
    const src = await jpeg(path.join(dir, 'c.jpg'), 200, 100);
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cancel, 0, 1);
    const result = await render({ ...task(src), cancel });
    assert.deepEqual(result, { ok: false, code: 'CANCELLED', message: `${src}: cancelled` });
    assert.deepEqual(
      BOXES.map((b) => {
        try {
          statSync(thumbnailPath(src, 'thumbnails', b));
          return true;
        } catch {
          return false;
        }
      }),
      [false, false, false],
    );
  });
});

suite('engine: render, which files the TurboJPEG fast path takes', () => {
  let base: TurboJpeg;
  let counts: ReturnType<typeof countingCodec>;
  let dir: string;
  let cleanup: () => void;
  const SIX = [1024, 512, 256, 128, 64, 32].map((s) => ({ width: s, height: s }));
  suiteSetup(function () {
    const codec = turboJpegForTests();
    if (!codec) this.skip(); // not built off Linux/glibc
    base = codec;
  });
  setup(() => {
    ({ dir, cleanup } = tempFolder());
    counts = countingCodec(base);
    context = { ...SHARP_ONLY, turbo: counts.codec };
  });
  teardown(() => {
    context = SHARP_ONLY;
    assert.deepEqual(tempFiles(dir), [], 'no temp file may be left');
    cleanup();
  });

  test('a plain baseline JPEG: one TurboJPEG decode, every size encoded by it', async () => {
    // A 12 MP phone photo's size: decoded at 1/2, 2016x1512 (9.1 MB).
    const src = await jpeg(path.join(dir, 'a.jpg'), 4032, 3024);
    assert.equal((await render(task(src, SIX))).ok, true);
    assert.deepEqual([counts.decoded, counts.refused, counts.encoded], [1, 0, 6]);
  });

  test('a source smaller than the two biggest boxes: one decode, five encodes for six thumbnails', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    assert.equal((await render(task(src, SIX))).ok, true);
    // The 256 level by resample.c; the three below it averaged from it.
    assert.deepEqual([counts.decoded, counts.refused, counts.encoded, counts.resized], [1, 0, 5, 1]);
  });

  test('resample.c resizes as libvips does: Lanczos 3 within a fraction of a level', async () => {
    const { data, info } = await sharp(await jpeg(path.join(dir, 'a.jpg'), 1024, 768)).raw().toBuffer({ resolveWithObject: true });
    for (const [w, h, channels] of [[512, 384, 3], [700, 525, 3], [300, 200, 1]] as const) {
      const from = channels === 3 ? data : await sharp(data, { raw: info }).toColourspace('b-w').raw().toBuffer();
      const raw = { width: info.width, height: info.height, channels };
      const theirs = await sharpLanczos({ data: from, raw }, w, h);
      const ours = Buffer.alloc(w * h * channels);
      assert.equal(base.resize(from, info.width, info.height, channels, ours, w, h), ours.length);
      let sum = 0;
      let max = 0;
      for (let i = 0; i < ours.length; i++) {
        const d = Math.abs(ours[i] - theirs[i]);
        sum += d;
        max = Math.max(max, d);
      }
      assert.ok(sum / ours.length < 0.5 && max <= 16, `${w}x${h}x${channels}: mean ${(sum / ours.length).toFixed(3)}, max ${max}`);
    }
    assert.throws(() => base.resize(data, 1024, 768, 3, Buffer.alloc(10), 512, 384), /do not match/);
  });

  test('the same thumbnails as sharp makes, every size, upright (orientation 6, 1/2 decode)', async () => {
    // Stored 1900x3200 and turned by EXIF orientation 6: displayed 3200x1900, 3.1 times the
    // 1024 box, so decoded at 1/2 (sharpJpegShrink).
    const src = await orientedJpeg(path.join(dir, 'fast', 'o6.jpg'), 3200, 1900, 6);
    mkdirSync(path.join(dir, 'slow'));
    const copy = path.join(dir, 'slow', 'o6.jpg');
    writeFileSync(copy, readFileSync(src));
    assert.equal((await render(task(src, SIX))).ok, true);
    assert.deepEqual([counts.decoded, counts.encoded], [1, 6]);
    context = SHARP_ONLY;
    assert.equal((await render(task(copy, SIX))).ok, true);
    for (const box of SIX) {
      const fast = await sharp(thumbnailPath(src, 'thumbnails', box)).raw().toBuffer({ resolveWithObject: true });
      const slow = await sharp(thumbnailPath(copy, 'thumbnails', box)).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([fast.info.width, fast.info.height], [slow.info.width, slow.info.height], `${box.width}`);
      let sum = 0;
      for (let i = 0; i < fast.data.length; i++) sum += Math.abs(fast.data[i] - slow.data[i]);
      const mean = sum / fast.data.length;
      assert.ok(mean < 1.5, `${box.width}: mean difference ${mean.toFixed(2)}`);
    }
  });

  test('progressive, CMYK and profiled (P3) sources are decoded by sharp; TurboJPEG still encodes', async () => {
    const progressive = await jpeg(path.join(dir, 'p.jpg'), 300, 200, { progressive: true });
    const cmyk = path.join(dir, 'cmyk.jpg');
    await sharp({ create: { width: 120, height: 80, channels: 3, background: '#c03030' } }).toColourspace('cmyk').jpeg().toFile(cmyk);
    const p3 = path.join(dir, 'p3.jpg');
    await sharp({ create: { width: 80, height: 80, channels: 3, background: '#c03030' } }).withIccProfile('p3').jpeg().toFile(p3);
    for (const src of [progressive, cmyk, p3]) assert.equal((await render(task(src))).ok, true, src);
    assert.deepEqual([counts.decoded, counts.refused, counts.encoded], [0, 0, 9]);
  });

  test('a plain sRGB profile does not stop it; a decode over 12 MB goes to sharp', async () => {
    const srgb = path.join(dir, 'srgb.jpg');
    await sharp({ create: { width: 80, height: 80, channels: 3, background: '#c03030' } }).withIccProfile('srgb').jpeg().toFile(srgb);
    assert.equal((await render(task(srgb))).ok, true);
    assert.equal(counts.decoded, 1);
    // 2400x1800 for a 1024 box is decoded whole (shrink 1): 13 MB of pixels.
    const big = await jpeg(path.join(dir, 'big.jpg'), 2400, 1800);
    assert.equal((await render(task(big, SIX))).ok, true);
    assert.deepEqual([counts.decoded, counts.refused], [1, 0]);
  });

  test('a truncated file: TurboJPEG refuses it, sharp says what is wrong', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    const bytes = readFileSync(src);
    writeFileSync(src, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const f = failure(await render(task(src)));
    assert.equal(f.code, 'CORRUPT_JPEG');
    assert.match(f.message, /truncated or corrupt/);
    assert.deepEqual([counts.decoded, counts.refused, counts.encoded], [0, 1, 0]);
  });

  test('a harmless decoder warning (extraneous bytes before EOI): TurboJPEG refuses, sharp makes it', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    const bytes = readFileSync(src);
    assert.deepEqual([...bytes.subarray(-2)], [0xff, 0xd9]);
    writeFileSync(src, Buffer.concat([bytes.subarray(0, -2), Buffer.from([1, 2, 3, 4]), bytes.subarray(-2)]));
    assert.equal((await render(task(src))).ok, true);
    assert.deepEqual([counts.decoded, counts.refused, counts.encoded], [0, 1, 3]);
  });

  test('two renders at once on one thread each keep their own pixels', async () => {
    const red = path.join(dir, 'red.jpg');
    const blue = path.join(dir, 'blue.jpg');
    await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 220, g: 20, b: 20 } } }).jpeg().toFile(red);
    await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 20, g: 20, b: 220 } } }).jpeg().toFile(blue);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([render(task(red)), render(task(blue))]);
      assert.deepEqual(results.map((r) => r.ok), [true, true]);
      for (const [src, want] of [[red, [220, 20, 20]], [blue, [20, 20, 220]]] as const) {
        const got = await pixel(thumbnailPath(src, 'thumbnails', BOXES[0]), 100, 60);
        assert.ok(colourDistance(got, [...want]) < 20, `${path.basename(src)} round ${round}: got ${got}`);
      }
    }
    assert.equal(counts.decoded, 6);
  });
});
