// Fills a folder with photos to try the extension on: real wallpapers from the benchmark corpus
// when it has been fetched (npm run bench:engine), otherwise generated pictures (gradients and
// shapes; a few portrait, one EXIF-rotated, one deliberately broken to show the error path).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

const dest = process.argv[2];
if (!dest) throw new Error('usage: node scripts/samplePhotos.mjs <folder>');
fs.mkdirSync(path.join(dest, 'holiday'), { recursive: true });
const corpus = path.join(process.env.FT_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'folder-thumbnails-bench'), 'real');
const real = fs.existsSync(corpus) ? fs.readdirSync(corpus).filter((f) => /\.jpe?g$/i.test(f)).slice(0, 12) : [];
if (real.length) {
  for (const f of real) fs.copyFileSync(path.join(corpus, f), path.join(dest, f));
  console.log(`sample photos: ${real.length} wallpapers from ${corpus} in ${dest}`);
} else {
  const svg = (w, h, hue) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="hsl(${hue},70%,70%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360},60%,35%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${w * 0.75}" cy="${h * 0.25}" r="${Math.min(w, h) * 0.1}" fill="hsl(45,95%,75%)"/>
    <path d="M0 ${h} L${w * 0.3} ${h * 0.55} L${w * 0.55} ${h * 0.8} L${w * 0.75} ${h * 0.5} L${w} ${h} Z" fill="hsl(${(hue + 180) % 360},30%,25%)"/></svg>`);
  const shots = [[3000, 2000], [2000, 3000], [4000, 1500], [1600, 1200], [2400, 1600], [1200, 1800], [3200, 2400], [800, 600]];
  for (const [i, [w, h]] of shots.entries()) {
    const folder = i % 3 === 2 ? path.join(dest, 'holiday') : dest;
    let img = sharp(svg(w, h, (i * 47) % 360)).jpeg({ quality: 88 });
    if (i === 1) img = img.withMetadata({ orientation: 6 });
    await img.toFile(path.join(folder, `photo-${i + 1}.jpg`));
  }
  fs.writeFileSync(path.join(dest, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]));
  console.log(`sample photos: ${shots.length} generated pictures and one broken JPEG in ${dest}`);
}
