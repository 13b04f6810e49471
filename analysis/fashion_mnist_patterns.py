#!/usr/bin/python3
"""Binarise Fashion-MNIST images (Debian's dataset-fashion-mnist) into a tripart patterns file.

    /usr/bin/python3 analysis/fashion_mnist_patterns.py OUT.h5 [--K 10] [--per-class] [--target T]
        [--mask-rows R | --mask-patch S | --flip-fraction F] [--seed 1]

Writes /patterns (K x 784, int8, -1/+1: a pixel is +1 when brighter than its image's mean) and,
with a cue option, a /cue made from the target image: --mask-rows R sets its bottom R rows to -1
(occlusion), --mask-patch S a centred S x S square to -1, --flip-fraction F flips that fraction of
its pixels (chosen at random with --seed).
Run it with:  mpirun -n 2 build/tripart run -patterns_file OUT.h5 [-cue_flip_fraction 0.1]
"""
import argparse
import gzip
import os

import h5py
import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"


def load_images(name="train"):
    path = os.path.join(DATA, "%s-images-idx3-ubyte.gz" % name)
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">i4")
    if magic != 2051:
        raise SystemExit("%s: not an IDX image file (magic %d)" % (path, magic))
    labels_path = os.path.join(DATA, "%s-labels-idx1-ubyte.gz" % name)
    with gzip.open(labels_path, "rb") as f:
        labels = np.frombuffer(f.read()[8:], dtype=np.uint8)
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(n, rows * cols), labels, rows, cols


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--K", type=int, default=10, help="number of images to store")
    ap.add_argument("--per-class", action="store_true", help="take the first image of each class in turn")
    ap.add_argument("--mask-rows", type=int, default=0, help="write a /cue: the target with its bottom rows masked")
    ap.add_argument("--mask-patch", type=int, default=0, help="write a /cue: the target with a centred square masked")
    ap.add_argument("--flip-fraction", type=float, default=0.0, help="write a /cue: the target with pixels flipped")
    ap.add_argument("--seed", type=int, default=1, help="seed of the flipped pixels")
    ap.add_argument("--target", type=int, default=0, help="pattern the cue is made from")
    a = ap.parse_args()
    images, labels, rows, cols = load_images()
    if not 1 <= a.K <= len(images):
        raise SystemExit("--K must lie in [1, %d]; got %d" % (len(images), a.K))
    if not 0 <= a.target < a.K:
        raise SystemExit("--target must lie in [0, %d]; got %d" % (a.K - 1, a.target))
    if not 0 <= a.mask_rows <= rows or not 0 <= a.mask_patch <= min(rows, cols) or not 0 <= a.flip_fraction <= 1:
        raise SystemExit("--mask-rows must lie in [0, %d], --mask-patch in [0, %d], --flip-fraction in [0, 1]; got "
                         "%d, %d, %g" % (rows, min(rows, cols), a.mask_rows, a.mask_patch, a.flip_fraction))
    if (a.mask_rows > 0) + (a.mask_patch > 0) + (a.flip_fraction > 0) > 1:
        raise SystemExit("give one of --mask-rows, --mask-patch, --flip-fraction")
    if a.per_class:
        idx, seen = [], {}
        for i, lab in enumerate(labels):
            if len(idx) == a.K:
                break
            if seen.get(lab, 0) == len(idx) // 10:
                idx.append(i)
                seen[lab] = seen.get(lab, 0) + 1
    else:
        idx = list(range(a.K))
    x = images[idx].astype(np.float64)
    patterns = np.where(x > x.mean(axis=1, keepdims=True), 1, -1).astype(np.int8)
    tmp = a.out + ".part"
    with h5py.File(tmp, "w") as f:
        f["patterns"] = patterns
        f["labels"] = labels[idx]
        f["image_index"] = np.array(idx)
        f.attrs["source"] = "Fashion-MNIST train set, %s" % DATA
        f.attrs["shape"] = (rows, cols)
        cue = patterns[a.target].copy().reshape(rows, cols)
        if a.mask_rows:
            cue[rows - a.mask_rows:, :] = -1
        if a.mask_patch:
            r0, c0 = (rows - a.mask_patch) // 2, (cols - a.mask_patch) // 2
            cue[r0:r0 + a.mask_patch, c0:c0 + a.mask_patch] = -1
        if a.flip_fraction:
            flat = cue.reshape(-1)
            pick = np.random.default_rng(a.seed).choice(flat.size, round(a.flip_fraction * flat.size), replace=False)
            flat[pick] *= -1
        if a.mask_rows or a.mask_patch or a.flip_fraction:
            f["cue"] = cue.reshape(-1)
            f.attrs["cue_target"] = a.target
    os.replace(tmp, a.out)
    print("wrote %s: %d patterns of %d pixels (labels %s)" % (a.out, len(idx), rows * cols, list(labels[idx])))


if __name__ == "__main__":
    main()
