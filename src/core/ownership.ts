/**
 * How a thumbnail proves that this tool made it, so that Clean and the orphan prune delete
 * nothing else. Every thumbnail carries a JPEG comment segment (COM, 0xFFFE) naming the tool
 * right after its SOI (after the JFIF APP0 segment when the encoder wrote one, where the JFIF
 * specification wants APP0): both encoders put it there (sharp's bytes through writeMarked(),
 * TurboJPEG's encodeToFile() in C), and reading the first 64 bytes finds it. The mtime stamp
 * (stamp.ts) cannot do this alone: it is a claim relative to the source, and an orphan has none.
 * Plain Node.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** The comment's text. Changing it orphans every thumbnail made before: never change it. */
export const MARK_TEXT = 'folder-thumbnails';

/** The whole COM segment: FF FE, its length (2 bytes, counting itself), the text. */
export const MARK_SEGMENT: Buffer = Buffer.concat([
  Buffer.from([0xff, 0xfe, 0, MARK_TEXT.length + 2]),
  Buffer.from(MARK_TEXT, 'latin1'),
]);

/** Bytes read from a file's start to look for the mark. */
export const MARK_HEAD_BYTES = 64;

/**
 * Where the mark goes in an encoder's JPEG: after SOI, and after an APP0 segment that follows it.
 * The C encoder computes the same offset (src/native/turbojpeg.c, mark_offset).
 */
export function markOffset(jpeg: Uint8Array): number {
  if (jpeg.length >= 6 && jpeg[2] === 0xff && jpeg[3] === 0xe0) {
    const end = 4 + ((jpeg[4] << 8) | jpeg[5]);
    if (end <= jpeg.length) return end;
  }
  return 2;
}

/** Writes `jpeg` with the mark inserted, through `write` (every byte or throw), without copying it. */
export function writeMarked(fd: number, jpeg: Uint8Array, write: (fd: number, bytes: Uint8Array) => void): void {
  const at = markOffset(jpeg);
  write(fd, jpeg.subarray(0, at));
  write(fd, MARK_SEGMENT);
  write(fd, jpeg.subarray(at));
}

/**
 * True when a JPEG's first bytes carry the mark: SOI, then APPn / COM segments walked by their
 * lengths (never more than `head` holds) until the mark or anything else.
 */
export function hasMark(head: Uint8Array): boolean {
  if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) return false;
  let at = 2;
  while (at + 4 <= head.length && head[at] === 0xff) {
    const marker = head[at + 1];
    const length = (head[at + 2] << 8) | head[at + 3];
    if (length < 2) return false;
    if (marker === 0xfe) {
      const end = at + 2 + length;
      if (end <= head.length && Buffer.from(head.subarray(at, end)).equals(MARK_SEGMENT)) return true;
    } else if (marker < 0xe0 || marker > 0xef) {
      return false;
    }
    at += 2 + length;
  }
  return false;
}

/**
 * Reads the head of `file` without following a link at its last component (O_NOFOLLOW) and
 * without blocking on a FIFO (O_NONBLOCK), and says whether it is a regular file carrying the mark.
 */
export async function fileHasMark(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch {
    return false;
  }
  try {
    if (!(await handle.stat()).isFile()) return false;
    const head = Buffer.alloc(MARK_HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, MARK_HEAD_BYTES, 0);
    return hasMark(head.subarray(0, bytesRead));
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}
