/**
 * A small baseline JPEG encoder for the seeds sharp cannot make: chroma sampled 4:2:2, 4:4:0 or
 * 4:1:1, and restart markers (libvips writes neither). It borrows the quantisation and Huffman
 * tables of a JPEG that sharp wrote (libjpeg's standard tables), so only the DCT, the MCU walk
 * and the entropy coding live here. Slow and plain: seeds are made once per run.
 */

export interface EncodeInput {
  width: number;
  height: number;
  /** Packed RGB (3 channels) or grey (1 channel) pixels, row by row. */
  pixels: Buffer;
  channels: 1 | 3;
  /** [h, v] sampling factors per component, luma first; each must divide the largest. */
  sampling: ReadonlyArray<readonly [number, number]>;
  /** MCUs between restart markers; 0 or absent: none. */
  restartInterval?: number;
  /**
   * A colour baseline JPEG written by sharp with optimiseCoding off: its DQT and DHT segments
   * (tables 0 for luma, 1 for chroma) are used as they are.
   */
  tablesFrom: Buffer;
}

/** Row and column of each zigzag position. */
const ZIGZAG: number[] = (() => {
  const order: number[] = [];
  for (let d = 0; d < 15; d++) {
    for (let i = 0; i <= d; i++) {
      const [r, c] = d % 2 === 0 ? [d - i, i] : [i, d - i];
      if (r < 8 && c < 8) order.push(r * 8 + c);
    }
  }
  return order;
})();

const COS: number[] = Array.from({ length: 64 }, (_, k) => Math.cos(((2 * (k >> 3) + 1) * (k & 7) * Math.PI) / 16));

type Code = { code: number; length: number };

interface Tables {
  /** The DQT and DHT segments, copied into the output. */
  segments: Buffer[];
  quant: Map<number, number[]>;
  /** Keyed by class * 16 + id (0 = DC, 1 = AC). */
  huffman: Map<number, Code[]>;
}

function readTables(jpeg: Buffer): Tables {
  const segments: Buffer[] = [];
  const quant = new Map<number, number[]>();
  const huffman = new Map<number, Code[]>();
  for (let i = 2; i + 4 <= jpeg.length && jpeg[i] === 0xff; ) {
    const marker = jpeg[i + 1];
    if (marker === 0xda) break;
    const end = i + 2 + jpeg.readUInt16BE(i + 2);
    if (marker === 0xdb) {
      segments.push(jpeg.subarray(i, end));
      for (let p = i + 4; p < end; p += 65) quant.set(jpeg[p] & 15, [...jpeg.subarray(p + 1, p + 65)]);
    } else if (marker === 0xc4) {
      segments.push(jpeg.subarray(i, end));
      for (let p = i + 4; p < end; ) {
        const counts = jpeg.subarray(p + 1, p + 17);
        const total = counts.reduce((s, n) => s + n, 0);
        const values = jpeg.subarray(p + 17, p + 17 + total);
        // Canonical codes, as Annex C of the standard builds them.
        const codes: Code[] = [];
        let code = 0;
        let k = 0;
        for (let length = 1; length <= 16; length++) {
          for (let n = 0; n < counts[length - 1]; n++) codes[values[k++]] = { code: code++, length };
          code <<= 1;
        }
        huffman.set((jpeg[p] >> 4) * 16 + (jpeg[p] & 15), codes);
        p += 17 + total;
      }
    }
    i = end;
  }
  if (!quant.has(0) || !quant.has(1) || huffman.size < 4) throw new Error('tablesFrom: needs a colour JPEG with standard tables');
  return { segments, quant, huffman };
}

/** Entropy-coded data: bits in, bytes out with 0xFF stuffed (T.81 F.1.2.3). */
export class BitWriter {
  private readonly bytes: number[] = [];
  private acc = 0;
  private count = 0;
  write(value: number, length: number): void {
    for (let b = length - 1; b >= 0; b--) {
      this.acc = (this.acc << 1) | ((value >> b) & 1);
      if (++this.count === 8) this.flushByte();
    }
  }
  /** Pads the last byte with ones, as the standard asks before a marker. */
  align(): void {
    while (this.count !== 0) this.write(1, 1);
  }
  marker(code: number): void {
    this.bytes.push(0xff, code);
  }
  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0); // byte stuffing
    this.acc = 0;
    this.count = 0;
  }
}

/** Bits needed for |v| (the JPEG "category"), and the value's bits as the standard stores them. */
function category(v: number): [number, number] {
  const a = Math.abs(v);
  const size = a === 0 ? 0 : Math.floor(Math.log2(a)) + 1;
  return [size, v < 0 ? v + (1 << size) - 1 : v];
}

/** A marker segment: the marker, its length, its body. */
export function segment(marker: number, body: number[]): Buffer {
  return Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body]);
}

/** Encodes a baseline (SOF0) JPEG with the given sampling and restart interval. */
export function encodeBaseline(input: EncodeInput): Buffer {
  const { width, height, pixels, channels, sampling } = input;
  const tables = readTables(input.tablesFrom);
  const hMax = Math.max(...sampling.map(([h]) => h));
  const vMax = Math.max(...sampling.map(([, v]) => v));
  // Full-resolution planes (Y, Cb, Cr as JFIF defines them), then box-averaged to each sampling.
  const full: Float64Array[] = Array.from({ length: channels }, () => new Float64Array(width * height));
  for (let i = 0; i < width * height; i++) {
    if (channels === 1) {
      full[0][i] = pixels[i];
      continue;
    }
    const [r, g, b] = [pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]];
    full[0][i] = 0.299 * r + 0.587 * g + 0.114 * b;
    full[1][i] = -0.168736 * r - 0.331264 * g + 0.5 * b + 128;
    full[2][i] = 0.5 * r - 0.418688 * g - 0.081312 * b + 128;
  }
  const planes = full.map((plane, c) => {
    const [h, v] = sampling[c];
    const sx = hMax / h;
    const sy = vMax / v;
    const w = Math.ceil(width / sx);
    const ht = Math.ceil(height / sy);
    const out = new Float64Array(w * ht);
    for (let y = 0; y < ht; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = 0; dy < sy && y * sy + dy < height; dy++) {
          for (let dx = 0; dx < sx && x * sx + dx < width; dx++, n++) sum += plane[(y * sy + dy) * width + x * sx + dx];
        }
        out[y * w + x] = sum / n;
      }
    }
    return { data: out, width: w, height: ht };
  });

  const out = new BitWriter();
  const predictions = new Array<number>(channels).fill(0);
  const block = new Float64Array(64);
  const row = new Float64Array(64);
  const encodeBlock = (c: number, bx: number, by: number): void => {
    const p = planes[c];
    for (let k = 0; k < 64; k++) {
      const x = Math.min(p.width - 1, bx * 8 + (k & 7));
      const y = Math.min(p.height - 1, by * 8 + (k >> 3));
      block[k] = p.data[y * p.width + x] - 128;
    }
    // Separable DCT-II: rows, then columns.
    for (let y = 0; y < 8; y++) {
      for (let u = 0; u < 8; u++) {
        let s = 0;
        for (let x = 0; x < 8; x++) s += block[y * 8 + x] * COS[x * 8 + u];
        row[y * 8 + u] = s * (u === 0 ? Math.SQRT1_2 : 1) * 0.5;
      }
    }
    const quant = tables.quant.get(c === 0 ? 0 : 1) as number[];
    const dc = tables.huffman.get(c === 0 ? 0 : 1) as Code[];
    const ac = tables.huffman.get(c === 0 ? 16 : 17) as Code[];
    const coefficients: number[] = [];
    for (let z = 0; z < 64; z++) {
      const k = ZIGZAG[z];
      const [v, u] = [k >> 3, k & 7];
      let s = 0;
      for (let y = 0; y < 8; y++) s += row[y * 8 + u] * COS[y * 8 + v];
      coefficients.push(Math.round((s * (v === 0 ? Math.SQRT1_2 : 1) * 0.5) / quant[z]));
    }
    const [dcSize, dcBits] = category(coefficients[0] - predictions[c]);
    predictions[c] = coefficients[0];
    out.write(dc[dcSize].code, dc[dcSize].length);
    out.write(dcBits, dcSize);
    let run = 0;
    for (let z = 1; z < 64; z++) {
      if (coefficients[z] === 0) {
        run++;
        continue;
      }
      for (; run >= 16; run -= 16) out.write(ac[0xf0].code, ac[0xf0].length);
      const [size, bits] = category(coefficients[z]);
      const symbol = (run << 4) | size;
      out.write(ac[symbol].code, ac[symbol].length);
      out.write(bits, size);
      run = 0;
    }
    if (run > 0) out.write(ac[0].code, ac[0].length);
  };

  // One component alone is a non-interleaved scan: its MCU is one block whatever its sampling.
  const single = channels === 1;
  const mcusX = single ? Math.ceil(planes[0].width / 8) : Math.ceil(width / (8 * hMax));
  const mcusY = single ? Math.ceil(planes[0].height / 8) : Math.ceil(height / (8 * vMax));
  const interval = input.restartInterval ?? 0;
  let restarts = 0;
  for (let m = 0; m < mcusX * mcusY; m++) {
    if (interval > 0 && m > 0 && m % interval === 0) {
      out.align();
      out.marker(0xd0 + (restarts++ & 7));
      predictions.fill(0);
    }
    const [mx, my] = [m % mcusX, Math.floor(m / mcusX)];
    if (single) {
      encodeBlock(0, mx, my);
      continue;
    }
    for (let c = 0; c < channels; c++) {
      const [h, v] = sampling[c];
      for (let y = 0; y < v; y++) for (let x = 0; x < h; x++) encodeBlock(c, mx * h + x, my * v + y);
    }
  }
  out.align();

  const ids = Array.from({ length: channels }, (_, c) => c + 1);
  const sof = segment(0xc0, [
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    channels,
    ...ids.flatMap((id, c) => [id, (sampling[c][0] << 4) | sampling[c][1], c === 0 ? 0 : 1]),
  ]);
  const sos = segment(0xda, [channels, ...ids.flatMap((id, c) => [id, c === 0 ? 0x00 : 0x11]), 0, 63, 0]);
  const dri = interval > 0 ? [segment(0xdd, [interval >> 8, interval & 255])] : [];
  return Buffer.concat([Buffer.from([0xff, 0xd8]), ...tables.segments, sof, ...dri, sos, out.toBuffer(), Buffer.from([0xff, 0xd9])]);
}
