import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ThumbnailHelper } from '../../../src/core/helper/client';
import type { JobProgress } from '../../../src/core/engine';
import { nullLogger, type Logger } from '../../../src/core/log';
import { parseSettings } from '../../../src/core/settings';
import { dims, jpeg } from '../engine/fixtures';
import { threadsOf, type ThreadInfo } from '../threads';

const FAKE = path.resolve(__dirname, '../../fixtures/helpers/fakeHelper.js');
const REAL = path.resolve(__dirname, '../../../src/helper/index.js');

/** /proc/<pid>/autogroup ("/autogroup-N nice V"), or '' where the kernel has no autogroups. */
function readAutogroup(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** True once no process `pid` exists, false if it still does after `ms`. */
async function exitsWithin(pid: number, ms: number): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
  }
  return false;
}

suite('helper process: the client side of the process boundary (fixture helper, no sharp)', () => {
  let dir: string;
  let starts: string;
  let helper: ThumbnailHelper | undefined;
  const warnings: string[] = [];
  const logger: Logger = { ...nullLogger, warn: (m) => warnings.push(m) };
  setup(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ft-helper-'));
    starts = path.join(dir, '.starts');
    warnings.length = 0;
  });
  teardown(() => {
    helper?.dispose();
    helper = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const images = (...names: string[]): void => names.forEach((n) => writeFileSync(path.join(dir, n), 'x'));
  const make = (env: Record<string, string> = {}, size = 2): ThumbnailHelper =>
    (helper = new ThumbnailHelper({ helperFile: FAKE, size: () => size, logger, env: { FAKE_STARTS_FILE: starts, ...env } }));
  const startCount = (): number => readFileSync(starts, 'utf8').trim().split('\n').length;
  const job = (h: ThumbnailHelper, signal?: AbortSignal, onProgress?: (p: JobProgress) => void) =>
    h.run({ folder: dir, settings: parseSettings({}), force: false, signal, onProgress });

  test('nothing starts until the first job; a job runs in the helper with its progress; the helper is reused', async () => {
    images('a.jpg', 'b.jpg', 'bad.jpg');
    const h = make();
    assert.equal(h.pid, undefined);
    const seen: number[] = [];
    const s = await job(h, undefined, (p) => seen.push(p.done));
    assert.deepEqual([s.images, s.thumbnails, s.failed.map((f) => f.code), s.cancelled], [2, 4, ['CORRUPT_JPEG'], false]);
    assert.ok(h.pid !== undefined && h.pid !== process.pid);
    assert.equal(seen.at(-1), 3);
    await job(h);
    assert.equal(startCount(), 1, 'one helper for both jobs');
  });

  test('cancelling stops the job within 200 ms and says so', async () => {
    images(...Array.from({ length: 40 }, (_, i) => `p${i}.jpg`));
    const h = make({ FAKE_MS: '100' });
    const controller = new AbortController();
    let t0 = 0;
    const s = await job(h, controller.signal, (p) => {
      if (p.done >= 2 && !controller.signal.aborted) {
        t0 = Date.now();
        controller.abort();
      }
    });
    assert.ok(Date.now() - t0 < 200, `${Date.now() - t0} ms`);
    assert.equal(s.cancelled, true);
    assert.ok(s.images < 40);
  });

  test('resize reaches the helper pool', async () => {
    images('a.jpg');
    const h = make();
    await job(h);
    h.resize(5);
    const deadline = Date.now() + 2000;
    while (h.stats?.size !== 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(h.stats?.size, 5);
  });

  test('a crash goes on in a new helper: the images in flight are retried one at a time and made', async () => {
    images('a.jpg', 'b.jpg', 'crash-once.jpg', 'd.jpg', 'e.jpg');
    const h = make();
    const s = await job(h);
    assert.deepEqual([s.images, s.failed.length], [5, 0]);
    assert.ok(startCount() >= 2, 'a new helper took over');
    assert.match(warnings.join('\n'), /stopped \(SIGSEGV\) with [12] image\(s\) in flight/);
  });

  test('an image that crashes the decoder again, alone, is CRASHED_DECODER once; no loop, the rest made', async () => {
    images('a.jpg', 'crash-always.jpg', 'c.jpg', 'd.jpg');
    const h = make();
    const s = await job(h);
    assert.deepEqual(s.failed.map((f) => [path.basename(f.file), f.code]), [['crash-always.jpg', 'CRASHED_DECODER']]);
    assert.match(s.failed[0].message, /crash-always\.jpg: the image decoder crashed on this file \(SIGSEGV\); it was tried on its own/);
    assert.equal(s.images, 3);
    assert.ok(startCount() <= 4, `${startCount()} helpers started`);
  });

  test('a helper that cannot start fails the job once with the reason, without a respawn loop', async () => {
    images('a.jpg');
    const h = make({ FAKE_FAIL_START: '1' });
    await assert.rejects(job(h), /could not start the thumbnail helper \(exit code 3\): fake helper: refusing to start/);
    assert.equal(startCount(), 1);
  });

  test('the real helper exits at once when its extension host dies (SIGKILL, no clean-up): none is left behind', async () => {
    images('a.jpg');
    const parent = spawn(process.execPath, ['-e', `
      const { ThumbnailHelper } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/helper/client.js'))});
      const { parseSettings } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/settings.js'))});
      const h = new ThumbnailHelper({ helperFile: ${JSON.stringify(REAL)}, size: () => 1, logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
      h.run({ folder: ${JSON.stringify(dir)}, settings: parseSettings({}), force: false }).then(() => console.log(h.pid));
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    process.kill(pid, 0); // alive while its parent is
    parent.kill('SIGKILL');
    assert.equal(await exitsWithin(pid, 5000), true, 'the orphaned helper exited');
  });

  test('the real helper exits cleanly when its extension host disconnects while it is still reporting', async () => {
    for (let i = 0; i < 3; i++) await jpeg(path.join(dir, `p${i}.jpg`), 64, 48);
    // The pool's stats arrive after "done": disconnecting then made a send fail with EPIPE,
    // which crashed the helper with an unhandled error instead of the quiet exit.
    // A race: five helpers in turn, each disconnected the moment it reports "done".
    for (let run = 0; run < 5; run++) {
      const child = fork(REAL, ['2'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, FT_HELPER_IDLE_MS: '5000' } });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('message', (m: { type: string }) => {
        if (m.type === 'ready') child.send({ type: 'run', id: 1, folder: dir, settings: parseSettings({}), force: true, skip: [] });
        if (m.type === 'done') child.disconnect();
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(stderr, '', `run ${run + 1}: nothing on stderr`);
      assert.equal(code, 0);
    }
  });

  test('dispose stops the helper process', async () => {
    images('a.jpg');
    const h = make();
    await job(h);
    const pid = h.pid!;
    h.dispose();
    assert.equal(await exitsWithin(pid, 2000), true);
  });
});

suite('helper process: the real helper (src/helper/index.ts) runs the engine', () => {
  test('makes the thumbnails of a folder, then exits by itself when idle', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ft-real-helper-'));
    try {
      await jpeg(path.join(dir, 'a.jpg'), 640, 480);
      await jpeg(path.join(dir, 'sub', 'b.jpg'), 640, 480);
      const h = new ThumbnailHelper({
        helperFile: REAL,
        size: () => 1,
        logger: nullLogger,
        env: { FT_HELPER_IDLE_MS: '300' },
      });
      const s = await h.run({ folder: dir, settings: parseSettings({ sizes: ['64x64'] }), force: false });
      assert.deepEqual([s.images, s.thumbnails, s.failed.length], [2, 2, 0]);
      assert.equal((await dims(path.join(dir, 'sub', 'thumbnails', '64x64', 'b.jpg'))).width, 64);
      const pid = h.pid;
      assert.ok(pid !== undefined);
      const deadline = Date.now() + 10_000;
      while (h.pid !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(h.pid, undefined, 'the idle helper exited');
      assert.throws(() => process.kill(pid, 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Linux: every thread of the helper (main, workers, libvips\') runs below normal priority during a job, in a session whose autogroup is lowered too', async function () {
    if (process.platform !== 'linux') this.skip();
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ft-nice-helper-'));
    try {
      for (let i = 0; i < 8; i++) await jpeg(path.join(dir, `p${i}.jpg`), 1600, 1200);
      const h = new ThumbnailHelper({ helperFile: REAL, size: () => 2, logger: nullLogger, env: { FT_HELPER_IDLE_MS: '300' } });
      let during: ThreadInfo[] = [];
      let autogroup = '';
      // Read while the job runs: the workers and the threads sharp started in them are alive.
      await h.run({
        folder: dir,
        settings: parseSettings({ sizes: ['256x256'] }),
        force: false,
        onProgress: (p) => {
          if (p.done >= 1 && during.length === 0 && h.pid !== undefined) {
            during = threadsOf(h.pid);
            autogroup = readAutogroup(h.pid);
          }
        },
      });
      assert.ok(during.some((t) => t.comm.startsWith('libvips')), `libvips' threads exist: ${during.map((t) => t.comm).join(', ')}`);
      assert.deepEqual(during.filter((t) => t.nice < 10), [], 'every thread at nice 10 or more');
      const ours = readAutogroup(process.pid);
      if (ours !== '') {
        assert.notEqual(autogroup.split(' ')[0], ours.split(' ')[0], 'the helper has an autogroup of its own');
        assert.match(autogroup, / nice 10$/);
      }
      h.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an image that crashes the real decoder every time: CRASHED_DECODER once, every other image made', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ft-crash-helper-'));
    try {
      for (const name of ['a', 'b', 'crash-always', 'd', 'e', 'f']) await jpeg(path.join(dir, `${name}.jpg`), 640, 480);
      const h = new ThumbnailHelper({ helperFile: path.resolve(__dirname, '../../fixtures/helpers/crashingHelper.js'), size: () => 2, logger: nullLogger });
      const s = await h.run({ folder: dir, settings: parseSettings({ sizes: ['64x64'] }), force: false });
      assert.deepEqual(s.failed.map((f) => [path.basename(f.file), f.code]), [['crash-always.jpg', 'CRASHED_DECODER']]);
      assert.match(s.failed[0].message, /\(SIGSEGV\)/);
      // An image finished just before a crash whose word was lost is up to date when retried.
      assert.equal(s.images + s.skipped, 5);
      assert.ok(h.starts <= 3, `${h.starts} helpers started`);
      h.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
