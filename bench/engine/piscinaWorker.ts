/**
 * The render worker as piscina runs it (a module exporting the task function), for the pool
 * overhead check in direct.ts: the same thread setup and render as src/worker/index.ts.
 */
import { workerData } from 'node:worker_threads';
import type { RenderResult, RenderTask } from '../../src/core/task';
import { collectDroppedPixels } from '../../src/worker/gc';
import { renderContextFor, renderImage } from '../../src/worker/render';

const context = renderContextFor(workerData);

export default function render(task: RenderTask): Promise<RenderResult> {
  return renderImage(task, context).finally(collectDroppedPixels);
}
