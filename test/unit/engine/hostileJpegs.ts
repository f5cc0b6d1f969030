/**
 * Hand-built JPEGs that encoders never write but attackers do: a sequential file sent as one scan
 * per component (libjpeg then buffers every coefficient), and a progressive file with a huge
 * number of scans. Flat grey, built from segments (one-code Huffman tables, all-zero data).
 */

function segment(marker: number, body: Buffer): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b[0] = 0xff;
  b[1] = marker;
  b.writeUInt16BE(body.length + 2, 2);
  body.copy(b, 4);
  return b;
}

function tables(): Buffer[] {
  const q = Buffer.alloc(65, 1);
  q[0] = 0;
  // One code of length 1 for symbol 0 in each table: every block is "no change", all zeros.
  const dht = (cls: number): Buffer => Buffer.from([cls << 4, 1, ...Array(15).fill(0), 0]);
  return [segment(0xdb, q), segment(0xc4, Buffer.concat([dht(0), dht(1)]))];
}

function frame(marker: number, width: number, height: number, components: number): Buffer {
  const sof = Buffer.alloc(6 + 3 * components);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof[5] = components;
  for (let c = 0; c < components; c++) sof.set([c + 1, 0x11, 0], 6 + 3 * c);
  return segment(marker, sof);
}

/** Entropy data for `blocks` blocks of one component: two 0-bits each, padded with 1-bits. */
function zeroBlocks(blocks: number): Buffer {
  const bytes = Math.ceil((blocks * 2) / 8);
  const data = Buffer.alloc(bytes, 0);
  const pad = bytes * 8 - blocks * 2;
  if (pad > 0) data[bytes - 1] |= (1 << pad) - 1;
  return data;
}

/** A baseline (SOF0) JPEG of width x height with one scan per component. */
export function oneScanPerComponent(width: number, height: number, components = 3): Buffer {
  const parts = [Buffer.from([0xff, 0xd8]), ...tables(), frame(0xc0, width, height, components)];
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  for (let c = 0; c < components; c++) parts.push(segment(0xda, Buffer.from([1, c + 1, 0x00, 0, 63, 0])), zeroBlocks(blocks));
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

/** A greyscale progressive JPEG of 1024x1024: a DC scan, then `scans` empty AC refinement scans. */
export function manyScans(scans: number): Buffer {
  const parts = [Buffer.from([0xff, 0xd8]), ...tables(), frame(0xc2, 1024, 1024, 1)];
  parts.push(segment(0xda, Buffer.from([1, 1, 0x00, 0, 0, 0])), Buffer.alloc((128 * 128) / 8, 0));
  const refinement = segment(0xda, Buffer.from([1, 1, 0x00, 1, 63, 0x10]));
  for (let i = 0; i < scans; i++) parts.push(refinement);
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}
