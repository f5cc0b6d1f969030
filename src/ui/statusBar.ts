import * as vscode from 'vscode';
import type { JobRunner } from '../jobs';
import type { TallyCounts } from '../core/tally';
import { count, jobLine, statusCount } from './jobText';
import { Disposable } from '../util/dispose';

/** How long the outcome of the last job stays in the status bar. */
export const OUTCOME_MS = 10_000;

/** What the watcher tells the status bar (src/watch.ts). */
export interface WatchState {
  /** Folders being watched. */
  folders: readonly string[];
  /** What the last watch job did ("3 made, 2 removed at 14:02"), if any. */
  last?: string;
}

/**
 * Owns the one status bar item: hidden until something runs, a sync icon with images done / total
 * across jobs while work runs, then the outcome for a while, then hidden again; while folders are
 * watched (`thumbnails.watch`), an eye instead of hidden.
 */
export class ThumbnailStatusBar extends Disposable {
  private readonly _item: vscode.StatusBarItem;
  private _hideTimer: NodeJS.Timeout | undefined;
  private _failedSinceIdle = 0;
  private _madeSinceIdle = 0;
  private _upToDateSinceIdle = 0;
  private _cancelledSinceIdle = 0;
  private _visible = false;
  /** A job the user started ran since the bar was idle: its outcome is shown (watch jobs have none). */
  private _userJobSinceIdle = false;
  private _watch: WatchState | undefined;

  constructor(private readonly _runner: JobRunner) {
    super();
    this._item = this._register(vscode.window.createStatusBarItem('thumbnails.status', vscode.StatusBarAlignment.Left, 50));
    this._item.name = vscode.l10n.t('Thumbnails');
    this._register(_runner.onDidChange(() => this._update()));
    this._register({ dispose: () => clearTimeout(this._hideTimer) });
  }

  /** Called by the command when a job ends, so the outcome counts every job since the bar was idle. */
  recordOutcome(outcome: { counts: TallyCounts; cancelled: boolean }): void {
    this._madeSinceIdle += outcome.counts.made;
    this._upToDateSinceIdle += outcome.counts.upToDate;
    this._failedSinceIdle += outcome.counts.failed;
    if (outcome.cancelled) this._cancelledSinceIdle++;
    this._userJobSinceIdle = true;
    this._update();
  }

  /** Called by the watcher when what it watches or did changes; undefined when it watches nothing. */
  setWatch(state: WatchState | undefined): void {
    this._watch = state && state.folders.length > 0 ? state : undefined;
    this._update();
  }

  /** The text, tooltip and command currently shown (for tests and logs). */
  get state(): { visible: boolean; text: string; tooltip: string } {
    return { visible: this._visible, text: this._item.text, tooltip: String(this._item.tooltip ?? '') };
  }

  private _update(): void {
    // Only jobs making thumbnails (JobRunner.run has started them) are counted work: not one still
    // waiting for the user's answer, nor a Clean, which holds its folders but never runs.
    const jobs = this._runner.jobs.filter((j) => j.started);
    clearTimeout(this._hideTimer);
    if (jobs.length > 0) {
      const watchOnly = jobs.every((j) => j.mode === 'watch');
      if (!watchOnly) this._userJobSinceIdle = true;
      // A still icon: the count moving shows the progress. A spinning one is redrawn 60 times a
      // second for the whole job, which cost ~15% of a core where the window draws in software
      // (code-server in a browser without a GPU; bench/README.md, "Eighth round").
      this._item.text = watchOnly
        ? `$(sync) ${vscode.l10n.t('Thumbnails: watching, {0}', statusCount(jobs))}`
        : `$(sync) ${vscode.l10n.t('Thumbnails {0}', statusCount(jobs))}`;
      this._item.tooltip = [
        watchOnly ? vscode.l10n.t('Making thumbnails of changed photos (click to show the log):') : vscode.l10n.t('Generating thumbnails (click to show the log):'),
        ...jobs.map(jobLine),
      ].join('\n');
      this._item.command = 'thumbnails.showLog';
      this._item.backgroundColor = undefined;
      this._show();
      return;
    }
    if (!this._userJobSinceIdle) {
      this._showWatch();
      return;
    }
    const failed = this._failedSinceIdle;
    // A failure outranks a cancel: it needs the user's attention, a cancel was their own doing.
    if (failed > 0) {
      this._item.text = `$(warning) ${vscode.l10n.t('Thumbnails: {0} failed', failed)}`;
      this._item.tooltip = vscode.l10n.t('{0} images failed; click to show the log', failed);
    } else if (this._cancelledSinceIdle > 0) {
      this._item.text = `$(circle-slash) ${vscode.l10n.t('Thumbnails cancelled')}`;
      this._item.tooltip = vscode.l10n.t('{0} new and {1} up to date before cancelling; click to show the log', count(this._madeSinceIdle), count(this._upToDateSinceIdle));
    } else {
      this._item.text = `$(check) ${vscode.l10n.t('Thumbnails done')}`;
      this._item.tooltip = vscode.l10n.t('{0} new and {1} up to date; click to show the log', count(this._madeSinceIdle), count(this._upToDateSinceIdle));
    }
    this._item.backgroundColor = failed > 0 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this._hideTimer = setTimeout(() => {
      this._failedSinceIdle = 0;
      this._madeSinceIdle = 0;
      this._upToDateSinceIdle = 0;
      this._cancelledSinceIdle = 0;
      this._userJobSinceIdle = false;
      this._showWatch();
    }, OUTCOME_MS);
  }

  /** Idle: the eye while folders are watched, else nothing. */
  private _showWatch(): void {
    const watch = this._watch;
    if (!watch) {
      this._item.hide();
      this._visible = false;
      return;
    }
    this._item.text = `$(eye) ${vscode.l10n.t('Thumbnails')}`;
    const lines = [
      watch.folders.length === 1
        ? vscode.l10n.t('Watching 1 folder: new and changed JPEGs get thumbnails, deleted ones lose them (thumbnails.watch).')
        : vscode.l10n.t('Watching {0} folders: new and changed JPEGs get thumbnails, deleted ones lose them (thumbnails.watch).', watch.folders.length),
      ...(watch.last ? [vscode.l10n.t('Last: {0}', watch.last)] : []),
      vscode.l10n.t('Click to show the log.'),
    ];
    this._item.tooltip = lines.join('\n');
    this._item.command = 'thumbnails.showLog';
    this._item.backgroundColor = undefined;
    this._show();
  }

  private _show(): void {
    this._visible = true;
    this._item.show();
  }
}
