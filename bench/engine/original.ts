/**
 * Runs the original design over a folder (flat, .jpg only): `node original.js <folder> <out> <workers>`.
 * One pool task per image and size, fed with backpressure. Prints elapsed ms as JSON.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkerPool } from '../../src/core/pool';
import type { OriginalTask } from './originalWorker';

async function main(): Promise<void> {
  const [folder, out, workers, sizesArg] = process.argv.slice(2);
  const sizes = (sizesArg ?? '1024,512,256,128,64,32').split(',').map(Number);
  const started = performance.now();
  const pool = new WorkerPool<OriginalTask, number>({ filename: path.join(__dirname, 'originalWorker.js'), size: Number(workers) });
  const files = readdirSync(folder).filter((f) => /\.jpe?g$/i.test(f));
  const running: Promise<number>[] = [];
  for (const f of files) {
    for (const s of sizes) {
      await pool.waitForRoom();
      running.push(pool.run({ source: path.join(folder, f), width: s, height: s, dest: path.join(out, `${s}x${s}`, f), quality: 65 }));
    }
  }
  await Promise.all(running);
  await pool.close();
  process.stdout.write(`${JSON.stringify({ images: files.length, elapsedMs: performance.now() - started })}\n`);
}

void main();
