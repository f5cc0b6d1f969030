/**
 * Streaming folder walk. Yields candidate JPEGs one at a time, so a folder of 100,000 files is
 * never held as one list; only the names of folders still to visit are kept.
 */
import type { Dirent } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { FolderFilter, type FilterOptions, type IgnoreLevel, type SkipReason } from './folderFilter';

/** What the scan needs from the settings (and, for what it leaves out, folderFilter.ts). */
export interface ScanOptions extends FilterOptions {
  includeSubfolders: boolean;
  outputFolderName: string;
  /**
   * Called for each JPEG-named file and each folder the scan would have taken but a filter left
   * out (folderFilter.ts), with the first reason that applies; nothing below such a folder is read.
   */
  onSkipped?: (path: string, reason: SkipReason, isFolder: boolean) => void;
  /** Called for a folder that cannot be listed (the walk goes on without it). */
  onFolderError?: (folder: string, error: unknown) => void;
  /** Called for each output folder met on the way (a real folder, never a link); not entered. */
  onOutputFolder?: (folder: string) => void;
  signal?: AbortSignal;
}

/** The name rule for sources: .jpg / .jpeg in any letter case. */
export const JPEG_NAME = /\.jpe?g$/i;

/**
 * Walks `root` and yields absolute paths of files named like JPEGs. Never enters: output folders
 * (so thumbnails are never made of thumbnails), hidden folders, symlinked folders (no loops),
 * excluded, hidden-by-files.exclude or ignored paths (folderFilter.ts). Hidden files (AppleDouble
 * "._x.jpg", our own temp files) are not yielded. Anything else named .jpg — a symlink to a file,
 * a FIFO — is yielded, so that the render step can report it instead of it silently disappearing.
 * @throws when `root` itself cannot be listed
 */
export async function* scanImages(root: string, options: ScanOptions): AsyncGenerator<string> {
  const filter = await FolderFilter.create(root, options);
  // Depth-first, one folder at a time; `pending` holds folders and their (shared) ignore rules only.
  const pending: Array<{ dir: string; level: IgnoreLevel | undefined }> = [{ dir: root, level: filter.rootLevel }];
  let first = true;
  while (pending.length > 0) {
    if (options.signal?.aborted) return;
    const { dir, level: parentLevel } = pending.pop()!;
    let handle;
    try {
      handle = await opendir(dir, { bufferSize: 256 });
    } catch (error) {
      if (first) throw error;
      options.onFolderError?.(dir, error);
      continue;
    }
    const level = first ? parentLevel : await filter.enter(dir, parentLevel);
    first = false;
    const subfolders: string[] = [];
    try {
      for await (const entry of handle) {
        if (entry.name.startsWith('.')) continue;
        if (options.signal?.aborted) return;
        // Only folders and JPEG names matter: other files are passed over before any matching.
        if (!entry.isDirectory() && !JPEG_NAME.test(entry.name)) continue;
        const full = path.join(dir, entry.name);
        const kind = await entryKind(entry, full);
        if (kind === 'skip') continue;
        if (kind === 'folder') {
          if (entry.name === options.outputFolderName) {
            options.onOutputFolder?.(full);
            continue;
          }
          if (!options.includeSubfolders) continue;
        }
        const reason = await filter.skipReason(full, kind === 'folder', level);
        if (reason) options.onSkipped?.(full, reason, kind === 'folder');
        else if (kind === 'folder') subfolders.push(full);
        else yield full;
      }
    } catch (error) {
      options.onFolderError?.(dir, error);
    }
    // Reversed so that folders are visited in listing order.
    for (let i = subfolders.length - 1; i >= 0; i--) pending.push({ dir: subfolders[i], level });
  }
}

/** Counts what {@link scanImages} would yield, without keeping any names. */
export async function countImages(root: string, options: ScanOptions, onCount?: (n: number) => void): Promise<number> {
  let n = 0;
  for await (const _ of scanImages(root, { ...options, onFolderError: undefined, onOutputFolder: undefined, onSkipped: undefined })) {
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
