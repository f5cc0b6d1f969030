import * as path from 'node:path';
import * as vscode from 'vscode';
import { openSettingsAt, readSettings, scopeOf } from '../config';
import { describeError } from '../core/errors';
import { enclosingOutputFolder, foldNested } from '../core/folders';
import { SettingsError, type ThumbnailSettings } from '../core/settings';
import type { JobFolder, JobRunner } from '../jobs';
import type { ThumbnailLog } from '../log';
import { shownPath } from '../ui/jobText';

/** A chosen folder that will not be run, and why, in words for the user. */
export interface Refusal {
  folder: string;
  reason: 'not-a-folder' | 'invalid-settings' | 'inside-output' | 'busy';
  message: string;
  /** For invalid settings: the setting keys at fault (without "thumbnails."). */
  keys?: string[];
}

/**
 * Turns what the user chose into the folders of one job: each must be a folder, have valid
 * settings and not be (inside) an output folder; a folder another chosen one already covers is
 * folded into it; a folder a running job covers is refused, naming that job.
 */
export async function checkTargets(uris: readonly vscode.Uri[], runner: JobRunner): Promise<{ folders: JobFolder[]; refused: Refusal[] }> {
  const checked = await Promise.all(uris.map((uri) => checkOne(uri)));
  const refused = checked.filter((c): c is Refusal => 'reason' in c);
  const valid = checked.filter((c): c is JobFolder => !('reason' in c));
  const folded = foldNested(valid.map((f) => ({ ...f, includeSubfolders: f.settings.includeSubfolders }))).map(({ folder, settings }) => ({ folder, settings }));
  const folders: JobFolder[] = [];
  for (const f of folded) {
    const busy = runner.conflictFor(f.folder);
    if (!busy) {
      folders.push(f);
      continue;
    }
    const message = vscode.l10n.t(
      'Thumbnails are already being generated for {0}, which overlaps {1}; wait for that job or cancel it first.',
      busy.folders.map((b) => shownPath(b.folder)).join(', '),
      shownPath(f.folder),
    );
    refused.push({ folder: f.folder, reason: 'busy', message });
  }
  return { folders, refused };
}

async function checkOne(uri: vscode.Uri): Promise<JobFolder | Refusal> {
  const folder = uri.fsPath;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (!(stat.type & vscode.FileType.Directory)) {
      return { folder, reason: 'not-a-folder', message: vscode.l10n.t('{0} is not a folder.', shownPath(folder)) };
    }
  } catch (e) {
    return { folder, reason: 'not-a-folder', message: vscode.l10n.t('Cannot open {0}: {1}.', shownPath(folder), describeError(e)) };
  }
  let settings: ThumbnailSettings;
  try {
    settings = readSettings(uri);
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    const keys = [...new Set(e.problems.map((p) => /^thumbnails\.(\w+)/.exec(p)?.[1]).filter((k): k is string => !!k))];
    // One sentence per problem, each naming the setting (and the item of a list) at fault.
    const message = vscode.l10n.t('The thumbnails settings for {0} are not valid.', shownPath(folder)) + ' ' + e.problems.map((p) => `${p}.`).join(' ');
    return { folder, reason: 'invalid-settings', message, keys };
  }
  const output = await enclosingOutputFolder(folder, settings.outputFolderName);
  if (output) {
    const message = output === path.resolve(folder)
      ? vscode.l10n.t('{0} is an output folder: it holds thumbnails, not photos. Choose the folder that holds the photos.', shownPath(folder))
      : vscode.l10n.t('{0} is inside the output folder {1}: it holds thumbnails, not photos. Choose the folder that holds the photos.', shownPath(folder), shownPath(output));
    return { folder, reason: 'inside-output', message };
  }
  return { folder, settings };
}

/** One toast for everything refused (the log has each), so a big selection is not a flood. */
export function showRefusals(refused: readonly Refusal[], log: ThumbnailLog): void {
  if (refused.length === 0) return;
  for (const r of refused) log.warn(r.message);
  const first = refused[0];
  const text = refused.length === 1 ? first.message : vscode.l10n.t('{0} (and {1} more; see the log)', first.message, refused.length - 1);
  if (first.reason === 'invalid-settings') {
    const open = vscode.l10n.t('Open Settings');
    void vscode.window.showErrorMessage(text, open).then((a) => {
      if (a) void openSettingsAt(scopeOf(vscode.Uri.file(first.folder), first.keys ?? []), first.keys ?? []);
    });
  } else {
    const showLog = vscode.l10n.t('Show Log');
    const show = first.reason === 'not-a-folder' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(text, showLog).then((a) => {
      if (a) log.show();
    });
  }
}
