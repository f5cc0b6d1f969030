// Runs inside the real extension host (npm run bench:host): the main thread's event-loop delay
// while thumbnails.generate makes thumbnails for 200 images in the helper process, and the
// extension host's memory (RSS) before, during and after the job, until the helper has exited. Prints
// figures; asserts nothing about speed or size (it is a benchmark, not a test).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import sharp from 'sharp';
import { api } from '../../test/suite/helpers';

// The host runner passes the variable through even when unset (as ''), so '' means the default too.
const IMAGES = Number(process.env.FT_BENCH_IMAGES || 200);

suite('bench: extension host responsiveness', () => {
  test(`event-loop delay while a ${IMAGES}-image job runs`, async function () {
    this.timeout(30 * 60_000);
    const root = process.env.FT_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;
    const dir = path.join(root, 'bench-photos');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    // A few distinct camera-like pictures, copied: making 200 unique ones would dominate the run.
    const seeds: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      seeds.push(await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 120 + i * 10, sigma: 40 } } })
        .jpeg({ quality: 90 }).toBuffer());
    }
    for (let i = 0; i < IMAGES; i++) fs.writeFileSync(path.join(dir, `img-${String(i).padStart(3, '0')}.jpg`), seeds[i % seeds.length]);

    const idle = monitorEventLoopDelay({ resolution: 1 });
    idle.enable();
    await new Promise((r) => setTimeout(r, 2000));
    idle.disable();

    // The default six sizes (the test workspace narrows them to two for the tests).
    const config = vscode.workspace.getConfiguration('thumbnails', vscode.Uri.file(dir));
    const narrowed = config.inspect('sizes')?.workspaceValue;
    await config.update('sizes', undefined, vscode.ConfigurationTarget.Workspace);

    const mb = (): number => process.memoryUsage.rss() / 2 ** 20;
    const rssBefore = mb();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, mb())), 50);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const started = performance.now();
    const [outcome] = await vscode.commands.executeCommand<{ status: string; message: string }[]>('thumbnails.generate', vscode.Uri.file(dir));
    const elapsed = performance.now() - started;
    h.disable();
    clearInterval(sampler);
    const rssAfter = mb();
    // The helper process exits once idle; then see what the extension host keeps.
    const { runner } = await api();
    const deadline = Date.now() + 60_000;
    while (runner.helperPid !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const helperLeft = runner.helperPid !== undefined;
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = mb();
    const ms = (ns: number): string => (ns / 1e6).toFixed(2);
    console.log(`BENCH responsiveness: ${IMAGES} images of 4000x3000, ${outcome.status}: ${outcome.message}`);
    console.log(`BENCH idle 2 s: event-loop delay p50 ${ms(idle.percentile(50))} ms, p99 ${ms(idle.percentile(99))} ms, max ${ms(idle.max)} ms`);
    console.log(`BENCH during job (${(elapsed / 1000).toFixed(1)} s, ${(IMAGES / (elapsed / 1000)).toFixed(1)} img/s): event-loop delay p50 ${ms(h.percentile(50))} ms, p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms`);
    console.log(
      `BENCH extension host RSS: ${rssBefore.toFixed(0)} MB before, peak ${rssPeak.toFixed(0)} MB during, ${rssAfter.toFixed(0)} MB at the end, ` +
        `${rssIdle.toFixed(0)} MB once idle (helper process ${helperLeft ? 'still running' : 'exited'}; sharp is loaded here only to make the images)`,
    );
    await config.update('sizes', narrowed, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
