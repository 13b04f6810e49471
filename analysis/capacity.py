#!/usr/bin/python3
"""The capacity study: for N in a geometric series, the largest K each model retrieves with mean
Hamming error at most 1 % of N from cues with 10 % of their bits flipped.

    /usr/bin/python3 analysis/capacity.py [--tripart build/tripart] [--ranks 2] [--trials 8]
        [--models hopfield,dam,naam,gated] [--budget 240] [--flips 0.1] [--out capacity]

For each model and N (16, 32, 64, ... while the next N should take less than --budget seconds), K is
scanned on a doubling grid with one `tripart sweep` per value until retrieval fails, then bisected
between the last success and the first failure.  Every trial of a continuous model runs to t = 10
with PETSc's adaptive Runge-Kutta (rk 3bs).  Writes OUT.h5 (the capacities), OUT.png (capacity
against N, log-log, with fitted exponents, and memories per compute unit against N) and prints
the table.

Besides the model names of `tripart sweep`, a model may be written dam-UPDATE-nN: the dense
associative memory of order N with -dam_update UPDATE (continuous, sync or async); the discrete
updates (Krotov and Hopfield's, neuron i left out of its overlaps) are drawn beside their
published capacity N^(n-1) / (2 (2n-3)!! ln N), which is for cues without flipped bits (--flips 0).
"""
import argparse
import os
import tempfile
import time

import h5py
import numpy as np
from tpsweep import add_options, sweep

# K is never scanned beyond this (the cost of one right-hand side grows like K N, or K N^2 for naam)
KMAX = {"hopfield": 4096, "dam": 65536, "naam": 8192, "gated": 65536, "dam-sync": 1 << 20, "dam-async": 1 << 20}
TS = ["-ts_type", "rk", "-ts_max_time", "10", "-ts_dt", "0.01"]


def spec(model):
    """(the sweep's model, its options, the scan's largest K, the order n of a DAM or None)"""
    if model.startswith("dam-"):
        _, update, order = model.split("-")
        n = int(order.lstrip("n"))
        args = ["-dam_update", update, "-dam_n", str(n)] + (TS if update == "continuous" else [])
        return "dam", args, KMAX.get("dam-" + update, KMAX["dam"]), n
    return model, TS, KMAX[model], 4 if model == "dam" else None


def double_factorial(k):
    return 1 if k <= 0 else k * double_factorial(k - 2)


def published(n, N):
    """Krotov and Hopfield's capacity of the order-n DAM's discrete update: N^(n-1) / (2 (2n-3)!! ln N)"""
    N = np.asarray(N, float)
    return N ** (n - 1) / (2 * double_factorial(2 * n - 3) * np.log(N))


def units(model, N, K):
    """Compute units: neurons + synapses (+ processes for naam, + gains for gated)."""
    return N + N * N + (N * N if model == "naam" else 0) + (K if model == "gated" else 0)


class Study:
    def __init__(self, a, tmp):
        self.a, self.tmp, self.calls = a, tmp, 0

    def error(self, model, N, K):
        """Mean Hamming error of `trials` trials at (model, N, K), --flips of the bits flipped."""
        out = os.path.join(self.tmp, "c%d.h5" % self.calls)
        self.calls += 1
        name, args, _, _ = spec(model)
        args = args + self.a.extra.split()
        flips = max(1, round(self.a.flips * N)) if self.a.flips > 0 else 0
        d = sweep(self.a, out, ["-models", name, "-N", N, "-K", K, "-flips", flips, "-trials", self.a.trials] + args)
        return float(d["mean_hamming_error"][0, 0, 0])

    def capacity(self, model, N):
        """Largest K with mean error <= 1 % of N (and whether the scan stopped at KMAX)."""
        tol = 0.01 * N
        good, bad, K = 0, None, 2
        while K <= spec(model)[2]:
            if self.error(model, N, K) <= tol:
                good, K = K, 2 * K
            else:
                bad = K
                break
        if bad is None:
            return good, True
        while bad - good > 1 and bad - good > 0.03 * good:
            mid = (good + bad) // 2
            if self.error(model, N, mid) <= tol:
                good = mid
            else:
                bad = mid
        return good, False


def fit(Ns, Ks):
    Ns, Ks = np.asarray(Ns, float), np.asarray(Ks, float)
    ok = Ks > 0
    if ok.sum() < 2:
        return np.nan, np.nan
    b, a = np.polyfit(np.log(Ns[ok]), np.log(Ks[ok]), 1)
    return b, np.exp(a)


def plot(res, path, flips=0.1):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    style = {"gated": "C3", "naam": "C0", "hopfield": "C2", "dam": "C1", "dam-async-n2": "C4", "dam-async-n3": "C5",
             "dam-async-n4": "C1", "dam-sync-n4": "C6"}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for model, rows in res.items():
        Ns = np.array([r[0] for r in rows])
        Ks = np.array([r[1] for r in rows])
        capped = np.array([r[2] for r in rows])
        b, c = fit(Ns[~capped], Ks[~capped])
        label = "%s: K ~ N^%.2f" % (model, b) if np.isfinite(b) else "%s (beyond the scan)" % model
        ax1.loglog(Ns, Ks, "o-", color=style.get(model), label=label)
        if capped.any():
            ax1.plot(Ns[capped], Ks[capped], "^", color=style.get(model), ms=9, mfc="none")
        ax2.loglog(Ns, Ks / np.array([units(model, n, k) for n, k in zip(Ns, Ks)]), "o-", color=style.get(model),
                   label=model)
        n_dam = spec(model)[3]
        if model.startswith("dam-") and "continuous" not in model:
            ax1.loglog(Ns, published(n_dam, Ns), "--", color=style.get(model), lw=1,
                       label="N^%d / (2 (%d)!! ln N)" % (n_dam - 1, 2 * n_dam - 3))
    n = np.array(sorted({r[0] for rows in res.values() for r in rows}), float)
    ax1.loglog(n, 0.14 * n, "k:", label="0.14 N")
    ax1.set_xlabel("neurons N")
    ax1.set_ylabel("capacity (largest K, error <= 1 %% N, %g %% flips)" % (100 * flips))
    ax1.legend(fontsize=8)
    ax1.grid(alpha=0.3, which="both")
    ax2.set_xlabel("neurons N")
    ax2.set_ylabel("memories per compute unit")
    ax2.legend(fontsize=8)
    ax2.grid(alpha=0.3, which="both")
    fig.suptitle("triangles: the scan stopped at its largest K (a lower bound)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(ap, trials=8)
    ap.add_argument("--models", default="hopfield,dam,naam,gated")
    ap.add_argument("--budget", type=float, default=240, help="seconds one N may take (predicted from the growth so far)")
    ap.add_argument("--nmax", type=int, default=1024)
    ap.add_argument("--flips", type=float, default=0.1, help="fraction of the cue's bits flipped")
    ap.add_argument("--extra", default="", help="more options for every sweep (e.g. \"-naam_tau_s 0.1\")")
    ap.add_argument("--out", default="capacity")
    ap.add_argument("--replot", metavar="OUT.h5", help="draw and print a study already made, without running it")
    a = ap.parse_args()
    res = {}
    if a.replot:
        with h5py.File(a.replot, "r") as f:
            for model in f:
                g = f[model]
                res[model] = list(zip(g["N"][:], g["capacity"][:], g["at_scan_limit"][:], g["seconds"][:]))
            a.flips = float(f.attrs["criterion"].split("round(")[1].split(" N")[0])
        a.out = os.path.splitext(a.replot)[0]
        report(res, a)
        return
    with tempfile.TemporaryDirectory() as tmp:
        st = Study(a, tmp)
        for model in a.models.split(","):
            res[model] = []
            N = 16
            while N <= a.nmax:
                t0 = time.time()
                K, capped = st.capacity(model, N)
                dt = time.time() - t0
                res[model].append((N, K, capped, dt))
                print("%-9s N %5d  capacity %6d%s  (%.0f s)" % (model, N, K, " (scan limit)" if capped else "", dt),
                      flush=True)
                # the next N would take about dt times the last growth factor
                grow = dt / res[model][-2][3] if len(res[model]) > 1 else 4.0
                if capped or dt * max(grow, 1.0) > a.budget:
                    break
                N *= 2
    with h5py.File(a.out + ".h5", "w") as f:
        for model, rows in res.items():
            g = f.create_group(model)
            g["N"] = [r[0] for r in rows]
            g["capacity"] = [r[1] for r in rows]
            g["at_scan_limit"] = [r[2] for r in rows]
            g["seconds"] = [r[3] for r in rows]
            g["memories_per_unit"] = [r[1] / units(model, r[0], r[1]) for r in rows]
        f.attrs["criterion"] = "largest K with mean Hamming error <= 0.01 N from cues with round(%g N) flipped bits" % (
            a.flips)
        f.attrs["trials"] = a.trials
        f.attrs["extra"] = a.extra
    report(res, a)


def report(res, a):
    """Print the fitted exponents and draw the figure."""
    print("fitted exponents (capacity ~ c N^b, points below the scan limit):")
    for model, rows in res.items():
        b, c = fit([r[0] for r in rows if not r[2]], [r[1] for r in rows if not r[2]])
        n_dam = spec(model)[3]
        theory = ""
        if model.startswith("dam-") and "continuous" not in model and rows:
            N, K = rows[-1][0], rows[-1][1]
            ok = [r for r in rows if not r[2]]
            bl, _ = fit([r[0] for r in ok], [r[1] * np.log(r[0]) for r in ok])
            theory = "; K ln N ~ N^%.2f (published %d); published N^%d/(2 (%d)!! ln N) = %.0f at N = %d, " \
                     "measured %d (%.2f of it)" % (bl, n_dam - 1, n_dam - 1, 2 * n_dam - 3, published(n_dam, N), N, K,
                                                   K / published(n_dam, N))
        if len(rows) >= 2 and rows[-1][1] > 0 and rows[-2][1] > 0:
            theory += "; last local slope %.2f" % (np.log(rows[-1][1] / rows[-2][1]) / np.log(rows[-1][0] / rows[-2][0]))
        print("  %-9s b = %.2f, c = %.3g%s" % (model, b, c, theory) if np.isfinite(b) else
              "  %-9s too few points below the scan limit" % model)
    plot(res, a.out + ".png", a.flips)
    print("wrote %s.h5 and %s.png" % (a.out, a.out))


if __name__ == "__main__":
    main()
