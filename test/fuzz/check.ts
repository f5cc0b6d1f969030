/**
 * What the fuzzer holds the CLI to after a run over one folder: the process ended by itself,
 * within the memory budget, with exit 0 or 1 and one JSON summary; every input was either made
 * (all its thumbnails exist) or reported by name with a failure code other than WORKER_CRASHED;
 * every thumbnail decodes without a warning and fits its box; no temp file is left; and nothing
 * but the thumbnail folder changed.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { CliRun } from './runCli';

export type ViolationKind =
  | 'signal'
  | 'hang'
  | 'exit-code'
  | 'bad-output'
  | 'rss'
  | 'unaccounted'
  | 'worker-crashed'
  | 'valid-failed'
  | 'temp-left'
  | 'thumb-corrupt'
  | 'thumb-size'
  | 'stray-output'
  | 'outside-changed';

/** Violations of the process as a whole: which input caused one is found by rerunning parts of the folder. */
export const PROCESS_KINDS: readonly ViolationKind[] = ['signal', 'hang', 'exit-code', 'bad-output', 'rss'];

/** One file the harness put in a folder. */
export interface Input {
  name: string;
  bytes: Buffer;
  /** 'valid' inputs (unmutated seeds, oddly named copies) must be made; the others may fail. */
  role: 'mutant' | 'regression' | 'valid';
  /** How a mutant was made (mutate.ts), or where a valid input came from. */
  origin: string;
}

export interface Violation {
  kind: ViolationKind;
  /** The input it concerns, when one can be named. */
  input?: Input;
  detail: string;
}

export interface Checked {
  made: Input[];
  failed: Array<{ input: Input; code: string }>;
  /** Inputs whose fate is unknown because the process gave no usable summary. */
  unclassified: Input[];
  violations: Violation[];
}

export interface Box {
  width: number;
  height: number;
}

export const boxName = (b: Box): string => `${b.width}x${b.height}`;

interface Summary {
  images: number;
  skipped: number;
  failed: Array<{ file: unknown; code: unknown; message: unknown }>;
  cancelled: boolean;
}

function parseSummary(stdout: string): Summary | string {
  const lines = stdout.trim().split('\n');
  if (lines.length !== 1 || lines[0] === '') return `stdout is ${lines.length} lines, not one JSON object`;
  let value: unknown;
  try {
    value = JSON.parse(lines[0]);
  } catch {
    return 'stdout is not JSON';
  }
  const s = value as Partial<Summary> & Record<string, unknown>;
  const numbers = ['images', 'thumbnails', 'skipped', 'elapsedMs'].every((k) => typeof s[k] === 'number');
  if (!numbers || !Array.isArray(s.failed) || typeof s.cancelled !== 'boolean') return 'the JSON summary lacks a field';
  return s as Summary;
}

/**
 * What is wrong with the process itself, seen from its exit and output alone: also what the
 * harness asks of a rerun over part of a folder to find which input caused it.
 */
export function processViolations(run: CliRun, maxRssBytes: number): Violation[] {
  const violations: Violation[] = [];
  if (run.timedOut) violations.push({ kind: 'hang', detail: `no exit within the time limit (${Math.round(run.elapsedMs / 1000)} s); killed` });
  else if (run.signal !== null) violations.push({ kind: 'signal', detail: `killed by ${run.signal}: ${lastLines(run.stderr)}` });
  else if (run.code !== 0 && run.code !== 1) violations.push({ kind: 'exit-code', detail: `exit code ${run.code}: ${lastLines(run.stderr)}` });
  if (run.peakRssBytes !== undefined && run.peakRssBytes > maxRssBytes) {
    violations.push({ kind: 'rss', detail: `peak RSS ${mb(run.peakRssBytes)} MB over the budget of ${mb(maxRssBytes)} MB` });
  }
  if (!run.timedOut && run.signal === null) {
    const summary = parseSummary(run.stdout);
    if (typeof summary === 'string') violations.push({ kind: 'bad-output', detail: `${summary}: ${lastLines(run.stderr)}` });
  }
  return violations;
}

/** Checks one run over `folder`, which held exactly `inputs` before it. */
export async function checkRun(folder: string, inputs: readonly Input[], run: CliRun, options: { sizes: readonly Box[]; maxRssBytes: number }): Promise<Checked> {
  const violations = processViolations(run, options.maxRssBytes);
  const result: Checked = { made: [], failed: [], unclassified: [], violations };
  const ended = !run.timedOut && run.signal === null;
  const summary = ended ? parseSummary(run.stdout) : 'no summary';
  if (typeof summary === 'string') {
    result.unclassified.push(...inputs);
  } else {
    classify(folder, inputs, summary, options.sizes, result);
    if (summary.cancelled) violations.push({ kind: 'bad-output', detail: 'the summary says cancelled' });
    if (summary.images !== result.made.length) violations.push({ kind: 'bad-output', detail: `images ${summary.images}, but ${result.made.length} inputs have all their thumbnails` });
    if (summary.skipped !== 0) violations.push({ kind: 'bad-output', detail: `skipped ${summary.skipped} in a fresh folder` });
    const expected = summary.failed.length === 0 ? 0 : 1;
    if (run.code !== expected && (run.code === 0 || run.code === 1)) {
      violations.push({ kind: 'exit-code', detail: `exit code ${run.code} with ${summary.failed.length} failures` });
    }
  }
  await checkOutputs(folder, inputs, options.sizes, ended, violations);
  return result;
}

function classify(folder: string, inputs: readonly Input[], summary: Summary, sizes: readonly Box[], result: Checked): void {
  const byPath = new Map(inputs.map((i) => [path.join(folder, i.name), i]));
  const reported = new Set<Input>();
  for (const f of summary.failed) {
    const input = typeof f.file === 'string' ? byPath.get(f.file) : undefined;
    if (!input) {
      result.violations.push({ kind: 'bad-output', detail: `a failure for a file that is not an input: ${JSON.stringify(f).slice(0, 300)}` });
      continue;
    }
    if (reported.has(input)) {
      result.violations.push({ kind: 'bad-output', input, detail: 'reported as failed twice' });
      continue;
    }
    reported.add(input);
    const file = f.file as string;
    if (typeof f.code !== 'string' || f.code === '') {
      result.violations.push({ kind: 'unaccounted', input, detail: `failed without a code: ${JSON.stringify(f).slice(0, 300)}` });
      continue;
    }
    if (typeof f.message !== 'string' || !f.message.includes(file)) {
      result.violations.push({ kind: 'unaccounted', input, detail: `${f.code} with a message that does not name the file: ${String(f.message).slice(0, 300)}` });
      continue;
    }
    result.failed.push({ input, code: f.code });
    if (f.code === 'WORKER_CRASHED') result.violations.push({ kind: 'worker-crashed', input, detail: f.message });
    if (input.role === 'valid') result.violations.push({ kind: 'valid-failed', input, detail: `${f.code}: ${f.message}` });
  }
  for (const input of inputs) {
    if (reported.has(input)) continue;
    const missing = sizes.filter((b) => !isFile(path.join(folder, 'thumbnails', boxName(b), input.name)));
    if (missing.length === 0) result.made.push(input);
    else result.violations.push({ kind: 'unaccounted', input, detail: `neither reported as failed nor made (no ${missing.map(boxName).join(', ')} thumbnail)` });
  }
}

function isFile(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Every entry of the thumbnail folder: hidden files are temp files left behind (when the process
 * ended by itself: a process we killed cannot clean up); anything but <box>/<input name> is
 * stray; every thumbnail must decode fully, with no decoder warning, and fit its box.
 */
async function checkOutputs(folder: string, inputs: readonly Input[], sizes: readonly Box[], ended: boolean, violations: Violation[]): Promise<void> {
  const root = path.join(folder, 'thumbnails');
  const boxes = new Map(sizes.map((b) => [boxName(b), b]));
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const thumbnails: Array<{ file: string; box: Box; input: Input }> = [];
  for (const [rel, st] of walk(root)) {
    const parts = rel.split('/');
    const name = parts[parts.length - 1];
    if (name.startsWith('.')) {
      if (ended) violations.push({ kind: 'temp-left', input: byName.get(name.replace(/^\.(.*)\.[^.]+\.tmp$/, '$1')), detail: `thumbnails/${rel} is left` });
      continue;
    }
    const box = boxes.get(parts[0]);
    if (parts.length === 1 && box && st.isDirectory()) continue;
    const input = byName.get(name);
    if (parts.length !== 2 || !box || !input || !st.isFile()) {
      violations.push({ kind: 'stray-output', input, detail: `thumbnails/${rel} is not a thumbnail of an input` });
      continue;
    }
    thumbnails.push({ file: path.join(root, rel), box, input });
  }
  // A few at a time: sharp decodes on libuv's four threads.
  for (let i = 0; i < thumbnails.length; i += 8) {
    await Promise.all(thumbnails.slice(i, i + 8).map((t) => checkThumbnail(t.file, t.box, t.input, violations)));
  }
}

async function checkThumbnail(file: string, box: Box, input: Input, violations: Violation[]): Promise<void> {
  const rel = path.relative(path.dirname(path.dirname(path.dirname(file))), file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    violations.push({ kind: 'thumb-corrupt', input, detail: `${rel}: cannot be read (${String(error)})` });
    return;
  }
  if (bytes.length < 3 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) {
    violations.push({ kind: 'thumb-corrupt', input, detail: `${rel}: is not a JPEG (${bytes.length} bytes)` });
    return;
  }
  try {
    const { info } = await sharp(bytes, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
    if (info.width < 1 || info.height < 1 || info.width > box.width || info.height > box.height) {
      violations.push({ kind: 'thumb-size', input, detail: `${rel}: ${info.width}x${info.height} does not fit ${boxName(box)}` });
    }
  } catch (error) {
    violations.push({ kind: 'thumb-corrupt', input, detail: `${rel}: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** [relative path, lstat] of everything under `dir`, depth first; nothing when it is missing. */
function walk(dir: string, rel = ''): Array<[string, Stats]> {
  let names: string[];
  try {
    names = readdirSync(path.join(dir, rel)).sort();
  } catch {
    return [];
  }
  const out: Array<[string, Stats]> = [];
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(path.join(dir, r));
    out.push([r, st]);
    if (st.isDirectory()) out.push(...walk(dir, r));
  }
  return out;
}

/**
 * A fingerprint of every entry under `root` (type, size, content hash, link target) except the
 * paths `skip` names, to compare before and after a run.
 */
export function snapshot(root: string, skip: (rel: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rel, st] of walk(root)) {
    if (skip(rel)) continue;
    if (st.isFile()) out.set(rel, `file ${st.size} ${createHash('sha1').update(readFileSync(path.join(root, rel))).digest('hex')} ${st.mode}`);
    else out.set(rel, `${st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other'} ${st.mode}`);
  }
  return out;
}

/** What differs between two snapshots, one line per path. */
export function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [rel, was] of before) {
    const now = after.get(rel);
    if (now === undefined) out.push(`${rel} was removed`);
    else if (now !== was) out.push(`${rel} was changed`);
  }
  for (const rel of after.keys()) if (!before.has(rel)) out.push(`${rel} was created`);
  return out;
}

function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

function lastLines(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return lines.slice(-3).join(' | ').slice(0, 500) || '(nothing on stderr)';
}
