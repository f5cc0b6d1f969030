/**
 * Removing thumbnails: Clean (every thumbnail under a folder), the orphan prune after a run
 * (thumbnails whose source is gone, renamed or now excluded), old sizes (size folders no longer
 * in the settings) and the watcher's deletes. Each finds its output folders here and leaves
 * what goes in each to core/tidyFolder.ts, which keeps the rules of what may be removed.
 * Shared by the extension and the CLI.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import * as path from 'node:path';
import { isBelow } from './folders';
import { scanImages, scanOptionsFor } from './scan';
import { boxName, parseBox, type ThumbnailSettings } from './settings';
import type { OutputRoot } from './task';
import { addResult, emptyResult, tidyOutputFolder, type TidyOptions, type TidyResult } from './tidyFolder';

export { addResult, emptyResult, type KeptFile, type TidyResult } from './tidyFolder';

/**
 * Clean: removes every thumbnail this tool made in every output folder under `folder` (all
 * subfolders unless `includeSubfolders` is false; hidden and linked folders are never entered),
 * then the size and output folders left empty. `sizes` limits it to those size folders (the
 * "Remove Old Sizes" action).
 */
export async function cleanFolder(
  folder: string,
  options: TidyOptions & { outputFolderName: string; includeSubfolders?: boolean; sizes?: readonly string[] },
): Promise<TidyResult> {
  const root = await outputRootOf(folder);
  const result = emptyResult();
  const sizes = options.sizes ? new Set(options.sizes) : undefined;
  for await (const out of findOutputFolders(root.folder, options.outputFolderName, options.includeSubfolders ?? true, options.signal)) {
    if (options.signal?.aborted) break;
    addResult(result, await tidyOutputFolder(root, out, { kind: 'all' }, (name) => !sizes || sizes.has(name), options));
  }
  return result;
}

/**
 * After a run: in every output folder the job's scan passes, removes the thumbnails (of the
 * current sizes) whose source is not among the images the scan yields there: deleted, renamed,
 * or now excluded. Also lists the size folders no longer in the settings, removing nothing of
 * them. Uses the job's own scan, so whatever the scan leaves out counts as gone.
 */
export async function pruneOrphans(folder: string, settings: ThumbnailSettings, options: TidyOptions = {}): Promise<TidyResult> {
  const root = await outputRootOf(folder);
  const result = emptyResult();
  const current = new Set(settings.sizes.map(boxName));
  const old = new Set<string>();
  // The scan lists one folder at a time and yields its images together, reporting its output
  // folder while it lists it; so once it yields from another folder, the last one's set of
  // images is complete and its output folder can be pruned. Only one folder's names are held.
  const pending: string[] = [];
  let dir: string | undefined;
  let names = new Set<string>();
  const flush = async (keepFor: string | undefined): Promise<void> => {
    for (let i = 0; i < pending.length; ) {
      const out = pending[i];
      const parent = path.dirname(out);
      if (parent === keepFor) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      const present = parent === dir ? names : new Set<string>();
      addResult(result, await tidyOutputFolder(root, out, { kind: 'orphans', present }, (name) => {
        if (current.has(name)) return true;
        old.add(name);
        return false;
      }, options));
    }
  };
  for await (const source of scanImages(root.folder, { ...scanOptionsFor(settings), signal: options.signal, onOutputFolder: (out) => pending.push(out) })) {
    const parent = path.dirname(source);
    if (parent !== dir) {
      await flush(parent);
      dir = parent;
      names = new Set();
    }
    names.add(path.basename(source));
  }
  if (!options.signal?.aborted) await flush(undefined);
  result.oldSizes = [...old].sort(bySize);
  return result;
}

/**
 * The watcher's deletes: removes the thumbnails (every size folder) of these sources, each only
 * if that source is still gone when its turn comes. Sources must lie inside `folder`.
 */
export async function removeThumbnailsOf(folder: string, sources: readonly string[], outputFolderName: string, options: TidyOptions = {}): Promise<TidyResult> {
  const root = await outputRootOf(folder);
  const result = emptyResult();
  const byDir = new Map<string, Set<string>>();
  for (const s of sources) {
    const abs = path.resolve(s);
    if (!isBelow(abs, root.folder)) continue;
    const names = byDir.get(path.dirname(abs)) ?? new Set<string>();
    names.add(path.basename(abs));
    byDir.set(path.dirname(abs), names);
  }
  for (const [dir, names] of byDir) {
    if (options.signal?.aborted) break;
    addResult(result, await tidyOutputFolder(root, path.join(dir, outputFolderName), { kind: 'gone', names }, () => true, options));
  }
  return result;
}

/** The size folders' names in `a`, largest first ("1024x1024" before "64x64"). */
function bySize(a: string, b: string): number {
  const pa = parseBox(a);
  const pb = parseBox(b);
  return (pb ? pb.width * pb.height : 0) - (pa ? pa.width * pa.height : 0) || a.localeCompare(b);
}

async function outputRootOf(folder: string): Promise<OutputRoot> {
  const resolved = path.resolve(folder);
  return { folder: resolved, real: await realpath(resolved) };
}

/**
 * Output folders under `folder`: folders named `outputFolderName`, not entered; hidden folders
 * and links to folders are never entered (a Dirent from opendir is a link, not a folder).
 */
async function* findOutputFolders(folder: string, outputFolderName: string, includeSubfolders: boolean, signal?: AbortSignal): AsyncGenerator<string> {
  const pending = [folder];
  while (pending.length > 0) {
    if (signal?.aborted) return;
    const dir = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const full = path.join(dir, e.name);
      if (e.name === outputFolderName) yield full;
      else if (includeSubfolders) pending.push(full);
    }
  }
}
