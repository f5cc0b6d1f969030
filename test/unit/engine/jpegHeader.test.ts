import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { iccProfile, parseJpegHeader, unsupportedJpeg } from '../../../src/core/jpegHeader';
import { jpeg12bit, losslessJpeg } from './unsupportedJpegs';
import { bomb, jpeg, orientedJpeg, sharp, tempFolder } from './fixtures';

suite('engine: JPEG header reader', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('agrees with sharp on size and orientation 1..8', async () => {
    for (let o = 1; o <= 8; o++) {
      const file = await orientedJpeg(path.join(dir, `o${o}.jpg`), 40, 20, o);
      const meta = await sharp(file).metadata();
      const h = parseJpegHeader(readFileSync(file));
      assert.ok(h);
      assert.deepEqual([h.width, h.height, h.orientation, h.components], [meta.width, meta.height, meta.orientation, 3]);
    }
  });

  test('greyscale, progressive, huge dimensions', async () => {
    const grey = path.join(dir, 'g.jpg');
    await sharp(Buffer.alloc(64), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace('b-w').jpeg().toFile(grey);
    assert.equal(parseJpegHeader(readFileSync(grey))?.components, 1);
    const prog = await jpeg(path.join(dir, 'p.jpg'), 30, 10, { progressive: true });
    assert.deepEqual(
      (({ width, height, progressive }) => ({ width, height, progressive }))(parseJpegHeader(readFileSync(prog))!),
      { width: 30, height: 10, progressive: true },
    );
    const b = await bomb(path.join(dir, 'b.jpg'), 30000, 30000);
    assert.deepEqual([parseJpegHeader(readFileSync(b))?.width, parseJpegHeader(readFileSync(b))?.height], [30000, 30000]);
  });

  test('defers to libvips (null) when it cannot be sure', async () => {
    const file = await orientedJpeg(path.join(dir, 'o6.jpg'), 40, 20, 6);
    const bytes = readFileSync(file);
    // Cut inside the EXIF block, before the frame header.
    const app1 = bytes.indexOf(Buffer.from('Exif\0\0', 'latin1'));
    assert.ok(app1 > 0);
    assert.equal(parseJpegHeader(bytes.subarray(0, app1 + 10)), null);
    // Two EXIF blocks: which one libexif reads is not ours to guess.
    const segStart = app1 - 4;
    const segLen = bytes.readUInt16BE(segStart + 2) + 2;
    const twice = Buffer.concat([bytes.subarray(0, segStart + segLen), bytes.subarray(segStart, segStart + segLen), bytes.subarray(segStart + segLen)]);
    assert.equal(parseJpegHeader(twice), null);
    assert.equal(parseJpegHeader(Buffer.from('not a jpeg')), null);
  });

  test('tells a plain sRGB profile (skipped transform) from none and from any other', async () => {
    const make = (icc?: string): Promise<Buffer> => {
      const img = sharp({ create: { width: 8, height: 8, channels: 3, background: '#c03030' } });
      return (icc ? img.withIccProfile(icc) : img).jpeg().toBuffer();
    };
    assert.equal(iccProfile(await make('srgb')), 'srgb');
    assert.equal(iccProfile(await make('p3')), 'other');
    const plain = await make();
    assert.equal(iccProfile(plain), 'none');
    // 'none' only when the walk reached the first scan: a profile could follow a cut head.
    const scan = plain.indexOf(Buffer.from([0xff, 0xda]));
    assert.equal(iccProfile(plain.subarray(0, scan + 4)), 'none');
    assert.equal(iccProfile(plain.subarray(0, scan)), 'other');
    const cmyk = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c03030' } }).toColourspace('cmyk').jpeg().toBuffer();
    assert.equal(iccProfile(cmyk), 'none'); // sharp writes CMYK without a profile
  });

  test('precision and process: 12-bit and hierarchical are unsupported, 8-bit baseline, progressive and lossless are not', async () => {
    const baseline = parseJpegHeader(readFileSync(await jpeg(path.join(dir, 'b.jpg'), 16, 16)))!;
    const progressive = parseJpegHeader(readFileSync(await jpeg(path.join(dir, 'p.jpg'), 16, 16, { progressive: true })))!;
    const twelve = parseJpegHeader(jpeg12bit())!;
    const lossless = parseJpegHeader(losslessJpeg())!;
    assert.deepEqual([baseline, progressive, twelve, lossless].map((h) => [h.sof, h.precision]), [[0xc0, 8], [0xc2, 8], [0xc1, 12], [0xc3, 8]]);
    assert.equal(unsupportedJpeg(baseline), null);
    assert.equal(unsupportedJpeg(progressive), null);
    assert.equal(unsupportedJpeg(lossless), null);
    assert.match(unsupportedJpeg(twelve)!, /^is a JPEG \(SOF1\) with 12 bits per sample/);
    assert.match(unsupportedJpeg({ sof: 0xc7, precision: 16 })!, /^is a hierarchical lossless JPEG \(SOF7\) with 16 bits per sample/);
    assert.match(unsupportedJpeg({ sof: 0xc5, precision: 8 })!, /^is a hierarchical JPEG \(SOF5\),/);
  });
});
