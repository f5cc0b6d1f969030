import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ViolationKind } from '../fuzz/check';
import { defaultOptions, runFuzz, type FuzzOptions } from '../fuzz/harness';
import { formatReport, violationCount } from '../fuzz/report';
import { nativeHelpersFolder, wasmFile } from './engine/fixtures';

// The tsc build: `npm run test:unit` builds nothing else. Its workers get the fast path's addon
// from the test's own native build (see test/fuzz/fastPath.ts).
const CLI = path.resolve(__dirname, '../../src/cli.js');
const BROKEN_CLI = path.resolve(__dirname, '../fixtures/fuzz/brokenCli.js');

suite('fuzz: hostile JPEGs through the CLI (test/fuzz)', function () {
  this.timeout(100_000);
  let findingsDir: string;
  let scratchFindings: string;
  let keep = false;
  let options: Partial<FuzzOptions>;
  suiteSetup(() => {
    findingsDir = mkdtempSync(path.join(os.tmpdir(), 'ft-fuzz-findings-'));
    scratchFindings = mkdtempSync(path.join(os.tmpdir(), 'ft-fuzz-damage-'));
    const native = nativeHelpersFolder();
    // No reruns to trace a process-wide violation to its file: a failure's message says how to
    // replay the run with npm run fuzz, which does.
    options = { cli: CLI, turbojpeg: native && path.join(native, 'turbojpeg.node'), findingsDir, isolate: 0 };
  });
  // The failure message names the saved findings: they stay when a test fails.
  teardown(function () {
    if (this.currentTest?.state === 'failed') keep = true;
  });
  suiteTeardown(() => {
    if (!keep) rmSync(findingsDir, { recursive: true, force: true });
    rmSync(scratchFindings, { recursive: true, force: true });
  });

  test('300 mutants and the regression corpus: each made or failed by name, no violation', async () => {
    const report = await runFuzz({ ...options, seed: 1, count: 300 });
    const text = formatReport(report);
    const { mutant, regression } = report.inputs;
    assert.equal(violationCount(report), 0, text);
    assert.equal(mutant.total, 300, text);
    assert.equal(mutant.made + mutant.failed, 300, text);
    assert.equal(mutant.unclassified, 0, text);
    // Both outcomes, or the mutations are too weak (all made) or too blunt (all failed) to test much.
    assert.ok(mutant.made >= 30 && mutant.failed >= 30, text);
    const corpus = readdirSync(defaultOptions.regressionsDir as string, { recursive: true }).filter((n) => /\.jpe?g$/i.test(String(n)));
    assert.equal(regression.total, corpus.length, text);
  });

  test('300 mutants with the native addon hidden: the workers decode and encode with turbojpeg.wasm, no violation', async function () {
    const wasm = wasmFile();
    if (!wasm) this.skip(); // no WebAssembly toolchain here
    // A turbojpeg.node that is not there: the workers fall back to the WebAssembly build.
    const report = await runFuzz({ ...options, turbojpeg: path.join(findingsDir, 'hidden.node'), wasm, seed: 2, count: 300 });
    const text = formatReport(report);
    assert.equal(violationCount(report), 0, text);
    assert.equal(report.inputs.mutant.made + report.inputs.mutant.failed, 300, text);
  });

  // Each check must be able to fail: a stand-in CLI (test/fixtures/fuzz/brokenCli.ts) damages
  // the real CLI's work in one way, and the harness must report that kind of violation.
  const damages: Array<[string, ViolationKind, Partial<FuzzOptions>?]> = [
    ['truncate-thumbnail', 'thumb-corrupt'],
    ['leave-temp', 'temp-left'],
    ['oversize-thumbnail', 'thumb-size'],
    ['stray-output', 'stray-output'],
    ['touch-outside', 'outside-changed'],
    ['worker-crashed', 'worker-crashed'],
    ['drop-failure', 'unaccounted'],
    ['exit-3', 'exit-code'],
    ['eat-memory', 'rss'],
    ['segv', 'signal'],
    ['hang', 'hang', { timeoutMs: 3000 }],
  ];
  for (const [damage, kind, more] of damages) {
    test(`reports ${kind} when the CLI's run is broken so (${damage})`, async () => {
      process.env.FT_BROKEN_CLI = damage;
      try {
        const report = await runFuzz({ ...options, cli: BROKEN_CLI, findingsDir: scratchFindings, seed: 1, count: 12, batchSize: 12, regressionsDir: undefined, checkSeeds: false, isolate: 0, ...more });
        assert.ok((report.violations[kind] ?? 0) > 0, formatReport(report));
      } finally {
        delete process.env.FT_BROKEN_CLI;
      }
    });
  }
});
