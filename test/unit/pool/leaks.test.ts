import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fixture } from './helpers';

/** Runs the pool in a child `node` process, which must exit on its own within the deadline. */
function runChild(mode: string, deadlineMs = 10_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture('pool-child'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child (${mode}) did not exit within ${deadlineMs} ms: something kept it alive\n${stderr}`));
    }, deadlineMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

suite('WorkerPool leaves no thread behind', () => {
  for (const [mode, what] of [
    ['close', 'after close() with work still queued'],
    ['destroy', 'after destroy() with a task hanging'],
    ['idle', 'when the pool is never closed but its workers are idle'],
    ['abort', 'after a spinning task is aborted'],
  ]) {
    test(`the process exits by itself ${what}`, async () => {
      const { code, stdout, stderr } = await runChild(mode);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), `done ${mode}`);
    });
  }
});
