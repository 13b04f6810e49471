#!/usr/bin/python3
"""Project M1's time per step to 1,024 ranks from measured communication volumes.

    /usr/bin/python3 analysis/project_scaling.py build/tripart [--out DIR] [--max-parts 64] [--quick]

What it measures, on this machine:
  * the compute time per synapse of one Euler step (one right-hand side) of M1 (hebbian + diffusion,
    K = 10) on the spatial million-synapse network, on 1 rank, and the same run on 2 ranks;
  * for P = 2, 4, ..., --max-parts ranks: what each rank would receive per exchange (ghost neurons,
    halo processes) and from how many ranks, from `tripart partition -partitioner graph` (PT-Scotch;
    the statistics need no P ranks), for one fixed network (strong scaling: the million-synapse
    network, 50,000 neurons) and for networks that grow with P (weak scaling: 6,250 neurons per rank,
    degree 22, astrocyte territories per side growing as P^(1/3), so that each covers about as many
    neurons).

The model of a step on P ranks (stated, not fitted):
    T(P) = c * max_r synapses_r                                   (compute: the slowest rank)
         + max_r [peers_r * alpha + 8 bytes * (ghosts_r + halo_r) / beta_rank]   (ghost and halo exchange)
         + n_red * 2 * alpha * log2(P)                            (the step's MPI_Allreduce)
with an InfiniBand HDR interconnect: alpha = 1.5 us per message, 25 GB/s per node shared by 64 ranks
(beta_rank = 0.39 GB/s), every message counted as crossing the network (pessimistic: a node's ranks
exchange through shared memory), n_red = 2 reductions per step (the coupling's overlaps and the
energy).  Beyond the measured P: strong scaling extrapolates each rank's volume and peers by power
laws fitted over the last measured four rank counts, with the synapses split evenly times the
measured imbalance; weak scaling holds the largest measured per-rank volume and peers (a subdomain
of fixed size has a boundary of fixed size).

Writes DIR/scaling_projection.csv and DIR/scaling_projection.png and prints the table.
"""
import argparse
import csv
import math
import os
import re
import subprocess
import sys
import tempfile

import h5py

ALPHA = 1.5e-6             # s per message (MPI latency, HDR InfiniBand)
BETA_NODE = 25e9           # bytes/s per node (200 Gb/s)
RANKS_PER_NODE = 64
BETA = BETA_NODE / RANKS_PER_NODE
N_RED = 2
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
NET = ["-connectivity", "spatial", "-degree", 22, "-spatial_dim", 3, "-spatial_links", 4,
       "-spatial_gap_junctions", 16]


def sh(args):
    p = subprocess.run([str(a) for a in args], env=ENV, capture_output=True, text=True)
    if p.returncode:
        sys.exit("project_scaling: %s failed:\n%s%s" % (" ".join(map(str, args)), p.stdout, p.stderr))
    return p.stdout


def partition_stats(tripart, net, nparts, tmp):
    """Per-rank (synapses, ghosts, halo, peers) of the PT-Scotch partition of net over nparts."""
    out = sh([tripart, "partition"] + net + ["-nparts", nparts, "-o", os.path.join(tmp, "p.h5")])
    rows = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 7 and f[0].isdigit():
            rows.append(tuple(int(x) for x in (f[2], f[3], f[4], f[6])))
    if len(rows) != nparts:
        sys.exit("project_scaling: tripart partition printed %d rows for %d parts:\n%s" % (len(rows), nparts, out))
    return rows


def step_time(tripart, net, ranks, tmp, steps=20):
    """Measured wall time per Euler step of M1 (hebbian + diffusion, K = 10)."""
    out = os.path.join(tmp, "run%d.h5" % ranks)
    sh(["mpiexec", "-n", ranks, tripart, "run"] + net + ["-K", 10, "-naam_coupling", "hebbian,diffusion",
                                                          "-ts_type", "euler", "-ts_dt", 0.01, "-ts_max_steps", steps,
                                                          "-monitor_every", steps, "-quiet", "-o", out])
    with h5py.File(out, "r") as f:
        return f.attrs["wall_time"] / steps, int(f.attrs["synapses"])


def model(c, syn_max, vol_max, peers_max, P):
    compute = c * syn_max
    comm = peers_max * ALPHA + 8.0 * vol_max / BETA if P > 1 else 0.0
    red = N_RED * 2 * ALPHA * math.log2(P) if P > 1 else 0.0
    return compute + comm + red, compute, comm, red


def fit_power(xs, ys):
    """y = a x^b by least squares in logs."""
    lx, ly = [math.log(x) for x in xs], [math.log(max(y, 1e-30)) for y in ys]
    n, mx, my = len(lx), sum(lx) / len(lx), sum(ly) / len(ly)
    b = sum((u - mx) * (v - my) for u, v in zip(lx, ly)) / max(sum((u - mx) ** 2 for u in lx), 1e-30)
    return math.exp(my - b * mx), b


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tripart")
    ap.add_argument("--out", default=".")
    ap.add_argument("--max-parts", type=int, default=64)
    ap.add_argument("--quick", action="store_true", help="a small network (a check that the script works)")
    a = ap.parse_args()
    n_strong, per_rank, tiles = (50000, 6250, 4) if not a.quick else (4000, 500, 2)
    strong_net = NET + ["-N", n_strong, "-spatial_tiles", tiles]
    parts = [p for p in (2, 4, 8, 16, 32, 64, 128) if p <= a.max_parts]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t1, nsyn = step_time(a.tripart, strong_net, 1, tmp)
        t2, _ = step_time(a.tripart, strong_net, 2, tmp)
        c = t1 / nsyn
        print("measured (this machine): %.4f s per step on 1 rank, %.4f s on 2 (%.2fx); %.3g s per synapse"
              % (t1, t2, t1 / t2, c))
        strong = {p: partition_stats(a.tripart, strong_net, p, tmp) for p in parts}
        weak = {}
        for p in parts:
            # the same neuron density and astrocytes per neuron as the strong network: the box's side and the
            # tiles per side grow as p^(1/3) (rounded), the neurons with p
            t = max(1, round(tiles * (p * per_rank / n_strong) ** (1 / 3)))
            weak[p] = partition_stats(a.tripart, NET + ["-N", p * per_rank, "-spatial_tiles", t], p, tmp)
    # strong scaling, measured volumes then extrapolated
    last = parts[-4:] if len(parts) >= 4 else parts
    vol = {p: max(g + h for _, g, h, _ in strong[p]) for p in parts}
    peers = {p: max(q for *_, q in strong[p]) for p in parts}
    imb = {p: max(s for s, *_ in strong[p]) / (nsyn / p) for p in parts}
    av, bv = fit_power(last, [vol[p] for p in last])
    ap_, bp = fit_power(last, [peers[p] for p in last])
    proj = [1] + parts + [p for p in (128, 256, 512, 1024) if p > parts[-1]]
    base = model(c, nsyn, 0, 0, 1)[0]
    for p in proj:
        if p == 1:
            sm, v, q, how = nsyn, 0, 0, "measured"
        elif p in strong:
            sm, v, q, how = max(s for s, *_ in strong[p]), vol[p], peers[p], "measured volumes"
        else:
            sm = nsyn / p * imb[parts[-1]]
            v, q, how = min(av * p ** bv, n_strong), min(ap_ * p ** bp, p - 1), "extrapolated"
        t, comp, comm, red = model(c, sm, v, q, p)
        rows.append(("strong", p, n_strong, nsyn, t, comp, comm, red, base / (p * t), how))
    # weak scaling
    wsyn = {p: sum(s for s, *_ in weak[p]) for p in parts}
    wbase = model(c, nsyn / n_strong * per_rank, 0, 0, 1)[0]
    wl = parts[-1]
    for p in proj:
        if p == 1:
            sm, v, q, how, tot = nsyn / n_strong * per_rank, 0, 0, "compute of 1 rank", nsyn / n_strong * per_rank
        elif p in weak:
            sm = max(s for s, *_ in weak[p])
            v, q, tot = max(g + h for _, g, h, _ in weak[p]), max(x for *_, x in weak[p]), wsyn[p]
            how = "measured volumes"
        else:
            sm = max(s for s, *_ in weak[wl])
            v, q, tot = max(g + h for _, g, h, _ in weak[wl]), max(x for *_, x in weak[wl]), wsyn[wl] / wl * p
            how = "held at %d ranks" % wl
        t, comp, comm, red = model(c, sm, v, q, p)
        rows.append(("weak", p, p * per_rank, int(tot), t, comp, comm, red, wbase / t, how))
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "scaling_projection.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["mode", "ranks", "neurons", "synapses", "time_per_step_s", "compute_s", "exchange_s",
                    "reductions_s", "efficiency", "source"])
        for r in rows:
            w.writerow([r[0], r[1], r[2], r[3], "%.4e" % r[4], "%.4e" % r[5], "%.4e" % r[6], "%.4e" % r[7],
                        "%.3f" % r[8], r[9]])
    print("model: alpha %.1f us, %.0f GB/s per node over %d ranks, %d reductions per step; c = %.3g s per synapse"
          % (ALPHA * 1e6, BETA_NODE / 1e9, RANKS_PER_NODE, N_RED, c))
    print("%-6s %6s %10s %12s %12s %10s %10s %10s %6s  %s" % ("mode", "ranks", "neurons", "synapses", "step_s",
                                                              "compute", "exchange", "reduce", "eff", "source"))
    for r in rows:
        print("%-6s %6d %10d %12d %12.4e %10.3e %10.3e %10.3e %6.3f  %s" % r)
    print("measured: strong 2 ranks efficiency %.3f (this machine's 2 cores)" % (t1 / t2 / 2))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 4))
        for mode, style in (("strong", "o-"), ("weak", "s-")):
            pts = [(r[1], r[8]) for r in rows if r[0] == mode]
            ax.plot([p for p, _ in pts], [e for _, e in pts], style, label="%s (projected)" % mode)
        ax.plot([1, 2], [1, t1 / t2 / 2], "k^", label="strong, measured here")
        ax.set_xscale("log", base=2)
        ax.set_ylim(0, 1.1)
        ax.set_xlabel("ranks")
        ax.set_ylabel("parallel efficiency")
        ax.legend()
        ax.set_title("M1 on the spatial network: projected to 1,024 ranks")
        fig.tight_layout()
        png = os.path.join(a.out, "scaling_projection.png")
        fig.savefig(png, dpi=120)
        print("figure", png)
    except ImportError:
        pass
    print("table", path)


if __name__ == "__main__":
    main()
