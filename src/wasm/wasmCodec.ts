/**
 * turbojpeg.wasm (codec.c, built by scripts/wasm.mjs): libjpeg-turbo and resample.c compiled to
 * WebAssembly, the same TurboJpeg as turbojpeg.node for every platform that has no native addon.
 * One instance per thread, made once; a call at a time. Plain Node, no vscode.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { markOffset } from '../core/ownership';
import type { TurboJpeg } from '../native/turbojpeg';
import { writeAll } from '../worker/output';

// As turbojpeg.c: a bigger file is left to sharp, which reads as it decodes.
const FILE_MAX = 64 * 2 ** 20;

interface Exports {
  memory: WebAssembly.Memory;
  __stack_pointer: WebAssembly.Global;
  decode(shrink: number, grey: number, room: number): number;
  encode(width: number, height: number, channels: number, quality: number): void;
  begin(): void;
  reserve(size: number): number;
  resize(src: number, sw: number, sh: number, ch: number, dst: number, dw: number, dh: number): number;
}

/** The codec, and how much linear memory its instance holds (it only grows; tests watch it). */
export type WasmCodec = TurboJpeg & { memoryBytes(): number };

/** What the module's imports read and write during the current call. */
interface CallState {
  fd: number;
  into?: Uint8Array;
  at: number;
  pixels?: Uint8Array;
  rowBytes: number;
  mark?: Uint8Array;
  written: number;
}

/**
 * The codec of the module at `file`, or undefined where there is none (not built) or this runtime
 * cannot run it (no WebAssembly SIMD); `onError` hears why in the last case.
 */
export function loadWasmCodec(file: string, onError: (error: unknown) => void = () => undefined): WasmCodec | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return wasmCodec(new WebAssembly.Module(readFileSync(file)));
  } catch (error) {
    onError(error);
    return undefined;
  }
}

/** A TurboJpeg over a fresh instance of `module`. */
export function wasmCodec(module: WebAssembly.Module): WasmCodec {
  const state: CallState = { fd: -1, at: 0, rowBytes: 0, written: 0 };
  let memory: WebAssembly.Memory | undefined;
  const bytes = (ptr: number, size: number) => new Uint8Array(memory!.buffer, ptr, size);
  const exports = new WebAssembly.Instance(module, importsFor(state, bytes)).exports as unknown as Exports;
  memory = exports.memory;
  const stackTop = exports.__stack_pointer.value as number;
  // A JS exception from an import leaves the C stack pointer where the throw found it.
  const call = <T>(run: () => T): T => {
    try {
      return run();
    } finally {
      exports.__stack_pointer.value = stackTop;
      Object.assign(state, { fd: -1, into: undefined, pixels: undefined, mark: undefined });
    }
  };
  return {
    memoryBytes: () => memory!.buffer.byteLength,
    decode: (file, shrink, grey, into) => {
      if (![1, 2, 4, 8].includes(shrink)) throw new TypeError('decode(file, shrink 1|2|4|8, grey, into)');
      const fd = openSource(file);
      try {
        return call(() => {
          Object.assign(state, { fd, into, at: 0 });
          return exports.decode(shrink, grey ? 1 : 0, Math.min(into.length, 2 ** 31 - 1)) >>> 0;
        });
      } finally {
        closeSync(fd);
      }
    },
    encodeToFile: (fd, pixels, width, height, channels, quality, mark) => {
      if (!(width >= 1 && height >= 1 && (channels === 1 || channels === 3) && quality >= 1 && quality <= 100 && pixels.length >= width * height * channels)) {
        throw new TypeError('encodeToFile(fd, pixels, width, height, channels 1|3, quality 1..100[, mark])');
      }
      return call(() => {
        Object.assign(state, { fd, pixels, rowBytes: width * channels, mark: mark?.length ? mark : undefined, written: 0 });
        exports.encode(width, height, channels, quality);
        return state.written + (state.mark?.length ?? 0);
      });
    },
    resize: (pixels, width, height, channels, into, newWidth, newHeight) =>
      call(() => resize(exports, bytes, { pixels, width, height, channels }, into, newWidth, newHeight)),
  };
}

/** codec.c's imports: the file, the pixels and the output of the call under way, in `state`. */
function importsFor(state: CallState, bytes: (ptr: number, size: number) => Uint8Array): Record<string, Record<string, unknown>> {
  const env = {
    ft_fail(ptr: number): never {
      const text = bytes(ptr, 512);
      throw new Error(Buffer.from(text.subarray(0, text.indexOf(0))).toString('latin1'));
    },
    ft_read: (ptr: number, size: number) => readSync(state.fd, bytes(ptr, size), 0, size, null),
    ft_rows(ptr: number, size: number) {
      state.into!.set(bytes(ptr, size), state.at);
      state.at += size;
    },
    ft_pixels(ptr: number, first: number, count: number) {
      bytes(ptr, count * state.rowBytes).set(state.pixels!.subarray(first * state.rowBytes, (first + count) * state.rowBytes));
    },
    ft_write(ptr: number, size: number) {
      const jpeg = bytes(ptr, size);
      // The mark goes where turbojpeg.c puts it: the first flush holds SOI and APP0 whole.
      const at = state.written === 0 && state.mark ? markOffset(jpeg) : -1;
      for (const part of at >= 0 ? [jpeg.subarray(0, at), state.mark!, jpeg.subarray(at)] : [jpeg]) writeAll(state.fd, part);
      state.written += size;
    },
  };
  // Only libc's defaults for stderr and exit() need WASI; codec.c replaces both, so none is called.
  const refuse = () => {
    throw new Error('turbojpeg.wasm: unexpected WASI call');
  };
  const wasi = { fd_close: refuse, fd_seek: refuse, fd_write: refuse, proc_exit: refuse };
  return { env, wasi_snapshot_preview1: wasi };
}

/** Opens a source as turbojpeg.c's read_file does: a regular, non-empty file of at most FILE_MAX. */
function openSource(file: string): number {
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd);
    const size = stat.size;
    if (!stat.isFile() || size <= 0) throw Object.assign(new Error('Invalid argument'), { code: 'EINVAL' });
    if (size > FILE_MAX) throw Object.assign(new Error('File too large'), { code: 'EFBIG' });
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** resample.c in the module: the pixels copied in, resized, copied out. */
function resize(
  exports: Exports,
  bytes: (ptr: number, size: number) => Uint8Array,
  from: { pixels: Uint8Array; width: number; height: number; channels: number },
  into: Uint8Array,
  newWidth: number,
  newHeight: number,
): number {
  const { pixels, width, height, channels } = from;
  const sourceBytes = width * height * channels;
  const size = newWidth * newHeight * channels;
  if ((channels !== 1 && channels !== 3) || !(width >= 1 && height >= 1 && newWidth >= 1 && newHeight >= 1) || sourceBytes > pixels.length || size > into.length) {
    throw new RangeError('resize: sizes do not match the buffers');
  }
  exports.begin();
  const src = exports.reserve(sourceBytes);
  const dst = src && exports.reserve(size);
  if (!dst) throw Object.assign(new Error('resize: out of memory'), { code: 'ENOMEM' });
  bytes(src, sourceBytes).set(pixels.subarray(0, sourceBytes));
  if (!exports.resize(src, width, height, channels, dst, newWidth, newHeight)) throw Object.assign(new Error('resize: out of memory'), { code: 'ENOMEM' });
  into.set(bytes(dst, size));
  return size;
}
