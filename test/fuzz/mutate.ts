/**
 * Turns a valid seed JPEG into a hostile one with a seeded generator: blind byte damage
 * (flips, runs, truncation) plus edits aimed at the structure a decoder trusts (segment lengths,
 * frame and scan headers, Huffman and quantisation tables, restart intervals, EXIF and ICC
 * blocks, markers inside entropy-coded data). Blind damage alone mostly lands in entropy data,
 * where decoders are well tested; the aimed edits reach the header paths, where the engine's own
 * parsers (jpegHeader.ts, progressive.ts) and libjpeg's allocations live.
 */
import { isFrameMarker } from '../../src/core/jpegHeader';
import { jpegParts, type Part } from './jpegParts';
import type { Rng } from './prng';

export interface Mutant {
  bytes: Buffer;
  /** What was done, in order, e.g. ["sofDims h=16383 w=16383", "truncate @1200"]. */
  ops: string[];
}

type Edit = { bytes: Buffer; op: string } | null;
type Mutation = (bytes: Buffer, r: Rng, donors: readonly Buffer[]) => Edit;

// Values at and around the limits decoders check: 0, powers of two, 0x3FFF (sharp's default
// pixel limit is 0x3FFF squared), the 16-bit maximum.
const DIMENSIONS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 255, 256, 1023, 4096, 8191, 8192, 16383, 16384, 20000, 32767, 32768, 65534, 65535];
const BYTES = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 63, 64, 65, 127, 128, 254, 255];

const u16 = (b: Buffer, at: number): number => (at + 2 <= b.length ? b.readUInt16BE(at) : 0);

function put16(b: Buffer, at: number, value: number): void {
  if (at + 2 <= b.length) b.writeUInt16BE(value & 0xffff, at);
}

function put8(b: Buffer, at: number, value: number): boolean {
  if (at >= b.length) return false;
  b[at] = value & 255;
  return true;
}

function splice(b: Buffer, at: number, remove: number, insert: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([b.subarray(0, at), insert, b.subarray(at + remove)]);
}

/** Where the first scan's entropy data starts (the header region), or the whole file. */
function headerEnd(parts: Part[], length: number): number {
  return parts.find((p) => p.kind === 'scan')?.data ?? length;
}

function pickPart(parts: Part[], r: Rng, test: (p: Part) => boolean): Part | undefined {
  const found = parts.filter(test);
  return found.length === 0 ? undefined : r.pick(found);
}

function randomBytes(r: Rng, n: number): Buffer {
  const pattern = r.pick(['random', 'zero', 'ff', 'one'] as const);
  const fill = r.int(256);
  return Buffer.from(Array.from({ length: n }, () => (pattern === 'random' ? r.int(256) : pattern === 'zero' ? 0 : pattern === 'ff' ? 255 : fill)));
}

/** An offset to damage: half the time within the headers, where a flipped bit changes meaning. */
function offset(b: Buffer, r: Rng): number {
  const parts = jpegParts(b);
  return r.chance(0.5) ? r.int(Math.max(1, Math.min(b.length, headerEnd(parts, b.length)))) : r.int(Math.max(1, b.length));
}

const flip: Mutation = (b, r) => {
  const out = Buffer.from(b);
  const at: number[] = [];
  for (let n = r.range(1, 8); n > 0; n--) {
    const i = offset(out, r);
    out[i] ^= 1 << r.int(8);
    at.push(i);
  }
  return { bytes: out, op: `flip @${at.join(',')}` };
};

const overwrite: Mutation = (b, r) => {
  const at = offset(b, r);
  const run = randomBytes(r, Math.min(r.range(1, 64), b.length - at));
  const out = Buffer.from(b);
  run.copy(out, at);
  return { bytes: out, op: `overwrite ${run.length} @${at}` };
};

const insert: Mutation = (b, r) => {
  const at = offset(b, r);
  return { bytes: splice(b, at, 0, randomBytes(r, r.range(1, 32))), op: `insert @${at}` };
};

const truncate: Mutation = (b, r) => {
  const at = r.chance(0.1) ? r.int(4) : r.int(b.length);
  return { bytes: b.subarray(0, at), op: `truncate @${at}` };
};

/** Cut at (or a byte or two around) the start, body, data or end of a part. */
const cutAtBoundary: Mutation = (b, r) => {
  const p = r.pick(jpegParts(b));
  const at = Math.max(0, Math.min(b.length, r.pick([p.start, p.body, p.data, p.end]) + r.range(-2, 2)));
  return { bytes: b.subarray(0, at), op: `truncate @${at} (boundary of ${p.marker.toString(16)})` };
};

const dropPart: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind !== 'junk');
  if (!p) return null;
  return { bytes: splice(b, p.start, p.end - p.start), op: `drop ${p.marker.toString(16)} @${p.start}` };
};

const duplicatePart: Mutation = (b, r) => {
  const parts = jpegParts(b);
  const p = pickPart(parts, r, (q) => q.kind !== 'junk');
  if (!p) return null;
  const where = r.chance(0.5) ? p.end : r.pick(parts).start;
  return { bytes: splice(b, where, 0, Buffer.from(b.subarray(p.start, p.end))), op: `duplicate ${p.marker.toString(16)} to @${where}` };
};

const swapParts: Mutation = (b, r) => {
  const parts = jpegParts(b);
  if (parts.length < 3) return null;
  const i = r.int(parts.length);
  const j = r.int(parts.length);
  if (i === j) return null;
  const order = parts.map((_, k) => (k === i ? j : k === j ? i : k));
  return { bytes: Buffer.concat(order.map((k) => b.subarray(parts[k].start, parts[k].end))), op: `swap parts ${i},${j}` };
};

const segmentLength: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind === 'segment' || q.kind === 'scan');
  if (!p) return null;
  const length = u16(b, p.start + 2);
  const value = r.pick([0, 1, 2, 3, length - 1, length + 1, length + 16, length * 2, 65535, r.int(65536)]);
  const out = Buffer.from(b);
  put16(out, p.start + 2, value);
  return { bytes: out, op: `length of ${p.marker.toString(16)} ${length}->${value & 0xffff}` };
};

const frameDimensions: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind === 'segment' && isFrameMarker(q.marker));
  if (!p) return null;
  const out = Buffer.from(b);
  const value = (old: number): number => r.weighted<number>([[r.pick(DIMENSIONS), 6], [r.int(65536), 2], [old + r.range(-1, 1), 1], [old * 2, 1]]);
  const which = r.pick(['height', 'width', 'both'] as const);
  if (which !== 'width') put16(out, p.body + 1, value(u16(b, p.body + 1)));
  if (which !== 'height') put16(out, p.body + 3, which === 'both' && r.chance(0.5) ? u16(out, p.body + 1) : value(u16(b, p.body + 3)));
  return { bytes: out, op: `frame ${u16(b, p.body + 3)}x${u16(b, p.body + 1)} -> ${u16(out, p.body + 3)}x${u16(out, p.body + 1)}` };
};

const frameFields: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind === 'segment' && isFrameMarker(q.marker));
  if (!p) return null;
  const out = Buffer.from(b);
  const components = b[p.body + 5] ?? 0;
  const field = r.pick(['marker', 'precision', 'count', 'id', 'sampling', 'table'] as const);
  const c = p.body + 6 + 3 * r.int(Math.max(1, components));
  let value: number;
  let at: number;
  switch (field) {
    case 'marker': // another coding process: extended, progressive, lossless, hierarchical, arithmetic
      [at, value] = [p.start + 1, r.pick([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf])];
      break;
    case 'precision':
      [at, value] = [p.body, r.pick([0, 1, 7, 9, 12, 16, 255])];
      break;
    case 'count':
      [at, value] = [p.body + 5, r.pick([0, 1, 2, 3, 4, 5, 255])];
      break;
    case 'id':
      [at, value] = [c, r.chance(0.5) ? b[p.body + 6] : r.int(256)];
      break;
    case 'sampling':
      [at, value] = [c + 1, r.pick([0x00, 0x01, 0x10, 0x11, 0x12, 0x21, 0x22, 0x14, 0x41, 0x33, 0x44, 0x55, 0xff, r.int(256)])];
      break;
    case 'table':
      [at, value] = [c + 2, r.pick([0, 1, 2, 3, 4, 15, 255])];
      break;
  }
  if (!put8(out, at, value)) return null;
  return { bytes: out, op: `frame ${field}=${value}` };
};

const scanHeader: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind === 'scan');
  if (!p) return null;
  const out = Buffer.from(b);
  const count = b[p.body] ?? 0;
  const tail = p.body + 1 + 2 * count;
  const c = p.body + 1 + 2 * r.int(Math.max(1, count));
  const field = r.pick(['count', 'selector', 'tables', 'Ss', 'Se', 'Ah', 'Al', 'AhAl'] as const);
  let at: number;
  let value: number;
  switch (field) {
    case 'count':
      [at, value] = [p.body, r.pick([0, 1, 2, 3, 4, 5, 255])];
      break;
    case 'selector':
      [at, value] = [c, r.chance(0.5) ? b[p.body + 1] : r.int(256)];
      break;
    case 'tables':
      [at, value] = [c + 1, r.pick([0x00, 0x01, 0x10, 0x11, 0x22, 0x33, 0x44, 0x0f, 0xf0, 0xff, r.int(256)])];
      break;
    case 'Ss':
      [at, value] = [tail, r.pick([0, 1, 5, 62, 63, 64, 100, 255, r.int(256)])];
      break;
    case 'Se': // > 63 is the known WORKER_CRASHED of the day this harness was written
      [at, value] = [tail + 1, r.pick([0, 1, 5, 62, 63, 64, 65, 100, 200, 255, r.int(256)])];
      break;
    case 'Ah':
      [at, value] = [tail + 2, (r.int(16) << 4) | ((b[tail + 2] ?? 0) & 15)];
      break;
    case 'Al':
      [at, value] = [tail + 2, ((b[tail + 2] ?? 0) & 0xf0) | r.int(16)];
      break;
    case 'AhAl':
      [at, value] = [tail + 2, r.int(256)];
      break;
  }
  if (!put8(out, at, value)) return null;
  return { bytes: out, op: `scan @${p.start} ${field}=${value}` };
};

const huffmanTable: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind === 'segment' && q.marker === 0xc4);
  if (!p) return null;
  const out = Buffer.from(b);
  const counts = p.body + 1;
  const total = [...b.subarray(counts, counts + 16)].reduce((s, n) => s + n, 0);
  const field = r.pick(['class', 'count', 'zero', 'oversubscribe', 'symbol'] as const);
  switch (field) {
    case 'class':
      put8(out, p.body, r.pick([0x00, 0x01, 0x10, 0x11, 0x02, 0x04, 0x14, 0x1f, 0x20, 0xff, r.int(256)]));
      break;
    case 'count':
      put8(out, counts + r.int(16), r.pick([0, 1, 2, 16, 128, 255, r.int(256)]));
      break;
    case 'zero':
      out.fill(0, counts, Math.min(out.length, counts + 16));
      break;
    case 'oversubscribe': // more codes of a length than the code space has
      put8(out, counts + r.int(4), r.range(3, 20));
      break;
    case 'symbol':
      if (total === 0 || !put8(out, counts + 16 + r.int(total), r.int(256))) return null;
      break;
  }
  return { bytes: out, op: `DHT @${p.start} ${field}` };
};

const quantisationTable: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind === 'segment' && q.marker === 0xdb);
  if (!p) return null;
  const out = Buffer.from(b);
  const field = r.pick(['table', 'zero', 'step', 'max'] as const);
  switch (field) {
    case 'table': // 16-bit precision with 8-bit data, table ids past 3
      put8(out, p.body, r.pick([0x10, 0x11, 0x04, 0x0f, 0x13, 0xff, r.int(256)]));
      break;
    case 'zero':
      out.fill(0, p.body + 1, Math.min(p.end, p.body + 65));
      break;
    case 'step':
      put8(out, p.body + 1 + r.int(64), r.pick([0, 1, 255]));
      break;
    case 'max':
      out.fill(255, p.body + 1, Math.min(p.end, p.body + 65));
      break;
  }
  return { bytes: out, op: `DQT @${p.start} ${field}` };
};

/** Markers and damage inside entropy-coded data: an early EOI, a stray SOS or SOI, wrong RSTn, unstuffed FF. */
const entropyData: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.kind === 'scan' && q.end > q.data);
  if (!p) return null;
  const at = r.range(p.data, p.end - 1);
  const what = r.pick(['EOI', 'EOI', 'RST', 'SOI', 'SOS', 'marker', 'unstuff', 'zeros', 'repeat'] as const);
  let insert: Buffer;
  switch (what) {
    case 'EOI':
      insert = Buffer.from([0xff, 0xd9]);
      break;
    case 'RST':
      insert = Buffer.from([0xff, 0xd0 + r.int(8)]);
      break;
    case 'SOI':
      insert = Buffer.from([0xff, 0xd8]);
      break;
    case 'SOS':
      insert = Buffer.from(b.subarray(p.start, p.data));
      break;
    case 'marker':
      insert = Buffer.from([0xff, r.range(0x01, 0xfe)]);
      break;
    case 'unstuff': {
      const stuffed = b.indexOf(Buffer.from([0xff, 0x00]), at);
      if (stuffed < 0 || stuffed >= p.end) return null;
      return { bytes: splice(b, stuffed + 1, 1), op: `entropy unstuff @${stuffed}` };
    }
    case 'zeros': {
      const out = Buffer.from(b);
      out.fill(0, at, Math.min(p.end, at + r.range(1, 4096)));
      return { bytes: out, op: `entropy zeros @${at}` };
    }
    case 'repeat': {
      const n = Math.min(p.end - at, r.range(1, 2048));
      return { bytes: splice(b, at, 0, Buffer.from(b.subarray(at, at + n))), op: `entropy repeat ${n} @${at}` };
    }
  }
  return { bytes: splice(b, at, 0, insert), op: `entropy ${what} @${at}` };
};

const restartInterval: Mutation = (b, r) => {
  const parts = jpegParts(b);
  const interval = r.pick([0, 1, 2, 3, 7, 255, 65535, r.int(65536)]);
  const dri = pickPart(parts, r, (q) => q.kind === 'segment' && q.marker === 0xdd);
  const rst = pickPart(parts, r, (q) => q.kind === 'scan');
  const markers: number[] = [];
  if (rst) for (let j = b.indexOf(0xff, rst.data); j >= 0 && j < rst.end; j = b.indexOf(0xff, j + 1)) if (b[j + 1] >= 0xd0 && b[j + 1] <= 0xd7) markers.push(j);
  if (markers.length > 0 && r.chance(0.5)) {
    const j = r.pick(markers);
    if (r.chance(0.5)) return { bytes: splice(b, j, 2), op: `RST removed @${j}` };
    const out = Buffer.from(b);
    out[j + 1] = 0xd0 + r.int(8);
    return { bytes: out, op: `RST renumbered @${j}` };
  }
  if (dri) {
    const out = Buffer.from(b);
    put16(out, dri.body, interval);
    return { bytes: out, op: `DRI ${interval}` };
  }
  const sos = parts.find((q) => q.kind === 'scan');
  if (!sos) return null;
  return { bytes: splice(b, sos.start, 0, Buffer.from([0xff, 0xdd, 0, 4, interval >> 8, interval & 255])), op: `DRI added ${interval}` };
};

/** An EXIF block with one orientation entry: value, type and count as given. */
function exifBlock(value: number, type: number, count: number, ifd = 8): Buffer {
  const body = Buffer.alloc(6 + 8 + 2 + 12 + 4);
  body.write('Exif\0\0', 0, 'latin1');
  body.write('MM\0*', 6, 'latin1');
  body.writeUInt32BE(ifd, 10);
  body.writeUInt16BE(1, 14);
  body.writeUInt16BE(0x0112, 16);
  body.writeUInt16BE(type, 18);
  body.writeUInt32BE(count, 20);
  body.writeUInt16BE(value, 24);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

const exif: Mutation = (b, r) => {
  const parts = jpegParts(b);
  const app1 = pickPart(parts, r, (q) => q.marker === 0xe1 && b.toString('latin1', q.body, q.body + 6) === 'Exif\0\0');
  if (app1 && r.chance(0.6)) {
    const out = Buffer.from(b);
    // The orientation entry's value, wherever it is (either byte order), or any byte of the block.
    const tag = [Buffer.from([0x01, 0x12]), Buffer.from([0x12, 0x01])].map((t) => b.indexOf(t, app1.body)).find((j) => j >= 0 && j < app1.end);
    if (tag !== undefined && r.chance(0.6)) {
      const value = r.pick([0, 5, 6, 7, 8, 9, 255, 65535]);
      out[tag + 8] = value & 255;
      out[tag + 9] = value >> 8;
      return { bytes: out, op: `EXIF orientation bytes ${value}` };
    }
    const at = r.range(app1.body, Math.max(app1.body, app1.end - 1));
    put8(out, at, r.pick(BYTES));
    return { bytes: out, op: `EXIF byte @${at}` };
  }
  const block = exifBlock(r.pick([0, 1, 3, 6, 8, 9, 65535]), r.pick([3, 3, 3, 4, 1, 0]), r.pick([1, 1, 1, 0, 2, 0x7fffffff]), r.pick([8, 8, 8, 0, 0xfffffff0]));
  const after = parts[0]?.marker === 0xd8 ? parts[0].end : 0;
  return { bytes: splice(b, after, 0, block), op: 'EXIF block added' };
};

const iccProfile: Mutation = (b, r) => {
  const p = pickPart(jpegParts(b), r, (q) => q.marker === 0xe2 && b.toString('latin1', q.body, q.body + 12) === 'ICC_PROFILE\0');
  if (!p) return null;
  const out = Buffer.from(b);
  const profile = p.body + 14;
  const field = r.pick(['sequence', 'chunks', 'size', 'tags', 'tag', 'byte'] as const);
  switch (field) {
    case 'sequence':
      put8(out, p.body + 12, r.pick([0, 2, 255]));
      break;
    case 'chunks':
      put8(out, p.body + 13, r.pick([0, 1, 2, 255]));
      break;
    case 'size':
      if (profile + 4 <= out.length) out.writeUInt32BE(r.pick([0, 1, 128, 0x7fffffff, 0xffffffff]), profile);
      break;
    case 'tags':
      if (profile + 132 <= out.length) out.writeUInt32BE(r.pick([0, 1000, 0x7fffffff]), profile + 128);
      break;
    case 'tag': {
      const at = profile + 132 + 12 * r.int(8) + 4 * r.range(1, 2);
      if (at + 4 > p.end) return null;
      out.writeUInt32BE(r.pick([0, 0xffff, 0xfffffff0]), at);
      break;
    }
    case 'byte':
      put8(out, r.range(p.body, p.end - 1), r.int(256));
      break;
  }
  return { bytes: out, op: `ICC ${field}` };
};

/** Pieces of two valid files joined: a header over another file's scans, a second frame header, a file after EOI. */
const crossover: Mutation = (b, r, donors) => {
  if (donors.length === 0) return null;
  const d = r.pick(donors);
  const mine = jpegParts(b);
  const theirs = jpegParts(d);
  const myScan = mine.find((q) => q.kind === 'scan');
  const theirScan = theirs.find((q) => q.kind === 'scan');
  const how = r.pick(['scans', 'frame', 'append'] as const);
  if (how === 'scans' && myScan && theirScan) {
    return { bytes: Buffer.concat([b.subarray(0, myScan.start), d.subarray(theirScan.start)]), op: 'crossover: another file\u2019s scans' };
  }
  const frame = theirs.find((q) => q.kind === 'segment' && isFrameMarker(q.marker));
  if (how === 'frame' && frame && myScan) {
    return { bytes: splice(b, myScan.start, 0, Buffer.from(d.subarray(frame.start, frame.end))), op: 'crossover: second frame header' };
  }
  return { bytes: Buffer.concat([b, d.subarray(0, r.int(d.length))]), op: 'crossover: appended' };
};

const tail: Mutation = (b, r) => {
  if (r.chance(0.5) && b.length > 2) return { bytes: b.subarray(0, b.length - 2), op: 'EOI removed' };
  return { bytes: Buffer.concat([b, randomBytes(r, r.range(1, 5000))]), op: 'bytes after EOI' };
};

const MUTATIONS: ReadonlyArray<readonly [Mutation, number]> = [
  [flip, 10],
  [overwrite, 6],
  [insert, 3],
  [truncate, 6],
  [cutAtBoundary, 5],
  [dropPart, 5],
  [duplicatePart, 4],
  [swapParts, 3],
  [segmentLength, 5],
  [frameDimensions, 7],
  [frameFields, 5],
  [scanHeader, 7],
  [huffmanTable, 5],
  [quantisationTable, 4],
  [entropyData, 6],
  [restartInterval, 3],
  [exif, 3],
  [iccProfile, 2],
  [crossover, 3],
  [tail, 2],
];

/**
 * One mutant of `seed`: one to four mutations, each applied to the previous one's output.
 * `donors` are the other seeds, for crossovers. Deterministic for the state of `r`.
 */
export function mutate(seed: Buffer, r: Rng, donors: readonly Buffer[]): Mutant {
  let bytes = seed;
  const ops: string[] = [];
  const count = r.weighted([[1, 60], [2, 25], [3, 10], [4, 5]]);
  for (let tries = 0; ops.length < count && tries < 20; tries++) {
    if (bytes.length === 0) break;
    const edit = r.weighted(MUTATIONS)(bytes, r, donors);
    if (!edit) continue;
    bytes = edit.bytes;
    ops.push(edit.op);
  }
  return { bytes, ops };
}
