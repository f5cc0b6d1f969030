import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadAddon } from '../../../src/native/addon';
import { loadTurboJpeg, type TurboJpeg } from '../../../src/native/turbojpeg';
import { jpeg, nativeHelpersFolder, sharp, tempFolder, withoutQuantTables, assertDecodeRefusals, turboJpegForTests } from '../engine/fixtures';

const ROOT = path.resolve(__dirname, '../../../..');

function meanAbsDiff(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

suite('native: turbojpeg.node decodes and encodes plain JPEGs', function () {
  let codec: TurboJpeg;
  let dir: string;
  let cleanup: () => void;
  suiteSetup(function () {
    const loaded = turboJpegForTests();
    if (!loaded) this.skip(); // built and used on Linux with glibc only (scripts/native.mjs)
    codec = loaded;
  });
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('decodes at 1/1, 1/2, 1/4 and 1/8, sizes rounded up, the pixels sharp decodes', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 203, 101);
    for (const shrink of [1, 2, 4, 8] as const) {
      const w = Math.ceil(203 / shrink);
      const h = Math.ceil(101 / shrink);
      const into = Buffer.alloc(w * h * 3 + 17, 7);
      assert.equal(codec.decode(src, shrink, false, into), w * h * 3, `1/${shrink}`);
      assert.equal(into[w * h * 3], 7, 'nothing written past the pixels');
      if (shrink === 1) {
        const reference = await sharp(src).raw().toBuffer();
        const diff = meanAbsDiff(into.subarray(0, w * h * 3), reference);
        assert.ok(diff < 0.5, `mean difference from sharp's decode: ${diff}`);
      }
    }
  });

  test('greyscale: one channel; a colour space other than the one asked for is refused', async () => {
    const grey = path.join(dir, 'grey.jpg');
    await sharp(Buffer.alloc(40 * 30, 90), { raw: { width: 40, height: 30, channels: 1 } }).toColourspace('b-w').jpeg().toFile(grey);
    const into = Buffer.alloc(40 * 30 * 3);
    assert.equal(codec.decode(grey, 1, true, into), 40 * 30);
    assert.ok(Math.abs(into[0] - 90) <= 2, `got ${into[0]}`);
    assert.throws(() => codec.decode(grey, 1, false, into), /colour space 2 is not YCbCr or RGB/);
    const colour = await jpeg(path.join(dir, 'colour.jpg'), 40, 30);
    assert.throws(() => codec.decode(colour, 1, true, into), /colour space 1 is not greyscale/);
    const cmyk = path.join(dir, 'cmyk.jpg');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c03030' } }).toColourspace('cmyk').jpeg().toFile(cmyk);
    assert.throws(() => codec.decode(cmyk, 1, false, Buffer.alloc(40 * 30 * 4)), /colour space [34] is not YCbCr or RGB/);
  });

  test('refuses what it cannot decode cleanly: truncated, not a JPEG, missing, too little room', async () => {
    const { into } = await assertDecodeRefusals(codec, dir);
    assert.throws(() => codec.decode(path.join(dir, 'gone.jpg'), 1, false, into), /No such file/);
  });

  test('no state carries over between files: one without quantisation tables is refused even right after a good one', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    const noTables = withoutQuantTables(src, 'no-tables.jpg');
    const into = Buffer.alloc(300 * 200 * 3);
    assert.equal(codec.decode(src, 1, false, into), 300 * 200 * 3);
    assert.throws(() => codec.decode(noTables, 1, false, into), /Quantization table 0x00 was not defined/);
  });

  test('a handle that failed is not reused: truncated and bad-scan files in turn are refused, no memory error', function () {
    // The fuzz harness's pairs (test/fuzz/regressions/signal-pairs): before the fix, the reused
    // handle reported a stale or unset frame size and the process died (SIGSEGV or SIGABRT).
    const pairs = path.join(ROOT, 'test', 'fuzz', 'regressions', 'signal-pairs');
    const addon = path.join(nativeHelpersFolder()!, 'turbojpeg.node');
    const script = `
      const { loadTurboJpeg } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'native', 'turbojpeg.js'))});
      const tj = loadTurboJpeg(${JSON.stringify(addon)}, (e) => { throw e; });
      let refused = 0;
      for (let round = 0; round < 3; round++) for (let i = 1; i <= 8; i++) for (const kind of ['truncated', 'bad-scan']) {
        try { tj.decode(require('path').join(${JSON.stringify(pairs)}, 'signal-pair' + i + '-' + kind + '.jpg'), 8, false, Buffer.alloc(64 * 64 * 3)); }
        catch (e) { refused++; console.log(kind, e.message.slice(0, 60)); } // printing between calls is what made the old code crash every time
      }
      console.log(refused);`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    assert.equal(out.trim().split('\n').pop(), '48');
  });

  test('encodes RGB and grey pixels into an open file: a JPEG sharp reads back, its size returned', async () => {
    for (const channels of [3, 1] as const) {
      const w = 64;
      const h = 40;
      const pixels = Buffer.alloc(w * h * channels);
      for (let i = 0; i < pixels.length; i++) pixels[i] = channels === 3 ? [200, 40, 90][i % 3] : 120;
      const out = path.join(dir, `out-${channels}.jpg`);
      const fd = openSync(out, 'w');
      const size = codec.encodeToFile(fd, pixels, w, h, channels, 65);
      closeSync(fd);
      assert.equal(statSync(out).size, size);
      const meta = await sharp(out).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels, meta.isProgressive], ['jpeg', w, h, channels, false]);
      const back = await (channels === 1 ? sharp(out).toColourspace('b-w') : sharp(out)).raw().toBuffer();
      assert.ok(meanAbsDiff(back, pixels) < 3, `${channels} channels: mean difference ${meanAbsDiff(back, pixels)}`);
    }
  });

  test('a failed write throws with the errno name as code', () => {
    const fd = openSync(path.join(dir, 'ro.jpg'), 'w');
    closeSync(fd);
    assert.throws(
      () => codec.encodeToFile(fd, Buffer.alloc(8 * 8 * 3), 8, 8, 3, 65),
      (error: NodeJS.ErrnoException) => error.code === 'EBADF',
    );
    const readOnly = openSync(path.join(dir, 'ro.jpg'), 'r');
    try {
      assert.throws(
        () => codec.encodeToFile(readOnly, Buffer.alloc(8 * 8 * 3), 8, 8, 3, 65),
        (error: NodeJS.ErrnoException) => error.code === 'EBADF',
      );
    } finally {
      closeSync(readOnly);
    }
  });

  test('worker threads that load it at the same time each get a working codec', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 64, 48);
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { loadTurboJpeg } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'native', 'turbojpeg.js'))});
      const tj = loadTurboJpeg(workerData.addon, (e) => { throw e; });
      parentPort.postMessage(tj.decode(workerData.src, 2, false, Buffer.alloc(32 * 24 * 3)));`;
    const addon = path.join(nativeHelpersFolder()!, 'turbojpeg.node');
    const workers = Array.from({ length: 8 }, () => new Worker(script, { eval: true, workerData: { addon, src } }));
    const written = await Promise.all(workers.map(async (worker) => (await once(worker, 'message'))[0] as number));
    assert.deepEqual(written, Array(8).fill(32 * 24 * 3));
  });

  test('loadAddon: an addon without a function it should export is reported and not used', () => {
    let heard: unknown;
    const file = path.join(nativeHelpersFolder()!, 'turbojpeg.node');
    assert.equal(loadAddon<{ decode: () => number; transcode: () => number }>(file, ['decode', 'transcode'], (e) => (heard = e)), undefined);
    assert.match(String(heard), /turbojpeg\.node: no transcode\(\)/);
  });

  test('loadTurboJpeg: no addon file is no fast path, quietly', () => {
    let heard: unknown;
    assert.equal(
      loadTurboJpeg(path.join(dir, 'none.node'), (e) => (heard = e)),
      undefined,
    );
    assert.equal(heard, undefined);
  });

  test('loadTurboJpeg: a libturbojpeg.so.0 without the TurboJPEG API is reported and not used', () => {
    const folder = nativeHelpersFolder() as string;
    // A shared library of that name first on the search path, exporting nothing TurboJPEG.
    writeFileSync(path.join(dir, 'empty.c'), 'int not_turbojpeg = 1;\n');
    execFileSync('cc', ['-shared', '-fPIC', '-o', path.join(dir, 'libturbojpeg.so.0'), path.join(dir, 'empty.c')]);
    const script = `
      const { loadTurboJpeg } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'native', 'turbojpeg.js'))});
      let reason = 'none';
      const codec = loadTurboJpeg(${JSON.stringify(path.join(folder, 'turbojpeg.node'))}, (e) => (reason = e.message));
      console.log(JSON.stringify({ loaded: codec !== undefined, reason }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, LD_LIBRARY_PATH: dir }, encoding: 'utf8' }));
    assert.equal(out.loaded, false);
    assert.match(out.reason, /turbojpeg\.node: libturbojpeg\.so\.0 has no tjInitDecompress \(TurboJPEG 2\.0 or later is needed\)/);
  });
});
