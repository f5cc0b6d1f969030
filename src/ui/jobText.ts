import * as vscode from 'vscode';
import type { TallyCounts } from '../core/tally';
import type { RunningJob } from '../jobs';

/** A count as the user's language writes it ("1,204"). */
export function count(n: number): string {
  return n.toLocaleString(vscode.env.language);
}

/** "402 of 3,000" (or "402 of 3,000+" while folders are still being counted). */
function ofTotal(c: TallyCounts): string {
  return c.scanDone ? vscode.l10n.t('{0} of {1}', count(c.done), count(c.toDo)) : vscode.l10n.t('{0} of {1}+', count(c.done), count(c.toDo));
}

/** "about 40 s left", "about 3 min left". */
function timeLeft(seconds: number): string {
  if (seconds < 60) return vscode.l10n.t('about {0} s left', Math.max(1, Math.ceil(seconds / 5) * 5));
  if (seconds < 5400) return vscode.l10n.t('about {0} min left', Math.round(seconds / 60));
  return vscode.l10n.t('about {0} h left', (seconds / 3600).toFixed(1));
}

/**
 * The notification's line: the images to make (up-to-date ones are not work, and are stated
 * apart), then the rate and the time left once they are known.
 * "402 of 3,000 images, 45/s, about 1 min left (906 already up to date)"
 */
export function progressText(job: RunningJob): string {
  const c = job.tally.counts;
  const parts = [vscode.l10n.t('{0} images', ofTotal(c))];
  const rate = job.tally.rate();
  if (rate !== undefined) parts.push(vscode.l10n.t('{0}/s', rate >= 10 ? Math.round(rate) : rate.toFixed(1)));
  const left = job.tally.secondsLeft();
  if (left !== undefined && c.done < c.toDo) parts.push(timeLeft(left));
  let text = parts.join(', ');
  if (c.upToDate > 0) text += ' ' + vscode.l10n.t('({0} already up to date)', count(c.upToDate));
  return text;
}

/** The fraction the notification's bar shows: known only once every folder is counted. */
export function progressFraction(job: RunningJob): number | undefined {
  const c = job.tally.counts;
  return c.scanDone && c.toDo > 0 ? c.done / c.toDo : undefined;
}

/** The status bar's count over every running job: the same numbers as the notifications. */
export function statusCount(jobs: readonly RunningJob[]): string {
  let done = 0;
  let toDo = 0;
  let open = false;
  for (const j of jobs) {
    const c = j.tally.counts;
    done += c.done;
    toDo += c.toDo;
    open ||= !c.scanDone;
  }
  return open ? `${count(done)}/${count(toDo)}+` : `${count(done)}/${count(toDo)}`;
}

/** One job's line in the status bar's tooltip and in the cancel pick. */
export function jobLine(job: RunningJob): string {
  // A Clean holds its folders as a job but counts no images.
  if (job.mode === 'clean') return vscode.l10n.t('{0}: removing thumbnails', job.label);
  return vscode.l10n.t('{0}: {1} images', job.label, ofTotal(job.tally.counts));
}

/** What a job is called in titles and messages: the folder's name, or "4 folders". */
export function jobLabel(folders: readonly string[]): string {
  return folders.length === 1 ? folderName(folders[0]) : vscode.l10n.t('{0} folders', folders.length);
}

/** What a person calls a folder: its own name, as the Explorer shows it. */
export function folderName(fsPath: string): string {
  return fsPath.split(/[\\/]/).filter(Boolean).pop() ?? fsPath;
}

/** A path as the workspace shows it: relative to its workspace folder when it is inside one. */
export function shownPath(fsPath: string): string {
  const root = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file' && f.uri.fsPath === fsPath);
  if (root) return root.name;
  return vscode.workspace.asRelativePath(fsPath, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
}
