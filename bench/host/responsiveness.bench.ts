// Runs inside the real extension host (npm run bench:host): while thumbnails.regenerate makes
// thumbnails for 200 camera-like images in the helper process, the extension host's event-loop
// delay and memory (RSS) before, during and after, the time to the first image made, and the
// same folder through the CLI (dist/cli.js, the bin's environment) before and after, for the
// editor-vs-CLI ratio. Prints figures; asserts nothing about speed or size (a benchmark).
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
const ROOT = path.resolve(__dirname, '../../..');

/**
 * The CLI remaking every thumbnail of `dir`, started as the helper is: its seconds, and this
 * extension host's event-loop delay meanwhile (the same files appear; only the process differs).
 */
async function cliRun(dir: string): Promise<{ seconds: number; p99: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(ROOT, 'dist', 'cli.js'), dir, '--force', '--json'], { env: helperEnv(process.env), stdio: 'ignore' });
    child.on('close', resolve);
  });
  h.disable();
  if (code !== 0) throw new Error(`cli exited with ${code}`);
  return { seconds: (performance.now() - started) / 1000, p99: h.percentile(99) / 1e6 };
}

suite('bench: extension host responsiveness', () => {
  test(`event-loop delay while a ${IMAGES}-image job runs`, async function () {
    this.timeout(30 * 60_000);
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
    const cliBefore = await cliRun(dir);

    const { runner } = await api();
    const mb = (): number => process.memoryUsage.rss() / 2 ** 20;
    const rssBefore = mb();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, mb())), 50);
    let firstMade: number | undefined;
    const started = performance.now();
    const watch = runner.onDidChange(() => {
      if (firstMade === undefined && (runner.jobs[0]?.tally.counts.made ?? 0) > 0) firstMade = performance.now() - started;
    });
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const { job: outcome } = await vscode.commands.executeCommand<GenerateOutcome>('thumbnails.regenerate', vscode.Uri.file(dir), undefined, { overwrite: 'yes' });
    if (!outcome) throw new Error('the regenerate job did not run');
    const elapsed = (performance.now() - started) / 1000;
    h.disable();
    watch.dispose();
    clearInterval(sampler);
    const rssAfter = mb();
    const cliAfter = await cliRun(dir);
    const deadline = Date.now() + 60_000;
    while (runner.helperPid !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const helperLeft = runner.helperPid !== undefined;
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = mb();
    const ms = (ns: number): string => (ns / 1e6).toFixed(2);
    const cli = (cliBefore.seconds + cliAfter.seconds) / 2;
    console.log(`BENCH responsiveness: ${IMAGES} images of 4000x3000, ${outcome.status}: ${outcome.message}`);
    console.log(`BENCH idle 5 s: event-loop delay p50 ${ms(idle.percentile(50))} ms, p99 ${ms(idle.percentile(99))} ms, max ${ms(idle.max)} ms`);
    console.log(`BENCH during job (${elapsed.toFixed(1)} s, ${(IMAGES / elapsed).toFixed(1)} img/s): event-loop delay p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms`);
    console.log(`BENCH first image made ${firstMade?.toFixed(0)} ms after the command (helper started cold)`);
    console.log(
      `BENCH CLI on the same folder: ${cliBefore.seconds.toFixed(1)} s before, ${cliAfter.seconds.toFixed(1)} s after; editor / CLI time ${(elapsed / cli).toFixed(3)}; ` +
        `this extension host's event-loop delay p99 meanwhile ${cliBefore.p99.toFixed(2)} / ${cliAfter.p99.toFixed(2)} ms`,
    );
    console.log(
      `BENCH extension host RSS: ${rssBefore.toFixed(0)} MB before, peak ${rssPeak.toFixed(0)} MB during (+${(rssPeak - rssBefore).toFixed(0)}), ` +
        `${rssAfter.toFixed(0)} MB at the end, ${rssIdle.toFixed(0)} MB once idle (helper process ${helperLeft ? 'still running' : 'exited'})`,
    );
    await config.update('sizes', narrowed, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(seeds, { recursive: true, force: true });
  });
});
