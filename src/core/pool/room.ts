import { AbortError } from './errors';

interface RoomWaiter {
  resolve(): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
}

/**
 * Producers waiting for room in the queue (`waitForRoom()`), woken in order, as many as there is
 * room for. `room()` says how many tasks the queue can take now.
 */
export class RoomWaiters {
  private waiters: RoomWaiter[] = [];
  private recheckQueued = false;

  constructor(private readonly room: () => number) {}

  wait(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: RoomWaiter = { resolve, reject, signal, onAbort: null };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new AbortError(signal.reason));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Wakes as many waiters as there is room for. */
  wake(): void {
    let room = this.room();
    if (room <= 0 || this.waiters.length === 0) return;
    while (room > 0 && this.waiters.length > 0) {
      const waiter = this.waiters.shift()!;
      if (waiter.onAbort !== null) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
      room--;
    }
    // A woken producer that does not use its room must not strand the others: look again
    // once the woken ones have had their turn.
    if (this.waiters.length > 0 && !this.recheckQueued) {
      this.recheckQueued = true;
      setImmediate(() => {
        this.recheckQueued = false;
        this.wake();
      });
    }
  }

  get length(): number {
    return this.waiters.length;
  }

  rejectAll(makeError: () => Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (waiter.onAbort !== null) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      waiter.reject(makeError());
    }
  }
}
