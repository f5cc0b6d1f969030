import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createThumbnailPool, runJob, type JobProgress, type ThumbnailPool } from '../../../src/core/engine';
import { parseSettings, type RawSettings } from '../../../src/core/settings';
import type { RenderResult, RenderTask } from '../../../src/core/task';
import { bomb, dims, fifo, jpeg, listTree, nativeHelpersFolder, sharp, tempFiles, tempFolder, WORKER_FILE } from './fixtures';

const SMALL: RawSettings = { sizes: ['128x128', '64x64', '32x32'] };

/**
 * Records every file the engine opens while it is installed. The engine's open() calls go
 * through node:fs/promises (the headers it reads to schedule); required, not imported, so the spy
 * replaces the very export the engine calls.
 */
function spyOnOpens(): { opened: string[]; restore: () => void } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fsp = require('node:fs/promises') as typeof import('node:fs/promises');
  const realOpen = fsp.open;
  const opened: string[] = [];
  fsp.open = ((file: string, ...rest: unknown[]) => (opened.push(String(file)), (realOpen as (...a: unknown[]) => unknown)(file, ...rest))) as typeof fsp.open;
  return { opened, restore: () => (fsp.open = realOpen) };
}

function thumbs(dir: string): string[] {
  return listTree(dir).filter((p) => /(^|\/)thumbnails\/\d+x\d+\/[^/]+$/.test(p));
}

suite('engine: runJob through the pool', function () {
  let pool: ThumbnailPool;
  let dir: string;
  let cleanup: () => void;
  suiteSetup(() => {
    // With the TurboJPEG fast path, as the bundles have it beside their worker (off Linux/glibc
    // there is none, and the workers use sharp alone).
    const native = nativeHelpersFolder();
    pool = createThumbnailPool({ workerFile: WORKER_FILE, size: 2, turbojpeg: native && path.join(native, 'turbojpeg.node') });
  });
  suiteTeardown(() => pool.close());
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => {
    assert.deepEqual(tempFiles(dir), [], 'no temp file may be left');
    cleanup();
  });

  test('makes every size for every image, in subfolders, and reports progress', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'sub', 'b.JPEG'), 200, 300);
    await jpeg(path.join(dir, 'sub', 'deeper', 'c.jpg'), 90, 30);
    const progress: JobProgress[] = [];
    const summary = await runJob(pool, { folder: dir, settings: parseSettings(SMALL), onProgress: (p) => progress.push(p) });
    assert.equal(summary.folder, dir);
    assert.equal(summary.images, 3);
    assert.equal(summary.thumbnails, 9);
    assert.equal(summary.skipped, 0);
    assert.deepEqual(summary.failed, []);
    assert.equal(summary.cancelled, false);
    assert.deepEqual(thumbs(dir), [
      'sub/deeper/thumbnails/128x128/c.jpg',
      'sub/deeper/thumbnails/32x32/c.jpg',
      'sub/deeper/thumbnails/64x64/c.jpg',
      'sub/thumbnails/128x128/b.JPEG',
      'sub/thumbnails/32x32/b.JPEG',
      'sub/thumbnails/64x64/b.JPEG',
      'thumbnails/128x128/a.jpg',
      'thumbnails/32x32/a.jpg',
      'thumbnails/64x64/a.jpg',
    ]);
    assert.deepEqual(await dims(path.join(dir, 'sub/thumbnails/64x64/b.JPEG')).then((d) => [d.width, d.height]), [43, 64]);
    const last = progress[progress.length - 1];
    assert.deepEqual({ ...last, lastFile: undefined }, {
      found: 3, scanDone: true, done: 3, made: 3, skipped: 0, failed: 0, thumbnails: 9, lastFile: undefined,
    });
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].done >= progress[i - 1].done);
  });

  test('up to date is skipped with no rewrite; changed source, quality, sizes and force remake', async () => {
    const a = await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'b.jpg'), 300, 200);
    const settings = parseSettings(SMALL);
    assert.equal((await runJob(pool, { folder: dir, settings })).images, 2);
    const thumbA = path.join(dir, 'thumbnails/64x64/a.jpg');
    const inode = statSync(thumbA).ino;

    let s = await runJob(pool, { folder: dir, settings });
    assert.deepEqual([s.images, s.thumbnails, s.skipped], [0, 0, 2]);
    assert.equal(statSync(thumbA).ino, inode, 'an up-to-date thumbnail is not rewritten');

    // The source changes (newer mtime): only it is remade.
    const t = statSync(a).mtimeMs / 1000 + 10;
    utimesSync(a, t, t);
    s = await runJob(pool, { folder: dir, settings });
    assert.deepEqual([s.images, s.thumbnails, s.skipped], [1, 3, 1]);
    assert.notEqual(statSync(thumbA).ino, inode);

    // Different quality: everything is remade.
    s = await runJob(pool, { folder: dir, settings: parseSettings({ ...SMALL, quality: 80 }) });
    assert.deepEqual([s.images, s.thumbnails, s.skipped], [2, 6, 0]);

    // One more size: only the missing thumbnails are made.
    s = await runJob(pool, { folder: dir, settings: parseSettings({ sizes: [...(SMALL.sizes as string[]), '16x16'], quality: 80 }) });
    assert.deepEqual([s.images, s.thumbnails, s.skipped], [2, 2, 0]);

    // force, and skipUpToDate: false, remake everything.
    s = await runJob(pool, { folder: dir, settings: parseSettings({ ...SMALL, quality: 80 }), force: true });
    assert.deepEqual([s.images, s.thumbnails, s.skipped], [2, 6, 0]);
    s = await runJob(pool, { folder: dir, settings: parseSettings({ ...SMALL, quality: 80, skipUpToDate: false }) });
    assert.deepEqual([s.images, s.thumbnails, s.skipped], [2, 6, 0]);
  });

  test('a second run over an unchanged folder only lists and stats: no file opened, no task run', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'sub', 'b.jpg'), 200, 300);
    const settings = parseSettings(SMALL);
    let tasks = 0;
    const counting = { waitForRoom: pool.waitForRoom.bind(pool), run: (t: RenderTask) => (tasks++, pool.run(t)), get stats() { return pool.stats; } };
    assert.equal((await runJob(counting, { folder: dir, settings })).images, 2);
    assert.equal(tasks, 2);
    const { opened, restore } = spyOnOpens();
    try {
      const s = await runJob(counting, { folder: dir, settings });
      assert.deepEqual([s.images, s.skipped], [0, 2]);
      assert.deepEqual(opened, [], 'no file is opened when everything is up to date');
      assert.equal(tasks, 2, 'no task is sent');
      // The spy sees the opens when there is work: the check above can fail.
      await runJob(counting, { folder: dir, settings, force: true });
      assert.equal(opened.length, 2);
    } finally {
      restore();
    }
  });

  test('streams: with 400 files and stalled workers, only a bounded window is planned and sent', async () => {
    // Real JPEGs: a file that is not one is reported while planning and never sent.
    const bytes = readFileSync(await jpeg(path.join(dir, 'f0.jpg'), 8, 8));
    for (let i = 1; i < 400; i++) writeFileSync(path.join(dir, `f${i}.jpg`), bytes);
    const held: Array<() => void> = [];
    const stalled = {
      waitForRoom: async () => undefined,
      run: (_t: RenderTask) => new Promise<RenderResult>((resolve) => held.push(() => resolve({ ok: false, code: 'CANCELLED', message: 'stopped' }))),
      stats: { ...pool.stats, size: 2 },
    };
    const { opened, restore } = spyOnOpens();
    const stop = new AbortController();
    try {
      const job = runJob(stalled, { folder: dir, settings: parseSettings(SMALL), signal: stop.signal });
      await new Promise((r) => setTimeout(r, 300));
      // Each planned image had its header read once: the plan ran ahead by a window, not the folder.
      assert.ok(opened.length > 0 && opened.length <= 48, `${opened.length} of 400 files planned while no task finished`);
      assert.equal(held.length, 3, 'one task per lane (2 workers + 1)');
      stop.abort();
      for (const release of held) release();
      assert.equal((await job).cancelled, true);
    } finally {
      restore();
    }
  });

  test('outputs are never scanned as inputs, even on forced reruns', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'x', 'b.jpg'), 300, 200);
    const settings = parseSettings(SMALL);
    for (let run = 0; run < 3; run++) {
      const s = await runJob(pool, { folder: dir, settings, force: true });
      assert.equal(s.images, 2);
    }
    assert.equal(thumbs(dir).length, 6);
    assert.ok(!listTree(dir).some((p) => /thumbnails\/.*thumbnails/.test(p)));
  });

  test('each bad input is a per-file result with a stable code; the good ones still succeed', async () => {
    await jpeg(path.join(dir, 'good.jpg'), 300, 200);
    writeFileSync(path.join(dir, 'empty.jpg'), '');
    const full = readFileSync(await jpeg(path.join(dir, 'tmp-full.jpeg'), 400, 300, { quality: 95 }));
    writeFileSync(path.join(dir, 'truncated.jpg'), full.subarray(0, full.length >> 1));
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toFile(path.join(dir, 'png.jpg'));
    writeFileSync(path.join(dir, 'text.jpg'), 'not an image\n');
    await bomb(path.join(dir, 'bomb.jpg'), 30000, 30000);
    fifo(path.join(dir, 'pipe.jpg'));
    symlinkSync(path.join(dir, 'no-such-file.jpg'), path.join(dir, 'vanished.jpg'));
    // An output folder that cannot be made: a file sits where "thumbnails" must go.
    await jpeg(path.join(dir, 'blocked', 'c.jpg'), 100, 100);
    writeFileSync(path.join(dir, 'blocked', 'thumbnails'), 'file');

    const s = await runJob(pool, { folder: dir, settings: parseSettings(SMALL) });
    const byName = Object.fromEntries(s.failed.map((f) => [path.relative(dir, f.file), f]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, v.code])),
      {
        'empty.jpg': 'EMPTY_FILE',
        'truncated.jpg': 'CORRUPT_JPEG',
        'png.jpg': 'NOT_JPEG',
        'text.jpg': 'NOT_JPEG',
        'bomb.jpg': 'TOO_MANY_PIXELS',
        'pipe.jpg': 'UNREADABLE',
        'vanished.jpg': 'VANISHED',
        'blocked/c.jpg': 'OUTPUT_NOT_WRITABLE',
      },
    );
    for (const f of s.failed) {
      assert.ok(path.isAbsolute(f.file));
      // Hosts log the message as it is: it must name the file first.
      assert.ok(f.message.startsWith(`${f.file}: `), f.message);
    }
    assert.equal(s.images, 2); // good.jpg and tmp-full.jpeg
    assert.equal(s.cancelled, false);
  });

  test('a worker crash fails that image only (WORKER_CRASHED) and cleans its temp file', async () => {
    const crashPool = createThumbnailPool({ workerFile: path.join(__dirname, 'crashWorker.js'), size: 1 });
    try {
      await jpeg(path.join(dir, 'a.jpg'), 200, 100);
      await jpeg(path.join(dir, 'crash-me.jpg'), 200, 100);
      await jpeg(path.join(dir, 'z.jpg'), 200, 100);
      const s = await runJob(crashPool, { folder: dir, settings: parseSettings(SMALL) });
      assert.equal(s.images, 2);
      assert.equal(s.failed.length, 1);
      assert.equal(s.failed[0].code, 'WORKER_CRASHED');
      assert.equal(s.failed[0].file, path.join(dir, 'crash-me.jpg'));
      assert.match(s.failed[0].message, /crash-me\.jpg: the render worker failed/);
    } finally {
      await crashPool.close();
    }
  });

  test('cancellation stops promptly, keeps finished thumbnails whole, leaves no temp file', async () => {
    const n = 24;
    for (let i = 0; i < n; i++) await jpeg(path.join(dir, `img${String(i).padStart(2, '0')}.jpg`), 320, 240);
    const controller = new AbortController();
    const s = await runJob(pool, {
      folder: dir,
      settings: parseSettings(SMALL),
      signal: controller.signal,
      onProgress: (p) => {
        if (p.made >= 2) controller.abort();
      },
    });
    assert.equal(s.cancelled, true);
    assert.ok(s.images >= 2 && s.images < n, `made ${s.images} of ${n}`);
    // Everything that exists is a complete JPEG (decodes to the end).
    const made = thumbs(dir);
    assert.ok(made.length >= s.thumbnails);
    for (const t of made) await sharp(path.join(dir, t), { failOn: 'truncated' }).raw().toBuffer();
  });

  test('an already-aborted signal does nothing and says cancelled', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 100, 100);
    const s = await runJob(pool, { folder: dir, settings: parseSettings(SMALL), signal: AbortSignal.abort() });
    assert.deepEqual([s.cancelled, s.images, s.thumbnails], [true, 0, 0]);
    assert.deepEqual(thumbs(dir), []);
  });

  test('two jobs share one pool', async () => {
    for (const sub of ['one', 'two']) for (let i = 0; i < 4; i++) await jpeg(path.join(dir, sub, `${i}.jpg`), 200, 150);
    const settings = parseSettings(SMALL);
    const [a, b] = await Promise.all([
      runJob(pool, { folder: path.join(dir, 'one'), settings }),
      runJob(pool, { folder: path.join(dir, 'two'), settings }),
    ]);
    assert.deepEqual([a.images, b.images], [4, 4]);
  });

  test('a pool that grows mid-job is used at once: more images in flight', async () => {
    // Long enough (~2 s on one worker) that the new workers are ready well before the end, even
    // on a loaded machine where starting one takes a few hundred ms.
    const first = await jpeg(path.join(dir, '0.jpg'), 2400, 1800);
    for (let i = 1; i < 24; i++) copyFileSync(first, path.join(dir, `${i}.jpg`));
    const small = createThumbnailPool({ workerFile: WORKER_FILE, size: 1 });
    try {
      let mostRunning = 0;
      small.onDidChangeStats((s) => (mostRunning = Math.max(mostRunning, s.running)));
      let grown = false;
      const summary = await runJob(small, {
        folder: dir,
        settings: parseSettings(SMALL),
        onProgress: (p) => {
          if (p.done >= 1 && !grown) {
            grown = true;
            small.resize(3);
          }
        },
      });
      assert.equal(summary.images, 24);
      // One worker and one extra lane before; three workers need four lanes to be kept busy.
      assert.equal(mostRunning, 3);
    } finally {
      await small.destroy();
    }
  });

  test('the workers decode plain JPEGs with turbojpeg.node where it loads, with sharp where not', async function () {
    if (!nativeHelpersFolder()) this.skip(); // not built off Linux/glibc
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    await jpeg(path.join(dir, 'p.jpg'), 300, 200, { progressive: true });
    const decoders = async (p: ThumbnailPool): Promise<string[]> => {
      const seen: string[] = [];
      const run = async (t: RenderTask): Promise<RenderResult> => {
        const r = await p.run(t);
        seen.push(`${path.basename(t.source)} ${r.ok ? r.decoder : r.code}`);
        return r;
      };
      const summary = await runJob({ waitForRoom: p.waitForRoom.bind(p), run, get stats() { return p.stats; } }, { folder: dir, settings: parseSettings(SMALL), force: true });
      return [...seen.sort(), `summary: ${summary.fastDecodes} of ${summary.images} through libjpeg-turbo`];
    };
    assert.deepEqual(await decoders(pool), ['a.jpg turbojpeg', 'p.jpg sharp', 'summary: 1 of 2 through libjpeg-turbo']);
    const without = createThumbnailPool({ workerFile: WORKER_FILE, size: 1, turbojpeg: path.join(dir, 'none.node') });
    try {
      assert.deepEqual(await decoders(without), ['a.jpg sharp', 'p.jpg sharp', 'summary: 0 of 2 through libjpeg-turbo']);
    } finally {
      await without.destroy();
    }
  });

  test('a folder that does not exist rejects the job', async () => {
    mkdirSync(path.join(dir, 'x'));
    await assert.rejects(runJob(pool, { folder: path.join(dir, 'missing'), settings: parseSettings(SMALL) }), {
      code: 'ENOENT',
    });
  });
});
