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
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { FileFailure, ImageEvent, JobProgress, JobSummary } from '../engine';
import { NO_LEFT_OUT } from '../leftOut';
import { FailureCode, describeError } from '../errors';
import type { Logger } from '../log';
import type { PoolStats } from '../pool';
import { priorityMode } from '../priority';
import type { ThumbnailSettings } from '../settings';
import { helperEnv, HELPER_EXEC_ARGV, type FromHelper, type RunRequest, type ToHelper } from './protocol';

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

/** What one job has seen so far, over every helper that worked on it. */
class JobState {
  readonly finished = new Set<string>();
  readonly inFlight = new Set<string>();
  readonly suspects: string[] = [];
  readonly failed: FileFailure[] = [];
  made = 0;
  fastDecodes = 0;
  thumbnails = 0;
  skipped = 0;
  found = 0;
  scanDone = false;
  lastFile: string | undefined;
  mainDone = false;
  bareCrashes = 0;

  apply(event: ImageEvent): void {
    this.lastFile = event.file;
    if (event.kind === 'sent') {
      this.inFlight.add(event.file);
      return;
    }
    this.inFlight.delete(event.file);
    this.finished.add(event.file);
    if (event.kind === 'made') {
      this.made++;
      this.thumbnails += event.thumbnails;
      if (event.fast) this.fastDecodes++;
    } else if (event.kind === 'skipped') {
      this.skipped++;
    } else {
      this.failed.push(event.failure);
    }
  }

  fail(file: string, code: string, message: string): void {
    this.apply({ file, kind: 'failed', failure: { file, code, message } });
  }

  progress(): JobProgress {
    const done = this.made + this.skipped + this.failed.length;
    return {
      found: Math.max(this.found, done),
      scanDone: this.scanDone,
      done,
      made: this.made,
      skipped: this.skipped,
      failed: this.failed.length,
      thumbnails: this.thumbnails,
      lastFile: this.lastFile,
    };
  }
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
    const started = Date.now();
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
    return {
      folder: path.resolve(options.folder),
      images: job.made,
      fastDecodes: job.fastDecodes,
      thumbnails: job.thumbnails,
      skipped: job.skipped,
      failed: job.failed,
      excluded,
      elapsedMs: Date.now() - started,
      cancelled: cancelled || signal?.aborted === true,
    };
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
    const { logger } = this.options;
    this.starts++;
    const env = { ...helperEnv(process.env), ...this.options.env };
    const child = fork(this.options.helperFile, [String(this.options.size())], {
      execPath: this.options.execPath ?? process.execPath,
      execArgv: [...HELPER_EXEC_ARGV],
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Linux: a session of its own, so that the scheduler's autogroups can put the helper below
      // every other session (the window, the extension host), not only below its siblings; the
      // helper lowers that group (src/core/priority.ts). It still exits when the channel closes.
      detached: process.platform === 'linux' && priorityMode(env) === 'background',
    });
    this.child = child;
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    return new Promise<ChildProcess>((resolve, reject) => {
      let isReady = false;
      child.on('message', (message: FromHelper) => {
        if (message.type === 'ready') {
          isReady = true;
          logger.debug(`thumbnail helper ${child.pid} started`);
          this.onDidChange();
          resolve(child);
        } else {
          this.dispatch(message);
        }
      });
      child.on('error', (error) => {
        if (!isReady) reject(new Error(`could not start the thumbnail helper: ${describeError(error)}`));
      });
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.ready = undefined;
          this.stats = undefined;
        }
        const reason = signal ?? `exit code ${code}`;
        const detail = stderr.trim().split('\n').slice(-3).join(' | ');
        if (!isReady) {
          reject(new Error(`could not start the thumbnail helper (${reason})${detail ? `: ${detail}` : ''}`));
        } else if (!this.disposed && (this.parts.size > 0 || code !== 0)) {
          logger.warn(`thumbnail helper ${child.pid} stopped (${reason})${detail ? `: ${detail}` : ''}`);
        } else {
          logger.debug(`thumbnail helper ${child.pid} exited after being idle`);
        }
        for (const id of [...this.parts.keys()]) this.settle(id, { kind: 'crashed', reason });
        this.onDidChange();
      });
    });
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
