/**
 * What one image's decode holds at once, and the pool-wide budget for the big ones: the limit
 * that refuses a decode from its header, the budget the workers admit big progressive decodes
 * against, and the figure the scheduler plans around. Figures: bench/README.md, "Sixth round".
 */
import { FailureCode, FileError } from './errors';

/**
 * Default decode memory limit, in MB: a progressive 40 MP photo at 4:2:0 needs ~135 MB and is
 * made; a 264 KB file whose header claims 16383x16383 at 4:4:4 would need 1.6 GB and is refused.
 * 160 keeps the CLI under 300 MB on a 10,000-file fuzz run.
 */
export const DEFAULT_MAX_DECODE_MB = 160;

/**
 * Progressive decodes of at least BIG_DECODE_MIN_MB are admitted against a pool-wide budget of
 * BIG_DECODE_BUDGET_MB (one bigger decode always may): two 50-90 MB coefficient buffers at once
 * pushed the peak past 350 MB.
 */
export const BIG_DECODE_MIN_MB = 16;
export const BIG_DECODE_BUDGET_MB = 112;

export interface DecodeFacts {
  width: number;
  height: number;
  progressive: boolean;
  /** libjpeg holds every coefficient (jpegHeader.ts); undefined when unknown (then assumed). */
  buffered?: boolean;
  coefficientBytes: number;
}

/** MB of the budget a source's decode takes: its coefficient buffer if big and progressive, else 0. */
export function bigDecodeMB(header: Pick<DecodeFacts, 'progressive' | 'coefficientBytes'>): number {
  const mb = header.progressive ? Math.ceil(header.coefficientBytes / 2 ** 20) : 0;
  return mb >= BIG_DECODE_MIN_MB ? mb : 0;
}

/**
 * Bytes one image's decode holds at once: a progressive JPEG, or a sequential one sent as one
 * scan per component, keeps every DCT coefficient of the whole image, plus the file itself when
 * its scans are trimmed in memory (progressive.ts). A single-scan baseline decode streams a few
 * rows at a time and the TurboJPEG path caps its pixels, so they count 0.
 */
export function decodeBytes(header: Omit<DecodeFacts, 'width' | 'height'>, fileBytes: number): number {
  if (header.progressive) return header.coefficientBytes + fileBytes;
  return header.buffered === false ? 0 : header.coefficientBytes;
}

/** Refuses, from the header, a decode that would hold more memory than `limit` bytes. */
export function checkDecodeMemory(source: string, header: DecodeFacts, fileBytes: number, limit: number): void {
  const need = decodeBytes(header, fileBytes);
  if (need <= limit) return;
  const mb = (n: number): string => `${Math.ceil(n / 2 ** 20)} MB`;
  const mp = Math.round((header.width * header.height) / 1e6);
  // Not only progressive files: a sequential one in separate scans is held whole too.
  const kind = header.progressive ? 'a progressive JPEG' : 'a JPEG whose decode holds the whole image (separate scans)';
  throw new FileError(
    FailureCode.TOO_BIG_TO_DECODE,
    source,
    `is ${kind} of ${header.width}x${header.height} (${mp} MP) whose decode needs about ${mb(need)} at once, over the decode memory limit of ${mb(limit)}`,
  );
}

/** The shared memory a pool's budget lives in: one Int32 of MB in use, handed to every worker. */
export function newBudgetMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** One worker's view of the pool-wide budget. */
export class DecodeBudget {
  private readonly inUse: Int32Array;

  constructor(memory: SharedArrayBuffer) {
    this.inUse = new Int32Array(memory);
  }

  /**
   * Blocks until `mb` fits beside the decodes in flight (or nothing else is in flight). Blocking
   * is fine: the worker has nothing else to do. Bounded to ~5 s, so that a worker that died
   * holding a reservation only slows the others down. `checkCancelled` throws to give up.
   */
  enter(mb: number, checkCancelled: () => void): void {
    for (let waited = 0; waited < 20; waited++) {
      const inUse = Atomics.load(this.inUse, 0);
      if (inUse === 0 || inUse + mb <= BIG_DECODE_BUDGET_MB) {
        if (Atomics.compareExchange(this.inUse, 0, inUse, inUse + mb) === inUse) return;
        continue;
      }
      Atomics.wait(this.inUse, 0, inUse, 250);
      checkCancelled();
    }
    Atomics.add(this.inUse, 0, mb);
  }

  leave(mb: number): void {
    Atomics.sub(this.inUse, 0, mb);
    Atomics.notify(this.inUse, 0);
  }
}
