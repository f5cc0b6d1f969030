import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobSummary } from '../core/engine';
import { FailureCode } from '../core/errors';
import { describeLeftOut, NO_LEFT_OUT, type LeftOutCounts } from '../core/leftOut';
import type { TallyCounts } from '../core/tally';
import type { FolderOutcome, RunningJob } from '../jobs';
import type { ThumbnailLog } from '../log';
import { count, shownPath } from './jobText';

/** Failures about where thumbnails go, not about the image. */
const OUTPUT_FAILURES: ReadonlySet<string> = new Set([FailureCode.OUTPUT_NOT_WRITABLE, FailureCode.OUTPUT_IS_LINK, FailureCode.NO_SPACE]);

/** The workspace has been offered "Hide thumbnails from search" (once per workspace). */
const SEARCH_OFFERED_KEY = 'thumbnails.searchExcludeOffered';

/** The counts of finished folders, added up. */
export function totalsOf(summaries: readonly JobSummary[]): TallyCounts {
  const t: TallyCounts = { found: 0, scanDone: true, upToDate: 0, toDo: 0, done: 0, made: 0, failed: 0, thumbnails: 0 };
  for (const s of summaries) {
    t.made += s.images;
    t.upToDate += s.skipped;
    t.failed += s.failed.length;
    t.thumbnails += s.thumbnails;
  }
  t.done = t.made + t.failed;
  t.found = t.done + t.upToDate;
  t.toDo = t.done;
  return t;
}

/** What the filters left out in every folder of a job, added up. */
export function leftOutOf(summaries: readonly JobSummary[]): LeftOutCounts {
  const t = { ...NO_LEFT_OUT };
  for (const s of summaries) {
    t.exclude += s.excluded.exclude;
    t.filesExclude += s.excluded.filesExclude;
    t.ignoreFiles += s.excluded.ignoreFiles;
    t.complete &&= s.excluded.complete;
  }
  return t;
}

/** The orphan step's part of the message, its buttons, and what they do. */
interface TidyView {
  parts: string[];
  append: (message: string) => string;
  actions: string[];
  handle: (a: string | undefined) => void;
}

/**
 * Tells the user how a job ended: one message for the whole job ("4 folders: 599 new images,
 * 906 up to date, 1 failed"), each failure and each folder with nothing to do in the log.
 */
export class JobSummaryView {
  constructor(private readonly _log: ThumbnailLog, private readonly _workspaceState: vscode.Memento) {}

  /** Logs and shows the outcome; returns the message shown. `chosen`: what to run again. */
  show(job: RunningJob, summaries: readonly FolderOutcome[], chosen: readonly vscode.Uri[]): string {
    const totals = totalsOf(summaries);
    this._logFolders(summaries);
    const tidy = this._tidy(job, summaries);
    if (summaries.some((s) => s.cancelled)) return this._showCancelled(job, totals, chosen);
    // What the filters left out, counted by name, named by the setting that leaves it out.
    const leftOut = describeLeftOut(leftOutOf(summaries), 'editor').map((line) => `${line}.`);
    const andLeftOut = (message: string): string => [message, ...leftOut].join(' ');
    if (totals.done === 0) {
      const message = tidy.append(andLeftOut(totals.upToDate === 0
        ? vscode.l10n.t('No JPEG images found in {0}.', job.label)
        : vscode.l10n.t('Thumbnails for {0} are up to date ({1} images).', job.label, count(totals.upToDate))));
      void vscode.window.showInformationMessage(message, ...tidy.actions).then(tidy.handle);
      return message;
    }
    const secs = (Math.max(...summaries.map((s) => s.elapsedMs)) / 1000).toFixed(1);
    const parts = [...this._parts(totals, summaries), ...tidy.parts].join(', ');
    const message = andLeftOut(totals.thumbnails > 0
      ? vscode.l10n.t('{0}: {1} ({2} thumbnails written in {3} s).', job.label, parts, count(totals.thumbnails), secs)
      : vscode.l10n.t('{0}: {1}.', job.label, parts));
    if (totals.failed > 0) this._showFailed(message, tidy);
    else this._showMade(job, message, tidy);
    return message;
  }

  private _showCancelled(job: RunningJob, totals: TallyCounts, chosen: readonly vscode.Uri[]): string {
    const notDone = Math.max(0, job.tally.counts.toDo - totals.done);
    const message = vscode.l10n.t('Cancelled thumbnails for {0}: {1}; finished files are kept.', job.label, [
      ...this._parts(totals),
      ...(notDone > 0 ? [vscode.l10n.t('{0} not done', count(notDone))] : []),
    ].join(', '));
    const again = vscode.l10n.t('Generate Again');
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showInformationMessage(message, again, showLog).then((a) => {
      if (a === again) void vscode.commands.executeCommand('thumbnails.generate', chosen[0], chosen);
      else if (a === showLog) this._log.show();
    });
    return message;
  }

  private _showFailed(message: string, tidy: TidyView): void {
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showWarningMessage(message, showLog, ...tidy.actions).then((a) => {
      if (a === showLog) this._log.show();
      else tidy.handle(a);
    });
  }

  /** Every image made: offers to reveal them, and once per workspace to hide them from search. */
  private _showMade(job: RunningJob, message: string, tidy: TidyView): void {
    const reveal = vscode.l10n.t('Reveal in Explorer');
    const showLog = vscode.l10n.t('Show Log');
    const actions = [...tidy.actions, reveal, showLog];
    const hide = vscode.l10n.t('Hide Thumbnails from Search');
    const outputNames = [...new Set(job.folders.map((f) => f.settings.outputFolderName))];
    if (this._shouldOfferSearchExclude(outputNames)) {
      actions.push(hide);
      void this._workspaceState.update(SEARCH_OFFERED_KEY, true);
    }
    void vscode.window.showInformationMessage(message, ...actions).then((a) => {
      if (a === reveal) void revealOutput(job);
      else if (a === showLog) this._log.show();
      else if (a === hide) void excludeFromSearch(outputNames);
      else tidy.handle(a);
    });
  }

  /**
   * What the orphan step did (jobs.ts), for the message: "2 orphaned thumbnails removed" and the
   * "Remove Old Sizes (128x128, 48x48)" button; old size folders are never removed unasked.
   */
  private _tidy(job: RunningJob, summaries: readonly FolderOutcome[]): TidyView {
    let removed = 0;
    const oldSizes = new Set<string>();
    const withOld: string[] = [];
    for (const s of summaries) {
      if (!s.tidy) continue;
      const removing = job.folders.find((f) => f.folder === s.folder)?.removeOrphans === true;
      const where = shownPath(s.folder);
      if (removing) {
        removed += s.tidy.removed;
        if (s.tidy.removed > 0) this._log.info(`${where}: ${s.tidy.removed} orphaned thumbnail(s) removed (their images are gone)`);
      } else if (s.tidy.removed > 0) {
        this._log.info(`${where}: ${s.tidy.removed} orphaned thumbnail(s) left (thumbnails.removeOrphans is off)`);
      }
      for (const k of s.tidy.kept) this._log.warn(`kept ${shownPath(k.file)}: ${k.reason}`);
      if (s.tidy.oldSizes.length > 0) {
        withOld.push(s.folder);
        for (const o of s.tidy.oldSizes) oldSizes.add(o);
        this._log.info(`${where}: size folders no longer in thumbnails.sizes: ${s.tidy.oldSizes.join(', ')}`);
      }
    }
    const parts = removed === 0 ? [] : [removed === 1 ? vscode.l10n.t('1 orphaned thumbnail removed') : vscode.l10n.t('{0} orphaned thumbnails removed', count(removed))];
    const sizes = [...oldSizes];
    const action = vscode.l10n.t('Remove Old Sizes ({0})', sizes.join(', '));
    return {
      parts,
      // "Thumbnails for photos are up to date (3 images); 2 orphaned thumbnails removed."
      append: (message) => (parts.length ? `${message.replace(/\.$/, '')}; ${parts.join(', ')}.` : message),
      actions: sizes.length ? [action] : [],
      handle: (a) => {
        if (a === action && sizes.length) void vscode.commands.executeCommand('thumbnails.removeOldSizes', { folders: withOld, sizes });
      },
    };
  }

  showError(message: string): void {
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(message, showLog).then((a) => {
      if (a) this._log.show();
    });
  }

  /** "599 new images", "906 up to date", "1 could not be read". */
  private _parts(t: TallyCounts, summaries: readonly JobSummary[] = []): string[] {
    const parts: string[] = [];
    if (t.made > 0) parts.push(t.made === 1 ? vscode.l10n.t('1 new image') : vscode.l10n.t('{0} new images', count(t.made)));
    if (t.upToDate > 0) parts.push(vscode.l10n.t('{0} up to date', count(t.upToDate)));
    if (t.failed > 0) {
      // "Could not be read" only when it is true: a link or a full disk is about where thumbnails go.
      const aboutOutput = summaries.some((s) => s.failed.some((f) => OUTPUT_FAILURES.has(f.code)));
      parts.push(aboutOutput ? vscode.l10n.t('{0} got no thumbnails', count(t.failed)) : vscode.l10n.t('{0} could not be read', count(t.failed)));
    }
    return parts;
  }

  private _logFolders(summaries: readonly JobSummary[]): void {
    for (const s of summaries) {
      for (const f of s.failed) {
        // The core's message starts with the file; the log shows it as the workspace does.
        const text = f.message.startsWith(f.file) ? shownPath(f.file) + f.message.slice(f.file.length) : f.message;
        this._log.error(`${text} [${f.code}]`);
      }
      const secs = (s.elapsedMs / 1000).toFixed(1);
      const where = shownPath(s.folder);
      for (const line of describeLeftOut(s.excluded, 'editor')) this._log.info(`${where}: ${line}`);
      if (s.images === 0 && s.failed.length === 0) {
        this._log.info(s.skipped > 0 ? `${where}: nothing to do, ${s.skipped} images up to date` : `${where}: no JPEG images`);
      } else {
        this._log.info(`${where}: ${s.images} images rendered (${s.fastDecodes} decoded with libjpeg-turbo), ${s.thumbnails} thumbnails written, ${s.skipped} up to date, ${s.failed.length} failed, ${secs} s${s.cancelled ? ', cancelled' : ''}`);
      }
    }
  }

  /** The first completion in a workspace offers it, unless search already leaves them out. */
  private _shouldOfferSearchExclude(outputNames: readonly string[]): boolean {
    if (this._workspaceState.get<boolean>(SEARCH_OFFERED_KEY)) return false;
    const current = vscode.workspace.getConfiguration('search').get<Record<string, unknown>>('exclude') ?? {};
    return outputNames.some((n) => !current[searchGlob(n)]);
  }
}

function searchGlob(outputFolderName: string): string {
  return `**/${outputFolderName}`;
}

/**
 * Adds the output folders to the workspace's `search.exclude` (only when the user asked): Quick
 * Open and Search stop listing every photo seven times; the Explorer still shows them.
 */
async function excludeFromSearch(outputNames: readonly string[]): Promise<void> {
  const config = vscode.workspace.getConfiguration('search');
  const current = config.inspect<Record<string, unknown>>('exclude')?.workspaceValue ?? {};
  const next = { ...current };
  for (const n of outputNames) next[searchGlob(n)] = true;
  await config.update('exclude', next, vscode.ConfigurationTarget.Workspace);
}

/** Reveals the first folder's output folder, or the folder when its images are only in subfolders. */
async function revealOutput(job: RunningJob): Promise<void> {
  const first = job.folders[0];
  let target = vscode.Uri.file(first.folder);
  try {
    const out = vscode.Uri.file(path.join(first.folder, first.settings.outputFolderName));
    await vscode.workspace.fs.stat(out);
    target = out;
  } catch { /* no output folder at the top level */ }
  await vscode.commands.executeCommand('revealInExplorer', target);
}
