/**
 * A job's counts, changed in one place each: every image ends as made, up to date (skipped) or
 * failed, and each change is reported to the progress and image callbacks.
 */
import { describeError } from './errors';
import type { FileFailure, ImageEvent, JobProgress } from './engine';
import type { Logger } from './log';

export class ProgressTracker {
  private readonly counts: JobProgress = { found: 0, scanDone: false, done: 0, made: 0, skipped: 0, failed: 0, thumbnails: 0 };
  readonly failures: FileFailure[] = [];
  /** Images decoded through libjpeg-turbo (the fast path, native or WebAssembly). */
  fastDecodes = 0;
  /** Images the scan has yielded so far. */
  private seen = 0;

  constructor(
    private readonly log: Logger,
    private readonly onProgress?: (p: JobProgress) => void,
    private readonly onImage: (event: ImageEvent) => void = () => undefined,
  ) {}

  get snapshot(): Readonly<JobProgress> {
    return this.counts;
  }

  /** The counting walk's figure so far; never below what the work walk has seen. */
  counted(n: number, final: boolean): void {
    if (!final && n <= this.counts.found) return;
    this.counts.found = Math.max(n, this.seen);
    if (final) this.counts.scanDone = true;
    this.emit();
  }

  /** The work walk yielded another image. */
  yielded(): void {
    this.seen++;
    if (this.seen > this.counts.found) this.counts.found = this.seen;
  }

  /** The scan is complete: what it yielded is the total. */
  scanComplete(): void {
    this.counts.found = this.seen;
    this.counts.scanDone = true;
  }

  sent(file: string): void {
    this.onImage({ file, kind: 'sent' });
  }

  skipped(file: string): void {
    this.onImage({ file, kind: 'skipped' });
    this.counts.skipped++;
    this.finished(file);
  }

  made(file: string, thumbnails: number, fast: boolean): void {
    this.onImage({ file, kind: 'made', thumbnails, fast });
    if (fast) this.fastDecodes++;
    this.counts.made++;
    this.counts.thumbnails += thumbnails;
    this.finished(file);
  }

  failed(file: string, code: string, message: string): void {
    const failure = { file, code, message };
    this.failures.push(failure);
    this.onImage({ file, kind: 'failed', failure });
    this.counts.failed++;
    // Each host reports failures once from the summary (the extension's log, the CLI's output).
    this.log.debug(`thumbnails: ${code} ${message}`);
    this.finished(file);
  }

  emit(): void {
    if (!this.onProgress) return;
    try {
      this.onProgress({ ...this.counts });
    } catch (error) {
      this.log.warn(`thumbnails: progress callback threw: ${describeError(error)}`);
    }
  }

  private finished(file: string): void {
    this.counts.done++;
    this.counts.lastFile = file;
    this.emit();
  }
}
