import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { readSettings } from './config';
import { describeError } from './core/errors';
import { FolderFilter, leftOutReason } from './core/folderFilter';
import { isSameOrInside } from './core/folders';
import { scanOptionsFor } from './core/scan';
import { removeThumbnailsOf } from './core/tidy';
import { WatchBatcher, type WatchBatch } from './core/watchBatch';
import { FolderBusyError, type JobFolder, type JobRunner, type RunningJob } from './jobs';
import type { ThumbnailLog } from './log';
import { readWatch } from './tidyConfig';
import { jobLabel, shownPath } from './ui/jobText';
import type { ThumbnailStatusBar } from './ui/statusBar';
import { Disposable } from './util/dispose';

/** The folders that got thumbnails in this workspace (workspaceState). */
const FOLDERS_KEY = 'thumbnails.watchedFolders';

/** A batch starts this long after the last file event. */
export const WATCH_QUIET_MS = 1000;

/**
 * `thumbnails.watch`: the folders that got thumbnails in this workspace are watched; a JPEG added
 * or changed gets its thumbnails about a second after the last event (a burst is one job, run
 * through the JobRunner like any other, without a notification), a deleted or renamed one loses
 * them (core/tidy.ts, same ownership rule as Clean). Events inside output folders are dropped by
 * the batcher (core/watchBatch.ts), so a watch job's own writes never start another. Nothing is
 * watched in Restricted Mode.
 */
export class ThumbnailWatcher extends Disposable {
  private readonly _batcher: WatchBatcher;
  private readonly _watchers = new Map<string, vscode.Disposable>();
  private _last: string | undefined;

  constructor(
    private readonly _runner: JobRunner,
    private readonly _log: ThumbnailLog,
    private readonly _state: vscode.Memento,
    private readonly _statusBar: ThumbnailStatusBar,
    private readonly _options: { quietMs?: number; isTrusted?: () => boolean } = {},
  ) {
    super();
    this._batcher = new WatchBatcher({
      quietMs: _options.quietMs ?? WATCH_QUIET_MS,
      onBatch: (batches) => this._run(batches),
      onError: (error) => this._log.error(`watch: ${describeError(error)}`),
    });
    this._register({ dispose: () => this._batcher.dispose() });
    this._register({ dispose: () => this._unwatchAll() });
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('thumbnails')) this.refresh();
    }));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.refresh()));
    this.refresh();
  }

  /** The folders watched now. */
  get folders(): string[] {
    return [...this._watchers.keys()];
  }

  /** Batches started so far (tests). */
  get batches(): number {
    return this._batcher.batches;
  }

  /** True while a watch job runs or events wait for one (tests). */
  get busy(): boolean {
    return this._batcher.busy;
  }

  /** Resolves when no watch job runs or waits (tests). */
  idle(): Promise<void> {
    return this._batcher.idle();
  }

  /** Folders that got thumbnails: watched from now on when `thumbnails.watch` is on. */
  remember(folders: readonly string[]): void {
    const known = this._remembered();
    const next = [...known, ...folders.filter((f) => !known.includes(f))];
    if (next.length !== known.length) void this._state.update(FOLDERS_KEY, next).then(() => this.refresh());
  }

  /** Folders whose thumbnails were cleaned: no longer watched. */
  forget(folders: readonly string[]): void {
    const next = this._remembered().filter((f) => !folders.some((c) => isSameOrInside(f, c)));
    void this._state.update(FOLDERS_KEY, next).then(() => this.refresh());
  }

  /** Watches exactly the remembered folders whose setting is on, in a trusted workspace. */
  refresh(): void {
    if (this.isDisposed) return;
    const wanted = new Map<string, JobFolder['settings']>();
    // Restricted Mode: nothing is watched (a workspace must not make us act on files unasked).
    if ((this._options.isTrusted ?? (() => vscode.workspace.isTrusted))()) {
      for (const folder of this._remembered()) {
        const uri = vscode.Uri.file(folder);
        if (!readWatch(uri) || !existsSync(folder)) continue;
        try {
          wanted.set(folder, readSettings(uri));
        } catch (e) {
          this._log.warn(`watch: ${shownPath(folder)} is not watched: ${describeError(e)}`);
        }
      }
    }
    for (const folder of this.folders) {
      if (wanted.has(folder)) continue;
      this._watchers.get(folder)?.dispose();
      this._watchers.delete(folder);
      this._batcher.unwatch(folder);
      this._log.info(`watch: stopped watching ${shownPath(folder)}`);
    }
    for (const [folder, settings] of wanted) {
      this._batcher.watch(folder, settings);
      if (this._watchers.has(folder)) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), '**/*'));
      const on = (kind: 'created' | 'changed' | 'deleted') => (uri: vscode.Uri) => {
        if (uri.scheme === 'file') this._batcher.event(kind, uri.fsPath);
      };
      this._watchers.set(folder, vscode.Disposable.from(
        watcher,
        watcher.onDidCreate(on('created')),
        watcher.onDidChange(on('changed')),
        watcher.onDidDelete(on('deleted')),
      ));
      this._log.info(`watch: watching ${shownPath(folder)}`);
    }
    this._publish();
  }

  private _remembered(): string[] {
    return this._state.get<string[]>(FOLDERS_KEY) ?? [];
  }

  private _publish(): void {
    this._statusBar.setWatch(this._watchers.size > 0 ? { folders: this.folders, last: this._last } : undefined);
  }

  /** One batch: every folder's changes as one job, every folder's deletes removed. */
  private async _run(batches: WatchBatch[]): Promise<void> {
    const folders: JobFolder[] = [];
    const deletes: { folder: string; files: string[]; outputFolderName: string }[] = [];
    for (const b of batches) {
      let settings;
      try {
        settings = readSettings(vscode.Uri.file(b.folder));
      } catch (e) {
        this._log.warn(`watch: ${shownPath(b.folder)} skipped: ${describeError(e)}`);
        continue;
      }
      // A file created and gone again before its turn is a delete (its event may still come).
      const present = b.changed.filter((f) => existsSync(f));
      const deleted = [...b.deleted, ...b.changed.filter((f) => !existsSync(f))];
      // What a run would leave out (exclude, files.exclude, ignore files) the watcher leaves out too.
      const filter = await FolderFilter.create(b.folder, scanOptionsFor(settings));
      const changed: string[] = [];
      for (const f of present) if ((await leftOutReason(filter, b.folder, f)) === null) changed.push(f);
      if (changed.length === 0 && deleted.length === 0) continue;
      folders.push({ folder: b.folder, settings, sources: changed });
      if (deleted.length > 0) deletes.push({ folder: b.folder, files: deleted, outputFolderName: settings.outputFolderName });
    }
    if (folders.length === 0) return;
    const label = jobLabel(folders.map((f) => f.folder));
    let counts: { made: number; removed: number };
    try {
      counts = await this._runner.hold(folders, label, 'watch', (job) => this._runHeld(job, folders, deletes));
    } catch (e) {
      if (!(e instanceof FolderBusyError)) throw e;
      // A job of the user's has the folder: try again once it is quiet (it may well make these).
      for (const b of batches) this._batcher.requeue(b);
      return;
    }
    const { made, removed } = counts;
    this._last = vscode.l10n.t('{0} made, {1} removed at {2}', made, removed, new Date().toLocaleTimeString());
    this._log.info(`watch: ${made} image(s) made, ${removed} thumbnail(s) removed`);
    this._publish();
  }

  /** Removes the deleted sources' thumbnails, then makes the changed ones', in a held job. */
  private async _runHeld(
    job: RunningJob,
    folders: readonly JobFolder[],
    deletes: readonly { folder: string; files: string[]; outputFolderName: string }[],
  ): Promise<{ made: number; removed: number }> {
    let made = 0;
    let removed = 0;
    for (const d of deletes) {
      const result = await removeThumbnailsOf(d.folder, d.files, d.outputFolderName, { signal: job.controller.signal });
      removed += result.removed;
      for (const k of result.kept) this._log.warn(`watch: kept ${shownPath(k.file)}: ${k.reason}`);
    }
    const toMake = folders.reduce((n, f) => n + (f.sources?.length ?? 0), 0);
    if (toMake > 0) {
      this._log.info(`watch: making thumbnails of ${toMake} changed image(s) in ${folders.map((f) => shownPath(f.folder)).join(', ')}`);
      const summaries = await this._runner.run(job, new AbortController().signal);
      for (const s of summaries) {
        made += s.images;
        for (const f of s.failed) this._log.error(`${f.message} [${f.code}]`);
      }
    }
    return { made, removed };
  }

  private _unwatchAll(): void {
    for (const d of this._watchers.values()) d.dispose();
    this._watchers.clear();
  }
}
