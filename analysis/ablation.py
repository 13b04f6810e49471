#!/usr/bin/python3
"""The astrocyte-ablation experiment of M1: retrieval error against the fraction of astrocytic
processes cut off from the coupling T (calcium transport through them blocked), beside the same
fraction of synapses removed from the neurons, for the hebbian and hebbian + diffusion couplings.

    /usr/bin/python3 analysis/ablation.py [--tripart build/tripart] [--ranks 2] [--N 64] [--K 88]
        [--flips 6] [--trials 16] [--fractions 0:1:0.1] [--out ablation]

Each point is one `tripart sweep` of --trials pattern sets (naam, adaptive RK to t = 10, slaved
start) with -naam_ablate_processes F or -naam_ablate_synapses F; the lesions are drawn from streams
keyed by the synapse's (post, pre) neurons, with -naam_ablate_seed = the trial's pattern seed, so
every pattern set meets another lesion.  Writes OUT.h5 (mean Hamming and soft Hamming errors per
fraction, their standard errors) and OUT.png, and prints the table.

The soft Hamming error 1/2 sum_i |xi_i - phi(x_i)| is the figure's measure: where the lesion
leaves too little coupling to hold the activity, x decays towards 0 and the signs that the
Hamming error counts are noise of the integration, while the soft error reads N/2 (nothing
retrieved, nothing held).
"""
import argparse
import os
import tempfile

import h5py
import numpy as np
from tpsweep import add_options, sweep

TS = ["-ts_type", "rk", "-ts_max_time", "10", "-ts_dt", "0.01"]


def errors(a, tmp, coupling, lesion, frac):
    """Hamming and soft Hamming errors of the trials, one sweep per lesion seed (a sweep's options
    are the same for all its trials)."""
    errs = []
    for t in range(a.trials):
        d = sweep(a, os.path.join(tmp, "a.h5"),
                  ["-models", "naam", "-N", a.N, "-K", a.K, "-flips", a.flips, "-trials", 1, "-seed", 1 + t,
                   "-naam_coupling", coupling, "-naam_ablate_" + lesion, repr(frac), "-naam_ablate_seed", 1 + t] + TS)
        errs.append((float(d["mean_hamming_error"][0, 0, 0]), float(d["mean_soft_hamming_error"][0, 0, 0])))
    return np.array(errs).T  # [hamming | soft] x trials


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(ap, trials=16)
    ap.add_argument("--N", type=int, default=64)
    ap.add_argument("--K", type=int, default=88)
    ap.add_argument("--flips", type=int, default=6)
    ap.add_argument("--fractions", default="0:1:0.1", help="A:B:STEP, both ends included")
    ap.add_argument("--out", default="ablation")
    a = ap.parse_args()
    lo, hi, step = (float(v) for v in a.fractions.split(":"))
    fr = np.round(np.arange(lo, hi + step / 2, step), 10)
    runs = [(c, l) for c in ("hebbian", "hebbian,diffusion") for l in ("processes", "synapses")]
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for c, l in runs:
            res[c, l] = np.array([errors(a, tmp, c, l, f) for f in fr])  # fraction x [hamming | soft] x trial
            print("%-18s %-9s soft " % (c, l) + " ".join("%6.2f" % e for e in res[c, l][:, 1].mean(axis=1)),
                  flush=True)
    with h5py.File(a.out + ".h5", "w") as f:
        f["fraction"] = fr
        for (c, l), e in res.items():
            g = f.require_group(c.replace(",", "+")).create_group(l)
            for k, name in enumerate(("hamming_error", "soft_hamming_error")):
                g[name] = e[:, k]
                g[name + "_mean"] = e[:, k].mean(axis=1)
                g[name + "_stderr"] = e[:, k].std(axis=1, ddof=1) / np.sqrt(a.trials) if a.trials > 1 else 0 * fr
        f.attrs.update(N=a.N, K=a.K, flips=a.flips, trials=a.trials, protocol=" ".join(TS))
    for k, name in enumerate(("Hamming", "soft Hamming")):
        print("mean %s error (of N = %d, K = %d, %d flipped bits, %d trials) against the fraction removed:" % (
            name, a.N, a.K, a.flips, a.trials))
        print("%-28s" % "fraction" + "".join("%6.2f" % v for v in fr))
        for (c, l), e in res.items():
            print("%-28s" % ("%s, %s" % (c, l)) + "".join("%6.2f" % v for v in e[:, k].mean(axis=1)))

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for (c, l), e in res.items():
        e = e[:, 1]
        se = e.std(axis=1, ddof=1) / np.sqrt(e.shape[1]) if e.shape[1] > 1 else 0 * fr
        ax.errorbar(fr, e.mean(axis=1), yerr=se, marker="o" if l == "processes" else "s", ms=4, capsize=2,
                    ls="-" if c == "hebbian" else "--", color="C0" if l == "processes" else "C3",
                    label="%s removed, %s" % ("processes" if l == "processes" else "synapses", c))
    ax.axhline(a.flips, color="k", lw=0.8, ls=":", label="the cue's %d flipped bits" % a.flips)
    ax.axhline(a.N / 2, color="0.5", lw=0.8, ls=":", label="N/2: activity decayed to 0")
    ax.set_xlabel("fraction removed")
    ax.set_ylabel("mean soft Hamming error (of N = %d)" % a.N)
    ax.set_title("M1, N = %d, K = %d: astrocytic processes cut off from T vs synapses removed" % (a.N, a.K),
                 fontsize=8)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(a.out + ".png", dpi=110)
    print("wrote %s.h5 and %s.png" % (a.out, a.out))


if __name__ == "__main__":
    main()
