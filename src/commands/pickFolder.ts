import * as vscode from 'vscode';

interface FolderItem extends vscode.QuickPickItem {
  uri?: vscode.Uri;
}

/**
 * From the palette: the workspace folders plus "Browse...". Even with one workspace folder the
 * user chooses; the command never guesses silently.
 */
export async function pickFolder(force: boolean): Promise<vscode.Uri | undefined> {
  const items: FolderItem[] = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .map((f) => ({ label: `$(folder) ${f.name}`, description: f.uri.fsPath, uri: f.uri }));
  const browse: FolderItem = { label: `$(folder-opened) ${vscode.l10n.t('Browse...')}`, alwaysShow: true };
  const picked = await vscode.window.showQuickPick([...items, browse], {
    title: force ? vscode.l10n.t('Regenerate Thumbnails (Overwrite)') : vscode.l10n.t('Generate Thumbnails'),
    placeHolder: vscode.l10n.t('Choose the folder whose JPEG images get thumbnails'),
    matchOnDescription: true,
  });
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: items[0]?.uri,
    openLabel: vscode.l10n.t('Generate Thumbnails'),
  });
  return chosen?.[0];
}
