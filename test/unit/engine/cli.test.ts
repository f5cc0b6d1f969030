import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { jpeg, listTree, tempFiles, tempFolder } from './fixtures';

const CLI = path.resolve(__dirname, '../../../src/cli.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

suite('engine: CLI (node out/src/cli.js)', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => {
    assert.deepEqual(tempFiles(dir), []);
    cleanup();
  });

  test('exit 0 and a text summary when every image succeeds', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'sub', 'b.jpg'), 300, 200);
    const r = await run([dir, '--sizes', '64x64,32x32', '--quality', '70', '--workers', '1']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^4 thumbnails for 2 images in [\d.]+ s, 0 up to date, 0 failed\.\n$/);
    assert.equal(listTree(dir).filter((p) => p.endsWith('.jpg')).length, 6);
  });

  test('--json prints one object; exit 1 when an image fails', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    writeFileSync(path.join(dir, 'broken.jpg'), 'text');
    const r = await run([dir, '--sizes=64x64', '--json']);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out).sort(), ['cancelled', 'elapsedMs', 'excluded', 'failed', 'images', 'skipped', 'thumbnails']);
    assert.deepEqual(out.excluded, { exclude: 0, filesExclude: 0, ignoreFiles: 0, complete: true });
    assert.equal(out.images, 1);
    assert.equal(out.thumbnails, 1);
    assert.equal(out.skipped, 0);
    assert.equal(typeof out.elapsedMs, 'number');
    assert.deepEqual(out.failed, [
      { file: path.join(dir, 'broken.jpg'), code: 'NOT_JPEG', message: `${path.join(dir, 'broken.jpg')}: is a text file named like a JPEG` },
    ]);
    assert.equal(r.stdout.trim().split('\n').length, 1);
  });

  test('skips up-to-date images; --force remakes; --no-subfolders stays at the top', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'sub', 'b.jpg'), 300, 200);
    let r = await run([dir, '--sizes', '32x32', '--json', '--no-subfolders']);
    assert.deepEqual(JSON.parse(r.stdout).images, 1);
    r = await run([dir, '--sizes', '32x32', '--json']);
    assert.deepEqual([JSON.parse(r.stdout).images, JSON.parse(r.stdout).skipped], [1, 1]);
    r = await run([dir, '--sizes', '32x32', '--json', '--force']);
    assert.equal(r.code, 0);
    assert.deepEqual([JSON.parse(r.stdout).images, JSON.parse(r.stdout).skipped], [2, 0]);
  });

  test('--prune removes the orphans after the run; --clean removes every thumbnail and keeps a user file; --json counts both', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'gone.jpg'), 300, 200);
    let r = await run([dir, '--sizes', '64x64,32x32', '--json']);
    assert.equal(r.code, 0, r.stderr);
    rmSync(path.join(dir, 'gone.jpg'));
    writeFileSync(path.join(dir, 'thumbnails', '64x64', 'mine.jpg'), 'not a thumbnail');
    r = await run([dir, '--sizes', '64x64,32x32', '--json', '--prune']);
    assert.equal(r.code, 0, r.stderr);
    let out = JSON.parse(r.stdout);
    assert.equal(out.removed, 2);
    assert.deepEqual(out.kept.map((k: { file: string }) => k.file), [path.join(dir, 'thumbnails', '64x64', 'mine.jpg')]);
    assert.ok(!existsSync(path.join(dir, 'thumbnails', '64x64', 'gone.jpg')) && existsSync(path.join(dir, 'thumbnails', '64x64', 'a.jpg')));
    r = await run([dir, '--clean', '--json']);
    assert.equal(r.code, 0, r.stderr);
    out = JSON.parse(r.stdout);
    assert.deepEqual([out.removed, out.kept.length, out.folders], [2, 1, 1]);
    assert.deepEqual(listTree(dir), ['a.jpg', 'thumbnails/', 'thumbnails/64x64/', 'thumbnails/64x64/mine.jpg']);
    r = await run([dir, '--clean']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Removed 0 thumbnails; kept 1 other file\(s\)\.\n  kept .*mine\.jpg: no mark/);
    r = await run([dir, '--clean', '--prune']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--clean makes nothing/);
  });

  test('exit 2 on bad arguments, with a message naming the flag, never a settings key', async () => {

    const cases: Array<[string[], RegExp]> = [
      [[dir, '--sizes', '256x256,12x'], /^folder-thumbnails: --sizes: "12x" is not WIDTHxHEIGHT/],
      [[dir, '--quality', 'high'], /--quality: "high" is not a whole number/],
      [[dir, '--quality', '0'], /^folder-thumbnails: --quality: 0 is not a whole number from 1 to 100$/m],
      [[dir, '--quality', '500'], /^folder-thumbnails: --quality: 500 is not a whole number from 1 to 100$/m],
      [[dir, '--workers', '-3'], /^folder-thumbnails: --workers: -3 is not a whole number from 0 \(automatic\) to 64$/m],
      [[dir, '--max-decode-mb', '8'], /^folder-thumbnails: --max-decode-mb: 8 is not a whole number from 32 to 65536$/m],
      [[dir, '--output-folder', '../x'], /^folder-thumbnails: --output-folder: "\.\.\/x" must not contain "\.\."$/m],
      [[dir, '--exclude', ' '], /^folder-thumbnails: --exclude: " " is not a non-empty glob string$/m],
      [[dir, '--frobnicate'], /unknown option --frobnicate/],
      [[], /missing <folder>/],
      [[dir, dir], /only one folder/],
      [[path.join(dir, 'nope')], /no such folder/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /thumbnails\./, 'the CLI names its flags, not the editor\'s settings');
      assert.equal(r.stdout, '');
    }
  });

  test('exit 2 for an output folder or a folder inside one: thumbnails are not made of thumbnails', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    assert.equal((await run([dir, '--sizes', '64x64,32x32'])).code, 0);
    for (const inside of [path.join(dir, 'thumbnails'), path.join(dir, 'thumbnails', '64x64')]) {
      const r = await run([inside, '--sizes', '64x64,32x32']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /(is an output folder|is inside the output folder .*thumbnails): it holds thumbnails, not photos/);
    }
    assert.deepEqual(listTree(path.join(dir, 'thumbnails')).filter((p) => p.endsWith('.jpg')), ['32x32/a.jpg', '64x64/a.jpg']);
  });

  test('node_modules and git-ignored folders are left out and counted; --exclude adds, --no-default-exclude and --no-ignore-files take them back', async () => {
    await jpeg(path.join(dir, 'src', 'assets', 'a.jpg'), 120, 80);
    await jpeg(path.join(dir, 'node_modules', 'pkg', 'b.jpg'), 120, 80);
    await jpeg(path.join(dir, 'node_modules', 'pkg', 'c.jpg'), 120, 80);
    await jpeg(path.join(dir, 'dist', 'd.jpg'), 120, 80);
    await jpeg(path.join(dir, 'raw', 'e.jpg'), 120, 80);
    writeFileSync(path.join(dir, '.gitignore'), 'dist/\n');
    let r = await run([dir, '--sizes', '32x32', '--exclude', 'raw']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, [
      r.stdout.split('\n')[0],
      '3 images in excluded folders or files (node_modules by default) were skipped: --exclude (--no-default-exclude includes node_modules).',
      '1 image in folders or files ignored by .gitignore or .ignore files was skipped: --no-ignore-files includes them.',
      '',
    ].join('\n'));
    assert.match(r.stdout, /^1 thumbnails for 1 images/);
    assert.deepEqual(listTree(dir).filter((p) => p.includes('thumbnails')).filter((p) => p.endsWith('.jpg')), ['src/assets/thumbnails/32x32/a.jpg']);
    r = await run([dir, '--sizes', '32x32', '--json', '--no-ignore-files', '--no-default-exclude']);
    const out = JSON.parse(r.stdout);
    assert.deepEqual([out.images, out.skipped, out.excluded], [4, 1, { exclude: 0, filesExclude: 0, ignoreFiles: 0, complete: true }]);
  });

  test('--help prints usage and exits 0', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: folder-thumbnails <folder>/);
  });
});
