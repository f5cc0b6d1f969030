/**
 * Stable per-file failure codes. The extension and the CLI show `message`; scripts and tests key
 * on `code`, so these strings never change meaning once released.
 */
export const FailureCode = {
  /** The file has zero bytes. */
  EMPTY_FILE: 'EMPTY_FILE',
  /** The file is not a JPEG (a PNG, a text file, ... named .jpg). */
  NOT_JPEG: 'NOT_JPEG',
  /** A JPEG that is truncated or whose data cannot be decoded. */
  CORRUPT_JPEG: 'CORRUPT_JPEG',
  /**
   * A valid JPEG of a kind the decoders do not support: 12- or 16-bit samples, lossless or
   * hierarchical; the message says which.
   */
  UNSUPPORTED_JPEG: 'UNSUPPORTED_JPEG',
  /** Width x height over the pixel limit (decompression bomb guard); refused from the header. */
  TOO_MANY_PIXELS: 'TOO_MANY_PIXELS',
  /**
   * A progressive JPEG whose decode would hold more memory than the limit (it keeps every
   * coefficient of the whole image); refused from the header, with the megabytes in the message.
   */
  TOO_BIG_TO_DECODE: 'TOO_BIG_TO_DECODE',
  /** The file cannot be opened or read, or is not a regular file (FIFO, device, ...), or its name is not valid UTF-8. */
  UNREADABLE: 'UNREADABLE',
  /** The thumbnail folder or file cannot be created or replaced. */
  OUTPUT_NOT_WRITABLE: 'OUTPUT_NOT_WRITABLE',
  /**
   * A folder on the way to the thumbnail (the output folder, a size folder, a subfolder) is a
   * symbolic link: nothing is ever written through one. The message names the link.
   */
  OUTPUT_IS_LINK: 'OUTPUT_IS_LINK',
  /** The disk (or the user's quota) is full: the thumbnail was not written, nothing partial is left. */
  NO_SPACE: 'NO_SPACE',
  /** The file was found by the scan but was gone when its turn came. */
  VANISHED: 'VANISHED',
  /** The worker thread died or failed outside the render function. */
  WORKER_CRASHED: 'WORKER_CRASHED',
  /**
   * The helper process died (a native crash: SIGSEGV, abort, out of memory) while decoding this
   * image, and again when it was tried on its own; it is not tried a third time.
   */
  CRASHED_DECODER: 'CRASHED_DECODER',
} as const;

/** One of the {@link FailureCode} values. */
export type FailureCodeName = (typeof FailureCode)[keyof typeof FailureCode];

/**
 * A failure that belongs to one file. Thrown inside the render function and turned into a
 * per-file result, so that one bad file never fails the batch.
 */
export class FileError extends Error {
  override readonly name = 'FileError';
  constructor(
    readonly code: FailureCodeName,
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}

/** Picks a short human reason out of an unknown thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
