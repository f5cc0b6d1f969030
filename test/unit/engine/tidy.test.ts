import assert from 'node:assert/strict';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createThumbnailPool, runJob, type ThumbnailPool } from '../../../src/core/engine';
import { hasMark, MARK_SEGMENT } from '../../../src/core/ownership';
import { parseSettings, type RawSettings } from '../../../src/core/settings';
import { RENDER_REVISION, thumbnailStampMs } from '../../../src/core/stamp';
import { cleanFolder, pruneOrphans, removeThumbnailsOf } from '../../../src/core/tidy';
import { dims, jpeg, listTree, nativeHelpersFolder, tempFolder, WORKER_FILE } from './fixtures';

const SMALL: RawSettings = { sizes: ['64x64', '32x32'] };

function thumbs(dir: string): string[] {
  return listTree(dir).filter((p) => /(^|\/)thumbnails\/\d+x\d+\/[^/]+$/.test(p));
}

suite('tidy: ownership, clean, orphans, old sizes', function () {
  let pool: ThumbnailPool;
  let sharpOnly: ThumbnailPool;
  let dir: string;
  let outside: string;
  let cleanup: () => void;
  let cleanupOutside: () => void;
  suiteSetup(() => {
    const native = nativeHelpersFolder();
    pool = createThumbnailPool({ workerFile: WORKER_FILE, size: 2, turbojpeg: native && path.join(native, 'turbojpeg.node') });
    sharpOnly = createThumbnailPool({ workerFile: WORKER_FILE, size: 1, turbojpeg: path.join(path.dirname(WORKER_FILE), 'no-such-addon.node') });
  });
  suiteTeardown(async () => {
    await pool.close();
    await sharpOnly.close();
  });
  setup(() => {
    ({ dir, cleanup } = tempFolder());
    ({ dir: outside, cleanup: cleanupOutside } = tempFolder());
  });
  teardown(() => {
    cleanup();
    cleanupOutside();
  });

  const make = async (raw: RawSettings = SMALL, on: ThumbnailPool = pool, force = false) => {
    const summary = await runJob(on, { folder: dir, settings: parseSettings(raw), force });
    assert.deepEqual(summary.failed, []);
    return summary;
  };

  test('both encoders write the mark: every thumbnail carries it, a plain JPEG does not', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'p.jpg'), 300, 200, { progressive: true });
    assert.equal(hasMark(readFileSync(path.join(dir, 'a.jpg'))), false);
    for (const on of [pool, sharpOnly]) {
      await make(SMALL, on, true);
      for (const t of thumbs(dir)) {
        const bytes = readFileSync(path.join(dir, t));
        assert.ok(hasMark(bytes), `${t} carries the mark`);
        assert.ok(bytes.includes(MARK_SEGMENT) && bytes.indexOf(MARK_SEGMENT) < 64);
        const d = await dims(path.join(dir, t));
        assert.equal(d.format, 'jpeg', `${t} still decodes`);
      }
    }
    assert.equal(RENDER_REVISION, 2, 'thumbnails made before the mark are remade once');
  });

  test('clean removes every thumbnail and the emptied folders; a user file in thumbnails/64x64/ stays and is listed', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'sub', 'b.jpg'), 200, 300);
    await make();
    // The user's own JPEG, named like a thumbnail of a.jpg and like one of no source at all.
    await jpeg(path.join(dir, 'thumbnails', '64x64', 'mine.jpg'), 40, 40);
    writeFileSync(path.join(dir, 'thumbnails', 'notes.txt'), 'mine');
    const dry = await cleanFolder(dir, { outputFolderName: 'thumbnails', dryRun: true });
    assert.equal(dry.removed, 4, 'the count the confirmation names');
    assert.equal(thumbs(dir).length, 5, 'a dry run removes nothing');
    const result = await cleanFolder(dir, { outputFolderName: 'thumbnails' });
    assert.equal(result.removed, 4);
    assert.deepEqual(listTree(dir), ['a.jpg', 'sub/', 'sub/b.jpg', 'thumbnails/', 'thumbnails/64x64/', 'thumbnails/64x64/mine.jpg', 'thumbnails/notes.txt']);
    assert.deepEqual(result.kept.map((k) => path.relative(dir, k.file)).sort(), ['thumbnails/64x64/mine.jpg', 'thumbnails/notes.txt']);
    assert.equal(result.folders, 4, 'thumbnails/32x32, sub/thumbnails/64x64, sub/thumbnails/32x32 and sub/thumbnails');
  });

  test('clean keeps an unmarked copy of a thumbnail when its source is gone, and never a source (hard link)', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'b.jpg'), 300, 200);
    await make({ sizes: ['64x64'] });
    // An unmarked file named a.jpg in the size folder, and the source b.jpg hard-linked there.
    const t = path.join(dir, 'thumbnails', '64x64');
    rmSync(path.join(t, 'a.jpg'));
    await jpeg(path.join(t, 'a.jpg'), 30, 30);
    rmSync(path.join(dir, 'a.jpg'));
    rmSync(path.join(t, 'b.jpg'));
    linkSync(path.join(dir, 'b.jpg'), path.join(t, 'b.jpg'));
    const result = await cleanFolder(dir, { outputFolderName: 'thumbnails' });
    assert.equal(result.removed, 0);
    assert.ok(existsSync(path.join(t, 'a.jpg')) && existsSync(path.join(t, 'b.jpg')) && existsSync(path.join(dir, 'b.jpg')));
    assert.match(result.kept.find((k) => k.file.endsWith('b.jpg'))?.reason ?? '', /source image itself/);
  });

  test('a thumbnail made before the mark is ours by its stamp while its source exists, and kept once it is gone', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'b.jpg'), 300, 200);
    const legacy = async (name: string): Promise<string> => {
      const file = await jpeg(path.join(dir, 'thumbnails', '64x64', name), 64, 43);
      const stamp = (thumbnailStampMs(statSync(path.join(dir, name)).mtimeMs, 65) - 100) / 1000; // revision 1
      utimesSync(file, stamp, stamp);
      return file;
    };
    const a = await legacy('a.jpg');
    const b = await legacy('b.jpg');
    rmSync(path.join(dir, 'b.jpg'));
    const orphans = await pruneOrphans(dir, parseSettings({ sizes: ['64x64'] }));
    assert.equal(orphans.removed, 0, 'an orphan without the mark cannot be proved ours');
    assert.ok(existsSync(b));
    assert.equal(orphans.kept.length, 1);
    const result = await cleanFolder(dir, { outputFolderName: 'thumbnails' });
    assert.equal(result.removed, 1);
    assert.ok(!existsSync(a) && existsSync(b));
  });

  test('clean never follows a symbolic link: a linked output folder, size folder or file stays, and so does what it points to', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await make({ sizes: ['64x64'] });
    // Marked thumbnails outside the chosen folder, reachable through links planted inside it.
    const elsewhere = path.join(outside, 'thumbs');
    mkdirSync(path.join(elsewhere, '64x64'), { recursive: true });
    const victim = path.join(elsewhere, '64x64', 'a.jpg');
    writeFileSync(victim, readFileSync(path.join(dir, 'thumbnails', '64x64', 'a.jpg')));
    mkdirSync(path.join(dir, 'sub'));
    symlinkSync(elsewhere, path.join(dir, 'sub', 'thumbnails'));
    symlinkSync(path.join(elsewhere, '64x64'), path.join(dir, 'thumbnails', '32x32'));
    symlinkSync(victim, path.join(dir, 'thumbnails', '64x64', 'b.jpg'));
    symlinkSync(outside, path.join(dir, 'linked'));
    const result = await cleanFolder(dir, { outputFolderName: 'thumbnails' });
    assert.equal(result.removed, 1, 'only the real thumbnail');
    assert.ok(existsSync(victim), 'nothing outside the folder is touched');
    assert.deepEqual(listTree(dir), ['a.jpg', 'linked', 'sub/', 'sub/thumbnails', 'thumbnails/', 'thumbnails/32x32', 'thumbnails/64x64/', 'thumbnails/64x64/b.jpg']);
    assert.ok(result.kept.some((k) => k.file.endsWith(path.join('64x64', 'b.jpg')) && /symbolic link/.test(k.reason)));
    assert.ok(result.kept.some((k) => k.file.endsWith(path.join('thumbnails', '32x32')) && /symbolic link/.test(k.reason)));
  });

  test('orphans: a deleted, renamed or now excluded image loses its thumbnails; the others and a user file stay', async () => {
    for (const n of ['keep.jpg', 'gone.jpg', 'old-name.jpg', 'raw.jpg']) await jpeg(path.join(dir, n), 200, 150);
    await jpeg(path.join(dir, 'sub', 'deep.jpg'), 200, 150);
    await make();
    writeFileSync(path.join(dir, 'thumbnails', '64x64', 'notes.txt'), 'mine');
    rmSync(path.join(dir, 'gone.jpg'));
    renameSync(path.join(dir, 'old-name.jpg'), path.join(dir, 'new-name.jpg'));
    rmSync(path.join(dir, 'sub', 'deep.jpg'));
    const settings = { ...SMALL, exclude: ['raw.jpg'] };
    await make(settings);
    const result = await pruneOrphans(dir, parseSettings(settings));
    assert.equal(result.removed, 8, '2 sizes of gone, old-name, raw and sub/deep');
    assert.deepEqual(thumbs(dir), [
      'thumbnails/32x32/keep.jpg', 'thumbnails/32x32/new-name.jpg',
      'thumbnails/64x64/keep.jpg', 'thumbnails/64x64/new-name.jpg', 'thumbnails/64x64/notes.txt',
    ]);
    assert.deepEqual(result.kept.map((k) => path.relative(dir, k.file)), ['thumbnails/64x64/notes.txt']);
    assert.ok(!existsSync(path.join(dir, 'sub', 'thumbnails')), 'an output folder left empty goes');
    assert.ok(existsSync(path.join(dir, 'raw.jpg')), 'the excluded source itself stays');
  });

  test('old sizes: a size folder no longer in the settings is listed, not pruned; removing them takes only those', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await make({ sizes: ['128x128', '64x64', '48x48'] });
    rmSync(path.join(dir, 'a.jpg'));
    await jpeg(path.join(dir, 'b.jpg'), 300, 200);
    await make({ sizes: ['64x64'] });
    const result = await pruneOrphans(dir, parseSettings({ sizes: ['64x64'] }));
    assert.deepEqual(result.oldSizes, ['128x128', '48x48']);
    assert.equal(result.removed, 1, 'only the orphan in 64x64');
    assert.deepEqual(thumbs(dir), ['thumbnails/128x128/a.jpg', 'thumbnails/48x48/a.jpg', 'thumbnails/64x64/b.jpg']);
    const old = await cleanFolder(dir, { outputFolderName: 'thumbnails', sizes: result.oldSizes });
    assert.equal(old.removed, 2);
    assert.deepEqual(thumbs(dir), ['thumbnails/64x64/b.jpg']);
  });

  test('removeThumbnailsOf (the watcher\'s deletes) removes a gone source\'s thumbnails only, not one that came back', async () => {
    for (const n of ['a.jpg', 'b.jpg', 'c.jpg']) await jpeg(path.join(dir, n), 200, 150);
    await make();
    rmSync(path.join(dir, 'a.jpg'));
    // A folder below the chosen one that links elsewhere: a source "deleted" in it names
    // thumbnails outside, which are never touched.
    mkdirSync(path.join(outside, 'thumbnails', '64x64'), { recursive: true });
    const victim = path.join(outside, 'thumbnails', '64x64', 'x.jpg');
    writeFileSync(victim, readFileSync(path.join(dir, 'thumbnails', '64x64', 'c.jpg')));
    symlinkSync(outside, path.join(dir, 'linked'));
    const result = await removeThumbnailsOf(dir, [path.join(dir, 'a.jpg'), path.join(dir, 'b.jpg'), path.join(outside, 'c.jpg'), path.join(dir, 'linked', 'x.jpg')], 'thumbnails');
    assert.equal(result.removed, 2);
    assert.ok(existsSync(victim), 'nothing is removed through a linked folder');
    assert.deepEqual(thumbs(dir), ['thumbnails/32x32/b.jpg', 'thumbnails/32x32/c.jpg', 'thumbnails/64x64/b.jpg', 'thumbnails/64x64/c.jpg']);
  });
});
