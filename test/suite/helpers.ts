import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import sharp from 'sharp';
import type { ThumbnailsApi } from '../../src/extension';

export const EXTENSION_ID = 'folder-thumbnails.folder-thumbnails';

export function workspaceRoot(): string {
  const root = process.env.FT_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!root) throw new Error('no test workspace: FT_TEST_WORKSPACE is not set and no folder is open');
  return root;
}

export async function api(): Promise<ThumbnailsApi> {
  const ext = vscode.extensions.getExtension<ThumbnailsApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this extension host`);
  return ext.activate();
}

/** A fresh folder in the workspace with `count` JPEGs of the given size (made here, with sharp). */
export async function makePhotoFolder(name: string, count: number, width = 800, height = 600): Promise<string> {
  const dir = path.join(workspaceRoot(), name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width, height, channels: 3, background: { r: (i * 37) % 256, g: 120, b: 200 } } })
      .jpeg({ quality: 80 })
      .toFile(path.join(dir, `photo-${String(i).padStart(3, '0')}.jpg`));
  }
  return dir;
}

/** Every file under dir, relative, sorted, with forward slashes. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}
