import * as vscode from 'vscode';
import type { JobProgress, JobSummary } from './core/engine';
import { ThumbnailHelper } from './core/helper/client';
import type { PoolStats } from './core/pool';
import type { ThumbnailSettings } from './core/settings';
import type { Logger } from './core/log';
import { Disposable } from './util/dispose';

/** One folder being processed. */
export interface RunningJob {
  readonly folder: vscode.Uri;
  readonly name: string;
  readonly controller: AbortController;
  progress: JobProgress;
}

export class FolderBusyError extends Error {
  constructor(readonly job: RunningJob) {
    super(`already generating thumbnails for ${job.folder.fsPath}`);
    this.name = 'FolderBusyError';
  }
}

const initialProgress: JobProgress = { found: 0, scanDone: false, done: 0, made: 0, skipped: 0, failed: 0, thumbnails: 0 };

/**
 * Runs jobs in the thumbnail helper process (src/helper/), started on the first job (activation
 * starts nothing) and stopped with the extension; it exits by itself when idle, so its memory
 * goes back to the system. Tracks what runs so the status bar and the cancel command can see it,
 * and refuses the same folder twice at once. The extension host itself never decodes an image.
 */
export class JobRunner extends Disposable {
  private readonly _helper: ThumbnailHelper;
  private readonly _jobs = new Map<string, RunningJob>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** Fires when a job starts, ends, or (throttled by the caller's rate) progresses. */
  readonly onDidChange = this._onDidChange.event;
  private _changeQueued = false;

  constructor(helperFile: string, logger: Logger, maxWorkers: () => number) {
    super();
    this._helper = new ThumbnailHelper({ helperFile, logger, size: maxWorkers });
    this._helper.onDidChange = () => this._changed();
    this._register({ dispose: () => this._helper.dispose() });
  }

  get jobs(): readonly RunningJob[] {
    return [...this._jobs.values()];
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

  resize(size: number): void {
    this._helper.resize(size);
  }

  /**
   * Claims a folder before any UI is shown, so that two quick invocations cannot both start it:
   * nothing awaits between the check and the claim. Throws FolderBusyError when it is taken.
   */
  reserve(folder: vscode.Uri): RunningJob {
    const existing = this._jobs.get(folder.fsPath);
    if (existing) throw new FolderBusyError(existing);
    const job: RunningJob = { folder, name: folderName(folder), controller: new AbortController(), progress: initialProgress };
    this._jobs.set(folder.fsPath, job);
    this._changed();
    return job;
  }

  /** Gives a reserved folder back; idempotent. */
  release(job: RunningJob): void {
    if (this._jobs.get(job.folder.fsPath) === job) {
      this._jobs.delete(job.folder.fsPath);
      this._changed();
    }
  }

  /** Runs a reserved job in the helper and releases it at the end. */
  async run(job: RunningJob, settings: ThumbnailSettings, force: boolean, signal: AbortSignal, onProgress: (p: JobProgress) => void): Promise<JobSummary> {
    const { controller } = job;
    const abort = (): void => controller.abort(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      return await this._helper.run({
        folder: job.folder.fsPath,
        settings,
        force,
        signal: controller.signal,
        onProgress: (p) => {
          job.progress = p;
          onProgress(p);
          this._changed();
        },
      });
    } finally {
      signal.removeEventListener('abort', abort);
      this.release(job);
    }
  }

  /** Cancels every running job; returns how many were asked to stop. */
  cancelAll(): number {
    const jobs = this.jobs;
    for (const job of jobs) job.controller.abort(new Error('cancelled by the user'));
    return jobs.length;
  }

  /** Coalesces bursts of progress into one change event per macrotask. */
  private _changed(): void {
    if (this._changeQueued || this.isDisposed) return;
    this._changeQueued = true;
    setImmediate(() => {
      this._changeQueued = false;
      if (!this.isDisposed) this._onDidChange.fire();
    });
  }
}

/** What a person calls the folder: its own name, as the Explorer shows it. */
export function folderName(folder: vscode.Uri): string {
  return folder.path.split('/').filter(Boolean).pop() ?? folder.fsPath;
}
