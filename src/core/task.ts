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
  | { ok: true; thumbnails: number; width: number; height: number }
  | { ok: false; code: FailureCodeName; message: string }
  | { ok: false; code: 'CANCELLED'; message: string };

/**
 * Default pixel limit: sharp's own default (0x3FFF squared, about 268 MP). Real camera files stay
 * far below it; a 30000x30000 bomb is refused from its header.
 */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;
