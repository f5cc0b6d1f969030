import { allocateFresh, type Allocate } from './buffers';

/**
 * Area-averaging ("box", pixel-mixing) downscale of interleaved 8-bit pixels, in plain JS.
 *
 * Used for the small thumbnails (here 256 px and below) made from an already well-filtered,
 * larger level: each output pixel is the exact area-weighted mean of the source pixels it covers.
 * A libvips resize costs ~2 ms of fixed set-up per call whatever the size (bench/README.md, "What
 * was measured and decided"); this costs a fraction of that and, being an average, never rings. Only for shrinking (dw <= sw, dh <= sh).
 */
export function areaDownscale(
  src: Uint8Array,
  sw: number,
  sh: number,
  channels: number,
  dw: number,
  dh: number,
  allocate: Allocate = allocateFresh,
): Buffer {
  if (dw > sw || dh > sh || dw < 1 || dh < 1) throw new RangeError(`areaDownscale ${sw}x${sh} -> ${dw}x${dh}`);
  if (sw === 2 * dw && sh === 2 * dh) return quarter(src, channels, dw, dh, allocate(dw * dh * channels));
  const xs = spans(sw, dw);
  const ys = spans(sh, dh);
  const stride = dw * channels;
  // Horizontal pass, one source row at a time, into a float row; the vertical pass accumulates
  // whole rows (sequential memory, no per-pixel gathers across rows).
  const acc = new Float32Array(stride);
  const row = new Float32Array(stride);
  const out = allocate(dh * stride);
  // The source row `row` holds: a row on the boundary of two output rows is averaged once.
  let rowY = -1;
  const half = sw === 2 * dw;
  for (let oy = 0; oy < dh; oy++) {
    acc.fill(0);
    const yFirst = ys.first[oy];
    const yCount = ys.count[oy];
    const yOff = ys.offset[oy];
    for (let k = 0; k < yCount; k++) {
      const y = yFirst + k;
      if (y !== rowY) {
        if (half) halve(src, y * sw * channels, channels, dw, row);
        else horizontal(src, y * sw * channels, channels, xs, dw, row);
        rowY = y;
      }
      const wy = ys.weights[yOff + k];
      for (let i = 0; i < stride; i++) acc[i] += wy * row[i];
    }
    const scale = ys.scale[oy];
    const base = oy * stride;
    for (let i = 0; i < stride; i++) {
      const v = acc[i] * scale + 0.5;
      out[base + i] = v >= 255 ? 255 : v | 0;
    }
  }
  return out;
}

/**
 * Both sizes halve exactly (the ladder's 512x384 -> 256x192 -> ...): each output pixel is the
 * rounded mean of a 2x2 block, in integers, as the float passes below compute it (tested) in
 * about two thirds of their time.
 */
function quarter(src: Uint8Array, channels: number, dw: number, dh: number, out: Buffer): Buffer {
  const rowBytes = 2 * dw * channels;
  // Two source rows summed first (a linear pass), then pairs of pixels of that sum.
  const pair = new Uint16Array(rowBytes);
  let o = 0;
  for (let oy = 0; oy < dh; oy++) {
    const top = 2 * oy * rowBytes;
    for (let j = 0; j < rowBytes; j++) pair[j] = src[top + j] + src[top + rowBytes + j];
    for (let p = 0; p < rowBytes; p += channels) {
      for (let c = 0; c < channels; c++) out[o++] = (pair[p + c] + pair[p + channels + c] + 2) >> 2;
      p += channels;
    }
  }
  return out;
}

/** The horizontal pass when the width halves exactly: each output pixel is the mean of two. */
function halve(src: Uint8Array, rowStart: number, channels: number, dw: number, row: Float32Array): void {
  const n = dw * channels;
  for (let i = 0, p = rowStart; i < n; i += channels, p += 2 * channels) {
    for (let c = 0; c < channels; c++) row[i + c] = (src[p + c] + src[p + channels + c]) * 0.5;
  }
}

function horizontal(src: Uint8Array, rowStart: number, channels: number, xs: Spans, dw: number, row: Float32Array): void {
  if (channels === 3) {
    for (let x = 0; x < dw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let p = rowStart + xs.first[x] * 3;
      const end = xs.offset[x] + xs.count[x];
      for (let k = xs.offset[x]; k < end; k++, p += 3) {
        const w = xs.weights[k];
        r += w * src[p];
        g += w * src[p + 1];
        b += w * src[p + 2];
      }
      const s = xs.scale[x];
      row[x * 3] = r * s;
      row[x * 3 + 1] = g * s;
      row[x * 3 + 2] = b * s;
    }
    return;
  }
  for (let x = 0; x < dw; x++) {
    for (let c = 0; c < channels; c++) {
      let v = 0;
      let p = rowStart + xs.first[x] * channels + c;
      const end = xs.offset[x] + xs.count[x];
      for (let k = xs.offset[x]; k < end; k++, p += channels) v += xs.weights[k] * src[p];
      row[x * channels + c] = v * xs.scale[x];
    }
  }
}

/** For each output index: the first source index it covers, how many, and their weights. */
interface Spans {
  first: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  weights: Float32Array;
  /** 1 / sum of the weights of each output index. */
  scale: Float32Array;
}

function spans(sourceSize: number, destSize: number): Spans {
  const ratio = sourceSize / destSize;
  const first = new Int32Array(destSize);
  const count = new Int32Array(destSize);
  const offset = new Int32Array(destSize);
  const scale = new Float32Array(destSize);
  const weights: number[] = [];
  for (let d = 0; d < destSize; d++) {
    const start = d * ratio;
    const end = Math.min(sourceSize, (d + 1) * ratio);
    const lo = Math.floor(start);
    const hi = Math.min(sourceSize - 1, Math.ceil(end) - 1);
    first[d] = lo;
    count[d] = hi - lo + 1;
    offset[d] = weights.length;
    let sum = 0;
    for (let s = lo; s <= hi; s++) {
      const w = Math.min(end, s + 1) - Math.max(start, s);
      weights.push(w);
      sum += w;
    }
    scale[d] = 1 / sum;
  }
  return { first, count, offset, weights: Float32Array.from(weights), scale };
}
