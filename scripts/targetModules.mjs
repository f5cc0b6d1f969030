// The production node_modules of one VS Code target: `npm ci --omit=dev` from the project's
// lockfile with that target's --os/--cpu/--libc, so exactly its pair of sharp packages lands
// (npm picks optional dependencies by platform). Kept in the tool cache outside the clone, keyed
// by the lockfile's production entries; the clone's own node_modules is never touched.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imgPackages, TARGETS } from './targets.mjs';

const toolCache = () =>
  process.env.FT_TOOLS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'folder-thumbnails-tools');

/** An outer `npm run` sets npm_config_* variables that would steer this install; it gets none. */
function cleanEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

/** The folder holding `node_modules` for `target`, installed on first use. */
export function targetModules(root, target) {
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const production = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.dev);
  const key = createHash('sha256').update(JSON.stringify(production)).digest('hex').slice(0, 12);
  const dir = path.join(toolCache(), 'sharp-runtimes', key, target);
  if (fs.existsSync(path.join(dir, 'node_modules', '.package-lock.json'))) return dir;

  const tmp = `${dir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, f), path.join(tmp, f));
  console.log(`[package] ${target}: npm ci --omit=dev ${TARGETS[target].npm.join(' ')} into ${dir}`);
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...TARGETS[target].npm], {
    cwd: tmp,
    env: cleanEnv(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // npm 10.4-10.5 silently skipped other platforms' optional packages (npm/cli#7406): check what landed.
  const landed = fs.readdirSync(path.join(tmp, 'node_modules', '@img')).filter((p) => p.startsWith('sharp-'));
  const wanted = imgPackages(target);
  if (landed.sort().join() !== [...wanted].sort().join()) {
    throw new Error(`npm installed @img/{${landed.join(',')}} for ${target}, expected @img/{${wanted.join(',')}}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}
