/**
 * Hostile folders and files (issue 12): planted links, full disks and short writes, decodes that
 * would take gigabytes, data that ends before the picture does, out-of-range scan headers,
 * signals, stale temp files, long and non-UTF-8 names. Each test fails without its fix.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createThumbnailPool, runJob, type JobSummary, type ThumbnailPool } from '../../../src/core/engine';
import { parseSettings } from '../../../src/core/settings';
import { tempName } from '../../../src/core/tempFiles';
import { DEFAULT_MAX_DECODE_MB } from '../../../src/core/decodeMemory';
import { InvalidScanError, trimProgressiveScans } from '../../../src/worker/progressive';
import { OutputFolders, writeAll } from '../../../src/worker/output';
import { manyScans, oneScanPerComponent } from './hostileJpegs';
import { removeStaleTemps } from '../../../src/core/tempFiles';
import { bomb, dims, jpeg, listTree, nativeHelpersFolder, outputRoot, sharp, tempFiles, tempFolder, wasmFile, WORKER_FILE } from './fixtures';

const CLI = path.resolve(__dirname, '../../../src/cli.js');
const JOB_CHILD = path.join(__dirname, 'jobChild.js');
/** The fuzz harness's preload that records a process's peak RSS (test/fuzz/peakRss.ts). */
const PEAK_RSS = path.resolve(__dirname, '../../fuzz/peakRss.js');
const SIZES = ['64x64', '32x32'];
const isRoot = process.getuid?.() === 0;
const NONE = '/nonexistent/turbojpeg';

/**
 * Every encoder: sharp's; libjpeg-turbo's, native (src/native/turbojpeg.c) and as WebAssembly
 * (src/wasm), where they are built. `helpers` gives the workers the one to use, or undefined
 * when it is not built here (the test is skipped).
 */
const ENCODERS: Array<{ name: string; helpers: () => { turbojpeg: string; wasm: string } | undefined }> = [
  { name: 'sharp', helpers: () => ({ turbojpeg: `${NONE}.node`, wasm: `${NONE}.wasm` }) },
  {
    name: 'TurboJPEG',
    helpers: () => {
      const native = nativeHelpersFolder();
      return native ? { turbojpeg: path.join(native, 'turbojpeg.node'), wasm: `${NONE}.wasm` } : undefined;
    },
  },
  {
    name: 'WebAssembly',
    helpers: () => {
      const wasm = wasmFile();
      return wasm ? { turbojpeg: `${NONE}.node`, wasm } : undefined;
    },
  },
];

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function cliJson(folder: string, ...extra: string[]): Promise<{ code: number | null; out: JobSummary }> {
  const r = await run(process.execPath, [CLI, folder, '--json', '--sizes', SIZES.join(','), ...extra]);
  assert.ok(r.stdout.trim().startsWith('{'), `CLI printed no summary (exit ${r.code}): ${r.stderr}`);
  return { code: r.code, out: JSON.parse(r.stdout) as JobSummary };
}

/** Every file below `dir` that decodes as a whole JPEG. */
async function assertThumbnailsWhole(dir: string): Promise<number> {
  const thumbs = listTree(dir).filter((p) => /thumbnails\/\d+x\d+\/[^/.][^/]*$/.test(p));
  for (const t of thumbs) await sharp(path.join(dir, t), { failOn: 'warning' }).raw().toBuffer();
  return thumbs.length;
}

suite('safety: planted symbolic links are never written through', () => {
  let pool: ThumbnailPool;
  let dir: string;
  let cleanup: () => void;
  let photos: string;
  let elsewhere: string;
  suiteSetup(() => (pool = createThumbnailPool({ workerFile: WORKER_FILE, size: 2 })));
  suiteTeardown(() => pool.close());
  setup(async () => {
    ({ dir, cleanup } = tempFolder());
    photos = path.join(dir, 'photos');
    elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    // A user's file that a planted link would overwrite: same name as a thumbnail.
    mkdirSync(path.join(elsewhere, '32x32'));
    writeFileSync(path.join(elsewhere, '32x32', 'a.jpg'), 'precious');
    await jpeg(path.join(photos, 'a.jpg'), 300, 200);
    await jpeg(path.join(photos, 'sub', 'b.jpg'), 300, 200);
    await jpeg(path.join(photos, 'other', 'c.jpg'), 300, 200);
  });
  teardown(() => {
    assert.deepEqual(tempFiles(dir), [], 'no temp file may be left');
    assert.deepEqual(listTree(elsewhere), ['32x32/', '32x32/a.jpg'], 'nothing created outside the chosen folder');
    assert.equal(readFileSync(path.join(elsewhere, '32x32', 'a.jpg'), 'utf8'), 'precious');
    cleanup();
  });

  const LEVELS: Array<{ level: string; plant: () => string; refused: string[] }> = [
    { level: '<folder>/thumbnails', plant: () => link(elsewhere, path.join(photos, 'thumbnails')), refused: ['a.jpg'] },
    {
      level: '<folder>/thumbnails/32x32',
      plant: () => (mkdirSync(path.join(photos, 'thumbnails')), link(path.join(elsewhere, '32x32'), path.join(photos, 'thumbnails', '32x32'))),
      refused: ['a.jpg'],
    },
    { level: '<folder>/sub/thumbnails', plant: () => link(elsewhere, path.join(photos, 'sub', 'thumbnails')), refused: ['sub/b.jpg'] },
  ];

  for (const { level, plant, refused } of LEVELS) {
    for (const host of ['engine', 'CLI'] as const) {
      test(`${level} is a link: OUTPUT_IS_LINK naming it, the other images made (${host})`, async () => {
        const linkPath = plant();
        const s = host === 'engine' ? await runJob(pool, { folder: photos, settings: parseSettings({ sizes: SIZES }) }) : (await cliJson(photos)).out;
        assert.deepEqual(s.failed.map((f) => [path.relative(photos, f.file), f.code]), refused.map((r) => [r, 'OUTPUT_IS_LINK']));
        assert.match(s.failed[0].message, new RegExp(`thumbnail folder ${escape(linkPath)} is a symbolic link \\(to ${escape(readlinkTarget(linkPath))}\\)`));
        assert.equal(s.images, 3 - refused.length);
        // Sizes written before the refused one stay (whole, as after any failure).
        assert.ok((await assertThumbnailsWhole(photos)) >= s.thumbnails);
      });
    }
  }

  test('a chosen folder reached through a link, and source images that are links, work as before', async () => {
    const viaLink = link(photos, path.join(dir, 'photos-link'));
    symlinkSync(path.join(photos, 'other', 'c.jpg'), path.join(photos, 'linked.jpg'));
    const s = await runJob(pool, { folder: viaLink, settings: parseSettings({ sizes: SIZES }) });
    assert.deepEqual(s.failed, []);
    assert.equal(s.images, 4);
    assert.ok(existsSync(path.join(photos, 'thumbnails', '64x64', 'linked.jpg')));
  });

  test('a link swapped in while a thumbnail is written: refused before the rename, its temp removed', () => {
    const size = path.join(photos, 'thumbnails', '32x32');
    mkdirSync(size, { recursive: true });
    const folders = new OutputFolders(path.join(photos, 'a.jpg'), outputRoot(photos));
    const dest = path.join(size, 'a.jpg');
    const out = { width: 32, height: 32, dest, temp: path.join(size, tempName('test', 1)) };
    assert.throws(
      () =>
        folders.write(
          out,
          (fd) => {
            writeAll(fd, Buffer.from('jpeg bytes'));
            // The swap: the real size folder moves aside and a link to elsewhere takes its place.
            renameSync(size, `${size}-moved`);
            link(path.join(elsewhere, '32x32'), size);
          },
          1,
        ),
      (e: Error & { code?: string }) => e.code === 'OUTPUT_IS_LINK' && e.message.includes(`${size} is a symbolic link`),
    );
    assert.deepEqual(readdirSync(`${size}-moved`), [], 'the temp in the moved folder is removed too');
  });
});

suite('safety: links swapped in between the sizes of one image, or after the scan', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('every size re-checks every level: a link swapped in after the first size creates nothing outside', () => {
    const photos = path.join(dir, 'photos');
    const elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(path.join(photos, 'sub'), { recursive: true });
    mkdirSync(elsewhere);
    const folders = new OutputFolders(path.join(photos, 'sub', 'a.jpg'), outputRoot(photos));
    const out = (box: string) => {
      const dest = path.join(photos, 'sub', 'thumbnails', box, 'a.jpg');
      return { width: 1, height: 1, dest, temp: path.join(path.dirname(dest), tempName('test', 1)) };
    };
    folders.write(out('64x64'), (fd) => writeAll(fd, Buffer.from('first size')), 1);
    renameSync(path.join(photos, 'sub', 'thumbnails'), path.join(photos, 'sub', 'moved'));
    link(elsewhere, path.join(photos, 'sub', 'thumbnails'));
    assert.throws(() => folders.write(out('32x32'), (fd) => writeAll(fd, Buffer.from('second')), 1), (e: Error & { code?: string }) => e.code === 'OUTPUT_IS_LINK');
    assert.deepEqual(readdirSync(elsewhere), [], 'no size folder made through the link');
  });

  test('the stale-temp sweep never deletes through an output folder that is a link by then', async () => {
    const photos = path.join(dir, 'photos');
    const outside = path.join(dir, 'outside', '64x64');
    mkdirSync(outside, { recursive: true });
    mkdirSync(photos);
    const victim = path.join(outside, tempName(`${(4194304 + 17).toString(36)}-abcdef`, 1));
    writeFileSync(victim, 'looks like our temp, but lives outside');
    link(path.dirname(outside), path.join(photos, 'thumbnails'));
    assert.equal(await removeStaleTemps(path.join(photos, 'thumbnails'), outputRoot(photos)), 0);
    assert.ok(existsSync(victim));
    // The same file inside the chosen folder is removed: the check above can fail.
    rmSync(path.join(photos, 'thumbnails'));
    mkdirSync(path.join(photos, 'thumbnails', '64x64'), { recursive: true });
    const inside = path.join(photos, 'thumbnails', '64x64', path.basename(victim));
    writeFileSync(inside, 'stale');
    assert.equal(await removeStaleTemps(path.join(photos, 'thumbnails'), outputRoot(photos)), 1);
    assert.ok(!existsSync(inside));
  });
});

suite('safety: a full disk or a short write leaves no cut-off thumbnail', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('writeAll: a write that takes nothing is ENOSPC (/dev/full)', function () {
    if (!existsSync('/dev/full')) this.skip();
    const fd = require('node:fs').openSync('/dev/full', 'w') as number;
    try {
      assert.throws(() => writeAll(fd, Buffer.alloc(10)), (e: NodeJS.ErrnoException) => e.code === 'ENOSPC');
    } finally {
      require('node:fs').closeSync(fd);
    }
  });

  for (const encoder of ENCODERS) {
    // RLIMIT_FSIZE makes the kernel cut a write short at the limit, then refuse the next with
    // EFBIG: a real short write, as a nearly full disk gives, without needing root.
    test(`an injected short write (file size limit): the image fails, nothing cut off is kept (${encoder.name})`, async function () {
      if (process.platform === 'win32') this.skip();
      const helpers = encoder.helpers();
      if (!helpers) this.skip();
      await jpeg(path.join(dir, 'big.jpg'), 1600, 1200);
      await jpeg(path.join(dir, 'tiny.jpg'), 40, 30);
      const sizes = '1024x1024,32x32';
      const limited = await run('bash', ['-c', `trap '' XFSZ; ulimit -f 16; exec "$0" "$@"`, process.execPath, JOB_CHILD, dir, sizes, helpers.turbojpeg, helpers.wasm]);
      assert.equal(limited.signal, null, limited.stderr);
      const s = JSON.parse(limited.stdout) as JobSummary;
      assert.deepEqual(s.failed.map((f) => [path.basename(f.file), f.code]), [['big.jpg', 'OUTPUT_NOT_WRITABLE']]);
      assert.equal(s.fastDecodes, encoder.name === 'sharp' ? 0 : 1, 'tiny.jpg went through the codec under test');
      assert.match(s.failed[0].message, /thumbnails\/1024x1024\/big\.jpg cannot be written \(EFBIG\)/);
      assert.deepEqual(tempFiles(dir), []);
      assert.ok(!existsSync(path.join(dir, 'thumbnails', '1024x1024', 'big.jpg')), 'the cut-off 1024 px thumbnail is not kept');
      await assertThumbnailsWhole(dir);
      // Without the limit the next run makes it: nothing broken was stamped as up to date.
      const again = JSON.parse((await run(process.execPath, [JOB_CHILD, dir, sizes])).stdout) as JobSummary;
      assert.deepEqual([again.images, again.skipped, again.failed.length], [1, 1, 0]);
      const made = await dims(path.join(dir, 'thumbnails', '1024x1024', 'big.jpg'));
      assert.deepEqual([made.width, made.height], [1024, 768]);
    });

    test(`a really full disk (tmpfs, as root): NO_SPACE naming the file, no partial file (${encoder.name})`, async function () {
      const helpers = encoder.helpers();
      if (!isRoot || process.platform !== 'linux' || !helpers) this.skip();
      const disk = path.join(dir, 'disk');
      mkdirSync(disk);
      if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', disk]).status !== 0) this.skip();
      mkdirSync(path.join(disk, 'p'));
      try {
        // Noise compresses badly: three of these and their thumbnails do not fit in 512 KB.
        const photos = path.join(disk, 'p');
        for (let i = 0; i < 3; i++) {
          await sharp({ create: { width: 900, height: 600, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
            .jpeg({ quality: 40 })
            .toFile(path.join(photos, `n${i}.jpg`));
        }
        const r = await run(process.execPath, [JOB_CHILD, photos, '1024x1024,512x512,256x256', helpers.turbojpeg, helpers.wasm]);
        assert.equal(r.signal, null, r.stderr);
        const s = JSON.parse(r.stdout) as JobSummary;
        assert.ok(s.failed.length > 0, `the disk filled up: ${JSON.stringify(s)}`);
        for (const f of s.failed) {
          assert.equal(f.code, 'NO_SPACE', f.message);
          assert.match(f.message, /^\S+\/n\d\.jpg: its thumbnail \S+ was not written: the disk is full \(ENOSPC\)$/);
        }
        assert.deepEqual(tempFiles(photos), []);
        await assertThumbnailsWhole(photos);
      } finally {
        spawnSync('umount', [disk]);
      }
    });
  }
});

function link(target: string, at: string): string {
  symlinkSync(target, at);
  return at;
}

function readlinkTarget(at: string): string {
  return require('node:fs').readlinkSync(at) as string;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The offset of the `nth` marker segment (FFxx) that `wanted` accepts, scans' data passed over. */
function findMarker(bytes: Buffer, wanted: (marker: number) => boolean, nth = 1): number {
  let seen = 0;
  for (let i = 2; i + 4 <= bytes.length; ) {
    const marker = bytes[i + 1];
    if (wanted(marker) && ++seen === nth) return i;
    const next = i + 2 + bytes.readUInt16BE(i + 2);
    if (marker !== 0xda) {
      i = next;
      continue;
    }
    // Past the entropy-coded data: the next marker that is not stuffing or a restart.
    let j = next;
    while (j + 1 < bytes.length && !(bytes[j] === 0xff && bytes[j + 1] !== 0 && (bytes[j + 1] < 0xd0 || bytes[j + 1] > 0xd7))) j++;
    i = j;
  }
  throw new Error('marker not found');
}

for (const encoder of ENCODERS) {
  suite(`safety: memory is bounded and missing data is never a success (${encoder.name} workers)`, () => {
    let pool: ThumbnailPool;
    let dir: string;
    let cleanup: () => void;
    suiteSetup(function () {
      const helpers = encoder.helpers();
      if (!helpers) this.skip();
      pool = createThumbnailPool({ workerFile: WORKER_FILE, size: 2, ...helpers });
    });
    suiteTeardown(() => pool?.close());
    setup(() => ({ dir, cleanup } = tempFolder()));
    teardown(() => {
      assert.deepEqual(tempFiles(dir), []);
      cleanup();
    });
    const job = (maxDecodeMB = DEFAULT_MAX_DECODE_MB): Promise<JobSummary> => runJob(pool, { folder: dir, settings: parseSettings({ sizes: SIZES, maxDecodeMB }) });

    test('a 264 KB-class progressive header of 16383x16383 (4:4:4) is TOO_BIG_TO_DECODE, with the megabytes', async () => {
      await bomb(path.join(dir, 'bomb.jpg'), 16383, 16383, { progressive: true, chromaSubsampling: '4:4:4' });
      const started = Date.now();
      const s = await job();
      assert.deepEqual(s.failed.map((f) => f.code), ['TOO_BIG_TO_DECODE']);
      assert.match(s.failed[0].message, /bomb\.jpg: is a progressive JPEG of 16383x16383 \(268 MP\) whose decode needs about 1537 MB at once, over the decode memory limit of 160 MB$/);
      assert.ok(Date.now() - started < 5000, 'refused from the header, not decoded');
    });

    test('the limit is a setting: a 4000x3000 progressive JPEG is made at 160 MB and refused at 32', async () => {
      await jpeg(path.join(dir, 'p.jpg'), 4000, 3000, { progressive: true, quality: 90 });
      assert.deepEqual((await job(32)).failed.map((f) => f.code), ['TOO_BIG_TO_DECODE']);
      const s = await job();
      assert.deepEqual([s.images, s.failed.length], [1, 0]);
    });

    test('a baseline header that promises more pixels than its data holds is CORRUPT_JPEG, not a grey success', async () => {
      await bomb(path.join(dir, 'small-lie.jpg'), 1200, 900);
      await bomb(path.join(dir, 'big-lie.jpg'), 16383, 16383, { chromaSubsampling: '4:4:4' });
      const s = await job();
      assert.equal(s.images, 0);
      assert.deepEqual(s.failed.map((f) => [path.basename(f.file), f.code]).sort(), [['big-lie.jpg', 'CORRUPT_JPEG'], ['small-lie.jpg', 'CORRUPT_JPEG']]);
      for (const f of s.failed) assert.match(f.message, /premature end of data segment/);
    });

    test('a scan that ends early (its data cut, then the end marker) is CORRUPT_JPEG, baseline and progressive', async () => {
      for (const progressive of [false, true]) {
        const whole = readFileSync(await jpeg(path.join(dir, 'whole', `${progressive}.jpg`), 640, 480, { progressive, quality: 90 }));
        const lastScan = findMarker(whole, (m) => m === 0xda, progressive ? 3 : 1);
        const cut = lastScan + Math.floor((whole.length - lastScan) / 2);
        writeFileSync(path.join(dir, `cut-${progressive ? 'progressive' : 'baseline'}.jpg`), Buffer.concat([whole.subarray(0, cut), Buffer.from([0xff, 0xd9])]));
      }
      rmSync(path.join(dir, 'whole'), { recursive: true });
      const s = await job();
      assert.deepEqual(s.failed.map((f) => [path.basename(f.file), f.code]).sort(), [['cut-baseline.jpg', 'CORRUPT_JPEG'], ['cut-progressive.jpg', 'CORRUPT_JPEG']]);
      assert.equal(s.images, 0);
    });

    test('a sequential JPEG sent as one scan per component is bounded like a progressive one', async () => {
      writeFileSync(path.join(dir, 'multi-big.jpg'), oneScanPerComponent(8192, 8192));
      writeFileSync(path.join(dir, 'multi-small.jpg'), oneScanPerComponent(640, 480));
      const s = await job();
      assert.deepEqual(s.failed.map((f) => [path.basename(f.file), f.code]), [['multi-big.jpg', 'TOO_BIG_TO_DECODE']]);
      assert.match(s.failed[0].message, /8192x8192 \(67 MP\) whose decode needs about 384 MB/);
      assert.equal(s.images, 1);
    });

    test('with two workers decoding at once, every cut file fails and every merely odd file is made, run after run', async () => {
      const whole = readFileSync(await jpeg(path.join(dir, 'src', 'w.jpg'), 1600, 1200, { quality: 90 }));
      rmSync(path.join(dir, 'src'), { recursive: true });
      const sos = findMarker(whole, (m) => m === 0xda);
      for (let i = 0; i < 4; i++) {
        writeFileSync(path.join(dir, `cut${i}.jpg`), Buffer.concat([whole.subarray(0, sos + Math.floor((whole.length - sos) * 0.2)), Buffer.from([0xff, 0xd9])]));
        // Junk before the end marker: libjpeg warns of extraneous bytes, the picture is whole.
        writeFileSync(path.join(dir, `odd${i}.jpg`), Buffer.concat([whole.subarray(0, whole.length - 2), Buffer.alloc(10, 0x11), Buffer.from([0xff, 0xd9])]));
      }
      for (let run = 0; run < 4; run++) {
        const s = await runJob(pool, { folder: dir, settings: parseSettings({ sizes: SIZES }), force: true });
        assert.deepEqual(s.failed.map((f) => path.basename(f.file)).sort(), ['cut0.jpg', 'cut1.jpg', 'cut2.jpg', 'cut3.jpg'], `run ${run}`);
        assert.equal(s.images, 4, `run ${run}`);
      }
    });

    test('a progressive scan header with Se > 63 is CORRUPT_JPEG, never WORKER_CRASHED', async () => {
      // Big and fine enough that the decode shrinks 4x and trims refinement scans (progressive.ts).
      const file = readFileSync(await jpeg(path.join(dir, 'src', 'p.jpg'), 4400, 2900, { progressive: true, quality: 92 }));
      rmSync(path.join(dir, 'src'), { recursive: true });
      for (const nth of [6, 8, 10]) {
        const bad = Buffer.from(file);
        const sos = findMarker(bad, (m) => m === 0xda, nth);
        bad[sos + 5 + 2 * bad[sos + 4] + 1] = 200; // Se
        writeFileSync(path.join(dir, `se-${nth}.jpg`), bad);
      }
      const s = await job();
      assert.deepEqual(s.failed.map((f) => f.code), ['CORRUPT_JPEG', 'CORRUPT_JPEG', 'CORRUPT_JPEG']);
      for (const f of s.failed) assert.match(f.message, /Se=200/);
    });
  });
}

suite('safety: the CLI stays under 300 MB on any single file', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('peak RSS of the CLI on a 16383x16383 progressive header, and on a 40 MP one at the limit', async () => {
    await bomb(path.join(dir, 'bomb', 'bomb.jpg'), 16383, 16383, { progressive: true, chromaSubsampling: '4:4:4' });
    // 40 MP of noise at quality 92, 4:2:0: ~115 MB of coefficients plus ~20 MB of file, made.
    mkdirSync(path.join(dir, 'big'));
    await sharp({ create: { width: 7740, height: 5160, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg({ quality: 92, progressive: true })
      .toFile(path.join(dir, 'big', 'big.jpg'));
    for (const [folder, made] of [['bomb', 0], ['big', 1]] as const) {
      const rssFile = path.join(dir, `${folder}.rss`);
      const r = await run(process.execPath, ['--require', PEAK_RSS, CLI, path.join(dir, folder), '--json'], { FT_FUZZ_RSS_FILE: rssFile });
      assert.equal(JSON.parse(r.stdout).images, made, r.stdout);
      const mb = Number(readFileSync(rssFile, 'utf8')) / 2 ** 20;
      assert.ok(mb > 0 && mb < 300, `${folder}: peak RSS ${Math.round(mb)} MB`);
    }
  });
});

suite('safety: out-of-range scan headers are refused by the parser', () => {
  test('trimProgressiveScans throws InvalidScanError for every out-of-range field, and trims the valid file', async () => {
    const file = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .jpeg({ quality: 95, progressive: true })
      .toBuffer();
    assert.ok(trimProgressiveScans(Buffer.from(file), 4), 'the valid file is trimmed');
    // [scan, byte offset after the component list (0 Ss, 1 Se, 2 Ah/Al), value]
    const cases: Array<[number, number, number]> = [[6, 1, 64], [6, 1, 255], [6, 0, 70], [1, 1, 5], [6, 2, 0xf0], [6, 2, 0x0e], [6, 2, 0x31]];
    for (const [nth, offset, value] of cases) {
      const bad = Buffer.from(file);
      const sos = findMarker(bad, (m) => m === 0xda, nth);
      bad[sos + 5 + 2 * bad[sos + 4] + offset] = value;
      assert.throws(() => trimProgressiveScans(bad, 4), InvalidScanError, `scan ${nth} byte ${offset} = ${value}`);
    }
  });
});

suite('safety: a progressive file with a huge number of scans', () => {
  test('is not trimmed (the trim is quadratic in scans): left to the decoder, which refuses it', () => {
    const started = Date.now();
    assert.equal(trimProgressiveScans(manyScans(20000), 8), null);
    assert.ok(Date.now() - started < 1000, `${Date.now() - started} ms`);
    assert.equal(trimProgressiveScans(manyScans(200), 8)?.droppedScans, 200, 'a few hundred scans are still trimmed');
  });
});

suite('safety: signals, stale temp files, names', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  for (const [signal, exit] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    test(`${signal} ends the CLI like Ctrl+C: exit ${exit}, finished thumbnails whole, no temp file`, async function () {
      if (process.platform === 'win32') this.skip();
      for (let i = 0; i < 30; i++) await jpeg(path.join(dir, `p${String(i).padStart(2, '0')}.jpg`), 2400, 1600);
      const child = spawn(process.execPath, [CLI, dir, '--json', '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const first = path.join(dir, 'thumbnails', '32x32');
      while (!existsSync(first) || readdirSync(first).filter((n) => !n.startsWith('.')).length === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill(signal);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, exit);
      const s = JSON.parse(stdout) as JobSummary;
      assert.equal(s.cancelled, true);
      assert.ok(s.images < 30);
      assert.deepEqual(tempFiles(dir), []);
      await assertThumbnailsWhole(dir);
    });
  }

  test('a temp file a killed process left is removed by the next run; a live one is kept', async () => {
    await jpeg(path.join(dir, 'a.jpg'), 300, 200);
    const size = path.join(dir, 'thumbnails', '64x64');
    mkdirSync(size, { recursive: true });
    // A pid that is not running: the kernel's pid_max is at most 2^22.
    const dead = path.join(size, tempName(`${(4194304 + 17).toString(36)}-abcdef`, 3));
    const live = path.join(size, tempName(`${process.pid.toString(36)}-abcdef`, 4));
    const mine = path.join(size, 'my-notes.tmp');
    for (const f of [dead, live, mine]) writeFileSync(f, 'partial');
    const { code, out } = await cliJson(dir);
    assert.equal(code, 0);
    assert.equal(out.images, 1);
    assert.ok(!existsSync(dead), 'the dead process’s temp is gone');
    assert.ok(existsSync(live), 'a running process’s temp is kept');
    assert.ok(existsSync(mine), 'a file that is not ours is kept');
  });

  test('a source name of 250 bytes gets its thumbnails (temp names stay short)', async () => {
    const name = `${'n'.repeat(246)}.jpg`;
    await jpeg(path.join(dir, name), 300, 200);
    const { code, out } = await cliJson(dir);
    assert.equal(code, 0, JSON.stringify(out.failed));
    assert.ok(existsSync(path.join(dir, 'thumbnails', '32x32', name)));
  });

  test('a folder whose name is not valid UTF-8 is reported, not skipped in silence', async function () {
    if (process.platform !== 'linux') this.skip();
    const good = await jpeg(path.join(dir, 'good.jpg'), 300, 200);
    const folder = Buffer.concat([Buffer.from(dir), Buffer.from('/photos-caf'), Buffer.from([0xe9])]);
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from('/a.jpg')]), readFileSync(good));
    const { code, out } = await cliJson(dir);
    assert.equal(code, 1);
    assert.deepEqual(out.failed.map((f) => [path.basename(f.file), f.code]), [['photos-caf\uFFFD', 'UNREADABLE']]);
    assert.match(out.failed[0].message, /folder's name is not valid UTF-8/);
  });

  test('a name that is not valid UTF-8 is reported as such, not as deleted', async function () {
    if (process.platform !== 'linux') this.skip(); // macOS and Windows refuse such names
    const good = await jpeg(path.join(dir, 'good.jpg'), 300, 200);
    const name = Buffer.concat([Buffer.from(dir), Buffer.from('/caf'), Buffer.from([0xe9]), Buffer.from('.jpg')]);
    writeFileSync(name, readFileSync(good));
    const { code, out } = await cliJson(dir);
    assert.equal(code, 1);
    assert.equal(out.images, 1);
    assert.deepEqual(out.failed.map((f) => f.code), ['UNREADABLE']);
    assert.match(out.failed[0].message, /caf\uFFFD\.jpg: its name is not valid UTF-8/);
  });
});
