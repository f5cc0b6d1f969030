/**
 * Worker entry (dist/worker.js, or out/src/worker/index.js in tests): serves render tasks.
 */
import sharp from 'sharp';
import { workerData } from 'node:worker_threads';
import { serveTasks } from '../core/pool/worker';
import type { RenderResult, RenderTask } from '../core/task';
import { renderImage, setBigDecodeGate } from './render';

// One image per core beats libvips threads inside one image (measured, see bench/engine): each
// worker runs one libvips thread and the pool provides the parallelism. The operation cache only
// helps when the same input is processed again, which never happens here, and holds memory.
// FOLDER_THUMBNAILS_VIPS_CONCURRENCY exists only for the benchmark's sweep.
sharp.concurrency(Number(process.env.FOLDER_THUMBNAILS_VIPS_CONCURRENCY) || 1);
sharp.cache(false);

const shared = workerData as { bigDecodeGate?: SharedArrayBuffer } | undefined;
if (shared?.bigDecodeGate) setBigDecodeGate(new Int32Array(shared.bigDecodeGate));

serveTasks<RenderTask, RenderResult>((task) => renderImage(task));
