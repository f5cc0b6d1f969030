import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const GC_MODULE = path.resolve(__dirname, '../../../src/worker/gc.js');

suite('engine: render threads collect their dropped pixels (gc.ts)', () => {
  test('dropped pixel Buffers are freed within ms of a young collection, and not without one', () => {
    // In a fresh process: in this one, the other suites' leftover work allocates and frees
    // Buffers of its own meanwhile and blurs the count. Each round drops 16 MB in 4 MB Buffers
    // (a render drops a few MB per image), waits 50 ms, and counts what is still held.
    const script = `
      const { collectYoungGarbage } = require(${JSON.stringify(GC_MODULE)});
      const MB = 2 ** 20;
      async function round(collect) {
        const before = process.memoryUsage().arrayBuffers;
        (() => { for (let i = 0; i < 4; i++) Buffer.allocUnsafeSlow(4 * MB).fill(1); })();
        const held = process.memoryUsage().arrayBuffers - before;
        if (collect && !collectYoungGarbage()) throw new Error('no collector');
        await new Promise((resolve) => setTimeout(resolve, 50));
        return held >= 16 * MB && before + held - process.memoryUsage().arrayBuffers >= 15 * MB;
      }
      (async () => {
        const result = { alone: 0, collected: 0 };
        for (let i = 0; i < 5; i++) if (await round(false)) result.alone++;
        for (let i = 0; i < 5; i++) if (await round(true)) result.collected++;
        console.log(JSON.stringify(result));
      })();`;
    const freed = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    assert.equal(freed.collected, 5, `freed after a collection in ${freed.collected} of 5 rounds`);
    // The control: otherwise V8 keeps such memory for seconds (15 of 15 rounds when measured).
    assert.ok(freed.alone <= 1, `freed without one in ${freed.alone} of 5 rounds`);
  });

  test('after an image, a collection runs only once dropped pixels pass 16 MB', () => {
    // A small image drops well under 1 MB: collecting after each cost ~1 ms of a ~4 ms render.
    const script = `
      const { collectDroppedPixels } = require(${JSON.stringify(GC_MODULE)});
      const drop = (mb) => { for (let i = 0; i < mb * 4; i++) Buffer.allocUnsafeSlow(2 ** 18).fill(1); };
      const ran = [];
      for (let i = 0; i < 8; i++) { drop(0.5); ran.push(collectDroppedPixels()); }
      drop(20);
      ran.push(collectDroppedPixels());
      console.log(JSON.stringify(ran));`;
    const ran = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as boolean[];
    assert.deepEqual(ran.slice(0, 8), Array(8).fill(false), 'four small images: no collection');
    assert.equal(ran[8], true, 'after 20 MB dropped: collected');
  });
});
