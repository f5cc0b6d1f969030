/**
 * The extension host's side of the thumbnail helper process: starts it on the first job (never at
 * activation), runs jobs in it through src/core/helper/protocol.ts, and survives it. Plain Node.
 *
 * A native crash in the helper (libvips, libjpeg-turbo: a SIGSEGV, an abort, running out of
 * memory, a kill) costs the extension host nothing: the job goes on in a fresh helper. The images
 * that were in flight are retried one at a time, so an image that crashes the decoder again is
 * known for certain; it is reported as CRASHED_DECODER and never retried in a loop. A helper that
 * cannot start at all fails the job once with the reason; the next job tries again.
 */
import type { ChildProcess } from 'node:child_process';
import type { JobProgress, JobSummary } from '../engine';
import { NO_LEFT_OUT } from '../leftOut';
import { FailureCode } from '../errors';
import type { Logger } from '../log';
import type { PoolStats } from '../pool';
import type { ThumbnailSettings } from '../settings';
import { forkHelper, type HelperExit } from './forkHelper';
import { JobState } from './jobState';
import type { FromHelper, RunRequest, ToHelper } from './protocol';

export interface HelperOptions {
  /** The helper's entry: dist/helper.js, or a test fixture speaking the same protocol. */
  helperFile: string;
  /** Worker threads for the helper's pool (0: one per core), read at each start. */
  size: () => number;
  logger: Logger;
  /** The executable; by default this process's (VS Code desktop: Electron, run as Node). */
  execPath?: string;
  /** Added to the helper's environment (tests). */
  env?: Record<string, string>;
}

export interface HelperJobOptions {
  folder: string;
  settings: ThumbnailSettings;
  force: boolean;
  /** Exactly these sources (absolute paths inside `folder`) instead of the folder's scan. */
  sources?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
}

/** A crash with no image in flight (the scan, the pool) is retried this often in a row. */
const MAX_BARE_CRASHES = 2;

type PartOutcome = { kind: 'done'; summary: JobSummary } | { kind: 'error'; message: string } | { kind: 'crashed'; reason: string };

interface Part {
  job: JobState;
  /** The whole folder (what is left of it), not one suspect image. */
  main: boolean;
  onProgress?: (progress: JobProgress) => void;
  settle: (outcome: PartOutcome) => void;
}

export class ThumbnailHelper {
  private child: ChildProcess | undefined;
  private ready: Promise<ChildProcess> | undefined;
  private readonly parts = new Map<number, Part>();
  private nextId = 1;
  private disposed = false;
  /** Helpers started so far. */
  starts = 0;
  /** The helper pool's latest counts; undefined before the first start. */
  stats: PoolStats | undefined;
  /** Called when `stats` or the helper's life changes. */
  onDidChange: () => void = () => undefined;

  constructor(private readonly options: HelperOptions) {}

  /** The running helper's process id. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Runs one job to its end in the helper (fresh ones after crashes). Rejects only for the job as a whole. */
  async run(options: HelperJobOptions): Promise<JobSummary> {
    const job = new JobState();
    const { signal } = options;
    let cancelled = false;
    // Every main part scans the whole folder again; the last one's count is the job's.
    let excluded = NO_LEFT_OUT;
    while (!signal?.aborted && !cancelled) {
      const suspect = job.suspects[0];
      if (suspect === undefined && job.mainDone) break;
      const request = {
        folder: options.folder,
        settings: options.settings,
        force: options.force,
        skip: [...job.finished],
        sources: suspect === undefined ? options.sources && [...options.sources] : [suspect],
      };
      const outcome = await this.runPart(job, request, suspect === undefined, options);
      if (outcome.kind === 'done') {
        cancelled = outcome.summary.cancelled;
        if (suspect === undefined) excluded = outcome.summary.excluded;
        if (suspect !== undefined) job.suspects.shift();
        else job.mainDone = !cancelled;
        continue;
      }
      if (outcome.kind === 'error') throw new Error(outcome.message);
      if (this.disposed) throw new Error('the thumbnail helper was stopped');
      this.crashed(job, suspect, outcome.reason);
    }
    options.onProgress?.(job.progress());
    return job.summary(options.folder, excluded, cancelled || signal?.aborted === true);
  }

  /** Changes the helper pool's size (its workers follow at once; a later start reads `size`). */
  resize(size: number): void {
    this.send({ type: 'resize', size });
  }

  /** Stops the helper; running jobs reject. */
  dispose(): void {
    this.disposed = true;
    this.child?.kill();
  }

  private crashed(job: JobState, suspect: string | undefined, reason: string): void {
    const log = this.options.logger;
    if (suspect !== undefined) {
      // It ran alone: it is the image that crashes the decoder.
      job.suspects.shift();
      job.inFlight.clear();
      if (!job.finished.has(suspect)) {
        job.fail(suspect, FailureCode.CRASHED_DECODER, `${suspect}: the image decoder crashed on this file (${reason}); it was tried on its own and is left out`);
      }
      return;
    }
    const inFlight = [...job.inFlight].filter((f) => !job.finished.has(f));
    job.inFlight.clear();
    if (inFlight.length === 0 && ++job.bareCrashes > MAX_BARE_CRASHES) {
      throw new Error(`the thumbnail helper stopped ${job.bareCrashes} times with no image in flight (${reason})`);
    }
    if (inFlight.length > 0) job.bareCrashes = 0;
    job.suspects.push(...inFlight);
    log.warn(`the thumbnail helper stopped (${reason}) with ${inFlight.length} image(s) in flight; a new helper goes on, retrying them one at a time`);
  }

  private async runPart(job: JobState, fields: Omit<RunRequest, 'type' | 'id'>, main: boolean, options: HelperJobOptions): Promise<PartOutcome> {
    const child = await this.start();
    const id = this.nextId++;
    const cancel = (): void => this.send({ type: 'cancel', id });
    return new Promise<PartOutcome>((resolve) => {
      this.parts.set(id, {
        job,
        main,
        onProgress: options.onProgress,
        settle: (outcome) => {
          this.parts.delete(id);
          options.signal?.removeEventListener('abort', cancel);
          resolve(outcome);
        },
      });
      options.signal?.addEventListener('abort', cancel, { once: true });
      if (!child.connected) this.settle(id, { kind: 'crashed', reason: 'the helper had just exited' });
      else child.send({ type: 'run', id, ...fields } satisfies ToHelper);
      if (options.signal?.aborted) cancel();
    }).finally(() => options.onProgress?.(job.progress()));
  }

  private start(): Promise<ChildProcess> {
    if (this.disposed) return Promise.reject(new Error('the thumbnail helper was stopped'));
    this.ready ??= this.spawn().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private spawn(): Promise<ChildProcess> {
    this.starts++;
    const { helperFile, size, execPath, env } = this.options;
    const { child, ready } = forkHelper(
      { helperFile, size: size(), execPath, env },
      { message: (message) => this.dispatch(message), exit: (exit) => this.exited(child, exit) },
    );
    this.child = child;
    return ready.then(() => {
      this.options.logger.debug(`thumbnail helper ${child.pid} started`);
      this.onDidChange();
      return child;
    });
  }

  private exited(child: ChildProcess, { wasReady, code, reason, detail }: HelperExit): void {
    if (this.child === child) {
      this.child = undefined;
      this.ready = undefined;
      this.stats = undefined;
    }
    // One that never got ready has already failed its start with the reason.
    if (wasReady && !this.disposed && (this.parts.size > 0 || code !== 0)) {
      this.options.logger.warn(`thumbnail helper ${child.pid} stopped (${reason})${detail ? `: ${detail}` : ''}`);
    } else if (wasReady) {
      this.options.logger.debug(`thumbnail helper ${child.pid} exited after being idle`);
    }
    for (const id of [...this.parts.keys()]) this.settle(id, { kind: 'crashed', reason });
    this.onDidChange();
  }

  private dispatch(message: FromHelper): void {
    if (message.type === 'stats') {
      this.stats = message.stats;
      this.onDidChange();
      return;
    }
    if (message.type === 'log') {
      this.options.logger[message.level](message.message);
      return;
    }
    if (message.type === 'ready') return;
    const part = this.parts.get(message.id);
    if (!part) return;
    if (message.type === 'image') {
      part.job.apply(message.event);
    } else if (message.type === 'progress') {
      if (part.main) {
        part.job.found = message.progress.found;
        part.job.scanDone = message.progress.scanDone;
      }
    } else if (message.type === 'done') {
      return this.settle(message.id, { kind: 'done', summary: message.summary });
    } else if (message.type === 'error') {
      return this.settle(message.id, { kind: 'error', message: message.message });
    }
    part.onProgress?.(part.job.progress());
  }

  private settle(id: number, outcome: PartOutcome): void {
    this.parts.get(id)?.settle(outcome);
  }

  private send(message: ToHelper): void {
    if (this.child?.connected) this.child.send(message);
  }
}
