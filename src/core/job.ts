/**
 * One thumbnail job's run: scan, plan each image (stat calls and its header, read once), send
 * what needs rendering to the pool, and summarise. engine.ts holds its public types and entry.
 */
import { realpath, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { BIG_DECODE_BUDGET_MB, bigDecodeMB } from './decodeMemory';
import type { JobOptions, JobSummary, RenderRunner } from './engine';
import { FailureCode, FileError, describeError } from './errors';
import { ProgressTracker } from './jobProgress';
import { NO_LEFT_OUT } from './leftOut';
import { nullLogger, type Logger } from './log';
import { planSource, type PlannedOutput } from './plan';
import { AbortError, PoolClosedError, PoolDestroyedError, WorkerStartError } from './pool';
import { Scheduler } from './schedule';
import { countImages, LeftOutCounter, scanImages, scanOptionsFor, type ScanOptions } from './scan';
import { readSourceFacts, type SourceFacts } from './source';
import { DEFAULT_MAX_PIXELS, type OutputRoot, type RenderTask } from './task';
import { removeStaleTemps, tempName, tempOwner } from './tempFiles';

/**
 * Tasks one job keeps in the pool beyond one per worker: enough that a worker finds its next
 * task queued when it finishes; few enough that what the scheduler picks runs soon after, a
 * cancelled job's leftovers drain in a moment and other jobs sharing the pool are not starved.
 */
const EXTRA_LANES = 1;

/** Planned images the scheduler chooses from (schedule.ts), and files planned at once. */
const LOOKAHEAD = 32;
const PLAN_PARALLEL = 8;

/** An image that needs rendering, with what planning learnt of it. */
interface Planned {
  source: string;
  outputs: PlannedOutput[];
  facts: SourceFacts;
  /** Scheduling: file size (a proxy for decode time) and MB of the big-decode budget. */
  bytes: number;
  bigMB: number;
}

export class Job {
  private readonly started = performance.now();
  private readonly log: Logger;
  private readonly progress: ProgressTracker;
  /** One flag for every task of this job, seen by the workers through shared memory. */
  private readonly cancel = new Int32Array(new SharedArrayBuffer(4));
  private readonly local = new AbortController();
  private readonly force: boolean;
  private readonly limits: { maxPixels: number; maxDecodeBytes: number };
  private readonly leftOut: LeftOutCounter;
  private readonly owner = tempOwner();
  private taskSeq = 0;
  private poolGone: Error | undefined;
  private staleTemps = 0;
  private cleaning: Promise<void> = Promise.resolve();

  private constructor(
    private readonly pool: RenderRunner,
    private readonly options: JobOptions,
    private readonly folder: string,
    /** Thumbnails are written only where the chosen folder's real path says (worker/output.ts). */
    private readonly root: OutputRoot,
  ) {
    const { settings } = options;
    this.log = options.logger ?? nullLogger;
    this.progress = new ProgressTracker(this.log, options.onProgress, options.onImage);
    this.force = options.force === true || !settings.skipUpToDate;
    this.limits = { maxPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS, maxDecodeBytes: settings.maxDecodeMB * 2 ** 20 };
    // The folders the filters leave out are counted by name while the job runs; a cancel stops it.
    this.leftOut = new LeftOutCounter(settings.outputFolderName, options.signal);
  }

  /** A job on `options.folder`; rejects when it is not a folder that can be read. */
  static async open(pool: RenderRunner, options: JobOptions): Promise<Job> {
    const folder = path.resolve(options.folder);
    const st = await stat(folder);
    if (!st.isDirectory()) throw new Error(`${folder}: is not a folder`);
    return new Job(pool, options, folder, { folder, real: await realpath(folder) });
  }

  async run(): Promise<JobSummary> {
    const { signal } = this.options;
    const onAbort = (): void => this.stop(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    const scanOptions: ScanOptions = { ...scanOptionsFor(this.options.settings), signal: this.local.signal };
    const counting = this.count(scanOptions);
    const files = this.options.sources ? listedSources(this.options.sources) : this.scan(scanOptions);
    try {
      await this.renderAll(files);
      if (!this.local.signal.aborted) this.progress.scanComplete();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.local.abort(); // stops the counting walk if it is still going
      await files.return(undefined);
      await counting;
      await this.cleaning;
    }
    return this.summary();
  }

  private stop(reason?: unknown): void {
    Atomics.store(this.cancel, 0, 1);
    this.local.abort(reason);
  }

  /**
   * A second, name-less walk only counts, so the total is known early for a progress bar while
   * the work walk stays streaming. Directory listings are cheap next to decoding.
   */
  private async count(scanOptions: ScanOptions): Promise<void> {
    const listed = this.options.sources;
    try {
      const n = listed ? listed.length : await countImages(this.folder, scanOptions, (k) => this.progress.counted(k, false));
      if (!this.local.signal.aborted) this.progress.counted(n, true); // a partial count is not a total
    } catch (error) {
      this.log.warn(`thumbnails: counting ${this.folder} failed: ${describeError(error)}`);
    }
  }

  /** The work walk; also removes, one output folder at a time, temp files a killed run left. */
  private scan(scanOptions: ScanOptions): AsyncGenerator<string> {
    return scanImages(this.folder, {
      ...scanOptions,
      onFolderError: (dir, error) => {
        // Node names a folder whose name is not UTF-8 with U+FFFD, a name that then lists nothing:
        // its images would be missed without a word, so it is reported like a file that failed.
        if (dir.includes('\uFFFD') && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          const message = `${dir}: this folder's name is not valid UTF-8 (\uFFFD stands for the bytes that are not); rename it to make thumbnails of its images`;
          this.progress.failed(dir, FailureCode.UNREADABLE, message);
        } else {
          this.log.warn(`thumbnails: cannot list ${dir}: ${describeError(error)}; skipped`);
        }
      },
      onOutputFolder: (dir) => {
        this.cleaning = this.cleaning.then(async () => void (this.staleTemps += await removeStaleTemps(dir, this.root)));
      },
      onSkipped: (p, reason, isFolder) => this.leftOut.add(p, reason, isFolder),
    });
  }

  /**
   * Sends the planned images to the pool through lanes: one per worker plus EXTRA_LANES, and more
   * when the pool grows mid-job (a maxWorkers change), so a bigger pool is used at once.
   */
  private async renderAll(files: AsyncGenerator<string>): Promise<void> {
    const scheduler = new Scheduler<Planned>(() => this.planNext(files), {
      depth: LOOKAHEAD,
      parallel: PLAN_PARALLEL,
      budgetMB: BIG_DECODE_BUDGET_MB,
      eager: this.pool.stats.size,
    });
    const lanes: Promise<void>[] = [];
    const addLanes = (): void => {
      while (lanes.length < this.pool.stats.size + EXTRA_LANES) lanes.push(lane());
    };
    const lane = async (): Promise<void> => {
      while (!this.local.signal.aborted) {
        const next = await scheduler.take();
        if (next === undefined) return;
        try {
          await this.render(next);
        } finally {
          scheduler.finished(next);
        }
        addLanes();
      }
    };
    addLanes();
    const outcomes: PromiseSettledResult<void>[] = [];
    while (outcomes.length < lanes.length) outcomes.push(...(await Promise.allSettled(lanes.slice(outcomes.length))));
    const broken = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (broken) throw broken.reason;
  }

  /** The next file of the scan, planned: null when it needs no task (skipped, or reported). */
  private async planNext(files: AsyncGenerator<string>): Promise<Planned | null | undefined> {
    if (this.local.signal.aborted) return undefined;
    const next = await files.next();
    if (next.done) return undefined;
    const source = next.value;
    this.progress.yielded();
    if (this.options.skip?.has(source)) return null;
    const { settings } = this.options;
    const plan = await planSource(source, { sizes: settings.sizes, quality: settings.quality, outputFolderName: settings.outputFolderName, force: this.force });
    if (plan.kind === 'skip') {
      this.progress.skipped(source);
      return null;
    }
    if (plan.kind === 'fail') {
      this.progress.failed(source, plan.code, plan.message);
      return null;
    }
    let facts: SourceFacts;
    try {
      facts = await readSourceFacts(source, this.limits, plan.source);
    } catch (error) {
      if (!(error instanceof FileError)) throw error;
      this.progress.failed(source, error.code, error.message);
      return null;
    }
    return { source, outputs: plan.outputs, facts, bytes: facts.bytes, bigMB: facts.header ? bigDecodeMB(facts.header) : 0 };
  }

  private taskFor({ source, outputs, facts }: Planned): RenderTask {
    // The temp is unique per job and task, beside the final file so that rename() is atomic.
    const temp = tempName(this.owner, ++this.taskSeq);
    return {
      source,
      root: this.root,
      quality: this.options.settings.quality,
      ...this.limits,
      facts,
      cancel: this.cancel,
      outputs: outputs.map((o) => ({ width: o.width, height: o.height, dest: o.dest, temp: path.join(path.dirname(o.dest), temp) })),
    };
  }

  private async render(planned: Planned): Promise<void> {
    if (this.local.signal.aborted) return;
    const task = this.taskFor(planned);
    const { source } = planned;
    try {
      await this.pool.waitForRoom(this.local.signal);
      this.progress.sent(source);
      const result = await this.pool.run(task);
      if (result.ok) this.progress.made(source, result.thumbnails, result.decoder !== 'sharp');
      else if (result.code !== 'CANCELLED') this.progress.failed(source, result.code, result.message);
    } catch (error) {
      if (this.local.signal.aborted && error instanceof AbortError) return;
      // A worker that crashed may have left a temp file; it is dead by the time run() rejects.
      await Promise.all(task.outputs.map((o) => unlink(o.temp).catch(() => undefined)));
      if (error instanceof PoolClosedError || error instanceof PoolDestroyedError || error instanceof WorkerStartError) {
        this.poolGone ??= error;
        return this.stop(error);
      }
      this.progress.failed(source, FailureCode.WORKER_CRASHED, `${source}: the render worker failed (${describeError(error)})`);
    }
  }

  private async summary(): Promise<JobSummary> {
    const { signal, sources } = this.options;
    // A part of a job that renders given sources (after a crash) scans nothing: nothing left out.
    const excluded = sources ? NO_LEFT_OUT : await this.leftOut.result();
    if (this.staleTemps > 0) this.log.info(`thumbnails: removed ${this.staleTemps} temp file(s) an interrupted run left in ${this.folder}`);
    if (this.poolGone && !signal?.aborted) throw this.poolGone;
    this.progress.emit();
    const counts = this.progress.snapshot;
    return {
      folder: this.folder,
      images: counts.made,
      fastDecodes: this.progress.fastDecodes,
      thumbnails: counts.thumbnails,
      skipped: counts.skipped,
      failed: this.progress.failures,
      excluded,
      elapsedMs: Math.round(performance.now() - this.started),
      cancelled: signal?.aborted === true,
    };
  }
}

async function* listedSources(sources: readonly string[]): AsyncGenerator<string> {
  yield* sources;
}
