"""Pillow peer for the engine benchmark, given its best shot: decode once per image with JPEG
draft mode (libjpeg DCT scaling, Pillow's shrink-on-load) aimed at the largest thumbnail's real
size, apply EXIF orientation, make the largest size, then each smaller size from the previous
one (Pillow's thumbnail() with its default reducing_gap), 2 processes.
Usage: python3 pillow.py <folder> <out> <procs> [sizes]"""
import os
import sys
from multiprocessing import Pool

from PIL import Image, ImageOps

SIZES = [1024, 512, 256, 128, 64, 32]


def render(args):
    src, out, sizes = args
    with Image.open(src) as im:
        w, h = im.size
        scale = min(sizes[0] / w, sizes[0] / h, 1)
        # draft() picks the largest DCT scale that still gives at least the requested size.
        im.draft("RGB", (max(1, int(w * scale)), max(1, int(h * scale))))
        im = ImageOps.exif_transpose(im)
        if im.mode not in ("RGB", "L"):
            im = im.convert("RGB")
        t = im
        for s in sizes:
            t = t.copy()
            t.thumbnail((s, s), Image.LANCZOS)
            d = os.path.join(out, f"{s}x{s}")
            os.makedirs(d, exist_ok=True)
            t.save(os.path.join(d, os.path.basename(src)), "JPEG", quality=65)
    return 1


def main():
    folder, out, procs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sizes = [int(s) for s in sys.argv[4].split(",")] if len(sys.argv) > 4 else SIZES
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg")))
    with Pool(procs) as pool:
        n = sum(pool.imap_unordered(render, [(os.path.join(folder, f), out, sizes) for f in files]))
    print(n)


if __name__ == "__main__":
    main()
