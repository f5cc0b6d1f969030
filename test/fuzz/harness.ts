/**
 * The fuzz run: seeds, then the regression corpus, then the mutants in batches, each folder
 * through one CLI process and checked (check.ts). An input that breaks the process as a whole
 * (crash, hang, memory) is found by rerunning halves of its folder. Every violating input is
 * saved under its kind and content hash so it can be replayed (files that only reproduce
 * together, as a folder); copied into test/fuzz/regressions, it is run every time from then on.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { changes, checkRun, PROCESS_KINDS, processViolations, snapshot, type Box, type Input, type Violation, type ViolationKind } from './check';
import { mutate } from './mutate';
import { mutantSeed, rng } from './prng';
import { culprits, shortestStart } from './reduce';
import { runCli } from './runCli';
import { seeds, type Seed } from './seeds';

const ROOT = path.resolve(__dirname, '../../..');

export interface FuzzOptions {
  /** Seeds the mutations: the same seed gives the same mutants. */
  seed: number;
  /** Mutants to make. */
  count: number;
  /** Mutants per folder (one CLI process each). */
  batchSize: number;
  sizes: string[];
  workers: number;
  /** The CLI under test: dist/cli.js (bundled) or out/src/cli.js (tsc). */
  cli: string;
  /** turbojpeg.node to hand the workers of out/src/cli.js (see fastPath.ts). */
  turbojpeg?: string;
  /** turbojpeg.wasm for those workers (they use it where turbojpeg.node does not load). */
  wasm?: string;
  /** Per folder; longer is a hang. */
  timeoutMs: number;
  maxRssMb: number;
  /** Where violating inputs are saved. */
  findingsDir: string;
  /** Files run every time, in a folder of their own; undefined: none. */
  regressionsDir?: string;
  /** Run the unmutated seeds first, as a folder that must be made entirely. */
  checkSeeds: boolean;
  /**
   * Per violation kind, how many are narrowed down by reruns: the culprit of a process-wide one
   * found by halves, a big input shortened (reduce.ts).
   */
  isolate: number;
  /** Progress lines (one per folder); silent when absent. */
  log?: (line: string) => void;
}

export const defaultOptions: FuzzOptions = {
  seed: 12,
  count: 10000,
  batchSize: 150,
  sizes: ['64x64', '32x32'],
  workers: 2,
  cli: path.join(ROOT, 'dist', 'cli.js'),
  timeoutMs: 60_000,
  maxRssMb: 300,
  findingsDir: path.join(os.tmpdir(), 'ft-fuzz-findings'),
  regressionsDir: path.join(ROOT, 'test', 'fuzz', 'regressions'),
  checkSeeds: true,
  isolate: 10,
};

/** One violation and the input it was traced to (none when a process-wide one could not be). */
export interface Finding {
  kind: ViolationKind;
  folder: string;
  detail: string;
  /** The input's name in its folder, and how it was made. */
  name?: string;
  origin?: string;
  /** Where its bytes were saved (a folder when several files reproduce it only together). */
  saved?: string;
  /** Times seen (the same bytes, or the same odd name, in several folders). */
  count: number;
}

type Tally = { total: number; made: number; failed: number; unclassified: number };

export interface FuzzReport {
  options: FuzzOptions;
  /** By role: mutants, regression files, valid inputs (seeds and oddly named copies). */
  inputs: Record<Input['role'], Tally>;
  /** Failure codes over every input. */
  failedByCode: Record<string, number>;
  /** Occurrences per kind (a process-wide violation counts once per folder run). */
  violations: Partial<Record<ViolationKind, number>>;
  findings: Finding[];
  /** Peak RSS of each folder's CLI process, in bytes (reruns that isolate a culprit not included). */
  peakRss: number[];
  folders: number;
  isolationRuns: number;
  elapsedMs: number;
}

/**
 * Names that have broken file handling before: one near the 255-byte limit of a name (the temp
 * file beside it is longer), spaces and multi-byte characters, a leading dash, an upper-case
 * extension. Each holds a valid seed, so it must be made.
 */
const ODD_NAMES = [`${'long-name-'.repeat(23)}xxxxxx.jpg`, 'spaces and ünïcödé 日本語 #%&.jpg', '-leading-dash.jpg', 'UPPER CASE.JPEG'];

function parseBox(text: string): Box {
  const m = /^(\d+)x(\d+)$/.exec(text);
  if (!m) throw new Error(`size "${text}" is not WIDTHxHEIGHT`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Findings bigger than this are shortened before they are saved (the regression corpus keeps small files). */
const SMALL = 64 * 1024;

const hash = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex').slice(0, 12);

/** Mutants [from, to) of the run: each from its own generator, so any one can be remade alone. */
function mutants(all: readonly Seed[], seed: number, from: number, to: number): Input[] {
  const out: Input[] = [];
  for (let i = from; i < to; i++) {
    const r = rng(mutantSeed(seed, i));
    const s = r.pick(all);
    const donors = all.filter((d) => d !== s).map((d) => d.bytes);
    const { bytes, ops } = mutate(s.bytes, r, donors);
    out.push({ name: `m${String(i).padStart(5, '0')}-${s.name}.jpg`, bytes, role: 'mutant', origin: `seed ${s.name}, mutant ${i} of --seed ${seed}: ${ops.join('; ')}` });
  }
  return out;
}

/**
 * The regression corpus: its files, run together, and each of its subfolders, run alone (files
 * that reproduce a violation only together, as a finding's folder holds them).
 */
function regressionFolders(dir: string | undefined): Array<{ name: string; inputs: Input[] }> {
  if (!dir) return [];
  const read = (folder: string, name: string): { name: string; inputs: Input[] } => {
    const files = readdirSync(folder)
      .sort()
      .filter((n) => /\.jpe?g$/i.test(n) && lstatSync(path.join(folder, n)).isFile());
    const origin = path.relative(path.dirname(dir), folder);
    return { name, inputs: files.map((n) => ({ name: n, bytes: readFileSync(path.join(folder, n)), role: 'regression' as const, origin: `${origin}/${n}` })) };
  };
  if (!existsSync(dir)) return [];
  const subfolders = readdirSync(dir)
    .sort()
    .filter((n) => lstatSync(path.join(dir, n)).isDirectory())
    .map((n) => read(path.join(dir, n), `regressions-${n}`));
  return [read(dir, 'regressions'), ...subfolders].filter((f) => f.inputs.length > 0);
}

function writeInputs(folder: string, inputs: readonly Input[]): void {
  mkdirSync(folder, { recursive: true });
  for (const i of inputs) writeFileSync(path.join(folder, i.name), i.bytes);
}

export async function runFuzz(overrides: Partial<FuzzOptions> = {}): Promise<FuzzReport> {
  const options: FuzzOptions = { ...defaultOptions, ...overrides };
  if (!existsSync(options.cli)) throw new Error(`${options.cli}: no such CLI (npm run build makes dist/cli.js, npm run compile-tests out/src/cli.js)`);
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const sizes = options.sizes.map(parseBox);
  const maxRssBytes = options.maxRssMb * 2 ** 20;
  const all = await seeds();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ft-fuzz-'));
  // work/ is watched for changes outside the folder being run; scratch/ holds what the harness
  // itself writes meanwhile (the child's memory figure, the folders of reruns).
  const work = path.join(tmp, 'work');
  const scratch = path.join(tmp, 'scratch');
  writeInputs(path.join(work, 'outside'), [{ name: 'untouched.jpg', bytes: all[0].bytes, role: 'valid', origin: '' }]);
  mkdirSync(scratch);

  const report: FuzzReport = {
    options,
    inputs: { mutant: tally(), regression: tally(), valid: tally() },
    failedByCode: {},
    violations: {},
    findings: [],
    peakRss: [],
    folders: 0,
    isolationRuns: 0,
    elapsedMs: 0,
  };
  const reduced = new Map<ViolationKind, number>();
  const findings = new Map<string, Finding>();
  mkdirSync(options.findingsDir, { recursive: true });
  let rssFiles = 0;

  const run = (folder: string, workers: number) =>
    runCli({
      cli: options.cli,
      args: [folder, '--json', '--sizes', options.sizes.join(','), '--workers', String(workers)],
      timeoutMs: options.timeoutMs,
      rssFile: path.join(scratch, `rss-${rssFiles++}`),
      turbojpeg: options.turbojpeg,
      wasm: options.wasm,
    });

  /** Whether a run over just `inputs`, in a fresh folder, shows a violation of `kind`. */
  const reproduces = async (inputs: Input[], kind: ViolationKind, workers: number): Promise<boolean> => {
    const folder = path.join(scratch, `rerun-${++report.isolationRuns}`);
    writeInputs(folder, inputs);
    try {
      const again = await run(folder, workers);
      if (PROCESS_KINDS.includes(kind)) return processViolations(again, maxRssBytes).some((v) => v.kind === kind);
      return (await checkRun(folder, inputs, again, { sizes, maxRssBytes })).violations.some((v) => v.kind === kind);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };

  /**
   * Saves the input behind a violation as <kind>-<hash>.jpg (once per content; per name for the
   * valid files under odd names, where the name is the problem), shortened first when big.
   */
  const record = async (folder: string, v: Violation, workers: number, input?: Input, savedFolder?: string): Promise<void> => {
    let bytes = input?.bytes;
    const byName = input?.role === 'valid';
    const key = !input ? `${v.kind} ${folder} ${v.detail}` : `${v.kind}-${hash(byName ? Buffer.from(input.name) : input.bytes)}`;
    const known = findings.get(key);
    if (known) {
      known.count++;
      return;
    }
    let detail = v.detail;
    if (input && bytes && !byName && bytes.length > SMALL && v.kind !== 'outside-changed' && (reduced.get(v.kind) ?? 0) < options.isolate) {
      reduced.set(v.kind, (reduced.get(v.kind) ?? 0) + 1);
      const original = bytes.length;
      bytes = await shortestStart(bytes, (candidate) => reproduces([{ ...input, bytes: candidate }], v.kind, workers), { runs: 16 });
      if (bytes.length < original) detail += ` (saved: its first ${bytes.length - 2} of ${original} bytes and an EOI, which reproduce it)`;
    }
    const finding: Finding = { kind: v.kind, folder, detail, name: input?.name, origin: input?.origin, saved: savedFolder, count: 1 };
    if (input && bytes) {
      finding.saved = path.join(options.findingsDir, `${key}.jpg`);
      writeFileSync(finding.saved, bytes);
      appendFileSync(path.join(options.findingsDir, 'index.txt'), `${key}.jpg\t${input.name}\t${input.origin}\t${detail.replace(/\s+/g, ' ')}\n`);
    }
    findings.set(key, finding);
    report.findings.push(finding);
  };

  const runFolder = async (name: string, inputs: Input[], workers = options.workers): Promise<void> => {
    const folder = path.join(work, name);
    writeInputs(folder, inputs);
    const inOutput = (rel: string): boolean => rel === `${name}/thumbnails` || rel.startsWith(`${name}/thumbnails/`);
    const before = snapshot(work, inOutput);
    const result = await run(folder, workers);
    const changed = changes(before, snapshot(work, inOutput));
    const checked = await checkRun(folder, inputs, result, { sizes, maxRssBytes });
    for (const line of changed) checked.violations.push({ kind: 'outside-changed', detail: line });
    report.folders++;
    if (result.peakRssBytes !== undefined) report.peakRss.push(result.peakRssBytes);
    for (const input of checked.made) report.inputs[input.role].made++;
    for (const { input, code } of checked.failed) {
      report.inputs[input.role].failed++;
      report.failedByCode[code] = (report.failedByCode[code] ?? 0) + 1;
    }
    for (const input of checked.unclassified) report.inputs[input.role].unclassified++;
    for (const input of inputs) report.inputs[input.role].total++;
    const processWide = new Set(processViolations(result, maxRssBytes).map((v) => v.kind));
    for (const v of checked.violations) {
      report.violations[v.kind] = (report.violations[v.kind] ?? 0) + 1;
      if (v.input || !processWide.has(v.kind)) {
        await record(name, v, workers, v.input);
        continue;
      }
      // A process-wide violation: which input? Reruns of halves, for the first folders of a kind.
      const done = reduced.get(v.kind) ?? 0;
      if (done >= options.isolate) {
        await record(name, { ...v, detail: `${v.detail} (culprit not searched: --isolate ${options.isolate} reached)` }, workers);
        continue;
      }
      reduced.set(v.kind, done + 1);
      for (const group of await culprits(inputs, (part) => reproduces(part, v.kind, workers), { runs: 24 })) {
        if (group.length === 1) {
          await record(name, v, workers, group[0]);
          continue;
        }
        // Only together: the group's files are the reproduction, kept as a folder.
        const dir = path.join(options.findingsDir, `${v.kind}-${name}-${hash(Buffer.concat(group.map((i) => i.bytes)))}`);
        writeInputs(dir, group);
        const which = group.length === inputs.length ? 'no half of the folder reproduces it' : `${group.length} of its files reproduce it only together`;
        await record(name, { ...v, detail: `${v.detail} (${which}: run the CLI on the saved folder with --workers ${workers})` }, workers, undefined, `${dir}/`);
      }
    }
    const rss = result.peakRssBytes === undefined ? '?' : `${Math.round(result.peakRssBytes / 2 ** 20)} MB`;
    const bad = checked.violations.length === 0 ? '' : `, ${checked.violations.length} violations (${[...new Set(checked.violations.map((v) => v.kind))].join(', ')})`;
    log(`${name}: ${inputs.length} files, ${checked.made.length} made, ${checked.failed.length} failed, ${(result.elapsedMs / 1000).toFixed(1)} s, ${rss}${bad}`);
    rmSync(folder, { recursive: true, force: true });
  };

  try {
    if (options.checkSeeds) await runFolder('seeds', all.map((s) => ({ name: `${s.name}.jpg`, bytes: s.bytes, role: 'valid', origin: `seed ${s.name}` })));
    // One worker: the files then go through it in the same order every run, so a finding that
    // needs one file decoded after another by the same worker is replayed as it was found.
    for (const { name, inputs } of regressionFolders(options.regressionsDir)) await runFolder(name, inputs, 1);
    const batches = Math.ceil(options.count / options.batchSize);
    for (let b = 0; b < batches; b++) {
      const from = b * options.batchSize;
      const inputs = mutants(all, options.seed, from, Math.min(options.count, from + options.batchSize));
      ODD_NAMES.forEach((name, k) => {
        const s = all[(b * ODD_NAMES.length + k) % all.length];
        inputs.push({ name, bytes: s.bytes, role: 'valid', origin: `seed ${s.name} under an odd name` });
      });
      await runFolder(`batch-${String(b + 1).padStart(4, '0')}`, inputs);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  report.elapsedMs = performance.now() - started;
  return report;
}

function tally(): Tally {
  return { total: 0, made: 0, failed: 0, unclassified: 0 };
}
