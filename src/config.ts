import * as vscode from 'vscode';
import { parseSettings, type ThumbnailSettings } from './core/settings';

export const SECTION = 'thumbnails';

/**
 * Reads `thumbnails.*` for one folder (resource scope: a workspace or folder may set its own) and
 * hands the core a validated snapshot. Throws the core's SettingsError for a bad value. In a
 * restricted (untrusted) workspace VS Code itself ignores the workspace's values of the settings
 * listed in `restrictedConfigurations`. Also the editor's `files.exclude` for the folder and the
 * workspace folder it is in (what those globs are relative to): what the Explorer hides is
 * neither read nor written. A folder outside every workspace folder gets no files.exclude.
 */
export function readSettings(folder: vscode.Uri): ThumbnailSettings {
  const c = vscode.workspace.getConfiguration(SECTION, folder);
  const workspaceFolder = vscode.workspace.getWorkspaceFolder(folder);
  return parseSettings({
    sizes: c.get('sizes'),
    quality: c.get('quality'),
    includeSubfolders: c.get('includeSubfolders'),
    outputFolderName: c.get('outputFolderName'),
    exclude: c.get('exclude'),
    useIgnoreFiles: c.get('useIgnoreFiles'),
    filesExclude: workspaceFolder && vscode.workspace.getConfiguration('files', folder).get('exclude'),
    workspaceFolder: workspaceFolder?.uri.scheme === 'file' ? workspaceFolder.uri.fsPath : undefined,
    skipUpToDate: c.get('skipUpToDate'),
    maxWorkers: c.get('maxWorkers'),
    maxDecodeMB: c.get('maxDecodeMB'),
  });
}

/** The pool is shared by every folder, so its size comes from the window-level value. */
export function readMaxWorkers(): number {
  const value = vscode.workspace.getConfiguration(SECTION).get<unknown>('maxWorkers');
  return parseSettings({ maxWorkers: value }).maxWorkers;
}

/** Where a setting's value comes from: the scope "Open Settings" should show. */
export type SettingsScope = { kind: 'user' } | { kind: 'workspace' } | { kind: 'folder'; folder: vscode.WorkspaceFolder };

/** The most specific scope that sets any of `keys` (e.g. "quality") for `resource`. */
export function scopeOf(resource: vscode.Uri, keys: readonly string[]): SettingsScope {
  const c = vscode.workspace.getConfiguration(SECTION, resource);
  const folder = vscode.workspace.getWorkspaceFolder(resource);
  const inspected = keys.map((k) => c.inspect(k));
  // In a single-folder window the folder's settings are the workspace's settings.
  if (folder && vscode.workspace.workspaceFile && inspected.some((i) => i?.workspaceFolderValue !== undefined)) return { kind: 'folder', folder };
  if (inspected.some((i) => i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined)) return { kind: 'workspace' };
  return { kind: 'user' };
}

/** Opens the settings where the value of `keys` comes from, showing those keys. */
export async function openSettingsAt(scope: SettingsScope, keys: readonly string[]): Promise<void> {
  const query = keys.length === 1 ? `${SECTION}.${keys[0]}` : `${SECTION}.`;
  if (scope.kind === 'folder') {
    // The Settings editor cannot be opened on one folder with a query; its JSON file shows the value.
    const file = vscode.Uri.joinPath(scope.folder.uri, '.vscode', 'settings.json');
    await vscode.window.showTextDocument(file);
  } else if (scope.kind === 'workspace') {
    await vscode.commands.executeCommand('workbench.action.openWorkspaceSettings', { query });
  } else {
    await vscode.commands.executeCommand('workbench.action.openSettings', query);
  }
}

/**
 * The output folder names and size folder names that apply anywhere in the window, for the
 * `thumbnails.outputFolderNames` and `thumbnails.sizeFolderNames` context keys: the Explorer does
 * not offer the commands on those folders.
 */
export function outputNamesInUse(): { outputFolderNames: string[]; sizeFolderNames: string[] } {
  const scopes: (vscode.Uri | undefined)[] = [undefined, ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)];
  const outputs = new Set<string>();
  const sizes = new Set<string>();
  for (const scope of scopes) {
    const c = vscode.workspace.getConfiguration(SECTION, scope);
    const name = c.get<unknown>('outputFolderName');
    if (typeof name === 'string' && name) outputs.add(name);
    const list = c.get<unknown>('sizes');
    if (Array.isArray(list)) for (const s of list) if (typeof s === 'string') sizes.add(s);
  }
  return { outputFolderNames: [...outputs], sizeFolderNames: [...sizes] };
}
