/**
 * The render function: one source image in, every requested thumbnail out, from one decode.
 * Runs inside a pool worker (index.ts); the files beside it are its steps, and the only place
 * that imports sharp.
 */
import sharp from 'sharp';
import { DecodeBudget, bigDecodeMB } from '../core/decodeMemory';
import { FileError } from '../core/errors';
import { checkHeader, readSourceFactsSync, type SourceHeader } from '../core/source';
import { thumbnailStampMs } from '../core/stamp';
import type { RenderResult, RenderTask } from '../core/task';
import { loadTurboJpeg, type TurboJpeg } from '../native/turbojpeg';
import { loadWasmCodec } from '../wasm/wasmCodec';
import { BufferPool, allocateFresh, type Allocate } from './buffers';
import { Cancelled, checkCancelled } from './cancelled';
import { fastDecodable, turboDecode, uprightAndFit } from './fastDecode';
import { OutputFolders } from './output';
import { decodeWithSharp, headerFromDecoder, sharpJpegShrink, trimmedInput } from './sharpDecode';
import { targetsFor, type Pixels, type Target } from './sizes';
import { writeThumbnails } from './thumbnails';

/** What a render thread renders with; set up once per thread by {@link renderContextFor}. */
export interface RenderContext {
  /** libjpeg-turbo's decoder and encoder (src/native/turbojpeg.c, or src/wasm); sharp does everything without it. */
  turbo?: TurboJpeg;
  /** Which `turbo` is: the native addon or the WebAssembly codec. */
  turboKind?: 'turbojpeg' | 'wasm';
  /** The pool-wide budget for big progressive decodes; none on a thread of its own. */
  budget?: DecodeBudget;
  /** Leave out the progressive scans the shrunk decode cannot show (progressive.ts); off only in tests. */
  trimScans: boolean;
  /** The thread's pixel buffers, reused from one image to the next (buffers.ts); fresh ones without. */
  buffers?: BufferPool;
}

/** Rendering with sharp alone, with no budget: a thread of its own. */
export const SHARP_ONLY: RenderContext = { trimScans: true };

/**
 * Sets up a thread that renders: one libvips thread (one image per core beats libvips threads
 * inside one image, and the pool provides the parallelism) and no operation cache (the same
 * input never comes twice). `data` is the pool's workerData: the budget's shared memory and
 * where turbojpeg.node and turbojpeg.wasm are. The native addon where it loads, else the
 * WebAssembly build of the same library (every other platform), else sharp alone.
 */
export function renderContextFor(data?: unknown): RenderContext {
  sharp.concurrency(1);
  sharp.cache(false);
  const { budget, turbojpeg, wasm } = (data ?? {}) as { budget?: SharedArrayBuffer; turbojpeg?: string; wasm?: string };
  const context: RenderContext = { budget: budget && new DecodeBudget(budget), trimScans: true, buffers: new BufferPool() };
  const native = turbojpeg ? loadTurboJpeg(turbojpeg) : undefined;
  if (native) return { ...context, turbo: native, turboKind: 'turbojpeg' };
  const portable = wasm ? loadWasmCodec(wasm) : undefined;
  if (portable) return { ...context, turbo: portable, turboKind: 'wasm' };
  return context;
}

/** Makes every thumbnail of one source. Never throws for a problem with the file itself. */
export async function renderImage(task: RenderTask, context: RenderContext = SHARP_ONLY): Promise<RenderResult> {
  try {
    return await render(task, context);
  } catch (error) {
    if (error instanceof FileError) return { ok: false, code: error.code, message: error.message };
    if (error instanceof Cancelled) return { ok: false, code: 'CANCELLED', message: `${task.source}: cancelled` };
    throw error;
  }
}

async function render(task: RenderTask, context: RenderContext): Promise<RenderResult> {
  const { source, quality } = task;
  checkCancelled(task);
  const facts = readSourceFactsSync(source, task, task.facts);
  const header = facts.header ?? (await headerFromDecoder(source, facts.bytes, task.maxPixels));
  if (!facts.header) checkHeader(source, header, facts.bytes, task);
  // Orientations 5..8 swap width and height once applied.
  const { width, height } = header.orientation >= 5 ? { width: header.height, height: header.width } : header;
  const targets = targetsFor(task.outputs, width, height);
  // libjpeg's DCT scaling as sharp's shrink-on-load picks it for the upright image and the largest size.
  const shrink = sharpJpegShrink(Math.min(width / targets[0].width, height / targets[0].height));
  // Every pixel buffer of this image is its lease's; all work on them is awaited before it ends.
  const lease = context.buffers?.lease();
  try {
    const allocate = lease?.allocate ?? allocateFresh;
    const decoded = await decode(task, context, header, shrink, targets[0], allocate);
    checkCancelled(task);
    const thumbnails = await writeThumbnails(
      {
        source,
        outputs: task.outputs,
        folders: new OutputFolders(source, task.root),
        quality,
        stampSeconds: thumbnailStampMs(facts.mtimeMs, quality) / 1000,
        codec: context.turbo,
        checkCancelled: () => checkCancelled(task),
        allocate,
      },
      decoded.pixels,
      targets,
    );
    return { ok: true, thumbnails, width, height, decoder: decoded.fast ? (context.turboKind ?? 'turbojpeg') : 'sharp' };
  } finally {
    lease?.giveBack();
  }
}

/**
 * The one decode, to the largest thumbnail's pixels: through libjpeg-turbo when the file allows
 * and it loaded, else sharp. A big progressive decode first waits for room in the pool-wide budget.
 */
async function decode(
  task: RenderTask,
  context: RenderContext,
  header: SourceHeader,
  shrink: 1 | 2 | 4 | 8,
  largest: Target,
  allocate: Allocate,
): Promise<{ pixels: Pixels; fast: boolean }> {
  const { source } = task;
  const reserveMB = context.budget ? bigDecodeMB(header) : 0;
  if (reserveMB > 0) context.budget!.enter(reserveMB, () => checkCancelled(task));
  try {
    const fast = context.turbo && fastDecodable(header) ? turboDecode(context.turbo, source, header, shrink, allocate) : undefined;
    if (fast) return { pixels: await uprightAndFit(source, context.turbo!, fast, header.orientation, largest, allocate), fast: true };
    const input = header.progressive && context.trimScans ? trimmedInput(source, shrink) : source;
    return { pixels: await decodeWithSharp(source, input, task.maxPixels, header, largest), fast: false };
  } finally {
    if (reserveMB > 0) context.budget!.leave(reserveMB);
  }
}
