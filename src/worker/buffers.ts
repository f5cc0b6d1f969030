/**
 * Pixel buffers reused from one image to the next on a render thread. A fresh buffer's pages are
 * faulted in on its first write: an 800x600 decode's 1.4 MB cost ~2.4 ms of page faults here,
 * about what the decode itself takes, and a small image's render made 2 MB of them (bench/README.md,
 * "Eleventh round"). A reused buffer's pages are already there.
 */

/** Hands out buffers for one render; they go back to the pool when it ends. */
export type Allocate = (size: number) => Buffer;

export const allocateFresh: Allocate = (size) => Buffer.allocUnsafeSlow(size);

/** What a render borrows from a BufferPool: buffers that are its own until it gives them back. */
export interface Lease {
  allocate: Allocate;
  /** Every buffer allocated since lease() goes back; none of them may be used after this. */
  giveBack(): void;
}

export class BufferPool {
  private spare: Buffer[] = [];

  /** Keeps at most `maxBytes` of spare buffers: an image's levels, not a big photo's decode. */
  constructor(private readonly maxBytes = 8 * 2 ** 20) {}

  /** Buffers for one render. Renders that overlap each have their own lease, and never share a buffer. */
  lease(): Lease {
    const lent: Buffer[] = [];
    return {
      allocate: (size) => {
        const whole = this.takeSpare(size) ?? Buffer.allocUnsafeSlow(size);
        lent.push(whole);
        return whole.subarray(0, size);
      },
      giveBack: () => this.keep(lent.splice(0)),
    };
  }

  /** Bytes held for reuse (tests). */
  spareBytes(): number {
    return this.spare.reduce((sum, b) => sum + b.length, 0);
  }

  /** The smallest spare buffer of at least `size` bytes, taken out of the pool. */
  private takeSpare(size: number): Buffer | undefined {
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      if (this.spare[i].length >= size && (best < 0 || this.spare[i].length < this.spare[best].length)) best = i;
    }
    return best < 0 ? undefined : this.spare.splice(best, 1)[0];
  }

  /** Smallest first, so that the biggest are the ones left out when they pass maxBytes. */
  private keep(buffers: Buffer[]): void {
    const all = [...this.spare, ...buffers].sort((a, b) => a.length - b.length);
    let total = 0;
    this.spare = all.filter((b) => (total += b.length) <= this.maxBytes);
  }
}
