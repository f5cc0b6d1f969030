// Size classes for the engine benchmark (issue: as fast on small images as on camera photos):
// pictures cut from the real wallpaper set at each class's size, plus zero-mean grey noise
// (sigma 5) so the encoder cannot coast on flat upscaled areas, as the camera set is made.
// Usage: node scripts/corpusClasses.mjs <corpus root>   (called by scripts/corpus.sh)
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const sharp = createRequire(import.meta.url)('sharp');
export const CLASSES = {
  tiny: { count: 2000, width: 320, height: 240, quality: 80 },
  small: { count: 400, width: 800, height: 600, quality: 80 },
  hd: { count: 200, width: 1920, height: 1080, quality: 85 },
  phone: { count: 40, width: 4032, height: 3024, quality: 85 },
};

/** Zero-mean noise with sigma ~5 (a sum of three uniforms), from a seeded generator: the same corpus every time. */
function addNoise(pixels, seed) {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < pixels.length; i++) {
    const n = (next() + next() + next() - 1.5) * 10;
    pixels[i] = Math.max(0, Math.min(255, Math.round(pixels[i] + n)));
  }
}

async function makeClass(root, name, { count, width, height, quality }) {
  const dir = path.join(root, name);
  if (existsSync(path.join(dir, '.done'))) return;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sources = readdirSync(path.join(root, 'real')).filter((f) => f.endsWith('.jpg')).sort();
  for (let i = 0; i < count; i++) {
    const src = path.join(root, 'real', sources[i % sources.length]);
    // A different crop position for each pass over the sources, so repeats are different pictures.
    const position = ['centre', 'north', 'south', 'east', 'west', 'northeast', 'southwest'][Math.floor(i / sources.length) % 7];
    const { data, info } = await sharp(src).rotate().resize(width, height, { fit: 'cover', position }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    addNoise(data, i + 1);
    await sharp(data, { raw: info }).jpeg({ quality, chromaSubsampling: '4:2:0' }).toFile(path.join(dir, `${name}-${String(i).padStart(4, '0')}.jpg`));
  }
  writeFileSync(path.join(dir, '.done'), '');
  process.stderr.write(`[corpus] ${name}: ${count} JPEGs of ${width}x${height}, quality ${quality}\n`);
}

const root = process.argv[2];
for (const [name, spec] of Object.entries(CLASSES)) await makeClass(root, name, spec);
