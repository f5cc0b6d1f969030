// Builds dist/turbojpeg.wasm (or into the folder given as the first argument): libjpeg-turbo 2.1.5
// from Debian's source package (scripts/jpegSource.sh), src/wasm/codec.c and src/native/resample.c,
// compiled with clang for wasm32-wasi with SIMD128. Every package ships it; src/wasm/wasmCodec.ts
// loads it where turbojpeg.node does not. Without the toolchain (Debian's clang, lld, wasi-libc,
// libclang-rt-dev-wasm32) it says so and exits 0: the engine then uses sharp there. A build is
// kept in the tool cache under a hash of everything that goes into it, so rebuilding is a copy.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
const out = path.join(outDir, 'turbojpeg.wasm');
const TOOLCHAIN = 'clang, lld, wasi-libc and libclang-rt-dev-wasm32 (Debian)';
const clang = process.env.FT_WASM_CC || 'clang';
const UPSTREAM = 'libjpeg-turbo-2.1.5';

// libjpeg-turbo's library files for the libjpeg API's decoder and encoder (arithmetic coding
// included, as Debian builds it). Its SIMD extensions are x86 and Arm assembly or intrinsics;
// src/wasm/jsimd_wasm.c takes their place with WebAssembly SIMD128 kernels of our own.
const LIBRARY = ('jaricom jcapimin jcapistd jcarith jccoefct jccolor jcdctmgr jchuff jcinit jcmainct jcmarker jcmaster jcomapi jcparam ' +
  'jcphuff jcprepct jcsample jdapimin jdapistd jdarith jdcoefct jdcolor jddctmgr jdhuff jdinput jdmainct jdmarker jdmaster jdmerge ' +
  'jdphuff jdpostct jdsample jerror jfdctflt jfdctfst jfdctint jidctflt jidctfst jidctint jidctred jmemmgr jmemnobs jquant1 jquant2 ' +
  'jutils').split(' ').map((name) => `${name}.c`);
// The SIMD128 kernels are every C file in src/wasm/simd.
const kernels = (ext) => fs.readdirSync(path.join(root, 'src', 'wasm', 'simd')).filter((f) => f.endsWith(ext)).sort().map((f) => `src/wasm/simd/${f}`);
const OURS = ['src/wasm/codec.c', 'src/wasm/arena.c', 'src/wasm/jsimd_wasm.c', ...kernels('.c'), 'src/native/resample.c'];
const HEADERS = ['src/wasm/jconfig.h', 'src/wasm/jconfigint.h', 'src/wasm/arena.h', ...kernels('.h'), 'src/native/resample.h'];
// 1 MiB of C stack; memory starts at 2 MiB and stops at 64 MiB, whatever a hostile file asks
// (codec.c caps libjpeg's image buffers at 16 MiB; the rest is rows of at most 12 MiB decodes).
const FLAGS = ['--target=wasm32-wasi', '--sysroot=/usr', '-O3', '-flto', '-msimd128', '-mbulk-memory', '-mnontrapping-fptoint', '-msign-ext', '-mmutable-globals', '-DWITH_SIMD', '-DNO_GETENV', '-DNO_PUTENV', '-Wall', '-Wno-unused-parameter'];
// FT_WASM_NAMES=1 keeps the functions' names, for CPU profiles (node --cpu-prof) of the codec.
const LINK = ['-nostartfiles', '-Wl,--no-entry', '-Wl,--export=__stack_pointer', '-Wl,-z,stack-size=1048576', '-Wl,--initial-memory=2097152', '-Wl,--max-memory=67108864', process.env.FT_WASM_NAMES ? '-g0' : '-Wl,--strip-all'];

const run = (cmd, args, options = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });

/** Why the toolchain cannot build for wasm32-wasi here, or undefined when it can. */
function missingToolchain(scratch) {
  const probe = path.join(scratch, 'probe.c');
  fs.writeFileSync(probe, '#include <string.h>\n__attribute__((export_name("f"))) int f(char *s) { return (int)strlen(s); }\n');
  try {
    run(clang, [...FLAGS, ...LINK, '-o', path.join(scratch, 'probe.wasm'), probe]);
    return undefined;
  } catch (error) {
    return error.code === 'ENOENT' ? `no "${clang}"` : String(error.stderr || error.message).trim().split('\n').pop();
  }
}

/** The Debian patches of the series that touch a file compiled here (none did for 2.1.5-2). */
function libraryPatches(debian) {
  const series = fs.readFileSync(path.join(debian, 'patches', 'series'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return series.filter((patch) => {
    const text = fs.readFileSync(path.join(debian, 'patches', patch), 'utf8');
    return [...text.matchAll(/^\+\+\+ b\/(\S+)/gm)].some((m) => LIBRARY.includes(m[1]) || /^j\w+\.h$/.test(m[1]));
  });
}

/** Unpacks the sources into `scratch`, with the Debian patches that apply to the library; returns the source folder. */
function unpack(scratch) {
  const folder = run('bash', [path.join(root, 'scripts', 'jpegSource.sh')], { stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  run('tar', ['-xzf', path.join(folder, 'libjpeg-turbo_2.1.5.orig.tar.gz'), '-C', scratch]);
  run('tar', ['-xJf', path.join(folder, 'libjpeg-turbo_2.1.5-2.debian.tar.xz'), '-C', scratch]);
  const source = path.join(scratch, UPSTREAM);
  for (const patch of libraryPatches(path.join(scratch, 'debian'))) {
    console.log(`wasm: applying Debian's ${patch}`);
    run('patch', ['-p1', '-s', '-i', path.join(scratch, 'debian', 'patches', patch)], { cwd: source });
  }
  // The Huffman coders' 64-bit bit buffer, which the library gives the x32 ABI (32-bit pointers,
  // 64-bit registers), for wasm32 too: ~10% faster decodes, the same bits.
  for (const f of ['jdhuff.h', 'jdhuff.c', 'jchuff.c']) {
    const text = fs.readFileSync(path.join(source, f), 'utf8');
    const wide = text.replaceAll('defined(__x86_64__) && defined(__ILP32__)', '(defined(__x86_64__) || defined(__wasm__)) && defined(__ILP32__)');
    if (wide === text) throw new Error(`${f}: no x32 bit-buffer condition to extend`);
    fs.writeFileSync(path.join(source, f), wide);
  }
  // jversion.h is the one header its CMake writes besides jconfig*.h, from the year alone.
  const version = fs.readFileSync(path.join(source, 'jversion.h.in'), 'utf8').replace('@COPYRIGHT_YEAR@', '1991-2023');
  fs.writeFileSync(path.join(source, 'jversion.h'), version);
  return source;
}

/** The cache key: our sources, the flags, the compiler and the pinned source package. */
function buildKey() {
  const hash = createHash('sha256');
  for (const f of [...OURS, ...HEADERS, 'scripts/wasm.mjs', 'scripts/jpegSource.sh']) hash.update(fs.readFileSync(path.join(root, f)));
  hash.update(JSON.stringify([FLAGS, LINK, run(clang, ['--version'])]));
  return hash.digest('hex').slice(0, 16);
}

function build(scratch, cached) {
  const source = unpack(scratch);
  const sources = [...OURS.map((f) => path.join(root, f)), ...LIBRARY.map((f) => path.join(source, f))];
  const include = ['-I', path.join(root, 'src', 'wasm'), '-I', path.join(root, 'src', 'native'), '-I', source];
  run(clang, [...FLAGS, ...include, ...LINK, '-o', path.join(scratch, 'turbojpeg.wasm'), ...sources], { stdio: ['ignore', 'pipe', 'inherit'] });
  fs.mkdirSync(path.dirname(cached), { recursive: true });
  fs.copyFileSync(path.join(scratch, 'turbojpeg.wasm'), `${cached}.tmp`);
  fs.renameSync(`${cached}.tmp`, cached);
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-wasm-'));
try {
  const why = missingToolchain(scratch);
  if (why) {
    console.log(`wasm: skipped turbojpeg.wasm (${why}; needs ${TOOLCHAIN}); the extension works without it`);
  } else {
    const tools = process.env.FT_TOOLS_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'folder-thumbnails-tools');
    const cached = path.join(tools, 'wasm-builds', `turbojpeg-${buildKey()}.wasm`);
    if (!fs.existsSync(cached)) build(scratch, cached);
    fs.mkdirSync(outDir, { recursive: true });
    fs.copyFileSync(cached, out);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
