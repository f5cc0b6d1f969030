import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { enclosingOutputFolder, foldNested, isSameOrInside, overlaps } from '../../../src/core/folders';
import { countExistingThumbnails } from '../../../src/core/plan';
import { JobTally } from '../../../src/core/tally';
import { tempFolder, touch } from './fixtures';

suite('core: chosen folders, output folders, counts', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('inside and overlap compare whole path segments', () => {
    assert.equal(isSameOrInside('/p/photos/2023', '/p/photos'), true);
    assert.equal(isSameOrInside('/p/photos', '/p/photos'), true);
    assert.equal(isSameOrInside('/p/photos2', '/p/photos'), false, 'a sibling whose name starts the same');
    assert.equal(isSameOrInside('/p', '/p/photos'), false);
    assert.equal(overlaps('/p', '/p/photos'), true);
    assert.equal(overlaps('/p/a', '/p/b'), false);
  });

  test('nested and repeated selections fold into the folder that covers them', () => {
    const t = (folder: string, includeSubfolders = true) => ({ folder, includeSubfolders });
    assert.deepEqual(foldNested([t('/p/photos/2023'), t('/p/photos'), t('/p/other'), t('/p/photos')]).map((x) => x.folder), ['/p/photos', '/p/other']);
    // A folder whose job does not go into subfolders does not cover them.
    assert.deepEqual(foldNested([t('/p/photos', false), t('/p/photos/2023')]).map((x) => x.folder), ['/p/photos', '/p/photos/2023']);
  });

  test('an output folder is one named so that holds only <W>x<H> folders; a folder inside it is found too', async () => {
    touch(dir, 'photos/a.jpg');
    touch(dir, 'photos/thumbnails/256x256/a.jpg');
    touch(dir, 'photos/thumbnails/64x64/a.jpg');
    touch(dir, 'photos/thumbnails/.ft-1-2-3.tmp');
    const out = path.join(dir, 'photos', 'thumbnails');
    assert.equal(await enclosingOutputFolder(out, 'thumbnails'), out);
    assert.equal(await enclosingOutputFolder(path.join(out, '64x64'), 'thumbnails'), out);
    assert.equal(await enclosingOutputFolder(path.join(dir, 'photos'), 'thumbnails'), undefined);
    assert.equal(await enclosingOutputFolder(out, 'thumbs'), undefined, 'the name comes from the settings');
    // The user's own folder with that name, holding photos: not an output folder.
    touch(dir, 'mine/thumbnails/hand-made.jpg');
    touch(dir, 'mine/thumbnails/256x256/a.jpg');
    assert.equal(await enclosingOutputFolder(path.join(dir, 'mine', 'thumbnails'), 'thumbnails'), undefined);
    mkdirSync(path.join(dir, 'empty', 'thumbnails'), { recursive: true });
    assert.equal(await enclosingOutputFolder(path.join(dir, 'empty', 'thumbnails'), 'thumbnails'), undefined, 'an empty folder holds no thumbnails');
  });

  test('what a regenerate would overwrite: existing thumbnails of the sources, counted by listing', async () => {
    for (const f of ['a.jpg', 'b.jpg', 'sub/c.jpg']) touch(dir, f);
    touch(dir, 'thumbnails/256x256/a.jpg');
    touch(dir, 'thumbnails/64x64/a.jpg');
    touch(dir, 'thumbnails/64x64/b.jpg');
    touch(dir, 'thumbnails/64x64/gone.jpg'); // no source: not overwritten
    touch(dir, 'thumbnails/32x32/a.jpg'); // not a size asked for
    touch(dir, 'sub/thumbnails/64x64/c.jpg');
    const settings = { includeSubfolders: true, outputFolderName: 'thumbnails', exclude: [], useIgnoreFiles: true, filesExclude: [], sizes: [{ width: 256, height: 256 }, { width: 64, height: 64 }] };
    assert.equal(await countExistingThumbnails(dir, settings), 4);
    assert.equal(await countExistingThumbnails(dir, { ...settings, includeSubfolders: false }), 3);
  });

  test('the tally: work to do excludes up-to-date images; rate and time left once known', () => {
    let now = 0;
    const tally = new JobTally(2, () => now);
    const p = (found: number, made: number, skipped: number) => ({ found, scanDone: true, done: made + skipped, made, skipped, failed: 0, thumbnails: made * 2 });
    tally.update('/a', p(10, 0, 4));
    assert.deepEqual([tally.counts.toDo, tally.counts.done, tally.counts.scanDone], [6, 0, false], 'the second folder has not reported');
    tally.update('/b', p(5, 0, 0));
    now = 1000;
    tally.update('/a', p(10, 1, 4));
    assert.equal(tally.rate(), undefined, 'no rate from one image');
    now = 4000;
    tally.update('/b', p(5, 4, 0));
    assert.deepEqual([tally.counts.toDo, tally.counts.done, tally.counts.upToDate, tally.counts.scanDone], [11, 5, 4, true]);
    assert.equal(tally.rate(), 4 / 3);
    assert.equal(tally.secondsLeft(), 6 / (4 / 3));
  });
});
