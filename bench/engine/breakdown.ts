/**
 * Where the per-image time goes: `node out/bench/engine/breakdown.js <folder> <cli.js>...` runs
 * each CLI build on the folder with one worker under V8's CPU profiler (main thread and worker,
 * `--cpu-prof`), sorts every sample's own time into the render's steps by function name (this
 * build's names and the previous design's), and prints ms per image per step side by side.
 * Use builds made without --production (`node esbuild.js`), whose names are not minified. Time
 * a profile shows as idle is spent waiting: for libvips' threads (sharp calls), or for messages.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Steps, first match wins, by the sampled function's own name (and file where names repeat). */
const STEPS: Array<[string, RegExp]> = [
  ['garbage collection', /^\(garbage collector\)$/],
  ['waiting (sharp calls, messages)', /^\(idle\)$/],
  ['decode', /^(turboDecode|decodeWithSharp|decodeLargest|decode)$/],
  ['resizes', /^(uprightAndFit|resizeLargest|pixelsFor|areaDownscale|halve|horizontal|spans|fastLanczos|sharpLanczos)$/],
  ['encodes', /^(encode|encodeAndWrite|writeGroup|writeMarked|readBack)$/],
  ['stamps', /^futimes$/],
  ['file operations', /^(open|openSync|close|rename|lstat|realpath|readlink|writeBuffer|write|writeAll|mkdir|unlink|fstat|ensure|checkInside|lstatIfAny|openFilePath)$/],
  ['header and source checks', /^(parseJpegHeader|segments|readHead|readSourceFacts|readSourceFactsSync|inspectHead|checkSource|iccProfile|sniffJpeg|read|stat|bigDecodeOf|headerOf)$/],
  ['sharp (JavaScript side)', /sharp\/lib\//],
  ['pool and messages', /\/pool\/|worker_threads|structuredClone|postMessage|(de)?serialize/],
  ['scan, plan and schedule', /^(scanImages|planSource|planNext|plan|entryKind|take|fill|countImages)$|scan\.js|schedule\.js|folderFilter/],
];

function stepOf(frame: ProfileNode['callFrame']): string {
  for (const [step, pattern] of STEPS) if (pattern.test(frame.functionName) || pattern.test(frame.url)) return step;
  return 'other (Node, module loading, the rest)';
}

type Steps = Map<string, number>;

/** ms per step on the main thread and on the worker, from every thread's profile of one run. */
function profileRun(cli: string, folder: string): { images: number; main: Steps; worker: Steps } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ft-breakdown-'));
  try {
    const out = execFileSync(process.execPath, ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`, cli, folder, '--force', '--json', '--workers', '1'], { encoding: 'utf8' });
    const images = (JSON.parse(out) as { images: number }).images;
    const main: Steps = new Map();
    const worker: Steps = new Map();
    for (const file of readdirSync(dir)) {
      // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
      const steps = file.split('.')[4] === '0' ? main : worker;
      const p = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;
      const byId = new Map(p.nodes.map((n) => [n.id, n]));
      p.samples.forEach((id, i) => {
        const step = stepOf(byId.get(id)!.callFrame);
        steps.set(step, (steps.get(step) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
      });
    }
    return { images, main, worker };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const [folder, ...clis] = process.argv.slice(2);
  const runs = clis.map((cli) => ({ cli, ...profileRun(cli, folder) }));
  const steps = [...new Set(runs.flatMap((r) => [...r.worker.keys(), ...r.main.keys()]))].sort();
  const cell = (m: Steps, step: string, n: number): string => ((m.get(step) ?? 0) / n).toFixed(2);
  const total = (m: Steps, n: number, skip: string): string => ([...m].filter(([k]) => k !== skip).reduce((a, [, v]) => a + v, 0) / n).toFixed(2);
  const names = runs.map((r) => path.relative(process.cwd(), r.cli));
  const lines = [
    `| step, ms per image | ${names.map((n) => `${n}: worker | main thread`).join(' | ')} |`,
    `|---|${runs.map(() => '---|---|').join('')}`,
  ];
  for (const step of steps) lines.push(`| ${step} | ${runs.map((r) => `${cell(r.worker, step, r.images)} | ${cell(r.main, step, r.images)}`).join(' | ')} |`);
  const idle = 'waiting (sharp calls, messages)';
  lines.push(`| **busy (all but waiting)** | ${runs.map((r) => `${total(r.worker, r.images, idle)} | ${total(r.main, r.images, idle)}`).join(' | ')} |`);
  console.log(lines.join('\n'));
}

main();
