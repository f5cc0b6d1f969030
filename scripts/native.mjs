// Compiles src/native/allocator.c into dist/allocator.node (or the path given as the first
// argument) on Linux with glibc. Elsewhere, or without a C compiler, it says why and exits 0: the
// extension runs without it (it only returns freed memory to the system, see the C file).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist', 'allocator.node'));
const glibc = process.platform === 'linux' && Boolean(process.report?.getReport().header.glibcVersionRuntime);

if (!glibc) {
  console.log(`native: skipped allocator.node (needs Linux with glibc; this is ${process.platform})`);
} else {
  const cc = process.env.CC || 'cc';
  fs.mkdirSync(path.dirname(out), { recursive: true });
  try {
    // -z now: a Node-API symbol the host lacks fails the load, not a later call.
    execFileSync(cc, ['-O2', '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', '-Wl,-z,now', '-o', out, path.join(root, 'src', 'native', 'allocator.c')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    console.log(`native: skipped allocator.node (no C compiler "${cc}"); the extension works without it`);
  }
}
