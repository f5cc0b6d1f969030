/**
 * Reads what the render needs from the first bytes of a JPEG (dimensions, components, EXIF
 * orientation) without a sharp round trip, which costs ~3 ms of a ~130 ms render. Returns null
 * when the frame header is not within `bytes`; the caller then asks sharp.
 */
import type { FileHandle } from 'node:fs/promises';

/** How much readHead reads by default. */
export const HEAD_BYTES = 64 * 1024;

/**
 * The first bytes of an open file, where the frame header of nearly every JPEG lies (EXIF with a
 * preview, or big XMP blocks, can push it later). Used by the engine to schedule and by the
 * render worker to decode.
 */
export async function readHead(handle: FileHandle, bytes = HEAD_BYTES): Promise<Buffer> {
  const head = Buffer.allocUnsafe(bytes);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return head.subarray(0, bytesRead);
}

/** The frame facts of a JPEG. */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 greyscale, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** EXIF orientation 1..8 (1 when absent or unreadable). */
  orientation: number;
  progressive: boolean;
  /** Bits per sample: 8 for nearly every JPEG; 12 or 16 in medical and some camera files. */
  precision: number;
  /** The frame's SOFn marker byte (0xc0 baseline, 0xc1 extended, 0xc2 progressive, 0xc3 lossless, ...). */
  sof: number;
  /**
   * True when libjpeg will hold the whole image's coefficients while decoding: progressive, or a
   * sequential file whose first scan carries fewer components than the frame (one scan per
   * component), or a first scan beyond the bytes read (assumed so: memory is what is at stake).
   */
  buffered: boolean;
  /**
   * Bytes of the whole-image DCT coefficient buffer a progressive decode needs (2 bytes per
   * coefficient, per component at its own sampling), whatever the shrink-on-load.
   */
  coefficientBytes: number;
}

/** A frame header marker: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
export function isFrameMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** One marker segment: its marker byte, where its body starts, and where it ends (may lie past the bytes read). */
interface Segment {
  marker: number;
  body: number;
  end: number;
}

/**
 * The marker segments of a JPEG's head, in order, from SOI to the first scan (SOS) or EOI. Fill
 * bytes and stand-alone markers are passed over; the walk ends quietly at anything malformed or
 * where `bytes` run out, so callers decide what a missing segment means. Returns true when it
 * reached the first scan, so every segment before it was seen.
 */
function* segments(bytes: Buffer): Generator<Segment, boolean> {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return false;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return false;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    if (marker === 0xda) {
      // The first scan's header, then its data: the walk ends here.
      if (i + 4 <= bytes.length) yield { marker, body: i + 4, end: i + 2 + bytes.readUInt16BE(i + 2) };
      return true;
    }
    if (marker === 0xd9) return false; // the end, with no scan
    const length = bytes.readUInt16BE(i + 2);
    if (length < 2) return false;
    const segment = { marker, body: i + 4, end: i + 2 + length };
    yield segment;
    i = segment.end;
  }
  return false;
}

/**
 * Parses up to the first frame header (SOFn). Never throws. Returns null, so that the caller
 * asks libvips instead, whenever the answer could differ from libexif's: an EXIF block that is
 * cut off, malformed, or present twice.
 */
export function parseJpegHeader(bytes: Buffer): JpegHeader | null {
  let orientation = 1;
  let exifBlocks = 0;
  let frame: JpegHeader | undefined;
  for (const { marker, body, end } of segments(bytes)) {
    if (isFrameMarker(marker) && !frame) {
      if (body + 6 > bytes.length) return null;
      const height = bytes.readUInt16BE(body + 1);
      const width = bytes.readUInt16BE(body + 3);
      const components = bytes[body + 5];
      if (width === 0 || height === 0 || body + 6 + 3 * components > bytes.length) return null;
      let hMax = 1;
      let vMax = 1;
      for (let c = 0; c < components; c++) {
        const f = bytes[body + 7 + 3 * c];
        hMax = Math.max(hMax, f >> 4);
        vMax = Math.max(vMax, f & 15);
      }
      let coefficientBytes = 0;
      for (let c = 0; c < components; c++) {
        const f = bytes[body + 7 + 3 * c];
        const blocksX = Math.ceil(((width * Math.max(1, f >> 4)) / hMax) / 8);
        const blocksY = Math.ceil(((height * Math.max(1, f & 15)) / vMax) / 8);
        coefficientBytes += blocksX * blocksY * 64 * 2;
      }
      const progressive = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
      const precision = bytes[body];
      frame = { width, height, components, orientation, progressive, precision, sof: marker, buffered: true, coefficientBytes };
      continue;
    }
    if (marker === 0xda) {
      if (!frame) return null;
      frame.buffered = frame.progressive || body >= bytes.length || bytes[body] < frame.components;
      return frame;
    }
    if (frame) continue;
    if (marker === 0xe1 && body + 6 <= bytes.length && bytes.toString('latin1', body, body + 6) === 'Exif\0\0') {
      if (++exifBlocks > 1 || end > bytes.length) return null;
      const value = exifOrientation(bytes.subarray(body, end));
      if (value === null) return null;
      orientation = value;
    }
  }
  // No frame header before the scan data or within `bytes`: null. A frame with no scan within
  // `bytes`: buffered stays assumed.
  return frame ?? null;
}

/**
 * What in a valid JPEG the decoders here cannot decode, in words; null when they can. sharp's
 * libjpeg (and libjpeg-turbo 2.x of the fast path) reads 8 bits per sample only: 12-bit
 * "extended" JPEGs (libjpeg-turbo's monkey12.jpg), and the 12- and 16-bit lossless ones of
 * cameras and scanners, fail in it as "Unsupported JPEG data precision". Hierarchical JPEG
 * (SOF5-7/13-15) no libjpeg reads. An 8-bit lossless JPEG (SOF3) sharp's decoder reads (tested),
 * and arithmetic coding (SOF9/10) it decodes: neither is reported.
 */
export function unsupportedJpeg(header: Pick<JpegHeader, 'precision' | 'sof'>): string | null {
  const { sof, precision } = header;
  const lossless = sof === 0xc3 || sof === 0xc7 || sof === 0xcb || sof === 0xcf;
  const hierarchical = (sof >= 0xc5 && sof <= 0xc7) || (sof >= 0xcd && sof <= 0xcf);
  if (precision === 8 && !hierarchical) return null;
  const kind = `${hierarchical ? 'hierarchical ' : ''}${lossless ? 'lossless ' : ''}JPEG (SOF${sof - 0xc0})`;
  const bits = precision === 8 ? '' : ` with ${precision} bits per sample`;
  return `is a ${kind}${bits}, which the decoders here do not support (they read 8-bit JPEGs${hierarchical ? ', not hierarchical ones' : ''})`;
}

/** The IFD0 orientation; 1 when the tag is absent, null when the block is malformed. */
function exifOrientation(app1: Buffer): number | null {
  if (app1.length < 14) return null;
  const tiff = app1.subarray(6);
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return null;
  const u16 = (o: number): number => (little ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number): number => (little ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  if (u16(2) !== 42) return null;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return null;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + k * 12;
    if (entry + 12 > tiff.length) return null;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 2) === 3 ? u16(entry + 8) : 0;
      return value >= 1 && value <= 8 ? value : null;
    }
  }
  return 1;
}

// sRGB's primaries as an ICC v2/v4 profile stores them (Bradford-adapted to D50).
const SRGB_D50: Array<[string, [number, number, number]]> = [
  ['rXYZ', [0.4361, 0.2225, 0.0139]],
  ['gXYZ', [0.3851, 0.7169, 0.0971]],
  ['bXYZ', [0.1431, 0.0606, 0.7141]],
];

/**
 * The JPEG's embedded colour profile: 'none' when the head up to the first scan has none, 'srgb'
 * when it is plain sRGB (sRGB primaries and a description naming sRGB), so converting through it
 * would be an expensive no-op (libvips' ICC transform costs ~60 ms on a 2560x1600 wallpaper, more
 * than decoding it), 'other' for anything else: another profile, one split over several segments
 * or lying beyond `bytes`, or a head that ends before its first scan (it may follow).
 */
export function iccProfile(bytes: Buffer): 'none' | 'srgb' | 'other' {
  const walk = segments(bytes);
  for (let step = walk.next(); ; step = walk.next()) {
    if (step.done) return step.value ? 'none' : 'other';
    const { marker, body, end } = step.value;
    if (marker === 0xe2 && body + 14 <= bytes.length && bytes.toString('latin1', body, body + 12) === 'ICC_PROFILE\0') {
      if (bytes[body + 13] !== 1 || end > bytes.length) return 'other'; // multi-segment or cut
      return isSrgbProfile(bytes.subarray(body + 14, end)) ? 'srgb' : 'other';
    }
  }
}

function isSrgbProfile(icc: Buffer): boolean {
  if (icc.length < 132 || icc.toString('latin1', 16, 20) !== 'RGB ') return false;
  const tags = new Map<string, [number, number]>();
  const count = icc.readUInt32BE(128);
  for (let k = 0; k < count; k++) {
    const e = 132 + k * 12;
    if (e + 12 > icc.length) return false;
    tags.set(icc.toString('latin1', e, e + 4), [icc.readUInt32BE(e + 4), icc.readUInt32BE(e + 8)]);
  }
  for (const [sig, expected] of SRGB_D50) {
    const t = tags.get(sig);
    if (!t || t[0] + 20 > icc.length || icc.toString('latin1', t[0], t[0] + 4) !== 'XYZ ') return false;
    for (let c = 0; c < 3; c++) {
      if (Math.abs(icc.readInt32BE(t[0] + 8 + 4 * c) / 65536 - expected[c]) > 0.003) return false;
    }
  }
  const desc = tags.get('desc');
  if (!desc || desc[0] + desc[1] > icc.length) return false;
  // v2 'desc' is ASCII, v4 'mluc' UTF-16BE: dropping NULs reads both.
  return /sRGB/.test(icc.toString('latin1', desc[0], desc[0] + desc[1]).replace(/\0/g, ''));
}
