/**
 * The render function: one source image in, every requested thumbnail out, from one decode.
 * Runs inside a pool worker (see index.ts) and, for the benchmark's pool-overhead check, on the
 * main thread. This file and its siblings are the only place that imports sharp.
 */
import { constants as fsConstants } from 'node:fs';
import { readFileSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import sharp, { type Metadata, type OutputInfo, type SharpOptions } from 'sharp';
import { FailureCode, FileError, describeError } from '../core/errors';
import { MARK_SEGMENT, writeMarked } from '../core/ownership';
import { thumbnailStampMs } from '../core/stamp';
import { areaDownscale } from './downscale';
import { HEAD_BYTES, iccProfile, parseJpegHeader, readHead, unsupportedJpeg } from '../core/jpegHeader';
import { loadTurboJpeg, type TurboJpeg } from '../native/turbojpeg';
import { OutputFolders, writeAll, type EncodeTo } from './output';
import { InvalidScanError, trimProgressiveScans } from './progressive';
import { BIG_DECODE_BUDGET_MB, bigDecodeMB, decodeBytes, type RenderOutput, type RenderResult, type RenderTask } from '../core/task';

export type { RenderOutput, RenderResult, RenderTask } from '../core/task';
export { DEFAULT_MAX_PIXELS } from '../core/task';

/**
 * Tunables the benchmark varies; the defaults are the measured fastest that keep quality.
 * Not part of the task so that production always renders one way.
 */
export interface RenderTuning {
  /** Kernel for the sizes derived from the largest thumbnail's pixels. */
  derivedKernel: 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3' | 'mks2013' | 'mks2021';
  optimiseCoding: boolean;
  /** Benchmark variant: area-average even the sizes of half the largest or more. */
  smallKernel?: 'box-all';
  /** Leave out the progressive scans the shrunk decode cannot show (progressive.ts). */
  trimScans: boolean;
}

// optimiseCoding (a second Huffman pass) cost ~9 ms per 1024 px encode for files a few percent
// smaller; see bench/engine for the measured trade.
export const defaultTuning: RenderTuning = { derivedKernel: 'lanczos3', optimiseCoding: false, trimScans: true };

/** Makes every thumbnail of one source. Never throws for a problem with the file itself. */
export async function renderImage(task: RenderTask, tuning: RenderTuning = defaultTuning): Promise<RenderResult> {
  try {
    return await render(task, tuning);
  } catch (error) {
    if (error instanceof FileError) return { ok: false, code: error.code, message: error.message };
    if (error instanceof Cancelled) return { ok: false, code: 'CANCELLED', message: `${task.source}: cancelled` };
    throw error;
  }
}

const inputOptions = (maxPixels: number): SharpOptions => ({
  // 'truncated' refuses cut-off files but accepts the harmless warnings many real cameras and
  // editors trigger (extraneous bytes before a marker and the like), which 'warning' refuses.
  failOn: 'truncated',
  limitInputPixels: maxPixels,
  autoOrient: true,
  sequentialRead: true,
});

class Cancelled extends Error {}

let bigDecodeGate: Int32Array | undefined;
let turbo: TurboJpeg | undefined;

/**
 * The fast path for plain JPEGs (src/native/turbojpeg.c): decodes and encodes through the
 * system's libjpeg-turbo; undefined renders everything with sharp.
 */
export function setTurboJpeg(codec: TurboJpeg | undefined): void {
  turbo = codec;
}

/**
 * Shares the big-decode budget among the workers of a pool (an Int32 of MB in use, over a
 * SharedArrayBuffer from workerData). Without it (main-thread use) there is no budget.
 */
export function setBigDecodeGate(gate: Int32Array | undefined): void {
  bigDecodeGate = gate;
}

/**
 * Sets up a thread that renders (a pool worker, or the benchmark's stand-ins). One libvips thread:
 * one image per core beats libvips threads inside one image (measured, see bench/engine), and the
 * pool provides the parallelism. No operation cache: it only helps when the same input is
 * processed again, which never happens here, and it holds memory. The pool's big-decode budget
 * when its workerData carries one, and the TurboJPEG fast path when it names turbojpeg.node and
 * that loads. FOLDER_THUMBNAILS_VIPS_CONCURRENCY and FOLDER_THUMBNAILS_NO_TURBOJPEG exist only for
 * the benchmark.
 */
export function configureRenderThread(data?: unknown): void {
  sharp.concurrency(Number(process.env.FOLDER_THUMBNAILS_VIPS_CONCURRENCY) || 1);
  sharp.cache(false);
  const { bigDecodeGate: gate, turbojpeg } = (data ?? {}) as { bigDecodeGate?: SharedArrayBuffer; turbojpeg?: string };
  setBigDecodeGate(gate ? new Int32Array(gate) : undefined);
  setTurboJpeg(turbojpeg && !process.env.FOLDER_THUMBNAILS_NO_TURBOJPEG ? loadTurboJpeg(turbojpeg) : undefined);
}

function enterBigDecode(task: RenderTask, mb: number): void {
  const gate = bigDecodeGate;
  if (!gate) return;
  // Blocking is fine: this worker has nothing else to do. Bounded, so that a worker that died
  // holding a reservation can only slow the others down, never stop them. (Handing the image
  // back to the engine to retry later, so the worker could take others meanwhile, measured no
  // faster: the big images then serialise at the end of the job instead.)
  for (let waited = 0; waited < 20; waited++) {
    const inUse = Atomics.load(gate, 0);
    if (inUse === 0 || inUse + mb <= BIG_DECODE_BUDGET_MB) {
      if (Atomics.compareExchange(gate, 0, inUse, inUse + mb) === inUse) return;
      continue;
    }
    Atomics.wait(gate, 0, inUse, 250);
    checkCancelled(task);
  }
  Atomics.add(gate, 0, mb);
}

function leaveBigDecode(mb: number): void {
  const gate = bigDecodeGate;
  if (!gate) return;
  Atomics.sub(gate, 0, mb);
  Atomics.notify(gate, 0);
}

function checkCancelled(task: RenderTask): void {
  if (task.cancel !== undefined && Atomics.load(task.cancel, 0) !== 0) throw new Cancelled();
}

async function render(task: RenderTask, tuning: RenderTuning): Promise<RenderResult> {
  const { source, quality } = task;
  checkCancelled(task);
  const { head, mtimeMs, bytes } = await checkSource(source);
  sniffJpeg(source, head);

  // Our own header read first (~3 ms cheaper); sharp's metadata() when ours cannot be sure.
  const header: Header = fromJpegHeader(head) ?? (await longHeadHeader(source, head)) ?? (await sharpHeader(source, task.maxPixels));
  // Before any decoder: they would call a valid 12-bit or lossless file corrupt.
  const unsupported = header.precision === undefined ? null : unsupportedJpeg({ precision: header.precision, sof: header.sof! });
  if (unsupported) throw new FileError(FailureCode.UNSUPPORTED_JPEG, source, unsupported);
  const { targets, largest, width: w, height: h } = planSizes(source, header, task);
  checkDecodeMemory(source, header, bytes, task.maxDecodeBytes);
  // Big progressive decodes are admitted against the pool-wide budget (task.ts).
  const reserveMB = bigDecodeMB(header);
  const gated = reserveMB > 0;
  if (gated) enterBigDecode(task, reserveMB);
  let decoded: { data: Buffer; info: OutputInfo };
  const shrink = sharpJpegShrink(Math.min(w / largest.width, h / largest.height));
  const fast = turbo && fastDecodable(header) ? turboDecode(turbo, source, header, shrink) : undefined;
  try {
    if (fast) {
      decoded = await resizeLargest(source, fast, header, largest);
    } else {
      const input = header.progressive && tuning.trimScans ? trimmedInput(source, shrink) : source;
      decoded = await decodeLargest(source, input, task, header, largest);
    }
  } finally {
    if (gated) leaveBigDecode(reserveMB);
  }
  const grey = header.grey;
  checkCancelled(task);
  const stamp = thumbnailStampMs(mtimeMs, quality) / 1000;
  const jpegOptions = { quality, optimiseCoding: tuning.optimiseCoding };

  type Pixels = { data: Buffer; raw: { width: number; height: number; channels: 1 | 3 } };
  const top: Pixels = {
    data: decoded.data,
    raw: { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels as 1 | 3 },
  };
  // Levels made so far, largest first. A size of about half the largest or more is resized by
  // libvips (Lanczos 3) from the decode's pixels (measured: as fast as averaging it in JS, and
  // sharper); a smaller one is area-averaged in JS from the smallest level about twice its
  // size, so 1024 -> 512 -> 256 -> ... is mip-mapping below a good filter at the top. A libvips
  // resize to a tiny size costs ~2 ms of setup per call whatever its input; the JS average
  // costs a fraction of that and cannot ring.
  const levels: Pixels[] = [top];
  let written = 0;
  const space = grey ? 'b-w' : 'srgb';
  // With sharp, each size's encode and write runs while the next size is being made: a sharp
  // call spends much of its time handing work between threads, and awaiting each in turn left a
  // core idle ~8% of a job. TurboJPEG's encode runs on this thread, in a fifth of the time. All
  // of them are awaited before this returns, whatever fails.
  const codec = tuning.optimiseCoding ? undefined : turbo;
  const folders = new OutputFolders(source, task.root);
  const encodeAndWrite = async (t: Target, level: Pixels): Promise<void> => {
    const { width, height, channels } = level.raw;
    let encode: EncodeTo;
    if (codec) {
      encode = (fd) => codec.encodeToFile(fd, level.data, width, height, channels, quality, MARK_SEGMENT);
    } else {
      // toColourspace: without it sharp would write one-channel pixels as three-channel sRGB.
      const jpeg = await sharp(level.data, { raw: level.raw }).toColourspace(space).jpeg(jpegOptions).toBuffer();
      encode = (fd) => writeMarked(fd, jpeg, writeAll);
    }
    checkCancelled(task);
    folders.write(t.out, encode, stamp);
    written++;
  };
  const writes: Promise<void>[] = [];
  let failure: unknown;
  let writeFailed = false;
  try {
    for (let i = 0; i < targets.length && !writeFailed; i++) {
      checkCancelled(task);
      const t = targets[i];
      let level: Pixels;
      if (t.width === top.raw.width && t.height === top.raw.height) {
        level = top;
      } else if (tuning.smallKernel !== 'box-all' && 2 * t.width >= top.raw.width - 1) {
        const data = await sharp(top.data, { raw: top.raw })
          .resize(t.width, t.height, { fit: 'fill', kernel: tuning.derivedKernel })
          .raw()
          .toBuffer();
        level = { data, raw: { width: t.width, height: t.height, channels: top.raw.channels } };
      } else {
        let from = top;
        for (const l of levels) if (halfOrLess(t, l.raw)) from = l;
        const data = areaDownscale(from.data, from.raw.width, from.raw.height, from.raw.channels, t.width, t.height);
        level = { data, raw: { width: t.width, height: t.height, channels: from.raw.channels } };
      }
      if (level !== top) levels.push(level);
      const write = encodeAndWrite(t, level);
      // Seen at once, so a failure never goes unhandled while the loop awaits something else,
      // and no further size is started after one failed.
      write.catch(() => {
        writeFailed = true;
      });
      writes.push(write);
    }
  } catch (error) {
    failure = error;
  }
  for (const outcome of await Promise.allSettled(writes)) {
    if (failure === undefined && outcome.status === 'rejected') failure = outcome.reason;
  }
  if (failure !== undefined) {
    // Thumbnails already renamed into place are complete and stay; no temp file is left.
    for (const o of task.outputs) {
      try {
        unlinkSync(o.temp);
      } catch {
        // not there
      }
    }
    if (failure instanceof FileError || failure instanceof Cancelled) throw failure;
    throw new FileError(FailureCode.CORRUPT_JPEG, source, `could not be resized or encoded: ${describeError(failure)}`, {
      cause: failure,
    });
  }
  return { ok: true, thumbnails: written, width: w, height: h, decoder: fast ? 'turbojpeg' : 'sharp' };
}

interface Header {
  /** As stored, before the orientation is applied. */
  width: number;
  height: number;
  orientation: number;
  grey: boolean;
  progressive: boolean;
  /** libjpeg will hold every coefficient (jpegHeader.ts); undefined when sharp read the header (then assumed). */
  buffered?: boolean;
  coefficientBytes: number;
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK; undefined when sharp read the header. */
  components?: number;
  /** The embedded profile ('srgb': converting through it would change nothing); undefined when sharp read the header. */
  icc?: 'none' | 'srgb' | 'other';
  /** Bits per sample and the SOFn marker (jpegHeader.ts); undefined when sharp read the header. */
  precision?: number;
  sof?: number;
}

type Target = { out: RenderOutput; width: number; height: number };

/** The header from our own reader of the file's first bytes; null when it cannot be sure. */
function fromJpegHeader(head: Buffer): Header | null {
  const h = parseJpegHeader(head);
  if (!h) return null;
  return {
    width: h.width,
    height: h.height,
    orientation: h.orientation,
    grey: h.components === 1,
    progressive: h.progressive,
    buffered: h.buffered,
    coefficientBytes: h.coefficientBytes,
    components: h.components,
    icc: iccProfile(head),
    precision: h.precision,
    sof: h.sof,
  };
}

/**
 * Our header from the first MB when the first 64 KB held no frame header or first scan (big XMP,
 * ICC or padding before them): sharp's header cannot say whether the decode will be buffered.
 */
async function longHeadHeader(source: string, head: Buffer): Promise<Header | null> {
  if (head.length < HEAD_BYTES) return null;
  let handle: FileHandle | undefined;
  try {
    handle = await open(source, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    return fromJpegHeader(await readHead(handle, LONG_HEAD_BYTES));
  } catch {
    return null; // sharp's header read reports why
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const LONG_HEAD_BYTES = 2 ** 20;

async function sharpHeader(source: string, maxPixels: number): Promise<Header> {
  let meta: Metadata;
  try {
    // Header only; the pixel limit is checked by planSizes with the dimensions in the message.
    meta = await sharp(source, { ...inputOptions(maxPixels), limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(source, error);
  }
  if (meta.format !== 'jpeg') {
    throw new FileError(FailureCode.NOT_JPEG, source, `is ${meta.format ?? 'an unknown format'}, not a JPEG`);
  }
  return {
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    orientation: meta.orientation ?? 1,
    grey: meta.space === 'b-w' || meta.channels === 1,
    progressive: meta.isProgressive === true,
    // Upper bound (no subsampling known here): 2 bytes per sample.
    coefficientBytes: (meta.width ?? 0) * (meta.height ?? 0) * (meta.channels ?? 3) * 2,
  };
}

function planSizes(source: string, header: Header, task: RenderTask): { targets: Target[]; largest: Target; width: number; height: number } {
  const { width: srcW, height: srcH } = header;
  if (srcW * srcH > task.maxPixels) {
    throw new FileError(
      FailureCode.TOO_MANY_PIXELS,
      source,
      `is ${srcW}x${srcH} (${Math.round((srcW * srcH) / 1e6)} MP), over the limit of ${Math.round(task.maxPixels / 1e6)} MP`,
    );
  }
  // Orientations 5..8 swap width and height once applied.
  const [width, height] = header.orientation >= 5 ? [srcH, srcW] : [srcW, srcH];
  // Every size is computed from the source's own dimensions, never from an intermediate, so no
  // size drifts by a pixel whatever it is derived from.
  const targets = task.outputs
    .map((o) => ({ out: o, ...fitInside(width, height, o.width, o.height) }))
    .sort((a, b) => b.width * b.height - a.width * a.height);
  return { targets, largest: targets[0], width, height };
}

/** Refuses, from the header, a decode that would hold more memory than the limit (task.ts). */
function checkDecodeMemory(source: string, header: Header, fileBytes: number, limit: number): void {
  const need = decodeBytes(header, fileBytes);
  if (need <= limit) return;
  const mb = (n: number): string => `${Math.ceil(n / 2 ** 20)} MB`;
  const mp = Math.round((header.width * header.height) / 1e6);
  // Not only progressive files: a sequential one in separate scans is held whole too (jpegHeader.ts).
  const kind = header.progressive ? 'a progressive JPEG' : 'a JPEG whose decode holds the whole image (separate scans)';
  throw new FileError(
    FailureCode.TOO_BIG_TO_DECODE,
    source,
    `is ${kind} of ${header.width}x${header.height} (${mp} MP) whose decode needs about ${mb(need)} at once, over the decode memory limit of ${mb(limit)}`,
  );
}

/**
 * The shrink-on-load sharp asks libjpeg for when resizing by `factor` with fastShrinkOnLoad
 * (sharp's pipeline.cc): 8, 4 or 2 when the factor reaches it, halved when the factor's integer
 * part equals it (libjpeg rounding).
 */
export function sharpJpegShrink(factor: number): 1 | 2 | 4 | 8 {
  const shrink = factor >= 8 ? 8 : factor >= 4 ? 4 : factor >= 2 ? 2 : 1;
  if (shrink > 1 && Math.trunc(factor) === shrink) return (shrink / 2) as 1 | 2 | 4;
  return shrink;
}

/**
 * A progressive source without the scans its shrunk decode cannot show, as a Buffer; the path
 * itself when nothing can be left out or the file cannot be read here (the decoder then reports
 * why, as for any file).
 */
function trimmedInput(source: string, shrink: number): string | Buffer {
  if (shrink < 2) return source;
  let file: Buffer;
  try {
    file = readFileSync(source);
  } catch {
    return source;
  }
  try {
    return trimProgressiveScans(file, shrink)?.data ?? source;
  } catch (error) {
    if (!(error instanceof InvalidScanError)) throw error;
    throw new FileError(FailureCode.CORRUPT_JPEG, source, `is corrupt: ${error.message}`, { cause: error });
  }
}

/**
 * The single decode: shrink-on-load (libjpeg DCT scaling) to near the largest thumbnail, then
 * a resize to it, kept as raw pixels; every size is made from these. Re-decoding per size
 * (clone(), or one task per size) costs nearly a full Huffman decode each time.
 */
async function decodeLargest(
  source: string,
  /** The path, or the file's bytes when progressive scans were left out. */
  input: string | Buffer,
  task: RenderTask,
  header: Header,
  largest: Target,
): Promise<{ data: Buffer; info: OutputInfo }> {
  const decode = (failOn: 'warning' | 'truncated'): Promise<{ data: Buffer; info: OutputInfo }> => {
    const options = { ...inputOptions(task.maxPixels), ignoreIcc: header.icc === 'srgb', failOn };
    let pipeline = sharp(input, options).resize(largest.width, largest.height, {
      fit: 'fill',
      fastShrinkOnLoad: true,
    });
    // Greyscale stays one channel: a third of the work and a smaller file, same look. Anything
    // else (ICC-profiled, Adobe RGB, CMYK) is converted to sRGB through its embedded profile (or
    // sharp's CMYK default); the output is untagged sRGB, the web's default.
    pipeline = header.grey ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    return pipeline.raw().toBuffer({ resolveWithObject: true });
  };
  // Strict first: a warning that means pixels are missing (the data ends before the image does,
  // a bad Huffman code) fails the file, where libjpeg would fill the rest with grey and the
  // thumbnail would look made. A file whose only warnings are harmless decodes again, as before.
  // libvips keeps one error buffer for the whole process, so with several workers a failure's
  // text can be another image's, or empty ("Unknown error"): only a text made entirely of
  // harmless warnings lets a file through, and anything else is tried strictly once more.
  let strictError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return await decode('warning');
    } catch (error) {
      strictError = error;
      if (onlyHarmlessWarnings(describeError(error))) break;
    }
  }
  if (!onlyHarmlessWarnings(describeError(strictError))) throw decodeError(source, strictError);
  try {
    return await decode('truncated');
  } catch (error) {
    throw decodeError(source, error);
  }
}

/**
 * libjpeg's warnings after which the decoded pixels are still the picture (jerror.h:
 * JWRN_EXTRANEOUS_DATA, JWRN_JFIF_MAJOR, JWRN_ADOBE_XFORM, JWRN_BOGUS_ICC, JWRN_NOT_SEQUENTIAL).
 * Every other warning (JWRN_HIT_MARKER, JWRN_JPEG_EOF, JWRN_HUFF_BAD_CODE, JWRN_MUST_RESYNC,
 * JWRN_BOGUS_PROGRESSION, ...) means data is missing or unreadable.
 */
const HARMLESS_WARNING =
  /^(.*VipsJpeg: )?(Corrupt JPEG data: \d+ extraneous bytes before marker 0x[0-9a-f]{2}|Warning: unknown JFIF revision number [\d.]+|Unknown Adobe color transform code \d+|Corrupt JPEG data: bad ICC marker|Invalid SOS parameters for sequential JPEG)$/i;

function onlyHarmlessWarnings(message: string): boolean {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length > 0 && lines.every((l) => HARMLESS_WARNING.test(l));
}

/**
 * What the TurboJPEG path renders exactly as sharp would: a baseline greyscale or YCbCr/RGB JPEG
 * with no colour profile or a plain sRGB one, whose header we read ourselves. Progressive files
 * keep sharp's path, with its scan trimming and big-decode budget; CMYK and profiled files need
 * its colour management.
 */
function fastDecodable(header: Header): boolean {
  return !header.progressive && (header.components === 1 || header.components === 3) && (header.icc === 'none' || header.icc === 'srgb');
}

type Decoded = { data: Buffer; info: { width: number; height: number; channels: 1 | 3 } };

// Decodes bigger than this go to sharp, which streams them; this path holds the whole decode.
// 12 MB takes a 12 MP phone photo decoded for a 1024 px largest size (2016x1512 at 1/2) and a
// 24 MP camera image (1500x1000 at 1/4). The pixels are dropped after each image and collected
// at once (gc.ts); keeping them for the next image instead cost 10-20 MB more peak memory.
const FAST_DECODE_MAX_BYTES = 12 * 2 ** 20;

/**
 * The source's stored pixels at 1/shrink through TurboJPEG, the same DCT-scaled decode sharp's
 * shrink-on-load asks libjpeg for; undefined when TurboJPEG refuses the file (any decoder
 * warning included), so that sharp decodes it, or says why it cannot, as for any file, and when
 * the pixels would take more than FAST_DECODE_MAX_BYTES.
 */
function turboDecode(codec: TurboJpeg, source: string, header: Header, shrink: 1 | 2 | 4 | 8): Decoded | undefined {
  const channels = header.grey ? 1 : 3;
  const width = Math.ceil(header.width / shrink);
  const height = Math.ceil(header.height / shrink);
  const bytes = width * height * channels;
  if (bytes > FAST_DECODE_MAX_BYTES) return undefined;
  const data = Buffer.allocUnsafeSlow(bytes);
  try {
    if (codec.decode(source, shrink, header.grey, data) !== bytes) return undefined;
  } catch {
    return undefined;
  }
  return { data, info: { width, height, channels } };
}

// What makes each EXIF orientation upright, as sharp applies it: it mirrors first and then
// rotates, whatever order the calls come in. (Checked for all eight in test/unit/engine.)
const ORIENT: Record<number, { angle: number; flip?: boolean; flop?: boolean }> = {
  1: { angle: 0 },
  2: { angle: 0, flop: true },
  3: { angle: 180 },
  4: { angle: 0, flip: true },
  5: { angle: 90, flip: true },
  6: { angle: 90 },
  7: { angle: 270, flip: true },
  8: { angle: 270 },
};

/** The decoded pixels upright and resized to the largest thumbnail, as decodeLargest makes them. */
async function resizeLargest(source: string, decoded: Decoded, header: Header, largest: Target): Promise<{ data: Buffer; info: OutputInfo }> {
  const { angle, flip, flop } = ORIENT[header.orientation] ?? ORIENT[1];
  let pipeline = sharp(decoded.data, { raw: decoded.info });
  if (flip) pipeline = pipeline.flip();
  if (flop) pipeline = pipeline.flop();
  if (angle !== 0) pipeline = pipeline.rotate(angle);
  pipeline = pipeline.resize(largest.width, largest.height, { fit: 'fill' });
  try {
    return await (header.grey ? pipeline.toColourspace('b-w') : pipeline).raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw new FileError(FailureCode.CORRUPT_JPEG, source, `could not be resized: ${describeError(error)}`, { cause: error });
  }
}

// "At most half of", with a pixel of slack for odd sizes (341 is half of 683 here).
function halfOrLess(t: { width: number; height: number }, of: { width: number; height: number }): boolean {
  return 2 * t.width <= of.width + 1 && 2 * t.height <= of.height + 1;
}

/** Fits w x h inside a box, keeping the aspect ratio and never enlarging. */
export function fitInside(w: number, h: number, boxW: number, boxH: number): { width: number; height: number } {
  const scale = Math.min(boxW / w, boxH / h, 1);
  if (scale >= 1) return { width: w, height: h };
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

// Opened by us first, read-only, to classify problems precisely (sharp's messages do not say
// vanished vs unreadable vs FIFO) and to sniff the first bytes; sharp then reads the file itself.
async function checkSource(source: string): Promise<{ head: Buffer; mtimeMs: number; bytes: number }> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO that someone named .jpg must not hang the worker.
    handle = await open(source, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    throw openError(source, error);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new FileError(FailureCode.UNREADABLE, source, 'is not a regular file');
    if (st.size === 0) throw new FileError(FailureCode.EMPTY_FILE, source, 'is empty (0 bytes)');
    const head = await readHead(handle);
    if (head.length === 0) throw new FileError(FailureCode.EMPTY_FILE, source, 'is empty (0 bytes)');
    return { head, mtimeMs: st.mtimeMs, bytes: st.size };
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw openError(source, error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function openError(source: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileError(FailureCode.VANISHED, source, 'was deleted or moved before it could be read');
  return new FileError(FailureCode.UNREADABLE, source, `cannot be read (${code ?? describeError(error)})`, { cause: error });
}

const signatures: Array<[string, number[]]> = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a RIFF (WebP?) file', [0x52, 0x49, 0x46, 0x46]],
  ['a TIFF image', [0x49, 0x49, 0x2a, 0x00]],
  ['a TIFF image', [0x4d, 0x4d, 0x00, 0x2a]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
];

// A cheap check on the first bytes gives a better message than the decoder would, and never
// hands a PNG or a text file to the JPEG loader.
function sniffJpeg(source: string, bytes: Buffer): void {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return;
  const known = signatures.find(([, sig]) => sig.every((b, i) => bytes[i] === b));
  let what = known?.[0];
  if (!what) {
    const head = bytes.subarray(0, 512);
    const texty = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
    what = texty ? 'a text file' : 'not a JPEG (no JPEG start marker)';
  }
  throw new FileError(FailureCode.NOT_JPEG, source, what.startsWith('not') ? `is ${what}` : `is ${what} named like a JPEG`);
}

function decodeError(source: string, error: unknown): FileError {
  const message = describeError(error);
  if (/pixel limit/i.test(message)) {
    return new FileError(FailureCode.TOO_MANY_PIXELS, source, `is over the pixel limit (${message})`, { cause: error });
  }
  if (/input file is missing/i.test(message)) {
    return new FileError(FailureCode.VANISHED, source, 'was deleted or moved while it was being read', { cause: error });
  }
  if (/unsupported image format/i.test(message)) {
    return new FileError(FailureCode.NOT_JPEG, source, 'is not a JPEG the decoder recognises', { cause: error });
  }
  // libjpeg's own words for a valid file it cannot decode (JERR_BAD_PRECISION, JERR_SOF_UNSUPPORTED),
  // when its header lay beyond what our reader reads.
  const unsupported = /Unsupported JPEG (data precision \d+|process: SOF type 0x[0-9a-f]+)/i.exec(message);
  if (unsupported) {
    return new FileError(FailureCode.UNSUPPORTED_JPEG, source, `is a JPEG the decoders here do not support (${unsupported[0]})`, { cause: error });
  }
  return new FileError(FailureCode.CORRUPT_JPEG, source, `is truncated or corrupt (${oneLine(message)})`, { cause: error });
}

/** libvips repeats a decoder warning once per pass ("Bogus DQT index 7" three times): say each once, on one line. */
function oneLine(message: string): string {
  return [...new Set(message.split('\n').map((l) => l.trim()).filter(Boolean))].join('; ');
}
