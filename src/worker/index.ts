/**
 * Worker entry (dist/worker.js, or out/src/worker/index.js in tests): serves render tasks.
 */
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../core/pool/worker';
import type { RenderResult, RenderTask } from '../core/task';
import { collectYoungGarbage } from './gc';
import { configureRenderThread, renderImage } from './render';

configureRenderThread(workerData);
serveTasks<RenderTask, RenderResult>((task) => renderImage(task).finally(collectYoungGarbage));
