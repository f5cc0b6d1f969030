// Builds and packages a linux-x64 .vsix with dist/ and only the sharp runtime for that target,
// then prints its size and checks what went in.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = process.env.FT_VSIX_TARGET ?? 'linux-x64';
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

run('npm', ['run', '--silent', 'build']); // the native helpers and the bundles, as package.json says
run(path.join(root, 'node_modules/.bin/vsce'), ['package', '--target', target, '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '-o', out]);
const listing = run(path.join(root, 'node_modules/.bin/vsce'), ['ls']).split('\n').filter(Boolean);
// The native helpers are built for the machine that packages, so only a linux-x64 package carries them.
const nativeHelpers = target === 'linux-x64' ? ['dist/turbojpeg.node'] : [];
// sharp's JavaScript (and semver, detect-libc, colour) is bundled into dist/worker.js (esbuild.js):
// only their licences ship beside it, and the native binding and libvips as packages.
const licences = ['sharp/LICENSE', '@img/colour/LICENSE.md', 'detect-libc/LICENSE', 'semver/LICENSE'].map((f) => `node_modules/${f}`);
for (const must of ['dist/extension.js', 'dist/helper.js', 'dist/worker.js', 'dist/cli.js', ...nativeHelpers, ...licences, `node_modules/@img/sharp-${target}/package.json`]) {
  if (!listing.includes(must)) throw new Error(`the .vsix lacks ${must}`);
}
if (!fs.readFileSync(path.join(root, 'dist', 'worker.js'), 'utf8').includes(`@img/sharp-${target}/sharp.node`)) {
  throw new Error('dist/worker.js does not carry sharp (it must be bundled: the .vsix ships no sharp JavaScript)');
}
const stray = listing.filter((f) => /^node_modules\/@img\/sharp-(?!libvips-)/.test(f) && !f.startsWith(`node_modules/@img/sharp-${target}/`));
if (stray.length) throw new Error(`the .vsix carries other platforms' sharp: ${stray[0]}`);
const mb = (fs.statSync(out).size / 1024 / 1024).toFixed(1);
console.log(`packaged ${path.relative(root, out)}: ${mb} MB, ${listing.length} files`);
console.log(out);
