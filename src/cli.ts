/**
 * Command-line front end: `folder-thumbnails <folder> [options]` (arguments and help text in
 * cli/args.ts, output in cli/report.ts). Drives the same engine as the extension. Exit codes: 0
 * every image succeeded, 1 some failed, 2 bad arguments, 128 + the signal's number when
 * interrupted (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
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
import { parseArgs, UsageError, USAGE, type CliArgs } from './cli/args';
import { printClean, printJob, progressBar, stderrLogger } from './cli/report';
import { createThumbnailPool, runJob, type JobProgress } from './core/engine';
import { enclosingOutputFolder } from './core/folders';
import { nullLogger } from './core/log';
import { parseSettings, SettingsError, type ThumbnailSettings } from './core/settings';
import { cleanFolder, pruneOrphans } from './core/tidy';

const STOP_SIGNALS: NodeJS.Signals[] = process.platform === 'win32' ? ['SIGINT', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * SIGINT (Ctrl+C), SIGTERM (kill, a service manager) and SIGHUP (the terminal closed) all cancel
 * the same way: finished thumbnails stay, no temp file is left. A second one of any kind ends the
 * process at once (the next run removes what it leaves). `code` is 128 + the signal's number.
 */
function stopOnSignals(): { signal: AbortSignal; readonly code: number | undefined; dispose(): void } {
  const controller = new AbortController();
  let code: number | undefined;
  const dispose = (): void => {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    code = 128 + (osConstants.signals[signal] ?? 2);
    dispose();
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    signal: controller.signal,
    get code() {
      return code;
    },
    dispose,
  };
}

/** Throws UsageError unless `folder` is a folder of photos (not missing, not a file, not an output folder). */
async function checkFolder(folder: string, outputFolderName: string): Promise<void> {
  let isDir = false;
  try {
    isDir = statSync(folder).isDirectory();
  } catch {
    throw new UsageError(`${folder}: no such folder`);
  }
  if (!isDir) throw new UsageError(`${folder}: is not a folder`);
  const output = await enclosingOutputFolder(folder, outputFolderName);
  if (output) {
    const where = output === folder ? 'is an output folder' : `is inside the output folder ${output}`;
    throw new UsageError(`${folder}: ${where}: it holds thumbnails, not photos; give the folder that holds the photos`);
  }
}

/** The arguments and settings to run with, or the exit code when there is nothing to run (--help, a usage error). */
async function readRequest(argv: string[]): Promise<{ args: CliArgs; settings: ThumbnailSettings } | number> {
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const settings = parseSettings(args.raw, 'cli');
    await checkFolder(path.resolve(args.folder), settings.outputFolderName);
    return { args, settings };
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof SettingsError)) throw error;
    const problems = error instanceof SettingsError ? error.problems : [error.message];
    for (const p of problems) process.stderr.write(`folder-thumbnails: ${p}\n`);
    process.stderr.write('Try folder-thumbnails --help\n');
    return 2;
  }
}

/** --clean: the same ownership rule as the editor's Clean Thumbnails (core/tidy.ts). */
async function clean(args: CliArgs, settings: ThumbnailSettings): Promise<number> {
  const started = Date.now();
  const stop = stopOnSignals();
  try {
    const { outputFolderName, includeSubfolders } = settings;
    const r = await cleanFolder(args.folder, { outputFolderName, includeSubfolders, signal: stop.signal });
    printClean(r, Date.now() - started, stop.signal.aborted, args.json);
    return stop.code ?? (r.kept.some((k) => k.error) ? 1 : 0);
  } finally {
    stop.dispose();
  }
}

function workerFile(): string {
  // dist/cli.js sits beside dist/worker.js; the tsc build (out/src/cli.js) has out/src/worker/index.js.
  const bundled = path.join(__dirname, 'worker.js');
  return existsSync(bundled) ? bundled : path.join(__dirname, 'worker', 'index.js');
}

/** Makes the thumbnails, then with --prune removes the orphans. */
async function generate(args: CliArgs, settings: ThumbnailSettings): Promise<number> {
  const logger = args.verbose ? stderrLogger : nullLogger;
  // Normal priority, unlike the editor's helper (src/core/priority.ts): someone waits for the
  // CLI, and a lowered job would lose its cores to whatever else runs. `nice folder-thumbnails`
  // lowers it where wanted (set before the process starts, every thread inherits it).
  const pool = createThumbnailPool({ workerFile: workerFile(), size: settings.maxWorkers, logger });
  const stop = stopOnSignals();
  const bar = !args.json && process.stderr.isTTY ? progressBar(process.stderr) : undefined;
  try {
    const { folder, force } = args;
    const onProgress = bar ? (p: JobProgress) => bar.update(p) : undefined;
    const summary = await runJob(pool, { folder, settings, force, signal: stop.signal, onProgress, logger });
    bar?.clear();
    const pruned = args.prune && !summary.cancelled ? await pruneOrphans(folder, settings, { signal: stop.signal }) : undefined;
    printJob(summary, pruned, args.json);
    if (summary.cancelled) return stop.code ?? 130;
    return summary.failed.length === 0 && !pruned?.kept.some((k) => k.error) ? 0 : 1;
  } finally {
    stop.dispose();
    await pool.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const request = await readRequest(argv);
  if (typeof request === 'number') return request;
  return request.args.clean ? clean(request.args, request.settings) : generate(request.args, request.settings);
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
