/**
 * Command-line front end: `folder-thumbnails <folder> [options]`. Drives the same engine as the
 * extension. Exit codes: 0 every image succeeded, 1 some failed, 2 bad arguments, 128 + the signal's number
 * when interrupted (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
 *
 * Run as the bin (`./dist/cli.js`, `folder-thumbnails`), its first lines (written by esbuild.js)
 * start Node with the allocator defaults the helper process gets (ALLOCATOR_DEFAULTS in
 * src/core/helper/protocol.ts), keeping any the user set, and with --expose-gc. `node dist/cli.js`
 * behaves the same, with the allocator's own defaults (glibc reads them only at process start;
 * restarting ourselves kept a second Node of ~45 MB alive, bench/README.md) and V8's collector
 * exposed at run time (src/worker/gc.ts).
 */
import { existsSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { createThumbnailPool, runJob, type JobProgress, type JobSummary } from './core/engine';
import { enclosingOutputFolder } from './core/folders';
import { nullLogger, type Logger } from './core/log';
import { describeLeftOut } from './core/leftOut';
import { JobTally } from './core/tally';
import { DEFAULTS, parseSettings, SettingsError, type RawSettings } from './core/settings';
import { cleanFolder, pruneOrphans, type TidyResult } from './core/tidy';

const USAGE = `Usage: folder-thumbnails <folder> [options]

Makes <folder>/<sub>/thumbnails/<W>x<H>/<name>.jpg for every JPEG in <folder>.

Options:
  --sizes 1024x1024,512x512   boxes to fit thumbnails in (default: 1024,512,256,128,64,32 squares)
  --quality 65                JPEG quality 1-100
  --workers N                 worker threads (0 = one per core, the default)
  --max-decode-mb N           memory one image's decode may use (default 160); bigger progressive
                              JPEGs are refused as TOO_BIG_TO_DECODE
  --no-subfolders             only the folder itself
  --exclude GLOB              skip matching files/folders (repeatable; a bare name at any depth),
                              besides **/node_modules, which is skipped by default
  --no-default-exclude        do not skip node_modules folders
  --no-ignore-files           do not skip what .gitignore and .ignore files ignore (they are
                              read from <folder> down, and above it up to the git repository's
                              root; rules that match <folder> itself or a folder above it do not
                              apply inside it)
  --output-folder NAME        name of the thumbnail folder (default: thumbnails)
  --force                     remake thumbnails even when up to date
  --prune                     after the run, remove the thumbnails whose image is gone (deleted,
                              renamed, excluded); only files this tool made (its mark) go
  --clean                     make nothing: remove every thumbnail this tool made under <folder>,
                              then the thumbnail folders left empty; other files stay
  --json                      print one JSON summary object instead of text
  --verbose                   log warnings to stderr
  -h, --help                  show this help

Exit code: 0 all images succeeded, 1 some failed, 2 bad arguments, 130/143/129 interrupted
(SIGINT/SIGTERM/SIGHUP: finished thumbnails stay, no partial file is left).`;

class UsageError extends Error {}

const STOP_SIGNALS: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];

interface CliArgs {
  folder: string;
  raw: RawSettings;
  force: boolean;
  json: boolean;
  verbose: boolean;
  /** Remove orphans after the run. */
  prune: boolean;
  /** Remove every thumbnail instead of making any. */
  clean: boolean;
}

/** Parses argv (without node and script). Throws UsageError or SettingsError. */
export function parseArgs(argv: string[]): CliArgs | 'help' {
  const raw: RawSettings = {};
  const exclude: string[] = [];
  let defaultExclude = true;
  let folder: string | undefined;
  let force = false;
  let json = false;
  let verbose = false;
  let prune = false;
  let clean = false;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const integer = (text: string, flag: string): number => {
    if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag}: "${text}" is not a whole number`);
    return Number(text);
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, arg);
      i++;
      return v;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--sizes':
        raw.sizes = take()
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        break;
      case '--quality':
        raw.quality = integer(take(), '--quality');
        break;
      case '--workers':
        raw.maxWorkers = integer(take(), '--workers');
        break;
      case '--max-decode-mb':
        raw.maxDecodeMB = integer(take(), '--max-decode-mb');
        break;
      case '--no-subfolders':
        raw.includeSubfolders = false;
        break;
      case '--exclude':
        exclude.push(take());
        break;
      case '--no-default-exclude':
        defaultExclude = false;
        break;
      case '--no-ignore-files':
        raw.useIgnoreFiles = false;
        break;
      case '--output-folder':
        raw.outputFolderName = take();
        break;
      case '--force':
        force = true;
        break;
      case '--json':
        json = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--prune':
        prune = true;
        break;
      case '--clean':
        clean = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
        if (folder !== undefined) throw new UsageError(`only one folder, got "${folder}" and "${arg}"`);
        folder = arg;
    }
  }
  if (folder === undefined) throw new UsageError('missing <folder>');
  // --exclude adds to the default (node_modules), which --no-default-exclude takes out.
  raw.exclude = [...(defaultExclude ? DEFAULTS.exclude : []), ...exclude];
  if (clean && (prune || force)) throw new UsageError(`--clean makes nothing, so it takes no ${prune ? '--prune' : '--force'}`);
  return { folder, raw, force, json, verbose, prune, clean };
}

function workerFile(): string {
  // dist/cli.js sits beside dist/worker.js; the tsc build (out/src/cli.js) has out/src/worker/index.js.
  const bundled = path.join(__dirname, 'worker.js');
  return existsSync(bundled) ? bundled : path.join(__dirname, 'worker', 'index.js');
}

const stderrLogger: Logger = {
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
function progressBar(stream: NodeJS.WriteStream): { update(p: JobProgress): void; clear(): void } {
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

function printSummary(s: JobSummary): void {
  const secs = (s.elapsedMs / 1000).toFixed(1);
  const lines = [
    `${s.cancelled ? 'Cancelled: ' : ''}${s.thumbnails} thumbnails for ${s.images} images in ${secs} s` +
      `, ${s.skipped} up to date, ${s.failed.length} failed.`,
  ];
  for (const f of s.failed) lines.push(`  ${f.code}: ${f.message}`);
  for (const line of describeLeftOut(s.excluded, 'cli')) lines.push(`${line}.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printTidy(r: TidyResult, what: string): void {
  const lines = [`Removed ${r.removed} ${what}; kept ${r.kept.length} other file(s).`];
  for (const k of r.kept) lines.push(`  kept ${k.file}: ${k.reason}`);
  if (r.oldSizes.length > 0) lines.push(`Size folders no longer asked for (not removed): ${r.oldSizes.join(', ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** --clean: the same ownership rule as the editor's Clean Thumbnails (core/tidy.ts). */
async function clean(args: CliArgs, outputFolderName: string, includeSubfolders: boolean): Promise<number> {
  const started = Date.now();
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled = signal;
    controller.abort();
  };
  for (const signal of STOP_SIGNALS) process.once(signal, onSignal);
  try {
    const r = await cleanFolder(args.folder, { outputFolderName, includeSubfolders, signal: controller.signal });
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ removed: r.removed, folders: r.folders, kept: r.kept, elapsedMs: Date.now() - started, cancelled: controller.signal.aborted })}\n`);
    } else {
      printTidy({ ...r, oldSizes: [] }, 'thumbnails');
    }
    if (signalled) return 128 + (osConstants.signals[signalled] ?? 2);
    return r.kept.some((k) => k.error) ? 1 : 0;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  }
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs | 'help';
  let settings;
  try {
    args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    settings = parseSettings(args.raw, 'cli');
    const folder = path.resolve(args.folder);
    let isDir = false;
    try {
      isDir = statSync(folder).isDirectory();
    } catch {
      throw new UsageError(`${folder}: no such folder`);
    }
    if (!isDir) throw new UsageError(`${folder}: is not a folder`);
    const output = await enclosingOutputFolder(folder, settings.outputFolderName);
    if (output) {
      const where = output === folder ? 'is an output folder' : `is inside the output folder ${output}`;
      throw new UsageError(`${folder}: ${where}: it holds thumbnails, not photos; give the folder that holds the photos`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError) {
      const problems = error instanceof SettingsError ? error.problems : [error.message];
      for (const p of problems) process.stderr.write(`folder-thumbnails: ${p}\n`);
      process.stderr.write('Try folder-thumbnails --help\n');
      return 2;
    }
    throw error;
  }

  const logger = args.verbose ? stderrLogger : nullLogger;
  // Normal priority, unlike the editor's helper (src/core/priority.ts): someone waits for the
  // CLI, and a lowered job would lose its cores to whatever else runs. `nice folder-thumbnails`
  // lowers it where wanted (set before the process starts, every thread inherits it).
  if (args.clean) return clean(args, settings.outputFolderName, settings.includeSubfolders);
  const pool = createThumbnailPool({ workerFile: workerFile(), size: settings.maxWorkers, logger });
  // SIGINT (Ctrl+C), SIGTERM (kill, a service manager) and SIGHUP (the terminal closed) all
  // cancel the job the same way: finished thumbnails stay, no temp file is left. A second one
  // of any kind ends the process at once (the next run removes what it leaves).
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    signalled = signal;
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const bar = !args.json && process.stderr.isTTY ? progressBar(process.stderr) : undefined;
  try {
    const summary = await runJob(pool, {
      folder: args.folder,
      settings,
      force: args.force,
      signal: controller.signal,
      onProgress: bar ? (p) => bar.update(p) : undefined,
      logger,
    });
    bar?.clear();
    const tidy = args.prune && !summary.cancelled ? await pruneOrphans(args.folder, settings, { signal: controller.signal }) : undefined;
    if (args.json) {
      const { images, thumbnails, skipped, failed, excluded, elapsedMs } = summary;
      const pruned = tidy && { removed: tidy.removed, kept: tidy.kept, oldSizes: tidy.oldSizes };
      process.stdout.write(`${JSON.stringify({ images, thumbnails, skipped, failed, excluded, elapsedMs, cancelled: summary.cancelled, ...pruned })}\n`);
    } else {
      printSummary(summary);
      if (tidy) printTidy(tidy, 'orphaned thumbnails');
    }
    if (summary.cancelled) return 128 + (osConstants.signals[signalled ?? 'SIGINT'] ?? 2);
    return summary.failed.length === 0 && !tidy?.kept.some((k) => k.error) ? 0 : 1;
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    await pool.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`folder-thumbnails: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
