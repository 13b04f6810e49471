#!/usr/bin/python3
"""Figures and a summary of a tripart sweep table (tripart sweep -o TABLE.h5).

    /usr/bin/python3 analysis/plot_sweep.py TABLE.h5 [--out PREFIX] [--flips 1,3,5,7]

Writes PREFIX-curves.png (mean Hamming error against K for each model, one panel per number of
flipped bits and one averaged over all of them) and PREFIX-maps.png (mean error over (K, flipped
bits) for each model), and prints the means and whether the published ordering
gated < naam < hopfield holds at each K.

A table swept over options (tripart sweep -grid_<option> ...) is drawn by option instead:

    /usr/bin/python3 analysis/plot_sweep.py TABLE.h5 [--x OPTION] [--columns density,error]

PREFIX-grid.png: each column's mean over the trials (bars: its standard deviation) against the option --x
(default the first swept), one line per value of the other options and per model, at each K and cue; the
means are printed as a table.
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


def grid(a, prefix):
    """A table swept over options: each column's mean and spread over the done trials against one option."""
    with h5py.File(a.table, "r") as f:
        opts = f["grid"].attrs["options"]
        opts = (opts.decode() if isinstance(opts, bytes) else str(opts)).split(",")
        vals = {o: f["grid"][o][()] for o in opts}
        models = [m.decode() if isinstance(m, bytes) else str(m) for m in f["grid/model"][()]]
        K, F = f["grid/K"][()], f["grid/flips"][()]
        status = f["results/status"][()]
        cols = a.columns.split(",") if a.columns else [c for c in ("density", "error", "hamming_error")
                                                        if c in f["results"]][:2]
        res = {c: f["results"][c][()].astype(float) for c in cols}
    x = a.x or opts[0]
    if x not in opts:
        raise SystemExit("--x %s: the table sweeps %s" % (x, ", ".join(opts)))
    others = [o for o in opts if o != x]
    done = status == 1
    lines = {}  # (model, other options' values) -> [(x value, variant)]
    for v, m in enumerate(models):
        key = (m,) + tuple(vals[o][v] for o in others)
        lines.setdefault(key, []).append((vals[x][v], v))
    fig, axes = plt.subplots(1, len(cols), figsize=(4.6 * len(cols), 3.8), squeeze=False)
    print("%s: %s against %s, mean over the done trials (of %d)" % (a.table, ", ".join(cols), x, status.shape[-1]))
    for ax, c in zip(axes[0], cols):
        for key, pts in sorted(lines.items(), key=lambda kv: str(kv[0])):
            pts.sort(key=lambda p: p[0])
            for k in range(len(K)):
                for j in range(len(F)):
                    xs = [p[0] for p in pts]
                    data = [res[c][v, k, j][done[v, k, j]] for _, v in pts]
                    mean = [np.mean(d_) if len(d_) else np.nan for d_ in data]
                    sd = [np.std(d_) if len(d_) else np.nan for d_ in data]
                    label = ", ".join([key[0]] + ["%s %s" % (o, _fmt(val)) for o, val in zip(others, key[1:])] +
                                      (["K %d" % K[k]] if len(K) > 1 else []) + (["%d flips" % F[j]] if len(F) > 1 else []))
                    ax.errorbar(xs, mean, yerr=sd, marker="o", ms=3, capsize=2, label=label)
                    print("  %-12s %-40s " % (c, label) + " ".join("%s: %.4g" % (_fmt(xv), mv) for xv, mv in zip(xs, mean)))
        ax.set_xlabel(x)
        ax.set_ylabel(c)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(os.path.basename(a.table), fontsize=9)
    fig.tight_layout()
    fig.savefig(prefix + "-grid.png", dpi=110)
    print("figure: %s-grid.png" % prefix)


def _fmt(v):
    return ("%g" % v) if isinstance(v, (float, np.floating, int, np.integer)) else (v.decode() if isinstance(v, bytes) else str(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table")
    ap.add_argument("--out", help="prefix of the PNG files (default: the table's name without .h5)")
    ap.add_argument("--flips", default="1,3,5,7", help="flipped-bit counts with a panel of their own")
    ap.add_argument("--x", help="a table swept over options: the option along the x axis")
    ap.add_argument("--columns", help="a table swept over options: the columns drawn (default density, error)")
    a = ap.parse_args()
    with h5py.File(a.table, "r") as f:
        swept = "options" in f["grid"].attrs
    if swept:
        grid(a, a.out or os.path.splitext(a.table)[0])
        return
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
