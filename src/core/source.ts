/**
 * A source image's facts, read once: what the file is (size, time, identity) and what its first
 * bytes say (a JPEG? which frame?), with every check that needs no decoder. The engine reads
 * them while planning and carries them in the task; the worker reads them again only when the
 * file changed since, or when a task comes without them.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { checkDecodeMemory, type DecodeFacts } from './decodeMemory';
import { FailureCode, FileError, describeError } from './errors';
import { HEAD_BYTES, iccProfile, parseJpegHeader, readHead, unsupportedJpeg } from './jpegHeader';

/** What the render needs of a JPEG's header. */
export interface SourceHeader extends DecodeFacts {
  /** As stored: width and height are before the orientation is applied. */
  orientation: number;
  grey: boolean;
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK; undefined when sharp read the header. */
  components?: number;
  /** The embedded profile ('srgb': converting through it would change nothing); undefined when sharp read the header. */
  icc?: 'none' | 'srgb' | 'other';
  /** Bits per sample and the SOFn marker (jpegHeader.ts); undefined when sharp read the header. */
  precision?: number;
  sof?: number;
}

/** Which file a path named when it was read: a file replaced since has another identity. */
export interface FileIdentity {
  bytes: number;
  mtimeMs: number;
  /** Changes with every write and every utimes(): a file rewritten in place with its old time restored still shows. */
  ctimeMs: number;
  dev: number;
  ino: number;
}

export interface SourceFacts extends FileIdentity {
  /** From the first bytes; null when our reader cannot be sure (the worker then asks the decoder). */
  header: SourceHeader | null;
}

export interface SourceLimits {
  /** Sources with more pixels are refused from their header. */
  maxPixels: number;
  /** Sources whose decode would hold more bytes than this are refused from their header. */
  maxDecodeBytes: number;
}

// O_NONBLOCK: opening a FIFO that someone named .jpg must not hang.
const OPEN_SOURCE = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The facts of `source`, on the main thread; throws a FileError naming what is wrong with it. */
export async function readSourceFacts(source: string, limits: SourceLimits, known: FileIdentity): Promise<SourceFacts> {
  let head: Buffer;
  try {
    const handle = await open(source, OPEN_SOURCE);
    try {
      head = await readHead(handle);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw openError(source, error);
  }
  return inspectHead(source, known, head, limits);
}

/**
 * The facts of `source` in a worker, where a synchronous read costs less than handing it to a
 * thread. `planned` is what the engine read; it is used when the file is still the same one.
 */
export function readSourceFactsSync(source: string, limits: SourceLimits, planned?: SourceFacts): SourceFacts {
  let fd: number;
  try {
    fd = openSync(source, OPEN_SOURCE);
  } catch (error) {
    throw openError(source, error);
  }
  try {
    const st = fstatSync(fd);
    const identity = identityOf(st);
    checkKind(source, st.isFile(), st.size);
    if (planned && isSameFile(planned, identity)) return planned;
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    const n = readSync(fd, head, 0, head.length, 0);
    return inspectHead(source, identity, head.subarray(0, n), limits);
  } catch (error) {
    throw error instanceof FileError ? error : openError(source, error);
  } finally {
    closeSync(fd);
  }
}

/** The identity of a file from its stat (or fstat). */
export function identityOf(st: Stats): FileIdentity {
  return { bytes: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, dev: st.dev, ino: st.ino };
}

export function isSameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.bytes === b.bytes && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/** Refuses what is not a regular file with bytes in it. */
export function checkKind(source: string, isFile: boolean, bytes: number): void {
  if (!isFile) throw new FileError(FailureCode.UNREADABLE, source, 'is not a regular file');
  if (bytes === 0) throw new FileError(FailureCode.EMPTY_FILE, source, 'is empty (0 bytes)');
}

/** Why a source could not be opened or read, as a FileError. */
export function openError(source: string, error: unknown): FileError {
  const code = (error as NodeJS.ErrnoException).code;
  // Node reads names as UTF-8 and replaces bytes that are not with U+FFFD; the name then names no file.
  if (code === 'ENOENT' && source.includes('\uFFFD')) {
    return new FileError(FailureCode.UNREADABLE, source, 'its name is not valid UTF-8 (\uFFFD stands for the bytes that are not); rename the file to make its thumbnails');
  }
  if (code === 'ENOENT') return new FileError(FailureCode.VANISHED, source, 'was deleted or moved before it could be read');
  return new FileError(FailureCode.UNREADABLE, source, `cannot be read (${code ?? describeError(error)})`, { cause: error });
}

/** Checks a source's first bytes and reads its header from them. */
export function inspectHead(source: string, identity: FileIdentity, head: Buffer, limits: SourceLimits): SourceFacts {
  if (head.length === 0) throw new FileError(FailureCode.EMPTY_FILE, source, 'is empty (0 bytes)');
  sniffJpeg(source, head);
  const header = headerOf(head);
  if (header) checkHeader(source, header, identity.bytes, limits);
  return { ...identity, header };
}

/** Our header from a JPEG's first bytes; null when it cannot be sure. */
export function headerOf(head: Buffer): SourceHeader | null {
  const h = parseJpegHeader(head);
  if (!h) return null;
  return { ...h, grey: h.components === 1, icc: iccProfile(head) };
}

/** Refuses, from its header, a source the decoders cannot or must not decode. */
export function checkHeader(source: string, header: SourceHeader, bytes: number, limits: SourceLimits): void {
  // Before any decoder: they would call a valid 12-bit or lossless file corrupt.
  const unsupported = header.precision === undefined ? null : unsupportedJpeg({ precision: header.precision, sof: header.sof! });
  if (unsupported) throw new FileError(FailureCode.UNSUPPORTED_JPEG, source, unsupported);
  const { width, height } = header;
  if (width * height > limits.maxPixels) {
    const mp = (n: number): number => Math.round(n / 1e6);
    throw new FileError(FailureCode.TOO_MANY_PIXELS, source, `is ${width}x${height} (${mp(width * height)} MP), over the limit of ${mp(limits.maxPixels)} MP`);
  }
  checkDecodeMemory(source, header, bytes, limits.maxDecodeBytes);
}

const signatures: Array<[string, number[]]> = [
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a RIFF (WebP?) file', [0x52, 0x49, 0x46, 0x46]],
  ['a TIFF image', [0x49, 0x49, 0x2a, 0x00]],
  ['a TIFF image', [0x4d, 0x4d, 0x00, 0x2a]],
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
];

// A cheap check on the first bytes gives a better message than the decoder would, and never
// hands a PNG or a text file to the JPEG loader.
function sniffJpeg(source: string, bytes: Buffer): void {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return;
  const known = signatures.find(([, sig]) => sig.every((b, i) => bytes[i] === b));
  let what = known?.[0];
  if (!what) {
    const head = bytes.subarray(0, 512);
    const texty = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
    what = texty ? 'a text file' : 'not a JPEG (no JPEG start marker)';
  }
  throw new FileError(FailureCode.NOT_JPEG, source, what.startsWith('not') ? `is ${what}` : `is ${what} named like a JPEG`);
}
