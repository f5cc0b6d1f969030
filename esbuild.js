// Bundles the extension, the worker and the CLI. vscode is provided by the host. sharp's JavaScript
// (and its semver, detect-libc and colour) is bundled into the worker: loading it module by module
// cost each worker thread ~15 ms of its ~120 ms start. Its native parts (@img/sharp-<platform>,
// libvips) stay in node_modules inside the VSIX and are required at run time.
const fs = require('node:fs');
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Reports build results in the format the esbuild problem matcher reads. */
const problemMatcherPlugin = {
  name: 'esbuild-problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

/**
 * sharp picks its native binding with template-literal requires (`../src/build/Release/sharp-${platform}-${version}.node`);
 * esbuild would try to bundle those as file globs. They stay run-time requires, tried and failed
 * in the same order as without the bundle.
 */
const sharpNativeRequires = {
  name: 'sharp-native-requires',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]sharp[\\/]dist[\\/](sharp|libvips|utility)\.cjs$/ }, (args) => {
      const text = fs.readFileSync(args.path, 'utf8');
      return { contents: `const runtimeRequire = require;\n${text.replace(/\brequire\(`/g, 'runtimeRequire(`')}`, loader: 'js' };
    });
  },
};

/**
 * Writes dist/bundled-packages.json: the npm packages whose code the bundles carry, so that the
 * package check (scripts/vsixCheck.mjs) can ask for each one's licence in the VSIX.
 */
const bundledPackages = {
  name: 'bundled-packages',
  setup(build) {
    build.onEnd((result) => {
      if (!result.metafile) return;
      const names = new Set();
      for (const input of Object.keys(result.metafile.inputs)) {
        const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
        if (match) names.add(match[1]);
      }
      fs.writeFileSync('dist/bundled-packages.json', `${JSON.stringify([...names].sort(), null, 1)}\n`);
    });
  },
};

/**
 * The CLI's first two lines: run as a program, sh reads them and starts Node on the same file
 * with glibc's allocator defaults (the helper's ALLOCATOR_DEFAULTS, src/core/helper/protocol.ts;
 * a unit test keeps the two equal), keeping any value the user set, and --expose-gc. Node skips
 * the first line and reads the second as a string and a comment.
 */
const CLI_HEADER = [
  '#!/bin/sh',
  "':' //; exec env MALLOC_ARENA_MAX=\"${MALLOC_ARENA_MAX-1}\" MALLOC_MMAP_THRESHOLD_=\"${MALLOC_MMAP_THRESHOLD_-8388608}\" " +
    'GLIBC_TUNABLES="${GLIBC_TUNABLES-glibc.malloc.hugetlb=1}" node --expose-gc "$0" "$@"',
].join('\n');

const cliHeader = {
  name: 'cli-header',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0 || !fs.existsSync('dist/cli.js')) return;
      const text = fs.readFileSync('dist/cli.js', 'utf8');
      if (!text.startsWith(CLI_HEADER)) fs.writeFileSync('dist/cli.js', `${CLI_HEADER}\n${text}`);
      fs.chmodSync('dist/cli.js', 0o755);
    });
  },
};

async function main() {
  const ctx = await esbuild.context({
    entryPoints: {
      extension: 'src/extension.ts',
      worker: 'src/worker/index.ts',
      helper: 'src/helper/index.ts',
      cli: 'src/cli.ts',
    },
    bundle: true,
    format: 'cjs',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    platform: 'node',
    target: 'node20',
    outdir: 'dist',
    external: ['vscode', '@img/sharp-*'],
    // sharp's "import" condition is its ESM build, which needs import.meta.url; a CJS bundle takes its CJS build.
    alias: { sharp: './node_modules/sharp/dist/index.cjs' },
    logLevel: 'silent',
    metafile: true,
    plugins: [problemMatcherPlugin, sharpNativeRequires, bundledPackages, cliHeader],
  });
  if (watch) {
    await ctx.watch();
  } else {
    await ctx.rebuild();
    await ctx.dispose();
  }
}

module.exports = { CLI_HEADER };

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
