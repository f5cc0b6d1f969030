/**
 * The plain-data task and result that cross between the engine (main thread) and the render
 * worker. Kept apart from the worker code so the main thread never loads sharp to know them.
 */
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
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

/**
 * The folder the user chose, as the job names it and as the file system resolves it. Every
 * thumbnail folder must resolve to the same place below `real` as it is named below `folder`:
 * nothing is written through a symbolic link below the chosen folder (the folder itself may be
 * reached through one: that is the user's choice).
 */
export interface OutputRoot {
  folder: string;
  real: string;
}

/**
 * True when `actual`, the real path a folder below `root.folder` resolved to, is where the name
 * `folder` says below the chosen folder's real path: no link lies between. macOS and Windows file
 * systems are usually case-insensitive (a "Thumbnails" setting resolves to an existing "thumbnails").
 */
export function resolvesAsNamed(root: OutputRoot, folder: string, actual: string): boolean {
  const expected = path.join(root.real, path.relative(root.folder, folder));
  return process.platform === 'linux' ? actual === expected : actual.toLowerCase() === expected.toLowerCase();
}

/** {@link resolvesAsNamed} for a folder on disk now; false when it cannot be resolved. */
export async function isReachedAsNamed(root: OutputRoot, folder: string): Promise<boolean> {
  try {
    return resolvesAsNamed(root, folder, await realpath(folder));
  } catch {
    return false;
  }
}

/** One pool task: a source image and all its thumbnails (never one task per size). */
export interface RenderTask {
  source: string;
  outputs: RenderOutput[];
  root: OutputRoot;
  quality: number;
  /** Sources with more pixels are refused from their header, before any decoding. */
  maxPixels: number;
  /** Sources whose decode would hold more bytes than this are refused from their header ({@link decodeBytes}). */
  maxDecodeBytes: number;
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
 * Default decode memory limit, in MB: what one image's decode may hold at once. A progressive
 * 40 MP photo at 4:2:0 needs ~135 MB (coefficients plus the file) and is made; a 264 KB file
 * whose header claims 16383x16383 at 4:4:4 would need 1.6 GB and is refused. 192 let a 10,000-file
 * fuzz run reach 300 MB in one folder (a decode near the limit beside the other worker's image);
 * 160 keeps the CLI under 300 MB (bench/README.md).
 */
export const DEFAULT_MAX_DECODE_MB = 160;

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

/**
 * Bytes one image's decode holds at once, known from its header before decoding: a progressive
 * JPEG, or a sequential one sent as one scan per component (`buffered`), keeps every DCT
 * coefficient of the whole image (libjpeg's coefficient buffer, whatever the shrink), plus the
 * file itself when its scans are trimmed in memory (progressive.ts). A single-scan baseline
 * decode streams a few rows at a time and the TurboJPEG path caps its pixels, so they count 0.
 */
export function decodeBytes(header: { progressive: boolean; buffered?: boolean; coefficientBytes: number }, fileBytes: number): number {
  if (header.progressive) return header.coefficientBytes + fileBytes;
  return header.buffered === false ? 0 : header.coefficientBytes;
}
