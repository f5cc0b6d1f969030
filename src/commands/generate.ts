import * as vscode from 'vscode';
import * as path from 'node:path';
import { readSettings } from '../config';
import type { JobSummary } from '../core/engine';
import { FailureCode, describeError } from '../core/errors';
import { describeLeftOut } from '../core/leftOut';
import { SettingsError } from '../core/settings';
import { FolderBusyError, folderName, type JobRunner } from '../jobs';
import type { ThumbnailLog } from '../log';
import { withCancellableProgress } from '../ui/progress';
import type { ThumbnailStatusBar } from '../ui/statusBar';
import { pickFolder } from './pickFolder';

/** What one folder's run ended with; the command returns these so tests can check them. */
export type FolderOutcome =
  | { folder: string; status: 'done' | 'cancelled'; summary: JobSummary; message: string }
  | { folder: string; status: 'invalid-settings' | 'busy' | 'not-a-folder' | 'error'; message: string };

/** Failures about where thumbnails go, not about the image. */
const OUTPUT_FAILURES: ReadonlySet<string> = new Set([FailureCode.OUTPUT_NOT_WRITABLE, FailureCode.OUTPUT_IS_LINK, FailureCode.NO_SPACE]);

/** Progress messages are throttled: the notification need not redraw for every image. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * `thumbnails.generate` and `thumbnails.regenerate` (force). From the Explorer the handler gets
 * the clicked folder and the whole selection; from the palette nothing, and the user picks.
 */
export class GenerateCommand {
  constructor(
    readonly id: string,
    private readonly _force: boolean,
    private readonly _runner: JobRunner,
    private readonly _log: ThumbnailLog,
    private readonly _statusBar: ThumbnailStatusBar,
  ) {}

  async execute(uri?: vscode.Uri, selection?: vscode.Uri[]): Promise<FolderOutcome[]> {
    let targets = selection && selection.length > 1 ? await foldersOnly(selection) : uri ? [uri] : [];
    if (targets.length === 0) {
      const picked = await pickFolder(this._force);
      if (!picked) return [];
      targets = [picked];
    }
    return Promise.all(targets.map((t) => this._runOne(t)));
  }

  private async _runOne(folder: vscode.Uri): Promise<FolderOutcome> {
    const name = folderName(folder);
    const fsPath = folder.fsPath;
    try {
      const stat = await vscode.workspace.fs.stat(folder);
      if (!(stat.type & vscode.FileType.Directory)) {
        return this._fail(fsPath, 'not-a-folder', vscode.l10n.t('{0} is not a folder.', fsPath));
      }
    } catch (e) {
      return this._fail(fsPath, 'not-a-folder', vscode.l10n.t('Cannot open {0}: {1}', fsPath, describeError(e)));
    }

    let settings;
    try {
      settings = readSettings(folder);
    } catch (e) {
      if (e instanceof SettingsError) {
        const message = vscode.l10n.t('Thumbnails settings for {0} are invalid: {1}', name, e.problems.join('; '));
        this._log.error(message);
        void vscode.window.showErrorMessage(message, vscode.l10n.t('Open Settings')).then((a) => {
          if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'thumbnails.');
        });
        return { folder: fsPath, status: 'invalid-settings', message };
      }
      throw e;
    }

    let job;
    try {
      job = this._runner.reserve(folder);
    } catch (e) {
      if (!(e instanceof FolderBusyError)) throw e;
      const message = vscode.l10n.t('Thumbnails are already being generated for {0}; wait for that job or cancel it first.', e.job.folder.fsPath);
      void vscode.window.showWarningMessage(message);
      return { folder: fsPath, status: 'busy', message };
    }

    const title = vscode.l10n.t('Generating thumbnails for {0}', name);
    let lastReport = 0;
    try {
      this._log.info(`${this._force ? 'regenerating' : 'generating'} thumbnails for ${fsPath}`);
      const summary = await withCancellableProgress(title, (report, signal) =>
        this._runner.run(job, settings, this._force, signal, (p) => {
          const now = Date.now();
          if (now - lastReport < PROGRESS_INTERVAL_MS && !(p.scanDone && p.done === p.found)) return;
          lastReport = now;
          report(
            p.scanDone
              ? vscode.l10n.t('{0} of {1} images', p.done, p.found)
              : vscode.l10n.t('{0} of {1}+ images (scanning)', p.done, p.found),
            p.scanDone && p.found > 0 ? p.done / p.found : undefined,
          );
        }),
      );
      return this._finished(folder, name, summary, settings.outputFolderName);
    } catch (e) {
      const message = vscode.l10n.t('Generating thumbnails for {0} failed: {1}', name, describeError(e));
      this._log.error(`${message}\n${e instanceof Error ? e.stack : ''}`);
      this._showWithLog('error', message);
      return { folder: fsPath, status: 'error', message };
    } finally {
      this._runner.release(job);
    }
  }

  private _finished(folder: vscode.Uri, name: string, s: JobSummary, outputFolderName: string): FolderOutcome {
    const secs = (s.elapsedMs / 1000).toFixed(1);
    for (const f of s.failed) this._log.error(`${f.message} [${f.code}]`); // the core's message starts with the file
    this._log.info(`${folder.fsPath}: ${s.images} images rendered (${s.fastDecodes} decoded with libjpeg-turbo), ${s.thumbnails} thumbnails written, ${s.skipped} up to date, ${s.failed.length} failed, ${secs} s${s.cancelled ? ', cancelled' : ''}`);
    // What the filters left out, counted by name, named by the setting that leaves it out.
    const leftOut = describeLeftOut(s.excluded, 'editor').map((line) => `${line}.`);
    for (const line of leftOut) this._log.info(`${folder.fsPath}: ${line}`);
    const andLeftOut = (message: string): string => [message, ...leftOut].join(' ');
    this._statusBar.recordOutcome(s.images + s.skipped, s.failed.length, s.cancelled);
    if (s.cancelled) {
      const message = vscode.l10n.t('Cancelled thumbnails for {0} after {1} images ({2} thumbnails written); finished files are kept.', name, s.images + s.skipped + s.failed.length, s.thumbnails);
      void vscode.window.showInformationMessage(message);
      return { folder: folder.fsPath, status: 'cancelled', summary: s, message };
    }
    let message: string;
    if (s.failed.length > 0) {
      const total = s.images + s.skipped + s.failed.length;
      // "Could not be read" only when it is true: a link or a full disk is about where thumbnails go.
      const unreadable = s.failed.every((f) => !OUTPUT_FAILURES.has(f.code));
      if (unreadable) {
        message = s.thumbnails > 0 || s.skipped === 0
          ? vscode.l10n.t('{0} of {1} images in {2} could not be read; generated {3} thumbnails for the others.', s.failed.length, total, name, s.thumbnails)
          : vscode.l10n.t("{0} of {1} images in {2} could not be read; the others' thumbnails are up to date.", s.failed.length, total, name);
      } else {
        message = s.thumbnails > 0 || s.skipped === 0
          ? vscode.l10n.t('{0} of {1} images in {2} got no thumbnails (see the log for why); generated {3} thumbnails for the others.', s.failed.length, total, name, s.thumbnails)
          : vscode.l10n.t("{0} of {1} images in {2} got no thumbnails (see the log for why); the others' thumbnails are up to date.", s.failed.length, total, name);
      }
      message = andLeftOut(message);
      this._showWithLog('warning', message);
    } else if (s.images === 0) {
      message = s.skipped > 0
        ? vscode.l10n.t('Thumbnails for {0} are up to date ({1} images).', name, s.skipped)
        : vscode.l10n.t('No JPEG images found in {0}.', name);
      message = andLeftOut(message);
      void vscode.window.showInformationMessage(message);
    } else {
      message = andLeftOut(vscode.l10n.t('Generated {0} thumbnails for {1} images in {2} s.', s.thumbnails, s.images, secs));
      const reveal = vscode.l10n.t('Reveal in Explorer');
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showInformationMessage(message, reveal, showLog).then((a) => {
        if (a === reveal) void this._reveal(folder, outputFolderName);
        else if (a === showLog) this._log.show();
      });
    }
    return { folder: folder.fsPath, status: 'done', summary: s, message };
  }

  /** Reveals the job's output folder, as the job's own settings named it. */
  private async _reveal(folder: vscode.Uri, outputFolderName: string): Promise<void> {
    let target = folder;
    try {
      const out = vscode.Uri.file(path.join(folder.fsPath, outputFolderName));
      await vscode.workspace.fs.stat(out);
      target = out;
    } catch { /* no output folder at the top level (images only in subfolders): reveal the folder */ }
    await vscode.commands.executeCommand('revealInExplorer', target);
  }

  private _showWithLog(kind: 'warning' | 'error', message: string): void {
    const showLog = vscode.l10n.t('Show Log');
    const show = kind === 'warning' ? vscode.window.showWarningMessage : vscode.window.showErrorMessage;
    void show(message, showLog).then((a) => {
      if (a === showLog) this._log.show();
    });
  }

  private _fail(folder: string, status: 'not-a-folder', message: string): FolderOutcome {
    this._log.error(message);
    void vscode.window.showErrorMessage(message);
    return { folder, status, message };
  }
}

/** A mixed Explorer selection: the files in it are not what the user asked thumbnails for. */
async function foldersOnly(uris: vscode.Uri[]): Promise<vscode.Uri[]> {
  const stats = await Promise.all(uris.map((u) => Promise.resolve(vscode.workspace.fs.stat(u)).catch(() => undefined)));
  return uris.filter((_, i) => (stats[i]?.type ?? 0) & vscode.FileType.Directory);
}
