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
 * Packed RGB with what photos give a decoder's inverse DCT and the seeds' noisy pictures hardly
 * do: a flat sky (blocks with only a DC term), a smooth gradient, a band that varies across only
 * (blocks whose rows 1-7 are zero), textured ground, and hard edges of saturated colours and thin
 * dark lines (samples that overshoot 0 and 255 and are clamped). Bands on 16-pixel boundaries.
 */
function photo(width: number, height: number): Buffer {
  const random = rng(1234);
  const colours: Array<[number, number, number]> = [[255, 0, 0], [0, 0, 0], [255, 255, 255], [20, 200, 40], [250, 240, 10]];
  const discs = Array.from({ length: 12 }, () => ({ x: random.int(width), y: 256 + random.int(height - 256), r: 6 + random.int(40), rgb: random.pick(colours) }));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let rgb: number[];
      if (y < 64) {
        rgb = [88, 136, 208];
      } else if (y < 192) {
        const t = (y - 64) / 128;
        rgb = [88 + 110 * t, 136 + 84 * t, 208 + 32 * t];
      } else if (y < 256) {
        const s = Math.sin(x / 6) * 60 + Math.sin(x / 23) * 40;
        rgb = [130 + s, 110 + s * 0.8, 90 + s * 0.5];
      } else {
        const n = random.int(48) - 24;
        const b = Math.sin(x / 40) * Math.cos(y / 31) * 50;
        rgb = [90 + b + n, 120 + b + n, 60 + n];
      }
      for (const d of discs) if ((x - d.x) ** 2 + (y - d.y) ** 2 < d.r ** 2) rgb = d.rgb;
      if (y >= 300 && y < 340 && x % 7 < 2) rgb = [0, 0, 0];
      for (let k = 0; k < 3; k++) data[(y * width + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(rgb[k])));
    }
  }
  return data;
}

/** The JPEG with its quantisation tables rewritten in 16-bit precision, entry k of each `value(k)`. */
function withQuantTables(jpeg: Buffer, value: (k: number) => number): Buffer {
  const parts = [jpeg.subarray(0, 2)];
  let i = 2;
  for (; i + 4 <= jpeg.length && jpeg[i] === 0xff && jpeg[i + 1] !== 0xda; ) {
    const end = i + 2 + jpeg.readUInt16BE(i + 2);
    if (jpeg[i + 1] !== 0xdb) {
      parts.push(jpeg.subarray(i, end));
    } else {
      const tables: Buffer[] = [];
      for (let p = i + 4; p < end; p += jpeg[p] >> 4 ? 129 : 65) {
        const table = Buffer.alloc(129);
        table[0] = 0x10 | (jpeg[p] & 15);
        for (let k = 0; k < 64; k++) table.writeUInt16BE(value(k), 1 + 2 * k);
        tables.push(table);
      }
      const head = Buffer.from([0xff, 0xdb, 0, 0]);
      head.writeUInt16BE(2 + 129 * tables.length, 2);
      parts.push(head, ...tables);
    }
    i = end;
  }
  return Buffer.concat([...parts, jpeg.subarray(i)]);
}

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

  // The inverse DCTs (src/wasm/simd/idct.c) of 1/1, 1/2 and 1/4 decodes, with their shortcuts
  // for blocks with only a DC term or only a first row, and their clamping of overshoots.
  test('photo-like content (flat sky, gradients, texture, clipped edges) at every shrink, 4:2:0, 4:4:4 and grey, quality 50 to 100: the native decode byte for byte', async function () {
    if (!native) this.skip();
    const [width, height] = [640, 480];
    const pixels = sharp(photo(width, height), { raw: { width, height, channels: 3 } });
    const problems: string[] = [];
    for (const quality of [50, 75, 90, 100]) {
      for (const kind of ['4:2:0', '4:4:4', 'grey'] as const) {
        const file = path.join(dir, `photo-${quality}-${kind.replaceAll(':', '')}.jpg`);
        const grey = kind === 'grey';
        await (grey ? pixels.clone().toColourspace('b-w').jpeg({ quality }) : pixels.clone().jpeg({ quality, chromaSubsampling: kind })).toFile(file);
        for (const shrink of SHRINKS) {
          const a = outcome(native, file, shrink, grey, width * height * 3);
          assert.ok(!refused(a), `${file} 1/${shrink} decodes`);
          const why = differs(a, outcome(wasm, file, shrink, grey, width * height * 3));
          if (why) problems.push(`quality ${quality} ${kind} 1/${shrink}: ${why}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  // 16-bit quantisation tables make 16-bit products overflow: there libjpeg's C code and its SSE2
  // code (the native library's, which the kernels follow) give different pixels.
  test('quantisation tables no encoder writes (16-bit, up to 65535): the native decode byte for byte, overflow for overflow', async function () {
    if (!native) this.skip();
    const [width, height] = [640, 480];
    const src = await sharp(photo(width, height), { raw: { width, height, channels: 3 } }).jpeg({ quality: 75 }).toBuffer();
    const r = rng(99);
    const extremes = [1, 2, 255, 1000, 4096, 8191, 8192, 16383, 16384, 32767, 32768, 40000, 65535];
    const tables: Record<string, (k: number) => number> = {
      extreme: () => r.pick(extremes),
      random: () => r.range(1, 65535),
      'high ACs': (k) => (k < 10 ? r.range(1, 16) : r.range(32768, 34000)),
    };
    const problems: string[] = [];
    for (const [name, value] of Object.entries(tables)) {
      const file = path.join(dir, `quant-${name}.jpg`);
      writeFileSync(file, withQuantTables(src, value));
      for (const shrink of SHRINKS) {
        const a = outcome(native, file, shrink, false, width * height * 3);
        assert.ok(!refused(a), `${name} 1/${shrink} decodes`);
        const why = differs(a, outcome(wasm, file, shrink, false, width * height * 3));
        if (why) problems.push(`${name} 1/${shrink}: ${why}`);
      }
    }
    assert.deepEqual(problems, []);
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
    for (const [n, file] of files.entries()) {
      // Each at 1/1 and 1/8, and by turns at 1/2 or 1/4 (the reduced inverse DCTs).
      for (const shrink of [1, n % 2 ? 2 : 4, 8] as const) {
        const b = outcome(wasm, file, shrink, false, 13 * 2 ** 20);
        if (refused(b)) refusals++;
        const why = native && differs(outcome(native, file, shrink, false, 13 * 2 ** 20), b);
        if (why) problems.push(`${path.basename(file)} 1/${shrink}: ${why}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(refusals >= 75 && refusals < files.length * 3 - 75, `${refusals} of ${files.length * 3} refused`);
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
