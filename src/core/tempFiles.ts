/**
 * Temp files: a thumbnail is written to a hidden temp file beside it, then renamed into place.
 * Their names are short, so that any source name that fits the file system gets its thumbnails
 * (the temp does not repeat it), and carry the writing process's id, so that a later run can tell
 * the ones a killed process left behind and remove them.
 */
import { opendir, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { isReachedAsNamed, type OutputRoot } from './task';

const TEMP_NAME = /^\.ft-([0-9a-z]{1,8})-[0-9a-f]{4,8}-[0-9a-z]{1,12}\.tmp$/;

/** A temp left this long ago is stale whoever wrote it (our writes take milliseconds). */
const STALE_AFTER_MS = 60 * 60 * 1000;

/** The part of temp names shared by one job: this process and a random tag. */
export function tempOwner(): string {
  return `${process.pid.toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The temp file name of a job's `seq`-th task: about 20 bytes whatever the source is called. */
export function tempName(owner: string, seq: number): string {
  return `.ft-${owner}-${seq.toString(36)}.tmp`;
}

/**
 * Removes the temp files a killed process left in an output folder's size folders: ours by name,
 * regular files only, only when their process is gone or they are over an hour old, and only
 * while the size folder still resolves to where it should below the chosen folder `root` (a link
 * swapped in after the scan is never followed). Returns how many were removed; never throws.
 */
export async function removeStaleTemps(outputFolder: string, root: OutputRoot): Promise<number> {
  let removed = 0;
  try {
    for await (const size of await opendir(outputFolder)) {
      if (!size.isDirectory()) continue;
      const folder = path.join(outputFolder, size.name);
      for await (const entry of await opendir(folder)) {
        const match = TEMP_NAME.exec(entry.name);
        if (!match || !entry.isFile()) continue;
        const file = path.join(folder, entry.name);
        if ((await isStale(file, Number.parseInt(match[1], 36))) && (await isReachedAsNamed(root, folder))) {
          await unlink(file).then(() => removed++, () => undefined);
        }
      }
    }
  } catch {
    // a folder that cannot be listed holds nothing we can clean
  }
  return removed;
}

async function isStale(file: string, pid: number): Promise<boolean> {
  if (!isAlive(pid)) return true;
  try {
    // ctime, not mtime: a temp carries its thumbnail's stamp, which can be years old.
    return Date.now() - (await stat(file)).ctimeMs > STALE_AFTER_MS;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
