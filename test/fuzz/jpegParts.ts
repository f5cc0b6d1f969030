/**
 * The marker layout of a JPEG, read leniently so that the mutator can aim at structure (a
 * segment's length, the frame header, a scan's entropy-coded data) in files that earlier
 * mutations already broke. Never throws; bytes it cannot place become 'junk' parts.
 */

export interface Part {
  /**
   * 'marker': SOI, EOI, RSTn or another stand-alone marker; 'segment': a marker with a length
   * (SOFn, DHT, DQT, DRI, APPn, COM, ...); 'scan': SOS, its header and its entropy-coded data;
   * 'junk': bytes where a marker was expected (also whatever follows EOI).
   */
  kind: 'marker' | 'segment' | 'scan' | 'junk';
  /** The marker's second byte (0 for junk). */
  marker: number;
  /** Offset of the FF that starts the part, and the offset just past its end. */
  start: number;
  end: number;
  /** Segments and scans: where the body starts (after the 2-byte length). */
  body: number;
  /** Scans: where the entropy-coded data starts (just past the header). */
  data: number;
}

/** True for markers that stand alone (no length follows): SOI, EOI, RSTn, TEM. */
function standalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);
}

/** Where the entropy-coded data that starts at `from` ends: the first marker that is not FF00, RSTn or fill. */
export function entropyEnd(bytes: Buffer, from: number): number {
  let j = from;
  for (;;) {
    j = bytes.indexOf(0xff, j);
    if (j < 0 || j + 1 >= bytes.length) return bytes.length;
    const b = bytes[j + 1];
    if (b === 0x00 || b === 0xff || (b >= 0xd0 && b <= 0xd7)) {
      j += b === 0xff ? 1 : 2;
      continue;
    }
    return j;
  }
}

/** Splits `bytes` into parts from the start to the end (they tile the whole buffer). */
export function jpegParts(bytes: Buffer): Part[] {
  const parts: Part[] = [];
  let i = 0;
  let ended = false;
  while (i < bytes.length) {
    const start = i;
    if (ended || bytes[i] !== 0xff || i + 1 >= bytes.length) {
      const next = ended ? bytes.length : bytes.indexOf(0xff, i + 1);
      const end = next < 0 ? bytes.length : next;
      parts.push({ kind: 'junk', marker: 0, start, end, body: start, data: end });
      i = end;
      continue;
    }
    while (i + 1 < bytes.length && bytes[i + 1] === 0xff) i++; // fill bytes belong to the marker
    const marker = bytes[i + 1] ?? 0;
    if (standalone(marker) || marker === 0x00) {
      parts.push({ kind: 'marker', marker, start, end: i + 2, body: i + 2, data: i + 2 });
      ended = marker === 0xd9;
      i += 2;
      continue;
    }
    const length = i + 4 <= bytes.length ? bytes.readUInt16BE(i + 2) : 0;
    const segmentEnd = Math.min(bytes.length, i + 2 + Math.max(2, length));
    if (marker === 0xda) {
      const end = entropyEnd(bytes, segmentEnd);
      parts.push({ kind: 'scan', marker, start, end, body: i + 4, data: segmentEnd });
      i = end;
    } else {
      parts.push({ kind: 'segment', marker, start, end: segmentEnd, body: i + 4, data: segmentEnd });
      i = segmentEnd;
    }
  }
  return parts;
}
