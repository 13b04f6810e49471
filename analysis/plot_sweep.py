#!/usr/bin/python3
"""Figures and a summary of a tripart sweep table (tripart sweep -o TABLE.h5).

    /usr/bin/python3 analysis/plot_sweep.py TABLE.h5 [--out PREFIX] [--flips 1,3,5,7]

Writes PREFIX-curves.png (mean Hamming error against K for each model, one panel per number of
flipped bits and one averaged over all of them) and PREFIX-maps.png (mean error over (K, flipped
bits) for each model), and prints the means and whether the published ordering
gated < naam < hopfield holds at each K.
"""
import argparse
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(path):
    with h5py.File(path, "r") as f:
        names = [m.decode() if isinstance(m, bytes) else str(m) for m in f["grid/model"][:]]
        return dict(names=names, K=f["grid/K"][:], flips=f["grid/flips"][:], mean=f["summary/mean_hamming_error"][:],
                    done=f["summary/trials_done"][:], N=int(f.attrs["neurons"]), trials=len(f["grid/seed"]),
                    complete=bool(f.attrs["complete"]), stepper=f.attrs["stepper"])


def ordering(d, cols):
    """Per K: is gated < naam < hopfield (mean error over the chosen flip columns)?"""
    n = d["names"]
    if not all(m in n for m in ("gated", "naam", "hopfield")):
        return None
    avg = d["mean"][:, :, cols].mean(axis=2)
    g, a, h = avg[n.index("gated")], avg[n.index("naam")], avg[n.index("hopfield")]
    return (g < a) & (a < h), g, a, h


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table")
    ap.add_argument("--out", help="prefix of the PNG files (default: the table's name without .h5)")
    ap.add_argument("--flips", default="1,3,5,7", help="flipped-bit counts with a panel of their own")
    a = ap.parse_args()
    d = load(a.table)
    prefix = a.out or os.path.splitext(a.table)[0]
    K, F, names, mean = d["K"], d["flips"], d["names"], d["mean"]
    panels = [f for f in map(int, a.flips.split(",")) if f in F]
    style = {"gated": "C3", "naam": "C0", "hopfield": "C2", "dam": "C1", "modern": "C4", "oracle": "k"}

    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4 * (len(panels) + 1), 3.6), sharey=True)
    for ax, f in zip(axes, panels + ["all"]):
        for i, n in enumerate(names):
            y = mean[i].mean(axis=1) if f == "all" else mean[i, :, list(F).index(f)]
            ax.plot(K, y, marker="o", ms=3, color=style.get(n), ls="--" if n == "oracle" else "-", label=n)
        ax.set_xscale("log")
        ax.set_xlabel("stored patterns K")
        ax.set_title("mean over %d..%d flipped bits" % (F[0], F[-1]) if f == "all" else "%d flipped bits" % f)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean Hamming error (of N = %d)" % d["N"])
    axes[-1].legend(fontsize=8)
    fig.suptitle("%s: %d pattern sets per point, %s" % (os.path.basename(a.table), d["trials"], d["stepper"]),
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(prefix + "-curves.png", dpi=110)

    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names) + 1.5, 3.6), sharey=True)
    fig.subplots_adjust(left=0.06, right=0.9, bottom=0.18, top=0.9, wspace=0.08)
    axes = np.atleast_1d(axes)
    vmax = np.nanmax(mean)
    for ax, i in zip(axes, range(len(names))):
        im = ax.imshow(mean[i].T, origin="lower", aspect="auto", vmin=0, vmax=vmax, cmap="viridis")
        ax.set_title(names[i])
        ax.set_xticks(range(0, len(K), max(1, len(K) // 5)))
        ax.set_xticklabels(K[:: max(1, len(K) // 5)])
        ax.set_yticks(range(len(F)))
        ax.set_yticklabels(F)
        ax.set_xlabel("K")
    axes[0].set_ylabel("flipped bits")
    fig.colorbar(im, ax=list(axes), label="mean Hamming error", fraction=0.02, pad=0.01)
    fig.savefig(prefix + "-maps.png", dpi=110)

    print("%s: N = %d, %d pattern sets per point, %s%s" % (a.table, d["N"], d["trials"], d["stepper"],
                                                         "" if d["complete"] else " (INCOMPLETE)"))
    print("mean Hamming error, averaged over %d..%d flipped bits" % (F[0], F[-1]))
    print("%-9s" % "K" + "".join("%7d" % k for k in K))
    for i, n in enumerate(names):
        print("%-9s" % n + "".join("%7.2f" % v for v in mean[i].mean(axis=1)))
    for label, cols in (("all flipped-bit counts", list(range(len(F)))),
                        ("flipped bits <= N/4", [j for j, f in enumerate(F) if f <= d["N"] // 4])):
        r = ordering(d, cols)
        if r is None or not cols:
            continue
        ok, g, na, h = r
        print("gated < naam < hopfield (%s): holds at %d of %d K; gaps naam-gated %.2f -> %.2f, hopfield-gated "
              "%.2f -> %.2f (smallest -> largest K)" % (label, ok.sum(), len(K), na[0] - g[0], na[-1] - g[-1],
                                                        h[0] - g[0], h[-1] - g[-1]))
    print("figures: %s-curves.png, %s-maps.png" % (prefix, prefix))


if __name__ == "__main__":
    main()
