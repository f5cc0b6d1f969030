import * as vscode from 'vscode';
import { SECTION } from './config';

/**
 * The settings of keeping thumbnails in step with their folder, read per folder:
 * `thumbnails.removeOrphans` (default on) and `thumbnails.watch` (default off). Kept apart from
 * the thumbnail settings the core validates (config.ts): they decide what the extension does
 * after and between jobs, not how one is run. Anything but a boolean takes the default.
 */
export function readRemoveOrphans(folder: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration(SECTION, folder).get<unknown>('removeOrphans') !== false;
}

export function readWatch(folder: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration(SECTION, folder).get<unknown>('watch') === true;
}
