/**
 * The thumbnail job: scan a folder, plan each image with stat calls, render what is missing in
 * the worker pool (one task per image), report progress, and summarise. Plain Node; both the
 * extension and the CLI drive it.
 */
import { constants } from 'node:fs';
import { open, realpath, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { FailureCode, describeError, type FailureCodeName } from './errors';
import { nullLogger, type Logger } from './log';
import { planSource, type PlannedOutput } from './plan';
import { WorkerPool } from './pool';
import { parseJpegHeader, readHead } from './jpegHeader';
import { Scheduler } from './schedule';
import { countImages, LeftOutCounter, scanImages, scanOptionsFor, type ScanOptions } from './scan';
import { NO_LEFT_OUT, type LeftOutCounts } from './leftOut';
import type { ThumbnailSettings } from './settings';
import { BIG_DECODE_BUDGET_MB, DEFAULT_MAX_PIXELS, bigDecodeMB, decodeBytes, type OutputRoot, type RenderResult, type RenderTask } from './task';
import { removeStaleTemps, tempName, tempOwner } from './tempFiles';

export type { RenderResult, RenderTask } from './task';

/** One image that could not be made into thumbnails. */
export interface FileFailure {
  /** Absolute path of the source image. */
  file: string;
  /** Stable code, one of {@link FailureCode}. */
  code: FailureCodeName | string;
  /** Human message naming the file and the reason. */
  message: string;
}

/** Progress of a running job; a fresh object per call. */
export interface JobProgress {
  /** Images found so far by the scan. */
  found: number;
  /** True once `found` is final. */
  scanDone: boolean;
  /** Images finished: made + skipped + failed. */
  done: number;
  made: number;
  skipped: number;
  failed: number;
  /** Thumbnail files written. */
  thumbnails: number;
  lastFile?: string;
}

/** The outcome of a job. */
export interface JobSummary {
  folder: string;
  /** Images rendered. */
  images: number;
  /** Of those, images decoded through libjpeg-turbo (the fast path, src/native/turbojpeg.c); the rest through sharp. */
  fastDecodes: number;
  /** Thumbnail files written. */
  thumbnails: number;
  /** Images whose thumbnails were all up to date. */
  skipped: number;
  failed: FileFailure[];
  /** Images the filters left out (exclude setting, files.exclude, ignore files), counted by name. */
  excluded: LeftOutCounts;
  elapsedMs: number;
  cancelled: boolean;
}

/**
 * One image's way through a job, as it happens: sent to a worker, then made, up to date or
 * failed. The helper process reports these so that the extension host knows which images were
 * in flight when a native crash took the helper down (src/core/helper/).
 */
export type ImageEvent =
  | { file: string; kind: 'sent' }
  | { file: string; kind: 'made'; thumbnails: number; fast: boolean }
  | { file: string; kind: 'skipped' }
  | { file: string; kind: 'failed'; failure: FileFailure };

/** What a job works on and how. */
export interface JobOptions {
  folder: string;
  settings: ThumbnailSettings;
  /** Remake thumbnails even when up to date. */
  force?: boolean;
  signal?: AbortSignal;
  /** Called often (per image and as the scan counts); must be cheap. */
  onProgress?: (p: JobProgress) => void;
  logger?: Logger;
  /** Pixel limit per source (decompression-bomb guard); default {@link DEFAULT_MAX_PIXELS}. */
  maxPixels?: number;
  /** Called once per image event; must be cheap. */
  onImage?: (event: ImageEvent) => void;
  /** Sources an earlier part of the same job finished: neither rendered nor counted again. */
  skip?: ReadonlySet<string>;
  /** Exactly these sources (absolute paths inside `folder`) instead of scanning the folder. */
  sources?: readonly string[];
}

/** The pool type the engine renders with. */
export type ThumbnailPool = WorkerPool<RenderTask, RenderResult>;

/** What a job uses of the pool (the pool-overhead benchmark runs jobs on a main-thread stand-in). */
export type RenderRunner = Pick<ThumbnailPool, 'run' | 'waitForRoom' | 'stats'>;

/**
 * Creates the render pool. Starts no thread until the first job. `workerFile` is the worker
 * entry: `path.join(__dirname, 'worker.js')` from the bundles, out/src/worker/index.js in tests.
 * `size` 0 means one worker per core (the measured optimum on 2 cores, see bench/engine).
 * `turbojpeg` is the fast path's addon (src/native/turbojpeg.c), by default turbojpeg.node beside
 * the worker file; the workers render with sharp alone where it is missing or cannot load.
 */
export function createThumbnailPool(options: {
  workerFile: string;
  size: number;
  idleTimeoutMs?: number;
  logger?: Logger;
  turbojpeg?: string;
}): ThumbnailPool {
  return new WorkerPool<RenderTask, RenderResult>({
    filename: options.workerFile,
    size: options.size,
    idleTimeoutMs: options.idleTimeoutMs,
    logger: options.logger,
    // One pool-wide slot for decoding big progressive JPEGs (see render.ts): memory, not speed.
    workerData: {
      bigDecodeGate: new SharedArrayBuffer(4),
      turbojpeg: options.turbojpeg ?? path.join(path.dirname(options.workerFile), 'turbojpeg.node'),
    },
    // Workers allocate little on the JS heap (pixels live in external buffers); a small young
    // generation cut ~10-20 MB of peak memory per run at no measured speed cost (bench/engine).
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
}

/**
 * Tasks one job keeps in the pool beyond one per worker: enough that a worker finds its next
 * task queued when it finishes; few enough that what the scheduler picks runs soon after (its
 * memory-aware choice assumes so), a cancelled job's leftovers drain in a moment and other jobs
 * sharing the pool are not starved.
 */
const EXTRA_LANES = 1;

/** Planned images the scheduler chooses from (schedule.ts), and files planned at once. */
const LOOKAHEAD = 32;
const PLAN_PARALLEL = 8;

/**
 * Runs one thumbnail job to completion or cancellation. Never rejects for a bad image (those are
 * in `failed`); rejects only when the folder itself cannot be read or the pool is unusable.
 * On abort it resolves with `cancelled: true` and the counts so far: finished thumbnails stay,
 * no partial or temp file is left.
 */
export async function runJob(pool: RenderRunner, options: JobOptions): Promise<JobSummary> {
  const started = performance.now();
  const log = options.logger ?? nullLogger;
  const { settings, signal } = options;
  const folder = path.resolve(options.folder);
  const force = options.force === true || !settings.skipUpToDate;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;

  const st = await stat(folder);
  if (!st.isDirectory()) throw new Error(`${folder}: is not a folder`);
  // Thumbnails are written only where the chosen folder's real path says (worker/output.ts).
  const root: OutputRoot = { folder, real: await realpath(folder) };
  const maxDecodeBytes = settings.maxDecodeMB * 2 ** 20;
  // The main thread never loads sharp. sharp's docs (lovell/sharp#2263) once asked for that so
  // the last exiting worker would not unload libvips under its own feet; today's prebuilt
  // binaries are linked with -z nodelete (sharp-*.node and libvips-cpp carry FLAGS_1 NODELETE),
  // so they are never unloaded, and 30 worker exits and mid-task terminations without it ran
  // clean here. Not loading it saves ~19 MB and ~100 ms of the extension host's thread.

  const progress: JobProgress = { found: 0, scanDone: false, done: 0, made: 0, skipped: 0, failed: 0, thumbnails: 0 };
  let fastDecodes = 0;
  const failures: FileFailure[] = [];
  const emit = options.onProgress
    ? (): void => {
        try {
          options.onProgress!({ ...progress });
        } catch (error) {
          log.warn(`thumbnails: progress callback threw: ${describeError(error)}`);
        }
      }
    : (): void => undefined;
  const onImage = options.onImage ?? ((): void => undefined);
  const fail = (file: string, code: string, message: string): void => {
    failures.push({ file, code, message });
    onImage({ file, kind: 'failed', failure: { file, code, message } });
    progress.failed++;
    progress.done++;
    progress.lastFile = file;
    // Each host reports failures once from the summary (the extension's log, the CLI's output).
    log.debug(`thumbnails: ${code} ${message}`);
    emit();
  };

  // One flag for every task of this job, seen by the workers through shared memory.
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const local = new AbortController();
  const onAbort = (): void => {
    Atomics.store(cancel, 0, 1);
    local.abort(signal?.reason);
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  const scanOptions: ScanOptions = { ...scanOptionsFor(settings), signal: local.signal };
  // The folders the filters leave out are counted by name while the job runs; a cancel stops it.
  const leftOut = new LeftOutCounter(settings.outputFolderName, signal);

  // A second, name-less walk only counts, so the total is known early for a progress bar while
  // the work walk below stays streaming. Directory listings are cheap next to decoding.
  let seen = 0;
  const listed = options.sources;
  const counting = (listed ? Promise.resolve(listed.length) : countImages(folder, scanOptions, (n) => {
    if (n > progress.found) {
      progress.found = n;
      emit();
    }
  }).then(
    (n) => {
      if (local.signal.aborted) return; // a partial count is not a total
      progress.found = Math.max(n, seen);
      progress.scanDone = true;
      emit();
    },
    (error: unknown) => log.warn(`thumbnails: counting ${folder} failed: ${describeError(error)}`),
  ));

  // Temp files a killed run left in the output folders the scan passes, one folder at a time.
  let staleTemps = 0;
  let cleaning: Promise<void> = Promise.resolve();
  const files = listed ? listedSources(listed) : scanImages(folder, {
    ...scanOptions,
    onFolderError: (dir, error) => {
      // Node names a folder whose name is not UTF-8 with U+FFFD, a name that then lists nothing:
      // its images would be missed without a word, so it is reported like a file that failed.
      if (dir.includes('\uFFFD') && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        fail(dir, FailureCode.UNREADABLE, `${dir}: this folder's name is not valid UTF-8 (\uFFFD stands for the bytes that are not); rename it to make thumbnails of its images`);
      } else {
        log.warn(`thumbnails: cannot list ${dir}: ${describeError(error)}; skipped`);
      }
    },
    onOutputFolder: (dir) => {
      cleaning = cleaning.then(async () => void (staleTemps += await removeStaleTemps(dir, root)));
    },
    onSkipped: (p, reason, isFolder) => leftOut.add(p, reason, isFolder),
  });
  const owner = tempOwner();
  let taskSeq = 0;
  let poolGone: Error | undefined;

  type Planned = { source: string; outputs: PlannedOutput[]; bytes: number; bigMB: number };

  /** The next file of the scan, planned: null when it needs no task (skipped, or reported). */
  const plan = async (): Promise<Planned | null | undefined> => {
    if (local.signal.aborted) return undefined;
    const next = await files.next();
    if (next.done) return undefined;
    const source = next.value;
    seen++;
    if (seen > progress.found) progress.found = seen;
    if (options.skip?.has(source)) return null;
    const planned = await planSource(source, {
      sizes: settings.sizes,
      quality: settings.quality,
      outputFolderName: settings.outputFolderName,
      force,
    });
    if (planned.kind === 'skip') {
      onImage({ file: source, kind: 'skipped' });
      progress.skipped++;
      progress.done++;
      progress.lastFile = source;
      emit();
      return null;
    }
    if (planned.kind === 'fail') {
      fail(source, planned.code, planned.message);
      return null;
    }
    return { source, outputs: planned.outputs, bytes: planned.bytes, bigMB: await bigDecodeOf(source, planned.bytes, maxDecodeBytes) };
  };

  const handle = async ({ source, outputs }: Planned): Promise<void> => {
    if (local.signal.aborted) return;

    const temp = tempName(owner, ++taskSeq);
    const task: RenderTask = {
      source,
      root,
      quality: settings.quality,
      maxPixels,
      maxDecodeBytes,
      cancel,
      // The temp is unique per job and task, beside the final file so that rename() is atomic.
      outputs: outputs.map((o) => ({ width: o.width, height: o.height, dest: o.dest, temp: path.join(path.dirname(o.dest), temp) })),
    };
    let result: RenderResult;
    try {
      await pool.waitForRoom(local.signal);
      onImage({ file: source, kind: 'sent' });
      result = await pool.run(task);
    } catch (error) {
      if (local.signal.aborted && (error as Error).name === 'AbortError') return;
      await removeTemps(task);
      const name = (error as Error).name;
      if (name === 'PoolClosedError' || name === 'PoolDestroyedError' || name === 'WorkerStartError') {
        poolGone ??= error as Error;
        local.abort(error);
        Atomics.store(cancel, 0, 1);
        return;
      }
      return fail(source, FailureCode.WORKER_CRASHED, `${source}: the render worker failed (${describeError(error)})`);
    }
    if (result.ok) {
      onImage({ file: source, kind: 'made', thumbnails: result.thumbnails, fast: result.decoder === 'turbojpeg' });
      if (result.decoder === 'turbojpeg') fastDecodes++;
      progress.made++;
      progress.done++;
      progress.thumbnails += result.thumbnails;
      progress.lastFile = source;
      emit();
    } else if (result.code !== 'CANCELLED') {
      fail(source, result.code, result.message);
    }
  };

  const scheduler = new Scheduler(plan, {
    depth: LOOKAHEAD,
    parallel: PLAN_PARALLEL,
    budgetMB: BIG_DECODE_BUDGET_MB,
    eager: pool.stats.size,
  });
  // One lane per worker plus EXTRA_LANES; more join when the pool grows mid-job (a
  // maxWorkers change), so a bigger pool is used at once.
  const lanes: Promise<void>[] = [];
  const addLanes = (): void => {
    while (lanes.length < pool.stats.size + EXTRA_LANES) lanes.push(lane());
  };
  async function lane(): Promise<void> {
    while (!local.signal.aborted) {
      const next = await scheduler.take();
      if (next === undefined) return;
      try {
        await handle(next);
      } finally {
        scheduler.finished(next);
      }
      addLanes();
    }
  }

  try {
    addLanes();
    const outcomes: PromiseSettledResult<void>[] = [];
    while (outcomes.length < lanes.length) outcomes.push(...(await Promise.allSettled(lanes.slice(outcomes.length))));
    const broken = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (broken) throw broken.reason;
    if (!local.signal.aborted) {
      progress.found = seen;
      progress.scanDone = true;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    local.abort(); // stops the counting walk if it is still going
    await files.return(undefined);
    await counting;
    await cleaning;
  }
  // A part of a job that renders given sources (after a crash) scans nothing: nothing left out.
  const excluded = listed ? NO_LEFT_OUT : await leftOut.result();
  if (staleTemps > 0) log.info(`thumbnails: removed ${staleTemps} temp file(s) an interrupted run left in ${folder}`);
  if (poolGone && !signal?.aborted) throw poolGone;
  emit();

  return {
    folder,
    images: progress.made,
    fastDecodes,
    thumbnails: progress.thumbnails,
    skipped: progress.skipped,
    failed: failures,
    excluded,
    elapsedMs: Math.round(performance.now() - started),
    cancelled: signal?.aborted === true,
  };
}

async function* listedSources(sources: readonly string[]): AsyncGenerator<string> {
  yield* sources;
}

/**
 * MB of the big-decode budget a source will take (task.ts), from its head: 0 when it is not a
 * big progressive JPEG, cannot be read here, or will be refused as too big to decode (the render
 * reports why).
 */
async function bigDecodeOf(source: string, fileBytes: number, maxDecodeBytes: number): Promise<number> {
  try {
    // Non-blocking: a FIFO put in place since the stat must not hang a libuv thread.
    const handle = await open(source, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const header = parseJpegHeader(await readHead(handle));
      if (!header || decodeBytes(header, fileBytes) > maxDecodeBytes) return 0;
      return bigDecodeMB(header);
    } finally {
      await handle.close();
    }
  } catch {
    return 0;
  }
}

// A worker that crashed may have left a temp file; it is dead by the time run() rejects.
async function removeTemps(task: RenderTask): Promise<void> {
  await Promise.all(task.outputs.map((o) => unlink(o.temp).catch(() => undefined)));
}
