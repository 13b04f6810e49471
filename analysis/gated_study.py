#!/usr/bin/python3
"""The gated memory's published ordering (gated < naam < hopfield at every load) against its two
free parameters, sigma (the gain of phi = tanh(sigma x), lost from the paper's text) and T (the
temperature of the gains), on the published benchmark grid.

    /usr/bin/python3 analysis/gated_study.py [--tripart build/tripart] [--ranks 2] [--trials 20]
        [--sigmas 1,2,5,10] [--temps 0.001,0.01,0.1] [--out gated-study]

One `tripart sweep` per model and parameter: naam once (it has neither parameter), hopfield once per
sigma (phi is shared by the family), gated once per (sigma, T); each over N = 20, K = 2..200 (19
loads, geometric), 1..10 flipped bits, --trials pattern sets, explicit Euler dt = 1e-3 to t = 10
(the published protocol, as jobs/published_sweep.sbatch).  For every (sigma, T) it counts the loads
where gated < naam < hopfield holds (mean Hamming error over at most 5 flipped bits, and over all
10), and writes OUT.h5 (every mean error, the counts) and OUT.png (the counts as maps, and the error
against K at the best and at the default parameters).
"""
import argparse
import os
import tempfile

import h5py
import numpy as np
from tpsweep import add_options, sweep

GRID = ["-N", "20", "-K", "2:200@20", "-flips", "1:10", "-ts_type", "euler", "-ts_dt", "1e-3", "-ts_max_time", "10"]


def errors(a, tmp, model, extra):
    """The mean Hamming error of one model over the grid: K x flips, and the grid's K and flips."""
    d = sweep(a, os.path.join(tmp, "s.h5"), ["-models", model, "-trials", a.trials] + GRID + extra)
    return d["mean_hamming_error"][0], d["grid/K"], d["grid/flips"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(ap, trials=20)
    ap.add_argument("--sigmas", default="1,2,5,10")
    ap.add_argument("--temps", default="0.001,0.01,0.1")
    ap.add_argument("--out", default="gated-study")
    ap.add_argument("--replot", metavar="OUT.h5", help="print and draw a study already made, without running it")
    a = ap.parse_args()
    if a.replot:
        with h5py.File(a.replot, "r") as f:
            sigmas, temps, K, F = list(f["sigma"][:]), list(f["T"][:]), f["K"][:], f["flips"][:]
            naam, H, G = f["naam"][:], f["hopfield"][:], f["gated"][:]
        hop = {s: H[i] for i, s in enumerate(sigmas)}
        gated = {(s, T): G[i, j] for i, s in enumerate(sigmas) for j, T in enumerate(temps)}
        a.out = os.path.splitext(a.replot)[0]
        report(a, sigmas, temps, K, F, naam, hop, gated, write=False)
        return
    sigmas = [float(v) for v in a.sigmas.split(",")]
    temps = [float(v) for v in a.temps.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        naam, K, F = errors(a, tmp, "naam", [])
        hop = {s: errors(a, tmp, "hopfield", ["-attractor_sigma", s])[0] for s in sigmas}
        gated = {}
        for s in sigmas:
            for T in temps:
                gated[s, T] = errors(a, tmp, "gated", ["-attractor_sigma", s, "-gated_T", T])[0]
                print("sigma %5g  T %6g  gated mean error %.3f (naam %.3f, hopfield %.3f)" % (
                    s, T, gated[s, T].mean(), naam.mean(), hop[s].mean()), flush=True)
    report(a, sigmas, temps, K, F, naam, hop, gated)


def report(a, sigmas, temps, K, F, naam, hop, gated, write=True):
    """Count the loads where the ordering holds, print them, write OUT.h5 (unless replotting), draw OUT.png."""
    few = F <= 5
    holds = np.zeros((2, len(sigmas), len(temps)), int)
    for i, s in enumerate(sigmas):
        for j, T in enumerate(temps):
            for c, cols in enumerate((few, np.ones_like(few))):
                g, n, h = (e[:, cols].mean(axis=1) for e in (gated[s, T], naam, hop[s]))
                holds[c, i, j] = np.sum((g < n) & (n < h))
    if write:
        with h5py.File(a.out + ".h5", "w") as f:
            f["sigma"], f["T"], f["K"], f["flips"] = sigmas, temps, K, F
            f["naam"] = naam
            f["hopfield"] = np.array([hop[s] for s in sigmas])
            f["gated"] = np.array([[gated[s, T] for T in temps] for s in sigmas])
            f["holds_flips_le_5"], f["holds_all_flips"] = holds[0], holds[1]
            f.attrs["trials"] = a.trials
            f.attrs["protocol"] = " ".join(GRID)
    print("loads (of %d) where gated < naam < hopfield, mean over 1..5 | 1..10 flipped bits:" % len(K))
    print("%8s" % "sigma\\T" + "".join("%14g" % T for T in temps))
    for i, s in enumerate(sigmas):
        print("%8g" % s + "".join("%8d | %3d" % (holds[0, i, j], holds[1, i, j]) for j in range(len(temps))))
    best = np.unravel_index(np.argmax(holds[1] * 100 + holds[0]), holds[1].shape)
    print("most loads over 1..10 flipped bits: sigma %g, T %g" % (sigmas[best[0]], temps[best[1]]))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), gridspec_kw=dict(wspace=0.35))
    for c, title in enumerate(("1..5 flipped bits", "1..10 flipped bits")):
        ax = axes[c]
        im = ax.imshow(holds[c], origin="lower", cmap="viridis", vmin=0, vmax=len(K))
        for i in range(len(sigmas)):
            for j in range(len(temps)):
                ax.text(j, i, str(holds[c, i, j]), ha="center", va="center", color="w", fontsize=9)
        ax.set_xticks(range(len(temps)))
        ax.set_xticklabels(["%g" % T for T in temps])
        ax.set_yticks(range(len(sigmas)))
        ax.set_yticklabels(["%g" % s for s in sigmas])
        ax.set_xlabel("T")
        ax.set_ylabel("sigma")
        ax.set_title("loads (of %d) with gated < naam < hopfield,\n%s" % (len(K), title), fontsize=9)
    fig.colorbar(im, ax=axes[1], fraction=0.04)
    ax = axes[2]
    for (s, T), style in (((sigmas[best[0]], temps[best[1]]), "-"), ((5.0, 0.01), "--")):
        if (s, T) in gated:
            ax.plot(K, gated[s, T].mean(axis=1), style, color="C3", label="gated sigma %g T %g" % (s, T))
            ax.plot(K, hop[s].mean(axis=1), style, color="C2", label="hopfield sigma %g" % s)
    ax.plot(K, naam.mean(axis=1), color="C0", label="naam")
    ax.set_xscale("log")
    ax.set_xlabel("stored patterns K")
    ax.set_ylabel("mean Hamming error (N = 20), 1..10 flips")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.savefig(a.out + ".png", dpi=110, bbox_inches="tight")
    print("wrote %s.h5 and %s.png" % (a.out, a.out))


if __name__ == "__main__":
    main()
