import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { execFileSync } from 'node:child_process';
import type { ThumbnailsApi } from '../../src/extension';
import { parseJpegHeader } from '../../src/core/jpegHeader';

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

/**
 * A fresh folder in the workspace with `count` JPEGs of the given size, made by a child process
 * (makeImages.ts): the extension host itself must never load sharp.
 */
export async function makePhotoFolder(name: string, count: number, width = 800, height = 600, noise = false): Promise<string> {
  const dir = path.join(workspaceRoot(), name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync(process.execPath, [path.join(__dirname, 'makeImages.js'), dir, String(count), String(width), String(height), noise ? 'noise' : 'flat'], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  return dir;
}

/** Width and height of a JPEG, read by our own header reader (not sharp: see makePhotoFolder). */
export function jpegSize(file: string): { width: number; height: number } {
  const header = parseJpegHeader(fs.readFileSync(file));
  if (!header) throw new Error(`${file}: no JPEG frame header`);
  return { width: header.width, height: header.height };
}

/** Every file under dir, relative, sorted, with forward slashes. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

/** True for a file that starts like a JPEG and ends with its end marker. */
export function isWholeJpeg(file: string): boolean {
  const bytes = fs.readFileSync(file);
  return bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
}
