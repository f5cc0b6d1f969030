import * as vscode from 'vscode';
import { describeError } from '../core/errors';
import { countExistingThumbnails } from '../core/plan';
import { FolderBusyError, type FolderOutcome, type JobMode, type JobRunner, type RunningJob } from '../jobs';
import { readRemoveOrphans } from '../tidyConfig';
import type { ThumbnailLog } from '../log';
import { count, jobLabel, progressFraction, progressText } from '../ui/jobText';
import { withCancellableProgress } from '../ui/progress';
import type { ThumbnailStatusBar } from '../ui/statusBar';
import { JobSummaryView, totalsOf } from '../ui/summary';
import { pickFolder } from './pickFolder';
import { checkTargets, showRefusals, type Refusal } from './targets';

/** What a command run ended with; returned so that tests can check it. */
export interface GenerateOutcome {
  /** The job that ran, if any folder was left to run. */
  job?:
    | { status: 'done' | 'cancelled'; folders: string[]; summaries: FolderOutcome[]; message: string }
    | { status: 'error' | 'declined'; folders: string[]; message: string };
  /** Chosen folders that were not run, and why. */
  refused: Refusal[];
}

/** What other callers (tests, keybindings, other extensions) may pass as the third argument. */
export interface GenerateArgs {
  /** Regenerate asks before overwriting many files ('ask'); 'yes' skips the question. */
  overwrite?: 'ask' | 'yes';
}

/** Regenerate asks before overwriting more thumbnail files than this. */
export const CONFIRM_OVERWRITE_OVER = 300;

/**
 * `thumbnails.generate` and `thumbnails.regenerate`. From the Explorer the handler gets the
 * clicked folder and the whole selection; from the palette nothing, and the user picks. Whatever
 * was chosen becomes one job: one notification, one count, one summary.
 */
export class GenerateCommand {
  readonly id: string;

  constructor(
    private readonly _mode: JobMode,
    private readonly _runner: JobRunner,
    private readonly _log: ThumbnailLog,
    private readonly _statusBar: ThumbnailStatusBar,
    private readonly _summary: JobSummaryView,
    /** Called with the folders of a job that ran to its end (the watcher remembers them). */
    private readonly _onDone: (folders: readonly string[]) => void = () => undefined,
  ) {
    this.id = `thumbnails.${_mode}`;
  }

  async execute(uri?: vscode.Uri, selection?: vscode.Uri[], args: GenerateArgs = {}): Promise<GenerateOutcome> {
    let uris = selection && selection.length > 1 ? await foldersOnly(selection) : uri ? [uri] : [];
    if (uris.length === 0) {
      const picked = await pickFolder(this._mode);
      if (!picked) return { refused: [] };
      uris = [picked];
    }
    const checked = await checkTargets(uris, this._runner);
    const { refused } = checked;
    // After the run, orphans are removed (thumbnails.removeOrphans) or only counted, and old sizes listed.
    const folders = checked.folders.map((f) => ({ ...f, removeOrphans: readRemoveOrphans(vscode.Uri.file(f.folder)) }));
    showRefusals(refused, this._log);
    if (folders.length === 0) return { refused };

    const label = jobLabel(folders.map((f) => f.folder));
    try {
      const job = await this._runner.hold(folders, label, this._mode, (held) => this._run(held, uris, args));
      return { job, refused };
    } catch (e) {
      if (!(e instanceof FolderBusyError)) throw e;
      // Another command claimed one of these folders while they were being checked.
      const busy: Refusal = { folder: e.folder, reason: 'busy', message: vscode.l10n.t('Thumbnails are already being generated for {0}; wait for that job or cancel it first.', e.job.label) };
      showRefusals([busy], this._log);
      return { refused: [...refused, busy] };
    }
  }

  /** Runs a held job under one notification and tells the user how it ended. */
  private async _run(job: RunningJob, uris: readonly vscode.Uri[], args: GenerateArgs): Promise<NonNullable<GenerateOutcome['job']>> {
    const paths = job.folders.map((f) => f.folder);
    if (this._mode === 'regenerate' && args.overwrite !== 'yes' && !(await this._confirmOverwrite(job))) {
      return { status: 'declined', folders: paths, message: '' };
    }
    try {
      this._log.info(`${this._mode === 'regenerate' ? 'regenerating' : 'generating'} thumbnails for ${paths.join(', ')}`);
      const title = this._mode === 'regenerate'
        ? vscode.l10n.t('Regenerating thumbnails for {0}', job.label)
        : vscode.l10n.t('Generating thumbnails for {0}', job.label);
      const summaries = await withCancellableProgress(title, (report, signal) => {
        const redraw = this._runner.onDidChange(() => report(progressText(job), progressFraction(job)));
        return this._runner.run(job, signal).finally(() => redraw.dispose());
      });
      const cancelled = summaries.some((s) => s.cancelled);
      this._statusBar.recordOutcome({ counts: totalsOf(summaries), cancelled });
      const message = this._summary.show(job, summaries, uris);
      if (!cancelled) this._onDone(paths);
      return { status: cancelled ? 'cancelled' : 'done', folders: paths, summaries, message };
    } catch (e) {
      const message = vscode.l10n.t('Generating thumbnails for {0} failed: {1}', job.label, describeError(e));
      this._log.error(`${message}\n${e instanceof Error ? e.stack : ''}`);
      this._summary.showError(message);
      return { status: 'error', folders: paths, message };
    }
  }

  /** Regenerate overwrites: past a few hundred files, the user says yes first. */
  private async _confirmOverwrite(job: RunningJob): Promise<boolean> {
    const existing = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Counting thumbnails') },
      async () => (await Promise.all(job.folders.map((f) => countExistingThumbnails(f.folder, f.settings, job.controller.signal)))).reduce((a, b) => a + b, 0),
    );
    if (existing <= CONFIRM_OVERWRITE_OVER) return true;
    const overwrite = vscode.l10n.t('Overwrite');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Regenerate thumbnails for {0}?', job.label),
      { modal: true, detail: vscode.l10n.t('{0} existing thumbnails will be overwritten.', count(existing)) },
      overwrite,
    );
    return answer === overwrite;
  }
}

/** A mixed Explorer selection: the files in it are not what the user asked thumbnails for. */
export async function foldersOnly(uris: vscode.Uri[]): Promise<vscode.Uri[]> {
  const stats = await Promise.all(uris.map((u) => Promise.resolve(vscode.workspace.fs.stat(u)).catch(() => undefined)));
  return uris.filter((_, i) => (stats[i]?.type ?? 0) & vscode.FileType.Directory);
}
