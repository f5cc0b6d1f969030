// Platforms tier (npm run test:platforms): the engine from inside the linux-arm64 VSIX under
// qemu-user with Node for arm64, and from inside the win32-x64 VSIX under Wine with Node for
// Windows, over a folder of sample photos: once through the CLI (dist/cli.js, the worker pool)
// and once through the helper process (dist/helper.js, forked by the extension host's own client
// under that platform's Node: driveHelper.ts). Every thumbnail is checked on this machine against
// what the engine here makes of the same photos. The tools come from scripts/platformTools.sh.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readZip } from '../../scripts/vsixCheck.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const SIZES = '512x512,256x256,64x64';
const env = (key) => process.env[key] ?? assert.fail(`${key} is unset: run through npm run test:platforms (scripts/platformTools.sh sets it)`);

/** How each platform's Node runs here, and how it spells this machine's paths. */
const PLATFORMS = {
  'linux-arm64': {
    how: 'qemu-user',
    command: (args) => [env('FT_QEMU_AARCH64'), ['-L', env('FT_ARM64_SYSROOT'), env('FT_NODE_ARM64'), ...args]],
    path: (p) => p,
    env: () => ({}),
  },
  'win32-x64': {
    how: 'Wine',
    command: (args) => [env('FT_WINE'), [env('FT_NODE_WIN'), ...args]],
    path: (p) => `Z:${p.replace(/\//g, '\\')}`,
    env: () => ({ WINEPREFIX: env('FT_WINEPREFIX'), WINEDEBUG: '-all' }),
  },
};

/** Photos of the kinds the engine treats differently, and one broken file. */
async function makePhotos(dir) {
  fs.mkdirSync(path.join(dir, 'holiday'), { recursive: true });
  const noisy = (width, height, mean) => sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean, sigma: 40 } } });
  await noisy(1600, 1200, 120).blur(2).jpeg({ quality: 90 }).toFile(path.join(dir, 'landscape.jpg'));
  await noisy(1200, 900, 90).blur(3).withMetadata({ orientation: 6 }).jpeg({ quality: 85 }).toFile(path.join(dir, 'rotated.jpg'));
  await noisy(2000, 1000, 150).blur(2).jpeg({ quality: 95, progressive: true }).toFile(path.join(dir, 'progressive.jpg'));
  await noisy(800, 800, 100).blur(1).greyscale().jpeg({ quality: 80 }).toFile(path.join(dir, 'holiday', 'grey.jpg'));
  await noisy(200, 150, 130).jpeg({ quality: 75, chromaSubsampling: '4:4:4' }).toFile(path.join(dir, 'holiday', 'small.jpg'));
  const whole = fs.readFileSync(path.join(dir, 'landscape.jpg'));
  fs.writeFileSync(path.join(dir, 'broken.jpg'), whole.subarray(0, whole.length >> 1));
}

function listFiles(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/')).sort();
}

/** Runs Node (this machine's, or through `platform`), returning its parsed JSON line and wall time. */
function runNode(platform, args, extraEnv = {}) {
  const [cmd, cmdArgs] = platform ? platform.command(args) : [process.execPath, args];
  // Output goes to files: Node for Windows under Wine cannot open a Unix pipe as stdout (EBADF).
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-platforms-out-'));
  const fds = ['stdout', 'stderr'].map((f) => fs.openSync(path.join(out, f), 'w'));
  const started = Date.now();
  const result = spawnSync(cmd, cmdArgs, { stdio: ['ignore', ...fds], timeout: 300_000, env: { ...process.env, ...(platform?.env() ?? {}), ...extraEnv } });
  const seconds = (Date.now() - started) / 1000;
  fds.forEach((fd) => fs.closeSync(fd));
  const [stdout, stderr] = ['stdout', 'stderr'].map((f) => fs.readFileSync(path.join(out, f), 'utf8'));
  fs.rmSync(out, { recursive: true });
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  assert.ok(line, `no JSON from ${cmd} ${cmdArgs.join(' ')} (exit ${result.status}, ${result.signal ?? ''}):\n${stdout}\n${stderr}`);
  return { json: JSON.parse(line), status: result.status, seconds, stderr };
}

/**
 * The same thumbnails as the reference folder's: same files, sizes, and pixels within decoder
 * rounding (libvips turns and resizes the big ones). Returns the worst mean difference and how
 * many were the same pixel for pixel.
 */
async function assertSameThumbnails(dir, reference) {
  assert.deepEqual(listFiles(dir), listFiles(reference), 'the same files, and no temp file left');
  let worst = 0;
  let exact = 0;
  const thumbnails = listFiles(reference).filter((f) => f.includes('/thumbnails/') || f.startsWith('thumbnails/'));
  assert.equal(thumbnails.length, 5 * SIZES.split(',').length);
  for (const f of thumbnails) {
    const [ours, theirs] = await Promise.all([dir, reference].map((d) => sharp(path.join(d, f)).raw().toBuffer({ resolveWithObject: true })));
    const box = f.split('/').at(-2).split('x').map(Number);
    assert.deepEqual([ours.info.width, ours.info.height, ours.info.channels], [theirs.info.width, theirs.info.height, theirs.info.channels], f);
    assert.ok(ours.info.width <= box[0] && ours.info.height <= box[1], `${f} fits its box`);
    let sum = 0;
    for (let i = 0; i < ours.data.length; i++) sum += Math.abs(ours.data[i] - theirs.data[i]);
    const mean = sum / ours.data.length;
    worst = Math.max(worst, mean);
    if (sum === 0) exact++;
    assert.ok(mean <= 2, `${f}: mean difference ${mean.toFixed(2)} levels from this machine's`);
  }
  return { worst, exact };
}

// What turbojpeg.wasm decodes of the photos: every plain one (landscape at 1/2, small, rotated.jpg
// at 1/1 and the 800x800 grey one); progressive.jpg goes to sharp (src/worker/fastDecode.ts).
const WASM_DECODES = 4;
// Those four go through turbojpeg.wasm from decode to encode, and WebAssembly computes the same bits
// everywhere: their twelve thumbnails are this machine's exactly, which sharp's path (or a codec
// that failed to load) would not give.
const WASM_EXACT = 12;

suite('platforms: the engine inside other platforms\' packages', function () {
  this.timeout(600_000);
  let work, photos, reference;

  suiteSetup(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-platforms-'));
    photos = path.join(work, 'photos');
    await makePhotos(photos);
    // This machine's engine with turbojpeg.wasm and no turbojpeg.node, as the other packages
    // are, is the reference.
    reference = path.join(work, 'reference');
    fs.cpSync(photos, reference, { recursive: true });
    const wasmOnly = path.join(work, 'wasm-only');
    fs.cpSync(path.join(root, 'dist'), wasmOnly, { recursive: true, filter: (f) => !f.endsWith('.node') });
    assert.ok(fs.existsSync(path.join(wasmOnly, 'turbojpeg.wasm')), 'dist/turbojpeg.wasm is built (npm run build)');
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
    const { json } = runNode(undefined, [path.join(wasmOnly, 'cli.js'), reference, '--json', '--sizes', SIZES]);
    assert.equal(json.images, 5);
  });
  suiteTeardown(() => work && fs.rmSync(work, { recursive: true, force: true }));

  for (const [target, platform] of Object.entries(PLATFORMS)) {
    suite(`${target} under ${platform.how}`, () => {
      let ext;
      suiteSetup(() => {
        ext = path.join(work, target);
        for (const [f, data] of readZip(path.join(root, 'vsix', `${name}-${target}-${version}.vsix`)).entries) {
          if (!f.startsWith('extension/')) continue;
          fs.mkdirSync(path.dirname(path.join(ext, f.slice(10))), { recursive: true });
          fs.writeFileSync(path.join(ext, f.slice(10)), data);
        }
        assert.ok(!fs.existsSync(path.join(ext, 'dist', 'turbojpeg.node')), 'no native helper here');
        assert.ok(fs.existsSync(path.join(ext, 'dist', 'turbojpeg.wasm')), 'the WebAssembly codec is in the package');
      });

      test('the CLI from the package makes every thumbnail through the worker pool', async () => {
        const folder = path.join(work, `${target}-cli`);
        fs.cpSync(photos, folder, { recursive: true });
        const { json, status, seconds, stderr } = runNode(platform, ['--expose-gc', platform.path(path.join(ext, 'dist', 'cli.js')), platform.path(folder), '--json', '--sizes', SIZES, '--workers', '2']);
        assert.equal(status, 1, `exit 1: one image failed\n${stderr}`);
        assert.equal(json.images, 5);
        assert.deepEqual(json.failed.map((f) => [path.win32.basename(f.file), f.code]), [['broken.jpg', 'CORRUPT_JPEG']]);
        const { worst, exact } = await assertSameThumbnails(folder, reference);
        assert.ok(exact >= WASM_EXACT, `${exact} thumbnails the same pixel for pixel: turbojpeg.wasm was not used`);
        console.log(`      ${target} CLI under ${platform.how}: ${seconds.toFixed(1)} s wall, ${exact} thumbnails identical, worst mean difference ${worst.toFixed(2)} levels`);
      });

      test('the helper process from the package, started by the extension host\'s client, does the same', async () => {
        const folder = path.join(work, `${target}-helper`);
        fs.cpSync(photos, folder, { recursive: true });
        let helperExec = '';
        if (target === 'linux-arm64') {
          // qemu-user passes exec() to the kernel, which cannot run an arm64 binary without binfmt_misc.
          helperExec = path.join(work, 'node-arm64.sh');
          fs.writeFileSync(helperExec, `#!/bin/sh\nexec '${env('FT_QEMU_AARCH64')}' -L '${env('FT_ARM64_SYSROOT')}' '${env('FT_NODE_ARM64')}' "$@"\n`, { mode: 0o755 });
        }
        const driver = path.join(root, 'out', 'test', 'platforms', 'driveHelper.js');
        const { json, seconds } = runNode(platform, [platform.path(driver), platform.path(path.join(ext, 'dist', 'helper.js')), platform.path(folder), SIZES], { FT_HELPER_EXEC: helperExec });
        const { summary, messages, starts } = json;
        assert.equal(starts, 1, 'one helper, never restarted');
        assert.equal(summary.images, 5);
        assert.equal(summary.fastDecodes, WASM_DECODES, 'decoded by turbojpeg.wasm (the package has no turbojpeg.node)');
        assert.deepEqual(summary.failed.map((f) => [path.win32.basename(f.file), f.code]), [['broken.jpg', 'CORRUPT_JPEG']]);
        assert.deepEqual(messages, []);
        const { worst, exact } = await assertSameThumbnails(folder, reference);
        assert.ok(exact >= WASM_EXACT, `${exact} thumbnails the same pixel for pixel`);
        console.log(`      ${target} helper under ${platform.how}: ${seconds.toFixed(1)} s wall, ${exact} thumbnails identical, worst mean difference ${worst.toFixed(2)} levels`);
      });
    });
  }
});
