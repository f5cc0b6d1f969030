/**
 * Pool overhead check: `node direct.js pool|piscina|direct <folder> <workers> [runs]` runs the
 * same engine job (scan, plan, schedule, the production render) `runs` times in one process,
 * through our worker pool, through piscina (same worker count and settings, for comparison), or
 * with a main-thread stand-in that renders in this thread with the same number of images in
 * flight and the same libvips concurrency (1). Everything but the pool is the same code, so the
 * difference is the pool's own cost. Prints
 * `{ images, elapsedMs: [...] }`: the first run pays the cold start (worker threads starting
 * and loading sharp, or sharp loading on this thread), later runs find the pool's workers still
 * alive, as a second job within the idle timeout does.
 */
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import Piscina from 'piscina';
import { createThumbnailPool, runJob, type RenderRunner } from '../../src/core/engine';
import type { PoolStats } from '../../src/core/pool';
import { newBudgetMemory } from '../../src/core/decodeMemory';
import { parseSettings } from '../../src/core/settings';
import type { RenderResult, RenderTask } from '../../src/core/task';

/** All three render with the TurboJPEG fast path, as the bundles do (npm run build makes it). */
const TURBOJPEG = path.resolve(__dirname, '../../../dist/turbojpeg.node');

/** Renders on this thread, at most `size` at once, in arrival order (as the pool's queue). */
function mainThreadRunner(size: number): RenderRunner {
  // Loaded here only (sharp with it): the direct mode is the one place outside a pool's worker that renders.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderContextFor, renderImage } = require('../../src/worker/render') as typeof import('../../src/worker/render');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { collectDroppedPixels } = require('../../src/worker/gc') as typeof import('../../src/worker/gc');
  const context = renderContextFor({ turbojpeg: TURBOJPEG }); // no big-decode budget on one thread
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
        return await renderImage(task, context).finally(collectDroppedPixels);
      } finally {
        running--;
        waiting.shift()?.();
      }
    },
  };
}

/**
 * The same job through piscina, with the same young-generation limit and big-decode slot. It
 * starts its threads when created (minThreads), which happens inside the timed first run, just
 * before the job's first task; ours start on that task.
 */
function piscinaRunner(size: number): RenderRunner & { close: () => Promise<void> } {
  const piscina = new Piscina<RenderTask, RenderResult>({
    filename: path.resolve(__dirname, 'piscinaWorker.js'),
    minThreads: size,
    maxThreads: size,
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
    workerData: { budget: newBudgetMemory(), turbojpeg: TURBOJPEG },
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
  });
  return {
    get stats(): PoolStats {
      return { queued: piscina.queueSize, running: 0, completed: 0, failed: 0, aborted: 0, workers: piscina.threads.length, size, maxQueue: Infinity };
    },
    waitForRoom: async () => undefined,
    run: (task: RenderTask) => piscina.run(task),
    close: () => piscina.close(),
  };
}

async function main(): Promise<void> {
  const [mode, folder, workersArg, runsArg] = process.argv.slice(2);
  const workers = Number(workersArg ?? 2);
  const runs = Number(runsArg ?? 1);
  const settings = parseSettings({});
  const elapsedMs: number[] = [];
  let images = 0;
  const pool = mode === 'pool' ? createThumbnailPool({ workerFile: path.resolve(__dirname, '../../src/worker/index.js'), size: workers, turbojpeg: TURBOJPEG }) : undefined;
  let runner: RenderRunner | undefined = pool;
  let piscina: ReturnType<typeof piscinaRunner> | undefined;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    // piscina starts its threads when created, sharp loads with the direct runner: both belong
    // to the cold run, as our pool's thread starts do.
    if (mode === 'piscina') runner ??= piscina = piscinaRunner(workers);
    runner ??= mainThreadRunner(workers);
    const s = await runJob(runner, { folder, settings, force: true });
    elapsedMs.push(performance.now() - started);
    images = s.images;
  }
  await pool?.close();
  await piscina?.close();
  process.stdout.write(`${JSON.stringify({ images, elapsedMs })}\n`);
}

void main();
