import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FolderOutcome } from '../../src/commands/generate';
import type { JobRunner } from '../../src/jobs';
import { ThumbnailStatusBar } from '../../src/ui/statusBar';
import { api, isWholeJpeg, jpegSize, listFiles, makePhotoFolder, workspaceRoot } from './helpers';

/** Waits for a condition the configuration event makes true; the assertion after it decides. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const generate = (dir: string): Thenable<FolderOutcome[]> => vscode.commands.executeCommand('thumbnails.generate', vscode.Uri.file(dir));
const regenerate = (dir: string): Thenable<FolderOutcome[]> => vscode.commands.executeCommand('thumbnails.regenerate', vscode.Uri.file(dir));

suite('Folder Thumbnails in a real extension host', () => {
  test('activation registers the commands and starts no worker thread', async () => {
    const { runner, statusBar } = await api();
    assert.equal(runner.helperStarted, false, 'the helper process must not start before the first job');
    assert.equal(statusBar.state.visible, false, 'no status bar item before anything ran');
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['thumbnails.generate', 'thumbnails.regenerate', 'thumbnails.cancel', 'thumbnails.showLog']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  test('generate makes exactly the sizes the workspace settings ask for', async () => {
    const dir = await makePhotoFolder('photos', 3, 800, 600);
    const [outcome] = await generate(dir);
    assert.equal(outcome.status, 'done', outcome.message);
    assert.match(outcome.message, /Generated 6 thumbnails for 3 images in \d+\.\d s\./);
    // The bundle's workers load dist/turbojpeg.node (built on Linux; libturbojpeg0 is installed
    // by npm test) and decode these plain JPEGs through it.
    assert.equal(outcome.summary.fastDecodes, process.platform === 'linux' ? 3 : 0);
    const expected = ['photo-000.jpg', 'photo-001.jpg', 'photo-002.jpg'].flatMap((n) => [
      n, `thumbnails/256x256/${n}`, `thumbnails/64x64/${n}`,
    ]).sort();
    assert.deepEqual(listFiles(dir), expected);
    const meta = jpegSize(path.join(dir, 'thumbnails/256x256/photo-001.jpg'));
    assert.deepEqual([meta.width, meta.height], [256, 192]);
    const { runner, statusBar } = await api();
    assert.equal(runner.helperStarted, true);
    assert.equal(statusBar.state.visible, true);
    assert.match(statusBar.state.text, /Thumbnails done/);
  });

  test('a second run is up to date; regenerate overwrites', async () => {
    const dir = path.join(workspaceRoot(), 'photos');
    const thumb = path.join(dir, 'thumbnails/64x64/photo-000.jpg');
    const before = fs.statSync(thumb).mtimeMs;
    const [again] = await generate(dir);
    assert.equal(again.status, 'done');
    assert.match(again.message, /up to date \(3 images\)/);
    assert.equal(fs.statSync(thumb).mtimeMs, before, 'an up-to-date thumbnail is not rewritten');
    fs.rmSync(thumb);
    fs.writeFileSync(thumb, 'stale');
    const [forced] = await regenerate(dir);
    assert.equal(forced.status, 'done', forced.message);
    assert.ok(forced.status === 'done' && forced.summary.images === 3, 'regenerate renders every image');
    const meta = jpegSize(thumb);
    assert.deepEqual([isWholeJpeg(thumb), meta.width, meta.height], [true, 64, 48]);
  });

  test('a bad image is reported by name and the others are made', async () => {
    const dir = await makePhotoFolder('mixed', 2, 640, 480);
    fs.writeFileSync(path.join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]));
    const [outcome] = await generate(dir);
    assert.equal(outcome.status, 'done');
    assert.ok(outcome.status === 'done');
    assert.equal(outcome.summary.failed.length, 1);
    assert.equal(outcome.summary.failed[0].file, path.join(dir, 'broken.jpg'));
    assert.match(outcome.message, /1 of 3 images in mixed could not be read; generated 4 thumbnails/);
    assert.deepEqual(listFiles(path.join(dir, 'thumbnails')), [
      '256x256/photo-000.jpg', '256x256/photo-001.jpg', '64x64/photo-000.jpg', '64x64/photo-001.jpg',
    ]);
    const [again] = await generate(dir);
    assert.equal(again.message, "1 of 3 images in mixed could not be read; the others' thumbnails are up to date.");
  });

  test('planted symbolic links at every level are never written through; each is named, the others are made', async () => {
    const dir = await makePhotoFolder('linked', 1, 320, 240);
    const photo = path.join(dir, 'photo-000.jpg');
    for (const sub of ['sub', 'deep', 'ok']) {
      fs.mkdirSync(path.join(dir, sub));
      fs.copyFileSync(photo, path.join(dir, sub, 'photo.jpg'));
    }
    const elsewhere = path.join(workspaceRoot(), 'elsewhere');
    fs.rmSync(elsewhere, { recursive: true, force: true });
    fs.mkdirSync(path.join(elsewhere, '64x64'), { recursive: true });
    fs.writeFileSync(path.join(elsewhere, '64x64', 'photo.jpg'), 'a file of the user that a link would overwrite');
    const links = [
      path.join(dir, 'thumbnails'), // <folder>/<output>
      path.join(dir, 'sub', 'thumbnails', '64x64'), // <folder>/<rel>/<output>/<WxH>
      path.join(dir, 'deep', 'thumbnails'), // <folder>/<rel>/<output>
    ];
    fs.mkdirSync(path.join(dir, 'sub', 'thumbnails'));
    fs.symlinkSync(elsewhere, links[0]);
    fs.symlinkSync(path.join(elsewhere, '64x64'), links[1]);
    fs.symlinkSync(elsewhere, links[2]);

    const [outcome] = await generate(dir);
    assert.ok(outcome.status === 'done', outcome.message);
    const failed = outcome.summary.failed.map((f) => [path.relative(dir, f.file), f.code, links.find((l) => f.message.includes(`${l} is a symbolic link`))]);
    assert.deepEqual(failed.sort(), [
      ['deep/photo.jpg', 'OUTPUT_IS_LINK', links[2]],
      ['photo-000.jpg', 'OUTPUT_IS_LINK', links[0]],
      ['sub/photo.jpg', 'OUTPUT_IS_LINK', links[1]],
    ]);
    assert.equal(outcome.message, '3 of 4 images in linked got no thumbnails (see the log for why); generated 2 thumbnails for the others.');
    assert.deepEqual(listFiles(elsewhere), ['64x64/photo.jpg'], 'nothing written outside the chosen folder');
    assert.equal(fs.readFileSync(path.join(elsewhere, '64x64', 'photo.jpg'), 'utf8'), 'a file of the user that a link would overwrite');
    assert.deepEqual(listFiles(path.join(dir, 'ok', 'thumbnails')), ['256x256/photo.jpg', '64x64/photo.jpg']);
  });

  test('thumbnails.cancel stops a running job and leaves no partial file', async () => {
    const dir = await makePhotoFolder('many', 40, 3000, 2000);
    const running = generate(dir);
    const { runner } = await api();
    const deadline = Date.now() + 30_000;
    while (!(runner.jobs[0]?.progress.done >= 1) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const { statusBar } = await api();
    assert.equal(statusBar.state.visible, true);
    assert.match(statusBar.state.text, /^\$\(sync~spin\) Thumbnails \d+\/\d+\+?$/);
    assert.match(statusBar.state.tooltip, /many: \d+ of \d+\+? images/);
    const cancelled = await vscode.commands.executeCommand<number>('thumbnails.cancel');
    assert.equal(cancelled, 1);
    const [outcome] = await running;
    assert.equal(outcome.status, 'cancelled', outcome.message);
    assert.ok(outcome.status === 'cancelled' && outcome.summary.images < 40, 'stopped before the end');
    assert.match(outcome.message, /Cancelled thumbnails for many after \d+ images/);
    const files = listFiles(path.join(dir, 'thumbnails'));
    assert.ok(files.every((f) => /^(256x256|64x64)\/photo-\d{3}\.jpg$/.test(f)), `only finished thumbnails: ${files.join(', ')}`);
    for (const f of files) assert.ok(isWholeJpeg(path.join(dir, 'thumbnails', f)), `${f} is a whole JPEG`);
    assert.equal(runner.jobs.length, 0);
  });

  test('the status bar outcome: a cancelled job is not "done", and failures outrank a cancel', () => {
    const changed = new vscode.EventEmitter<void>();
    const runner = { jobs: [] as unknown[], onDidChange: changed.event };
    const bar = new ThumbnailStatusBar(runner as unknown as JobRunner);
    try {
      runner.jobs = [{ name: 'photos', progress: { done: 1, found: 4, scanDone: true } }];
      changed.fire();
      assert.equal(bar.state.text, '$(sync~spin) Thumbnails 1/4');
      runner.jobs = [];
      bar.recordOutcome(3, 0, true);
      assert.equal(bar.state.text, '$(circle-slash) Thumbnails cancelled');
      assert.equal(bar.state.tooltip, '3 images processed before cancelling; click to show the log');
      bar.recordOutcome(5, 0);
      assert.equal(bar.state.text, '$(circle-slash) Thumbnails cancelled', 'a cancel stays visible until the bar goes idle');
      bar.recordOutcome(1, 2);
      assert.equal(bar.state.text, '$(warning) Thumbnails: 2 failed');
    } finally {
      bar.dispose();
      changed.dispose();
    }
  });

  test('the same folder twice at once is refused, naming the running job', async () => {
    const dir = await makePhotoFolder('twice', 12, 2000, 1500);
    const outcomes = (await Promise.all([generate(dir), generate(dir)])).flat();
    const busy = outcomes.filter((o) => o.status === 'busy');
    const done = outcomes.filter((o) => o.status === 'done');
    assert.equal(busy.length, 1, outcomes.map((o) => o.message).join(' | '));
    assert.equal(done.length, 1, outcomes.map((o) => o.message).join(' | '));
    assert.ok(busy[0].message.includes(dir), busy[0].message);
    assert.equal(listFiles(path.join(dir, 'thumbnails')).length, 24, 'the job that ran made every thumbnail');
  });

  test('a web project gets thumbnails only where the user sees images: not in node_modules, git-ignored or files.exclude folders', async () => {
    const project = path.join(workspaceRoot(), 'webproject');
    fs.rmSync(project, { recursive: true, force: true });
    const assets = await makePhotoFolder('webproject/src/assets', 2, 320, 240);
    const photo = path.join(assets, 'photo-000.jpg');
    const place = (rel: string): void => {
      fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
      fs.copyFileSync(photo, path.join(project, rel));
    };
    place('node_modules/some-package/images/logo.jpg');
    place('dist/assets/photo-000.jpg');
    place('data/images/scan.jpg');
    place('generated/cache.jpg');
    fs.writeFileSync(path.join(project, '.gitignore'), 'dist/\ndata/\n');
    const files = vscode.workspace.getConfiguration('files');
    await files.update('exclude', { '**/generated': true }, vscode.ConfigurationTarget.Workspace);
    try {
      const [outcome] = await generate(project);
      assert.ok(outcome.status === 'done', outcome.message);
      assert.deepEqual(outcome.summary.excluded, { exclude: 1, filesExclude: 1, ignoreFiles: 2, complete: true });
      assert.equal(outcome.message, [
        'Generated 4 thumbnails for 2 images in ' + (outcome.summary.elapsedMs / 1000).toFixed(1) + ' s.',
        '1 image in excluded folders or files (node_modules by default) was skipped: setting thumbnails.exclude.',
        '1 image hidden by files.exclude was skipped: setting files.exclude.',
        '2 images in folders or files ignored by .gitignore or .ignore files were skipped: setting thumbnails.useIgnoreFiles.',
      ].join(' '));
      assert.deepEqual(listFiles(project).filter((f) => f.includes('thumbnails/')), [
        'src/assets/thumbnails/256x256/photo-000.jpg', 'src/assets/thumbnails/256x256/photo-001.jpg',
        'src/assets/thumbnails/64x64/photo-000.jpg', 'src/assets/thumbnails/64x64/photo-001.jpg',
      ]);
      // A git-ignored folder chosen directly is the user's choice: its images are made.
      const [chosen] = await generate(path.join(project, 'data', 'images'));
      assert.ok(chosen.status === 'done', chosen.message);
      assert.equal(chosen.summary.images, 1);
      assert.deepEqual(listFiles(path.join(project, 'data', 'images', 'thumbnails')), ['256x256/scan.jpg', '64x64/scan.jpg']);
    } finally {
      await files.update('exclude', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('invalid settings give the error message and write no file', async () => {
    const dir = await makePhotoFolder('invalid', 2, 300, 200);
    const config = vscode.workspace.getConfiguration('thumbnails', vscode.Uri.file(dir));
    await config.update('outputFolderName', '../escape', vscode.ConfigurationTarget.Workspace);
    try {
      const [outcome] = await generate(dir);
      assert.equal(outcome.status, 'invalid-settings');
      assert.match(outcome.message, /thumbnails\.outputFolderName/);
      assert.deepEqual(listFiles(dir), ['photo-000.jpg', 'photo-001.jpg']);
      assert.equal(fs.existsSync(path.join(workspaceRoot(), 'escape')), false);
    } finally {
      await config.update('outputFolderName', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('a multi-folder Explorer selection runs each folder and ignores the files in it', async () => {
    const a = await makePhotoFolder('pick-a', 1, 300, 200);
    const b = await makePhotoFolder('pick-b', 2, 300, 200);
    const file = vscode.Uri.file(path.join(a, 'photo-000.jpg'));
    const outcomes = await vscode.commands.executeCommand<FolderOutcome[]>('thumbnails.generate', vscode.Uri.file(a), [vscode.Uri.file(a), file, vscode.Uri.file(b)]);
    assert.deepEqual(outcomes.map((o) => [o.folder, o.status]), [[a, 'done'], [b, 'done']]);
    assert.equal(listFiles(path.join(a, 'thumbnails')).length, 2);
    assert.equal(listFiles(path.join(b, 'thumbnails')).length, 4);
  });

  test('changing thumbnails.maxWorkers resizes the running pool without a reload', async function () {
    this.timeout(60_000);
    const { runner } = await api();
    const dir = await makePhotoFolder('resize', 16, 2400, 1800);
    const job = generate(dir);
    await until(() => runner.poolStats !== undefined, 20_000);
    const config = vscode.workspace.getConfiguration('thumbnails');
    await config.update('maxWorkers', 1, vscode.ConfigurationTarget.Workspace);
    try {
      await until(() => runner.poolStats?.size === 1, 5000);
      assert.equal(runner.poolStats?.size, 1);
      await config.update('maxWorkers', 3, vscode.ConfigurationTarget.Workspace);
      await until(() => runner.poolStats?.size === 3, 5000);
      assert.equal(runner.poolStats?.size, 3);
    } finally {
      await config.update('maxWorkers', undefined, vscode.ConfigurationTarget.Workspace);
      await job;
    }
  });

  test('the images are decoded in the helper process: the extension host never maps libvips, and the idle helper exits', async function () {
    this.timeout(60_000);
    const { runner } = await api();
    const dir = await makePhotoFolder('isolated', 4, 1600, 1200);
    const [outcome] = await generate(dir);
    assert.equal(outcome.status, 'done', outcome.message);
    const helper = runner.helperPid;
    assert.ok(helper !== undefined && helper !== process.pid, 'a helper process ran the job');
    if (process.platform === 'linux') {
      const maps = fs.readFileSync('/proc/self/maps', 'utf8');
      for (const library of ['libvips', 'sharp-', 'turbojpeg', 'allocator.node']) {
        assert.ok(!maps.includes(library), `the extension host has ${library} mapped`);
      }
      assert.ok(fs.readFileSync(`/proc/${helper}/maps`, 'utf8').includes('libvips'), 'the helper has (the check can fail)');
    }
    // The test host starts helpers with a 3 s idle timeout (runHost.mjs).
    await until(() => runner.helperPid === undefined, 30_000);
    assert.equal(runner.helperPid, undefined, 'the idle helper exited');
    assert.throws(() => process.kill(helper!, 0), 'no helper process is left');
  });

  test('a helper killed by SIGSEGV mid-job: the job finishes in a new helper, every image made', async function () {
    this.timeout(120_000);
    const { runner } = await api();
    const dir = await makePhotoFolder('crash', 24, 2400, 1800);
    const job = generate(dir);
    const deadline = Date.now() + 60_000;
    while (!(runner.jobs[0]?.progress.done >= 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const first = runner.helperPid;
    assert.ok(first !== undefined && runner.jobs[0]?.progress.done < 24, 'killed while the job runs');
    process.kill(first!, 'SIGSEGV');
    const [outcome] = await job;
    assert.ok(outcome.status === 'done', outcome.message);
    assert.deepEqual([outcome.summary.images + outcome.summary.skipped, outcome.summary.failed.length], [24, 0]);
    assert.notEqual(runner.helperPid, first, 'a new helper went on');
    const files = listFiles(path.join(dir, 'thumbnails'));
    assert.equal(files.length, 48);
    for (const f of files) assert.ok(isWholeJpeg(path.join(dir, 'thumbnails', f)), `${f} is whole`);
  });
});
