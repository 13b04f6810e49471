"""M5's Fig. 2 at reduced size: train a binary network of N neurons with z-factor synapses at several
loads (the published settings, L scaled by N/1000), then measure recall under neural and synaptic
noise; print a table (density beside the authors' theory, tolerances) and draw Fig. 2-like panels:
connection density against load for each z, the tolerance to each noise against z, and the surviving
weights' distribution.  Each (z, load) is one `tripart run`, --jobs of them at a time.

    /usr/bin/python3 analysis/consolidation_study.py [--N 200] [--z 1,2,3] [--alphas 0.08,0.2,0.33]
        [--levels 25] [--trials 10] [--jobs 2] [--out consolidation_study.png]

--replot TABLE.npz redraws from a saved table."""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tpsweep import ENV  # noqa: E402

# The authors' theory for z = 2 at f = 0.5 (theory/l1.npy, research/spiking_and_consolidation.md 2.7)
THEORY_Z2 = {0.08: 0.071, 0.1425: 0.122, 0.205: 0.163, 0.2: 0.163, 0.2675: 0.208, 0.33: 0.246, 0.453: 0.309,
             0.577: 0.363, 0.7: 0.410}
KINDS = ["bernoulli-balanced", "gauss", "gauss1"]


def one(a, z, alpha):
    out = os.path.join(a.tmp, "m5_z%d_a%g.h5" % (z, alpha))
    cmd = ["mpirun", "-n", "1", a.tripart, "run", "-model", "consolidation", "-N", str(a.N), "-consolidation_z", str(z),
           "-consolidation_alpha", str(alpha), "-consolidation_tolerance", ",".join(KINDS),
           "-consolidation_tolerance_levels", str(a.levels), "-consolidation_tolerance_trials", str(a.trials), "-quiet",
           "-o", out]
    t0 = time.time()
    subprocess.run(cmd, env=ENV, check=True, capture_output=True, text=True)
    with h5py.File(out, "r") as f:
        r = {k: f["observables"].attrs[k] for k in f["observables"].attrs}
        w = f["state/w"][()]
        r["weights"] = w[w > 1e-10]
        r["epochs"] = int(f["step"][()][-1])
    os.unlink(out)
    r["seconds"] = time.time() - t0
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tripart", default=os.path.join(os.path.dirname(__file__), "..", "build", "tripart"))
    ap.add_argument("--N", type=int, default=200)
    ap.add_argument("--z", default="1,2,3")
    ap.add_argument("--alphas", default="0.08,0.2,0.33")
    ap.add_argument("--levels", type=int, default=25)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--out", default="consolidation_study.png")
    ap.add_argument("--replot")
    a = ap.parse_args()
    if a.replot:
        d = np.load(a.replot, allow_pickle=True)
        res, zs, alphas, N = d["res"].item(), list(d["zs"]), list(d["alphas"]), int(d["N"])
    else:
        zs = [int(v) for v in a.z.split(",")]
        alphas = [float(v) for v in a.alphas.split(",")]
        N = a.N
        keys = [(z, al) for z in zs for al in alphas]
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            res = dict(zip(keys, pool.map(lambda k: one(a, *k), keys)))
        np.savez(os.path.splitext(a.out)[0] + ".npz", res=res, zs=zs, alphas=alphas, N=N)
    print("M5 at N = %d, f = 0.5 (published eta, eta_theta, L x N/1000; tolerance: recall rate 0.5)" % N)
    print("%-3s %-7s %-9s %-9s %-8s %-10s %-10s %-10s %-9s %-8s" % ("z", "alpha", "density", "theory", "error",
                                                                   "tol p bal", "tol gauss", "tol gauss1", "epochs",
                                                                   "seconds"))
    for z in zs:
        for al in alphas:
            r = res[(z, al)]
            th = 0.5 if z == 1 else THEORY_Z2.get(al, float("nan")) if z == 2 else float("nan")
            print("%-3d %-7g %-9.4f %-9.3f %-8.3g %-10.4g %-10.4g %-10.4g %-9d %-8.0f" % (
                z, al, r["density"], th, r["error"], r["tolerance_bernoulli_balanced"], r["tolerance_gauss"],
                r["tolerance_gauss1"], r["epochs"], r["seconds"]))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    for z in zs:
        ax[0].plot(alphas, [res[(z, al)]["density"] for al in alphas], "o-", label="z = %d" % z)
    ax[0].axhline(0.5, color="gray", ls=":", label="theory z = 1")
    ta = sorted(THEORY_Z2)
    ax[0].plot(ta, [THEORY_Z2[x] for x in ta], "k--", lw=1, label="theory z = 2")
    ax[0].set_xlabel("load alpha = M/N")
    ax[0].set_ylabel("connection density")
    ax[0].legend(fontsize=8)
    for kind, mark in zip(("tolerance_bernoulli_balanced", "tolerance_gauss", "tolerance_gauss1"), "os^"):
        for al in alphas:
            vals = [res[(z, al)][kind] for z in zs]
            if kind != "tolerance_bernoulli_balanced":
                vals = [10 * v for v in vals]  # sigma / <u> (mean surviving u = 0.1)
            ax[1].plot(zs, vals, mark + "-", label="%s, alpha %g" % (kind.split("_", 1)[1], al))
    ax[1].set_xlabel("z (factors per synapse)")
    ax[1].set_ylabel("tolerance (neural: p; synaptic: sigma / <u>)")
    ax[1].legend(fontsize=6)
    mid = alphas[len(alphas) // 2]
    for z in zs:
        w = res[(z, mid)]["weights"]
        ax[2].hist(np.log10(w / w.mean()), bins=40, histtype="step", density=True, label="z = %d" % z)
    ax[2].set_xlabel("log10 (w / mean w), surviving synapses, alpha %g" % mid)
    ax[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)
    print("figure:", a.out)


if __name__ == "__main__":
    main()
