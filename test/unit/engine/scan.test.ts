import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { scanImages, countImages, LeftOutCounter, type ScanOptions } from '../../../src/core/scan';
import { describeLeftOut } from '../../../src/core/leftOut';
import { FolderFilter, leftOutReason } from '../../../src/core/folderFilter';
import { DEFAULTS } from '../../../src/core/settings';
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

suite('engine: what a folder means (exclude, files.exclude, ignore files)', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  /** Files found, and what was left out as "reason:path" (folders end with "/"). */
  async function walk(root: string, options: Partial<ScanOptions> = {}): Promise<{ found: string[]; skipped: string[] }> {
    const skipped: string[] = [];
    const found: string[] = [];
    const opts = { ...base, exclude: [...DEFAULTS.exclude], useIgnoreFiles: true, ...options };
    for await (const f of scanImages(root, { ...opts, onSkipped: (p, reason, isFolder) => skipped.push(`${reason}:${path.relative(root, p)}${isFolder ? '/' : ''}`) })) {
      found.push(path.relative(root, f));
    }
    return { found: found.sort(), skipped: skipped.sort() };
  }
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };

  test('node_modules is left out by default, at any depth; the setting can take it out', async () => {
    for (const f of ['a.jpg', 'node_modules/pkg/b.jpg', 'sub/node_modules/c.jpg', 'node_modulesx/d.jpg']) touch(dir, f);
    assert.deepEqual(await walk(dir), {
      found: ['a.jpg', 'node_modulesx/d.jpg'],
      skipped: ['exclude:node_modules/', 'exclude:sub/node_modules/'],
    });
    assert.deepEqual((await walk(dir, { exclude: [] })).found, ['a.jpg', 'node_modules/pkg/b.jpg', 'node_modulesx/d.jpg', 'sub/node_modules/c.jpg']);
  });

  test('nested .gitignore files: each applies below its folder, the deepest match decides, ! re-includes', async () => {
    write('.gitignore', 'dist/\n*.tmp.jpg\n# a comment\n/top-only.jpg\n');
    write('src/.gitignore', 'generated\n!keep.tmp.jpg\n');
    for (const f of ['a.jpg', 'top-only.jpg', 'x.tmp.jpg', 'dist/b.jpg', 'src/dist/c.jpg', 'src/top-only.jpg', 'src/keep.tmp.jpg', 'src/other.tmp.jpg', 'src/generated/d.jpg', 'generated/e.jpg']) touch(dir, f);
    const r = await walk(dir);
    assert.deepEqual(r.found, ['a.jpg', 'generated/e.jpg', 'src/keep.tmp.jpg', 'src/top-only.jpg']);
    assert.deepEqual(r.skipped, [
      'ignoreFiles:dist/', 'ignoreFiles:src/dist/', 'ignoreFiles:src/generated/', 'ignoreFiles:src/other.tmp.jpg', 'ignoreFiles:top-only.jpg', 'ignoreFiles:x.tmp.jpg',
    ]);
    // Off: everything (but node_modules) is read again.
    assert.equal((await walk(dir, { useIgnoreFiles: false })).found.length, 10);
  });

  test('a folder re-included by a deeper .gitignore is entered, and the upper rules still apply to each path in it', async () => {
    // git: assets/keep is kept by assets/.gitignore; assets/keep/a.jpg then matches no rule of
    // the top file as a path of its own, while *.old.jpg still does.
    write('.gitignore', 'assets/*\n*.old.jpg\n');
    write('assets/.gitignore', '!keep/\n');
    for (const f of ['assets/drop/a.jpg', 'assets/keep/a.jpg', 'assets/keep/deeper/b.jpg', 'assets/keep/c.old.jpg']) touch(dir, f);
    const r = await walk(dir);
    assert.deepEqual(r.found, ['assets/keep/a.jpg', 'assets/keep/deeper/b.jpg']);
    assert.deepEqual(r.skipped, ['ignoreFiles:assets/drop/', 'ignoreFiles:assets/keep/c.old.jpg']);
  });

  test('.ignore wins over .gitignore in one folder; .git/info/exclude applies at the repository root', async () => {
    mkdirSync(path.join(dir, '.git', 'info'), { recursive: true });
    writeFileSync(path.join(dir, '.git', 'info', 'exclude'), 'private/\n');
    write('.gitignore', 'drafts/\n');
    write('.ignore', '!drafts/\n');
    for (const f of ['private/a.jpg', 'drafts/b.jpg', 'c.jpg']) touch(dir, f);
    assert.deepEqual(await walk(dir), { found: ['c.jpg', 'drafts/b.jpg'], skipped: ['ignoreFiles:private/'] });
  });

  test('the chosen folder is never skipped: rules matching it or a folder above it do not apply inside it; rules matching inside do', async () => {
    mkdirSync(path.join(dir, '.git'));
    write('.gitignore', 'data/\nimages\n*.raw.jpg\n');
    write('data/.gitignore', '**\n!images/\n');
    write('other/.gitignore', '*.jpg\n'); // not on the way to the chosen folder: never read
    write('data/images/.gitignore', 'scratch/\n');
    for (const f of ['data/images/a.jpg', 'data/images/sub/b.jpg', 'data/images/x.raw.jpg', 'data/images/scratch/c.jpg', 'data/images/sub/images/d.jpg']) touch(dir, f);
    const chosen = path.join(dir, 'data', 'images');
    const r = await walk(chosen);
    // "data/" and "images" match the way down and "**" of data/.gitignore everything in the
    // chosen folder: dropped. "*.raw.jpg" and the chosen folder's own file apply.
    assert.deepEqual(r.found, ['a.jpg', 'sub/b.jpg', 'sub/images/d.jpg']);
    assert.deepEqual(r.skipped, ['ignoreFiles:scratch/', 'ignoreFiles:x.raw.jpg']);
    // Chosen one folder up, data/.gitignore is data's own file: its "**" applies to every path
    // in it (git: "!images/" re-includes only the folder), so nothing is read.
    assert.deepEqual((await walk(path.join(dir, 'data'))).found, []);
  });

  test('ignore files above the chosen folder are read only inside a repository (or the workspace folder)', async () => {
    write('.gitignore', '*.jpg\n');
    touch(dir, 'project/a.jpg');
    assert.deepEqual((await walk(path.join(dir, 'project'))).found, ['a.jpg'], 'no repository: the folder above is not read');
    assert.deepEqual((await walk(path.join(dir, 'project'), { workspaceFolder: dir })).found, [], 'the workspace folder is read');
    mkdirSync(path.join(dir, '.git'));
    assert.deepEqual((await walk(path.join(dir, 'project'))).found, [], 'the repository root is read');
    mkdirSync(path.join(dir, 'project', '.git'));
    assert.deepEqual((await walk(path.join(dir, 'project'))).found, ['a.jpg'], 'a nested repository starts afresh');
  });

  test('files.exclude: globs relative to the workspace folder, bare names only at the top, when-clauses, not over the chosen folder', async () => {
    for (const f of ['ws/project/a.jpg', 'ws/project/a.png', 'ws/project/b.jpg', 'ws/project/secret/c.jpg', 'ws/project/sub/cache/d.jpg', 'ws/project/cache/e.jpg', 'ws/project/sub/f.jpg']) touch(dir, f);
    const ws = path.join(dir, 'ws');
    const filesExclude = [
      { glob: 'project/secret' },
      { glob: '**/cache/**' },
      { glob: 'sub' }, // at the top of the workspace only: not project/sub
      { glob: '**/*.jpg', when: '$(basename).png' },
    ];
    const r = await walk(path.join(ws, 'project'), { workspaceFolder: ws, filesExclude });
    assert.deepEqual(r.found, ['b.jpg', 'sub/f.jpg']);
    assert.deepEqual(r.skipped, ['filesExclude:a.jpg', 'filesExclude:cache/', 'filesExclude:secret/', 'filesExclude:sub/cache/']);
    // Chosen directly, a hidden folder is the user's choice: "project/secret" does not apply in it.
    assert.deepEqual((await walk(path.join(ws, 'project', 'secret'), { workspaceFolder: ws, filesExclude })).found, ['c.jpg']);
    assert.deepEqual((await walk(path.join(ws, 'project', 'cache'), { workspaceFolder: ws, filesExclude })).found, ['e.jpg']);
    // Without a workspace folder (the CLI) there is nothing to be relative to: not applied.
    assert.equal((await walk(path.join(ws, 'project'), { filesExclude })).found.length, 6);
  });

  test('the reasons in order: exclude setting, then files.exclude, then ignore files', async () => {
    write('.gitignore', 'node_modules/\nhidden/\nignored/\n');
    for (const f of ['node_modules/a.jpg', 'hidden/b.jpg', 'ignored/c.jpg']) touch(dir, f);
    const r = await walk(dir, { workspaceFolder: dir, filesExclude: [{ glob: '**/hidden' }, { glob: '**/node_modules' }] });
    assert.deepEqual(r.skipped, ['exclude:node_modules/', 'filesExclude:hidden/', 'ignoreFiles:ignored/']);
  });
});

suite('engine: counting what was left out', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('JPEG names in skipped folders are counted per reason, without hidden or output folders', async () => {
    for (const f of ['node_modules/a/x.jpg', 'node_modules/a/y.JPEG', 'node_modules/a/z.png', 'node_modules/.cache/w.jpg', 'node_modules/thumbnails/64x64/x.jpg', 'dist/b.jpg', 'dist/sub/c.jpg']) touch(dir, f);
    writeFileSync(path.join(dir, '.gitignore'), 'dist/\nloose.jpg\n');
    touch(dir, 'loose.jpg');
    const counter = new LeftOutCounter('thumbnails');
    for await (const _ of scanImages(dir, { ...base, exclude: [...DEFAULTS.exclude], useIgnoreFiles: true, onSkipped: (p, r, f) => counter.add(p, r, f) })) void _;
    assert.deepEqual(await counter.result(), { exclude: 2, filesExclude: 0, ignoreFiles: 3, complete: true });
    assert.deepEqual(describeLeftOut(await counter.result(), 'editor'), [
      '2 images in excluded folders or files (node_modules by default) were skipped: setting thumbnails.exclude',
      '3 images in folders or files ignored by .gitignore or .ignore files were skipped: setting thumbnails.useIgnoreFiles',
    ]);
    assert.match(describeLeftOut(await counter.result(), 'cli')[1], /^3 images .* were skipped: --no-ignore-files includes them$/);
  });

  test('past its budget of listed entries the count stops and says "at least"', async () => {
    for (let i = 0; i < 30; i++) touch(dir, `node_modules/p${i % 3}/img${i}.jpg`);
    const counter = new LeftOutCounter('thumbnails', undefined, 10);
    counter.add(path.join(dir, 'node_modules'), 'exclude', true);
    const counts = await counter.result();
    assert.equal(counts.complete, false);
    assert.ok(counts.exclude < 30);
    assert.match(describeLeftOut(counts, 'editor')[0], /^at least \d+ images /);
  });
});

suite('engine: one file asked about as the scan would decide it (the watcher)', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('a file in a git-ignored, excluded or files.exclude-hidden folder is left out, for the reason the scan gives; others are not', async () => {
    for (const f of ['keep/a.jpg', 'dist/b.jpg', 'node_modules/p/c.jpg', 'generated/d.jpg', 'deep/er/e.jpg', 'deep/er/skip.jpg']) touch(dir, f);
    writeFileSync(path.join(dir, '.gitignore'), 'dist/\n');
    writeFileSync(path.join(dir, 'deep', '.gitignore'), 'er/skip.jpg\n');
    const options = { ...base, exclude: ['**/node_modules'], useIgnoreFiles: true, filesExclude: [{ glob: 'generated' }], workspaceFolder: dir };
    const filter = await FolderFilter.create(dir, options);
    const reasons: Record<string, string | null> = {};
    for (const f of ['keep/a.jpg', 'dist/b.jpg', 'node_modules/p/c.jpg', 'generated/d.jpg', 'deep/er/e.jpg', 'deep/er/skip.jpg']) {
      reasons[f] = await leftOutReason(filter, dir, path.join(dir, f));
    }
    assert.deepEqual(reasons, {
      'keep/a.jpg': null,
      'dist/b.jpg': 'ignoreFiles',
      'node_modules/p/c.jpg': 'exclude',
      'generated/d.jpg': 'filesExclude',
      'deep/er/e.jpg': null,
      'deep/er/skip.jpg': 'ignoreFiles',
    });
    // The same answer as the scan's.
    assert.deepEqual(await scan(dir, options), ['deep/er/e.jpg', 'keep/a.jpg']);
  });
});
