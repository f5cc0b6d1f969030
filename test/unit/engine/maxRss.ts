/**
 * Preloaded into a process under test (`node --require maxRss.js ...`): prints its peak resident
 * memory, worker threads included, to stderr as it exits ("maxrss <KB>"). On Linux from VmHWM:
 * getrusage's maxRSS survives fork and exec, so a child of a big test runner would report the
 * runner's size.
 */
import { readFileSync, writeSync } from 'node:fs';

function peakKB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => writeSync(2, `maxrss ${peakKB()}\n`));
