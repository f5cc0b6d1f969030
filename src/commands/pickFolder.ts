import * as path from 'node:path';
import * as vscode from 'vscode';
import { outputNamesInUse } from '../config';
import type { JobMode } from '../jobs';
import { shownPath } from '../ui/jobText';

interface FolderItem extends vscode.QuickPickItem {
  uri?: vscode.Uri;
}

/** How many JPEGs the pick looks at to find the folders that hold some. */
const FIND_LIMIT = 10_000;

/**
 * From the palette: the workspace folders, then every folder of the workspace that holds JPEGs
 * (found in the background while the pick is open), then "Browse...". The pick starts on the
 * active editor's folder when it is one of them: VS Code gives extensions no way to read the
 * Explorer's selection from the palette (a right-click passes it). The command never guesses.
 */
export async function pickFolder(mode: JobMode): Promise<vscode.Uri | undefined> {
  const roots: FolderItem[] = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => ({ label: `$(root-folder) ${f.name}`, description: f.uri.fsPath, uri: f.uri }));
  const browse: FolderItem = { label: `$(folder-opened) ${vscode.l10n.t('Browse...')}`, alwaysShow: true };

  const pick = vscode.window.createQuickPick<FolderItem>();
  pick.title = mode === 'regenerate' ? vscode.l10n.t('Regenerate Thumbnails (Overwrite)') : mode === 'clean' ? vscode.l10n.t('Clean Thumbnails') : vscode.l10n.t('Generate Thumbnails');
  pick.placeholder = mode === 'clean' ? vscode.l10n.t('Choose the folder whose thumbnails are removed') : vscode.l10n.t('Choose the folder whose JPEG images get thumbnails');
  pick.matchOnDescription = true;
  pick.items = [...roots, browse];
  pick.busy = true;
  const search = new vscode.CancellationTokenSource();
  void foldersWithJpegs(search.token).then((found) => {
    const known = new Set(roots.map((r) => r.uri?.fsPath));
    const folders: FolderItem[] = found
      .filter((u) => !known.has(u.fsPath))
      .map((u) => ({ label: `$(folder) ${shownPath(u.fsPath)}`, description: vscode.l10n.t('has JPEG images'), uri: u }));
    const items: FolderItem[] = [...roots, ...(folders.length ? [{ label: '', kind: vscode.QuickPickItemKind.Separator }, ...folders] : []), browse];
    pick.items = items;
    const active = activeEditorFolder();
    const start = items.find((i) => i.uri && active && i.uri.fsPath === active);
    if (start) pick.activeItems = [start];
    pick.busy = false;
  }, () => { pick.busy = false; });

  const picked = await new Promise<FolderItem | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  search.cancel();
  pick.dispose();
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: roots[0]?.uri,
    openLabel: mode === 'clean' ? vscode.l10n.t('Clean Thumbnails') : vscode.l10n.t('Generate Thumbnails'),
  });
  return chosen?.[0];
}

/** The folders of the workspace that directly hold JPEGs, leaving out output folders, sorted. */
async function foldersWithJpegs(token: vscode.CancellationToken): Promise<vscode.Uri[]> {
  const { outputFolderNames } = outputNamesInUse();
  const exclude = outputFolderNames.length ? `**/{${outputFolderNames.join(',')}}/**` : undefined;
  const files = await vscode.workspace.findFiles('**/*.{jpg,jpeg,JPG,JPEG,Jpg,Jpeg}', exclude, FIND_LIMIT, token);
  const dirs = new Map<string, vscode.Uri>();
  for (const f of files) if (f.scheme === 'file') dirs.set(path.dirname(f.fsPath), vscode.Uri.file(path.dirname(f.fsPath)));
  return [...dirs.values()].sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

function activeEditorFolder(): string | undefined {
  const doc = vscode.window.activeTextEditor?.document.uri;
  return doc?.scheme === 'file' ? path.dirname(doc.fsPath) : undefined;
}
