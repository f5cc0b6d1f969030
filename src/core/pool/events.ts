import type { Logger } from '../log';
import type { Disposable, PoolStats, TaskTiming } from './types';

/**
 * The pool's listeners. Stats changes are coalesced to one call per event-loop turn, however
 * many tasks moved in it; timings are reported per settled task. A listener that throws is
 * logged and never breaks the pool.
 */
export class PoolEvents {
  private readonly statsListeners = new Set<(stats: PoolStats) => void>();
  private readonly timingListeners = new Set<(timing: TaskTiming) => void>();
  private statsScheduled = false;

  constructor(
    private readonly readStats: () => PoolStats,
    private readonly logger: Logger,
  ) {}

  onStats(listener: (stats: PoolStats) => void): Disposable {
    this.statsListeners.add(listener);
    return { dispose: () => void this.statsListeners.delete(listener) };
  }

  onTiming(listener: (timing: TaskTiming) => void): Disposable {
    this.timingListeners.add(listener);
    return { dispose: () => void this.timingListeners.delete(listener) };
  }

  /** Whether anyone listens to timings: tasks are timed only then. */
  get timed(): boolean {
    return this.timingListeners.size > 0;
  }

  /** Something the stats count moved: report it once this turn is over. */
  changed(): void {
    if (this.statsScheduled || this.statsListeners.size === 0) return;
    this.statsScheduled = true;
    setImmediate(this.emitStats);
  }

  timing(timing: TaskTiming): void {
    for (const listener of this.timingListeners) this.call(listener, timing);
  }

  private readonly emitStats = (): void => {
    this.statsScheduled = false;
    const stats = this.readStats();
    for (const listener of this.statsListeners) this.call(listener, stats);
  };

  private call<A>(listener: (arg: A) => void, arg: A): void {
    try {
      listener(arg);
    } catch (error) {
      this.logger.error(`pool: a listener threw: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
}
