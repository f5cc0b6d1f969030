/**
 * The valid JPEGs the fuzzer mutates: one or more of every kind the engine handles (baseline
 * 4:2:0 / 4:4:4 / 4:2:2 / 4:4:0 / 4:1:1, greyscale, progressive small and big enough to be
 * shrunk on load and have scans trimmed, CMYK, sRGB and other ICC profiles, EXIF orientations,
 * restart markers, 1x1 and odd sizes, a 12 MP photo, a frame header beyond the first 64 KB).
 * Made with sharp, or with encoder.ts where sharp has no option for it; the same bytes every
 * run (the pictures come from a fixed generator), kept in memory once made.
 */
import sharp, { type JpegOptions, type Sharp } from 'sharp';
import { encodeBaseline } from './encoder';
import { rng } from './prng';

export interface Seed {
  /** Short and unique; used in mutant file names. */
  name: string;
  bytes: Buffer;
}

/**
 * A picture with something for every part of a decoder to do: smooth gradients, sharp edges,
 * fine noise. Deterministic for a given size.
 */
function picture(width: number, height: number, channels: 1 | 3): Buffer {
  const random = rng(width * 65537 + height);
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const noise = random.int(24);
      const edge = ((x >> 5) + (y >> 5)) & 1 ? 40 : 0;
      const i = (y * width + x) * channels;
      data[i] = Math.min(255, (x * 200) / Math.max(1, width - 1) + edge + noise);
      if (channels === 3) {
        data[i + 1] = Math.min(255, (y * 200) / Math.max(1, height - 1) + noise);
        data[i + 2] = (x * 7 + y * 13 + noise) & 255;
      }
    }
  }
  return data;
}

function from(width: number, height: number, channels: 1 | 3 = 3): Sharp {
  return sharp(picture(width, height, channels), { raw: { width, height, channels } });
}

/** Inserts marker segments right after SOI (JFIF APP0 kept first when there is one). */
function insertAfterStart(jpeg: Buffer, segments: Buffer[]): Buffer {
  const at = jpeg[3] === 0xe0 ? 4 + jpeg.readUInt16BE(4) : 2;
  return Buffer.concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)]);
}

function segment(marker: number, body: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** The same JPEG with its one-segment ICC profile split over two APP2 segments (as big profiles are). */
function splitIccProfile(jpeg: Buffer): Buffer {
  for (let i = 2; i + 4 <= jpeg.length && jpeg[i] === 0xff; ) {
    const end = i + 2 + jpeg.readUInt16BE(i + 2);
    if (jpeg[i + 1] === 0xe2 && jpeg.toString('latin1', i + 4, i + 16) === 'ICC_PROFILE\0') {
      const profile = jpeg.subarray(i + 18, end);
      const half = profile.length >> 1;
      const chunk = (n: number, bytes: Buffer): Buffer => segment(0xe2, Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([n, 2]), bytes]));
      return Buffer.concat([jpeg.subarray(0, i), chunk(1, profile.subarray(0, half)), chunk(2, profile.subarray(half)), jpeg.subarray(end)]);
    }
    i = end;
  }
  throw new Error('no ICC profile to split');
}

async function makeSeeds(): Promise<Seed[]> {
  const q = (quality: number, more: JpegOptions = {}): JpegOptions => ({ quality, ...more });
  const tablesFrom = await from(16, 16).jpeg({ quality: 85, optimiseCoding: false }).toBuffer();
  const encoded = (width: number, height: number, sampling: Array<[number, number]>, restartInterval = 0): Buffer => {
    const channels = sampling.length === 1 ? 1 : 3;
    return encodeBaseline({ width, height, pixels: picture(width, height, channels), channels, sampling, restartInterval, tablesFrom });
  };
  const seeds: Array<[string, Promise<Buffer> | Buffer]> = [
    ['base420', from(640, 480).jpeg(q(85)).toBuffer()],
    ['base444', from(500, 375).jpeg(q(92, { chromaSubsampling: '4:4:4' })).toBuffer()],
    ['base422', encoded(480, 360, [[2, 1], [1, 1], [1, 1]])],
    ['base440', encoded(250, 180, [[1, 2], [1, 1], [1, 1]])],
    ['base411', encoded(320, 97, [[4, 1], [1, 1], [1, 1]])],
    ['restart420', encoded(320, 240, [[2, 2], [1, 1], [1, 1]], 4)],
    ['restart422', encoded(203, 150, [[2, 1], [1, 1], [1, 1]], 1)],
    ['restartgrey', encoded(129, 65, [[1, 1]], 3)],
    ['grey', from(300, 200, 1).toColourspace('b-w').jpeg(q(85)).toBuffer()],
    ['greyprog', from(400, 300, 1).toColourspace('b-w').jpeg(q(95, { progressive: true })).toBuffer()],
    ['prog', from(800, 600).jpeg(q(92, { progressive: true })).toBuffer()],
    ['prog444', from(640, 427).jpeg(q(95, { progressive: true, chromaSubsampling: '4:4:4' })).toBuffer()],
    ['progodd', from(1001, 667).jpeg(q(93, { progressive: true })).toBuffer()],
    // Big enough to be shrunk on load (1/8 for a 64 px box) and, saved at 95, to have its last
    // refinement scans left out (src/worker/progressive.ts).
    ['progbig', from(3000, 2000).jpeg(q(95, { progressive: true })).toBuffer()],
    ['cmyk', from(400, 300).toColourspace('cmyk').jpeg(q(90)).toBuffer()],
    ['cmykprog', from(300, 200).toColourspace('cmyk').jpeg(q(90, { progressive: true })).toBuffer()],
    ['iccsrgb', from(500, 333).withIccProfile('srgb').jpeg(q(88)).toBuffer()],
    ['iccp3', from(500, 333).withIccProfile('p3').jpeg(q(88)).toBuffer()],
    ['iccp3prog', from(360, 240).withIccProfile('p3').jpeg(q(92, { progressive: true })).toBuffer()],
    ['1x1', from(1, 1).jpeg(q(85)).toBuffer()],
    ['1x1prog', from(1, 1).jpeg(q(85, { progressive: true })).toBuffer()],
    ['1x1grey', from(1, 1, 1).toColourspace('b-w').jpeg(q(85)).toBuffer()],
    ['odd17x3', from(17, 3).jpeg(q(85)).toBuffer()],
    ['odd3x17', from(3, 17).jpeg(q(90, { progressive: true })).toBuffer()],
    ['line1x300', from(1, 300).jpeg(q(85)).toBuffer()],
    ['line2049x1', from(2049, 1).jpeg(q(85)).toBuffer()],
    ['odd9x9', from(9, 9).jpeg(q(85, { chromaSubsampling: '4:4:4' })).toBuffer()],
    // A phone photo: 12 MP, stored sideways with EXIF orientation 6.
    ['photo12mp', from(4000, 3000).withMetadata({ orientation: 6 }).jpeg(q(85)).toBuffer()],
  ];
  for (let orientation = 1; orientation <= 8; orientation++) {
    const progressive = orientation % 2 === 0;
    seeds.push([`exif${orientation}`, from(97, 61).withMetadata({ orientation }).jpeg(q(90, { progressive })).toBuffer()]);
  }
  const made = await Promise.all(seeds.map(async ([name, bytes]) => ({ name, bytes: await bytes })));
  const byName = (name: string): Buffer => made.find((s) => s.name === name)?.bytes as Buffer;
  made.push({ name: 'iccsplit', bytes: splitIccProfile(byName('iccp3')) });
  // The frame header beyond the 64 KB the engine reads first: it then asks sharp for the header.
  const comment = (n: number): Buffer => segment(0xfe, Buffer.alloc(n, 0x20 + n % 64));
  made.push({ name: 'farheader', bytes: insertAfterStart(byName('base420'), [comment(40000), comment(30000)]) });
  return made;
}

let cached: Promise<Seed[]> | undefined;

/** Every seed, made on the first call and shared afterwards. */
export function seeds(): Promise<Seed[]> {
  cached ??= makeSeeds();
  return cached;
}
