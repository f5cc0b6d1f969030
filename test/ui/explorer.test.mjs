// UI tier: the packaged .vsix installed in code-server, driven like a person in headless
// Chromium: right-click a folder, the palette's quick pick, a corrupt JPEG, cancelling from the
// notification. Screenshots go to the folder printed at the start: look at them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { hostTarget } from '../../scripts/targets.mjs';
import { installVsix, launchBrowser, makeRunDir, startCodeServer, workbenchUrl } from '../harness/tools.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIZES = ['256x256', '64x64'];

function findVsix() {
  const dir = path.join(root, 'vsix');
  const name = `folder-thumbnails-${hostTarget()}-`;
  const vsix = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => f.startsWith(name) && f.endsWith('.vsix'))
    .map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!vsix) throw new Error('no .vsix: run `npm run package` first (scripts/test.sh does)');
  return vsix;
}

/** JPEGs with noise, so that they cost what camera pictures cost to decode (a flat colour decodes in no time). */
async function photos(dir, count, width, height) {
  fs.mkdirSync(dir, { recursive: true });
  const seeds = [];
  for (let i = 0; i < Math.min(count, 3); i++) {
    seeds.push(await sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 110 + i * 30, sigma: 30 } } })
      .jpeg({ quality: 90 }).toBuffer());
  }
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `img-${String(i).padStart(2, '0')}.jpg`), seeds[i % seeds.length]);
}

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name))).sort();
}

suite('UI: Folder Thumbnails in code-server', function () {
  let runDir, shots, workspace, server, browser, page;
  let shotNo = 0;
  const shot = async (name) => {
    const file = path.join(shots, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
    await page.screenshot({ path: file });
    return file;
  };
  const toast = (text) => page.locator('.notifications-toasts .notification-toast', { hasText: text });
  const explorerRow = (name) => page.locator('.explorer-folders-view .monaco-list-row', {
    has: page.locator('.label-name', { hasText: new RegExp(`^${name}$`) }),
  });

  /** Right-clicks a folder in the Explorer and chooses a menu entry; retries while the extension's contributions load. */
  async function contextMenu(folder, entry) {
    const item = page.locator('.context-view .monaco-menu .action-item', { hasText: new RegExp(`^${entry.replace(/[()]/g, '\\$&')}`) });
    for (let attempt = 0; attempt < 20; attempt++) {
      await explorerRow(folder).click({ button: 'right' });
      try {
        await item.first().waitFor({ state: 'visible', timeout: 1500 });
        return item.first();
      } catch {
        await page.keyboard.press('Escape');
        await page.waitForTimeout(500);
      }
    }
    throw new Error(`the context menu of ${folder} never showed "${entry}"`);
  }

  /**
   * Clicks a context-menu entry. A menu ignores a click that comes too soon after it opened (it
   * guards against the right-click's own mouse-up), so the click is repeated until the menu closes.
   */
  async function choose(item) {
    for (let attempt = 0; attempt < 5; attempt++) {
      await page.waitForTimeout(200);
      await item.click();
      try {
        await item.waitFor({ state: 'hidden', timeout: 1000 });
        return;
      } catch { /* still open: click again */ }
    }
    throw new Error('the context menu did not take the click');
  }

  async function dismissToasts() {
    for (const close of await page.locator('.notifications-toasts .codicon-notifications-clear').all()) {
      await close.click({ force: true }).catch(() => {});
    }
    const clearAll = page.locator('.notifications-toasts .notification-toast').first();
    if (await clearAll.isVisible().catch(() => false)) await page.keyboard.press('Escape');
  }

  suiteSetup(async function () {
    this.timeout(240_000);
    runDir = makeRunDir('ui');
    shots = path.join(runDir, 'screenshots');
    fs.mkdirSync(shots, { recursive: true });
    console.log(`      screenshots: ${shots}`);
    workspace = path.join(runDir, 'gallery');
    fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'thumbnails.sizes': SIZES }, null, 2));
    await photos(path.join(workspace, 'photos'), 8, 4000, 3000);
    await photos(path.join(workspace, 'scans'), 2, 1200, 900);
    fs.writeFileSync(path.join(workspace, 'scans', 'corrupt.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xdb]), Buffer.alloc(64, 7)]));
    const extensionsDir = await installVsix(findVsix(), runDir);
    server = await startCodeServer({ runDir, extensionsDir });
    browser = await launchBrowser(runDir);
    page = browser.pages()[0] ?? await browser.newPage();
    await page.goto(workbenchUrl(server, workspace));
    await explorerRow('photos').waitFor({ timeout: 90_000 });
  });

  /** Clean-ups a test asks for, run after it whether it passed or not, so one failure does not cascade. */
  const teardownSteps = [];
  teardown(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const file = await shot(`FAILED-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`);
      console.log(`      screenshot of the failure: ${file}`);
    }
    for (const step of teardownSteps.splice(0)) step();
  });

  suiteTeardown(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  test('right-click a folder -> Generate Thumbnails -> progress, completion, status bar, files', async () => {
    const item = await contextMenu('photos', 'Generate Thumbnails');
    await shot('context-menu');
    await choose(item);
    await toast('Generating thumbnails for photos').waitFor({ timeout: 20_000 });
    await shot('progress-notification');
    const done = toast(/photos: 8 new images \(16 thumbnails written in [\d.]+ s\)\./);
    await done.waitFor({ timeout: 60_000 });
    for (const button of ['Reveal in Explorer', 'Show Log', 'Hide Thumbnails from Search']) {
      assert.ok(await done.locator('.monaco-button', { hasText: button }).isVisible(), button);
    }
    const status = page.locator('.statusbar-item', { hasText: 'Thumbnails done' });
    await status.waitFor({ timeout: 10_000 });
    await shot('completed');
    const expected = fs.readdirSync(path.join(workspace, 'photos')).filter((f) => f.endsWith('.jpg'))
      .flatMap((f) => SIZES.map((s) => path.join(s, f))).sort();
    assert.deepEqual(listFiles(path.join(workspace, 'photos', 'thumbnails')), expected);
    // Asked once per workspace; only the search setting changes, the Explorer still shows them.
    await done.locator('.monaco-button', { hasText: 'Hide Thumbnails from Search' }).click();
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    for (let i = 0; i < 50 && !fs.readFileSync(settingsFile, 'utf8').includes('search.exclude'); i++) await page.waitForTimeout(100);
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    assert.deepEqual(settings['search.exclude'], { '**/thumbnails': true });
    assert.deepEqual(settings['thumbnails.sizes'], SIZES, 'the other settings are kept');
  });

  test('Regenerate over more than 300 thumbnails asks first; its progress says Regenerating; Reveal shows them', async () => {
    await dismissToasts();
    const many = path.join(workspace, 'many');
    await photos(many, 160, 1600, 1200);
    let revealed = false;
    teardownSteps.push(() => revealed || fs.rmSync(many, { recursive: true, force: true }));
    await explorerRow('many').waitFor({ timeout: 15_000 });
    await choose(await contextMenu('many', 'Generate Thumbnails'));
    const made = toast(/many: 160 new images/);
    await made.waitFor({ timeout: 120_000 });
    assert.ok(!(await made.locator('.monaco-button', { hasText: 'Hide Thumbnails from Search' }).isVisible()), 'offered once per workspace');
    await dismissToasts();
    // A thumbnail's mtime is its stamp (the same when remade): a rewrite shows as a new file.
    const before = fs.statSync(path.join(many, 'thumbnails', '64x64', 'img-00.jpg')).ino;
    const dialog = page.locator('.monaco-dialog-box');
    await choose(await contextMenu('many', 'Regenerate Thumbnails (Overwrite)'));
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.textContent(), /Regenerate thumbnails for many\?.*320 existing thumbnails will be overwritten\./s);
    await shot('regenerate-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 5000 });
    await page.waitForTimeout(1000);
    assert.equal(fs.statSync(path.join(many, 'thumbnails', '64x64', 'img-00.jpg')).ino, before, 'declined: nothing rewritten');
    await choose(await contextMenu('many', 'Regenerate Thumbnails (Overwrite)'));
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Overwrite' }).click();
    await toast('Regenerating thumbnails for many').waitFor({ timeout: 20_000 });
    await shot('regenerating');
    const done = toast(/many: 160 new images/);
    await done.waitFor({ timeout: 120_000 });
    assert.notEqual(fs.statSync(path.join(many, 'thumbnails', '64x64', 'img-00.jpg')).ino, before, 'overwritten');
    await done.locator('.monaco-button', { hasText: 'Reveal in Explorer' }).click();
    await explorerRow('thumbnails').waitFor({ timeout: 10_000 });
    await explorerRow('thumbnails').click();
    await explorerRow('256x256').waitFor({ timeout: 10_000 });
    await explorerRow('256x256').click();
    await explorerRow('img-00.jpg').first().waitFor({ timeout: 10_000 });
    await shot('files-in-explorer');
    revealed = true; // the next test right-clicks these rows, then removes the folder
  });

  test('no thumbnails of thumbnails: the Explorer offers neither command on an output folder or a size folder', async () => {
    await dismissToasts();
    teardownSteps.push(() => fs.rmSync(path.join(workspace, 'many'), { recursive: true, force: true }));
    for (const folder of ['thumbnails', '256x256']) {
      await explorerRow(folder).first().click({ button: 'right' });
      const menu = page.locator('.context-view .monaco-menu');
      await menu.locator('.action-item', { hasText: /^Copy Path/ }).waitFor({ timeout: 10_000 });
      const entries = (await menu.locator('.action-item').allTextContents()).map((t) => t.trim());
      assert.ok(entries.some((e) => e.startsWith('New File')), `a folder menu: ${entries.join(' | ')}`);
      assert.ok(!entries.some((e) => /^(Generate|Regenerate) Thumbnails/.test(e)), `${folder}: ${entries.join(' | ')}`);
      await shot(`menu-${folder}`);
      await page.keyboard.press('Escape');
    }
  });

  test('a folder with a corrupt JPEG shows a warning, and the log names the file', async () => {
    await dismissToasts();
    await choose(await contextMenu('scans', 'Generate Thumbnails'));
    const warning = toast(/scans: 2 new images, 1 could not be read \(4 thumbnails written in [\d.]+ s\)\./);
    await warning.waitFor({ timeout: 60_000 });
    await page.locator('.statusbar-item', { hasText: 'Thumbnails: 1 failed' }).waitFor({ timeout: 10_000 });
    await shot('corrupt-warning');
    await warning.locator('.monaco-button', { hasText: 'Show Log' }).click();
    const output = page.locator('.part.panel .monaco-editor .view-lines');
    const corrupt = 'scans/corrupt.jpg'; // as the workspace shows the path
    await page.waitForFunction(
      ([selector, text]) => [...document.querySelectorAll(selector)].some((e) => e.textContent.replace(/\u00a0/g, ' ').includes(text)),
      ['.part.panel .monaco-editor .view-lines', corrupt], { timeout: 15_000 });
    assert.ok((await output.first().textContent()).includes('corrupt.jpg'));
    await shot('log-names-file');
    assert.deepEqual(listFiles(path.join(workspace, 'scans', 'thumbnails')), SIZES.flatMap((s) => ['img-00.jpg', 'img-01.jpg'].map((f) => path.join(s, f))).sort());
  });

  test('cancelling a long job from the notification stops it and keeps only whole files', async () => {
    await dismissToasts();
    const big = path.join(workspace, 'big');
    await photos(big, 40, 6000, 4000);
    await explorerRow('big').waitFor({ timeout: 15_000 });
    await choose(await contextMenu('big', 'Generate Thumbnails'));
    const progress = toast('Generating thumbnails for big');
    await progress.waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => /\b[1-9]\d* of 40 images/.test(document.querySelector('.notifications-toasts')?.textContent ?? ''), null, { timeout: 60_000 });
    await shot('long-job-running');
    // The toast re-renders as progress arrives: a fresh locator is resolved at the click.
    await page.locator('.notifications-toasts .notification-toast .monaco-button', { hasText: /^Cancel$/ }).click();
    const cancelled = toast(/Cancelled thumbnails for big: (1 new image|\d+ new images), \d+ not done; finished files are kept\./);
    await cancelled.waitFor({ timeout: 10_000 });
    for (const button of ['Generate Again', 'Show Log']) assert.ok(await cancelled.locator('.monaco-button', { hasText: button }).isVisible(), button);
    await shot('cancelled');
    const files = listFiles(path.join(big, 'thumbnails'));
    assert.ok(files.length < 80, `stopped before the end (${files.length} files)`);
    for (const f of files) {
      assert.match(f, /^(256x256|64x64)\/img-\d\d\.jpg$/);
      assert.equal((await sharp(path.join(big, 'thumbnails', f)).metadata()).format, 'jpeg');
    }
    fs.rmSync(big, { recursive: true, force: true });
  });

  test('the commands are not offered where they do not apply: a file, or Cancel while nothing runs', async () => {
    await dismissToasts();
    if (!(await explorerRow('img-00.jpg').first().isVisible())) await explorerRow('photos').click();
    await explorerRow('img-00.jpg').last().click({ button: 'right' });
    const menu = page.locator('.context-view .monaco-menu');
    await menu.locator('.action-item', { hasText: /^Copy Path/ }).waitFor({ timeout: 10_000 });
    const entries = (await menu.locator('.action-item').allTextContents()).map((t) => t.trim());
    assert.ok(!entries.some((e) => e.startsWith('Generate Thumbnails') || e.startsWith('Regenerate Thumbnails')), `file menu: ${entries.join(' | ')}`);
    await shot('file-context-menu');
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Thumbnails:');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'Thumbnails: Generate Thumbnails' }).first().waitFor();
    const commands = (await rows.allTextContents()).join(' | ');
    assert.ok(commands.includes('Show Thumbnails Log'), commands);
    assert.ok(!commands.includes('Cancel Thumbnail Generation'), `Cancel is offered only while a job runs: ${commands}`);
    await page.keyboard.press('Escape');
  });

  test('the command palette offers the workspace folder, the folders holding JPEGs, and Browse...', async () => {
    await dismissToasts();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('>Thumbnails: Generate Thumbnails');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Thumbnails: Generate Thumbnails' }).first().waitFor();
    await page.keyboard.press('Enter');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'Browse...' }).waitFor({ timeout: 10_000 });
    const labels = (await rows.allTextContents()).map((t) => t.trim());
    assert.ok(labels.some((l) => l.startsWith('gallery')), `the workspace folder is offered: ${labels.join(' | ')}`);
    await rows.filter({ hasText: 'has JPEG images' }).first().waitFor({ timeout: 10_000 });
    const found = (await rows.allTextContents()).map((t) => t.trim());
    for (const folder of ['photos', 'scans']) assert.ok(found.some((l) => l.startsWith(folder)), `${folder} is offered: ${found.join(' | ')}`);
    assert.ok(!found.some((l) => l.includes('thumbnails')), `output folders are not: ${found.join(' | ')}`);
    await shot('palette-quick-pick');
    await rows.filter({ hasText: 'gallery' }).first().click();
    // photos are up to date, scans still holds the corrupt file: the warning counts it again.
    const warning = toast(/gallery: 10 up to date, 1 could not be read\./);
    await warning.waitFor({ timeout: 60_000 });
    await shot('palette-result');
  });

  test('Browse... in the palette opens a folder dialog and runs on the folder chosen there', async () => {
    await dismissToasts();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Thumbnails: Generate Thumbnails');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Thumbnails: Generate Thumbnails' }).first().waitFor();
    await page.keyboard.press('Enter');
    // The pick re-renders once the folders holding JPEGs are found: a click before that can land
    // on the row that moved under it (it once ran Generate on photos).
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'has JPEG images' }).first().waitFor({ timeout: 10_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Browse...' }).click();
    // code-server's folder dialog is a quick input holding a path, with our open label as its OK button.
    await page.locator('.quick-input-widget .monaco-button', { hasText: 'Generate Thumbnails' }).waitFor({ timeout: 10_000 });
    await shot('browse-dialog');
    // Typing a folder's path with a trailing slash moves the dialog into it; OK then takes it.
    const ok = page.locator('.quick-input-widget .monaco-button', { hasText: 'Generate Thumbnails' });
    await input.fill(`${path.join(workspace, 'scans')}/`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'thumbnails' }).waitFor({ timeout: 10_000 });
    await shot('browse-in-scans');
    await ok.click();
    const warning = toast(/scans: 2 up to date, 1 could not be read\./);
    await warning.waitFor({ timeout: 60_000 });
    await shot('browse-result');
  });

  test('several folders selected in the Explorer are one job: one progress, one summary', async () => {
    await dismissToasts();
    await photos(path.join(workspace, 'more'), 3, 1600, 1200);
    await explorerRow('more').waitFor({ timeout: 15_000 });
    await explorerRow('photos').click();
    await explorerRow('more').click({ modifiers: ['Control'] });
    await explorerRow('scans').click({ modifiers: ['Control'] });
    await choose(await contextMenu('scans', 'Generate Thumbnails'));
    const summary = toast(/3 folders: 3 new images, 10 up to date, 1 could not be read \(6 thumbnails written in [\d.]+ s\)\./);
    await summary.waitFor({ timeout: 60_000 });
    // The progress toast closes a moment after the summary opens (it once was still there): it is
    // not a second summary, so it is let go before counting.
    await toast('Generating thumbnails for 3 folders').waitFor({ state: 'hidden', timeout: 10_000 });
    await shot('three-folders-summary');
    const texts = await page.locator('.notifications-toasts .notification-toast').allTextContents();
    // (A toast of the Browse test before may still show "scans: ...": that job was another one.)
    assert.equal(texts.filter((t) => /3 folders:|photos:|more:/.test(t)).length, 1, `one summary: ${texts.join(' | ')}`);
    assert.equal(listFiles(path.join(workspace, 'more', 'thumbnails')).length, 6);
  });

  test('Clean Thumbnails from the context menu: a modal names the count first; Remove keeps a user\'s file and says so', async () => {
    await dismissToasts();
    const more = path.join(workspace, 'more');
    fs.writeFileSync(path.join(more, 'thumbnails', '64x64', 'my-notes.txt'), 'mine');
    assert.equal(listFiles(path.join(more, 'thumbnails')).length, 7);
    await explorerRow('more').click(); // one folder selected, not the three of the test before
    const dialog = page.locator('.monaco-dialog-box');
    await choose(await contextMenu('more', 'Clean Thumbnails'));
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(await dialog.textContent(), /Remove 6 thumbnails from more\?.*1 other file in the thumbnail folders stays/s);
    await shot('clean-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 5000 });
    await page.waitForTimeout(500);
    assert.equal(listFiles(path.join(more, 'thumbnails')).length, 7, 'declined: nothing removed');
    await choose(await contextMenu('more', 'Clean Thumbnails'));
    await dialog.waitFor({ timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: /^Remove$/ }).click();
    const done = toast('Removed 6 thumbnails from more; 1 other file kept (see the log).');
    await done.waitFor({ timeout: 30_000 });
    await toast('Removing thumbnails from more').waitFor({ state: 'hidden', timeout: 10_000 });
    await done.locator('.monaco-button', { hasText: 'Show Log' }).click();
    await page.waitForFunction(
      ([selector, text]) => [...document.querySelectorAll(selector)].some((e) => e.textContent.replace(/\u00a0/g, ' ').includes(text)),
      ['.part.panel .monaco-editor .view-lines', 'kept more/thumbnails/64x64/my-notes.txt'], { timeout: 15_000 });
    await shot('clean-result');
    assert.deepEqual(listFiles(path.join(more, 'thumbnails')), [path.join('64x64', 'my-notes.txt')]);
    assert.deepEqual(listFiles(more).filter((f) => f.endsWith('.jpg')).length, 3, 'the photos stay');
  });
});
