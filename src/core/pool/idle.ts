import type { Logger } from '../log';
import type { WorkerSet } from './workers';

/**
 * Retires workers that have been idle for `timeoutMs`, oldest first, with one timer for the
 * whole pool set for the oldest idle worker.
 */
export class IdleReaper<T, R> {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly workers: WorkerSet<T, R>,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    /** Called after workers were retired. */
    private readonly onRetired: () => void,
  ) {}

  /** A worker has just become idle. */
  arm(): void {
    if (this.timer === undefined) this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const oldest = this.workers.free[0];
    if (oldest === undefined || !Number.isFinite(this.timeoutMs)) return;
    const delay = Math.max(0, oldest.idleSince + this.timeoutMs - Date.now());
    // setTimeout treats anything above 2^31-1 ms as 1 ms.
    this.timer = setTimeout(this.fire, Math.min(delay, 0x7fffffff));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    const free = this.workers.free;
    let retired = 0;
    while (free.length > 0 && now - free[0].idleSince >= this.timeoutMs) {
      this.workers.retire(free[0]);
      retired++;
    }
    if (retired > 0) this.logger.debug(`pool: ${retired} idle worker(s) exiting`);
    this.schedule();
    this.onRetired();
  };
}
