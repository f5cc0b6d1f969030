// The package check: opens a VSIX and lists what is wrong with it for its target. Used by
// scripts/package.mjs after each package and by the package tier of the tests (test/package/).
// It trusts no file name for what a binary is: every file's headers are read (binaryFormat.mjs).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { binaryFormat } from './binaryFormat.mjs';
import { imgPackages, TARGETS } from './targets.mjs';

export const SIZE_BUDGET = 12 * 1024 * 1024;

/** The categories the Marketplace accepts (vsce's list). */
const CATEGORIES = new Set(['AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Other', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization']);

/** Names that say "native code": each must also have a native header. */
const NATIVE_NAME = /\.(node|dll|exe|dylib|so)$|\.so\.\d|\.\d+\.dylib$/;

/** The files of a .zip (a VSIX is one), from its central directory. */
export function readZip(file) {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file}: not a zip file`);
  const entries = new Map();
  let at = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < buf.readUInt16LE(eocd + 10); i++) {
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    const local = buf.readUInt32LE(at + 42);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + compressed);
    if (!name.endsWith('/')) entries.set(name, method === 8 ? zlib.inflateRawSync(data) : data);
    at += 46 + nameLength + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
  }
  return { entries, size: buf.length };
}

/** What the package must match, from the clone: the manifest and the packages bundled into dist/. */
export function expectations(root) {
  return {
    packageJson: fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
    bundled: JSON.parse(fs.readFileSync(path.join(root, 'dist', 'bundled-packages.json'), 'utf8')),
  };
}

export function checkVsix(file, target, root) {
  const { entries, size } = readZip(file);
  return { problems: checkEntries(entries, size, target, expectations(root)), files: entries.size, size };
}

/** Every problem of a VSIX's files (path -> contents) and size for `target`; [] when it is right. */
export function checkEntries(entries, size, target, { packageJson, bundled }) {
  const problems = [];
  const t = TARGETS[target];
  const ext = (f) => `extension/${f}`;
  const text = (f) => entries.get(ext(f))?.toString('utf8');

  if (size > SIZE_BUDGET) problems.push(`${(size / 1024 / 1024).toFixed(1)} MB, over the ${SIZE_BUDGET / 1024 / 1024} MB budget`);

  // The manifest is the clone's own, and says what the Marketplace shows.
  const inside = text('package.json');
  const manifest = JSON.parse(inside ?? '{}');
  if (inside === undefined) problems.push('no extension/package.json');
  else if (JSON.stringify(manifest) !== JSON.stringify(JSON.parse(packageJson))) problems.push('extension/package.json differs from the package.json the extension is built with');
  problems.push(...checkManifest(manifest, entries, text));
  const vsixManifest = entries.get('extension.vsixmanifest')?.toString('utf8') ?? '';
  if (!vsixManifest.includes(`TargetPlatform="${target}"`)) problems.push(`extension.vsixmanifest does not name the target ${target}`);

  // The file list: exactly these, plus the target's own @img packages.
  const readmeImages = [...(text('readme.md') ?? '').matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]);
  const required = [
    'extension.vsixmanifest',
    '[Content_Types].xml',
    ...['package.json', 'package.nls.json', 'readme.md', 'changelog.md', 'LICENSE.txt', manifest.icon ?? 'media/icon.png'].map(ext),
    // libvips is LGPL-3.0, which asks for its text and the GPL's beside the binaries (licenses/README.md).
    ...['licenses/LGPL-3.0.txt', 'licenses/GPL-3.0.txt', 'licenses/README.md'].map(ext),
    // libjpeg-turbo (dist/turbojpeg.wasm, every target) asks for its licences with its binaries.
    ...['licenses/libjpeg-turbo/LICENSE.md', 'licenses/libjpeg-turbo/README.ijg', 'dist/turbojpeg.wasm'].map(ext),
    ...['extension', 'helper', 'worker', 'cli'].map((name) => ext(`dist/${name}.js`)),
    ...(t.nativeHelpers ?? []).map((name) => ext(`dist/${name}`)),
    ...readmeImages.filter((src) => !/^https:\/\//.test(src)).map((src) => ext(path.posix.normalize(src))),
  ];
  for (const name of bundled) {
    const licence = [...entries.keys()].find((f) => f.startsWith(ext(`node_modules/${name}/`)) && /\/LICEN[CS]E[^/]*$/i.test(f));
    if (licence) required.push(licence);
    else problems.push(`no licence of ${name}, whose code dist/ bundles`);
  }
  for (const img of imgPackages(target)) {
    required.push(ext(`node_modules/@img/${img}/package.json`));
    if (!entries.has(ext(`node_modules/@img/${img}/LICENSE`)) && !/## Licensing/.test(text(`node_modules/@img/${img}/README.md`) ?? '')) {
      problems.push(`no licence of @img/${img}`);
    }
  }
  for (const f of required) if (!entries.has(f)) problems.push(`missing ${f}`);
  const own = imgPackages(target).map((img) => ext(`node_modules/@img/${img}/`));
  for (const f of entries.keys()) {
    if (!required.includes(f) && !own.some((prefix) => f.startsWith(prefix))) problems.push(`unexpected ${f}`);
  }
  for (const src of readmeImages) if (/^[a-z]+:/i.test(src) && !src.startsWith('https://')) problems.push(`README image ${src} is not https`);
  const wasm = entries.get(ext('dist/turbojpeg.wasm'));
  if (wasm && !wasm.subarray(0, 4).equals(Buffer.from('\0asm', 'latin1'))) problems.push('extension/dist/turbojpeg.wasm is not a WebAssembly module');
  if (!text('dist/worker.js')?.includes(`@img/${t.sharp}/sharp.node`)) problems.push(`dist/worker.js does not load @img/${t.sharp} (sharp must be bundled)`);

  // Every native file is this target's: format, architecture and C library from its headers.
  let natives = 0;
  for (const [f, data] of entries) {
    const found = binaryFormat(data);
    if (!found) {
      if (NATIVE_NAME.test(f)) problems.push(`${f}: named like native code but has no ELF, Mach-O or PE header`);
      continue;
    }
    natives++;
    const want = t.binary;
    const what = `${found.format} ${found.archs.join('+')}${found.libc ? ` ${found.libc}` : ''}`;
    if (found.format !== want.format || found.archs.some((a) => a !== want.arch)) problems.push(`${f}: ${what}, not ${target}'s ${want.format} ${want.arch}`);
    else if (want.libc && found.libc && found.libc !== want.libc) problems.push(`${f}: links ${found.libc}'s C library, not ${want.libc}'s`);
    else if (want.arch === 'arm' && !found.hardFloat) problems.push(`${f}: soft-float ARM, not armhf`);
  }
  if (natives === 0) problems.push('no native file at all');
  return problems;
}

function checkManifest(m, entries, text) {
  const problems = [];
  if (!Array.isArray(m.categories) || m.categories.length === 0 || m.categories.some((c) => !CATEGORIES.has(c))) problems.push(`categories ${JSON.stringify(m.categories)} are not Marketplace categories`);
  if (!Array.isArray(m.keywords) || m.keywords.length === 0 || m.keywords.length > 30) problems.push('keywords: 1 to 30 wanted');
  if (!m.license) problems.push('no license in package.json');
  const icon = m.icon && entries.get(`extension/${m.icon}`);
  // PNG: signature, then IHDR's width and height; the Marketplace wants at least 128x128.
  if (!icon || icon.readUInt32BE(0) !== 0x89504e47 || icon.readUInt32BE(16) < 128 || icon.readUInt32BE(20) < 128) problems.push(`icon ${m.icon}: not a PNG of at least 128x128 in the VSIX`);
  // engines.vscode is the oldest VS Code whose API the code is typed against (@types/vscode).
  const engine = /^\^(\d+\.\d+)\.\d+$/.exec(m.engines?.vscode ?? '')?.[1];
  const types = /(\d+\.\d+)/.exec(m.devDependencies?.['@types/vscode'] ?? '')?.[1];
  if (!engine || engine !== types) problems.push(`engines.vscode ${m.engines?.vscode} does not match @types/vscode ${m.devDependencies?.['@types/vscode']}`);
  for (const file of [m.main, ...Object.values(m.bin ?? {})]) {
    if (file && !entries.has(`extension/${path.posix.normalize(file)}`)) problems.push(`${file} (named by package.json) is not in the VSIX`);
  }
  const nls = JSON.parse(text('package.nls.json') ?? '{}');
  for (const value of [m.displayName, m.description]) {
    const key = /^%(.+)%$/.exec(value ?? '')?.[1];
    if (!value || (key && !nls[key])) problems.push(`${value}: no text in package.nls.json`);
  }
  return problems;
}
