#!/usr/bin/python3
"""Retrieval of real images (Fashion-MNIST, Debian's dataset-fashion-mnist) by every model.

    /usr/bin/python3 analysis/fashion_mnist_retrieval.py figure [--K 10] [--mask-patch 10] [--out fmnist]
    /usr/bin/python3 analysis/fashion_mnist_retrieval.py capacity [--klist 2,3,5,10,20,50,100] [--trials 10]

figure:   K binarised images (one per class in turn), the cue = image 0 with a centred square
          masked; each model runs from it (tripart run, adaptive Runge-Kutta to t = 10) and
          OUT.png shows cue, retrieved state and stored image side by side, one row per model.
capacity: tripart sweep over K with the first K images stored, cues with 10 % of their pixels
          flipped (trial s cues image s mod K); prints the mean Hamming error per model and K and
          the largest K each model retrieves (mean error at most 1 % of the 784 pixels).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
MODELS = ["gated", "naam", "hopfield", "dam", "modern", "oracle"]


def make_patterns(path, K, extra):
    subprocess.run([sys.executable, os.path.join(HERE, "fashion_mnist_patterns.py"), path, "--K", str(K),
                    "--per-class"] + extra, check=True, capture_output=True)


def tripart(a, args):
    cmd = ["mpirun", "-n", str(a.ranks), a.tripart] + [str(x) for x in args]
    return subprocess.run(cmd, env=ENV, capture_output=True, text=True)


def figure(a, tmp):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    pats = os.path.join(tmp, "p.h5")
    make_patterns(pats, a.K, ["--mask-patch", str(a.mask_patch)])
    with h5py.File(pats, "r") as f:
        xi, cue, (rows, cols) = f["patterns"][:], f["cue"][:], f.attrs["shape"]
    fig, axes = plt.subplots(len(MODELS), 3, figsize=(4.5, 1.6 * len(MODELS)))
    for r, model in enumerate(MODELS):
        out = os.path.join(tmp, model + ".h5")
        p = tripart(a, ["run", "-model", model, "-patterns_file", pats, "-ts_max_time", 10, "-quiet", "-o", out])
        if p.returncode:
            print("%-9s failed: %s" % (model, (p.stdout + p.stderr).strip().splitlines()[0]))
            x = np.zeros(rows * cols)
        else:
            with h5py.File(out, "r") as f:
                x = f["state/x"][:]
                print("%-9s Hamming error %4g of %d pixels, retrieved pattern %d" %
                      (model, f["observables"].attrs["hamming_error"], rows * cols,
                       f["observables"].attrs["retrieved"]))
        for c, (img, title) in enumerate(((cue, "cue"), (np.sign(x), model), (xi[0], "stored"))):
            ax = axes[r, c]
            ax.imshow(img.reshape(rows, cols), cmap="gray", vmin=-1, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0 or c == 1:
                ax.set_title(title, fontsize=8)
    fig.suptitle("Fashion-MNIST, K = %d, %dx%d patch masked" % (a.K, a.mask_patch, a.mask_patch), fontsize=8)
    fig.tight_layout()
    fig.savefig(a.out + ".png", dpi=110)
    print("wrote", a.out + ".png")


def capacity(a, tmp):
    klist = [int(k) for k in a.klist.split(",")]
    pats = os.path.join(tmp, "p.h5")
    make_patterns(pats, max(klist), [])
    out = a.out + "-sweep.h5"
    p = tripart(a, ["sweep", "-models", a.models, "-patterns_file", pats, "-K", a.klist, "-flips", 78, "-trials",
                    a.trials, "-ts_type", "rk", "-ts_max_time", 10, "-ts_dt", 0.01, "-o", out, "-quiet"])
    if p.returncode:
        raise SystemExit(p.stdout + p.stderr)
    with h5py.File(out, "r") as f:
        names = [m.decode() for m in f["grid/model"][:]]
        K = f["grid/K"][:]
        mean = f["summary/mean_hamming_error"][:, :, 0]
        failed = (f["results/status"][:] == -1).sum(axis=(2, 3))
    print("Fashion-MNIST, first K images (one per class in turn), 78 of 784 pixels flipped, %d cues per K" % a.trials)
    print("%-9s" % "K" + "".join("%8d" % k for k in K) + "   largest K retrieved (mean error <= 7.84)")
    for i, n in enumerate(names):
        best = 0
        for k, m in zip(K, mean[i]):  # largest K below which every K retrieves
            if m > 0.01 * 784:
                break
            best = k
        print("%-9s" % n + "".join("%8.1f" % m for m in mean[i]) + "   %d%s" %
              (best, "" if not failed[i].any() else " (%d trials failed)" % failed[i].sum()))
    print("table:", out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["figure", "capacity"])
    ap.add_argument("--tripart", default=os.path.join(HERE, "..", "build", "tripart"))
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--K", type=int, default=10)
    ap.add_argument("--mask-patch", type=int, default=10)
    ap.add_argument("--klist", default="2,3,5,10,20,50,100")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--out", default="fmnist")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (figure if a.what == "figure" else capacity)(a, tmp)


if __name__ == "__main__":
    main()
