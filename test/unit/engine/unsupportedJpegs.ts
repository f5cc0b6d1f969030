/**
 * Valid JPEGs of the kinds the decoders here do not support, written byte by byte (no tool on the
 * build machine writes them: libjpeg-turbo 2.1's cjpeg has no 12-bit or lossless mode):
 * - a 12-bit extended-sequential (SOF1) greyscale image of flat 8x8 blocks, the kind of
 *   libjpeg-turbo's monkey12.jpg; every block is a DC coefficient and an end-of-block code;
 * - a lossless (SOF3) greyscale image with predictor 1, its samples' differences Huffman-coded
 *   (sharp's decoder reads the 8-bit one: the writer is checked against a real decoder).
 * Both follow ITU T.81; the Huffman tables give every category a 5-bit code.
 */
import { BitWriter, segment } from '../../fuzz/encoder';

/** A Huffman table giving categories 0..count-1 the 5-bit codes 0..count-1. */
function dht(tableClass: number, count: number): Buffer {
  const bits = new Array(16).fill(0);
  bits[4] = count;
  return segment(0xc4, [(tableClass << 4) | 0, ...bits, ...Array.from({ length: count }, (_, i) => i)]);
}

/** Category and the extra bits of a difference, as T.81 F.1.2.1 codes it. */
function magnitude(diff: number): [number, number] {
  const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
  return [size, diff >= 0 ? diff : diff + (1 << size) - 1];
}

const sof = (marker: number, precision: number, width: number, height: number): Buffer =>
  segment(marker, [precision, height >> 8, height & 255, width >> 8, width & 255, 1, 1, 0x11, 0]);

/** A 12-bit greyscale JPEG (SOF1), blocks of 8x8 whose level (0..4095) is `level(bx, by)`. */
export function jpeg12bit(width = 32, height = 24, level = (bx: number, by: number): number => 512 + bx * 400 + by * 300): Buffer {
  const out = new BitWriter();
  let previous = 0;
  for (let by = 0; by < Math.ceil(height / 8); by++) {
    for (let bx = 0; bx < Math.ceil(width / 8); bx++) {
      // Quantiser 1: the DC coefficient of a flat block is 8 x (level - 2048).
      const dc = 8 * (level(bx, by) - 2048);
      const [size, bits] = magnitude(dc - previous);
      previous = dc;
      out.write(size, 5);
      out.write(bits, size);
      out.write(0, 5); // AC: end of block (symbol 0x00, code 0)
    }
  }
  out.align();
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xdb, [0x00, ...new Array(64).fill(1)]),
    sof(0xc1, 12, width, height),
    dht(0, 16),
    dht(1, 1),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    out.toBuffer(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A lossless greyscale JPEG (SOF3, predictor 1: the sample to the left) of `precision` bits. */
export function losslessJpeg(width = 32, height = 24, precision = 8, sample = (x: number, y: number): number => ((x * 5 + y * 3) & 255) << (precision - 8)): Buffer {
  const out = new BitWriter();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // T.81 H.1.2.1: the first sample against 2^(P-1), the first column against the one above.
      const prediction = x > 0 ? sample(x - 1, y) : y > 0 ? sample(0, y - 1) : 1 << (precision - 1);
      const [size, bits] = magnitude(sample(x, y) - prediction);
      out.write(size, 5);
      out.write(bits, size);
    }
  }
  out.align();
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    sof(0xc3, precision, width, height),
    dht(0, 17),
    segment(0xda, [1, 1, 0x00, 1, 0, 0]), // Ss = predictor 1, Se = 0, Ah/Al = 0
    out.toBuffer(),
    Buffer.from([0xff, 0xd9]),
  ]);
}
