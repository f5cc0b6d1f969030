/**
 * How chosen folders relate to each other and to output folders: which selections fold into one
 * another, which overlap a running job, and whether a folder is (inside) an output folder, so
 * that thumbnails are never made of thumbnails.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { parseBox } from './settings';

/** True when `inner` is `outer` or below it (paths as the OS spells them, compared per segment). */
export function isSameOrInside(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** True when `inner` lies below `outer` (not the same path). */
export function isBelow(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** True when one of the two folders contains the other (or they are the same). */
export function overlaps(a: string, b: string): boolean {
  return isSameOrInside(a, b) || isSameOrInside(b, a);
}

/**
 * Drops every folder that another one in the list already covers: a duplicate, or a folder below
 * one whose job includes its subfolders. Keeps the order of what remains.
 */
export function foldNested<T extends { folder: string; includeSubfolders: boolean }>(targets: readonly T[]): T[] {
  return targets.filter((t, i) =>
    !targets.some((other, j) => {
      if (j === i) return false;
      if (path.relative(other.folder, t.folder) === '') return j < i; // the same folder twice: keep the first
      return other.includeSubfolders && isBelow(t.folder, other.folder);
    }),
  );
}

/**
 * The output folder that `folder` is, or lies inside, if any: the nearest of it and its parents
 * that is named `outputFolderName` and holds nothing but `<W>x<H>` folders (what the engine
 * writes). A user's own folder that happens to carry the name but holds anything else is not one.
 */
export async function enclosingOutputFolder(folder: string, outputFolderName: string): Promise<string | undefined> {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    if (path.basename(dir) === outputFolderName && (await holdsOnlySizeFolders(dir))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

async function holdsOnlySizeFolders(dir: string): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  // Hidden entries (our own temp files, .DS_Store) say nothing about what the folder is.
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  return visible.length > 0 && visible.every((e) => e.isDirectory() && parseBox(e.name) !== null);
}
