import * as path from 'node:path';
import type { FileFailure, ImageEvent, JobProgress, JobSummary } from '../engine';
import type { LeftOutCounts } from '../leftOut';

/** What one job has seen so far, over every helper that worked on it. */
export class JobState {
  readonly started = Date.now();
  readonly finished = new Set<string>();
  readonly inFlight = new Set<string>();
  readonly suspects: string[] = [];
  readonly failed: FileFailure[] = [];
  made = 0;
  fastDecodes = 0;
  thumbnails = 0;
  skipped = 0;
  found = 0;
  scanDone = false;
  lastFile: string | undefined;
  mainDone = false;
  bareCrashes = 0;

  apply(event: ImageEvent): void {
    this.lastFile = event.file;
    if (event.kind === 'sent') {
      this.inFlight.add(event.file);
      return;
    }
    this.inFlight.delete(event.file);
    this.finished.add(event.file);
    if (event.kind === 'made') {
      this.made++;
      this.thumbnails += event.thumbnails;
      if (event.fast) this.fastDecodes++;
    } else if (event.kind === 'skipped') {
      this.skipped++;
    } else {
      this.failed.push(event.failure);
    }
  }

  fail(file: string, code: string, message: string): void {
    this.apply({ file, kind: 'failed', failure: { file, code, message } });
  }

  progress(): JobProgress {
    const done = this.made + this.skipped + this.failed.length;
    return {
      found: Math.max(this.found, done),
      scanDone: this.scanDone,
      done,
      made: this.made,
      skipped: this.skipped,
      failed: this.failed.length,
      thumbnails: this.thumbnails,
      lastFile: this.lastFile,
    };
  }

  summary(folder: string, excluded: LeftOutCounts, cancelled: boolean): JobSummary {
    return {
      folder: path.resolve(folder),
      images: this.made,
      fastDecodes: this.fastDecodes,
      thumbnails: this.thumbnails,
      skipped: this.skipped,
      failed: this.failed,
      excluded,
      elapsedMs: Date.now() - this.started,
      cancelled,
    };
  }
}
