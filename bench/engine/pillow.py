"""Pillow peer for the engine benchmark: decode once per image (with JPEG draft mode, Pillow's
shrink-on-load), apply EXIF orientation, make every size from that one decode, 2 processes.
Usage: python3 pillow.py <folder> <out> <procs> [sizes]"""
import os
import sys
from multiprocessing import Pool

from PIL import Image, ImageOps

SIZES = [1024, 512, 256, 128, 64, 32]


def render(args):
    src, out, sizes = args
    with Image.open(src) as im:
        im.draft("RGB", (sizes[0], sizes[0]))
        im = ImageOps.exif_transpose(im)
        if im.mode not in ("RGB", "L"):
            im = im.convert("RGB")
        for s in sizes:
            t = im.copy()
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
