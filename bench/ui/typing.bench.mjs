// Typing latency in the real editor while a thumbnail job runs (npm run bench:typing): the packaged
// .vsix in code-server, headless Chromium typing into a text file through playwright-core, idle
// and during a job over camera-like photos with the default worker count. The helper's priority is
// switched per round through FOLDER_THUMBNAILS_PRIORITY (src/core/priority.ts; only benchmarks set
// it): `normal` is the behaviour before, `threads` only the threads' nice value, `background` the
// default. Rounds alternate the modes. Method and figures: bench/README.md ("Typing while thumbnails are made"). Prints figures;
// asserts nothing.
//
//   node bench/ui/typing.bench.mjs [--images 160] [--rounds 2] [--modes normal,threads,background]
//                                  [--idle-s 8] [--job-s 12] [--interval-ms 100] [--profile <dir>]
// --profile writes a CPU profile of the window's renderer for each phase (idle, during) as
// <dir>/<mode>-<round>-<phase>.cpuprofile, for Chromium's DevTools or a script.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { installVsix, launchBrowser, makeRunDir, startCodeServer, workbenchUrl } from '../../test/harness/tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const IMAGES = Number(opt('images', 160));
const ROUNDS = Number(opt('rounds', 2));
const MODES = opt('modes', 'normal,threads,background').split(',');
const IDLE_S = Number(opt('idle-s', 8));
const JOB_S = Number(opt('job-s', 12));
const INTERVAL_MS = Number(opt('interval-ms', 100));
const PROFILE_DIR = opt('profile', undefined);
/** A frame gap longer than this is a stall (three missed frames at 60 Hz). */
const STALL_MS = 50;

function findVsix() {
  const vsix = fs.readdirSync(root).filter((f) => /^folder-thumbnails-linux-x64-.*\.vsix$/.test(f))
    .map((f) => path.join(root, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!vsix) throw new Error('no .vsix: run `npm run package` first (npm run bench:typing does)');
  return vsix;
}

/** Five camera-like 4000x3000 pictures (grain, quality 90), copied to `count` files, as bench:host has them. */
async function photos(dir, count) {
  fs.mkdirSync(dir, { recursive: true });
  const seeds = [];
  for (let i = 0; i < 5; i++) {
    seeds.push(await sharp({ create: { width: 4000, height: 3000, channels: 3, background: { r: (i * 37) % 256, g: 120, b: 200 }, noise: { type: 'gaussian', mean: 120 + i * 10, sigma: 40 } } })
      .jpeg({ quality: 90 }).toBuffer());
  }
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `img-${String(i).padStart(3, '0')}.jpg`), seeds[i % 5]);
}

/**
 * Installed in the page: timestamps every letter key and the frame that paints it, plus the
 * frame gaps and long tasks of the renderer's main thread while `recording`.
 *
 * Key press: the keydown event's timeStamp (when the browser made the event, before it waited
 * for the renderer's main thread). Painted: Monaco changes the view lines inside an animation
 * frame callback and the browser paints right after that frame's callbacks, so the first task
 * after the change (a MessageChannel message) runs once that frame is done; a change outside a
 * frame callback waits for the next frame first. Latency = painted - key press. The letters on
 * screen are counted from the view lines' text, so each key is matched to the frame showing it.
 */
function instrument() {
  const ft = (window.__ft = { keys: [], gaps: [], longTasks: [], recording: false, base: 0, typed: 0, inFrameTail: false });
  ft.reset = () => { ft.keys = []; ft.gaps = []; ft.longTasks = []; ft.typed = 0; ft.base = shown(); ft.recording = true; };
  const rawRaf = window.requestAnimationFrame.bind(window);
  // Marks the microtasks right after any frame callback (Monaco's renders among them).
  window.requestAnimationFrame = (cb) => rawRaf((t) => {
    try { cb(t); } finally { ft.inFrameTail = true; queueMicrotask(() => { ft.inFrameTail = false; }); }
  });
  const channel = new MessageChannel();
  const afterTask = [];
  channel.port1.onmessage = () => { const now = performance.now(); for (const f of afterTask.splice(0)) f(now); };
  const afterPaint = (f) => {
    const post = () => { afterTask.push(f); channel.port2.postMessage(0); };
    if (ft.inFrameTail) post(); else rawRaf(post);
  };
  const lines = () => document.querySelector('.part.editor .monaco-editor .view-lines');
  const shown = () => (lines()?.textContent ?? '').replace(/[\s\u00a0]/g, '').length;
  const pending = [];
  window.addEventListener('keydown', (e) => {
    if (!ft.recording || !/^[a-z]$/.test(e.key)) return;
    pending.push({ n: ++ft.typed, key: e.timeStamp });
  }, true);
  new MutationObserver(() => {
    const count = shown() - ft.base;
    const now = performance.now();
    const done = [];
    const inFrame = ft.inFrameTail;
    while (pending.length > 0 && pending[0].n <= count) done.push({ ...pending.shift(), dom: now, inFrame });
    if (done.length > 0) afterPaint((painted) => { for (const k of done) ft.keys.push({ ...k, painted }); });
  }).observe(document.querySelector('.part.editor'), { subtree: true, childList: true, characterData: true });
  let last = 0;
  const frame = (t) => {
    if (ft.recording && last > 0) ft.gaps.push(t - last);
    last = ft.recording ? t : 0;
    rawRaf(frame);
  };
  rawRaf(frame);
  new PerformanceObserver((list) => {
    if (ft.recording) for (const e of list.getEntries()) ft.longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
}

/** Types words of letters at a steady pace for `seconds`, a new line every 40 letters; with `profile`, under the CPU profiler. */
async function typeFor(page, seconds, profile) {
  const cdp = profile && await page.context().newCDPSession(page);
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    await cdp.send('Profiler.start');
  }
  await page.evaluate(() => window.__ft.reset());
  const end = Date.now() + seconds * 1000;
  const letters = 'thequickbrownfoxjumpsoverthelazydog';
  for (let i = 0; Date.now() < end; i++) {
    const t0 = Date.now();
    await page.keyboard.press(letters[i % letters.length]);
    if (i % 6 === 5) await page.keyboard.press(i % 40 > 34 ? 'Enter' : 'Space');
    await new Promise((r) => setTimeout(r, Math.max(0, INTERVAL_MS - (Date.now() - t0))));
  }
  await page.waitForTimeout(500); // the last keys' frames
  if (cdp) {
    const { profile: data } = await cdp.send('Profiler.stop');
    fs.mkdirSync(path.dirname(profile), { recursive: true });
    fs.writeFileSync(profile, JSON.stringify(data));
    await cdp.detach();
  }
  return page.evaluate(() => {
    const ft = window.__ft;
    ft.recording = false;
    return { latency: ft.keys.map((k) => k.painted - k.key), toDom: ft.keys.map((k) => k.dom - k.key), inFrame: ft.keys.filter((k) => k.inFrame).length, typed: ft.typed, gaps: ft.gaps, longTasks: ft.longTasks };
  });
}

const quantile = (xs, q) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);

function summarise(sample) {
  return {
    keys: sample.latency.length,
    typed: sample.typed,
    inFrame: sample.inFrame,
    median: median(sample.latency),
    p95: quantile(sample.latency, 0.95),
    worst: Math.max(...sample.latency),
    stalls: sample.gaps.filter((g) => g > STALL_MS).length,
    worstGap: Math.max(0, ...sample.gaps),
    longTasks: sample.longTasks.length,
    worstLongTask: Math.max(0, ...sample.longTasks),
  };
}

const explorerRow = (page, name) => page.locator('.explorer-folders-view .monaco-list-row', {
  has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }),
});

/** Right-click `folder` -> `entry`, retrying while the extension's contributions load (as test/ui does). */
async function runFromContextMenu(page, folder, entry) {
  const item = page.locator('.context-view .monaco-menu .action-item', { hasText: new RegExp(`^${entry.replace(/[()]/g, '\\$&')}`) });
  for (let attempt = 0; attempt < 20; attempt++) {
    await explorerRow(page, folder).click({ button: 'right' });
    try {
      await item.first().waitFor({ state: 'visible', timeout: 1500 });
      break;
    } catch {
      await page.keyboard.press('Escape');
      await page.waitForTimeout(500);
    }
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.waitForTimeout(200);
    await item.first().click();
    try {
      await item.first().waitFor({ state: 'hidden', timeout: 1000 });
      return;
    } catch { /* the menu ignored a click too soon after opening */ }
  }
  throw new Error(`could not choose ${entry}`);
}

/** The round's server and browser, stopped also when the bench is interrupted (code-server keeps an orphaned extension host, and so the job, running). */
const live = {};

async function round(mode, roundNumber, workspace, vsix, log) {
  const runDir = makeRunDir('typing');
  let server;
  let browser;
  try {
    fs.writeFileSync(path.join(workspace, 'notes.txt'), '');
    const extensionsDir = await installVsix(vsix, runDir);
    server = live.server = await startCodeServer({
      runDir, extensionsDir, env: { FOLDER_THUMBNAILS_PRIORITY: mode },
      // No word-based suggestions: their widget would take the Enter keys.
      userSettings: { 'editor.wordBasedSuggestions': 'off', 'files.autoSave': 'off' },
    });
    browser = live.browser = await launchBrowser(runDir);
    const page = browser.pages()[0] ?? await browser.newPage();
    await page.goto(workbenchUrl(server, workspace));
    await explorerRow(page, 'notes.txt').waitFor({ timeout: 90_000 });
    await explorerRow(page, 'notes.txt').click();
    await page.locator('.part.editor .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
    await page.locator('.part.editor .monaco-editor .view-lines').click();
    await page.evaluate(instrument);
    await page.waitForTimeout(4000); // the workbench's start-up work settles
    const profileOf = (phase) => PROFILE_DIR && path.resolve(PROFILE_DIR, `${mode}-${roundNumber}-${phase}.cpuprofile`);
    const idle = await typeFor(page, IDLE_S, profileOf('idle'));
    await runFromContextMenu(page, 'photos', 'Regenerate Thumbnails (Overwrite)');
    // Regenerate asks first when it would overwrite more than 300 thumbnails (an earlier round's).
    const progress = page.locator('.notifications-toasts .notification-toast', { hasText: 'Regenerating thumbnails for photos' });
    const question = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Overwrite' });
    await Promise.race([progress.waitFor({ timeout: 30_000 }), question.waitFor({ timeout: 30_000 }).then(() => question.click())]);
    await progress.waitFor({ timeout: 30_000 });
    await page.locator('.part.editor .monaco-editor .view-lines').click();
    const during = await typeFor(page, JOB_S, profileOf('during'));
    const doneToast = page.locator('.notifications-toasts .notification-toast', { hasText: /photos: \d+ new images \(\d+ thumbnails written in [\d.]+ s\)/ });
    const endedBeforeTyping = await doneToast.isVisible();
    await doneToast.waitFor({ timeout: 300_000 });
    const [, images, seconds] = /(\d+) new images \(\d+ thumbnails written in ([\d.]+) s\)/.exec(await doneToast.textContent());
    const result = { mode, idle: summarise(idle), during: summarise(during), imagesPerSecond: Number(images) / Number(seconds), jobSeconds: Number(seconds), endedBeforeTyping, raw: { idle, during } };
    log(result);
    return result;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

const f = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const line = (s) => `median ${f(s.median)} ms, p95 ${f(s.p95)}, worst ${f(s.worst)}; stalls >${STALL_MS} ms ${s.stalls} (worst frame gap ${f(s.worstGap)}), long tasks ${s.longTasks} (worst ${f(s.worstLongTask)}); ${s.keys}/${s.typed} keys, ${s.inFrame} drawn in a frame callback`;

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ft-typing-'));
const stopAll = async (code) => {
  await live.browser?.close().catch(() => {});
  await live.server?.stop().catch(() => {});
  fs.rmSync(base, { recursive: true, force: true });
  process.exit(code);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => void stopAll(130));
process.stdout.on('error', () => void stopAll(1)); // e.g. piped into `head`
const workspace = path.join(base, 'workspace');
console.log(`[typing] ${IMAGES} photos of 4000x3000 in ${workspace}; modes ${MODES.join(', ')} x ${ROUNDS} rounds; ${os.availableParallelism()} cores; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await photos(path.join(workspace, 'photos'), IMAGES);
const vsix = findVsix();
const results = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? MODES : [...MODES].reverse()) {
      results.push(await round(mode, r + 1, workspace, vsix, (res) => {
        console.log(`[typing] round ${r + 1} ${res.mode}: ${res.imagesPerSecond.toFixed(2)} img/s (${res.jobSeconds} s)${res.endedBeforeTyping ? ' JOB ENDED BEFORE THE TYPING DID' : ''}; load ${os.loadavg()[0].toFixed(2)}`);
        console.log(`[typing]   idle:   ${line(res.idle)}`);
        console.log(`[typing]   during: ${line(res.during)}`);
      }));
    }
  }
} finally {
  fs.rmSync(base, { recursive: true, force: true });
}

// Every key of every round of a mode together; images/s as the median of its rounds.
console.log(`\n[typing] summary (keys of all rounds pooled; ratio = during / idle median)`);
const byMode = {};
for (const mode of MODES) {
  const mine = results.filter((r) => r.mode === mode);
  const pool = (phase) => summarise({
    latency: mine.flatMap((r) => r.raw[phase].latency), typed: mine.reduce((s, r) => s + r.raw[phase].typed, 0),
    inFrame: mine.reduce((s, r) => s + r.raw[phase].inFrame, 0),
    gaps: mine.flatMap((r) => r.raw[phase].gaps), longTasks: mine.flatMap((r) => r.raw[phase].longTasks),
  });
  byMode[mode] = { idle: pool('idle'), during: pool('during'), imagesPerSecond: median(mine.map((r) => r.imagesPerSecond)) };
  const m = byMode[mode];
  console.log(`[typing] ${mode.padEnd(10)} idle   ${line(m.idle)}`);
  console.log(`[typing] ${' '.padEnd(10)} during ${line(m.during)}`);
  console.log(`[typing] ${' '.padEnd(10)} during / idle median ${(m.during.median / m.idle.median).toFixed(2)}x; job ${m.imagesPerSecond.toFixed(2)} img/s (rounds: ${mine.map((r) => r.imagesPerSecond.toFixed(2)).join(', ')})`);
}
const out = path.join(root, 'bench', 'results');
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, `typing-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ images: IMAGES, rounds: ROUNDS, modes: MODES, byMode, results: results.map(({ raw, ...r }) => r) }, null, 2));
console.log(`[typing] written to ${file}`);
