/**
 * The messages between the extension host and the thumbnail helper process (src/helper/), over
 * Node's IPC channel. Plain data only; the helper runs the same engine as the CLI.
 */
import type { ImageEvent, JobProgress, JobSummary } from '../engine';
import type { PoolStats } from '../pool';
import type { ThumbnailSettings } from '../settings';

/** One part of a job: the whole folder, what is left of it after a crash, or one suspect image. */
export interface RunRequest {
  type: 'run';
  id: number;
  folder: string;
  settings: ThumbnailSettings;
  force: boolean;
  /** Sources already finished by an earlier part of this job. */
  skip: string[];
  /** Exactly these sources instead of the folder's. */
  sources?: string[];
}

export type ToHelper = RunRequest | { type: 'cancel'; id: number } | { type: 'resize'; size: number };

export type FromHelper =
  | { type: 'ready' }
  | { type: 'progress'; id: number; progress: JobProgress }
  | { type: 'image'; id: number; event: ImageEvent }
  | { type: 'done'; id: number; summary: JobSummary }
  | { type: 'error'; id: number; message: string }
  | { type: 'stats'; stats: PoolStats }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string };

/**
 * glibc's allocator settings for processes that decode images, read only at process start
 * (figures: bench/README.md, "Fifth round" and "What was measured and decided"): one arena,
 * a fixed 8 MB mmap threshold, transparent huge pages. The CLI's bin sets the same ones
 * (esbuild.js writes its first lines). A value the user set is kept.
 */
export const ALLOCATOR_DEFAULTS: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '1',
  MALLOC_MMAP_THRESHOLD_: '8388608',
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
};

/**
 * The helper's environment: the caller's, with the allocator defaults where it has none.
 * ELECTRON_RUN_AS_NODE makes VS Code desktop's own executable a plain Node, as language clients use it.
 */
export function helperEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ELECTRON_RUN_AS_NODE: '1' };
  for (const [name, value] of Object.entries(ALLOCATOR_DEFAULTS)) env[name] ??= value;
  return env;
}

/** V8 flags of the helper: the workers' young collections after each image (src/worker/gc.ts). */
export const HELPER_EXEC_ARGV: readonly string[] = ['--expose-gc'];
