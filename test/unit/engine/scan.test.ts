import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { scanImages, countImages, type ScanOptions } from '../../../src/core/scan';
import { tempFolder, touch } from './fixtures';

const base: ScanOptions = { includeSubfolders: true, outputFolderName: 'thumbnails', exclude: [] };

async function scan(root: string, options: Partial<ScanOptions> = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const f of scanImages(root, { ...base, ...options })) out.push(path.relative(root, f));
  return out.sort();
}

suite('engine: scan', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('finds .jpg/.jpeg in any case, in subfolders, and nothing else', async () => {
    for (const f of ['a.jpg', 'b.JPG', 'c.jpeg', 'd.JpEg', 'e.png', 'f.jpg.txt', 'sub/g.jpg', 'sub/deeper/h.JPEG']) touch(dir, f);
    assert.deepEqual(await scan(dir), ['a.jpg', 'b.JPG', 'c.jpeg', 'd.JpEg', 'sub/deeper/h.JPEG', 'sub/g.jpg']);
    assert.deepEqual(await scan(dir, { includeSubfolders: false }), ['a.jpg', 'b.JPG', 'c.jpeg', 'd.JpEg']);
  });

  test('never enters output folders (at any depth), hidden folders, or symlinked folders', async () => {
    touch(dir, 'a.jpg');
    touch(dir, 'thumbnails/256x256/a.jpg');
    touch(dir, 'sub/thumbnails/64x64/b.jpg');
    touch(dir, 'sub/b.jpg');
    touch(dir, '.hidden/c.jpg');
    touch(dir, '.x.jpg');
    // A loop back to the root and a link to a folder elsewhere.
    symlinkSync(dir, path.join(dir, 'sub', 'loop'));
    const other = tempFolder();
    try {
      touch(other.dir, 'outside.jpg');
      symlinkSync(other.dir, path.join(dir, 'elsewhere'));
      assert.deepEqual(await scan(dir), ['a.jpg', 'sub/b.jpg']);
      // A custom output folder name is what gets skipped; "thumbnails" is then an ordinary folder.
      assert.deepEqual(await scan(dir, { outputFolderName: 'thumbs' }), [
        'a.jpg',
        'sub/b.jpg',
        'sub/thumbnails/64x64/b.jpg',
        'thumbnails/256x256/a.jpg',
      ]);
    } finally {
      other.cleanup();
    }
  });

  test('a symlink to a file is a candidate; so is a FIFO named .jpg (reported later, not hidden)', async () => {
    touch(dir, 'real/a.jpg');
    symlinkSync(path.join(dir, 'real', 'a.jpg'), path.join(dir, 'link.jpg'));
    symlinkSync(path.join(dir, 'missing.jpg'), path.join(dir, 'dangling.jpg'));
    assert.deepEqual(await scan(dir), ['dangling.jpg', 'link.jpg', 'real/a.jpg']);
  });

  test('exclude globs skip files and whole folders', async () => {
    for (const f of ['a.jpg', 'raw/b.jpg', 'x/raw/c.jpg', 'keep/d.jpg', 'keep/e.bak.jpg']) touch(dir, f);
    assert.deepEqual(await scan(dir, { exclude: ['raw', '*.bak.jpg'] }), ['a.jpg', 'keep/d.jpg']);
  });

  test('countImages agrees with the scan', async () => {
    for (let i = 0; i < 70; i++) touch(dir, `f${i % 3}/img${i}.jpg`);
    touch(dir, 'thumbnails/1x1/x.jpg');
    assert.equal(await countImages(dir, base), 70);
    assert.equal((await scan(dir)).length, 70);
  });

  test('an unlistable root rejects; an aborted scan stops', async () => {
    await assert.rejects(scan(path.join(dir, 'nope')), { code: 'ENOENT' });
    for (let i = 0; i < 5; i++) touch(dir, `d${i}/a.jpg`);
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const f of scanImages(dir, { ...base, signal: controller.signal })) {
      seen.push(f);
      controller.abort();
    }
    assert.equal(seen.length, 1);
  });

});
