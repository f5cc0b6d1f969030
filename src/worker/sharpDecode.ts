/**
 * Decoding through sharp (libvips + libjpeg): every JPEG the fast path does not take, and the
 * header of files our own reader cannot be sure of.
 */
import { constants as fsConstants, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { FailureCode, FileError, describeError } from '../core/errors';
import { HEAD_BYTES, readHead } from '../core/jpegHeader';
import { headerOf, type SourceHeader } from '../core/source';
import { InvalidScanError, trimProgressiveScans } from './progressive';
import type { Pixels } from './sizes';

const inputOptions = (maxPixels: number): SharpOptions => ({
  // 'truncated' refuses cut-off files but accepts the harmless warnings many real cameras and
  // editors trigger (extraneous bytes before a marker and the like), which 'warning' refuses.
  failOn: 'truncated',
  limitInputPixels: maxPixels,
  autoOrient: true,
  sequentialRead: true,
});

/**
 * The header of a file whose first 64 KB did not settle it: ours from the first MB (big XMP,
 * ICC or padding before the frame), else sharp's, which cannot say whether the decode will be
 * buffered (then assumed).
 */
export async function headerFromDecoder(source: string, headBytes: number, maxPixels: number): Promise<SourceHeader> {
  return (headBytes >= HEAD_BYTES ? await longHeadHeader(source) : null) ?? (await sharpHeader(source, maxPixels));
}

async function longHeadHeader(source: string): Promise<SourceHeader | null> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(source, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    return headerOf(await readHead(handle, 2 ** 20));
  } catch {
    return null; // sharp's header read reports why
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

async function sharpHeader(source: string, maxPixels: number): Promise<SourceHeader> {
  let meta: Metadata;
  try {
    // Header only; the pixel limit is checked from it with the dimensions in the message.
    meta = await sharp(source, { ...inputOptions(maxPixels), limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(source, error);
  }
  if (meta.format !== 'jpeg') {
    throw new FileError(FailureCode.NOT_JPEG, source, `is ${meta.format ?? 'an unknown format'}, not a JPEG`);
  }
  return {
    width: meta.width ?? 0,
    height: meta.height ?? 0,
    orientation: meta.orientation ?? 1,
    grey: meta.space === 'b-w' || meta.channels === 1,
    progressive: meta.isProgressive === true,
    // Upper bound (no subsampling known here): 2 bytes per sample.
    coefficientBytes: (meta.width ?? 0) * (meta.height ?? 0) * (meta.channels ?? 3) * 2,
  };
}

/**
 * The shrink-on-load sharp asks libjpeg for when resizing by `factor` with fastShrinkOnLoad
 * (sharp's pipeline.cc): 8, 4 or 2 when the factor reaches it, halved when the factor's integer
 * part equals it (libjpeg rounding).
 */
export function sharpJpegShrink(factor: number): 1 | 2 | 4 | 8 {
  const shrink = factor >= 8 ? 8 : factor >= 4 ? 4 : factor >= 2 ? 2 : 1;
  if (shrink > 1 && Math.trunc(factor) === shrink) return (shrink / 2) as 1 | 2 | 4;
  return shrink;
}

/**
 * A progressive source without the scans its shrunk decode cannot show, as a Buffer; the path
 * itself when nothing can be left out or the file cannot be read here (the decoder then reports
 * why, as for any file).
 */
export function trimmedInput(source: string, shrink: number): string | Buffer {
  if (shrink < 2) return source;
  let file: Buffer;
  try {
    file = readFileSync(source);
  } catch {
    return source;
  }
  try {
    return trimProgressiveScans(file, shrink)?.data ?? source;
  } catch (error) {
    if (!(error instanceof InvalidScanError)) throw error;
    throw new FileError(FailureCode.CORRUPT_JPEG, source, `is corrupt: ${error.message}`, { cause: error });
  }
}

/**
 * The single decode: shrink-on-load (libjpeg DCT scaling) to near the largest thumbnail, then a
 * resize to it, upright, as raw pixels; every size is made from these. Greyscale stays one
 * channel; anything else (ICC-profiled, Adobe RGB, CMYK) is converted to sRGB through its
 * embedded profile (or sharp's CMYK default), and the output is untagged sRGB, the web's default.
 */
export async function decodeWithSharp(
  source: string,
  /** The path, or the file's bytes when progressive scans were left out. */
  input: string | Buffer,
  maxPixels: number,
  header: SourceHeader,
  largest: { width: number; height: number },
): Promise<Pixels> {
  const decode = async (failOn: 'warning' | 'truncated'): Promise<Pixels> => {
    const options = { ...inputOptions(maxPixels), ignoreIcc: header.icc === 'srgb', failOn };
    const pipeline = sharp(input, options)
      .resize(largest.width, largest.height, { fit: 'fill', fastShrinkOnLoad: true })
      .toColourspace(header.grey ? 'b-w' : 'srgb');
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { data, raw: { width: info.width, height: info.height, channels: info.channels as 1 | 3 } };
  };
  // Strict first: a warning that means pixels are missing (the data ends before the image does,
  // a bad Huffman code) fails the file, where libjpeg would fill the rest with grey. libvips
  // keeps one error buffer for the whole process, so with several workers a failure's text can
  // be another image's, or empty: only a text made entirely of harmless warnings lets a file
  // through to the lenient decode, and anything else is tried strictly once more.
  let strictError: unknown;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      return await decode('warning');
    } catch (error) {
      strictError = error;
      if (onlyHarmlessWarnings(describeError(error))) break;
    }
  }
  if (!onlyHarmlessWarnings(describeError(strictError))) throw decodeError(source, strictError);
  try {
    return await decode('truncated');
  } catch (error) {
    throw decodeError(source, error);
  }
}

/**
 * libjpeg's warnings after which the decoded pixels are still the picture (jerror.h:
 * JWRN_EXTRANEOUS_DATA, JWRN_JFIF_MAJOR, JWRN_ADOBE_XFORM, JWRN_BOGUS_ICC, JWRN_NOT_SEQUENTIAL).
 * Every other warning (JWRN_HIT_MARKER, JWRN_JPEG_EOF, JWRN_HUFF_BAD_CODE, JWRN_MUST_RESYNC,
 * JWRN_BOGUS_PROGRESSION, ...) means data is missing or unreadable.
 */
const HARMLESS_WARNING =
  /^(.*VipsJpeg: )?(Corrupt JPEG data: \d+ extraneous bytes before marker 0x[0-9a-f]{2}|Warning: unknown JFIF revision number [\d.]+|Unknown Adobe color transform code \d+|Corrupt JPEG data: bad ICC marker|Invalid SOS parameters for sequential JPEG)$/i;

function onlyHarmlessWarnings(message: string): boolean {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.length > 0 && lines.every((l) => HARMLESS_WARNING.test(l));
}

function decodeError(source: string, error: unknown): FileError {
  const message = describeError(error);
  if (/pixel limit/i.test(message)) {
    return new FileError(FailureCode.TOO_MANY_PIXELS, source, `is over the pixel limit (${message})`, { cause: error });
  }
  if (/input file is missing/i.test(message)) {
    return new FileError(FailureCode.VANISHED, source, 'was deleted or moved while it was being read', { cause: error });
  }
  if (/unsupported image format/i.test(message)) {
    return new FileError(FailureCode.NOT_JPEG, source, 'is not a JPEG the decoder recognises', { cause: error });
  }
  // libjpeg's own words for a valid file it cannot decode (JERR_BAD_PRECISION, JERR_SOF_UNSUPPORTED),
  // when its header lay beyond what our reader reads.
  const unsupported = /Unsupported JPEG (data precision \d+|process: SOF type 0x[0-9a-f]+)/i.exec(message);
  if (unsupported) {
    return new FileError(FailureCode.UNSUPPORTED_JPEG, source, `is a JPEG the decoders here do not support (${unsupported[0]})`, { cause: error });
  }
  return new FileError(FailureCode.CORRUPT_JPEG, source, `is truncated or corrupt (${oneLine(message)})`, { cause: error });
}

/** libvips repeats a decoder warning once per pass ("Bogus DQT index 7" three times): say each once, on one line. */
function oneLine(message: string): string {
  return [...new Set(message.split('\n').map((l) => l.trim()).filter(Boolean))].join('; ');
}
