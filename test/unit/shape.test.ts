import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

interface Shape {
  file: string;
  lines: number;
  functions: Array<{ name: string; line: number; lines: number }>;
  mutable: string[];
}

/** Module-level `let`s that hold a cache, each said so in a comment beside it. */
const CACHES = new Set(['src/worker/gc.ts:collector']);

suite('the code keeps its shape (CONTRIBUTING.md, scripts/shape.mjs)', () => {
  const shapes = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'shape.mjs'), '--json'], { cwd: ROOT, encoding: 'utf8' })) as Shape[];

  test('no file in src/ is over 300 lines', () => {
    assert.ok(shapes.length > 40, `${shapes.length} files read`);
    assert.deepEqual(shapes.filter((s) => s.lines > 300).map((s) => `${s.file} ${s.lines}`), []);
  });

  test('no function is over 60 lines', () => {
    assert.ok(shapes.some((s) => s.functions.length > 0));
    const long = shapes.flatMap((s) => s.functions.filter((f) => f.lines > 60).map((f) => `${s.file}:${f.line} ${f.name} ${f.lines}`));
    assert.deepEqual(long, []);
  });

  test('no module-level mutable state outside caches', () => {
    const mutable = shapes.flatMap((s) => s.mutable.map((m) => `${s.file}:${m}`)).filter((m) => !CACHES.has(m));
    assert.deepEqual(mutable, []);
  });

  test('README.md is a user\'s page of at most 120 lines', () => {
    const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    assert.ok(lines <= 120, `${lines} lines`);
  });
});
