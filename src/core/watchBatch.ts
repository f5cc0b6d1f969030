/**
 * The watcher's batching, apart from VS Code so it can be tested in plain Node: file events from
 * the watched folders go in; one batch per quiet period comes out (a burst of 1,000 copied files
 * is one job, not 1,000), holding per folder the sources that appeared or changed and those that
 * went. Events inside output folders are dropped here, so the thumbnails a watch job writes can
 * never start another job; so are hidden files (our temp files are), non-JPEG names, excluded
 * paths and subfolders when the folder's settings leave them out.
 */
import * as path from 'node:path';
import { JPEG_NAME } from './scan';
import { isBelow } from './folders';
import { compileGlobs } from './glob';

export type WatchEventKind = 'created' | 'changed' | 'deleted';

/** What decides which files of a watched folder are sources (its thumbnail settings). */
export interface WatchRules {
  outputFolderName: string;
  includeSubfolders: boolean;
  exclude: readonly string[];
}

/** One folder's part of a batch. */
export interface WatchBatch {
  folder: string;
  /** Sources that appeared or changed (absolute paths): to (re)make. */
  changed: string[];
  /** Sources that went (deleted, or renamed away): their thumbnails go. */
  deleted: string[];
}

export interface WatchBatcherOptions {
  /** A batch starts this long after the last event (default 1000 ms). */
  quietMs?: number;
  /** ... or this long after the first one, whatever keeps coming (default 10 s). */
  maxWaitMs?: number;
  /** Runs one batch; the next one is not started before this settles. */
  onBatch: (batches: WatchBatch[]) => Promise<void> | void;
  /** Reports a batch that threw; the batcher goes on. */
  onError?: (error: unknown) => void;
}

interface Watched {
  rules: WatchRules;
  excluded: (rel: string) => boolean;
  /** Latest event per file: true = present (changed), false = gone. */
  pending: Map<string, boolean>;
}

export class WatchBatcher {
  private readonly _folders = new Map<string, Watched>();
  private _timer: NodeJS.Timeout | undefined;
  private _firstEventAt: number | undefined;
  private _running: Promise<void> | undefined;
  private _disposed = false;
  private readonly _quietMs: number;
  private readonly _maxWaitMs: number;
  /** Events accepted and batches started so far (status and tests). */
  accepted = 0;
  batches = 0;

  constructor(private readonly _options: WatchBatcherOptions) {
    this._quietMs = _options.quietMs ?? 1000;
    this._maxWaitMs = _options.maxWaitMs ?? 10_000;
  }

  /** Starts (or updates the rules of) watching `folder`. */
  watch(folder: string, rules: WatchRules): void {
    const key = path.resolve(folder);
    const pending = this._folders.get(key)?.pending ?? new Map<string, boolean>();
    this._folders.set(key, { rules, excluded: compileGlobs(rules.exclude, 'anyDepth'), pending });
  }

  unwatch(folder: string): void {
    this._folders.delete(path.resolve(folder));
  }

  get folders(): string[] {
    return [...this._folders.keys()];
  }

  /** True while a batch runs or events wait for one. */
  get busy(): boolean {
    return this._running !== undefined || [...this._folders.values()].some((w) => w.pending.size > 0);
  }

  /** Takes one file event; returns whether it counts (a source of a watched folder). */
  event(kind: WatchEventKind, file: string): boolean {
    const found = this._folderOf(file);
    if (!found) return false;
    found.watched.pending.set(found.file, kind !== 'deleted');
    this.accepted++;
    this._arm();
    return true;
  }

  /** Puts a batch that could not run now (its folder was busy) back, under newer events. */
  requeue(batch: WatchBatch): void {
    const watched = this._folders.get(path.resolve(batch.folder));
    if (!watched) return;
    for (const f of batch.changed) if (!watched.pending.has(f)) watched.pending.set(f, true);
    for (const f of batch.deleted) if (!watched.pending.has(f)) watched.pending.set(f, false);
    this._arm();
  }

  /** Resolves when no batch runs and none waits (tests). */
  async idle(): Promise<void> {
    while (this.busy && !this._disposed) await (this._running ?? new Promise((r) => setTimeout(r, 20)));
  }

  dispose(): void {
    this._disposed = true;
    clearTimeout(this._timer);
    this._folders.clear();
  }

  /** The watched folder `file` is a source of, per its rules; undefined for anything else. */
  private _folderOf(file: string): { watched: Watched; file: string } | undefined {
    const abs = path.resolve(file);
    let best: { folder: string; watched: Watched } | undefined;
    for (const [folder, watched] of this._folders) {
      if (!isBelow(abs, folder)) continue;
      if (!best || folder.length > best.folder.length) best = { folder, watched };
    }
    if (!best) return undefined;
    const { rules, excluded } = best.watched;
    const parts = path.relative(best.folder, abs).split(path.sep);
    if (!JPEG_NAME.test(parts[parts.length - 1])) return undefined;
    if (parts.some((p) => p.startsWith('.') || p === rules.outputFolderName)) return undefined;
    if (!rules.includeSubfolders && parts.length > 1) return undefined;
    if (rules.exclude.length > 0 && parts.some((_, i) => excluded(parts.slice(0, i + 1).join('/')))) return undefined;
    return { watched: best.watched, file: abs };
  }

  private _arm(): void {
    if (this._disposed || this._running) return; // a running batch re-arms when it ends
    const now = Date.now();
    this._firstEventAt ??= now;
    const wait = Math.max(0, Math.min(this._quietMs, this._firstEventAt + this._maxWaitMs - now));
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._fire(), wait);
  }

  private _fire(): void {
    this._timer = undefined;
    this._firstEventAt = undefined;
    const batches: WatchBatch[] = [];
    for (const [folder, watched] of this._folders) {
      if (watched.pending.size === 0) continue;
      const batch: WatchBatch = { folder, changed: [], deleted: [] };
      for (const [file, present] of watched.pending) (present ? batch.changed : batch.deleted).push(file);
      watched.pending.clear();
      batches.push(batch);
    }
    if (batches.length === 0 || this._disposed) return;
    this.batches++;
    this._running = Promise.resolve()
      .then(() => this._options.onBatch(batches))
      .catch((error: unknown) => this._options.onError?.(error))
      .finally(() => {
        this._running = undefined;
        if ([...this._folders.values()].some((w) => w.pending.size > 0)) this._arm();
      });
  }
}
