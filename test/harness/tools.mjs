// Shared by the extension-host runner, the UI tests and `npm start`: starts code-server (on Node 24
// from the tool cache) and headless Chromium, each bound to loopback, and stops them again.
import { spawn, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** The tools that scripts/tools.sh exported; fails with what to run when they are missing. */
export function tools() {
  const names = ['FT_NODE24_HOME', 'FT_CODE_SERVER', 'FT_PLAYWRIGHT', 'FT_CHROMIUM'];
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not set: run through \`npm test\` (scripts/test.sh sources scripts/tools.sh)`);
  }
  return {
    node24Home: process.env.FT_NODE24_HOME,
    codeServer: process.env.FT_CODE_SERVER,
    playwright: process.env.FT_PLAYWRIGHT,
    chromium: process.env.FT_CHROMIUM,
  };
}

export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

export function makeRunDir(kind) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ft-${kind}-`));
}

function codeServerEnv(runDir, extraEnv = {}) {
  const t = tools();
  return {
    ...process.env,
    PATH: `${path.join(t.node24Home, 'bin')}:${process.env.PATH}`,
    XDG_CONFIG_HOME: path.join(runDir, 'xdg-config'),
    XDG_DATA_HOME: path.join(runDir, 'xdg-data'),
    XDG_CACHE_HOME: path.join(runDir, 'xdg-cache'),
    ...extraEnv,
  };
}

/** Installs a packaged .vsix into an extensions folder (before the server starts: hot installs do not reach an open window). */
export async function installVsix(vsix, runDir) {
  const t = tools();
  const extensionsDir = path.join(runDir, 'extensions');
  await execFileP(t.codeServer, [
    '--extensions-dir', extensionsDir,
    '--user-data-dir', path.join(runDir, 'user-data'),
    '--install-extension', vsix,
  ], { env: codeServerEnv(runDir) });
  return extensionsDir;
}

const baseUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.reduceMotion': 'on',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

/**
 * Starts code-server on 127.0.0.1 with a fresh user-data and extensions folder inside runDir.
 * smokeTestDriver makes the workbench honour the `payload` URL parameter (extension tests) but
 * also hides notification toasts, so the UI tests leave it off.
 */
export async function startCodeServer({ runDir, smokeTestDriver = false, extensionsDir, userSettings = {}, env = {}, log = () => {}, port }) {
  const t = tools();
  port ??= await freePort();
  const userData = path.join(runDir, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...baseUserSettings, ...userSettings }, null, 2));
  const config = path.join(runDir, 'code-server.yaml');
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const args = [
    '--config', config,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userData,
    '--extensions-dir', extensionsDir ?? path.join(runDir, 'extensions'),
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', '--ignore-last-opened',
  ];
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const serverLog = fs.createWriteStream(path.join(runDir, 'code-server.log'));
  const child = spawn(t.codeServer, args, {
    env: codeServerEnv(runDir, env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() also ends the extension host it spawns
  });
  child.stdout.pipe(serverLog);
  child.stderr.pipe(serverLog);
  let exited = false;
  child.once('exit', () => { exited = true; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited early; see ${path.join(runDir, 'code-server.log')}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz within 60 s; see ${path.join(runDir, 'code-server.log')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`code-server up at ${url} (pid ${child.pid})`);
  return {
    url,
    port,
    async stop() {
      if (exited) return;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      if (!exited) await once(child, 'exit');
      clearTimeout(timer);
    },
  };
}

/** Headless Debian Chromium through playwright-core (no browser download). */
export async function launchBrowser(runDir) {
  const t = tools();
  const require = createRequire(import.meta.url);
  const { chromium } = require(t.playwright);
  const context = await chromium.launchPersistentContext(path.join(runDir, 'chromium-profile'), {
    executablePath: t.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return context;
}

/** The workbench URL that opens `folder` and, with a payload, runs extension tests. */
export function workbenchUrl(server, folder, payload) {
  let url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}
