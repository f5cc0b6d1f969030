/**
 * The plain-data task and result that cross between the engine (main thread) and the render
 * worker. Kept apart from the worker code so the main thread never loads sharp to know them.
 */
import type { FailureCodeName } from './errors';

/** One thumbnail to make: the box it fits in, where it goes, and the temp file it is written to first. */
export interface RenderOutput {
  width: number;
  height: number;
  /** Absolute final path. */
  dest: string;
  /** Absolute temp path in the same folder, renamed onto `dest` when complete. */
  temp: string;
}

/** One pool task: a source image and all its thumbnails (never one task per size). */
export interface RenderTask {
  source: string;
  outputs: RenderOutput[];
  quality: number;
  /** Sources with more pixels are refused from their header, before any decoding. */
  maxPixels: number;
  /**
   * One Int32 over a SharedArrayBuffer, shared by every task of a job; non-zero means the job
   * was cancelled. The worker checks it between steps and stops cleanly. This replaces aborting
   * the pool task, which would terminate a worker in the middle of a libvips call (a known way
   * to crash the whole process with sharp) and race its in-flight writes against our cleanup.
   */
  cancel?: Int32Array;
}

/** Per-file outcome. Expected failures are results, not throws, so pool errors mean crashes only. */
export type RenderResult =
  /** `decoder`: what decoded the source, sharp or the TurboJPEG fast path (src/native/turbojpeg.c). */
  | { ok: true; thumbnails: number; width: number; height: number; decoder: 'sharp' | 'turbojpeg' }
  | { ok: false; code: FailureCodeName; message: string }
  | { ok: false; code: 'CANCELLED'; message: string };

/**
 * Default pixel limit: sharp's own default (0x3FFF squared, about 268 MP). Real camera files stay
 * far below it; a 30000x30000 bomb is refused from its header.
 */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

/**
 * Progressive JPEGs are decoded through a coefficient buffer of the whole image (2 bytes per
 * coefficient at any shrink-on-load): 50-90 MB for a 4K-5K wallpaper. Those of at least
 * BIG_DECODE_MIN_MB are admitted against a pool-wide budget of BIG_DECODE_BUDGET_MB (one bigger
 * decode always may), which kept two at once in two workers from pushing the peak past 350 MB.
 * The worker enforces the budget (render.ts); the engine schedules around it (schedule.ts).
 */
export const BIG_DECODE_MIN_MB = 16;
export const BIG_DECODE_BUDGET_MB = 112;

/** MB of the budget a source's decode takes: its coefficient buffer if big and progressive, else 0. */
export function bigDecodeMB(header: { progressive: boolean; coefficientBytes: number }): number {
  const mb = header.progressive ? Math.ceil(header.coefficientBytes / 2 ** 20) : 0;
  return mb >= BIG_DECODE_MIN_MB ? mb : 0;
}
