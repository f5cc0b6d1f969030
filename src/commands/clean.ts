import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { addResult, cleanFolder, emptyResult, type TidyResult } from '../core/tidy';
import { FolderBusyError, type JobFolder, type JobRunner, type RunningJob } from '../jobs';
import type { ThumbnailLog } from '../log';
import { count, jobLabel, shownPath } from '../ui/jobText';
import { withCancellableProgress } from '../ui/progress';
import { foldersOnly } from './generate';
import { pickFolder } from './pickFolder';
import { checkTargets, showRefusals, type Refusal } from './targets';

/** What a Clean ended with; returned so that tests can check it. */
export interface CleanOutcome {
  status: 'done' | 'cancelled' | 'declined' | 'nothing' | 'error' | 'refused';
  folders: string[];
  /** Thumbnails removed (or, when declined, that would have been). */
  removed: number;
  /** Files in output folders that stayed, with the reason (also in the log). */
  kept: TidyResult['kept'];
  message: string;
  refused: Refusal[];
}

/** Callers (tests) may skip the modal question. */
export interface CleanArgs {
  confirm?: 'ask' | 'yes';
}

/** What "Remove Old Sizes" of a completion message passes to `thumbnails.removeOldSizes`. */
export interface OldSizesArgs {
  folders: string[];
  sizes: string[];
}

/** What a Clean removes (every thumbnail, or only some old sizes) and whether it asks first. */
interface CleanOptions {
  sizes?: string[];
  confirm: 'ask' | 'yes';
  refused: Refusal[];
}

/** Counts (dryRun) or removes what `options` asks for in every folder, added up. */
async function cleanAll(folders: readonly JobFolder[], options: CleanOptions, dryRun: boolean, signal: AbortSignal): Promise<TidyResult> {
  const results = await Promise.all(
    folders.map((f) =>
      cleanFolder(f.folder, {
        outputFolderName: f.settings.outputFolderName,
        // Old sizes go where the job made them; Clean takes every subfolder.
        includeSubfolders: options.sizes ? f.settings.includeSubfolders : true,
        sizes: options.sizes,
        dryRun,
        signal,
      }),
    ),
  );
  return results.reduce(addResult, emptyResult());
}

/** The modal question ("Remove 1,284 thumbnails from photos?"); true when the user says Remove. */
async function confirmRemoval(job: RunningJob, planned: TidyResult): Promise<boolean> {
  const remove = vscode.l10n.t('Remove');
  const others = planned.kept.length;
  const answer = await vscode.window.showWarningMessage(
    planned.removed === 1 ? vscode.l10n.t('Remove 1 thumbnail from {0}?', job.label) : vscode.l10n.t('Remove {0} thumbnails from {1}?', count(planned.removed), job.label),
    {
      modal: true,
      detail: others === 0
        ? vscode.l10n.t('Only files Folder Thumbnails made are removed; empty thumbnail folders go too.')
        : others === 1
          ? vscode.l10n.t('Only files Folder Thumbnails made are removed. 1 other file in the thumbnail folders stays (listed in the log).')
          : vscode.l10n.t('Only files Folder Thumbnails made are removed. {0} other files in the thumbnail folders stay (listed in the log).', count(others)),
    },
    remove,
  );
  return answer === remove;
}

/**
 * `thumbnails.clean`: removes every thumbnail this tool made under the chosen folders (only files
 * that carry its mark, core/tidy.ts), then the size and output folders left empty. Counts first
 * and asks in a modal ("Remove 1,284 thumbnails from photos?"). The folders are claimed through
 * the JobRunner like a job's, so no job writes into them meanwhile. Runs in the extension host:
 * listings, 64-byte reads and unlinks, no image is opened as a picture.
 */
export class CleanCommand {
  readonly id = 'thumbnails.clean';

  constructor(
    private readonly _runner: JobRunner,
    private readonly _log: ThumbnailLog,
    private readonly _onCleaned: (folders: readonly string[]) => void = () => undefined,
  ) {}

  async execute(uri?: vscode.Uri, selection?: vscode.Uri[], args: CleanArgs = {}): Promise<CleanOutcome> {
    let uris = selection && selection.length > 1 ? await foldersOnly(selection) : uri ? [uri] : [];
    if (uris.length === 0) {
      const picked = await pickFolder('clean');
      if (!picked) return this._outcome('refused', [], emptyResult(), '', []);
      uris = [picked];
    }
    const { folders, refused } = await checkTargets(uris, this._runner);
    showRefusals(refused, this._log);
    if (folders.length === 0) return this._outcome('refused', [], emptyResult(), '', refused);
    return this.clean(folders, { sizes: undefined, confirm: args.confirm ?? 'ask', refused });
  }

  /** `thumbnails.removeOldSizes`: the completion message's button; the click is the consent. */
  async removeOldSizes(args: OldSizesArgs): Promise<CleanOutcome> {
    const { folders, refused } = await checkTargets(args.folders.map((f) => vscode.Uri.file(f)), this._runner);
    if (folders.length === 0) return this._outcome('refused', [], emptyResult(), '', refused);
    return this.clean(folders, { sizes: args.sizes, confirm: 'yes', refused });
  }

  private async clean(folders: JobFolder[], options: CleanOptions): Promise<CleanOutcome> {
    const paths = folders.map((f) => f.folder);
    try {
      // JobRunner holds the folders while thumbnails are removed, so no job writes there meanwhile.
      return await this._runner.hold(folders, jobLabel(paths), 'clean', (job) => this._cleanHeld(job, folders, options));
    } catch (e) {
      if (!(e instanceof FolderBusyError)) throw e;
      void vscode.window.showWarningMessage(e.message);
      return this._outcome('refused', paths, emptyResult(), e.message, [...options.refused, { folder: e.folder, reason: 'busy', message: e.message }]);
    }
  }

  private async _cleanHeld(job: RunningJob, folders: JobFolder[], options: CleanOptions): Promise<CleanOutcome> {
    const paths = folders.map((f) => f.folder);
    try {
      const planned = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Counting thumbnails') },
        () => cleanAll(folders, options, true, job.controller.signal),
      );
      if (planned.removed === 0) {
        this._logKept(planned);
        const message = vscode.l10n.t('No thumbnails to remove in {0}.', job.label);
        void vscode.window.showInformationMessage(message);
        return this._outcome('nothing', paths, planned, message, options.refused);
      }
      if (options.confirm === 'ask' && !(await confirmRemoval(job, planned))) return this._outcome('declined', paths, planned, '', options.refused);
      this._log.info(`removing ${options.sizes ? `the old sizes ${options.sizes.join(', ')}` : 'thumbnails'} in ${paths.map(shownPath).join(', ')}`);
      const { result, cancelled } = await this._remove(job, folders, options);
      this._logKept(result);
      if (!options.sizes && !cancelled) this._onCleaned(paths);
      const message = this._showRemoved(job, result, cancelled);
      return this._outcome(cancelled ? 'cancelled' : 'done', paths, result, message, options.refused);
    } catch (e) {
      const message = vscode.l10n.t('Removing thumbnails from {0} failed: {1}', job.label, describeError(e));
      this._log.error(message);
      void vscode.window.showErrorMessage(message);
      return this._outcome('error', paths, emptyResult(), message, options.refused);
    }
  }

  /** Removes under a cancellable notification; its Cancel aborts the held job. */
  private async _remove(job: RunningJob, folders: JobFolder[], options: CleanOptions): Promise<{ result: TidyResult; cancelled: boolean }> {
    let cancelled = false;
    const result = await withCancellableProgress(vscode.l10n.t('Removing thumbnails from {0}', job.label), async (_report, signal) => {
      const abort = (): void => job.controller.abort(signal.reason);
      signal.addEventListener('abort', abort, { once: true });
      try {
        return await cleanAll(folders, options, false, job.controller.signal);
      } finally {
        cancelled = job.controller.signal.aborted;
        signal.removeEventListener('abort', abort);
      }
    });
    return { result, cancelled };
  }

  /** Logs and shows what was removed and kept; returns the message. */
  private _showRemoved(job: RunningJob, result: TidyResult, cancelled: boolean): string {
    const removed = result.removed === 1 ? vscode.l10n.t('Removed 1 thumbnail from {0}', job.label) : vscode.l10n.t('Removed {0} thumbnails from {1}', count(result.removed), job.label);
    const kept = result.kept.length === 0 ? '' : result.kept.length === 1 ? vscode.l10n.t('; 1 other file kept (see the log)') : vscode.l10n.t('; {0} other files kept (see the log)', count(result.kept.length));
    const message = `${cancelled ? vscode.l10n.t('Cancelled: ') : ''}${removed}${kept}.`;
    this._log.info(message);
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showInformationMessage(message, ...(result.kept.length > 0 ? [showLog] : [])).then((a) => {
      if (a) this._log.show();
    });
    return message;
  }

  private _logKept(result: TidyResult): void {
    for (const k of result.kept) this._log.warn(`kept ${shownPath(k.file)}: ${k.reason}`);
  }

  private _outcome(status: CleanOutcome['status'], folders: string[], r: TidyResult, message: string, refused: Refusal[]): CleanOutcome {
    return { status, folders, removed: r.removed, kept: r.kept, message, refused };
  }
}
