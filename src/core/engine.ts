/**
 * The thumbnail job: scan a folder, plan each image with stat calls, render what is missing in
 * the worker pool (one task per image), report progress, and summarise. Plain Node; both the
 * extension and the CLI drive it.
 */
import * as path from 'node:path';
import { newBudgetMemory } from './decodeMemory';
import type { FailureCodeName } from './errors';
import { Job } from './job';
import type { LeftOutCounts } from './leftOut';
import type { Logger } from './log';
import { WorkerPool } from './pool';
import type { ThumbnailSettings } from './settings';
import type { RenderResult, RenderTask } from './task';

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
  /** Of those, images decoded through libjpeg-turbo (the fast path: src/native/turbojpeg.c, or its WebAssembly build in src/wasm); the rest through sharp. */
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
 * `size` 0 means one worker per core (the measured optimum on 2 cores, bench/README.md, "What was measured and decided").
 * `turbojpeg` is the fast path's addon (src/native/turbojpeg.c), by default turbojpeg.node beside
 * the worker file, and `wasm` the same library as WebAssembly (src/wasm), by default
 * turbojpeg.wasm there: the workers use the addon where it loads, else the WebAssembly build,
 * else sharp alone.
 */
export function createThumbnailPool(options: {
  workerFile: string;
  size: number;
  idleTimeoutMs?: number;
  logger?: Logger;
  turbojpeg?: string;
  wasm?: string;
}): ThumbnailPool {
  return new WorkerPool<RenderTask, RenderResult>({
    filename: options.workerFile,
    size: options.size,
    idleTimeoutMs: options.idleTimeoutMs,
    logger: options.logger,
    // The pool-wide budget for big progressive decodes (decodeMemory.ts): memory, not speed.
    workerData: {
      budget: newBudgetMemory(),
      turbojpeg: options.turbojpeg ?? path.join(path.dirname(options.workerFile), 'turbojpeg.node'),
      wasm: options.wasm ?? path.join(path.dirname(options.workerFile), 'turbojpeg.wasm'),
    },
    // Workers allocate little on the JS heap (pixels live in external buffers); a small young
    // generation cut ~10-20 MB of peak memory per run at no measured speed cost (bench/README.md).
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
}

/**
 * Runs one thumbnail job to completion or cancellation. Never rejects for a bad image (those are
 * in `failed`); rejects only when the folder itself cannot be read or the pool is unusable.
 * On abort it resolves with `cancelled: true` and the counts so far: finished thumbnails stay,
 * no partial or temp file is left.
 */
export async function runJob(pool: RenderRunner, options: JobOptions): Promise<JobSummary> {
  // The main thread never loads sharp: its prebuilt binaries are never unloaded (NODELETE), so
  // the old advice to keep it loaded there is moot, and not loading it saves ~19 MB.
  return (await Job.open(pool, options)).run();
}
