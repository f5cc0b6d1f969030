// Package tier: every VSIX in vsix/ (made by `npm run package:all`) is checked for its target by
// scripts/vsixCheck.mjs, and the check itself is shown to catch what it guards against, on
// copies of real packages' files with one thing wrong.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TARGETS } from '../../scripts/targets.mjs';
import { checkEntries, expectations, readZip, SIZE_BUDGET } from '../../scripts/vsixCheck.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { version, name } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsixOf = (target) => path.join(root, 'vsix', `${name}-${target}-${version}.vsix`);

suite('package: one VSIX per target', () => {
  for (const target of Object.keys(TARGETS)) {
    test(`${target}: its own binaries only, its licences, the manifest, under ${SIZE_BUDGET / 1024 / 1024} MB`, () => {
      const { entries, size } = readZip(vsixOf(target));
      assert.deepEqual(checkEntries(entries, size, target, expectations(root)), []);
      assert.ok(entries.has('extension/dist/cli.js'), 'the engine runs on its own from the package');
    });
  }
});

suite('package check: fails on', () => {
  let expect, linuxX64, arm64, alpine, win;
  suiteSetup(() => {
    expect = expectations(root);
    [linuxX64, arm64, alpine, win] = ['linux-x64', 'linux-arm64', 'alpine-x64', 'win32-x64'].map((t) => readZip(vsixOf(t)));
  });
  const edited = (vsix, edit) => {
    const entries = new Map(vsix.entries);
    edit(entries);
    return entries;
  };
  const problems = (entries, target = 'linux-x64', size = linuxX64.size) => checkEntries(entries, size, target, expect);
  const libvips = (t) => `extension/node_modules/@img/sharp-libvips-${t}/lib/libvips-cpp.so.8.18.7`;

  test('nothing when nothing is wrong', () => assert.deepEqual(problems(linuxX64.entries), []));

  test("another platform's binary under this platform's name", () => {
    const found = problems(edited(linuxX64, (e) => e.set(libvips('linux-x64'), arm64.entries.get(libvips('linux-arm64')))));
    assert.deepEqual(found, [`${libvips('linux-x64')}: elf arm64 glibc, not linux-x64's elf x64`]);
  });

  test('a musl build in a glibc package (same CPU)', () => {
    const found = problems(edited(linuxX64, (e) => e.set(libvips('linux-x64'), alpine.entries.get(libvips('linuxmusl-x64')))));
    assert.deepEqual(found, [`${libvips('linux-x64')}: links musl's C library, not glibc's`]);
  });

  test("another platform's sharp package beside this one's", () => {
    const found = problems(edited(linuxX64, (e) => {
      for (const [f, data] of arm64.entries) if (f.includes('/@img/sharp-linux-arm64/')) e.set(f, data);
    }));
    assert.ok(found.some((p) => p.startsWith('unexpected extension/node_modules/@img/sharp-linux-arm64/')), found.join('\n'));
    assert.ok(found.some((p) => p.includes('elf arm64')), found.join('\n'));
  });

  test('a Windows DLL renamed into a Linux package', () => {
    const dll = [...win.entries.keys()].find((f) => f.endsWith('libvips-42.dll'));
    const found = problems(edited(linuxX64, (e) => e.set('extension/node_modules/@img/sharp-linux-x64/lib/extra.txt', win.entries.get(dll))));
    assert.deepEqual(found, ["extension/node_modules/@img/sharp-linux-x64/lib/extra.txt: pe x64, not linux-x64's elf x64"]);
  });

  test('a size over the budget', () => {
    assert.deepEqual(problems(linuxX64.entries, 'linux-x64', SIZE_BUDGET + 1), ['12.0 MB, over the 12 MB budget']);
  });

  test('a package.json that is not the one the extension is built with', () => {
    const found = problems(edited(linuxX64, (e) => {
      const m = JSON.parse(e.get('extension/package.json').toString());
      m.main = './dist/other.js';
      e.set('extension/package.json', Buffer.from(JSON.stringify(m)));
    }));
    assert.deepEqual(found, ['extension/package.json differs from the package.json the extension is built with', './dist/other.js (named by package.json) is not in the VSIX']);
  });

  test('a licence of bundled code left out', () => {
    const found = problems(edited(linuxX64, (e) => e.delete('extension/node_modules/semver/LICENSE')));
    assert.deepEqual(found, ['no licence of semver, whose code dist/ bundles']);
  });

  test("libvips' LGPL-3.0 text (and the GPL-3.0 it builds on) left out", () => {
    const found = problems(edited(linuxX64, (e) => e.delete('extension/licenses/LGPL-3.0.txt')));
    assert.deepEqual(found, ['missing extension/licenses/LGPL-3.0.txt']);
  });

  test('the native helper missing from linux-x64, or shipped elsewhere', () => {
    assert.deepEqual(problems(edited(linuxX64, (e) => e.delete('extension/dist/turbojpeg.node'))), ['missing extension/dist/turbojpeg.node']);
    const found = problems(edited(arm64, (e) => e.set('extension/dist/turbojpeg.node', linuxX64.entries.get('extension/dist/turbojpeg.node'))), 'linux-arm64', arm64.size);
    assert.deepEqual(found, ['unexpected extension/dist/turbojpeg.node', "extension/dist/turbojpeg.node: elf x64 glibc, not linux-arm64's elf arm64"]);
  });

  test('the WebAssembly codec or its licences left out, or something else in its place', () => {
    assert.deepEqual(problems(edited(arm64, (e) => e.delete('extension/dist/turbojpeg.wasm')), 'linux-arm64', arm64.size), ['missing extension/dist/turbojpeg.wasm']);
    assert.deepEqual(problems(edited(win, (e) => e.delete('extension/licenses/libjpeg-turbo/README.ijg')), 'win32-x64', win.size), ['missing extension/licenses/libjpeg-turbo/README.ijg']);
    const found = problems(edited(linuxX64, (e) => e.set('extension/dist/turbojpeg.wasm', Buffer.from('not wasm'))));
    assert.deepEqual(found, ['extension/dist/turbojpeg.wasm is not a WebAssembly module']);
  });

  test('a picture the README shows left out, and a file named like a library that is not one', () => {
    const found = problems(edited(linuxX64, (e) => {
      e.delete('extension/media/screenshot-menu.png');
      e.set('extension/node_modules/@img/sharp-linux-x64/lib/libfake.so.1', Buffer.alloc(100));
    }));
    assert.deepEqual(found, [
      'missing extension/media/screenshot-menu.png',
      'extension/node_modules/@img/sharp-linux-x64/lib/libfake.so.1: named like native code but has no ELF, Mach-O or PE header',
    ]);
  });

  test('a VSIX made for another target', () => {
    const found = problems(arm64.entries, 'linux-x64', arm64.size);
    assert.ok(found.includes('extension.vsixmanifest does not name the target linux-x64'), found.join('\n'));
  });
});
