// Packages the extension, one VSIX per VS Code target, into vsix/:
//   node scripts/package.mjs            this machine's target (npm run package)
//   node scripts/package.mjs --all      every target in scripts/targets.mjs (npm run package:all)
//   node scripts/package.mjs T1 T2      the named targets
// and prints the VSIXs' paths last, one a line.
// dist/ is built once (its JavaScript runs anywhere). Each target is staged in a temp folder with
// node_modules installed for that target alone (scripts/targetModules.mjs), so vsce's dependency
// walk and .vscodeignore pick exactly that platform's sharp; then the VSIX is checked
// (scripts/vsixCheck.mjs) and its size printed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTarget, hostTarget, TARGETS } from './targets.mjs';
import { targetModules } from './targetModules.mjs';
import { checkVsix } from './vsixCheck.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const args = process.argv.slice(2);
const targets = args.includes('--all') ? Object.keys(TARGETS) : args.length ? args.map(checkTarget) : [checkTarget(process.env.FT_VSIX_TARGET ?? hostTarget())];
const outDir = path.join(root, 'vsix');
const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
const run = (cmd, cmdArgs, cwd = root) => execFileSync(cmd, cmdArgs, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

/** What goes into every staging folder besides node_modules and the native helpers (.vscodeignore picks from it). */
const COMMON = ['package.json', 'package.nls.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'licenses', '.vscodeignore', 'media', 'dist/extension.js', 'dist/helper.js', 'dist/worker.js', 'dist/cli.js'];

/**
 * The native helpers (scripts/native.mjs) are built for the machine that packages, so only its
 * own target's package can carry them (the check asks for them where targets.mjs says).
 */
function nativeHelpers(target) {
  if (target !== hostTarget()) return [];
  return (TARGETS[target].nativeHelpers ?? []).filter((name) => fs.existsSync(path.join(root, 'dist', name)));
}

function stage(target) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ft-package-${target}-`));
  // turbojpeg.wasm runs everywhere; without the toolchain it is not built, and the check says so.
  const wasm = fs.existsSync(path.join(root, 'dist', 'turbojpeg.wasm')) ? ['dist/turbojpeg.wasm'] : [];
  for (const f of [...COMMON, ...wasm, ...nativeHelpers(target).map((n) => `dist/${n}`)]) {
    fs.cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  }
  fs.cpSync(path.join(targetModules(root, target), 'node_modules'), path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  return dir;
}

run('npm', ['run', '--silent', 'build']); // the native helpers and the bundles, as package.json says
fs.mkdirSync(outDir, { recursive: true });
let failed = 0;
const outs = [];
for (const target of targets) {
  const out = path.join(outDir, `${pkg.name}-${target}-${pkg.version}.vsix`);
  outs.push(out);
  const dir = stage(target);
  try {
    fs.rmSync(out, { force: true });
    // No repository to rewrite README links against: the pictures it shows ship in the VSIX.
    run(vsce, ['package', '--target', target, '--allow-missing-repository', '--no-rewrite-relative-links', '-o', out], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const { problems, files, size } = checkVsix(out, target, root);
  const mb = (size / 1024 / 1024).toFixed(1);
  console.log(`${problems.length ? 'FAILED ' : 'packaged '}${path.relative(root, out)}: ${mb} MB, ${files} files`);
  for (const p of problems) console.log(`  ${p}`);
  if (problems.length) failed++;
}
if (failed) {
  console.error(`${failed} of ${targets.length} packages failed their check`);
  process.exit(1);
}
console.log(outs.join('\n')); // last, for scripts (scripts/start.sh)
