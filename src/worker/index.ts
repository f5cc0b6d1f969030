/**
 * Worker entry (dist/worker.js, or out/src/worker/index.js in tests): serves render tasks.
 */
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../core/pool/worker';
import type { RenderResult, RenderTask } from '../core/task';
import { collectDroppedPixels } from './gc';
import { renderContextFor, renderImage } from './render';

const context = renderContextFor(workerData);
serveTasks<RenderTask, RenderResult>((task) => renderImage(task, context).finally(collectDroppedPixels));
