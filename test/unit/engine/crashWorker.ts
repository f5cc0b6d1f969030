/**
 * Test worker: the real render, except that a source whose name contains "crash-me" kills the
 * thread mid-task, as a native crash or an out-of-memory abort would.
 */
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../../../src/core/pool/worker';
import type { RenderResult, RenderTask } from '../../../src/core/task';
import { renderContextFor, renderImage } from '../../../src/worker/render';

const context = renderContextFor(workerData);
serveTasks<RenderTask, RenderResult>(async (task) => {
  if (task.source.includes('crash-me')) {
    // Leave a temp file behind, as a worker dying mid-write would.
    const { writeFileSync, mkdirSync } = await import('node:fs');
    const { dirname } = await import('node:path');
    mkdirSync(dirname(task.outputs[0].temp), { recursive: true });
    writeFileSync(task.outputs[0].temp, 'partial');
    process.exit(3);
  }
  return renderImage(task, context);
});
