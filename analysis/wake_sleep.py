"""M5's Fig. 3: few-shot encoding awake, then consolidation by replay asleep (`-consolidation_protocol
wake_sleep`, the published settings: f = 0.05, z = 2, exact patterns, u0 = 0.6, L = 70 N/1000, beta =
20).  Two runs of the same network, one stopped after the first sleep epoch ("before sleep") and one
after --sleep epochs, each with the recall tests; draws the connection density, the neural and
synaptic margins against the epoch, each retained pattern's margin gain against its margin before
sleep (do weak memories gain most?), and the recall rate against synaptic noise before and after.

    /usr/bin/python3 analysis/wake_sleep.py [--N 500] [--alpha 0.2] [--sleep 20000] [--out wake_sleep.png]"""
import argparse
import concurrent.futures
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tpsweep import ENV  # noqa: E402


def run(a, sleep, out):
    cmd = ["mpirun", "-n", "1", a.tripart, "run", "-model", "consolidation", "-consolidation_protocol", "wake_sleep",
           "-N", str(a.N), "-consolidation_alpha", str(a.alpha), "-consolidation_sleep_epochs", str(sleep),
           "-consolidation_tolerance", "gauss1,bernoulli-balanced", "-consolidation_tolerance_levels", str(a.levels),
           "-consolidation_tolerance_trials", str(a.trials), "-monitor_every", str(a.every), "-seed", str(a.seed),
           "-quiet", "-o", out]
    subprocess.run(cmd, env=ENV, check=True, capture_output=True, text=True)
    with h5py.File(out, "r") as f:
        d = {"step": f["step"][()], "levels": f["state/noise_levels"][()], "rate": f["state/recall_rate"][()],
             "retained": f["state/retained"][()], "pm": f["state/pattern_margin"][()]}
        d.update({k: f["observables/" + k][()] for k in f["observables"]})
        d.update({"summary/" + k: f["observables"].attrs[k] for k in f["observables"].attrs})
    os.unlink(out)
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tripart", default=os.path.join(os.path.dirname(__file__), "..", "build", "tripart"))
    ap.add_argument("--N", type=int, default=500)
    ap.add_argument("--alpha", type=float, default=0.2)
    ap.add_argument("--sleep", type=int, default=20000)
    ap.add_argument("--levels", type=int, default=15)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--every", type=int, default=250)
    ap.add_argument("--seed", type=int, default=700)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--out", default="wake_sleep.png")
    a = ap.parse_args()
    paths = [os.path.join(a.tmp, "ws_%d_%d.h5" % (os.getpid(), s)) for s in (1, a.sleep)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        before, after = pool.map(lambda p: run(a, *p), zip((1, a.sleep), paths))
    M = round(a.alpha * a.N)
    wake = int(before["step"][-1]) - 1  # the last step of the short run is the first sleep epoch
    kept = after["retained"] > 0
    m0, m1 = after["pm"][:M][kept], after["pm"][M:][kept]
    r = np.corrcoef(m0, m1 - m0)[0, 1] if kept.sum() > 2 else float("nan")
    n_l = len(before["levels"])
    print("M5 wake and sleep: N = %d, M = %d (f = 0.05), %d steps awake, %d epochs asleep" % (a.N, M, wake, a.sleep))
    print("  retained %d of %d patterns" % (kept.sum(), M))
    for name, d in (("before sleep", before), ("after sleep", after)):
        print("  %-13s density %.4f, margin %.4g, synaptic margin %.4g, tolerance gauss1 %.4g, bernoulli-balanced %.4g"
              % (name, d["density"][-1], d["margin"][-1], d["synaptic_margin"][-1], d["summary/tolerance_gauss1"],
                 d["summary/tolerance_bernoulli_balanced"]))
    print("  pattern margins %.4g -> %.4g on average; correlation of the gain with the margin before: %.3f"
          % (m0.mean(), m1.mean(), r))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 4, figsize=(17, 3.8))
    t = after["step"] - wake
    s = t >= 0
    ax[0].plot(t[s], after["density"][s])
    ax[0].set_ylabel("connection density")
    ax[1].plot(t[s], after["margin"][s], label="neural margin")
    ax[1].plot(t[s], after["synaptic_margin"][s], label="synaptic margin")
    ax[1].legend(fontsize=8)
    for x in ax[:2]:
        x.set_xlabel("sleep epoch")
    ax[2].plot(m0, m1 - m0, ".", ms=4)
    ax[2].set_xlabel("pattern margin before sleep")
    ax[2].set_ylabel("gain during sleep (r = %.2f)" % r)
    for name, d, ls in (("before", before, "--"), ("after", after, "-")):
        ax[3].plot(0.16 * d["levels"] / 0.1, d["rate"][:n_l], ls, label="gauss1, %s sleep" % name)
    ax[3].set_xlabel("synaptic noise sigma / <u>")
    ax[3].set_ylabel("recall rate")
    ax[3].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)
    print("figure:", a.out)


if __name__ == "__main__":
    main()
