import * as vscode from 'vscode';
import type { JobSummary } from './core/engine';
import { overlaps } from './core/folders';
import { ThumbnailHelper } from './core/helper/client';
import type { Logger } from './core/log';
import type { PoolStats } from './core/pool';
import { resolveSize } from './core/pool/options';
import type { ThumbnailSettings } from './core/settings';
import { JobTally } from './core/tally';
import { pruneOrphans, type TidyResult } from './core/tidy';
import { Disposable } from './util/dispose';

/**
 * Generate makes what is missing or out of date; regenerate remakes every thumbnail; watch makes
 * the sources the watcher saw change (no notification); clean holds folders while thumbnails are
 * removed (nothing runs in the helper).
 */
export type JobMode = 'generate' | 'regenerate' | 'watch' | 'clean';

/** One folder of a job, with the settings that apply to it. */
export interface JobFolder {
  readonly folder: string;
  readonly settings: ThumbnailSettings;
  /** Exactly these sources instead of the folder's scan (a watch job). */
  readonly sources?: readonly string[];
  /**
   * After the run, look for orphans and old size folders: true removes the orphans
   * (`thumbnails.removeOrphans`), false only counts them; undefined skips the step.
   */
  readonly removeOrphans?: boolean;
}

/** One folder's outcome: the render's summary and, when asked, what the orphan step did. */
export interface FolderOutcome extends JobSummary {
  tidy?: TidyResult;
}

/** One job: the folders the user chose at once, run under one notification and one count. */
export interface RunningJob {
  readonly folders: readonly JobFolder[];
  /** What the user calls it: the folder's name, or "4 folders". */
  readonly label: string;
  readonly mode: JobMode;
  readonly controller: AbortController;
  readonly tally: JobTally;
  /** Claimed but not running yet (e.g. while Regenerate asks the user); not shown as work. */
  started: boolean;
}

/** A folder that is, contains, or lies inside a folder of a running job. */
export class FolderBusyError extends Error {
  constructor(readonly folder: string, readonly job: RunningJob) {
    super(`${folder} overlaps the running job for ${job.label}`);
    this.name = 'FolderBusyError';
  }
}

/**
 * Progress redraws (notification, status bar) at most this often; starts and ends at once. Four a
 * second reads as live; each redraw costs the window a layout and paint, which in software-drawn
 * windows took CPU from the job (bench/README.md, "Eighth round").
 */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * Owns the life of every job: claims its folders, runs them in the thumbnail helper process
 * (src/helper/, started on the first job, exiting by itself when idle so its memory goes back to
 * the system), keeps its counts, cancels it, and lets its folders go. The status bar and the
 * progress notification read the counts from here. The extension host never decodes an image.
 */
export class JobRunner extends Disposable {
  private readonly _helper: ThumbnailHelper;
  private readonly _jobs = new Set<RunningJob>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** Fires when a job starts or ends, and as its counts change (at most every PROGRESS_INTERVAL_MS). */
  readonly onDidChange = this._onDidChange.event;
  private _changeTimer: NodeJS.Timeout | undefined;
  private _lastChange = 0;
  private _yielding = false;

  /** `maxWorkers`: the setting's worker count, 0 for one per core. */
  constructor(helperFile: string, private readonly _logger: Logger, private readonly _maxWorkers: () => number) {
    super();
    const logger = _logger;
    this._helper = new ThumbnailHelper({ helperFile, logger, size: () => this._poolSize() });
    this._helper.onDidChange = () => this._changed();
    this._register({ dispose: () => this._helper.dispose() });
    this._register({ dispose: () => clearTimeout(this._changeTimer) });
  }

  get jobs(): readonly RunningJob[] {
    return [...this._jobs];
  }

  /** True once a job has started the helper process (it may have exited since, when idle). */
  get helperStarted(): boolean {
    return this._helper.starts > 0;
  }

  /** The helper process's id while it runs. */
  get helperPid(): number | undefined {
    return this._helper.pid;
  }

  /** The helper's pool counts while it runs. */
  get poolStats(): PoolStats | undefined {
    return this._helper.stats;
  }

  /** Applies a changed `thumbnails.maxWorkers` to the running helper. */
  resize(): void {
    this._helper.resize(this._poolSize());
  }

  /** While the user types, the helper runs one worker fewer (src/ui/typing.ts says why). */
  setYielding(yielding: boolean): void {
    if (yielding === this._yielding) return;
    this._yielding = yielding;
    this._helper.resize(this._poolSize());
  }

  private _poolSize(): number {
    const full = resolveSize(this._maxWorkers());
    return this._yielding && full > 1 ? full - 1 : full;
  }

  /** The running job that `folder` is part of, contains, or lies inside. */
  conflictFor(folder: string): RunningJob | undefined {
    for (const job of this._jobs) if (job.folders.some((f) => overlaps(f.folder, folder))) return job;
    return undefined;
  }

  /**
   * The one owner of a job's life: claims the folders, runs `body` with the job, and lets them go
   * when `body` settles, however it ends. The claim happens before `body` starts (nothing awaits
   * between the check and the claim), so two quick invocations cannot both start a folder.
   * @throws FolderBusyError, synchronously, for the first folder a running job already covers
   */
  hold<T>(folders: readonly JobFolder[], label: string, mode: JobMode, body: (job: RunningJob) => Promise<T>): Promise<T> {
    for (const f of folders) {
      const busy = this.conflictFor(f.folder);
      if (busy) throw new FolderBusyError(f.folder, busy);
    }
    const job: RunningJob = { folders, label, mode, controller: new AbortController(), tally: new JobTally(folders.length), started: false };
    this._jobs.add(job);
    this._changed({ now: true });
    return body(job).finally(() => {
      this._jobs.delete(job);
      this._changed({ now: true });
    });
  }

  /**
   * Runs every folder of a held job in the helper, side by side. `signal` (the notification's
   * Cancel) stops it like cancel() does. Resolves with one summary per folder, in the job's
   * order; rejects only when the helper could not run at all.
   */
  async run(job: RunningJob, signal: AbortSignal): Promise<FolderOutcome[]> {
    const { controller } = job;
    job.started = true;
    this._changed({ now: true });
    const abort = (): void => controller.abort(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      const summaries = await Promise.all(
        job.folders.map(async (f): Promise<FolderOutcome> => {
          const summary = await this._helper.run({
            folder: f.folder,
            settings: f.settings,
            force: job.mode === 'regenerate',
            sources: f.sources,
            signal: controller.signal,
            onProgress: (p) => {
              job.tally.update(f.folder, p);
              this._changed();
            },
          });
          // Orphans and old sizes, in this process: listings and 64-byte reads, no image.
          if (f.removeOrphans === undefined || summary.cancelled || controller.signal.aborted) return summary;
          try {
            return { ...summary, tidy: await pruneOrphans(f.folder, f.settings, { dryRun: !f.removeOrphans, signal: controller.signal }) };
          } catch (error) {
            this._logger.warn(`looking for orphaned thumbnails in ${f.folder} failed: ${error instanceof Error ? error.message : String(error)}`);
            return summary;
          }
        }),
      );
      this._changed({ now: true }); // the final counts, while the job is still listed
      return summaries;
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  /** Cancels the given jobs (all by default); returns those asked to stop. */
  cancel(jobs: readonly RunningJob[] = this.jobs): readonly RunningJob[] {
    for (const job of jobs) job.controller.abort(new Error('cancelled by the user'));
    return jobs;
  }

  /** Throttles bursts of progress into one change event per interval; starts and ends go at once. */
  private _changed(options?: { now: boolean }): void {
    if (this.isDisposed) return;
    const wait = options?.now ? 0 : this._lastChange + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      clearTimeout(this._changeTimer);
      this._changeTimer = undefined;
      this._fire();
    } else {
      this._changeTimer ??= setTimeout(() => {
        this._changeTimer = undefined;
        this._fire();
      }, wait);
    }
  }

  private _fire(): void {
    this._lastChange = Date.now();
    if (!this.isDisposed) this._onDidChange.fire();
  }
}
