/**
 * Dispatch benchmark: our WorkerPool against piscina and workerpool, same machine, same run.
 *
 *   npm run bench:pool              (or: node out/bench/pool.js [--rounds 7] [--tasks 20000])
 *
 * All three get the same worker count, the same trivial task (n => n + 1, so only dispatch
 * is measured), and the same closed-loop driver keeping the same number of tasks in flight.
 * Each pool is warmed up once, then the rounds alternate pools (rotating who goes first, so
 * none always runs on a cooler or hotter machine) and the median round is reported.
 *
 * Two loads: "throughput" keeps WINDOW tasks in flight (tasks/s), "latency" keeps one in
 * flight, so every task pays the full round trip (µs per task = per-task overhead).
 *
 * Not a test: nothing here asserts. The "pool overhead on a real thumbnail job" figure needs
 * the sharp engine and is measured by its own benchmark.
 */
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import Piscina from 'piscina';
import workerpool from 'workerpool';
import { WorkerPool } from '../src/core/pool';

interface Contender {
  name: string;
  run(n: number): Promise<number>;
  close(): Promise<unknown>;
}

const WORKERS = availableParallelism();
const WINDOW = 8 * WORKERS;
const ROUNDS = numberArg('--rounds', 7);
const THROUGHPUT_TASKS = numberArg('--tasks', 20_000);
const LATENCY_TASKS = Math.max(1_000, Math.round(THROUGHPUT_TASKS / 4));
const FIXTURES = path.resolve(__dirname, '../test/fixtures/workers');

function numberArg(flag: string, fallback: number): number {
  const at = process.argv.indexOf(flag);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function contenders(): Contender[] {
  const ours = new WorkerPool<number, number>({
    filename: path.join(FIXTURES, 'noop.js'),
    size: WORKERS,
    maxQueue: WINDOW,
    idleTimeoutMs: 60_000,
  });
  const piscina = new Piscina<number, number>({
    filename: path.join(FIXTURES, 'noop-piscina.js'),
    minThreads: WORKERS,
    maxThreads: WORKERS,
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
  });
  const wp = workerpool.pool(path.join(FIXTURES, 'noop-workerpool.js'), {
    minWorkers: WORKERS,
    maxWorkers: WORKERS,
    workerType: 'thread',
  });
  return [
    { name: 'ours', run: (n) => ours.run(n), close: () => ours.close() },
    { name: 'piscina', run: (n) => piscina.run(n), close: () => piscina.close() },
    {
      name: 'workerpool',
      run: (n) => wp.exec('noop', [n]) as unknown as Promise<number>,
      close: () => wp.terminate() as unknown as Promise<void>,
    },
  ];
}

/** Keeps `window` tasks in flight until `total` have completed; returns tasks per second. */
async function drive(contender: Contender, total: number, window: number): Promise<number> {
  let issued = 0;
  let checksum = 0;
  const lane = async (): Promise<void> => {
    while (issued < total) {
      const n = issued++;
      const result = await contender.run(n);
      checksum += result - n;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: window }, lane));
  const seconds = (performance.now() - started) / 1000;
  if (checksum !== total) throw new Error(`${contender.name}: wrong results (${checksum} != ${total})`);
  return total / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function measure(pools: Contender[], label: string, total: number, window: number): Promise<Map<string, number>> {
  for (const pool of pools) await drive(pool, Math.min(total, 5_000), window); // warm-up
  const rounds = new Map<string, number[]>(pools.map((p) => [p.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = pools.map((_, i) => pools[(i + round) % pools.length]);
    for (const pool of order) rounds.get(pool.name)!.push(await drive(pool, total, window));
  }
  const result = new Map<string, number>();
  console.log(`\n${label}: ${total} tasks x ${ROUNDS} rounds, ${window} in flight, ${WORKERS} workers`);
  for (const [name, values] of rounds) {
    const med = median(values);
    result.set(name, med);
    const spread = `${Math.round(Math.min(...values))}..${Math.round(Math.max(...values))}`;
    console.log(
      `  ${name.padEnd(11)} ${Math.round(med).toString().padStart(8)} tasks/s` +
        `  ${(1e6 / med).toFixed(1).padStart(6)} µs/task   (rounds ${spread})`,
    );
  }
  const ours = result.get('ours')!;
  for (const [name, value] of result) {
    if (name !== 'ours') console.log(`  ours / ${name}: ${(ours / value).toFixed(2)}x`);
  }
  return result;
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${availableParallelism()} cores available`);
  const pools = contenders();
  try {
    await measure(pools, 'throughput', THROUGHPUT_TASKS, WINDOW);
    await measure(pools, 'latency (one task in flight)', LATENCY_TASKS, 1);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
