/**
 * The thumbnails' sizes and the pixels of each: every size is fitted from the source's own
 * dimensions, and made from the largest thumbnail's pixels down a ladder of levels.
 */
import sharp from 'sharp';
import type { RenderOutput } from '../core/task';
import type { TurboJpeg } from '../native/turbojpeg';
import type { Allocate } from './buffers';
import { areaDownscale } from './downscale';

/** Raw interleaved pixels, as sharp names their layout. */
export interface Pixels {
  data: Buffer;
  raw: { width: number; height: number; channels: 1 | 3 };
}

/** One thumbnail to make, at its fitted size. */
export interface Target {
  out: RenderOutput;
  width: number;
  height: number;
}

/** Fits w x h inside a box, keeping the aspect ratio and never enlarging. */
export function fitInside(w: number, h: number, boxW: number, boxH: number): { width: number; height: number } {
  const scale = Math.min(boxW / w, boxH / h, 1);
  if (scale >= 1) return { width: w, height: h };
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/**
 * The targets of an upright source of `width` x `height`, largest first. Each is fitted from the
 * source's own dimensions, never from an intermediate, so no size drifts by a pixel whatever it
 * is made from.
 */
export function targetsFor(outputs: readonly RenderOutput[], width: number, height: number): Target[] {
  return outputs
    .map((out) => ({ out, ...fitInside(width, height, out.width, out.height) }))
    .sort((a, b) => b.width * b.height - a.width * a.height);
}

/** True when both targets come out the same size (a source smaller than several boxes). */
export function sameSize(a: { width: number; height: number }, b: { width: number; height: number }): boolean {
  return a.width === b.width && a.height === b.height;
}

/** Lanczos 3 resizing of raw pixels to `width` x `height`. */
export type Resize = (from: Pixels, width: number, height: number) => Promise<Buffer>;

/**
 * libvips' Lanczos 3: on the sharp path, where it costs ~1 ms of set-up per call. Grey stays one
 * channel: sharp would hand back three, and the level would be read as a third of the picture.
 */
export const sharpLanczos: Resize = (from, width, height) =>
  sharp(from.data, { raw: from.raw })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .toColourspace(from.raw.channels === 1 ? 'b-w' : 'srgb')
    .raw()
    .toBuffer();

// Above this many source pixels libvips' vectorised resize costs less CPU than resample.c's
// (a 1920x1080 -> 1024x576 resize took ~8 ms more); below, its fixed set-up dominates.
const NATIVE_RESIZE_MAX_PIXELS = 2 ** 19;

/**
 * The fast path's Lanczos 3: small sources through turbojpeg.node (resample.c) on this thread,
 * with no hand-off to libvips' threads; bigger ones through libvips.
 */
export function fastLanczos(codec: TurboJpeg, allocate: Allocate): Resize {
  return async (from, width, height) => {
    const { raw } = from;
    if (raw.width * raw.height > NATIVE_RESIZE_MAX_PIXELS) return sharpLanczos(from, width, height);
    const into = allocate(width * height * raw.channels);
    codec.resize(from.data, raw.width, raw.height, raw.channels, into, width, height);
    return into;
  };
}

/**
 * The levels below the top: a size of about half the top or more is resized with Lanczos 3
 * (`resize`) from the top's pixels, as sharp as a good filter gets; a smaller one is
 * area-averaged in JS from the smallest level about twice its size (1024 -> 512 -> 256 ...),
 * which cannot ring and costs a fraction of a libvips call's fixed setup (bench/README.md,
 * "What was measured and decided").
 */
export class Ladder {
  private readonly levels: Pixels[];

  constructor(
    private readonly top: Pixels,
    private readonly resize: Resize,
    private readonly allocate: Allocate,
  ) {
    this.levels = [top];
  }

  async pixelsFor(t: { width: number; height: number }): Promise<Pixels> {
    const top = this.top;
    const { channels } = top.raw;
    const existing = this.levels.find((l) => sameSize(l.raw, t));
    if (existing) return existing;
    let data: Buffer;
    if (2 * t.width >= top.raw.width - 1) {
      data = await this.resize(top, t.width, t.height);
    } else {
      let from = top;
      for (const l of this.levels) if (halfOrLess(t, l.raw)) from = l;
      data = areaDownscale(from.data, from.raw.width, from.raw.height, channels, t.width, t.height, this.allocate);
    }
    const level: Pixels = { data, raw: { width: t.width, height: t.height, channels } };
    this.levels.push(level);
    return level;
  }
}

// "At most half of", with a pixel of slack for odd sizes (341 is half of 683 here).
function halfOrLess(t: { width: number; height: number }, of: { width: number; height: number }): boolean {
  return 2 * t.width <= of.width + 1 && 2 * t.height <= of.height + 1;
}
