/**
 * `node makeImages.js <dir> <count> <width> <height> [noise]`: the photo folders of the extension
 * host tests and benchmark, made in a process of their own so that the extension host never loads
 * sharp (the tests check that it does not). With `noise`, camera-like grain (quality 90).
 */
import * as path from 'node:path';
import sharp from 'sharp';

async function main(): Promise<void> {
  const [dir, count, width, height, noise] = process.argv.slice(2);
  for (let i = 0; i < Number(count); i++) {
    const grain = noise === 'noise' ? { noise: { type: 'gaussian' as const, mean: 120 + (i % 5) * 10, sigma: 40 } } : {};
    await sharp({ create: { width: Number(width), height: Number(height), channels: 3, background: { r: (i * 37) % 256, g: 120, b: 200 }, ...grain } })
      .jpeg({ quality: noise === 'noise' ? 90 : 80 })
      .toFile(path.join(dir, `photo-${String(i).padStart(3, '0')}.jpg`));
  }
}

void main();
