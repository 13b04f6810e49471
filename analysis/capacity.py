#!/usr/bin/python3
"""The capacity study: for N in a geometric series, the largest K each model retrieves with mean
Hamming error at most 1 % of N from cues with 10 % of their bits flipped.

    /usr/bin/python3 analysis/capacity.py [--tripart build/tripart] [--ranks 2] [--trials 8]
        [--models hopfield,dam,naam,gated] [--budget 240] [--out capacity]

For each model and N (16, 32, 64, ... while the next N should take less than --budget seconds), K is
scanned on a doubling grid with one `tripart sweep` per value until retrieval fails, then bisected
between the last success and the first failure.  Every trial runs to t = 10 with PETSc's adaptive
Runge-Kutta (rk 3bs).  Writes OUT.h5 (the capacities), OUT.png (capacity against N, log-log,
with fitted exponents, and memories per compute unit against N) and prints the table.
"""
import argparse
import os
import subprocess
import tempfile
import time

import h5py
import numpy as np

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
# K is never scanned beyond this (the cost of one right-hand side grows like K N, or K N^2 for naam)
KMAX = {"hopfield": 4096, "dam": 65536, "naam": 8192, "gated": 65536}


def units(model, N, K):
    """Compute units: neurons + synapses (+ processes for naam, + gains for gated)."""
    return N + N * N + (N * N if model == "naam" else 0) + (K if model == "gated" else 0)


class Study:
    def __init__(self, a, tmp):
        self.a, self.tmp, self.calls = a, tmp, 0

    def error(self, model, N, K):
        """Mean Hamming error of `trials` trials at (model, N, K), 10 % flipped bits."""
        out = os.path.join(self.tmp, "c%d.h5" % self.calls)
        self.calls += 1
        cmd = ["mpirun", "-n", str(self.a.ranks), self.a.tripart, "sweep", "-models", model, "-N", str(N), "-K",
               str(K), "-flips", str(max(1, round(0.1 * N))), "-trials", str(self.a.trials), "-quiet", "-o", out,
               "-ts_type", "rk", "-ts_max_time", "10", "-ts_dt", "0.01"]
        subprocess.run(cmd, env=ENV, check=True, capture_output=True, text=True)
        with h5py.File(out, "r") as f:
            m = float(f["summary/mean_hamming_error"][0, 0, 0])
        os.unlink(out)
        return m

    def capacity(self, model, N):
        """Largest K with mean error <= 1 % of N (and whether the scan stopped at KMAX)."""
        tol = 0.01 * N
        good, bad, K = 0, None, 2
        while K <= KMAX[model]:
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


def plot(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    style = {"gated": "C3", "naam": "C0", "hopfield": "C2", "dam": "C1"}
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
    n = np.array(sorted({r[0] for rows in res.values() for r in rows}), float)
    ax1.loglog(n, 0.14 * n, "k:", label="0.14 N")
    ax1.set_xlabel("neurons N")
    ax1.set_ylabel("capacity (largest K, error <= 1 % N, 10 % flips)")
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
    ap.add_argument("--tripart", default=os.path.join(os.path.dirname(__file__), "..", "build", "tripart"))
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--trials", type=int, default=8)
    ap.add_argument("--models", default="hopfield,dam,naam,gated")
    ap.add_argument("--budget", type=float, default=240, help="seconds one N may take (predicted from the growth so far)")
    ap.add_argument("--nmax", type=int, default=1024)
    ap.add_argument("--out", default="capacity")
    a = ap.parse_args()
    res = {}
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
        f.attrs["criterion"] = "largest K with mean Hamming error <= 0.01 N from cues with round(0.1 N) flipped bits"
        f.attrs["trials"] = a.trials
    print("fitted exponents (capacity ~ c N^b, points below the scan limit):")
    for model, rows in res.items():
        b, c = fit([r[0] for r in rows if not r[2]], [r[1] for r in rows if not r[2]])
        print("  %-9s b = %.2f, c = %.3g" % (model, b, c) if np.isfinite(b) else
              "  %-9s too few points below the scan limit" % model)
    plot(res, a.out + ".png")
    print("wrote %s.h5 and %s.png" % (a.out, a.out))


if __name__ == "__main__":
    main()
