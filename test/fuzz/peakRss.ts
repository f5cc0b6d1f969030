/**
 * Preloaded (`node --require`) into the CLI under test: writes the process's peak resident memory,
 * in bytes, to the file FT_FUZZ_RSS_FILE names when it exits. Worker threads share the process,
 * so the pool is in it. Workers inherit --require; only the main thread writes. On Linux it reads
 * VmHWM: getrusage's maxRSS survives fork and exec, so a child of a big test runner would report
 * the runner's size (seen: 442 MB for a CLI that peaked at 120).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

function peakBytes(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

const file = process.env.FT_FUZZ_RSS_FILE;
if (file && isMainThread) {
  process.on('exit', () => writeFileSync(file, String(peakBytes())));
}
