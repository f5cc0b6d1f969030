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
