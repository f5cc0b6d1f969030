import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GenerateOutcome } from '../../src/commands/generate';
import { JobTally } from '../../src/core/tally';
import type { JobRunner } from '../../src/jobs';
import { ThumbnailStatusBar } from '../../src/ui/statusBar';
import { TYPING_QUIET_MS } from '../../src/ui/typing';
import { scopeOf } from '../../src/config';
import { api, isWholeJpeg, jpegSize, listFiles, makePhotoFolder, workspaceRoot } from './helpers';

/** Waits for a condition the configuration event makes true; the assertion after it decides. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const run = (command: string, dirs: string[]): Thenable<GenerateOutcome> =>
  vscode.commands.executeCommand(command, vscode.Uri.file(dirs[0]), dirs.map((d) => vscode.Uri.file(d)), { overwrite: 'yes' });
/** Runs one job and returns it (it must have run: nothing refused). */
async function job(command: string, ...dirs: string[]): Promise<NonNullable<GenerateOutcome['job']>> {
  const outcome = await run(command, dirs);
  assert.ok(outcome.job, `no job ran: ${outcome.refused.map((r) => r.message).join(' | ')}`);
  return outcome.job;
}
const generate = (...dirs: string[]) => job('thumbnails.generate', ...dirs);
const regenerate = (...dirs: string[]) => job('thumbnails.regenerate', ...dirs);
/** The one summary of a single-folder job that ran to its end. */
function summaryOf(outcome: NonNullable<GenerateOutcome['job']>) {
  assert.ok(outcome.status === 'done' || outcome.status === 'cancelled', `${outcome.status}: ${outcome.message}`);
  assert.equal(outcome.summaries.length, 1);
  return outcome.summaries[0];
}

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
    const outcome = await generate(dir);
    assert.equal(outcome.status, 'done', outcome.message);
    assert.match(outcome.message, /^photos: 3 new images \(6 thumbnails written in \d+\.\d s\)\.$/);
    // The bundle's workers load dist/turbojpeg.node (built on Linux; libturbojpeg0 is installed
    // by npm test) and decode these plain JPEGs through it.
    assert.equal(summaryOf(outcome).fastDecodes, process.platform === 'linux' ? 3 : 0);
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
    const again = await generate(dir);
    assert.equal(again.status, 'done');
    assert.equal(again.message, 'Thumbnails for photos are up to date (3 images).');
    assert.equal(fs.statSync(thumb).mtimeMs, before, 'an up-to-date thumbnail is not rewritten');
    fs.rmSync(thumb);
    fs.writeFileSync(thumb, 'stale');
    const forced = await regenerate(dir);
    assert.equal(summaryOf(forced).images, 3, 'regenerate renders every image');
    const meta = jpegSize(thumb);
    assert.deepEqual([isWholeJpeg(thumb), meta.width, meta.height], [true, 64, 48]);
  });

  test('a bad image is reported by name and the others are made', async () => {
    const dir = await makePhotoFolder('mixed', 2, 640, 480);
    fs.writeFileSync(path.join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]));
    const outcome = await generate(dir);
    const summary = summaryOf(outcome);
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0].file, path.join(dir, 'broken.jpg'));
    assert.match(outcome.message, /^mixed: 2 new images, 1 could not be read \(4 thumbnails written in \d+\.\d s\)\.$/);
    assert.deepEqual(listFiles(path.join(dir, 'thumbnails')), [
      '256x256/photo-000.jpg', '256x256/photo-001.jpg', '64x64/photo-000.jpg', '64x64/photo-001.jpg',
    ]);
    const again = await generate(dir);
    assert.equal(again.message, 'mixed: 2 up to date, 1 could not be read.');
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

    const outcome = await generate(dir);
    const failed = summaryOf(outcome).failed.map((f) => [path.relative(dir, f.file), f.code, links.find((l) => f.message.includes(`${l} is a symbolic link`))]);
    assert.deepEqual(failed.sort(), [
      ['deep/photo.jpg', 'OUTPUT_IS_LINK', links[2]],
      ['photo-000.jpg', 'OUTPUT_IS_LINK', links[0]],
      ['sub/photo.jpg', 'OUTPUT_IS_LINK', links[1]],
    ]);
    assert.match(outcome.message, /^linked: 1 new image, 3 got no thumbnails \(2 thumbnails written in \d+\.\d s\)\.$/);
    assert.deepEqual(listFiles(elsewhere), ['64x64/photo.jpg'], 'nothing written outside the chosen folder');
    assert.equal(fs.readFileSync(path.join(elsewhere, '64x64', 'photo.jpg'), 'utf8'), 'a file of the user that a link would overwrite');
    assert.deepEqual(listFiles(path.join(dir, 'ok', 'thumbnails')), ['256x256/photo.jpg', '64x64/photo.jpg']);
  });

  test('thumbnails.cancel stops a running job and leaves no partial file; the next run counts only what is left', async () => {
    const dir = await makePhotoFolder('many', 40, 3000, 2000);
    const running = generate(dir);
    const { runner, statusBar } = await api();
    await until(() => (runner.jobs[0]?.tally.counts.done ?? 0) >= 1, 30_000);
    assert.equal(statusBar.state.visible, true);
    assert.match(statusBar.state.text, /^\$\(sync\) Thumbnails \d+\/\d+\+?$/);
    assert.match(statusBar.state.tooltip, /many: \d+ of \d+\+? images/);
    const stopped = await vscode.commands.executeCommand<unknown[]>('thumbnails.cancel');
    assert.equal(stopped.length, 1);
    const outcome = await running;
    assert.equal(outcome.status, 'cancelled', outcome.message);
    const made = summaryOf(outcome).images;
    assert.ok(made < 40, 'stopped before the end');
    assert.match(outcome.message, new RegExp(`^Cancelled thumbnails for many: ${made === 1 ? '1 new image' : `${made} new images`}, ${40 - made} not done; finished files are kept\\.$`));
    const files = listFiles(path.join(dir, 'thumbnails'));
    assert.ok(files.every((f) => /^(256x256|64x64)\/photo-\d{3}\.jpg$/.test(f)), `only finished thumbnails: ${files.join(', ')}`);
    for (const f of files) assert.ok(isWholeJpeg(path.join(dir, 'thumbnails', f)), `${f} is a whole JPEG`);
    assert.equal(runner.jobs.length, 0);

    // The next run: the finished images are up to date, stated apart; the count is the rest.
    const seen: { done: number; toDo: number; upToDate: number }[] = [];
    const watch = runner.onDidChange(() => {
      const c = runner.jobs[0]?.tally.counts;
      if (c) seen.push({ done: c.done, toDo: c.toDo, upToDate: c.upToDate });
    });
    const rest = await generate(dir);
    watch.dispose();
    const last = seen[seen.length - 1];
    assert.deepEqual(last, { done: 40 - made, toDo: 40 - made, upToDate: made }, JSON.stringify(seen.slice(-3)));
    assert.ok(seen.every((p) => p.done <= 40 - made), 'progress never counts an up-to-date image as done');
    assert.match(rest.message, new RegExp(`^many: ${40 - made === 1 ? '1 new image' : `${40 - made} new images`}, ${made} up to date \\(`));
  });

  test('the status bar outcome: a cancelled job is not "done", and failures outrank a cancel', () => {
    const changed = new vscode.EventEmitter<void>();
    const runner = { jobs: [] as unknown[], onDidChange: changed.event };
    const bar = new ThumbnailStatusBar(runner as unknown as JobRunner);
    const counts = (made: number, upToDate: number, failed: number) => ({ found: 0, scanDone: true, toDo: 0, done: made + failed, made, upToDate, failed, thumbnails: 0 });
    try {
      const tally = new JobTally(1);
      tally.update('/photos', { found: 6, scanDone: true, done: 3, made: 1, skipped: 2, failed: 0, thumbnails: 2 });
      runner.jobs = [{ label: 'photos', tally, started: true }, { label: 'asking', tally: new JobTally(1), started: false }];
      changed.fire();
      assert.equal(bar.state.text, '$(sync) Thumbnails 1/4', 'the up-to-date images are not work to do');
      assert.match(bar.state.tooltip, /photos: 1 of 4 images/);
      runner.jobs = [];
      bar.recordOutcome({ counts: counts(3, 2, 0), cancelled: true });
      assert.equal(bar.state.text, '$(circle-slash) Thumbnails cancelled');
      assert.equal(bar.state.tooltip, '3 new and 2 up to date before cancelling; click to show the log');
      bar.recordOutcome({ counts: counts(5, 0, 0), cancelled: false });
      assert.equal(bar.state.text, '$(circle-slash) Thumbnails cancelled', 'a cancel stays visible until the bar goes idle');
      bar.recordOutcome({ counts: counts(1, 0, 2), cancelled: false });
      assert.equal(bar.state.text, '$(warning) Thumbnails: 2 failed');
    } finally {
      bar.dispose();
      changed.dispose();
    }
  });

  test('a folder that is, contains or lies inside a running job is refused, naming that job', async () => {
    const dir = await makePhotoFolder('twice', 16, 3000, 2000);
    fs.mkdirSync(path.join(dir, 'inner'));
    const first = run('thumbnails.generate', [dir]);
    const { runner } = await api();
    await until(() => runner.jobs.length > 0, 10_000);
    const [same, inner, around] = await Promise.all([
      run('thumbnails.generate', [dir]),
      run('thumbnails.generate', [path.join(dir, 'inner')]),
      run('thumbnails.generate', [workspaceRoot()]),
    ]);
    for (const refused of [same, inner, around]) {
      assert.equal(refused.job, undefined);
      assert.equal(refused.refused[0]?.reason, 'busy');
      assert.match(refused.refused[0].message, /^Thumbnails are already being generated for twice, which overlaps /);
    }
    const ran = await first;
    assert.equal(ran.job?.status, 'done');
    assert.equal(listFiles(path.join(dir, 'thumbnails')).length, 32, 'the job that ran made every thumbnail');
  });

  test('with two jobs running, Cancel asks which one and stops only that one', async function () {
    this.timeout(120_000);
    const first = await makePhotoFolder('cancel-one', 40, 3000, 2000, true);
    const second = await makePhotoFolder('cancel-two', 3, 1200, 900);
    const { runner } = await api();
    const one = run('thumbnails.generate', [first]);
    await until(() => runner.jobs.length === 1, 10_000);
    const two = run('thumbnails.generate', [second]);
    await until(() => runner.jobs.length === 2, 10_000);
    assert.equal(runner.jobs.length, 2);
    const picked = vscode.commands.executeCommand<{ label: string }[]>('thumbnails.cancel');
    await new Promise((r) => setTimeout(r, 500)); // the pick opens with the first job active
    assert.ok(runner.jobs.some((j) => j.label === 'cancel-one'), 'the first job still runs when its cancel is chosen');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    assert.deepEqual((await picked).map((j) => j.label), ['cancel-one']);
    const [stopped, finished] = await Promise.all([one, two]);
    assert.equal(stopped.job?.status, 'cancelled', stopped.job?.message);
    assert.equal(finished.job?.status, 'done', finished.job?.message);
    assert.equal(listFiles(path.join(second, 'thumbnails')).length, 6);
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
      const outcome = await generate(project);
      const summary = summaryOf(outcome);
      assert.deepEqual(summary.excluded, { exclude: 1, filesExclude: 1, ignoreFiles: 2, complete: true });
      assert.equal(outcome.message, [
        'webproject: 2 new images (4 thumbnails written in ' + (summary.elapsedMs / 1000).toFixed(1) + ' s).',
        '1 image in excluded folders or files (node_modules by default) was skipped: setting thumbnails.exclude.',
        '1 image hidden by files.exclude was skipped: setting files.exclude.',
        '2 images in folders or files ignored by .gitignore or .ignore files were skipped: setting thumbnails.useIgnoreFiles.',
      ].join(' '));
      assert.deepEqual(listFiles(project).filter((f) => f.includes('thumbnails/')), [
        'src/assets/thumbnails/256x256/photo-000.jpg', 'src/assets/thumbnails/256x256/photo-001.jpg',
        'src/assets/thumbnails/64x64/photo-000.jpg', 'src/assets/thumbnails/64x64/photo-001.jpg',
      ]);
      // A git-ignored folder chosen directly is the user's choice: its images are made.
      const chosen = await generate(path.join(project, 'data', 'images'));
      assert.equal(summaryOf(chosen).images, 1);
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
      const outcome = await run('thumbnails.generate', [dir]);
      assert.equal(outcome.job, undefined);
      assert.equal(outcome.refused[0]?.reason, 'invalid-settings');
      assert.deepEqual(outcome.refused[0].keys, ['outputFolderName']);
      assert.match(outcome.refused[0].message, /^The thumbnails settings for invalid are not valid\. thumbnails\.outputFolderName: "\.\.\/escape" [^;]*\.$/);
      assert.deepEqual(scopeOf(vscode.Uri.file(dir), ['outputFolderName']), { kind: 'workspace' }, '"Open Settings" opens where the bad value is');
      assert.deepEqual(listFiles(dir), ['photo-000.jpg', 'photo-001.jpg']);
      assert.equal(fs.existsSync(path.join(workspaceRoot(), 'escape')), false);
    } finally {
      await config.update('outputFolderName', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.deepEqual(scopeOf(vscode.Uri.file(dir), ['outputFolderName']), { kind: 'user' });
  });

  test('a multi-folder selection is one job: files ignored, nested folders folded, one summary', async () => {
    const a = await makePhotoFolder('pick-a', 1, 300, 200);
    const b = await makePhotoFolder('pick-b', 2, 300, 200);
    const nested = path.join(b, 'nested');
    fs.mkdirSync(nested);
    fs.copyFileSync(path.join(b, 'photo-000.jpg'), path.join(nested, 'photo.jpg'));
    const empty = path.join(workspaceRoot(), 'pick-empty');
    fs.rmSync(empty, { recursive: true, force: true });
    fs.mkdirSync(empty);
    const file = vscode.Uri.file(path.join(a, 'photo-000.jpg'));
    const { runner } = await api();
    const jobs = new Set<unknown>();
    const watch = runner.onDidChange(() => runner.jobs.forEach((j) => jobs.add(j)));
    const outcome = await vscode.commands.executeCommand<GenerateOutcome>('thumbnails.generate', vscode.Uri.file(a), [vscode.Uri.file(a), file, vscode.Uri.file(nested), vscode.Uri.file(b), vscode.Uri.file(empty)]);
    watch.dispose();
    assert.equal(jobs.size, 1, 'one job, not one per folder');
    assert.ok(outcome.job?.status === 'done', outcome.job?.message);
    assert.deepEqual(outcome.job.folders, [a, b, empty], 'the nested folder folds into its parent, the file is left out');
    assert.match(outcome.job.message, /^3 folders: 4 new images \(8 thumbnails written in \d+\.\d s\)\.$/);
    assert.equal(listFiles(path.join(a, 'thumbnails')).length, 2);
    assert.equal(listFiles(path.join(b, 'thumbnails')).length, 4);
    assert.equal(listFiles(path.join(nested, 'thumbnails')).length, 2, 'made once, by the parent');
  });

  test('thumbnails are never made of thumbnails: an output folder and what is inside it are refused', async () => {
    const dir = await makePhotoFolder('outputs', 1, 300, 200);
    await generate(dir);
    for (const inside of [path.join(dir, 'thumbnails'), path.join(dir, 'thumbnails', '64x64')]) {
      const outcome = await run('thumbnails.generate', [inside]);
      assert.equal(outcome.job, undefined);
      assert.equal(outcome.refused[0]?.reason, 'inside-output');
      assert.match(outcome.refused[0].message, /holds thumbnails, not photos\. Choose the folder that holds the photos\.$/);
    }
    assert.deepEqual(listFiles(path.join(dir, 'thumbnails')), ['256x256/photo-000.jpg', '64x64/photo-000.jpg']);
    // A user's own folder that only carries the name is not an output folder.
    const own = path.join(workspaceRoot(), 'own', 'thumbnails');
    fs.rmSync(path.dirname(own), { recursive: true, force: true });
    fs.mkdirSync(own, { recursive: true });
    fs.copyFileSync(path.join(dir, 'photo-000.jpg'), path.join(own, 'hand-made.jpg'));
    const ownJob = await generate(own);
    assert.equal(summaryOf(ownJob).images, 1);
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

  test('while the user types in an editor during a job, the helper runs one worker fewer; it gets it back once typing stops', async function () {
    this.timeout(90_000);
    const { runner } = await api();
    // Camera-sized copies: a job of several seconds, longer than the quiet time.
    const seeds = await makePhotoFolder('typing-seeds', 3, 4000, 3000, true);
    const dir = path.join(workspaceRoot(), 'typing');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    for (let i = 0; i < 60; i++) fs.copyFileSync(path.join(seeds, fs.readdirSync(seeds).filter((n) => n.endsWith('.jpg'))[i % 3]), path.join(dir, `img-${i}.jpg`));
    fs.rmSync(seeds, { recursive: true, force: true });
    const config = vscode.workspace.getConfiguration('thumbnails');
    await config.update('maxWorkers', 3, vscode.ConfigurationTarget.Workspace);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ content: '' }));
    const job = generate(dir);
    try {
      await until(() => runner.poolStats?.size === 3 && runner.jobs.some((j) => j.started), 20_000);
      assert.equal(runner.poolStats?.size, 3, 'the full pool before any typing');
      // A few keys over a second: the pool stays one worker down throughout.
      for (let i = 0; i < 5; i++) {
        await editor.edit((b) => b.insert(editor.document.positionAt(editor.document.getText().length), 'a'));
        await until(() => runner.poolStats?.size === 2, 5000);
        assert.equal(runner.poolStats?.size, 2, `one worker fewer while typing (key ${i + 1})`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const stopped = Date.now();
      assert.ok(runner.jobs.length > 0, 'the job still runs (the folder must be big enough for this test)');
      await until(() => runner.poolStats?.size === 3, 10_000);
      assert.equal(runner.poolStats?.size, 3, 'the worker is back once typing stopped');
      assert.ok(Date.now() - stopped >= TYPING_QUIET_MS - 300, `not before the quiet time (${Date.now() - stopped} ms)`);
    } finally {
      await config.update('maxWorkers', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await job;
    }
  });

  test('the images are decoded in the helper process: the extension host never maps libvips, and the idle helper exits', async function () {
    this.timeout(60_000);
    const { runner } = await api();
    const dir = await makePhotoFolder('isolated', 4, 1600, 1200);
    const outcome = await generate(dir);
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
    await until(() => (runner.jobs[0]?.tally.counts.done ?? 0) >= 2, 60_000);
    const first = runner.helperPid;
    assert.ok(first !== undefined && (runner.jobs[0]?.tally.counts.done ?? 24) < 24, 'killed while the job runs');
    process.kill(first!, 'SIGSEGV');
    const summary = summaryOf(await job);
    assert.equal(summary.cancelled, false);
    assert.deepEqual([summary.images + summary.skipped, summary.failed.length], [24, 0]);
    assert.notEqual(runner.helperPid, first, 'a new helper went on');
    const files = listFiles(path.join(dir, 'thumbnails'));
    assert.equal(files.length, 48);
    for (const f of files) assert.ok(isWholeJpeg(path.join(dir, 'thumbnails', f)), `${f} is whole`);
  });
});
