/**
 * Pool overhead check: `node direct.js pool|direct <folder> <inflight> [runs]` renders every image
 * of a flat folder with the production render function, either through the engine and its worker
 * pool or on this main thread with the same number of images in flight and the same libvips
 * concurrency (1), `runs` times in one process. Prints `{ images, elapsedMs: [...] }`: the first
 * run pays the cold start (worker threads loading sharp, or sharp loading on the main thread),
 * later runs find the pool's workers still alive, as a second job within the idle timeout does.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createThumbnailPool, runJob } from '../../src/core/engine';
import { parseSettings } from '../../src/core/settings';
import { thumbnailPath } from '../../src/core/plan';
import { DEFAULT_MAX_PIXELS } from '../../src/core/task';

async function main(): Promise<void> {
  const [mode, folder, inflightArg, runsArg] = process.argv.slice(2);
  const inflight = Number(inflightArg ?? 2);
  const runs = Number(runsArg ?? 1);
  const settings = parseSettings({});
  const elapsedMs: number[] = [];
  let images = 0;
  if (mode === 'pool') {
    const pool = createThumbnailPool({ workerFile: path.resolve(__dirname, '../../src/worker/index.js'), size: inflight });
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const s = await runJob(pool, { folder, settings, force: true });
      elapsedMs.push(performance.now() - started);
      images = s.images;
    }
    await pool.close();
  } else {
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      // Loaded here only: the direct mode is the one place outside src/worker/ that renders.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const sharp = require('sharp') as typeof import('sharp').default;
      sharp.concurrency(1);
      sharp.cache(false);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { renderImage } = require('../../src/worker/render') as typeof import('../../src/worker/render');
      const files = readdirSync(folder).filter((f) => /\.jpe?g$/i.test(f)).map((f) => path.join(folder, f));
      let next = 0;
      images = 0;
      const lane = async (): Promise<void> => {
        while (next < files.length) {
          const source = files[next++];
          const r = await renderImage({
            source,
            quality: settings.quality,
            maxPixels: DEFAULT_MAX_PIXELS,
            outputs: settings.sizes.map((b, i) => {
              const dest = thumbnailPath(source, settings.outputFolderName, b);
              return { ...b, dest, temp: path.join(path.dirname(dest), `.${path.basename(dest)}.d${i}.tmp`) };
            }),
          });
          if (r.ok) images++;
        }
      };
      await Promise.all(Array.from({ length: inflight }, lane));
      elapsedMs.push(performance.now() - started);
    }
  }
  process.stdout.write(`${JSON.stringify({ images, elapsedMs })}\n`);
}

void main();
