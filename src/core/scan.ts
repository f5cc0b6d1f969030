/**
 * Streaming folder walk. Yields candidate JPEGs one at a time, so a folder of 100,000 files is
 * never held as one list; only the names of folders still to visit are kept.
 */
import type { Dirent } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { compileExcludes, type ThumbnailSettings } from './settings';

/** What the scan needs from the settings. */
export interface ScanOptions {
  includeSubfolders: boolean;
  outputFolderName: string;
  exclude: readonly string[];
  /** Called for a folder that cannot be listed (the walk goes on without it). */
  onFolderError?: (folder: string, error: unknown) => void;
  /** Called for each output folder met on the way (a real folder, never a link); not entered. */
  onOutputFolder?: (folder: string) => void;
  signal?: AbortSignal;
}

/** What to walk, as the settings say. */
export function scanOptionsFor(settings: Pick<ThumbnailSettings, 'includeSubfolders' | 'outputFolderName' | 'exclude'>): ScanOptions {
  return { includeSubfolders: settings.includeSubfolders, outputFolderName: settings.outputFolderName, exclude: settings.exclude };
}

/** The name rule for sources: .jpg / .jpeg in any letter case. */
export const JPEG_NAME = /\.jpe?g$/i;

/**
 * Walks `root` and yields absolute paths of files named like JPEGs. Never enters: output folders
 * (so thumbnails are never made of thumbnails), hidden folders, symlinked folders (no loops),
 * excluded paths. Hidden files (AppleDouble "._x.jpg", our own temp files) are not yielded.
 * Anything else named .jpg — a symlink to a file, a FIFO — is yielded, so that the render step
 * can report it instead of it silently disappearing.
 * @throws when `root` itself cannot be listed
 */
export async function* scanImages(root: string, options: ScanOptions): AsyncGenerator<string> {
  const excluded = compileExcludes(options.exclude);
  // Depth-first, one folder at a time; `pending` holds folder paths only.
  const pending: string[] = [root];
  let first = true;
  while (pending.length > 0) {
    if (options.signal?.aborted) return;
    const dir = pending.pop() as string;
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 256 });
    } catch (error) {
      if (first) throw error;
      options.onFolderError?.(dir, error);
      continue;
    }
    first = false;
    const subfolders: string[] = [];
    try {
      for await (const entry of handle) {
        const full = path.join(dir, entry.name);
        if (entry.name.startsWith('.')) continue;
        if (options.signal?.aborted) return;
        if (options.exclude.length > 0 && excluded(toRel(root, full))) continue;
        const kind = await entryKind(entry, full);
        if (kind === 'folder') {
          if (entry.name === options.outputFolderName) options.onOutputFolder?.(full);
          else if (options.includeSubfolders) subfolders.push(full);
        } else if (kind === 'candidate' && JPEG_NAME.test(entry.name)) {
          yield full;
        }
      }
    } catch (error) {
      options.onFolderError?.(dir, error);
    }
    // Reversed so that folders are visited in listing order.
    for (let i = subfolders.length - 1; i >= 0; i--) pending.push(subfolders[i]);
  }
}

/** Counts what {@link scanImages} would yield, without keeping any names. */
export async function countImages(root: string, options: ScanOptions, onCount?: (n: number) => void): Promise<number> {
  let n = 0;
  for await (const _ of scanImages(root, { ...options, onFolderError: undefined, onOutputFolder: undefined })) {
    n++;
    if (onCount && (n & 63) === 0) onCount(n);
  }
  return n;
}

async function entryKind(entry: Dirent, full: string): Promise<'folder' | 'candidate' | 'skip'> {
  if (entry.isDirectory()) return 'folder';
  if (entry.isSymbolicLink()) {
    // Links to files are followed (the render opens the target read-only); links to folders are
    // not, which rules out loops and walking outside the job folder.
    try {
      return (await stat(full)).isDirectory() ? 'skip' : 'candidate';
    } catch {
      return 'candidate'; // dangling: reported as vanished/unreadable by the render step
    }
  }
  return 'candidate';
}

function toRel(root: string, full: string): string {
  const rel = path.relative(root, full);
  return path.sep === '/' ? rel : rel.split(path.sep).join('/');
}
