/**
 * The counts of one job over one or more folders, as the user is told them: the images to make
 * (found minus those already up to date), how many of those are done, the rate once it is known
 * and the time left once the whole folder is counted. Progress and the summary read the same
 * numbers, so the notification and the status bar cannot disagree.
 */
import type { JobProgress } from './engine';

export interface TallyCounts {
  /** JPEGs found so far in every folder. */
  found: number;
  /** True once every folder's scan has finished, so `toDo` no longer grows. */
  scanDone: boolean;
  /** Images whose thumbnails were already current: not work, stated apart. */
  upToDate: number;
  /** Images to make: found minus up to date. */
  toDo: number;
  /** Of those, finished: made or failed. */
  done: number;
  made: number;
  failed: number;
  /** Thumbnail files written. */
  thumbnails: number;
}

/** Work must run this long, over this many images, before a rate is worth showing. */
const RATE_MIN_MS = 2000;
const RATE_MIN_IMAGES = 3;

export class JobTally {
  private readonly _parts = new Map<string, JobProgress>();
  private readonly _expected: number;
  /** When the first image was finished, and how many were finished then. */
  private _rateStart: { at: number; done: number } | undefined;

  /** `folders`: how many folders will report; the scan is done only when all of them have. */
  constructor(folders: number, private readonly _now: () => number = Date.now) {
    this._expected = folders;
  }

  update(folder: string, progress: JobProgress): void {
    this._parts.set(folder, progress);
    if (!this._rateStart) {
      const done = this.counts.done;
      if (done > 0) this._rateStart = { at: this._now(), done };
    }
  }

  get counts(): TallyCounts {
    const c: TallyCounts = { found: 0, scanDone: this._parts.size >= this._expected, upToDate: 0, toDo: 0, done: 0, made: 0, failed: 0, thumbnails: 0 };
    for (const p of this._parts.values()) {
      c.found += p.found;
      c.scanDone &&= p.scanDone;
      c.upToDate += p.skipped;
      c.made += p.made;
      c.failed += p.failed;
      c.thumbnails += p.thumbnails;
    }
    c.done = c.made + c.failed;
    c.toDo = Math.max(c.done, c.found - c.upToDate);
    return c;
  }

  /** Images finished per second since the first one, once enough work has been seen. */
  rate(): number | undefined {
    if (!this._rateStart) return undefined;
    const ms = this._now() - this._rateStart.at;
    const images = this.counts.done - this._rateStart.done;
    if (ms < RATE_MIN_MS || images < RATE_MIN_IMAGES) return undefined;
    return (images * 1000) / ms;
  }

  /** Seconds until every image is done at the current rate, once the total is known. */
  secondsLeft(): number | undefined {
    const rate = this.rate();
    const c = this.counts;
    if (rate === undefined || !c.scanDone) return undefined;
    return (c.toDo - c.done) / rate;
  }
}
