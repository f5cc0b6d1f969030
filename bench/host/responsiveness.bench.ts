// Runs inside the real extension host (npm run bench:host): while thumbnails.regenerate makes
// thumbnails for 200 camera-like images in the helper process, the extension host's event-loop
// delay and memory (RSS) before, during and after, the time to the first image made, and the
// same folder through the CLI (dist/cli.js, the bin's environment) in alternating rounds
// (FT_BENCH_ROUNDS, default 3), for the editor-vs-CLI ratio of each round. Prints figures;
// asserts nothing about speed or size (a benchmark). FOLDER_THUMBNAILS_PRIORITY=normal in the
// environment of `npm run bench:host` runs the helper as before its priority was lowered.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { GenerateOutcome } from '../../src/commands/generate';
import { helperEnv } from '../../src/core/helper/protocol';
import { api, makePhotoFolder } from '../../test/suite/helpers';

// The host runner passes the variable through even when unset (as ''), so '' means the default too.
const IMAGES = Number(process.env.FT_BENCH_IMAGES || 200);
/** Editor and CLI runs alternate, one of each per round. */
const ROUNDS = Number(process.env.FT_BENCH_ROUNDS || 3);
const ROOT = path.resolve(__dirname, '../../..');

/**
 * The CLI remaking every thumbnail of `dir`, started as the helper is: its seconds, and this
 * extension host's event-loop delay meanwhile (the same files appear; only the process differs).
 */
async function cliRun(dir: string, helperPid: () => number | undefined): Promise<{ seconds: number; p99: number; cpu: CpuSplit; rest: string }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const [job0, host0, machine0, procs0] = [cpu.reapedChildren(), cpu.host(), cpu.machine(), processCpu()];
  // An idle helper left by the editor's run may exit meanwhile: its CPU time is then reaped too.
  const helper = helperPid();
  const helperCpu = cpu.of(helper);
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(ROOT, 'dist', 'cli.js'), dir, '--force', '--json'], { env: helperEnv(process.env), stdio: 'ignore' });
    child.on('close', resolve);
  });
  h.disable();
  if (code !== 0) throw new Error(`cli exited with ${code}`);
  const reapedHelper = helper !== undefined && helperPid() !== helper ? helperCpu : 0;
  const used = split(cpu.reapedChildren() - job0 - reapedHelper, cpu.host() - host0, cpu.machine() - machine0);
  return { seconds: (performance.now() - started) / 1000, p99: h.percentile(99) / 1e6, cpu: used, rest: topUsers(procs0, processCpu(), [process.pid]) };
}

/**
 * CPU seconds so far: this extension host's own, its reaped children's (the CLI, once it has
 * exited), a live process's (the helper), and the whole machine's busy time (/proc/stat).
 */
const clockTicks = 100;
const procTimes = (pid: number | 'self'): number[] => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ').slice(11, 15).map(Number);
const cpu = {
  host: (): number => procTimes('self').slice(0, 2).reduce((a, b) => a + b, 0) / clockTicks,
  reapedChildren: (): number => procTimes('self').slice(2, 4).reduce((a, b) => a + b, 0) / clockTicks,
  of: (pid: number | undefined): number => (pid === undefined ? 0 : procTimes(pid).slice(0, 2).reduce((a, b) => a + b, 0) / clockTicks),
  machine: (): number => {
    const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / clockTicks;
  },
};
/** CPU seconds a run used: the job's process, this extension host, and everything else on the machine. */
interface CpuSplit {
  job: number;
  host: number;
  rest: number;
}
const split = (job: number, host: number, machine: number): CpuSplit => ({ job, host, rest: machine - job - host });
const cpuText = (c: CpuSplit): string => `job ${c.job.toFixed(1)}, extension host ${c.host.toFixed(1)}, the rest ${c.rest.toFixed(1)}`;

/**
 * CPU seconds of every live process, keyed by pid, with a name that tells Chromium's processes
 * apart (`chrome --type=renderer`): what "the rest" of a run was spent on.
 */
function processCpu(): Map<number, { name: string; cpu: number }> {
  const all = new Map<number, { name: string; cpu: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const type = /--type=([\w-]+)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
      all.set(pid, { name: type ? `${comm} ${type}` : comm, cpu: cpu.of(pid) });
    } catch {
      // exited meanwhile
    }
  }
  return all;
}

/** The biggest users of CPU between two processCpu() snapshots, by name, skipping the given pids. */
function topUsers(before: ReturnType<typeof processCpu>, after: ReturnType<typeof processCpu>, skip: (number | undefined)[]): string {
  const byName = new Map<string, number>();
  for (const [pid, { name, cpu: used }] of after) {
    if (skip.includes(pid)) continue;
    byName.set(name, (byName.get(name) ?? 0) + used - (before.get(pid)?.cpu ?? 0));
  }
  return [...byName].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([name, s]) => `${name} ${s.toFixed(1)}`).join(', ');
}

/** Event-loop delay percentiles of this extension host, in ms. */
function delays(h: ReturnType<typeof monitorEventLoopDelay>): { p50: number; p99: number; max: number } {
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

suite('bench: extension host responsiveness', () => {
  test(`event-loop delay while a ${IMAGES}-image job runs, against the CLI, ${ROUNDS} alternating rounds`, async function () {
    this.timeout(60 * 60_000);
    // Five distinct camera-like pictures, copied: making 200 unique ones would dominate the run.
    const seeds = await makePhotoFolder('bench-seeds', 5, 4000, 3000, true);
    const dir = path.join(path.dirname(seeds), 'bench-photos');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const seedFiles = fs.readdirSync(seeds).filter((n) => n.endsWith('.jpg'));
    for (let i = 0; i < IMAGES; i++) fs.copyFileSync(path.join(seeds, seedFiles[i % 5]), path.join(dir, `img-${String(i).padStart(3, '0')}.jpg`));

    await new Promise((r) => setTimeout(r, 3000)); // let the copies' file events settle
    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 5000));
    idle.disable();

    // The default six sizes (the test workspace narrows them to two for the tests).
    const config = vscode.workspace.getConfiguration('thumbnails', vscode.Uri.file(dir));
    const narrowed = config.inspect('sizes')?.workspaceValue;
    await config.update('sizes', undefined, vscode.ConfigurationTarget.Workspace);

    const { runner } = await api();
    const mb = (): number => process.memoryUsage.rss() / 2 ** 20;
    const rssBefore = mb();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, mb())), 50);

    /** The job in the editor (the helper process): its seconds, the event-loop delay meanwhile, the first image's time. */
    const editorRun = async (): Promise<{ seconds: number; p50: number; p99: number; max: number; firstMade?: number; outcome: string; cpu: CpuSplit; rest: string }> => {
      let firstMade: number | undefined;
      // The helper may be alive from the round before (it idles out after 15 s) or start now.
      const helperAtStart = runner.helperPid;
      const [job0, host0, machine0, procs0] = [cpu.of(helperAtStart), cpu.host(), cpu.machine(), processCpu()];
      const started = performance.now();
      const watch = runner.onDidChange(() => {
        if (firstMade === undefined && (runner.jobs[0]?.tally.counts.made ?? 0) > 0) firstMade = performance.now() - started;
      });
      const h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      const { job: outcome } = await vscode.commands.executeCommand<GenerateOutcome>('thumbnails.regenerate', vscode.Uri.file(dir), undefined, { overwrite: 'yes' });
      if (!outcome) throw new Error('the regenerate job did not run');
      const seconds = (performance.now() - started) / 1000;
      h.disable();
      watch.dispose();
      const job = cpu.of(runner.helperPid) - (runner.helperPid === helperAtStart ? job0 : 0);
      const used = split(job, cpu.host() - host0, cpu.machine() - machine0);
      const rest = topUsers(procs0, processCpu(), [process.pid, runner.helperPid]);
      return { seconds, ...delays(h), firstMade, outcome: `${outcome.status}: ${outcome.message}`, cpu: used, rest };
    };

    // Alternating order (CLI first, then editor first, ...), so that a drift of the machine's
    // speed does not favour one side; each round's ratio and the median are printed.
    const rounds: { cli: Awaited<ReturnType<typeof cliRun>>; editor: Awaited<ReturnType<typeof editorRun>> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let cli: Awaited<ReturnType<typeof cliRun>>;
      let editor: Awaited<ReturnType<typeof editorRun>>;
      if (r % 2 === 0) {
        cli = await cliRun(dir, () => runner.helperPid);
        editor = await editorRun();
      } else {
        editor = await editorRun();
        cli = await cliRun(dir, () => runner.helperPid);
      }
      rounds.push({ cli, editor });
      console.log(
        `BENCH round ${r + 1} (${r % 2 === 0 ? 'CLI first' : 'editor first'}): editor ${editor.seconds.toFixed(1)} s (${(IMAGES / editor.seconds).toFixed(2)} img/s), ` +
          `CLI ${cli.seconds.toFixed(1)} s (${(IMAGES / cli.seconds).toFixed(2)} img/s); editor / CLI images per second ${(cli.seconds / editor.seconds).toFixed(3)}; ` +
          `extension host event-loop delay p99 during the job ${editor.p99.toFixed(2)} ms (p50 ${editor.p50.toFixed(2)}, max ${editor.max.toFixed(1)}), during the CLI ${cli.p99.toFixed(2)} ms`,
      );
      console.log(`BENCH round ${r + 1} CPU seconds: editor run ${cpuText(editor.cpu)}; CLI run ${cpuText(cli.cpu)}`);
      console.log(`BENCH round ${r + 1} the rest's biggest users, CPU seconds: editor run ${editor.rest}; CLI run ${cli.rest}`);
    }
    clearInterval(sampler);
    const rssAfter = mb();
    const deadline = Date.now() + 60_000;
    while (runner.helperPid !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const helperLeft = runner.helperPid !== undefined;
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = mb();
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const i = delays(idle);
    console.log(`BENCH responsiveness: ${IMAGES} images of 4000x3000, ${ROUNDS} rounds; helper priority: ${process.env.FOLDER_THUMBNAILS_PRIORITY || 'background (default)'}; last outcome ${rounds.at(-1)?.editor.outcome}`);
    console.log(`BENCH idle 5 s: event-loop delay p50 ${i.p50.toFixed(2)} ms, p99 ${i.p99.toFixed(2)} ms, max ${i.max.toFixed(2)} ms`);
    console.log(`BENCH event-loop delay p99 during the job, per round: ${rounds.map((r) => r.editor.p99.toFixed(2)).join(', ')} ms (median ${med(rounds.map((r) => r.editor.p99)).toFixed(2)}); during the CLI: ${rounds.map((r) => r.cli.p99.toFixed(2)).join(', ')} ms (median ${med(rounds.map((r) => r.cli.p99)).toFixed(2)})`);
    console.log(`BENCH editor / CLI images per second, per round: ${rounds.map((r) => (r.cli.seconds / r.editor.seconds).toFixed(3)).join(', ')} (median ${med(rounds.map((r) => r.cli.seconds / r.editor.seconds)).toFixed(3)})`);
    console.log(`BENCH first image made ${rounds[0].editor.firstMade?.toFixed(0)} ms after the command (helper started cold), later rounds ${rounds.slice(1).map((r) => r.editor.firstMade?.toFixed(0)).join(', ')} ms`);
    console.log(
      `BENCH extension host RSS: ${rssBefore.toFixed(0)} MB before, peak ${rssPeak.toFixed(0)} MB during (+${(rssPeak - rssBefore).toFixed(0)}), ` +
        `${rssAfter.toFixed(0)} MB at the end, ${rssIdle.toFixed(0)} MB once idle (helper process ${helperLeft ? 'still running' : 'exited'})`,
    );
    await config.update('sizes', narrowed, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(seeds, { recursive: true, force: true });
  });
});
