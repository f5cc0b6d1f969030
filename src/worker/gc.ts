/**
 * A young-generation garbage collection, run by each render thread after every image.
 *
 * The pixels a render drops (sharp's outputs, a progressive file read for its scans to be
 * trimmed, the smaller sizes) are Buffers whose memory V8 frees only when it collects their
 * small JavaScript objects. A render thread allocates so little on V8's own heap that those
 * collections came seconds apart, and each worker carried 20-40 MB of dropped pixels: the
 * wallpaper set's peak was 284-292 MB, 228-261 MB with this (bench/README.md). A young
 * collection takes ~1 ms; a full one ~10 ms, and collecting fully next to big decodes only cost
 * 8% of the run's time.
 *
 * V8 exposes its collector only behind the --expose-gc flag. The helper process is started with
 * it (src/core/helper/protocol.ts); elsewhere (the CLI, benchmarks) it is set here the way Jest's
 * leak detector sets it, and read through a new context. These threads never run in the extension
 * host. Where both fail, nothing is collected and everything else works.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

type Collector = (options: { type: 'minor' }) => void;

let collector: Collector | undefined;
let looked = false;

/** Runs a young-generation collection; false when V8's collector is not available here. */
export function collectYoungGarbage(): boolean {
  if (!looked) {
    looked = true;
    collector = (globalThis as { gc?: Collector }).gc ?? exposeAtRunTime();
  }
  if (!collector) return false;
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
