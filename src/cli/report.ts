/** What the command line prints: the progress bar, the summaries as text or JSON, the log. */
import type { JobProgress, JobSummary } from '../core/engine';
import { describeLeftOut } from '../core/leftOut';
import type { Logger } from '../core/log';
import { JobTally } from '../core/tally';
import type { TidyResult } from '../core/tidy';

/** --verbose: the engine's log on stderr. */
export const stderrLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};

/**
 * A one-line progress bar on a terminal, redrawn at most 10 times a second. It counts what the
 * editor's notification counts (src/core/tally.ts): the images to make, up-to-date ones apart.
 */
export function progressBar(stream: NodeJS.WriteStream): { update(p: JobProgress): void; clear(): void } {
  let last = 0;
  let shown = false;
  const tally = new JobTally(1);
  return {
    update(p) {
      tally.update('', p);
      const now = Date.now();
      if (now - last < 100 && p.done !== p.found) return;
      last = now;
      const c = tally.counts;
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 60));
      const filled = Math.round((Math.min(c.done, c.toDo) / Math.max(c.toDo, 1)) * width);
      const rate = tally.rate();
      const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${c.done}/${c.toDo}${c.scanDone ? '' : '+'} images` +
        `${rate === undefined ? '' : `, ${rate.toFixed(1)}/s`}${c.failed ? `, ${c.failed} failed` : ''}${c.upToDate ? ` (${c.upToDate} up to date)` : ''}`;
      stream.write(`\r${line.slice(0, (stream.columns ?? 80) - 1)}\x1b[K`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

function printLines(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printTidy(r: TidyResult, what: string): void {
  const lines = [`Removed ${r.removed} ${what}; kept ${r.kept.length} other file(s).`];
  for (const k of r.kept) lines.push(`  kept ${k.file}: ${k.reason}`);
  if (r.oldSizes.length > 0) lines.push(`Size folders no longer asked for (not removed): ${r.oldSizes.join(', ')}`);
  printLines(lines);
}

/** A run's summary, and with --prune what the prune did. */
export function printJob(summary: JobSummary, pruned: TidyResult | undefined, json: boolean): void {
  const { images, thumbnails, skipped, failed, excluded, elapsedMs, cancelled } = summary;
  if (json) {
    const tidy = pruned && { removed: pruned.removed, kept: pruned.kept, oldSizes: pruned.oldSizes };
    printLines([JSON.stringify({ images, thumbnails, skipped, failed, excluded, elapsedMs, cancelled, ...tidy })]);
    return;
  }
  const lines = [
    `${cancelled ? 'Cancelled: ' : ''}${thumbnails} thumbnails for ${images} images in ${(elapsedMs / 1000).toFixed(1)} s` +
      `, ${skipped} up to date, ${failed.length} failed.`,
  ];
  for (const f of failed) lines.push(`  ${f.code}: ${f.message}`);
  for (const line of describeLeftOut(excluded, 'cli')) lines.push(`${line}.`);
  printLines(lines);
  if (pruned) printTidy(pruned, 'orphaned thumbnails');
}

/** What --clean did. */
export function printClean(r: TidyResult, elapsedMs: number, cancelled: boolean, json: boolean): void {
  if (json) printLines([JSON.stringify({ removed: r.removed, folders: r.folders, kept: r.kept, elapsedMs, cancelled })]);
  else printTidy({ ...r, oldSizes: [] }, 'thumbnails');
}
