import * as vscode from 'vscode';
import { parseSettings, type ThumbnailSettings } from './core/settings';

export const SECTION = 'thumbnails';

/**
 * Reads `thumbnails.*` for one folder (resource scope: a workspace or folder may set its own) and
 * hands the core a validated snapshot. Throws the core's SettingsError for a bad value. In a
 * restricted (untrusted) workspace VS Code itself ignores the workspace's values of the settings
 * listed in `restrictedConfigurations`.
 */
export function readSettings(folder: vscode.Uri): ThumbnailSettings {
  const c = vscode.workspace.getConfiguration(SECTION, folder);
  return parseSettings({
    sizes: c.get('sizes'),
    quality: c.get('quality'),
    includeSubfolders: c.get('includeSubfolders'),
    outputFolderName: c.get('outputFolderName'),
    exclude: c.get('exclude'),
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
