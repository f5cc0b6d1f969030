/**
 * A young-generation garbage collection, run by each render thread after every image.
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
