/**
 * The plain-data task and result that cross between the engine (main thread) and the render
 * worker. Kept apart from the worker code so the main thread never loads sharp to know them.
 */
import { realpath } from 'node:fs/promises';
import * as path from 'node:path';
import type { FailureCodeName } from './errors';
import type { SourceFacts } from './source';

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
  /** Sources whose decode would hold more bytes than this are refused from their header (decodeMemory.ts). */
  maxDecodeBytes: number;
  /** What the engine read of the source while planning (source.ts); the worker reads it when absent or stale. */
  facts?: SourceFacts;
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
  /** `decoder`: what decoded the source: sharp, or libjpeg-turbo natively (src/native/turbojpeg.c) or as WebAssembly (src/wasm). */
  | { ok: true; thumbnails: number; width: number; height: number; decoder: 'sharp' | 'turbojpeg' | 'wasm' }
  | { ok: false; code: FailureCodeName; message: string }
  | { ok: false; code: 'CANCELLED'; message: string };

/**
 * Default pixel limit: sharp's own default (0x3FFF squared, about 268 MP). Real camera files stay
 * far below it; a 30000x30000 bomb is refused from its header.
 */
export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

