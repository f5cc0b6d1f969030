import { DEFAULT_MAX_DECODE_MB } from './task';

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
  /** Globs matched against paths relative to the job folder (see {@link compileExcludes}). */
  exclude: string[];
  skipUpToDate: boolean;
  /** Worker threads; 0 picks one per core. */
  maxWorkers: number;
  /** Memory one image's decode may hold, in MB; images that need more are refused (task.ts). */
  maxDecodeMB: number;
}

/** The values a missing setting takes. */
export const DEFAULTS: {
  sizes: string[];
  quality: 65;
  includeSubfolders: true;
  outputFolderName: 'thumbnails';
  exclude: string[];
  skipUpToDate: true;
  maxWorkers: 0;
  maxDecodeMB: typeof DEFAULT_MAX_DECODE_MB;
} = {
  sizes: ['1024x1024', '512x512', '256x256', '128x128', '64x64', '32x32'],
  quality: 65,
  includeSubfolders: true,
  outputFolderName: 'thumbnails',
  exclude: [],
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
  skipUpToDate?: unknown;
  maxWorkers?: unknown;
  maxDecodeMB?: unknown;
}

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

/**
 * Validates raw settings. Missing keys take {@link DEFAULTS}; every problem names the setting and
 * the bad value.
 * @throws SettingsError listing all problems found
 */
export function parseSettings(raw: RawSettings): ThumbnailSettings {
  const problems: string[] = [];

  const sizes: Box[] = [];
  const rawSizes = raw.sizes ?? DEFAULTS.sizes;
  if (!Array.isArray(rawSizes)) {
    problems.push(`thumbnails.sizes: ${show(rawSizes)} is not a list of "WIDTHxHEIGHT" strings`);
  } else if (rawSizes.length === 0) {
    problems.push('thumbnails.sizes: [] is empty; give at least one size such as "256x256"');
  } else {
    const seen = new Set<string>();
    rawSizes.forEach((item: unknown, i) => {
      const box = typeof item === 'string' ? parseBox(item) : null;
      if (!box) {
        problems.push(`thumbnails.sizes[${i}]: ${show(item)} is not WIDTHxHEIGHT (e.g. "256x256")`);
      } else if (box.width < 1 || box.height < 1 || box.width > MAX_BOX_EDGE || box.height > MAX_BOX_EDGE) {
        problems.push(`thumbnails.sizes[${i}]: ${show(item)} must have both sides between 1 and ${MAX_BOX_EDGE}`);
      } else if (!seen.has(boxName(box))) {
        seen.add(boxName(box));
        sizes.push(box);
      }
    });
  }

  const quality = raw.quality ?? DEFAULTS.quality;
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 1 || quality > 100) {
    problems.push(`thumbnails.quality: ${show(quality)} is not a whole number from 1 to 100`);
  }

  const bool = (key: 'includeSubfolders' | 'skipUpToDate'): boolean => {
    const value = raw[key] ?? DEFAULTS[key];
    if (typeof value !== 'boolean') problems.push(`thumbnails.${key}: ${show(value)} is not true or false`);
    return value === true;
  };
  const includeSubfolders = bool('includeSubfolders');
  const skipUpToDate = bool('skipUpToDate');

  const outputFolderName = raw.outputFolderName ?? DEFAULTS.outputFolderName;
  if (typeof outputFolderName !== 'string') {
    problems.push(`thumbnails.outputFolderName: ${show(outputFolderName)} is not a folder name`);
  } else {
    const why = folderNameProblem(outputFolderName);
    if (why) problems.push(`thumbnails.outputFolderName: ${show(outputFolderName)} ${why}`);
  }

  const exclude = raw.exclude ?? DEFAULTS.exclude;
  if (!Array.isArray(exclude)) {
    problems.push(`thumbnails.exclude: ${show(exclude)} is not a list of glob strings`);
  } else {
    exclude.forEach((item: unknown, i) => {
      if (typeof item !== 'string' || item.trim() === '') {
        problems.push(`thumbnails.exclude[${i}]: ${show(item)} is not a non-empty glob string`);
      }
    });
  }

  const maxWorkers = raw.maxWorkers ?? DEFAULTS.maxWorkers;
  if (typeof maxWorkers !== 'number' || !Number.isInteger(maxWorkers) || maxWorkers < 0 || maxWorkers > MAX_WORKERS) {
    problems.push(`thumbnails.maxWorkers: ${show(maxWorkers)} is not a whole number from 0 (automatic) to ${MAX_WORKERS}`);
  }

  const maxDecodeMB = raw.maxDecodeMB ?? DEFAULTS.maxDecodeMB;
  if (typeof maxDecodeMB !== 'number' || !Number.isInteger(maxDecodeMB) || maxDecodeMB < MIN_DECODE_MB || maxDecodeMB > MAX_DECODE_MB) {
    problems.push(`thumbnails.maxDecodeMB: ${show(maxDecodeMB)} is not a whole number from ${MIN_DECODE_MB} to ${MAX_DECODE_MB}`);
  }

  if (problems.length > 0) throw new SettingsError(problems);
  return {
    sizes,
    quality: quality as number,
    includeSubfolders,
    outputFolderName: outputFolderName as string,
    exclude: [...(exclude as string[])],
    skipUpToDate,
    maxWorkers: maxWorkers as number,
    maxDecodeMB: maxDecodeMB as number,
  };
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
 * Compiles exclude globs into one predicate over folder-relative paths with "/" separators.
 * `*` and `?` stay within one path segment, `**` crosses segments, `{a,b}` alternates. A glob
 * without "/" matches a file or folder name at any depth (as in .gitignore); an excluded folder
 * is not entered at all.
 */
export function compileExcludes(globs: readonly string[]): (relPath: string) => boolean {
  if (globs.length === 0) return () => false;
  const regexes = globs.map((glob) => {
    const g = glob.trim().replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/$/, '');
    const body = globToRegex(g);
    return g.includes('/') ? new RegExp(`^${body}$`) : new RegExp(`(^|/)${body}$`);
  });
  return (relPath) => regexes.some((re) => re.test(relPath));
}

function globToRegex(glob: string): string {
  let out = '';
  let inBraces = false;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // "**/" matches zero or more whole segments; a trailing "**" matches everything below.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') out += '[^/]';
    else if (c === '{') {
      inBraces = true;
      out += '(?:';
    } else if (c === '}' && inBraces) {
      inBraces = false;
      out += ')';
    } else if (c === ',' && inBraces) out += '|';
    else out += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return out;
}
