/**
 * Runs the command-line front end on one folder as a child process, the way a user runs the bin,
 * with a time limit (a hang is killed with SIGKILL) and its peak memory measured from inside
 * (peakRss.ts, preloaded).
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

export interface CliRun {
  /** The exit code; null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the time limit was reached and we killed it. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The whole process's peak resident memory in bytes; undefined when it died before saying. */
  peakRssBytes?: number;
  elapsedMs: number;
}

export interface CliCommand {
  /** The CLI script: dist/cli.js or out/src/cli.js. */
  cli: string;
  args: string[];
  timeoutMs: number;
  /** A file the child writes its peak RSS to (deleted after reading). */
  rssFile: string;
  /** turbojpeg.node for the workers of out/src/cli.js, which has none beside it (fastPath.ts). */
  turbojpeg?: string;
  /** turbojpeg.wasm for them, likewise. */
  wasm?: string;
}

/**
 * The environment the bin's shebang sets (`#!/usr/bin/env -S -u NAME NAME=value ... node`): its
 * allocator settings change peak memory by ~80 MB (bench/engine), so the budget is checked
 * against what users run, not against plain `node cli.js`.
 */
export function shebangEnvironment(cli: string): { set: Record<string, string>; unset: string[] } {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0];
  const set: Record<string, string> = {};
  const unset: string[] = [];
  const words = first.startsWith('#!') ? first.slice(2).trim().split(/\s+/) : [];
  if (path.basename(words[0] ?? '') !== 'env') return { set, unset };
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === '-S') continue;
    if (w === '-u') unset.push(words[++i]);
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) set[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    else break; // the command itself
  }
  return { set, unset };
}

export function runCli(command: CliCommand): Promise<CliRun> {
  const { set, unset } = shebangEnvironment(command.cli);
  const env: NodeJS.ProcessEnv = { ...process.env, ...set, FT_FUZZ_RSS_FILE: command.rssFile };
  for (const name of unset) delete env[name];
  const preload = ['--require', path.join(__dirname, 'peakRss.js')];
  if (command.turbojpeg || command.wasm) {
    if (command.turbojpeg) env.FT_FUZZ_TURBOJPEG = command.turbojpeg;
    if (command.wasm) env.FT_FUZZ_WASM = command.wasm;
    preload.push('--require', path.join(__dirname, 'fastPath.js'));
  }
  rmSync(command.rssFile, { force: true });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...preload, command.cli, ...command.args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, command.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let peakRssBytes: number | undefined;
      try {
        peakRssBytes = Number(readFileSync(command.rssFile, 'utf8')) || undefined;
        rmSync(command.rssFile, { force: true });
      } catch {
        // killed before its exit handler ran
      }
      resolve({ code, signal, timedOut, stdout, stderr, peakRssBytes, elapsedMs: performance.now() - started });
    });
  });
}
