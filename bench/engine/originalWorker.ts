/**
 * The original design, kept only as a benchmark baseline: one pool task per image AND size, each
 * decoding the source again (with sharp's own shrink-on-load). Do not use in the product.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { serveTasks } from '../../src/core/pool/worker';

export interface OriginalTask {
  source: string;
  width: number;
  height: number;
  dest: string;
  quality: number;
}

sharp.concurrency(1);
serveTasks<OriginalTask, number>(async (t) => {
  mkdirSync(path.dirname(t.dest), { recursive: true });
  const info = await sharp(t.source, { autoOrient: true })
    .resize(t.width, t.height, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: t.quality })
    .toFile(t.dest);
  return info.size;
});
