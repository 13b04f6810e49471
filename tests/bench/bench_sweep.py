#!/usr/bin/python3
"""Trials per second of the published gated-memory protocol (N = 20, Euler dt = 1e-3 to t = 10, 3
flipped bits), tripart sweep on 1 and 2 ranks against NumPy (one trial at a time, and all trials of
a grid point batched), side by side in one run.  Prints a table; figures only, no pass/fail.

    bench_sweep.py TRIPART [MODELS] [KLIST] [TRIALS]
"""
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_sweep_numpy as ref  # noqa: E402

TRIPART = sys.argv[1]
MODELS = (sys.argv[2] if len(sys.argv) > 2 else "gated,hopfield,dam,naam").split(",")
KLIST = [int(k) for k in (sys.argv[3] if len(sys.argv) > 3 else "5,23,97,200").split(",")]
TRIALS = int(sys.argv[4]) if len(sys.argv) > 4 else 20
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")


def engine(model, ranks, tmp):
    out = os.path.join(tmp, "%s%d.h5" % (model, ranks))
    cmd = ["mpirun", "-n", str(ranks), TRIPART, "sweep", "-models", model, "-K", ",".join(map(str, KLIST)),
           "-flips", "3", "-trials", str(TRIALS), "-o", out, "-progress_interval", "1000"]
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, check=True)
    m = re.search(r"done: (\d+) trials in ([0-9.]+) s", p.stdout)
    return int(m.group(1)) / float(m.group(2))


def numpy_rate(model, way):
    """Trials per second over the same K values (the same number of trials at each)."""
    rng = np.random.default_rng(1)
    n = TRIALS if way == "batched" else max(2, TRIALS // 10)
    total = 0.0
    for K in KLIST:
        xi, cue = ref.setup(rng, n, K, 3)
        t0 = time.perf_counter()
        if way == "loop":
            for b in range(n):
                getattr(ref, model)(xi[b], cue[b])
        else:
            getattr(ref, model)(xi, cue)
        total += (time.perf_counter() - t0) / n
    return len(KLIST) / total


def main():
    print("published protocol, N = 20, K in %s, 3 flipped bits, %d trials per K; trials per second" % (KLIST, TRIALS))
    print("%-9s %12s %12s %12s %12s %10s %10s" % ("model", "tripart 1r", "tripart 2r", "numpy loop", "numpy batch",
                                                 "2r/loop", "2r/batch"))
    rates = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in MODELS:
            r = (engine(model, 1, tmp), engine(model, 2, tmp), numpy_rate(model, "loop"), numpy_rate(model, "batched"))
            rates.append(r)
            print("%-9s %12.4g %12.4g %12.4g %12.4g %9.1fx %9.1fx" % ((model,) + r + (r[1] / r[2], r[1] / r[3])),
                  flush=True)
    # the same number of trials of every model, as in the published sweep: harmonic means
    mix = [len(rates) / sum(1 / r[q] for r in rates) for q in range(4)]
    print("%-9s %12.4g %12.4g %12.4g %12.4g %9.1fx %9.1fx" % (("all",) + tuple(mix) + (mix[1] / mix[2],
                                                                                     mix[1] / mix[3])))


if __name__ == "__main__":
    main()
