/**
 * The images a job left out, per reason (counted by LeftOutCounter in scan.ts), said in the words
 * of the front end: the editor names settings, the CLI its flags. No file system here: the
 * extension host imports it.
 */
import type { SkipReason } from './folderFilter';
import type { SettingsFront } from './settings';

/** Images left out per reason, and whether every skipped folder was counted to its end. */
export interface LeftOutCounts {
  exclude: number;
  filesExclude: number;
  ignoreFiles: number;
  /** False when the budget ran out or the job was cancelled first: the counts are lower bounds. */
  complete: boolean;
}

export const NO_LEFT_OUT: LeftOutCounts = { exclude: 0, filesExclude: 0, ignoreFiles: 0, complete: true };

/** What each reason is, and what turns it off, as each front end says it. */
const REASONS: ReadonlyArray<{ reason: SkipReason; what: string; editor: string; cli: string }> = [
  { reason: 'exclude', what: 'in excluded folders or files (node_modules by default)', editor: 'setting thumbnails.exclude', cli: '--exclude (--no-default-exclude includes node_modules)' },
  { reason: 'filesExclude', what: 'hidden by files.exclude', editor: 'setting files.exclude', cli: 'files.exclude' },
  { reason: 'ignoreFiles', what: 'in folders or files ignored by .gitignore or .ignore files', editor: 'setting thumbnails.useIgnoreFiles', cli: '--no-ignore-files includes them' },
];

/**
 * One sentence per reason that left images out, e.g. "1,204 images in folders or files ignored
 * by .gitignore or .ignore files were skipped: setting thumbnails.useIgnoreFiles".
 */
export function describeLeftOut(counts: LeftOutCounts, front: SettingsFront): string[] {
  const lines: string[] = [];
  for (const { reason, what, editor, cli } of REASONS) {
    const n = counts[reason];
    if (n === 0) continue;
    const number = `${counts.complete ? '' : 'at least '}${n.toLocaleString('en-US')}`;
    lines.push(`${number} ${n === 1 ? 'image' : 'images'} ${what} ${n === 1 && counts.complete ? 'was' : 'were'} skipped: ${front === 'editor' ? editor : cli}`);
  }
  return lines;
}
