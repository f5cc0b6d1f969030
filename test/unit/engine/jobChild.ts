/**
 * A thumbnail job in a process of its own, for tests that must limit or signal a whole process
 * (a file size limit, a kill): `node jobChild.js <folder> <sizes> [turbojpeg.node turbojpeg.wasm]`.
 * Prints the summary as JSON. Without the helpers' files the workers use sharp alone.
 */
import { createThumbnailPool, runJob } from '../../../src/core/engine';
import { parseSettings } from '../../../src/core/settings';
import { WORKER_FILE } from './fixtures';

async function main(): Promise<void> {
  const [folder, sizes, turbojpeg, wasm] = process.argv.slice(2);
  const pool = createThumbnailPool({ workerFile: WORKER_FILE, size: 2, turbojpeg: turbojpeg ?? '/nonexistent/turbojpeg.node', wasm: wasm ?? '/nonexistent/turbojpeg.wasm' });
  try {
    const summary = await runJob(pool, { folder, settings: parseSettings({ sizes: sizes.split(',') }) });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await pool.close();
  }
}

void main();
