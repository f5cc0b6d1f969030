/**
 * The order a job sends its images to the pool in.
 *
 * - Biggest first, within a bounded window of planned images: a job should not end on one big
 *   image while the other workers idle (in listing order the wallpaper set ends on a 5120x2880
 *   progressive JPEG, ~300 ms with one core idle). The window holds at most `depth` images, so
 *   the walk stays streaming.
 * - Around the big-decode budget (task.ts): an image whose progressive decode needs more of the
 *   budget than the images already taken leave is passed over for one that fits, instead of
 *   being sent to a worker that would then wait for the budget with its core idle. When none
 *   fits, the biggest goes anyway (the worker-side budget still holds it back).
 *
 * Planning (the stat calls of the up-to-date check, the header read) runs ahead, several files
 * at once, while the lanes take. The first `eager` images (one per worker) are handed out as soon
 * as each is planned, so every worker starts (~150 ms each) while the rest of the window is
 * planned; biggest-first matters at the end of a job, not at its start.
 */

export interface Schedulable {
  /** File size, a proxy for its decode time. */
  bytes: number;
  /** MB of the big-decode budget its decode takes (0 for most images). */
  bigMB: number;
}

export class Scheduler<T extends Schedulable> {
  private readonly window: T[] = [];
  private readonly waiters: Array<() => void> = [];
  private planning = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private inUseMB = 0;
  private handedOut = 0;

  /**
   * @param plan yields the next planned image, null when the next file needed no task (skipped
   *   or already reported), undefined when there are no more files. Called up to `parallel`
   *   times at once.
   */
  constructor(
    private readonly plan: () => Promise<T | null | undefined>,
    private readonly options: { depth: number; parallel: number; budgetMB: number; eager: number },
  ) {}

  /** The next image to send, after planning ahead; undefined once every file is handed out. */
  async take(): Promise<T | undefined> {
    const fits = (t: T): boolean => t.bigMB === 0 || this.inUseMB === 0 || this.inUseMB + t.bigMB <= this.options.budgetMB;
    for (;;) {
      this.planAhead();
      if (this.failure) throw this.failure.error;
      if (this.window.length >= this.options.depth) break;
      if (this.handedOut < this.options.eager && this.window.some(fits)) break;
      if (this.ended && this.planning === 0) {
        if (this.window.length === 0) return undefined;
        break;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const biggest = (eligible: (t: T) => boolean): number => {
      let best = -1;
      for (let i = 0; i < this.window.length; i++) {
        if (eligible(this.window[i]) && (best < 0 || this.window[i].bytes > this.window[best].bytes)) best = i;
      }
      return best;
    };
    const pick = biggest(fits);
    const [item] = this.window.splice(pick >= 0 ? pick : biggest(() => true), 1);
    this.handedOut++;
    this.inUseMB += item.bigMB;
    this.planAhead();
    return item;
  }

  /** Returns the budget of an image taken earlier, once its task is over. */
  finished(item: T): void {
    this.inUseMB -= item.bigMB;
  }

  private planAhead(): void {
    while (!this.ended && !this.failure && this.planning < this.options.parallel && this.window.length + this.planning < this.options.depth) {
      this.planning++;
      this.plan().then(
        (item) => {
          this.planning--;
          if (item === undefined) this.ended = true;
          else if (item !== null) this.window.push(item);
          this.wake();
        },
        (error: unknown) => {
          this.planning--;
          this.failure ??= { error };
          this.wake();
        },
      );
    }
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
