/**
 * Leaves out the last bit planes of a fine progressive JPEG when the decode shrinks it.
 *
 * A progressive JPEG sends its DCT coefficients in several scans: a band of coefficients
 * (spectral selection, Ss..Se) at reduced precision, then refinement scans adding one bit at a
 * time (successive approximation, Ah -> Al). libjpeg decodes every scan whatever the output
 * scale, and the refinement scans are its slowest code (a big wallpaper decodes at 1/4 in about
 * a third of the time without its last two bit planes).
 *
 * Those bit planes are below what a thumbnail can show when the file was saved fine enough:
 * a refinement scan is left out when, without it, every coefficient the shrunk decode reads is
 * still known to within 3 units (2^Ah - 1 quantisation steps of at most 3 units together: the
 * precision of a file saved at quality ~92). libjpeg's block smoothing fills in the missing
 * bits of coefficients that read zero. The coefficients that count are those the shrunk decode
 * reads: at 1/s, the top-left (8/s)x(8/s) of each block (twice that for chroma that libjpeg
 * upsamples through a bigger IDCT). Only when the decode shrinks by 2 or more.
 *
 * Decoded pixels move by a few levels of 255 and the thumbnails stay as close to an exact
 * resize as without it (bench/README.md, "Second round of decisions"). Files saved at quality 85
 * or less are left whole.
 *
 * A scan is only left out when no later scan refines the same coefficients (the refinement's
 * bits would be misread without it). Anything unexpected (not progressive, cut off, no end
 * marker, arithmetic coding) returns null: the file is then decoded whole, so truncation and
 * corruption are still reported by the decoder.
 */
import { isFrameMarker } from '../core/jpegHeader';

/**
 * A scan or frame field outside what the JPEG standard allows (ITU T.81 B.2.2, B.2.3, G.1.1.1).
 * libjpeg refuses such a file too; refusing it here, before the trim reads tables by those
 * fields, is what keeps a hostile header from reaching code that assumed them in range.
 */
export class InvalidScanError extends Error {
  override readonly name = 'InvalidScanError';
}

export interface TrimmedJpeg {
  data: Buffer;
  /** Scans left out, and their share of the entropy-coded bytes (for logs and tests). */
  droppedScans: number;
  droppedBytes: number;
}

interface Scan {
  start: number;
  end: number;
  components: number[];
  ss: number;
  se: number;
  ah: number;
  al: number;
}

/** Row and column of each zigzag position, as quantisation tables and scan bands count them. */
const ZIGZAG: Array<[number, number]> = (() => {
  const order: Array<[number, number]> = [];
  for (let d = 0; d < 15; d++) {
    for (let i = 0; i <= d; i++) {
      const [r, c] = d % 2 === 0 ? [d - i, i] : [i, d - i];
      if (r < 8 && c < 8) order.push([r, c]);
    }
  }
  return order;
})();

/**
 * How far from its true value (in units of the DCT) a coefficient the decode reads may end up
 * when refinement bits are left out: the precision of a file saved at quality ~92.
 */
const MAX_ERROR = 3;

/**
 * Rewrites `file` in place when something is left out (its bytes are then no longer the
 * original JPEG) and returns the shorter view of it; null, with `file` untouched, otherwise.
 * @param file the whole JPEG
 * @param shrink the shrink-on-load the decoder will use: 1, 2, 4 or 8 (see sharpJpegShrink)
 * @throws InvalidScanError for a progressive scan or frame header with a field out of range
 */
export function trimProgressiveScans(file: Buffer, shrink: number): TrimmedJpeg | null {
  if (shrink < 2) return null;
  const parsed = parse(file);
  if (!parsed) return null;
  const { scans, components, tables } = parsed;
  const hMax = Math.max(...[...components.values()].map((c) => c.h));
  const vMax = Math.max(...[...components.values()].map((c) => c.v));

  const drop = new Array<boolean>(scans.length).fill(false);
  // From the last scan back, so that a scan's later dependants are decided before it.
  for (let k = scans.length - 1; k >= 0; k--) {
    const s = scans[k];
    // Only AC refinement scans (one component each); DC scans and first passes always stay.
    if (s.ss === 0 || s.components.length !== 1 || s.ah === 0) continue;
    const id = s.components[0];
    const c = components.get(id);
    const steps = c && tables.get(c.table);
    if (!c || !steps) return null;
    // The IDCT size libjpeg may use for this component at this shrink, at its largest.
    const n = Math.min(8, (8 / shrink) * Math.max(hMax / c.h, vMax / c.v));
    let largestStep = 0;
    for (let z = Math.max(1, s.ss); z <= s.se; z++) {
      if (ZIGZAG[z][0] < n && ZIGZAG[z][1] < n) largestStep = Math.max(largestStep, steps[z]);
    }
    // Without this scan (and the later ones, already left out) its coefficients are known only
    // above bit Ah: off by up to 2^Ah - 1 quantisation steps.
    if ((2 ** s.ah - 1) * largestStep > MAX_ERROR) continue;
    let needed = false;
    for (let j = k + 1; j < scans.length; j++) {
      const later = scans[j];
      if (!drop[j] && later.components.includes(id) && later.ss <= s.se && s.ss <= later.se) needed = true;
    }
    if (!needed) drop[k] = true;
  }
  const droppedScans = drop.filter(Boolean).length;
  if (droppedScans === 0) return null;

  // Kept bytes move down over the dropped ones (copy() is a memmove): no second buffer as big
  // as the file while the decode holds its coefficient buffer.
  let from = 0;
  let to = 0;
  let droppedBytes = 0;
  scans.forEach((s, k) => {
    if (!drop[k]) return;
    to += file.copy(file, to, from, s.start);
    droppedBytes += s.end - s.start;
    from = s.end;
  });
  to += file.copy(file, to, from);
  return { data: file.subarray(0, to), droppedScans, droppedBytes };
}

interface Component {
  h: number;
  v: number;
  table: number;
}

interface Parsed {
  scans: Scan[];
  /** By component id: sampling factors and quantisation table. */
  components: Map<number, Component>;
  /** Quantisation tables by number, steps in zigzag order. */
  tables: Map<number, number[]>;
}

/**
 * Real encoders write ~10 scans (libjpeg's default script) and rarely over a hundred; the
 * dependency check below is quadratic in them, so a file with more is decoded whole instead.
 */
const MAX_SCANS = 1000;

/** DQT: adds its quantisation tables; false when they run past the segment. */
function readTables(file: Buffer, body: number, next: number, tables: Map<number, number[]>): boolean {
  for (let p = body; p < next; ) {
    const precision = file[p] >> 4;
    const table = file[p] & 15;
    const size = precision ? 2 : 1;
    if (p + 1 + 64 * size > next) return false;
    const steps: number[] = [];
    for (let k = 0; k < 64; k++) steps.push(precision ? file.readUInt16BE(p + 1 + 2 * k) : file[p + 1 + k]);
    tables.set(table, steps);
    p += 1 + 64 * size;
  }
  return true;
}

/** SOF2: adds the frame's components; false when they run past the segment, throws for values T.81 forbids. */
function readFrame(file: Buffer, body: number, next: number, components: Map<number, Component>): boolean {
  const count = file[body + 5];
  if (body + 6 + 3 * count > next) return false;
  for (let c = 0; c < count; c++) {
    const p = body + 6 + 3 * c;
    const h = file[p + 1] >> 4;
    const v = file[p + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4 || file[p + 2] > 3) {
      throw new InvalidScanError(`frame component ${file[p]} has sampling ${h}x${v} and table ${file[p + 2]} (allowed: 1-4, 0-3)`);
    }
    components.set(file[p], { h, v, table: file[p + 2] });
  }
  return true;
}

/** SOS at `start`: the scan, checked against the frame, with its end; null when it is cut off. */
function readScan(file: Buffer, start: number, body: number, next: number, components: Map<number, Component>): Scan | null {
  const count = file[body];
  const p = body + 1 + 2 * count;
  if (p + 3 > next) return null;
  const ids: number[] = [];
  for (let c = 0; c < count; c++) ids.push(file[body + 1 + 2 * c]);
  const scan = { start, end: 0, components: ids, ss: file[p], se: file[p + 1], ah: file[p + 2] >> 4, al: file[p + 2] & 15 };
  checkScan(scan, components);
  const end = endOfEntropyData(file, next);
  return end < 0 ? null : { ...scan, end };
}

/** Walks every marker to EOI. Null unless the file is a complete Huffman-coded progressive JPEG. */
function parse(file: Buffer): Parsed | null {
  if (file.length < 4 || file[0] !== 0xff || file[1] !== 0xd8) return null;
  const scans: Scan[] = [];
  const components = new Map<number, Component>();
  const tables = new Map<number, number[]>();
  let progressive = false;
  let i = 2;
  while (i + 2 <= file.length) {
    if (file[i] !== 0xff) return null;
    const marker = file[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd9) return progressive && scans.length > 0 ? { scans, components, tables } : null;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) return null; // not expected between segments
    if (i + 4 > file.length) return null;
    const length = file.readUInt16BE(i + 2);
    const body = i + 4;
    const next = i + 2 + length;
    if (length < 2 || next > file.length) return null;
    if (marker === 0xdb) {
      if (!readTables(file, body, next, tables)) return null;
    } else if (marker === 0xc2) {
      progressive = true;
      if (!readFrame(file, body, next, components)) return null;
    } else if (isFrameMarker(marker)) {
      return null; // baseline, lossless, arithmetic-coded, hierarchical: left alone
    } else if (marker === 0xda) {
      const scan = progressive ? readScan(file, i, body, next, components) : null;
      if (scan === null || scans.length >= MAX_SCANS) return null;
      scans.push(scan);
      i = scan.end;
      continue;
    }
    i = next;
  }
  return null; // no EOI: cut off
}

/** Throws unless a progressive scan header is one T.81 allows (G.1.1.1.1) for this frame. */
function checkScan(s: Scan, components: Map<number, Component>): void {
  const fields = `Ss=${s.ss} Se=${s.se} Ah=${s.ah} Al=${s.al}`;
  const count = s.components.length;
  if (count < 1 || count > 4) throw new InvalidScanError(`a scan names ${count} components (allowed: 1-4)`);
  const unknown = s.components.find((id) => !components.has(id));
  if (unknown !== undefined) throw new InvalidScanError(`a scan names component ${unknown}, which the frame does not have`);
  const dc = s.ss === 0;
  if (s.se > 63 || s.ss > s.se || (dc && s.se !== 0) || (!dc && count !== 1) || s.al > 13 || (s.ah !== 0 && s.ah !== s.al + 1)) {
    throw new InvalidScanError(`a progressive scan header is out of range (${fields})`);
  }
}

/** The offset of the marker that ends a scan's entropy-coded data, or -1 if the file ends first. */
function endOfEntropyData(file: Buffer, from: number): number {
  let j = from;
  for (;;) {
    j = file.indexOf(0xff, j);
    if (j < 0 || j + 1 >= file.length) return -1;
    const b = file[j + 1];
    // FF00 is a stuffed data byte, FFD0-FFD7 restart markers inside the scan, FFFF fill.
    if (b === 0x00 || (b >= 0xd0 && b <= 0xd7) || b === 0xff) {
      j += b === 0xff ? 1 : 2;
      continue;
    }
    return j;
  }
}
