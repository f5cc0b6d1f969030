/**
 * Encodes and writes every thumbnail of one source from its largest thumbnail's pixels. Targets
 * of the same size (a source smaller than several boxes) are encoded once and written to each.
 */
import { readSync, unlinkSync } from 'node:fs';
import sharp from 'sharp';
import { FailureCode, FileError, describeError } from '../core/errors';
import { MARK_SEGMENT, writeMarked } from '../core/ownership';
import type { RenderOutput } from '../core/task';
import type { TurboJpeg } from '../native/turbojpeg';
import type { Allocate } from './buffers';
import { Cancelled } from './cancelled';
import { OutputFolders, writeAll, type EncodeTo } from './output';
import { Ladder, fastLanczos, sameSize, sharpLanczos, type Pixels, type Target } from './sizes';

export interface ThumbnailJob {
  source: string;
  outputs: readonly RenderOutput[];
  folders: OutputFolders;
  quality: number;
  /** Seconds; the up-to-date stamp (stamp.ts) every thumbnail gets. */
  stampSeconds: number;
  /** libjpeg-turbo's encoder where it loaded; sharp's otherwise. */
  codec?: TurboJpeg;
  /** Throws to stop between steps. */
  checkCancelled: () => void;
  /** Where the levels' pixels come from (the render's lease, buffers.ts). */
  allocate: Allocate;
}

/**
 * Writes every target (largest first) and returns how many were written. On any failure, the
 * thumbnails already renamed into place stay (they are complete), no temp file is left, and a
 * FileError says why.
 */
export async function writeThumbnails(job: ThumbnailJob, top: Pixels, targets: readonly Target[]): Promise<number> {
  const ladder = new Ladder(top, job.codec ? fastLanczos(job.codec, job.allocate) : sharpLanczos, job.allocate);
  // With sharp, each size's encode and write runs while the next size is being made: awaiting
  // each in turn left a core idle ~8% of a job. libjpeg-turbo encodes on this thread.
  const writes: Promise<number>[] = [];
  let failure: unknown;
  let writeFailed = false;
  try {
    for (const group of sameSizeGroups(targets)) {
      if (writeFailed) break;
      job.checkCancelled();
      const write = writeGroup(job, await ladder.pixelsFor(group[0]), group);
      // Seen at once, so a failure never goes unhandled while the loop awaits something else,
      // and no further size is started after one failed.
      write.catch(() => (writeFailed = true));
      writes.push(write);
    }
  } catch (error) {
    failure = error;
  }
  let written = 0;
  for (const outcome of await Promise.allSettled(writes)) {
    if (outcome.status === 'fulfilled') written += outcome.value;
    else failure ??= outcome.reason;
  }
  if (failure === undefined) return written;
  for (const o of job.outputs) {
    try {
      unlinkSync(o.temp);
    } catch {
      // not there
    }
  }
  if (failure instanceof FileError || failure instanceof Cancelled) throw failure;
  throw new FileError(FailureCode.CORRUPT_JPEG, job.source, `could not be resized or encoded: ${describeError(failure)}`, { cause: failure });
}

/** Targets in runs of the same size, largest first. */
function sameSizeGroups(targets: readonly Target[]): Target[][] {
  const groups: Target[][] = [];
  for (const t of targets) {
    const last = groups[groups.length - 1];
    if (last && sameSize(last[0], t)) last.push(t);
    else groups.push([t]);
  }
  return groups;
}

/** Encodes `pixels` once and writes them as each target of the group; returns how many were written. */
async function writeGroup(job: ThumbnailJob, pixels: Pixels, group: readonly Target[]): Promise<number> {
  const { width, height, channels } = pixels.raw;
  let bytes: Buffer | undefined;
  let encode: EncodeTo;
  if (job.codec) {
    const codec = job.codec;
    encode = (fd) => {
      const size = codec.encodeToFile(fd, pixels.data, width, height, channels, job.quality, MARK_SEGMENT);
      // Read back for the other targets of the same size: cheaper than encoding again.
      if (group.length > 1) readBack(fd, (bytes = Buffer.allocUnsafe(size)));
    };
  } else {
    // toColourspace: without it sharp would write one-channel pixels as three-channel sRGB.
    const jpeg = await sharp(pixels.data, { raw: pixels.raw })
      .toColourspace(channels === 1 ? 'b-w' : 'srgb')
      .jpeg({ quality: job.quality })
      .toBuffer();
    encode = (fd) => writeMarked(fd, jpeg, writeAll);
  }
  for (const [i, t] of group.entries()) {
    job.checkCancelled();
    job.folders.write(t.out, i === 0 || !bytes ? encode : (fd) => writeAll(fd, bytes!), job.stampSeconds);
  }
  return group.length;
}

function readBack(fd: number, into: Buffer): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, done);
    if (n <= 0) throw Object.assign(new Error('the thumbnail just written could not be read back'), { code: 'EIO' });
    done += n;
  }
}
