/**
 * Writes one thumbnail the only way this project writes files: inside the chosen folder and
 * through no symbolic link below it, whole or not at all, stamped before it becomes visible.
 * Both encoders (sharp's bytes, TurboJPEG's encodeToFile) go through writeThumbnail().
 */
import { closeSync, constants, futimesSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { FailureCode, FileError, describeError } from '../core/errors';
import { resolvesAsNamed, type OutputRoot, type RenderOutput } from '../core/task';

/** Writes the encoded thumbnail to an open file; throws (with an errno `code`) when it cannot. */
export type EncodeTo = (fd: number) => void;

// O_NOFOLLOW does not exist on Windows, where the folder checks below are what guard. Read and
// write: a thumbnail written for several sizes is read back (thumbnails.ts).
const CREATE_TEMP = constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** Writes every byte of `bytes` to `fd`. A write that takes nothing means the disk is full. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    const n = writeSync(fd, bytes, done, bytes.length - done);
    if (n <= 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    done += n;
  }
}

/**
 * The folders a task's thumbnails go to, checked level by level for every thumbnail (a level
 * checked once could be swapped for a link before the next size): created one level at a time
 * below the chosen folder (a recursive mkdir would create through a planted link) and refused
 * when any level is a symbolic link.
 */
export class OutputFolders {
  constructor(
    private readonly source: string,
    private readonly root: OutputRoot,
  ) {}

  /**
   * Writes one thumbnail: a new temp file beside it (O_EXCL, O_NOFOLLOW: never an existing file
   * or a link), every byte, the up-to-date stamp, then a rename into place after checking, by its
   * real path, that the folder is still where the chosen folder says. Synchronous on purpose: five
   * async fs calls per thumbnail cost ~8 ms of CPU per image in thread-pool hops, and the worker's
   * thread has nothing else to do meanwhile.
   */
  write(out: RenderOutput, encode: EncodeTo, stampSeconds: number): void {
    const folder = path.dirname(out.dest);
    let fd: number | undefined;
    // Where the temp really is, so that it is removed even after a link was swapped in above it.
    let tempReal: string | undefined;
    try {
      this.ensure(folder, out.dest);
      fd = openSync(out.temp, CREATE_TEMP, 0o666);
      tempReal = path.join(this.checkInside(folder, fd), path.basename(out.temp));
      encode(fd);
      futimesSync(fd, stampSeconds, stampSeconds);
      // Checked while the temp is open, so a failure can still find it (the kernel follows it).
      this.checkInside(folder);
      closeSync(fd); // reports a failed delayed write (NFS, quotas) as an error, like write() does
      fd = undefined;
      // The last check, as close to the rename as Node allows (there is no renameat()): a link
      // swapped in from here on only sends the rename to a folder without our temp file (ENOENT).
      this.checkInside(folder);
      renameSync(out.temp, out.dest);
    } catch (error) {
      const temps = new Set([out.temp, tempReal]);
      if (fd !== undefined) {
        temps.add(openFilePath(fd));
        closeSync(fd);
      }
      for (const temp of temps) {
        try {
          if (temp !== undefined) unlinkSync(temp);
        } catch {
          // never created, or already removed through another name
        }
      }
      throw this.writeError(out, error);
    }
  }

  private ensure(folder: string, dest: string): void {
    const rel = path.relative(this.root.folder, folder);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new FileError(FailureCode.OUTPUT_NOT_WRITABLE, this.source, `its thumbnail folder ${folder} is not inside ${this.root.folder}`);
    }
    let current = this.root.folder;
    for (const part of rel.split(path.sep)) {
      current = path.join(current, part);
      let st = lstatIfAny(current);
      if (st === undefined) {
        try {
          mkdirSync(current);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        st = lstatSync(current);
      }
      if (st.isSymbolicLink()) throw this.linkError(current);
      if (!st.isDirectory()) {
        throw new FileError(FailureCode.OUTPUT_NOT_WRITABLE, this.source, `its thumbnail ${dest} cannot be written: ${current} is a file, not a folder`);
      }
    }
  }

  /**
   * Throws unless `folder` (or, on Linux, the open temp file `fd`) resolves to the same place
   * below the chosen folder's real path as its name says: no link was swapped in since ensure().
   * Returns that real path.
   */
  private checkInside(folder: string, fd?: number): string {
    const file = fd === undefined ? undefined : openFilePath(fd);
    const actual = file === undefined ? realpathSync.native(folder) : path.dirname(file);
    if (!resolvesAsNamed(this.root, folder, actual)) {
      const link = this.firstLink(folder);
      throw link ? this.linkError(link) : new FileError(FailureCode.OUTPUT_IS_LINK, this.source, `its thumbnail folder ${folder} resolves to ${actual}, outside ${this.root.folder}; nothing was written there`);
    }
    return actual;
  }

  /** The first level from the chosen folder down to `folder` that is a symbolic link now. */
  private firstLink(folder: string): string | undefined {
    let current = this.root.folder;
    for (const part of path.relative(this.root.folder, folder).split(path.sep)) {
      current = path.join(current, part);
      if (lstatIfAny(current)?.isSymbolicLink()) return current;
    }
    return undefined;
  }

  private linkError(link: string): FileError {
    let target = '';
    try {
      target = ` (to ${readlinkSync(link)})`;
    } catch {
      // gone again: the name is enough
    }
    return new FileError(
      FailureCode.OUTPUT_IS_LINK,
      this.source,
      `its thumbnail folder ${link} is a symbolic link${target}; thumbnails are never written through links, remove it to make them`,
    );
  }

  private writeError(out: RenderOutput, error: unknown): FileError {
    if (error instanceof FileError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new FileError(FailureCode.NO_SPACE, this.source, `its thumbnail ${out.dest} was not written: the disk is full (${code})`, { cause: error });
    }
    return new FileError(FailureCode.OUTPUT_NOT_WRITABLE, this.source, `its thumbnail ${out.dest} cannot be written (${code ?? describeError(error)})`, {
      cause: error,
    });
  }
}

/** Where an open file is now, by the kernel's account (Linux); undefined elsewhere. */
function openFilePath(fd: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function lstatIfAny(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
