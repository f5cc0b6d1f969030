/**
 * turbojpeg.node (turbojpeg.c): JPEG decode and encode through the system's libjpeg-turbo, the
 * render's fast path for plain JPEGs. Where it is missing or cannot load, the renderer uses sharp
 * for everything. Plain Node, no vscode.
 */
import { loadAddon } from './addon';

export interface TurboJpeg {
  /**
   * Writes the file's pixels at 1/shrink (DCT scaling, sizes rounded up), RGB or one grey
   * channel, into `into`, and returns the bytes written. Throws for anything but a clean decode
   * of a YCbCr/RGB (with `grey`, greyscale) JPEG, and when `into` is too small.
   */
  decode(file: string, shrink: 1 | 2 | 4 | 8, grey: boolean, into: Buffer): number;
  /**
   * Encodes packed RGB or grey pixels as a baseline JPEG (4:2:0 for RGB) and writes it to the open
   * file `fd`; returns its size. A failed write throws with the errno's name as `code`. `mark`,
   * when given, is inserted after SOI and an APP0 that follows it (src/core/ownership.ts).
   */
  encodeToFile(fd: number, pixels: Buffer, width: number, height: number, channels: 1 | 3, quality: number, mark?: Buffer): number;
  /**
   * Resizes packed RGB or grey pixels with Lanczos 3 (resample.c), as sharp's default kernel does,
   * into `into`; returns the bytes written. Throws when the sizes do not match the buffers.
   */
  resize(pixels: Buffer, width: number, height: number, channels: 1 | 3, into: Buffer, newWidth: number, newHeight: number): number;
}

/**
 * The addon at `file`, or undefined where there is none (not Linux/glibc, not built) or it cannot
 * work (no libturbojpeg.so.0 on this machine); `onError` hears why in the last two cases.
 */
export function loadTurboJpeg(file: string, onError: (error: unknown) => void = () => undefined): TurboJpeg | undefined {
  return loadAddon<TurboJpeg>(file, ['decode', 'encodeToFile', 'resize'], onError);
}
