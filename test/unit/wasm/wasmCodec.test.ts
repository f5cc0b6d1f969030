import assert from 'node:assert/strict';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { hasMark, MARK_SEGMENT } from '../../../src/core/ownership';
import type { TurboJpeg } from '../../../src/native/turbojpeg';
import { loadWasmCodec, type WasmCodec } from '../../../src/wasm/wasmCodec';
import { mutate } from '../../fuzz/mutate';
import { rng } from '../../fuzz/prng';
import { seeds } from '../../fuzz/seeds';
import { jpeg, sharp, tempFolder, withoutQuantTables, assertDecodeRefusals, turboJpegForTests, wasmFile, wasmForTests } from '../engine/fixtures';

const ROOT = path.resolve(__dirname, '../../../..');
const REGRESSIONS = path.join(ROOT, 'test', 'fuzz', 'regressions');
const SHRINKS = [1, 2, 4, 8] as const;

/** What a decode gave: its bytes, or why it was refused. */
function outcome(codec: TurboJpeg, file: string, shrink: 1 | 2 | 4 | 8, grey: boolean, room: number): Buffer | Error {
  const into = Buffer.alloc(room);
  try {
    return into.subarray(0, codec.decode(file, shrink, grey, into));
  } catch (error) {
    return error as Error;
  }
}

const refused = (o: Buffer | Error): o is Error => o instanceof Error;

/**
 * The difference of the native and the wasm outcome, or undefined when they are the same. The
 * one difference allowed: a file whose whole coefficient image would pass codec.c's 16 MiB cap
 * (progressive or multi-scan; the renderer gives progressive files to sharp anyway) is refused.
 */
function differs(a: Buffer | Error, b: Buffer | Error): string | undefined {
  if (!refused(a) && refused(b) && /Backing store not supported/.test(b.message)) return undefined;
  if (refused(a) || refused(b)) return refused(a) === refused(b) ? undefined : `native ${refused(a) ? 'refused' : 'decoded'}, wasm ${refused(b) ? `refused: ${b.message}` : 'decoded'}`;
  return a.equals(b) ? undefined : `pixels differ (${a.length} and ${b.length} bytes)`;
}

suite('wasm: turbojpeg.wasm decodes, encodes and resizes as turbojpeg.node does', function () {
  this.timeout(120_000);
  let wasm: WasmCodec;
  let native: TurboJpeg | undefined;
  let dir: string;
  let cleanup: () => void;
  suiteSetup(function () {
    const loaded = wasmForTests();
    if (!loaded) this.skip(); // no clang for wasm32-wasi here (scripts/wasm.mjs says so)
    wasm = loaded;
    native = turboJpegForTests();
  });
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('every seed kind at every shrink, colour and grey: the native decode byte for byte (4:2:0, 4:2:2, 4:4:0, 4:4:4, 4:1:1, restart markers, odd sizes)', async function () {
    if (!native) this.skip();
    const problems: string[] = [];
    let decoded = 0;
    for (const seed of await seeds()) {
      const file = path.join(dir, `${seed.name}.jpg`);
      writeFileSync(file, seed.bytes);
      for (const shrink of SHRINKS) {
        for (const grey of [false, true]) {
          const a = outcome(native, file, shrink, grey, 13 * 2 ** 20);
          const why = differs(a, outcome(wasm, file, shrink, grey, 13 * 2 ** 20));
          if (why) problems.push(`${seed.name} 1/${shrink}${grey ? ' grey' : ''}: ${why}`);
          if (!refused(a)) decoded++;
        }
      }
    }
    assert.deepEqual(problems, []);
    // Every plain seed at four shrinks: the comparison is not of refusals only.
    assert.ok(decoded >= 80, `${decoded} decodes compared`);
  });

  test('without the native addon: the decode at 1/1 is sharp\'s, byte for byte', async () => {
    for (const [w, h, subsampling] of [[203, 101, '4:2:0'], [64, 48, '4:4:4'], [1, 1, '4:2:0']] as const) {
      const src = await jpeg(path.join(dir, `${w}.jpg`), w, h);
      const file = path.join(dir, `${w}-${subsampling}.jpg`);
      await sharp(src).jpeg({ quality: 90, chromaSubsampling: subsampling }).toFile(file);
      const reference = await sharp(file).raw().toBuffer();
      assert.ok((outcome(wasm, file, 1, false, w * h * 3) as Buffer).equals(reference), `${w}x${h} ${subsampling}`);
    }
  });

  test('encodes the native encoder\'s bytes, RGB 4:2:0 and grey, with the mark after SOI and APP0', async () => {
    for (const [w, h, channels] of [[64, 40, 3], [301, 199, 3], [64, 40, 1], [1, 1, 3], [1500, 900, 3]] as const) {
      const pixels = Buffer.alloc(w * h * channels);
      for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + ((i / (w * channels)) | 0) * 13) & 255;
      const encode = (codec: TurboJpeg, name: string): Buffer => {
        const fd = openSync(path.join(dir, name), 'w');
        const size = codec.encodeToFile(fd, pixels, w, h, channels, 65, MARK_SEGMENT);
        closeSync(fd);
        const bytes = readFileSync(path.join(dir, name));
        assert.equal(bytes.length, size, 'the size returned is the file\'s');
        return bytes;
      };
      const ours = encode(wasm, 'wasm.jpg');
      assert.ok(hasMark(ours.subarray(0, 64)), 'marked');
      assert.equal(ours.indexOf(MARK_SEGMENT), 20, 'right after SOI and the JFIF APP0');
      if (native) {
        assert.ok(ours.equals(encode(native, 'native.jpg')), `${w}x${h}x${channels}: the same bytes`);
      } else {
        const back = await (channels === 1 ? sharp(ours).toColourspace('b-w') : sharp(ours)).raw().toBuffer();
        let sum = 0;
        for (let i = 0; i < back.length; i++) sum += Math.abs(back[i] - pixels[i]);
        assert.ok(sum / back.length < 20, `${w}x${h}x${channels} reads back`);
      }
    }
    const plain = path.join(dir, 'plain.jpg');
    const fd = openSync(plain, 'w');
    wasm.encodeToFile(fd, Buffer.alloc(8 * 8 * 3, 99), 8, 8, 3, 65);
    closeSync(fd);
    assert.equal(hasMark(readFileSync(plain).subarray(0, 64)), false, 'no mark unless given');
  });

  test('encodes photo-like, noisy and extreme pixels at qualities 5 to 100 as the native encoder does, byte for byte (every quantisation table the DCT meets)', function () {
    if (!native) this.skip();
    // A photo-like field (smooth waves, edges, grain); uniform noise (every frequency); 0/255
    // checks and stripes of several pitches (the largest coefficients either sign). Quality 100 is
    // all divisors 8 (the power-of-two reciprocal), 5 the largest divisors.
    const random = rng(0x5eed);
    const contents: Record<string, (x: number, y: number, c: number) => number> = {
      photo: (x, y, c) => 128 + 60 * Math.sin(x / (9 + c * 4)) * Math.cos(y / 13) + (x * 3 > y * 2 + 90 ? 50 : -40) + (random.next() - 0.5) * 24,
      noise: () => random.int(256),
      extremes: (x, y, c) => ((x >> (1 + c)) ^ (y >> ((x >> 5) % 3))) & 1 ? 255 : 0,
    };
    const problems: string[] = [];
    for (const [name, value] of Object.entries(contents)) {
      for (const [w, h, channels] of [[8, 8, 3], [17, 9, 1], [96, 64, 3], [333, 257, 3], [250, 190, 1]] as const) {
        const pixels = Buffer.alloc(w * h * channels);
        for (let i = 0; i < pixels.length; i++) {
          const pixel = Math.floor(i / channels);
          pixels[i] = Math.max(0, Math.min(255, Math.round(value(pixel % w, Math.floor(pixel / w), i % channels))));
        }
        for (const quality of [5, 30, 65, 95, 100]) {
          const encode = (codec: TurboJpeg, file: string): Buffer => {
            const fd = openSync(path.join(dir, file), 'w');
            codec.encodeToFile(fd, pixels, w, h, channels, quality);
            closeSync(fd);
            return readFileSync(path.join(dir, file));
          };
          if (!encode(wasm, 'wasm.jpg').equals(encode(native, 'native.jpg'))) problems.push(`${name} ${w}x${h}x${channels} q${quality}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('resizes as resample.c natively does: the same bytes', async function () {
    if (!native) this.skip();
    const { data, info } = await sharp(await jpeg(path.join(dir, 'a.jpg'), 640, 480)).raw().toBuffer({ resolveWithObject: true });
    for (const [w, h] of [[320, 240], [333, 101], [639, 479], [1, 1]]) {
      const a = Buffer.alloc(w * h * 3);
      const b = Buffer.alloc(w * h * 3);
      assert.equal(wasm.resize(data, info.width, info.height, 3, b, w, h), b.length);
      native.resize(data, info.width, info.height, 3, a, w, h);
      assert.ok(a.equals(b), `${w}x${h}`);
    }
    assert.throws(() => wasm.resize(data, 640, 480, 3, Buffer.alloc(10), 320, 240), /do not match/);
  });

  test('refuses what it cannot decode cleanly: truncated, not a JPEG, missing, too little room, a bad shrink, over 64 MB', async () => {
    const { src, into } = await assertDecodeRefusals(wasm, dir);
    assert.throws(() => wasm.decode(path.join(dir, 'gone.jpg'), 1, false, into), /no such file/i);
    assert.throws(() => wasm.decode(src, 1, true, into), /colour space 1 is not greyscale/);
    assert.equal(wasm.decode(src, 1, false, into), into.length, 'and decodes the next file');
  });

  test('no state carries over between files: one without quantisation tables is refused right after a good one', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    const noTables = withoutQuantTables(src, 'no-tables.jpg');
    const into = Buffer.alloc(300 * 200 * 3);
    assert.equal(wasm.decode(src, 1, false, into), into.length);
    assert.throws(() => wasm.decode(noTables, 1, false, into), /Quantization table 0x00 was not defined/);
  });

  test('the fuzz regressions and 300 mutants of the seeds: each refused or decoded as natively (sharp decides the rest)', async () => {
    const files = readdirSync(REGRESSIONS, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.jpg'))
      .map((f) => path.join(REGRESSIONS, f));
    const all = await seeds();
    const donors = all.map((s) => s.bytes);
    const r = rng(7);
    for (let n = 0; n < 300; n++) {
      const file = path.join(dir, `m${n}.jpg`);
      writeFileSync(file, mutate(all[n % all.length].bytes, r, donors).bytes);
      files.push(file);
    }
    const problems: string[] = [];
    let refusals = 0;
    for (const file of files) {
      for (const shrink of [1, 8] as const) {
        const b = outcome(wasm, file, shrink, false, 13 * 2 ** 20);
        if (refused(b)) refusals++;
        const why = native && differs(outcome(native, file, shrink, false, 13 * 2 ** 20), b);
        if (why) problems.push(`${path.basename(file)} 1/${shrink}: ${why}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(refusals >= 50 && refusals < files.length * 2 - 50, `${refusals} of ${files.length * 2} refused`);
  });

  test('10,000 failed decodes: memory stays as it was, and the next decode is still right', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 640, 480);
    const into = Buffer.alloc(640 * 480 * 3);
    const good = outcome(wasm, src, 1, false, into.length) as Buffer;
    const bytes = readFileSync(src);
    // Refused at different depths: in the scan (a premature end), in the header, on the first bytes.
    const bad = [bytes.subarray(0, bytes.length >> 1), bytes.subarray(0, 400), Buffer.from('not a jpeg')].map((b, i) => {
      writeFileSync(path.join(dir, `bad${i}.jpg`), b);
      return path.join(dir, `bad${i}.jpg`);
    });
    for (const file of bad) assert.ok(refused(outcome(wasm, file, 1, false, into.length)));
    const before = wasm.memoryBytes();
    for (let n = 0; n < 10_000; n++) assert.ok(refused(outcome(wasm, bad[n % 3], 1, false, into.length)));
    assert.equal(wasm.memoryBytes(), before);
    assert.ok((outcome(wasm, src, 1, false, into.length) as Buffer).equals(good));
  });

  test('a 12 MiB decode passes its rows out as they come: the instance stays a few MB', async () => {
    const src = await jpeg(path.join(dir, 'big.jpg'), 2048, 2048);
    const into = Buffer.alloc(2048 * 2048 * 3);
    assert.equal(wasm.decode(src, 1, false, into), into.length);
    const fd = openSync(path.join(dir, 'big-out.jpg'), 'w');
    wasm.encodeToFile(fd, into, 2048, 2048, 3, 65, MARK_SEGMENT);
    closeSync(fd);
    assert.ok(wasm.memoryBytes() <= 8 * 2 ** 20, `${wasm.memoryBytes()} bytes of linear memory`);
    assert.ok(statSync(path.join(dir, 'big-out.jpg')).size > 1000);
  });

  test('worker threads that load it at the same time each get a working codec', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 64, 48);
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { loadWasmCodec } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'wasm', 'wasmCodec.js'))});
      const codec = loadWasmCodec(workerData.file, (e) => { throw e; });
      parentPort.postMessage(codec.decode(workerData.src, 2, false, Buffer.alloc(32 * 24 * 3)));`;
    const workers = Array.from({ length: 4 }, () => new Worker(script, { eval: true, workerData: { file: wasmFile(), src } }));
    const written = await Promise.all(workers.map(async (worker) => (await once(worker, 'message'))[0] as number));
    assert.deepEqual(written, Array(4).fill(32 * 24 * 3));
  });

  test('loadWasmCodec: no file is no codec, quietly; a file that is not WebAssembly is reported', () => {
    let heard: unknown;
    assert.equal(loadWasmCodec(path.join(dir, 'none.wasm'), (e) => (heard = e)), undefined);
    assert.equal(heard, undefined);
    writeFileSync(path.join(dir, 'bad.wasm'), 'not wasm');
    assert.equal(loadWasmCodec(path.join(dir, 'bad.wasm'), (e) => (heard = e)), undefined);
    assert.match(String(heard), /CompileError/);
  });
});
