/**
 * Pool overhead check: `node direct.js pool|direct <folder> <workers> [runs]` runs the same
 * engine job (scan, plan, schedule, the production render) `runs` times in one process, either
 * through the worker pool or with a main-thread stand-in for it that renders in this thread with
 * the same number of images in flight and the same libvips concurrency (1). Everything but the
 * pool is the same code, so the difference is the pool's own cost. Prints
 * `{ images, elapsedMs: [...] }`: the first run pays the cold start (worker threads starting
 * and loading sharp, or sharp loading on this thread), later runs find the pool's workers still
 * alive, as a second job within the idle timeout does.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createThumbnailPool, runJob, type RenderRunner } from '../../src/core/engine';
import type { PoolStats } from '../../src/core/pool';
import { parseSettings } from '../../src/core/settings';
import type { RenderResult, RenderTask } from '../../src/core/task';

/** Renders on this thread, at most `size` at once, in arrival order (as the pool's queue). */
function mainThreadRunner(size: number): RenderRunner {
  // Loaded here only: the direct mode is the one place outside src/worker/ that renders.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sharp = require('sharp') as typeof import('sharp').default;
  sharp.concurrency(1);
  sharp.cache(false);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderImage } = require('../../src/worker/render') as typeof import('../../src/worker/render');
  let running = 0;
  const waiting: Array<() => void> = [];
  return {
    get stats(): PoolStats {
      return { queued: waiting.length, running, completed: 0, failed: 0, aborted: 0, workers: 0, size, maxQueue: Infinity };
    },
    waitForRoom: async () => undefined,
    run: async (task: RenderTask): Promise<RenderResult> => {
      if (running >= size) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await renderImage(task);
      } finally {
        running--;
        waiting.shift()?.();
      }
    },
  };
}

async function main(): Promise<void> {
  const [mode, folder, workersArg, runsArg] = process.argv.slice(2);
  const workers = Number(workersArg ?? 2);
  const runs = Number(runsArg ?? 1);
  const settings = parseSettings({});
  const elapsedMs: number[] = [];
  let images = 0;
  const pool = mode === 'pool' ? createThumbnailPool({ workerFile: path.resolve(__dirname, '../../src/worker/index.js'), size: workers }) : undefined;
  let runner: RenderRunner | undefined = pool;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    runner ??= mainThreadRunner(workers); // sharp's load is part of the direct cold run
    const s = await runJob(runner, { folder, settings, force: true });
    elapsedMs.push(performance.now() - started);
    images = s.images;
  }
  await pool?.close();
  process.stdout.write(`${JSON.stringify({ images, elapsedMs })}\n`);
}

void main();
