import assert from 'node:assert/strict';
import * as path from 'node:path';
import { WatchBatcher, type WatchBatch, type WatchRules } from '../../../src/core/watchBatch';

const ROOT = path.resolve('/photos');
const RULES: WatchRules = { outputFolderName: 'thumbnails', includeSubfolders: true, exclude: [] };
const at = (...parts: string[]): string => path.join(ROOT, ...parts);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function recorder(onBatch?: (b: WatchBatch[]) => Promise<void> | void): { batcher: WatchBatcher; seen: WatchBatch[][] } {
  const seen: WatchBatch[][] = [];
  const batcher = new WatchBatcher({
    quietMs: 60,
    maxWaitMs: 2000,
    onBatch: async (b) => {
      seen.push(b);
      await onBatch?.(b);
    },
  });
  batcher.watch(ROOT, RULES);
  return { batcher, seen };
}

suite('watch batching', () => {
  test('1,000 files copied in become one job, started once the events stop', async () => {
    const { batcher, seen } = recorder();
    for (let i = 0; i < 1000; i++) {
      batcher.event('created', at(`img-${i}.jpg`));
      batcher.event('changed', at(`img-${i}.jpg`)); // the copy's writes
    }
    assert.equal(seen.length, 0, 'nothing runs while events keep coming');
    await sleep(150);
    await batcher.idle();
    assert.equal(seen.length, 1);
    assert.equal(seen[0].length, 1);
    assert.equal(seen[0][0].changed.length, 1000);
    assert.deepEqual(seen[0][0].deleted, []);
    batcher.dispose();
  });

  test('what a job writes into output folders (thumbnails, temp files) starts no job: no feedback loop', async () => {
    let batches = 0;
    const { batcher, seen } = recorder((b) => {
      batches++;
      // A watch job writes the thumbnails of what it was given; the watcher reports them.
      for (const f of b[0].changed) {
        const name = path.basename(f);
        for (const size of ['64x64', '32x32']) {
          batcher.event('created', at('thumbnails', size, `.ft-1-abcd-${name}.tmp`));
          batcher.event('created', at('thumbnails', size, name));
          batcher.event('changed', at('thumbnails', size, name));
        }
        batcher.event('created', at('thumbnails'));
      }
    });
    try {
      batcher.event('created', at('new.jpg'));
      batcher.event('created', at('sub', 'thumbnails', '64x64', 'x.jpg'));
      // Long enough for several more batches, had the job's writes counted (quietMs is 60).
      await sleep(400);
      assert.equal(batches, 1);
      assert.equal(batcher.busy, false);
      assert.deepEqual(seen[0][0].changed, [at('new.jpg')]);
    } finally {
      batcher.dispose();
    }
  });

  test('a delete then a re-create is a change; a create then a delete is a delete; a rename is both', async () => {
    const { batcher, seen } = recorder();
    batcher.event('deleted', at('a.jpg'));
    batcher.event('created', at('a.jpg'));
    batcher.event('created', at('b.jpg'));
    batcher.event('deleted', at('b.jpg'));
    batcher.event('deleted', at('old.JPG'));
    batcher.event('created', at('new.jpeg'));
    await sleep(150);
    await batcher.idle();
    assert.deepEqual(seen[0][0].changed.sort(), [at('a.jpg'), at('new.jpeg')]);
    assert.deepEqual(seen[0][0].deleted.sort(), [at('b.jpg'), at('old.JPG')]);
    batcher.dispose();
  });

  test('only sources count: hidden, non-JPEG, excluded, outside, and subfolders when the settings leave them out', () => {
    const { batcher } = recorder();
    batcher.watch(ROOT, { outputFolderName: 'thumbs', includeSubfolders: false, exclude: ['raw/**', 'skip.jpg'] });
    const counts = (f: string): boolean => batcher.event('created', f);
    assert.equal(counts(at('a.jpg')), true);
    assert.equal(counts(at('.hidden.jpg')), false);
    assert.equal(counts(at('notes.txt')), false);
    assert.equal(counts(at('skip.jpg')), false);
    assert.equal(counts(at('raw', 'x.jpg')), false);
    assert.equal(counts(at('sub', 'x.jpg')), false);
    assert.equal(counts(at('thumbs', '64x64', 'a.jpg')), false);
    assert.equal(counts(path.resolve('/elsewhere/a.jpg')), false);
    batcher.dispose();
  });

  test('events during a running job wait for it, then make the next one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let overlapped = false;
    const { batcher, seen } = recorder(async () => {
      overlapped ||= ++running > 1;
      if (seen.length === 1) await gate;
      running--;
    });
    batcher.event('created', at('a.jpg'));
    await sleep(120);
    assert.equal(seen.length, 1);
    batcher.event('created', at('b.jpg'));
    await sleep(150);
    assert.equal(seen.length, 1, 'the second waits for the first');
    release();
    await sleep(150);
    await batcher.idle();
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[1][0].changed, [at('b.jpg')]);
    assert.equal(overlapped, false);
    batcher.dispose();
  });
});
