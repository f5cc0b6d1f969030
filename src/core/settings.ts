import * as path from 'node:path';
import { DEFAULT_MAX_DECODE_MB } from './decodeMemory';

/** A box a thumbnail must fit inside, in pixels. */
export interface Box {
  width: number;
  height: number;
}

/** Validated thumbnail settings, as the engine consumes them. */
export interface ThumbnailSettings {
  /** Boxes to fit thumbnails into; de-duplicated, in the order given. */
  sizes: Box[];
  /** JPEG quality, 1..100. */
  quality: number;
  includeSubfolders: boolean;
  /** Name of the folder made beside each image folder; one plain, non-hidden path segment. */
  outputFolderName: string;
  /** Globs matched against paths relative to the job folder (glob.ts, a bare name at any depth). */
  exclude: string[];
  /** Respect the .gitignore and .ignore files of the folder tree (ignoreFiles.ts). */
  useIgnoreFiles: boolean;
  /**
   * The editor's `files.exclude`: globs relative to {@link workspaceFolder} (VS Code's glob: a bare
   * name only at the top), each optionally only when a sibling exists (`when`). Empty in the CLI.
   */
  filesExclude: FilesExcludeRule[];
  /**
   * The workspace folder the job's folder is in (editor only): what files.exclude is relative to,
   * and the highest folder whose ignore files are read. Undefined in the CLI.
   */
  workspaceFolder?: string;
  skipUpToDate: boolean;
  /** Worker threads; 0 picks one per core. */
  maxWorkers: number;
  /** Memory one image's decode may hold, in MB; images that need more are refused (task.ts). */
  maxDecodeMB: number;
}

/** One `files.exclude` entry that hides something: `"glob": true` or `"glob": { "when": "$(basename).ts" }`. */
export interface FilesExcludeRule {
  glob: string;
  /** Hidden only when a sibling of this name exists; `$(basename)` is the name without its extension. */
  when?: string;
}

/** The values a missing setting takes. */
export const DEFAULTS: {
  sizes: string[];
  quality: 65;
  includeSubfolders: true;
  outputFolderName: 'thumbnails';
  exclude: string[];
  useIgnoreFiles: true;
  skipUpToDate: true;
  maxWorkers: 0;
  maxDecodeMB: typeof DEFAULT_MAX_DECODE_MB;
} = {
  sizes: ['1024x1024', '512x512', '256x256', '128x128', '64x64', '32x32'],
  quality: 65,
  includeSubfolders: true,
  outputFolderName: 'thumbnails',
  // What the Explorer's user never means by "this folder"; a user can take it out.
  exclude: ['**/node_modules'],
  useIgnoreFiles: true,
  skipUpToDate: true,
  maxWorkers: 0,
  maxDecodeMB: DEFAULT_MAX_DECODE_MB,
};

/** Largest box edge accepted; beyond this a "thumbnail" is no longer one. */
export const MAX_BOX_EDGE = 16384;
/** Upper bound for maxWorkers: more threads than this only cost memory. */
export const MAX_WORKERS = 64;
/** Range of maxDecodeMB: below 32 MB even a 12 MP progressive photo is refused. */
export const MIN_DECODE_MB = 32;
export const MAX_DECODE_MB = 65536;

/** Raised by {@link parseSettings}; lists every bad setting at once so users fix them in one go. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`Invalid thumbnail settings: ${problems.join('; ')}`);
  }
}

/** Raw settings as they come from VS Code's configuration or CLI flags: anything may be wrong. */
export interface RawSettings {
  sizes?: unknown;
  quality?: unknown;
  includeSubfolders?: unknown;
  outputFolderName?: unknown;
  exclude?: unknown;
  useIgnoreFiles?: unknown;
  /** VS Code's `files.exclude` object for the folder, as the configuration gives it. */
  filesExclude?: unknown;
  workspaceFolder?: unknown;
  skipUpToDate?: unknown;
  maxWorkers?: unknown;
  maxDecodeMB?: unknown;
}

/** Who reads the problems: the editor's user knows settings keys, the CLI's user knows flags. */
export type SettingsFront = 'editor' | 'cli';

/**
 * What each front end calls a setting, the one table every problem is named from. A list-valued
 * flag's item is named by its value, as given on the command line, not by an index.
 */
export const SETTING_NAMES: Readonly<Record<keyof RawSettings, { editor: string; cli: string }>> = {
  sizes: { editor: 'thumbnails.sizes', cli: '--sizes' },
  quality: { editor: 'thumbnails.quality', cli: '--quality' },
  includeSubfolders: { editor: 'thumbnails.includeSubfolders', cli: '--no-subfolders' },
  outputFolderName: { editor: 'thumbnails.outputFolderName', cli: '--output-folder' },
  exclude: { editor: 'thumbnails.exclude', cli: '--exclude' },
  useIgnoreFiles: { editor: 'thumbnails.useIgnoreFiles', cli: '--no-ignore-files' },
  filesExclude: { editor: 'files.exclude', cli: 'files.exclude' },
  workspaceFolder: { editor: 'workspace folder', cli: 'workspace folder' },
  skipUpToDate: { editor: 'thumbnails.skipUpToDate', cli: '--force' },
  maxWorkers: { editor: 'thumbnails.maxWorkers', cli: '--workers' },
  maxDecodeMB: { editor: 'thumbnails.maxDecodeMB', cli: '--max-decode-mb' },
};

const show = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

/** Parses "WIDTHxHEIGHT" (also "×" and upper-case X); null when it is not one. */
export function parseBox(text: string): Box | null {
  const m = /^\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*$/.exec(text);
  if (!m) return null;
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** The folder name used for a box, e.g. "256x256". */
export function boxName(box: Box): string {
  return `${box.width}x${box.height}`;
}

/** The problems one parse finds, each named as its front end calls the setting. */
class Problems {
  readonly found: string[] = [];
  constructor(private readonly front: SettingsFront) {}

  /** `index`: the item of a list setting (the editor's user sees `key[i]`, the CLI's the value). */
  add(key: keyof RawSettings, message: string, index?: number): void {
    const at = index !== undefined && this.front === 'editor' ? `[${index}]` : '';
    this.found.push(`${SETTING_NAMES[key][this.front]}${at}: ${message}`);
  }
}

function readSizes(raw: RawSettings, problems: Problems): Box[] {
  const sizes: Box[] = [];
  const rawSizes = raw.sizes ?? DEFAULTS.sizes;
  if (!Array.isArray(rawSizes)) {
    problems.add('sizes', `${show(rawSizes)} is not a list of "WIDTHxHEIGHT" strings`);
  } else if (rawSizes.length === 0) {
    problems.add('sizes', '[] is empty; give at least one size such as "256x256"');
  } else {
    const seen = new Set<string>();
    rawSizes.forEach((item: unknown, i) => {
      const box = typeof item === 'string' ? parseBox(item) : null;
      if (!box) {
        problems.add('sizes', `${show(item)} is not WIDTHxHEIGHT (e.g. "256x256")`, i);
      } else if (box.width < 1 || box.height < 1 || box.width > MAX_BOX_EDGE || box.height > MAX_BOX_EDGE) {
        problems.add('sizes', `${show(item)} must have both sides between 1 and ${MAX_BOX_EDGE}`, i);
      } else if (!seen.has(boxName(box))) {
        seen.add(boxName(box));
        sizes.push(box);
      }
    });
  }
  return sizes;
}

/** A whole number from `min` to `max`; `range` says so in the problem. */
function readWholeNumber(raw: RawSettings, key: 'quality' | 'maxWorkers' | 'maxDecodeMB', [min, max]: [number, number], range: string, problems: Problems): number {
  const value = raw[key] ?? DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.add(key, `${show(value)} is not a whole number from ${range}`);
  }
  return value as number;
}

function readBoolean(raw: RawSettings, key: 'includeSubfolders' | 'skipUpToDate' | 'useIgnoreFiles', problems: Problems): boolean {
  const value = raw[key] ?? DEFAULTS[key];
  if (typeof value !== 'boolean') problems.add(key, `${show(value)} is not true or false`);
  return value === true;
}

function readOutputFolderName(raw: RawSettings, problems: Problems): string {
  const value = raw.outputFolderName ?? DEFAULTS.outputFolderName;
  if (typeof value !== 'string') {
    problems.add('outputFolderName', `${show(value)} is not a folder name`);
  } else {
    const why = folderNameProblem(value);
    if (why) problems.add('outputFolderName', `${show(value)} ${why}`);
  }
  return value as string;
}

function readExclude(raw: RawSettings, problems: Problems): string[] {
  const exclude = raw.exclude ?? DEFAULTS.exclude;
  if (!Array.isArray(exclude)) {
    problems.add('exclude', `${show(exclude)} is not a list of glob strings`);
    return [];
  }
  exclude.forEach((item: unknown, i) => {
    if (typeof item !== 'string' || item.trim() === '') problems.add('exclude', `${show(item)} is not a non-empty glob string`, i);
  });
  return [...(exclude as string[])];
}

function readWorkspaceFolder(raw: RawSettings, problems: Problems): string | undefined {
  const value = raw.workspaceFolder;
  if (value !== undefined && (typeof value !== 'string' || !path.isAbsolute(value))) {
    problems.add('workspaceFolder', `${show(value)} is not an absolute path`);
  }
  return value as string | undefined;
}

/**
 * Validates raw settings. Missing keys take {@link DEFAULTS}; every problem names the setting (as
 * `front` calls it: a settings key or a command-line flag) and the bad value.
 * @throws SettingsError listing all problems found
 */
export function parseSettings(raw: RawSettings, front: SettingsFront = 'editor'): ThumbnailSettings {
  const problems = new Problems(front);
  // Read in this order, so that the problems are listed in it.
  const sizes = readSizes(raw, problems);
  const quality = readWholeNumber(raw, 'quality', [1, 100], '1 to 100', problems);
  const includeSubfolders = readBoolean(raw, 'includeSubfolders', problems);
  const skipUpToDate = readBoolean(raw, 'skipUpToDate', problems);
  const useIgnoreFiles = readBoolean(raw, 'useIgnoreFiles', problems);
  const outputFolderName = readOutputFolderName(raw, problems);
  const exclude = readExclude(raw, problems);
  const maxWorkers = readWholeNumber(raw, 'maxWorkers', [0, MAX_WORKERS], `0 (automatic) to ${MAX_WORKERS}`, problems);
  const maxDecodeMB = readWholeNumber(raw, 'maxDecodeMB', [MIN_DECODE_MB, MAX_DECODE_MB], `${MIN_DECODE_MB} to ${MAX_DECODE_MB}`, problems);
  const workspaceFolder = readWorkspaceFolder(raw, problems);
  if (problems.found.length > 0) throw new SettingsError(problems.found);
  // VS Code checks files.exclude itself; what is not an entry that hides something is passed over.
  const filesExclude = filesExcludeRules(raw.filesExclude);
  return { sizes, quality, includeSubfolders, outputFolderName, exclude, useIgnoreFiles, filesExclude, workspaceFolder, skipUpToDate, maxWorkers, maxDecodeMB };
}

// The output folder is created inside every image folder and skipped by the scan, so it must be
// exactly one ordinary path segment: anything else could escape the folder or hide images.
function folderNameProblem(name: string): string | null {
  if (name.trim() === '') return 'is empty';
  if (name === '.' || name === '..' || name.includes('..')) return 'must not contain ".."';
  if (/[/\\]/.test(name)) return 'must be a single folder name without "/" or "\\"';
  if (/^[a-zA-Z]:/.test(name)) return 'must not be an absolute path';
  if (name.startsWith('.')) return 'must not start with "." (hidden folders are never scanned)';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f<>:"|?*]/.test(name)) return 'contains a character not allowed in folder names';
  if (name !== name.trim()) return 'must not start or end with spaces';
  return null;
}

/**
 * The entries of a `files.exclude` object that hide something: `true`, or `{ when }` with a
 * sibling-name condition. `false` (a lower scope's default switched off) and anything else hide
 * nothing.
 */
export function filesExcludeRules(value: unknown): FilesExcludeRule[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const rules: FilesExcludeRule[] = [];
  for (const [glob, v] of Object.entries(value as Record<string, unknown>)) {
    if (glob.trim() === '') continue;
    if (v === true) rules.push({ glob });
    else if (typeof v === 'object' && v !== null && typeof (v as { when?: unknown }).when === 'string') {
      rules.push({ glob, when: (v as { when: string }).when });
    }
  }
  return rules;
}
