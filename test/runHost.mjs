// Runs the mocha suite in out/test/suite inside a real VS Code extension host: code-server in
// smoke-test-driver mode honours the `payload` URL parameter (extensionDevelopmentPath,
// extensionTestsPath), and a headless Chromium must connect for the extension host to start.
// The workbench reports the host's console through window.codeAutomationLog and the suite's end
// through window.codeAutomationExit. Exit code: the suite's.
import fs from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startCodeServer, launchBrowser, makeRunDir, workbenchUrl } from './harness/tools.mjs';

const root = process.env.FT_HOST_EXTENSION_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runDir = makeRunDir('host');
const workspace = path.join(runDir, 'workspace');
fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
// The settings the suite checks against: exactly these two sizes.
fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'thumbnails.sizes': ['256x256', '64x64'] }, null, 2));

const log = (m) => console.log(`[host] ${m}`);
// The workbench's own chatter (connection setup, sign-in providers that cannot reach the network).
const WORKBENCH_NOISE = /vsda|gallery|authentication provider|Canceled|AccountPolicyGate|DefaultAccount|connection token|Creating a socket|Service Worker|reconnection-grace|AgentHost|builtin extensions cache|Creation of workbench contribution/i;
let server;
let browser;
let exitCode = 1;
const timeoutMs = Number(process.env.FT_HOST_TIMEOUT_MS ?? 300_000);
try {
  log(`run folder ${runDir}`);
  server = await startCodeServer({ runDir, smokeTestDriver: true, log });
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(root)],
    ['extensionTestsPath', remote(path.join(root, 'out', 'test', 'suite', 'index.js'))],
    ['extensionEnvironment', JSON.stringify({ FT_TEST_WORKSPACE: workspace, FT_TEST_GREP: process.env.FT_TEST_GREP ?? '', FT_HOST_BENCH: process.env.FT_HOST_BENCH ?? '', FT_BENCH_IMAGES: process.env.FT_BENCH_IMAGES ?? '', FT_BENCH_ROUNDS: process.env.FT_BENCH_ROUNDS ?? '', FT_HELPER_IDLE_MS: process.env.FT_HOST_BENCH ? '' : '3000' })],
  ];
  browser = await launchBrowser(runDir);
  const page = browser.pages()[0] ?? await browser.newPage();
  let resolveExit;
  const exited = new Promise((r) => { resolveExit = r; });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    // The host forwards console calls with their format string (mocha's reporter uses %s, %d).
    const text = format(...(Array.isArray(args) ? args : [args]));
    // Only the extension host's own output: the workbench's chatter is noise here.
    if (!WORKBENCH_NOISE.test(text)) console.log(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(code));
  await page.goto(workbenchUrl(server, workspace, payload));
  const timer = new Promise((r) => setTimeout(() => r('timeout'), timeoutMs));
  const result = await Promise.race([exited, timer]);
  if (result === 'timeout') {
    await page.screenshot({ path: path.join(runDir, 'timeout.png') });
    log(`no result within ${timeoutMs / 1000} s; screenshot ${path.join(runDir, 'timeout.png')}`);
  } else {
    exitCode = Number(result);
    log(`extension host suite exited with ${exitCode}`);
  }
} catch (e) {
  console.error(`[host] ${e.stack ?? e}`);
} finally {
  await browser?.close().catch(() => {});
  await server?.stop();
}
process.exit(exitCode);
