/**
 * Reads what the render needs from the first bytes of a JPEG (dimensions, components, EXIF
 * orientation) without a sharp round trip, which costs ~3 ms of a ~130 ms render. Returns null
 * when the frame header is not within `bytes`; the caller then asks sharp.
 */

/** The frame facts of a JPEG. */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 greyscale, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** EXIF orientation 1..8 (1 when absent or unreadable). */
  orientation: number;
  progressive: boolean;
}

/**
 * Parses up to the first frame header (SOFn). Never throws. Returns null, so that the caller
 * asks libvips instead, whenever the answer could differ from libexif's: an EXIF block that is
 * cut off, malformed, or present twice.
 */
export function parseJpegHeader(bytes: Buffer): JpegHeader | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let orientation = 1;
  let exifBlocks = 0;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // scan data before any frame header
    const length = bytes.readUInt16BE(i + 2);
    if (length < 2) return null;
    const body = i + 4;
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (body + 6 > bytes.length) return null;
      const height = bytes.readUInt16BE(body + 1);
      const width = bytes.readUInt16BE(body + 3);
      const components = bytes[body + 5];
      if (width === 0 || height === 0) return null;
      return { width, height, components, orientation, progressive: marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce };
    }
    if (marker === 0xe1 && body + 6 <= bytes.length && bytes.toString('latin1', body, body + 6) === 'Exif\0\0') {
      if (++exifBlocks > 1 || body + length - 2 > bytes.length) return null;
      const value = exifOrientation(bytes.subarray(body, body + length - 2));
      if (value === null) return null;
      orientation = value;
    }
    i = body + length - 2;
  }
  return null;
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
