/**
 * What goes in one output folder (`<folder>/.../<output folder>/`), for every way of removing
 * thumbnails (core/tidy.ts). Deleting is the one irreversible thing this tool does, so every path
 * here keeps three rules:
 *
 * - only a regular file directly inside `<folder>/.../<output folder>/<W>x<H>/` is ever unlinked,
 *   and only while that folder resolves (realpath) to where its name says below the chosen folder:
 *   no symbolic link is followed, at any level, and a link itself is never removed;
 * - only a file that proves it was made here (ownership.ts: the mark in its first bytes; for a
 *   thumbnail made before the mark, the mtime stamp of its existing source, stamp.ts). Anything
 *   else stays and is reported as kept, with the reason;
 * - never a source image: the scan never yields a file inside an output folder, and a file that
 *   is the source itself (a hard link) is kept.
 *
 * Folders are removed only when empty (rmdir). Plain Node: directory listings, 64-byte reads and
 * unlinks, no image is decoded.
 */
import type { Dirent } from 'node:fs';
import { lstat, opendir, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { describeError } from './errors';
import { fileHasMark } from './ownership';
import { parseBox } from './settings';
import { isOwnStamp } from './stamp';
import { isReachedAsNamed, type OutputRoot } from './task';
import { removeStaleTemps } from './tempFiles';

/** A file inside an output folder that was not removed, and why. */
export interface KeptFile {
  file: string;
  reason: string;
  /** True when it was ours and selected but could not be removed (an error, not a choice). */
  error?: boolean;
}

/** What a tidy step removed (or, in a dry run, would remove) and what it left. */
export interface TidyResult {
  /** Thumbnail files removed. */
  removed: number;
  /** Size folders and output folders removed because they were left empty. */
  folders: number;
  /** Files in output folders that stayed: not provably ours, links, or could not be removed. */
  kept: KeptFile[];
  /** Size folders (e.g. "128x128") met that are not in the settings' sizes. */
  oldSizes: string[];
}

/** Which thumbnails in a size folder go. */
export type Selector =
  /** Every thumbnail of ours. */
  | { kind: 'all' }
  /** Ours, whose name is no source present in the image folder (orphans). */
  | { kind: 'orphans'; present: ReadonlySet<string> }
  /** Ours, of these source names, when that source is gone now. */
  | { kind: 'gone'; names: ReadonlySet<string> };

export interface TidyOptions {
  signal?: AbortSignal;
  /** Count only; remove nothing. */
  dryRun?: boolean;
}

/** Files checked and removed at once in one size folder. */
const PARALLEL = 16;

export function emptyResult(): TidyResult {
  return { removed: 0, folders: 0, kept: [], oldSizes: [] };
}

/** Adds `b` into `a`. */
export function addResult(a: TidyResult, b: TidyResult): TidyResult {
  a.removed += b.removed;
  a.folders += b.folders;
  a.kept.push(...b.kept);
  a.oldSizes = [...new Set([...a.oldSizes, ...b.oldSizes])];
  return a;
}

/** True when `dir` (below the chosen folder) is a real folder reached through no link. */
async function resolvesHere(root: OutputRoot, dir: string): Promise<boolean> {
  try {
    if (!(await lstat(dir)).isDirectory()) return false;
  } catch {
    return false;
  }
  return isReachedAsNamed(root, dir);
}

/**
 * One output folder: its size folders that `wantSize` accepts are tidied by `select`; then the
 * size folders and the output folder itself are removed when left empty. Other entries of the
 * output folder are reported as kept.
 */
export async function tidyOutputFolder(root: OutputRoot, out: string, select: Selector, wantSize: (name: string) => boolean, options: TidyOptions): Promise<TidyResult> {
  const result = emptyResult();
  if (!(await resolvesHere(root, out))) {
    if ((await lstat(out).catch(() => undefined))?.isSymbolicLink()) {
      result.kept.push({ file: out, reason: 'a symbolic link: never followed' });
    }
    return result;
  }
  if (!options.dryRun) await removeStaleTemps(out, root);
  let entries: Dirent[];
  try {
    entries = await readdir(out, { withFileTypes: true });
  } catch (error) {
    result.kept.push({ file: out, reason: `cannot be listed (${describeError(error)})` });
    return result;
  }
  for (const e of entries) {
    if (options.signal?.aborted) return result;
    if (e.name.startsWith('.')) continue;
    const full = path.join(out, e.name);
    if (!e.isDirectory() || parseBox(e.name) === null) {
      // A file or folder of the user's in the output folder: not ours to judge in "all" mode.
      if (select.kind === 'all') result.kept.push({ file: full, reason: e.isSymbolicLink() ? 'a symbolic link: never followed' : 'not a size folder' });
      continue;
    }
    if (!wantSize(e.name)) continue;
    await tidySizeFolder(root, full, select, options, result);
    if (!options.dryRun && (await removeIfEmpty(root, full))) result.folders++;
  }
  if (!options.dryRun && (await removeIfEmpty(root, out))) result.folders++;
  return result;
}

async function tidySizeFolder(root: OutputRoot, sizeDir: string, select: Selector, options: TidyOptions, result: TidyResult): Promise<void> {
  if (!(await resolvesHere(root, sizeDir))) return;
  const imageDir = path.dirname(path.dirname(sizeDir));
  let handle;
  try {
    handle = await opendir(sizeDir, { bufferSize: 256 });
  } catch (error) {
    result.kept.push({ file: sizeDir, reason: `cannot be listed (${describeError(error)})` });
    return;
  }
  const running = new Set<Promise<void>>();
  for await (const e of handle) {
    if (options.signal?.aborted) break;
    if (e.name.startsWith('.')) continue; // temp files: tempFiles.ts owns them
    if (select.kind === 'orphans' && select.present.has(e.name)) continue;
    if (select.kind === 'gone' && !select.names.has(e.name)) continue;
    const file = path.join(sizeDir, e.name);
    const source = path.join(imageDir, e.name);
    const task = tidyFile(root, file, source, select, options, result).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= PARALLEL) await Promise.race(running);
  }
  await Promise.all(running);
}

/** Decides about one file in a size folder and removes it when it is ours and selected. */
async function tidyFile(root: OutputRoot, file: string, source: string, select: Selector, options: TidyOptions, result: TidyResult): Promise<void> {
  const st = await lstat(file).catch(() => undefined);
  if (!st) return; // gone meanwhile
  if (st.isSymbolicLink()) return void result.kept.push({ file, reason: 'a symbolic link: never followed or removed' });
  if (!st.isFile()) return void result.kept.push({ file, reason: st.isDirectory() ? 'a folder' : 'not a regular file' });
  const src = await stat(source).catch(() => undefined);
  const sourceThere = src?.isFile() === true;
  if (select.kind === 'gone' && sourceThere) return; // it came back (a rename back, a quick re-copy)
  if (src && src.ino === st.ino && src.dev === st.dev) return void result.kept.push({ file, reason: 'the source image itself (a hard link)' });
  const ours = (await fileHasMark(file)) || (sourceThere && isOwnStamp(st.mtimeMs, src.mtimeMs));
  if (!ours) {
    const reason = sourceThere
      ? 'not made by Folder Thumbnails (no mark, no stamp of its source)'
      : 'no mark of Folder Thumbnails and no source to check its stamp against';
    return void result.kept.push({ file, reason });
  }
  if (options.dryRun) {
    result.removed++;
    return;
  }
  // The last check before the unlink: its folder is still where its name says (no link was
  // swapped in above it since the listing); unlink itself never follows a link at the name.
  if (!(await resolvesHere(root, path.dirname(file)))) return void result.kept.push({ file, reason: 'its folder changed into a link while cleaning' });
  try {
    await unlink(file);
    result.removed++;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') result.kept.push({ file, reason: `cannot be removed (${describeError(error)})`, error: true });
  }
}

/** rmdir when empty and still a real folder where its name says; true when removed. */
async function removeIfEmpty(root: OutputRoot, dir: string): Promise<boolean> {
  if (!(await resolvesHere(root, dir))) return false;
  try {
    await rmdir(dir); // fails with ENOTEMPTY when anything is left: nothing else is removed
    return true;
  } catch {
    return false;
  }
}
