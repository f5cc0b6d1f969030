/**
 * Engine benchmark: `npm run bench:engine` (after scripts/corpus.sh has built the corpus).
 * Runs, side by side and alternating, on the same corpus and the same six sizes:
 *   ours      the engine through the CLI (dist/cli.js --force --json), default worker count
 *   ours-sharp  the same without the TurboJPEG fast path: sharp decodes and encodes everything
 *   ours-wasm   the same with libjpeg-turbo as WebAssembly instead of the native addon (other platforms)
 *   original  one pool task per image and size, each decoding again (the original design)
 *   pillow    Debian's python3-pil, decode once per image, 2 processes
 *   vips      vipsthumbnail: 1024 from the source (64 files per process, 2 parallel), the smaller
 *             sizes from that 1024 output (so each source is decoded once)
 *   floor     djpeg -scale 1/4, two at a time: decode only, nothing resized or written
 * and reports images/s, ratios, and peak RSS of the whole process tree, sampled from /proc.
 * Flags: --rounds N (default 3), --before <cli.js> (an older build as the design 'before'), --sets tiny,small,hd,phone,camera,real, --designs ours,pillow,..., --sweep (workers, arena limit), --overhead (pool vs the render function on the main thread).
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ALLOCATOR_DEFAULTS } from '../../src/core/helper/protocol';

const ROOT = path.resolve(__dirname, '../../..');
const PAGE = 4096;

interface Design {
  name: string;
  /** Builds the command for a view folder (symlinks to the corpus) and an empty output folder. */
  command(view: string, out: string): { cmd: string; args: string[]; env?: NodeJS.ProcessEnv };
}

interface Sample {
  design: string;
  set: string;
  round: number;
  images: number;
  wallMs: number;
  peakRssMB: number;
  cpuMs: number;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * A copy of dist/ in out/ (so that node_modules still resolves) without turbojpeg.node and, for
 * `sharp-only`, without turbojpeg.wasm: what the packages for other platforms render with.
 * Copied afresh once per bench run, from the dist/ this run built.
 */
const copies = new Map<string, string>();
function distWithout(name: 'sharp-only' | 'wasm-only', drop: RegExp): string {
  let cli = copies.get(name);
  if (cli === undefined) {
    const dir = path.join(ROOT, 'out', name);
    rmSync(dir, { recursive: true, force: true });
    cpSync(path.join(ROOT, 'dist'), dir, { recursive: true, filter: (f) => !drop.test(f) });
    cli = path.join(dir, 'cli.js');
    copies.set(name, cli);
  }
  return cli;
}

/** `--before <cli.js>`: another build of ours (e.g. the last release's dist/cli.js) as the design 'before'. */
function beforeDesign(): Design | undefined {
  const cli = arg('--before');
  return cli === undefined ? undefined : { name: 'before', command: (view) => ({ cmd: path.resolve(cli), args: [view, '--force', '--json'] }) };
}

function cliPath(): string {
  const dist = path.join(ROOT, 'dist', 'cli.js');
  return existsSync(dist) ? dist : path.join(ROOT, 'out', 'src', 'cli.js');
}

const sh = (script: string): { cmd: string; args: string[] } => ({ cmd: 'bash', args: ['-c', script] });

const DESIGNS: Record<string, Design> = {
  // Executed as the bin is (its shebang sets the malloc arena limit), not as `node cli.js`.
  ours: { name: 'ours', command: (view) => ({ cmd: cliPath(), args: [view, '--force', '--json'] }) },
  // The same with sharp doing every decode and encode: the bundles without turbojpeg.node
  // (src/native/turbojpeg.c) or turbojpeg.wasm (src/wasm), as before the WebAssembly build.
  'ours-sharp': { name: 'ours-sharp', command: (view) => ({ cmd: distWithout('sharp-only', /\.(node|wasm)$/), args: [view, '--force', '--json'] }) },
  // Every platform but Linux x64: the bundles with turbojpeg.wasm and no turbojpeg.node.
  'ours-wasm': { name: 'ours-wasm', command: (view) => ({ cmd: distWithout('wasm-only', /\.node$/), args: [view, '--force', '--json'] }) },
  original: {
    name: 'original',
    command: (view, out) => ({ cmd: process.execPath, args: [path.join(__dirname, 'original.js'), view, out, '2'] }),
  },
  pillow: {
    name: 'pillow',
    command: (view, out) => ({ cmd: '/usr/bin/python3', args: [path.join(ROOT, 'bench', 'engine', 'pillow.py'), view, out, '2'] }),
  },
  vips: {
    name: 'vips',
    command: (view, out) =>
      sh(
        `set -e; mkdir -p ${out}/1024x1024; cd ${view}; ls | grep -i '\\.jpe\\?g$' | xargs -P2 -n64 vipsthumbnail -s '1024x1024>' -o '${out}/1024x1024/%s.jpg[Q=65]';` +
          `for s in 512 256 128 64 32; do mkdir -p ${out}/$\{s}x$\{s}; (cd ${out}/1024x1024 && ls | xargs -P2 -n64 vipsthumbnail -s "$\{s}x$\{s}>" -o "${out}/$\{s}x$\{s}/%s.jpg[Q=65]"); done`,
      ),
  },
  floor: {
    name: 'floor',
    command: (view) => sh(`cd ${view}; ls | grep -i '\\.jpe\\?g$' | xargs -P2 -n1 sh -c 'djpeg -scale 1/4 "$0" > /dev/null'`),
  },
};

/** Sum of resident pages of `pid` and all its descendants, in bytes. */
function treeRss(pid: number): { rss: number; cpuTicks: number } {
  let rss = 0;
  let cpuTicks = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    try {
      rss += Number(readFileSync(`/proc/${p}/statm`, 'utf8').split(' ')[1]) * PAGE;
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (children) for (const c of children.split(' ')) stack.push(Number(c));
      }
    } catch {
      // exited between listing and reading
    }
  }
  return { rss, cpuTicks };
}

function runMeasured(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ wallMs: number; peak: number; stdout: string; cpuMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sample = (): void => {
      if (child.pid !== undefined) peak = Math.max(peak, treeRss(child.pid).rss);
    };
    const timer = setInterval(sample, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const wallMs = performance.now() - started;
      if (code !== 0 && code !== 1) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(0, 2000)}`));
      else resolve({ wallMs, peak, stdout, cpuMs: 0 });
    });
  });
}

/** CPU time of finished children (user + system), from /proc/self/stat's cutime/cstime. */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  // fields[0] is state (field 3); cutime is field 16, cstime 17 -> indices 13, 14.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
}

function makeView(corpus: string): { view: string; images: number; cleanup: () => void } {
  const view = mkdtempSync(path.join(os.tmpdir(), 'ft-bench-view-'));
  const files = readdirSync(corpus).filter((f) => /\.jpe?g$/i.test(f));
  for (const f of files) symlinkSync(path.join(corpus, f), path.join(view, f));
  return { view, images: files.length, cleanup: () => rmSync(view, { recursive: true, force: true }) };
}

async function runOnce(design: Design, set: string, corpus: string, round: number, env?: NodeJS.ProcessEnv): Promise<Sample> {
  const { view, images, cleanup } = makeView(corpus);
  const out = mkdtempSync(path.join(os.tmpdir(), 'ft-bench-out-'));
  try {
    const { cmd, args, env: designEnv } = design.command(view, out);
    const cpu0 = childrenCpuMs();
    const r = await runMeasured(cmd, args, env ?? designEnv);
    const cpuMs = childrenCpuMs() - cpu0;
    return { design: design.name, set, round, images, wallMs: r.wallMs, peakRssMB: r.peak / 1e6, cpuMs };
  } finally {
    cleanup();
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function corpusRoot(): string {
  return execFileSync('bash', [path.join(ROOT, 'scripts', 'corpus.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function warm(corpus: string): void {
  for (const f of readdirSync(corpus)) if (/\.jpe?g$/i.test(f)) readFileSync(path.join(corpus, f));
}

async function sideBySide(root: string, sets: string[], rounds: number): Promise<Sample[]> {
  const before = beforeDesign();
  if (before) DESIGNS.before = before;
  const designs = [...(arg('--designs') ?? 'ours,ours-wasm,ours-sharp,original,pillow,vips,floor').split(','), ...(before ? ['before'] : [])].filter(
    (d) => d !== 'vips' || existsSync('/usr/bin/vipsthumbnail'),
  );
  const samples: Sample[] = [];
  for (const set of sets) {
    const corpus = path.join(root, set);
    warm(corpus);
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so no design always runs first or after the same one.
      const order = designs.map((_, i) => designs[(i + round) % designs.length]);
      for (const d of order) {
        const s = await runOnce(DESIGNS[d], set, corpus, round);
        samples.push(s);
        process.stderr.write(`[bench] ${set} round ${round + 1}/${rounds} ${d}: ${(s.images / (s.wallMs / 1000)).toFixed(1)} img/s, ${s.wallMs.toFixed(0)} ms, cpu ${s.cpuMs.toFixed(0)} ms, peak ${s.peakRssMB.toFixed(0)} MB\n`);
      }
    }
  }
  return samples;
}

function report(samples: Sample[]): string {
  const lines: string[] = [];
  const sets = [...new Set(samples.map((s) => s.set))];
  for (const set of sets) {
    const rows = samples.filter((s) => s.set === set);
    const designs = [...new Set(rows.map((s) => s.design))];
    const stat = Object.fromEntries(
      designs.map((d) => {
        const rs = rows.filter((s) => s.design === d);
        const wall = median(rs.map((s) => s.wallMs));
        return [d, { wall, ips: rs[0].images / (wall / 1000), peak: Math.max(...rs.map((s) => s.peakRssMB)), cpu: median(rs.map((s) => s.cpuMs)) / rs[0].images, n: rs.length }];
      }),
    );
    lines.push(`\n### ${set} (${rows[0].images} images, median of ${stat[designs[0]].n} rounds)\n`);
    lines.push('| design | img/s | wall ms | CPU ms/img | peak RSS (tree) MB | ours is x faster |');
    lines.push('|---|---|---|---|---|---|');
    for (const d of designs) {
      const s = stat[d];
      const ratio = stat.ours ? s.wall / stat.ours.wall : NaN;
      lines.push(`| ${d} | ${s.ips.toFixed(1)} | ${s.wall.toFixed(0)} | ${s.cpu.toFixed(1)} | ${s.peak.toFixed(0)} | ${ratio.toFixed(2)} |`);
    }
    if (stat.ours) {
      const peers = ['pillow', 'vips'].filter((d) => stat[d]);
      const best = peers.reduce((a, b) => (stat[a].wall < stat[b].wall ? a : b));
      lines.push('');
      lines.push(`- vs best peer (${best}): ${(stat[best].wall / stat.ours.wall).toFixed(2)}x`);
      // The size-class goal: Pillow's time over ours at least 1.5x, on every package's path.
      for (const d of ['ours', 'ours-wasm', 'ours-sharp'].filter((x) => stat[x] && stat.pillow)) {
        lines.push(`- Pillow time / ${d}: ${(stat.pillow.wall / stat[d].wall).toFixed(2)}x (goal >= 1.5x)`);
      }
      if (stat.before) lines.push(`- before / ours: ${(stat.before.wall / stat.ours.wall).toFixed(2)}x the time (CPU ms/img ${stat.before.cpu.toFixed(1)} -> ${stat.ours.cpu.toFixed(1)})`);
      if (stat.original) lines.push(`- vs original design: ${(stat.original.wall / stat.ours.wall).toFixed(2)}x (goal >= 4.5x)`);
      if (stat.floor) lines.push(`- time vs decode floor: ${(stat.ours.wall / stat.floor.wall).toFixed(2)}x the floor's`);
      lines.push(`- peak memory: ${stat.ours.peak.toFixed(0)} MB (goal <= ${set === 'real' ? 300 : 200} MB)`);
    }
  }
  return lines.join('\n');
}

async function sweep(root: string, rounds: number): Promise<string> {
  const variants: Array<[string, string[], NodeJS.ProcessEnv]> = [
    ['1 worker', ['--workers', '1'], {}],
    ['2 workers (default)', ['--workers', '2'], {}],
    ['3 workers', ['--workers', '3'], {}],
    ['2 workers, no arena limit (node cli.js)', ['--workers', '2'], { FT_BENCH_VIA_NODE: '1' }],
  ];
  const lines = ['\n### sweep: workers x arena limit (ours through the CLI)\n', '| set | variant | img/s | peak RSS MB |', '|---|---|---|---|'];
  for (const set of ['camera', 'real']) {
    const corpus = path.join(root, set);
    warm(corpus);
    const results = new Map<string, Sample[]>();
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        const [label, extra, env] = variants[(i + round) % variants.length];
        const design: Design = {
          name: label,
          command: (view) =>
            env.FT_BENCH_VIA_NODE
              ? { cmd: process.execPath, args: [cliPath(), view, '--force', '--json', ...extra] }
              : { cmd: cliPath(), args: [view, '--force', '--json', ...extra] },
        };
        const s = await runOnce(design, set, corpus, round, { ...process.env, ...env });
        results.set(label, [...(results.get(label) ?? []), s]);
        process.stderr.write(`[sweep] ${set} ${label}: ${(s.images / (s.wallMs / 1000)).toFixed(1)} img/s, peak ${s.peakRssMB.toFixed(0)} MB\n`);
      }
    }
    for (const [label] of variants) {
      const rs = results.get(label)!;
      const wall = median(rs.map((s) => s.wallMs));
      lines.push(`| ${set} | ${label} | ${(rs[0].images / (wall / 1000)).toFixed(1)} | ${Math.max(...rs.map((s) => s.peakRssMB)).toFixed(0)} |`);
    }
  }
  return lines.join('\n');
}

/**
 * The pool's cost on a real job: the engine through our pool, and through piscina for
 * comparison, against render() called directly on the main thread; same images, 2 in flight,
 * libvips concurrency 1, order rotated each round, each process timing three jobs in a row.
 * "cold" is the first job (threads start and load sharp, against sharp loading once on the main
 * thread); "warm" the later ones (the workers are still alive, as for a second job within the
 * idle timeout). Timed inside the process: no Node start.
 */
async function overhead(root: string, sets: string[], rounds: number): Promise<string> {
  const lines = [
    '\n### pool overhead: engine through a pool vs render() on the main thread (2 in flight, libvips concurrency 1)\n',
    '| set | direct cold / warm ms | ours cold / warm ms | ours overhead cold / warm, median of rounds (range) | piscina cold / warm ms | piscina overhead cold / warm |',
    '|---|---|---|---|---|---|',
  ];
  const modes = ['pool', 'piscina', 'direct'];
  for (const set of sets) {
    const corpus = path.join(root, set);
    warm(corpus);
    const cold: Record<string, number[]> = { pool: [], piscina: [], direct: [] };
    const hot: Record<string, number[]> = { pool: [], piscina: [], direct: [] };
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes.map((_, i) => modes[(i + round) % modes.length])) {
        const { view, cleanup } = makeView(corpus);
        try {
          // Every mode under the allocator defaults the bin gives the CLI, a value set by the user kept as there.
          const r = await runMeasured(process.execPath, [path.join(__dirname, 'direct.js'), mode, view, '2', '3'], { ...ALLOCATOR_DEFAULTS, ...process.env });
          const { elapsedMs } = JSON.parse(r.stdout) as { elapsedMs: number[] };
          cold[mode].push(elapsedMs[0]);
          hot[mode].push(...elapsedMs.slice(1));
          process.stderr.write(`[overhead] ${set} ${mode}: ${elapsedMs.map((x) => x.toFixed(0)).join(', ')} ms\n`);
        } finally {
          cleanup();
        }
      }
    }
    // A round's modes run within ~40 s of each other, so a ratio within a round cancels the slow
    // drift of this shared machine's speed; the table gives the median of the per-round ratios
    // (and their range), beside each mode's median times.
    const pct = (r: number): string => `${((r - 1) * 100).toFixed(1)}%`;
    const perRound = (m: string, of: Record<string, number[]>, per: number): number[] =>
      Array.from({ length: rounds }, (_, r) => {
        const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
        return mean(of[m].slice(r * per, r * per + per)) / mean(of.direct.slice(r * per, r * per + per));
      });
    const ratios = (m: string, of: Record<string, number[]>, per: number): string => {
      const rs = perRound(m, of, per);
      return `${pct(median(rs))} (${pct(Math.min(...rs))}..${pct(Math.max(...rs))})`;
    };
    const times = (m: string): string => `${median(cold[m]).toFixed(0)} / ${median(hot[m]).toFixed(0)}`;
    const cells = (m: string): string => `${times(m)} | ${ratios(m, cold, 1)} / ${ratios(m, hot, 2)}`;
    lines.push(`| ${set} | ${times('direct')} | ${cells('pool')} | ${cells('piscina')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const rounds = Number(arg('--rounds') ?? 3);
  const sets = (arg('--sets') ?? 'tiny,small,hd,phone,camera,real').split(',');
  const root = corpusRoot();
  const source = existsSync(path.join(root, 'SOURCE')) ? readFileSync(path.join(root, 'SOURCE'), 'utf8').trim() : 'unknown';
  let text = `## Engine benchmark (${new Date().toISOString()}, ${os.cpus().length} cores, corpus: ${source})\n`;
  const all: unknown[] = [];
  if (process.argv.includes('--sweep')) text += await sweep(root, rounds);
  else if (process.argv.includes('--overhead')) text += await overhead(root, sets, rounds);
  else {
    const samples = await sideBySide(root, sets, rounds);
    all.push(...samples);
    text += report(samples);
  }
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(dir, `engine-${stamp}.md`), `${text}\n`);
  if (all.length) writeFileSync(path.join(dir, `engine-${stamp}.json`), JSON.stringify(all, null, 2));
  process.stdout.write(`${text}\n`);
}

void main();
