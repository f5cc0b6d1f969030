/**
 * The fast path for plain JPEGs: libjpeg-turbo decodes on this thread (src/native/turbojpeg.c,
 * the system's library on Linux x64; src/wasm, its WebAssembly build everywhere else), with the
 * same DCT scaling sharp's shrink-on-load asks for, and sharp only turns and resizes the pixels
 * when they need it. Both decode faster than sharp at every size: the WebAssembly build with its
 * SIMD kernels took 2.1 ms for 800x600, 29 ms for 12 MP at 1/2 and 71 ms for 24 MP at 1/4, where
 * sharp took ~10, 76 and 108 ms (bench/README.md, "Eleventh round").
 */
import sharp from 'sharp';
import { FailureCode, FileError, describeError } from '../core/errors';
import type { SourceHeader } from '../core/source';
import type { TurboJpeg } from '../native/turbojpeg';
import type { Allocate } from './buffers';
import { fastLanczos, sameSize, type Pixels } from './sizes';

/**
 * What the fast path renders exactly as sharp would: a baseline greyscale or YCbCr/RGB JPEG with
 * no colour profile or a plain sRGB one, whose header we read ourselves. Progressive files keep
 * sharp's path, with its scan trimming; CMYK and profiled files need its colour management.
 */
export function fastDecodable(header: SourceHeader): boolean {
  return !header.progressive && (header.components === 1 || header.components === 3) && (header.icc === 'none' || header.icc === 'srgb');
}

// Decodes bigger than this go to sharp, which streams them; this path holds the whole decode:
// a 12 MP phone photo at 1/2 or a 24 MP camera image at 1/4 for a 1024 px largest size.
const FAST_DECODE_MAX_BYTES = 12 * 2 ** 20;

/**
 * The source's stored pixels at 1/shrink; undefined when libjpeg-turbo refuses the file (any
 * decoder warning included), so that sharp decodes it or says why it cannot, and when the
 * pixels would take more than FAST_DECODE_MAX_BYTES.
 */
export function turboDecode(codec: TurboJpeg, source: string, header: SourceHeader, shrink: 1 | 2 | 4 | 8, allocate: Allocate): Pixels | undefined {
  const channels = header.grey ? 1 : 3;
  const width = Math.ceil(header.width / shrink);
  const height = Math.ceil(header.height / shrink);
  const bytes = width * height * channels;
  if (bytes > FAST_DECODE_MAX_BYTES) return undefined;
  const data = allocate(bytes);
  try {
    if (codec.decode(source, shrink, header.grey, data) !== bytes) return undefined;
  } catch {
    return undefined;
  }
  return { data, raw: { width, height, channels } };
}

// What makes each EXIF orientation upright, as sharp applies it: it mirrors first and then
// rotates, whatever order the calls come in. (Checked for all eight in test/unit/engine.)
const ORIENT: Record<number, { angle: number; flip?: boolean; flop?: boolean }> = {
  1: { angle: 0 },
  2: { angle: 0, flop: true },
  3: { angle: 180 },
  4: { angle: 0, flip: true },
  5: { angle: 90, flip: true },
  6: { angle: 90 },
  7: { angle: 270, flip: true },
  8: { angle: 270 },
};

/**
 * The decoded pixels upright and resized to the largest thumbnail, as sharp's decode makes them:
 * the pixels themselves when they already are, only resized when they need not turn.
 */
export async function uprightAndFit(
  source: string,
  codec: TurboJpeg,
  decoded: Pixels,
  orientation: number,
  largest: { width: number; height: number },
  allocate: Allocate,
): Promise<Pixels> {
  const { angle, flip, flop } = ORIENT[orientation] ?? ORIENT[1];
  if (!flip && !flop && angle === 0) {
    if (sameSize(decoded.raw, largest)) return decoded;
    const data = await fastLanczos(codec, allocate)(decoded, largest.width, largest.height);
    return { data, raw: { ...largest, channels: decoded.raw.channels } };
  }
  let pipeline = sharp(decoded.data, { raw: decoded.raw });
  if (flip) pipeline = pipeline.flip();
  if (flop) pipeline = pipeline.flop();
  if (angle !== 0) pipeline = pipeline.rotate(angle);
  pipeline = pipeline.resize(largest.width, largest.height, { fit: 'fill' });
  try {
    const data = await (decoded.raw.channels === 1 ? pipeline.toColourspace('b-w') : pipeline).raw().toBuffer();
    return { data, raw: { width: largest.width, height: largest.height, channels: decoded.raw.channels } };
  } catch (error) {
    throw new FileError(FailureCode.CORRUPT_JPEG, source, `could not be resized: ${describeError(error)}`, { cause: error });
  }
}
