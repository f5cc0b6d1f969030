/**
 * Fixture images for the engine tests, made with sharp into a fresh temp folder per test, so no
 * binary fixture is committed and every test starts clean.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_MAX_DECODE_MB } from '../../../src/core/decodeMemory';
import { thumbnailPath } from '../../../src/core/plan';
import { DEFAULT_MAX_PIXELS, type OutputRoot, type RenderTask } from '../../../src/core/task';
import { loadTurboJpeg, type TurboJpeg } from '../../../src/native/turbojpeg';
import { loadWasmCodec, type WasmCodec } from '../../../src/wasm/wasmCodec';

export { sharp };

/** A temp folder removed by the returned cleanup. */
/** Creates `rel` under `root` (and its folders) holding one byte: a name for the walk to find. */
export function touch(root: string, rel: string): void {
  const full = path.join(root, rel);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, 'x');
}

export function tempFolder(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ft-engine-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a noisy-ish RGB JPEG of the given size (a gradient, so resizes have work to do). */
export async function jpeg(
  file: string,
  width: number,
  height: number,
  options: { progressive?: boolean; quality?: number } = {},
): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / Math.max(1, width - 1);
      data[i + 1] = (y * 255) / Math.max(1, height - 1);
      data[i + 2] = (x * 7 + y * 13) & 255;
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: options.quality ?? 85, progressive: options.progressive ?? false })
    .toFile(file);
  return file;
}

/** A solid-colour JPEG. */
/**
 * The JPEG at `file` rewritten without its quantisation tables (every DQT segment, FF DB, of the
 * head dropped), as `name` beside it: libjpeg would decode it with the previous image's tables.
 */
export function withoutQuantTables(file: string, name: string): string {
  const bytes = readFileSync(file);
  const parts: Buffer[] = [bytes.subarray(0, 2)];
  let i = 2;
  while (bytes[i + 1] !== 0xda) {
    const end = i + 2 + bytes.readUInt16BE(i + 2);
    if (bytes[i + 1] !== 0xdb) parts.push(bytes.subarray(i, end));
    i = end;
  }
  parts.push(bytes.subarray(i));
  const out = path.join(path.dirname(file), name);
  writeFileSync(out, Buffer.concat(parts));
  return out;
}

/**
 * The refusals both libjpeg-turbo codecs (native and WebAssembly) owe, checked on `codec`:
 * truncated, not a JPEG, too little room, a bad shrink, a file over 64 MB. Returns the good
 * 300x200 source and a buffer that fits it, for the codec's own further checks.
 */
export async function assertDecodeRefusals(codec: Pick<TurboJpeg, 'decode'>, dir: string): Promise<{ src: string; into: Buffer }> {
  const src = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
  const into = Buffer.alloc(300 * 200 * 3);
  const bytes = readFileSync(src);
  const cut = path.join(dir, 'cut.jpg');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  // libjpeg only warns about a premature end (and pads with grey); a warning stops this decode.
  assert.throws(() => codec.decode(cut, 1, false, into), /premature end/i);
  const png = path.join(dir, 'png.jpg');
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toFile(png);
  assert.throws(() => codec.decode(png, 1, false, into), /not a JPEG|SOI/i);
  assert.throws(() => codec.decode(src, 1, false, Buffer.alloc(100)), /100 bytes given for 300x200 pixels, 180000 needed/);
  assert.throws(() => codec.decode(src, 3 as 2, false, into), /shrink 1\|2\|4\|8/);
  // A file over 64 MB (here a JPEG with a long tail) is not read into memory at all.
  const tail = path.join(dir, 'tail.jpg');
  writeFileSync(tail, Buffer.concat([bytes, Buffer.alloc(64 * 2 ** 20)]));
  assert.throws(() => codec.decode(tail, 1, false, into), /File too large/);
  return { src, into };
}

export async function solid(file: string, width: number, height: number, rgb: [number, number, number]): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 95 })
    .toFile(file);
  return file;
}

export type Rgb = [number, number, number];
/** Quadrant colours of the orientation test picture, as displayed: TL, TR, BL, BR. */
export const QUADRANTS: Rgb[] = [
  [230, 20, 20],
  [20, 200, 20],
  [20, 20, 230],
  [240, 240, 240],
];

/**
 * Writes a JPEG whose *displayed* picture (after applying EXIF `orientation`) is `width` x
 * `height` with the four {@link QUADRANTS}; the stored pixels are transformed by hand per the
 * EXIF spec, independently of sharp's autoOrient.
 */
export async function orientedJpeg(file: string, width: number, height: number, orientation: number): Promise<string> {
  const display = (x: number, y: number): Rgb => QUADRANTS[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)];
  const swap = orientation >= 5;
  const ws = swap ? height : width;
  const hs = swap ? width : height;
  const data = Buffer.alloc(ws * hs * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Stored coordinates of displayed pixel (x, y).
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 1: [sx, sy] = [x, y]; break;
        case 2: [sx, sy] = [ws - 1 - x, y]; break;
        case 3: [sx, sy] = [ws - 1 - x, hs - 1 - y]; break;
        case 4: [sx, sy] = [x, hs - 1 - y]; break;
        case 5: [sx, sy] = [y, x]; break;
        case 6: [sx, sy] = [y, hs - 1 - x]; break;
        case 7: [sx, sy] = [ws - 1 - y, hs - 1 - x]; break;
        case 8: [sx, sy] = [ws - 1 - y, x]; break;
        default: throw new Error(`orientation ${orientation}`);
      }
      const i = (sy * ws + sx) * 3;
      const c = display(x, y);
      data[i] = c[0];
      data[i + 1] = c[1];
      data[i + 2] = c[2];
    }
  }
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp(data, { raw: { width: ws, height: hs, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation })
    .toFile(file);
  return file;
}

/** The RGB(A) value of one pixel of an image file, as sharp decodes it (no orientation applied). */
export async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [...data.subarray(i, i + info.channels)];
}

/** Asserts-friendly: max abs difference between two colours. */
export function colourDistance(a: number[], b: number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? b[0]))));
}

/**
 * A JPEG whose header claims `width` x `height` (e.g. 30000x30000) but holds the data of a tiny
 * picture: a decompression bomb in a few hundred bytes, or a header that promises more pixels
 * than its data holds. Made by patching the SOF0/SOF2 marker.
 */
export async function bomb(
  file: string,
  width: number,
  height: number,
  options: { progressive?: boolean; chromaSubsampling?: string } = {},
): Promise<string> {
  const small = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
    .jpeg({ quality: 50, ...options })
    .toBuffer();
  const bytes = Buffer.from(small);
  for (let i = 2; i < bytes.length - 9; ) {
    if (bytes[i] !== 0xff) throw new Error('bad marker walk');
    const marker = bytes[i + 1];
    const length = bytes.readUInt16BE(i + 2);
    if (marker === 0xc0 || marker === 0xc2) {
      bytes.writeUInt16BE(height, i + 5);
      bytes.writeUInt16BE(width, i + 7);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, bytes);
      return file;
    }
    i += 2 + length;
  }
  throw new Error('no SOF marker found');
}

/** Every path under `dir`, relative, sorted; folders end with "/". */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (lstatSync(full).isDirectory()) {
        out.push(`${r}/`);
        walk(full, r);
      } else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** Paths of temp files our writer could leave (hidden *.tmp, whatever their naming). */
export function tempFiles(dir: string): string[] {
  return listTree(dir).filter((p) => /(^|\/)\.[^/]*\.tmp$/.test(p));
}

export async function dims(file: string): Promise<{ width: number; height: number; orientation?: number; space?: string; channels?: number; format?: string }> {
  const m = await sharp(await readFile(file)).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0, orientation: m.orientation, space: m.space, channels: m.channels, format: m.format };
}

/** The task's output root for a job on `folder` (as the engine makes it). */
export function outputRoot(folder: string): OutputRoot {
  return { folder, real: realpathSync(folder) };
}

/** A render of `source` into its folder's thumbnails/<W>x<H>/, with the default limits. */
export function renderTask(source: string, boxes: ReadonlyArray<{ width: number; height: number }>, quality = 65): RenderTask {
  return {
    source,
    root: outputRoot(path.dirname(source)),
    quality,
    maxPixels: DEFAULT_MAX_PIXELS,
    maxDecodeBytes: DEFAULT_MAX_DECODE_MB * 2 ** 20,
    outputs: boxes.map((b) => {
      const dest = thumbnailPath(source, 'thumbnails', b);
      return { ...b, dest, temp: path.join(path.dirname(dest), `.${path.basename(dest)}.t.tmp`) };
    }),
  };
}

/** Makes a FIFO (named pipe) at `file`. */
export function fifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

/** Workers for the engine tests: the compiled worker entry. */
export const WORKER_FILE = path.resolve(__dirname, '../../../src/worker/index.js');

const ROOT = path.resolve(__dirname, '../../../..');
let builtNative: string | undefined;

/**
 * The native helpers (scripts/native.mjs) built once per test run into a temp folder; the unit
 * tier runs before `npm run build`, so dist/ may hold none. Undefined off Linux/glibc, where
 * they are not built.
 */
export function nativeHelpersFolder(): string | undefined {
  const glibc = process.platform === 'linux' && Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
  if (!glibc) return undefined;
  if (builtNative === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ft-native-'));
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'native.mjs'), dir], { stdio: 'pipe' });
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    builtNative = dir;
  }
  return builtNative;
}

/**
 * turbojpeg.node, loaded: undefined off Linux/glibc. On Linux with glibc it must load (this
 * machine has libturbojpeg), so a broken build fails the tests instead of skipping them.
 */
export function turboJpegForTests(): TurboJpeg | undefined {
  const dir = nativeHelpersFolder();
  if (dir === undefined) return undefined;
  return loadTurboJpeg(path.join(dir, 'turbojpeg.node'), (error) => {
    throw error;
  });
}

let builtWasm: { file?: string } | undefined;

/**
 * turbojpeg.wasm (scripts/wasm.mjs) built once per test run into a temp folder (a copy from the
 * tool cache after the first build); undefined where the WebAssembly toolchain is missing.
 */
export function wasmFile(): string | undefined {
  if (builtWasm === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ft-wasm-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const said = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'wasm.mjs'), dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    builtWasm = { file: /skipped/.test(said) ? undefined : path.join(dir, 'turbojpeg.wasm') };
  }
  return builtWasm.file;
}

/** The WebAssembly codec, loaded: undefined without the toolchain; where it was built, it must load. */
export function wasmForTests(): WasmCodec | undefined {
  const file = wasmFile();
  if (file === undefined) return undefined;
  return loadWasmCodec(file, (error) => {
    throw error;
  });
}

/** A codec that counts what it was asked and what it did. */
export function countingCodec(codec: TurboJpeg): { codec: TurboJpeg; decoded: number; refused: number; encoded: number; resized: number } {
  const counts = { decoded: 0, refused: 0, encoded: 0, resized: 0 };
  const counting: TurboJpeg = {
    decode: (...args) => {
      try {
        const n = codec.decode(...args);
        counts.decoded++;
        return n;
      } catch (error) {
        counts.refused++;
        throw error;
      }
    },
    encodeToFile: (...args) => {
      const n = codec.encodeToFile(...args);
      counts.encoded++;
      return n;
    },
    resize: (...args) => {
      const n = codec.resize(...args);
      counts.resized++;
      return n;
    },
  };
  return Object.assign(counts, { codec: counting });
}
