import * as vscode from 'vscode';
import { createThumbnailPool, runJob, type JobProgress, type JobSummary, type ThumbnailPool } from './core/engine';
import { describeError } from './core/errors';
import type { PoolStats } from './core/pool';
import type { ThumbnailSettings } from './core/settings';
import type { Logger } from './core/log';
import type { Allocator } from './native/allocator';
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

/** What the last release of freed memory did (see JobRunner). */
export interface MemoryRelease {
  beforeMB: number;
  afterMB: number;
}

/**
 * Runs jobs on one shared pool, created on the first job (activation starts no thread) and
 * destroyed with the extension. Tracks what runs so the status bar and the cancel command can
 * see it, and refuses the same folder twice at once. When the pool's last worker has exited, it
 * returns the memory those threads freed to the system (with `allocator`, where there is one):
 * glibc otherwise keeps hundreds of MB of freed pixel buffers in the extension host.
 */
export class JobRunner extends Disposable {
  private _pool: ThumbnailPool | undefined;
  private readonly _jobs = new Map<string, RunningJob>();
  private readonly _onDidChange = this._register(new vscode.EventEmitter<void>());
  /** Fires when a job starts, ends, or (throttled by the caller's rate) progresses. */
  readonly onDidChange = this._onDidChange.event;
  private _changeQueued = false;
  private _workersSeen = false;
  /** The last release of freed memory, once the pool has gone idle with an allocator present. */
  lastMemoryRelease: MemoryRelease | undefined;

  constructor(
    private readonly _workerFile: string,
    private readonly _logger: Logger,
    private _maxWorkers: () => number,
    private readonly _allocator?: Allocator,
  ) {
    super();
    this._register({ dispose: () => { void this._pool?.destroy(); this._pool = undefined; } });
  }

  get jobs(): readonly RunningJob[] {
    return [...this._jobs.values()];
  }

  get poolStarted(): boolean {
    return this._pool !== undefined;
  }

  /** The shared pool's counts, or undefined before the first job. */
  get poolStats(): PoolStats | undefined {
    return this._pool?.stats;
  }

  resize(size: number): void {
    this._pool?.resize(size);
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

  /** Runs a reserved job on the shared pool and releases it at the end. */
  async run(job: RunningJob, settings: ThumbnailSettings, force: boolean, signal: AbortSignal, onProgress: (p: JobProgress) => void): Promise<JobSummary> {
    const { controller } = job;
    const abort = (): void => controller.abort(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    try {
      this._pool ??= this._createPool();
      return await runJob(this._pool, {
        folder: job.folder.fsPath,
        settings,
        force,
        signal: controller.signal,
        logger: this._logger,
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

  private _createPool(): ThumbnailPool {
    const size = this._maxWorkers();
    this._logger.debug(`starting the worker pool (size ${size === 0 ? 'auto' : size})`);
    const pool = createThumbnailPool({ workerFile: this._workerFile, size, logger: this._logger });
    this._register(pool.onDidChangeStats((s) => {
      this._logger.debug(`pool: ${s.workers} workers, ${s.running} running, ${s.queued} queued, ${s.completed} done, ${s.failed} failed`);
      if (s.workers > 0) {
        this._workersSeen = true;
      } else if (this._workersSeen && s.running === 0 && s.queued === 0) {
        this._workersSeen = false;
        void this._releaseMemory();
      }
    }));
    return pool;
  }

  /** After the last worker exited: hands the heap memory the threads freed back to the system. */
  private async _releaseMemory(): Promise<void> {
    if (this._allocator === undefined || this.isDisposed) return;
    const mb = (): number => process.memoryUsage.rss() / 2 ** 20;
    const beforeMB = mb();
    try {
      await this._allocator.trim();
    } catch (error) {
      this._logger.warn(`could not return freed memory to the system: ${describeError(error)}`);
      return;
    }
    const afterMB = mb();
    this.lastMemoryRelease = { beforeMB, afterMB };
    this._logger.info(`the worker pool is idle: returned ${Math.max(0, Math.round(beforeMB - afterMB))} MB of freed memory to the system (extension host ${Math.round(beforeMB)} -> ${Math.round(afterMB)} MB)`);
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
