/**
 * A young-generation garbage collection, run by each render thread after every image.
 *
 * The pixels a render drops (sharp's outputs, a progressive file read for its scans to be
 * trimmed, the smaller sizes) are Buffers whose memory V8 frees only when it collects their
 * small JavaScript objects. A render thread allocates so little on V8's own heap that those
 * collections came seconds apart, and each worker carried 20-40 MB of dropped pixels: the
 * wallpaper set's peak was 284-292 MB, 228-261 MB with this (bench/engine/README.md). A young
 * collection takes ~1 ms; a full one ~10 ms, and collecting fully next to big decodes only cost
 * 8% of the run's time.
 *
 * V8 exposes its collector only behind the --expose-gc flag, which a worker cannot be started
 * with; it is set here the way Jest's leak detector sets it, and read through a new context.
 * Where that fails, nothing is collected and everything else works.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

type Collector = (options: { type: 'minor' }) => void;

let collector: Collector | undefined | null = null;

/** Runs a young-generation collection; false when V8's collector is not available here. */
export function collectYoungGarbage(): boolean {
  if (collector === null) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collector = vm.runInNewContext('gc') as Collector;
    } catch {
      collector = undefined;
    }
  }
  if (!collector) return false;
  collector({ type: 'minor' });
  return true;
}
