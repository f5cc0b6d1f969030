/**
 * Preloaded (`node --require`) into out/src/cli.js by the unit test: out/src has no turbojpeg.node
 * beside its worker (only `npm run build` puts one in dist/), so without this the fuzz test would
 * never reach the fast path's C code, the part most exposed to hostile bytes. It hands the pool's
 * workers the addon named by FT_FUZZ_TURBOJPEG, as dist/ does; nothing else changes.
 */
import type { WorkerOptions } from 'node:worker_threads';

// Required, not imported: an import would give a copy of the exports, and the pool reads
// `Worker` off the module itself at each start, so only replacing that export reaches it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workerThreads = require('node:worker_threads') as typeof import('node:worker_threads');

// FT_FUZZ_WASM likewise hands them turbojpeg.wasm, used where the addon does not load.
const addon = process.env.FT_FUZZ_TURBOJPEG;
const wasm = process.env.FT_FUZZ_WASM;
if ((addon || wasm) && workerThreads.isMainThread) {
  const Base = workerThreads.Worker;
  workerThreads.Worker = class extends Base {
    constructor(file: string | URL, options?: WorkerOptions) {
      const data = options?.workerData as Record<string, unknown> | undefined;
      const codecs = { ...(addon ? { turbojpeg: addon } : {}), ...(wasm ? { wasm } : {}) };
      super(file, data && 'turbojpeg' in data ? { ...options, workerData: { ...data, ...codecs } } : options);
    }
  };
}
