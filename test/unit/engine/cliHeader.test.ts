import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ALLOCATOR_DEFAULTS, helperEnv } from '../../../src/core/helper/protocol';
import { tempFolder } from './fixtures';

// esbuild.js is plain JavaScript beside package.json; out/test/unit/engine -> repository root.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CLI_HEADER } = require(path.resolve(__dirname, '../../../../esbuild.js')) as { CLI_HEADER: string };

suite('engine: the CLI bin starts Node with the helper allocator defaults, keeping the user\'s', () => {
  let dir: string;
  let cleanup: () => void;
  setup(() => ({ dir, cleanup } = tempFolder()));
  teardown(() => cleanup());

  /** Runs a bin made of the header and a body, with a stand-in `node` that prints what it got. */
  function runBin(env: NodeJS.ProcessEnv, args: string[]): string[] {
    const bin = path.join(dir, 'cli.js');
    writeFileSync(bin, `${CLI_HEADER}\nconsole.log('body');\n`);
    chmodSync(bin, 0o755);
    const fakeBin = path.join(dir, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(path.join(fakeBin, 'node'), '#!/bin/sh\nprintf "%s\\n" "$MALLOC_ARENA_MAX" "$MALLOC_MMAP_THRESHOLD_" "$GLIBC_TUNABLES" "$NODE_EXTRA_CA_CERTS" "$@"\n');
    chmodSync(path.join(fakeBin, 'node'), 0o755);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in ALLOCATOR_DEFAULTS) && k !== 'NODE_EXTRA_CA_CERTS'));
    return execFileSync(bin, args, { env: { ...clean, PATH: `${fakeBin}:${process.env.PATH}`, ...env }, encoding: 'utf8' }).split('\n').slice(0, -1);
  }

  test('unset: the helper\'s defaults, --expose-gc, the file and every argument', function () {
    if (process.platform === 'win32') this.skip();
    const bin = path.join(dir, 'cli.js');
    assert.deepEqual(runBin({}, ['photos', '--json']), [
      ALLOCATOR_DEFAULTS.MALLOC_ARENA_MAX, ALLOCATOR_DEFAULTS.MALLOC_MMAP_THRESHOLD_, ALLOCATOR_DEFAULTS.GLIBC_TUNABLES, '',
      '--expose-gc', bin, 'photos', '--json',
    ]);
    assert.deepEqual(Object.keys(ALLOCATOR_DEFAULTS).sort(), ['GLIBC_TUNABLES', 'MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_']);
  });

  test('what the user set is kept, NODE_EXTRA_CA_CERTS included', function () {
    if (process.platform === 'win32') this.skip();
    const out = runBin({ MALLOC_ARENA_MAX: '4', GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' }, ['x']);
    assert.deepEqual(out.slice(0, 4), ['4', ALLOCATOR_DEFAULTS.MALLOC_MMAP_THRESHOLD_, 'glibc.malloc.tcache_count=0', '/etc/ca.pem']);
  });

  test('Node reads the header as a no-op: the body runs', () => {
    const bin = path.join(dir, 'plain.js');
    writeFileSync(bin, `${CLI_HEADER}\n"use strict";\nconsole.log(typeof this === 'undefined' || this === module.exports ? 'body' : 'no');\n`);
    assert.equal(execFileSync(process.execPath, [bin], { encoding: 'utf8' }), 'body\n');
  });

  test('the helper process gets the same defaults, and the user\'s values where set', () => {
    const env = helperEnv({ PATH: '/bin', MALLOC_ARENA_MAX: '4' });
    assert.deepEqual(
      [env.PATH, env.ELECTRON_RUN_AS_NODE, env.MALLOC_ARENA_MAX, env.MALLOC_MMAP_THRESHOLD_, env.GLIBC_TUNABLES],
      ['/bin', '1', '4', ALLOCATOR_DEFAULTS.MALLOC_MMAP_THRESHOLD_, ALLOCATOR_DEFAULTS.GLIBC_TUNABLES],
    );
  });
});
