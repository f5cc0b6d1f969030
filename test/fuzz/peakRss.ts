/**
 * Preloaded (`node --require`) into the CLI under test: writes the process's peak resident memory,
 * in bytes, to the file FT_FUZZ_RSS_FILE names when it exits. getrusage counts the whole process,
 * so the pool's worker threads are in it. Workers inherit --require; only the main thread writes.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const file = process.env.FT_FUZZ_RSS_FILE;
if (file && isMainThread) {
  process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
}
