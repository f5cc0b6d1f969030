// Compiles the native helpers in src/native into dist/ (or the folder given as the first argument)
// on Linux with glibc: turbojpeg.node (turbojpeg.c). Elsewhere, or
// without a C compiler, it says why and exits 0: everything works without them (see the C files).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
// The Node-API declarations (node_api.h) come from the node-api-headers package.
const { include_dir: napiHeaders } = createRequire(import.meta.url)('node-api-headers');
const glibc = process.platform === 'linux' && Boolean(process.report?.getReport().header.glibcVersionRuntime);
const helpers = [
  // libturbojpeg is opened with dlopen at load time, not linked.
  { name: 'turbojpeg', sources: ['turbojpeg.c', 'resample.c', 'resample_napi.c'], libs: ['-ldl', '-pthread', '-lm'] },
];

if (!glibc) {
  console.log(`native: skipped ${helpers.map((h) => `${h.name}.node`).join(', ')} (needs Linux with glibc; this is ${process.platform})`);
} else {
  const cc = process.env.CC || 'cc';
  // -O3 vectorises resample.c's loops (2-4x faster than -O2); x86-64-v2 (SSE4.2) is what the
  // linux-x64 package requires anyway (sharp's own binaries need it).
  const OPTIMISE = ['-O3', ...(process.arch === 'x64' ? ['-march=x86-64-v2'] : [])];
  fs.mkdirSync(outDir, { recursive: true });
  for (const { name, sources, libs } of helpers) {
    const out = path.join(outDir, `${name}.node`);
    try {
      // -z now: a Node-API symbol the host lacks fails the load, not a later call.
      execFileSync(cc, [...OPTIMISE, '-shared', '-fPIC', '-Wall', '-Wextra', '-Werror', '-Wl,-z,now', '-I', napiHeaders, '-o', out, ...sources.map((f) => path.join(root, 'src', 'native', f)), ...libs], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      console.log(`native: skipped ${name}.node (no C compiler "${cc}"); the extension works without it`);
    }
  }
}
