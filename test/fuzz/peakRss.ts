/**
 * Preloaded (`node --require`) into the CLI under test: writes the process's peak resident memory,
 * in bytes, to the file FT_FUZZ_RSS_FILE names when it exits. The pool's worker threads share the
 * process's memory, so they are in it. Workers inherit --require; only the main thread writes.
 *
 * Linux's VmHWM, not getrusage's maxRSS: the child is started by vfork and exec, and exec folds
 * the parent's peak into the child's maxRSS (a 39 MB child of a 440 MB test process reported
 * 404 MB). VmHWM belongs to the child's own address space.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

function peakBytes(): number {
  try {
    const kB = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kB !== undefined) return Number(kB) * 1024;
  } catch {
    // no /proc: not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

const file = process.env.FT_FUZZ_RSS_FILE;
if (file && isMainThread) {
  process.on('exit', () => writeFileSync(file, String(peakBytes())));
}
