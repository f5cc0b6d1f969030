/**
 * A young-generation garbage collection, run by each render thread after an image once its dropped
 * pixels pile up.
 *
 * The pixels a render drops are Buffers that V8 frees only when it collects their small
 * JavaScript objects, and a render thread allocates so little JavaScript that this came seconds
 * apart: each worker carried tens of MB of dropped pixels. A young collection costs about a
 * millisecond (figures: bench/README.md, "Fifth round: a TurboJPEG fast path, and collecting
 * dropped pixels").
 *
 * V8 exposes its collector only behind --expose-gc. The helper process is started with it
 * (src/core/helper/protocol.ts); elsewhere (the CLI, benchmarks) it is set here, as Jest's leak
 * detector does, and read through a new context. These threads never run in the extension host.
 * Where both fail, nothing is collected and everything else works.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

type Collector = (options: { type: 'minor' }) => void;

// A cache: V8's collector, looked up on first use (null: there is none here).
let collector: Collector | null | undefined;

/**
 * Dropped pixels V8 may leave for its own collections. A young collection costs ~1 ms, a quarter
 * of a small image's render when run after each one; past this, an image's pixels are collected
 * at once, which is after every image of 4 MP or more (bench/README.md, "Eighth round").
 */
const EXTERNAL_SLACK_BYTES = 16 * 2 ** 20;

/** Collects the young generation once Buffers (pixels) outside V8's heap pass the slack; true when it ran. */
export function collectDroppedPixels(): boolean {
  if (v8.getHeapStatistics().external_memory < EXTERNAL_SLACK_BYTES) return false;
  return collectYoungGarbage();
}

/** Runs a young-generation collection; false when V8's collector is not available here. */
export function collectYoungGarbage(): boolean {
  collector ??= (globalThis as { gc?: Collector }).gc ?? exposeAtRunTime() ?? null;
  if (collector === null) return false;
  collector({ type: 'minor' });
  return true;
}

function exposeAtRunTime(): Collector | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as Collector;
  } catch {
    return undefined;
  }
}
