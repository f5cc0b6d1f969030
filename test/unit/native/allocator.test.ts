import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadAllocator } from '../../../src/native/allocator';
import { nativeHelpersFolder } from '../engine/fixtures';

const ROOT = path.resolve(__dirname, '../../../..');

suite('native: allocator.node returns freed memory', function () {
  let dir: string;
  let addon: string;
  suiteSetup(function () {
    const native = nativeHelpersFolder();
    if (!native) this.skip(); // built and used on Linux with glibc only (scripts/native.mjs)
    addon = path.join(native, 'allocator.node');
    dir = mkdtempSync(path.join(os.tmpdir(), 'ft-allocator-'));
  });
  suiteTeardown(() => dir && rmSync(dir, { recursive: true, force: true }));

  test('trim() hands freed heap pages back: RSS drops after many small buffers are freed', () => {
    // A child process with gc exposed: 160 MB in 64 KB Buffers (malloc'd, below the mmap
    // threshold, so they live in the heap), every 32nd kept so the heap cannot simply shrink
    // from its top; the rest freed. glibc keeps those pages until malloc_trim.
    const script = `
      const { loadAllocator } = require(${JSON.stringify(path.join(ROOT, 'out', 'src', 'native', 'allocator.js'))});
      const allocator = loadAllocator(${JSON.stringify(addon)}, (e) => { throw e; });
      const mb = () => process.memoryUsage.rss() / 2 ** 20;
      function make() {
        const blocks = [];
        for (let i = 0; i < 2560; i++) blocks.push(Buffer.allocUnsafeSlow(65536).fill(i & 255));
        return blocks.filter((_, i) => i % 32 === 0);
      }
      const kept = make();
      (async () => {
        // V8 frees dead buffers' memory after a full GC, partly on later turns.
        for (let i = 0; i < 5; i++) { gc(); await new Promise((r) => setTimeout(r, 20)); }
        const before = mb();
        const released = await allocator.trim();
        console.log(JSON.stringify({ before, after: mb(), released, kept: kept.length }));
      })();`;
    const out = execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    const { before, after, released, kept } = JSON.parse(out) as { before: number; after: number; released: boolean; kept: number };
    assert.equal(kept, 80);
    assert.equal(released, true);
    assert.ok(before - after >= 60, `RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MB: at least 60 of the ~150 freed MB should go back`);
  });

  test('a missing addon is no allocator; a file that is not one is reported and also none', () => {
    const errors: unknown[] = [];
    const report = (e: unknown): void => void errors.push(e);
    assert.equal(loadAllocator(path.join(dir, 'absent.node'), report), undefined);
    assert.deepEqual(errors, []);
    const fake = path.join(dir, 'fake.node');
    writeFileSync(fake, 'not a shared object');
    assert.equal(loadAllocator(fake, report), undefined);
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /fake\.node/);
  });
});
