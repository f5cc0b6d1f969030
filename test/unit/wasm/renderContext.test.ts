import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { thumbnailPath } from '../../../src/core/plan';
import type { RenderTask } from '../../../src/core/task';
import { SHARP_ONLY, renderContextFor, renderImage } from '../../../src/worker/render';
import { runCli } from '../../fuzz/runCli';
import { jpeg, nativeHelpersFolder, renderTask, tempFolder, wasmFile } from '../engine/fixtures';

const CLI = path.resolve(__dirname, '../../../src/cli.js');
const BOXES = [512, 256, 64].map((s) => ({ width: s, height: s }));

const task = (source: string, boxes = BOXES): RenderTask => renderTask(source, boxes);

suite('wasm: the renderer picks turbojpeg.node, else turbojpeg.wasm, else sharp', function () {
  this.timeout(60_000);
  let wasm: string;
  let dir: string;
  let cleanup: () => void;
  suiteSetup(function () {
    const file = wasmFile();
    if (!file) this.skip(); // no WebAssembly toolchain here
    wasm = file;
  });
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  test('the native addon where it loads, the WebAssembly build where not, sharp without either', function () {
    const missing = path.join(dir, 'none');
    const native = nativeHelpersFolder();
    if (native) assert.equal(renderContextFor({ turbojpeg: path.join(native, 'turbojpeg.node'), wasm }).turboKind, 'turbojpeg');
    assert.equal(renderContextFor({ turbojpeg: `${missing}.node`, wasm }).turboKind, 'wasm');
    const neither = renderContextFor({ turbojpeg: `${missing}.node`, wasm: `${missing}.wasm` });
    assert.deepEqual([neither.turbo, neither.turboKind], [undefined, undefined]);
  });

  test('a small plain JPEG: decoded by WebAssembly, and every thumbnail, the 0.35 MP one too, byte for byte the native path\'s', async () => {
    const src = await jpeg(path.join(dir, 'a.jpg'), 700, 500);
    const boxes = [{ width: 1024, height: 1024 }, ...BOXES];
    const result = await renderImage(task(src, boxes), renderContextFor({ turbojpeg: path.join(dir, 'none.node'), wasm }));
    assert.deepEqual(result.ok && result.decoder, 'wasm');
    const ours = boxes.map((b) => readFileSync(thumbnailPath(src, 'thumbnails', b)));
    const native = nativeHelpersFolder();
    if (!native) return;
    const again = await renderImage(task(src, boxes), renderContextFor({ turbojpeg: path.join(native, 'turbojpeg.node'), wasm }));
    assert.deepEqual(again.ok && again.decoder, 'turbojpeg');
    boxes.forEach((b, i) => assert.ok(readFileSync(thumbnailPath(src, 'thumbnails', b)).equals(ours[i]), `${b.width}: the same bytes`));
  });

  test('WebAssembly decodes plain JPEGs of every size, shrunk or not; sharp only what would take over 12 MB whole', async () => {
    // 1600x1000 for a 512 box: shrink 2; 1100x1000 at 1/1 (1.1 MP). A 2100x2100 source for a 2048
    // box decodes at 1/1, 13 MB: sharp streams that one.
    const context = renderContextFor({ turbojpeg: path.join(dir, 'none.node'), wasm });
    const shrunk = await renderImage(task(await jpeg(path.join(dir, 'shrunk.jpg'), 1600, 1000)), context);
    assert.deepEqual(shrunk.ok && shrunk.decoder, 'wasm');
    const whole = await renderImage(task(await jpeg(path.join(dir, 'whole.jpg'), 1100, 1000)), context);
    assert.deepEqual(whole.ok && whole.decoder, 'wasm');
    const big = await renderImage(task(await jpeg(path.join(dir, 'big.jpg'), 2100, 2100), [{ width: 2048, height: 2048 }]), context);
    assert.deepEqual(big.ok && big.decoder, 'sharp');
  });

  test('the fuzz tier\'s hook (test/fuzz/fastPath.ts) gives the CLI\'s workers turbojpeg.wasm: its thumbnails are that path\'s bytes', async () => {
    const src = await jpeg(path.join(dir, 'cli', 'a.jpg'), 200, 150);
    const hidden = path.join(dir, 'hidden.node');
    const run = await runCli({ cli: CLI, args: [path.dirname(src), '--json', '--sizes', BOXES.map((b) => `${b.width}x${b.height}`).join(',')], timeoutMs: 60_000, rssFile: path.join(dir, 'rss'), turbojpeg: hidden, wasm });
    assert.equal(run.code, 0, run.stderr);
    const rendered = async (name: string, context: Parameters<typeof renderImage>[1]): Promise<Buffer[]> => {
      const copy = path.join(dir, name, 'a.jpg');
      mkdirSync(path.dirname(copy));
      copyFileSync(src, copy);
      assert.equal((await renderImage(task(copy), context)).ok, true);
      return BOXES.map((b) => readFileSync(thumbnailPath(copy, 'thumbnails', b)));
    };
    const cli = BOXES.map((b) => readFileSync(thumbnailPath(src, 'thumbnails', b)));
    assert.deepEqual(cli, await rendered('wasm', renderContextFor({ turbojpeg: hidden, wasm })));
    assert.notDeepEqual(cli, await rendered('sharp', SHARP_ONLY), 'sharp alone would make other bytes');
  });
});
