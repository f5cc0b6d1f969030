import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CleanOutcome } from '../../src/commands/clean';
import type { GenerateOutcome } from '../../src/commands/generate';
import type { JobRunner } from '../../src/jobs';
import { JobTally } from '../../src/core/tally';
import type { ThumbnailLog } from '../../src/log';
import { ThumbnailStatusBar } from '../../src/ui/statusBar';
import { ThumbnailWatcher } from '../../src/watch';
import { api, listFiles, makePhotoFolder } from './helpers';

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return condition();
}

async function generate(dir: string): Promise<NonNullable<GenerateOutcome['job']>> {
  const outcome = await vscode.commands.executeCommand<GenerateOutcome>('thumbnails.generate', vscode.Uri.file(dir), [vscode.Uri.file(dir)]);
  assert.ok(outcome.job, `no job ran: ${outcome.refused.map((r) => r.message).join(' | ')}`);
  assert.equal(outcome.job.status, 'done', outcome.job.message);
  return outcome.job;
}

const clean = (dir: string): Thenable<CleanOutcome> =>
  vscode.commands.executeCommand<CleanOutcome>('thumbnails.clean', vscode.Uri.file(dir), [vscode.Uri.file(dir)], { confirm: 'yes' });

suite('Clean, orphans, old sizes and watch in a real extension host', () => {
  test('clean removes every thumbnail and the emptied folders, and keeps a user\'s file in thumbnails/64x64/', async () => {
    const dir = await makePhotoFolder('tidy-clean', 3, 400, 300);
    await generate(dir);
    fs.writeFileSync(path.join(dir, 'thumbnails', '64x64', 'my-notes.jpg'), 'mine, not a thumbnail');
    const outcome = await clean(dir);
    assert.equal(outcome.status, 'done', outcome.message);
    assert.equal(outcome.removed, 6);
    assert.equal(outcome.message, 'Removed 6 thumbnails from tidy-clean; 1 other file kept (see the log).');
    assert.deepEqual(outcome.kept.map((k) => path.relative(dir, k.file)), ['thumbnails/64x64/my-notes.jpg']);
    assert.deepEqual(listFiles(dir), ['photo-000.jpg', 'photo-001.jpg', 'photo-002.jpg', 'thumbnails/64x64/my-notes.jpg']);
    assert.ok(!fs.existsSync(path.join(dir, 'thumbnails', '256x256')), 'the emptied size folder went');
    const again = await clean(dir);
    assert.equal(again.status, 'nothing');
  });

  test('after a run, an orphan goes (thumbnails.removeOrphans) and a size no longer asked for is offered, not removed', async () => {
    const dir = await makePhotoFolder('tidy-orphans', 3, 400, 300);
    await generate(dir);
    fs.rmSync(path.join(dir, 'photo-001.jpg'));
    const config = vscode.workspace.getConfiguration('thumbnails');
    await config.update('sizes', ['64x64'], vscode.ConfigurationTarget.Workspace);
    try {
      const job = await generate(dir);
      assert.equal(job.message, 'Thumbnails for tidy-orphans are up to date (2 images); 1 orphaned thumbnail removed.');
      assert.ok(job.status === 'done');
      assert.deepEqual(job.summaries[0].tidy?.oldSizes, ['256x256']);
      assert.deepEqual(listFiles(path.join(dir, 'thumbnails')), ['256x256/photo-000.jpg', '256x256/photo-001.jpg', '256x256/photo-002.jpg', '64x64/photo-000.jpg', '64x64/photo-002.jpg']);
      const removed = await vscode.commands.executeCommand<CleanOutcome>('thumbnails.removeOldSizes', { folders: [dir], sizes: ['256x256'] });
      assert.equal(removed.removed, 3, 'the old size\'s orphan too: it carries the mark');
      assert.deepEqual(listFiles(path.join(dir, 'thumbnails')), ['64x64/photo-000.jpg', '64x64/photo-002.jpg']);
    } finally {
      await config.update('sizes', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  test('the status bar while watching: an eye, a still sync icon that says watching while a watch job runs, the eye again, hidden when off', () => {
    const changed = new vscode.EventEmitter<void>();
    const runner = { jobs: [] as unknown[], onDidChange: changed.event };
    const bar = new ThumbnailStatusBar(runner as unknown as JobRunner);
    try {
      assert.equal(bar.state.visible, false);
      bar.setWatch({ folders: ['/photos'] });
      assert.deepEqual([bar.state.visible, bar.state.text], [true, '$(eye) Thumbnails']);
      assert.match(bar.state.tooltip, /^Watching 1 folder: new and changed JPEGs get thumbnails/);
      const tally = new JobTally(1);
      tally.update('/photos', { found: 3, scanDone: true, done: 1, made: 1, skipped: 0, failed: 0, thumbnails: 2 });
      runner.jobs = [{ label: 'photos', mode: 'watch', tally, started: true }];
      changed.fire();
      assert.equal(bar.state.text, '$(sync) Thumbnails: watching, 1/3');
      runner.jobs = [];
      changed.fire();
      assert.equal(bar.state.text, '$(eye) Thumbnails', 'a watch job has no outcome to show: back to the eye');
      bar.setWatch({ folders: ['/photos'], last: '3 made, 0 removed at 10:00' });
      assert.match(bar.state.tooltip, /Last: 3 made, 0 removed at 10:00/);
      bar.setWatch(undefined);
      assert.equal(bar.state.visible, false);
    } finally {
      bar.dispose();
      changed.dispose();
    }
  });

  test('watch on: a JPEG copied in gets its thumbnails, a deleted one loses them; output folders start no job', async function () {
    this.timeout(90_000);
    const { watcher, runner } = await api();
    const dir = await makePhotoFolder('tidy-watch', 2, 400, 300);
    const config = vscode.workspace.getConfiguration('thumbnails');
    await config.update('watch', true, vscode.ConfigurationTarget.Workspace);
    try {
      await generate(dir);
      assert.ok(await until(() => watcher.folders.includes(dir), 5000), `watching ${dir}: ${watcher.folders.join(', ')}`);
      // Restricted Mode: the same folders and setting, but nothing is watched.
      const memento = { get: (k: string) => (k === 'thumbnails.watchedFolders' ? [dir] : undefined), update: async () => undefined, keys: () => [] } as unknown as vscode.Memento;
      const fakeBar = { setWatch: () => undefined } as unknown as ThumbnailStatusBar;
      const log = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as ThumbnailLog;
      const restricted = new ThumbnailWatcher(runner, log, memento, fakeBar, { isTrusted: () => false });
      const trusted = new ThumbnailWatcher(runner, log, memento, fakeBar, { isTrusted: () => true });
      try {
        assert.deepEqual(restricted.folders, [], 'Restricted Mode watches nothing');
        assert.deepEqual(trusted.folders, [dir], 'the check can fail: trusted, the same folder is watched');
      } finally {
        restricted.dispose();
        trusted.dispose();
      }
      // Let the file watcher settle on the new folder before the copy.
      await new Promise((r) => setTimeout(r, 1500));
      const copied = path.join(dir, 'copied.jpg');
      const started = Date.now();
      fs.copyFileSync(path.join(dir, 'photo-000.jpg'), copied);
      const thumbs = ['256x256', '64x64'].map((s) => path.join(dir, 'thumbnails', s, 'copied.jpg'));
      assert.ok(await until(() => thumbs.every((t) => fs.existsSync(t)), 30_000), 'the copied JPEG got its thumbnails');
      const latency = Date.now() - started;
      console.log(`    watch: thumbnails ${latency} ms after the copy`);
      await watcher.idle();
      // The thumbnails the watch job wrote must not start another job.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(watcher.busy, false, 'no job from the output folder\'s own events');
      // A burst: 40 files copied in at once become one job.
      const before = watcher.batches;
      for (let i = 0; i < 40; i++) fs.copyFileSync(path.join(dir, 'photo-001.jpg'), path.join(dir, `burst-${i}.jpg`));
      const burst = Array.from({ length: 40 }, (_, i) => path.join(dir, 'thumbnails', '64x64', `burst-${i}.jpg`));
      assert.ok(await until(() => burst.every((t) => fs.existsSync(t)), 60_000), 'every copied JPEG got its thumbnails');
      await watcher.idle();
      assert.equal(watcher.batches - before, 1, 'one job for the burst');
      for (let i = 0; i < 40; i++) fs.rmSync(path.join(dir, `burst-${i}.jpg`));
      assert.ok(await until(() => burst.every((t) => !fs.existsSync(t)), 30_000), 'the burst deleted lost its thumbnails');
      await watcher.idle();
      fs.rmSync(copied);
      assert.ok(await until(() => thumbs.every((t) => !fs.existsSync(t)), 30_000), 'the deleted JPEG lost its thumbnails');
      assert.deepEqual(listFiles(dir).filter((f) => f.includes('copied')), []);
      await watcher.idle();
    } finally {
      await config.update('watch', undefined, vscode.ConfigurationTarget.Workspace);
    }
    assert.ok(await until(() => !watcher.folders.includes(dir), 5000), 'turning the setting off stops watching');
  });
});
