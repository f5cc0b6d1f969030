import * as vscode from 'vscode';
import type { JobRunner } from '../jobs';
import type { TallyCounts } from '../core/tally';
import { count, jobLine, statusCount } from './jobText';
import { Disposable } from '../util/dispose';

/** How long the outcome of the last job stays in the status bar. */
export const OUTCOME_MS = 10_000;

/**
 * Owns the one status bar item: hidden until something runs, a spinner with images done / total
 * across jobs while work runs, then the outcome for a while, then hidden again.
 */
export class ThumbnailStatusBar extends Disposable {
  private readonly _item: vscode.StatusBarItem;
  private _hideTimer: NodeJS.Timeout | undefined;
  private _failedSinceIdle = 0;
  private _madeSinceIdle = 0;
  private _upToDateSinceIdle = 0;
  private _cancelledSinceIdle = 0;
  private _visible = false;

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
    this._update();
  }

  /** The text, tooltip and command currently shown (for tests and logs). */
  get state(): { visible: boolean; text: string; tooltip: string } {
    return { visible: this._visible, text: this._item.text, tooltip: String(this._item.tooltip ?? '') };
  }

  private _update(): void {
    const jobs = this._runner.jobs.filter((j) => j.started);
    clearTimeout(this._hideTimer);
    if (jobs.length > 0) {
      this._item.text = `$(sync~spin) ${vscode.l10n.t('Thumbnails {0}', statusCount(jobs))}`;
      this._item.tooltip = [vscode.l10n.t('Generating thumbnails (click to show the log):'), ...jobs.map(jobLine)].join('\n');
      this._item.command = 'thumbnails.showLog';
      this._item.backgroundColor = undefined;
      this._show();
      return;
    }
    if (!this._visible) return;
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
      this._item.hide();
      this._visible = false;
      this._failedSinceIdle = 0;
      this._madeSinceIdle = 0;
      this._upToDateSinceIdle = 0;
      this._cancelledSinceIdle = 0;
    }, OUTCOME_MS);
  }

  private _show(): void {
    this._visible = true;
    this._item.show();
  }
}
