"""A million-synapse astrocyte in a spiking network (issue 13's reference run), on this machine, in one run.

One astrocyte_lr_1994 astrocyte with C compartments (--compartments, 10^6), one per tripartite synapse
(-pool_type synapse), linked as a binary tree along which IP3 and Ca diffuse (Allbritton et al.'s rates);
10,000 iaf_psc_delta neurons driven to about 20 Hz by Poisson input project all to all onto 100 aeif_cond_alpha
targets (C = 10^6 synapses), each synapse feeding its compartment (IP3 += delta_IP3 per spike) and each
compartment sending its slow inward current to the synapse's target.  Neurons step at 0.1 ms, the
compartments at --astro-dt (1 ms) by classical Runge-Kutta.  Runs --time ms (200) on 1 and 2 ranks, and
once more with every compartment a point astrocyte (-cell_size 1: no diffusion) to price the diffusion.

Prints, per number of ranks: wall seconds per simulated second (real-time factor), bytes per compartment
(peak memory summed over the ranks, above the start, over C: each compartment is a row with its synapse
triplet S -> T, S -> A, A -> T), the split of the slowest rank's time between the neurons, the
synapses' delivery, the spike exchange and the compartments (-log_view's M4 events), and the cost per
compartment-step: kinetics, and diffusion alone (the difference with point astrocytes), against the M1
diffusion kernel's cost per process per right-hand side (bench_rhs, spatial morphology of 1.04 M
processes; hebbian + diffusion minus hebbian), measured in the same run.

Usage: /usr/bin/python3 tests/bench/bench_astro_cells.py build/tripart [--compartments=C] [--time=MS]
       [--astro-dt=MS] [--ranks=1,2] [--bench-rhs=build/tests/bench_rhs]"""
import os
import re
import subprocess
import sys
import tempfile

TRIPART = os.path.abspath(sys.argv[1])


def opt(name, default):
    return next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--%s=" % name)), default)


C = int(float(opt("compartments", 1e6)))
T = float(opt("time", 200))
ADT = float(opt("astro-dt", 1))
RANKS = [int(r) for r in opt("ranks", "1,2").split(",")]
RHS = opt("bench-rhs", os.path.join(os.path.dirname(TRIPART), "tests", "bench_rhs"))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OPENBLAS_NUM_THREADS="1")
NS, NT = 10000, C // 10000


def cpu():
    flags = open("/proc/cpuinfo").read()
    name = next((ln.split(":", 1)[1].strip() for ln in flags.splitlines() if ln.startswith("model name")), "?")
    return "%s (%s)" % (name, "AVX-512" if "avx512f" in flags else "AVX2, no AVX-512")


def args(cell):
    return ["-model", "spiking", "-spiking_populations", "S:%d,T:%d,A:%d" % (NS, NT, C),
            "-spiking_S_type", "iaf_psc_delta", "-spiking_S_poisson_rate", 1000, "-spiking_S_poisson_weight", 1.2,
            "-spiking_S_V_m_uniform", "-70,-55", "-spiking_S_record_spikes", 0, "-spiking_T_type", "aeif_cond_alpha",
            "-spiking_A_type", "astrocyte_lr_1994", "-spiking_A_cell_size", cell, "-spiking_A_delta_IP3", 0.05,
            "-spiking_projections", "S-T,S-A,A-T", "-spiking_S-T_rule", "all_to_all", "-spiking_S-T_weight", 0.01,
            "-spiking_S-T_third", "A", "-spiking_S-T_pool_type", "synapse", "-spiking_S-A_rule", "third",
            "-spiking_A-T_rule", "third", "-spiking_A-T_weight", 0.05, "-spiking_astro_dt", ADT,
            "-stepper_max_time", T, "-log_view"]


def run(ranks, cell, tmp):
    out = os.path.join(tmp, "cells_%d_%d.h5" % (ranks, cell))
    cmd = (["mpiexec", "-n", str(ranks), "--bind-to", "core"] if ranks > 1 else []) + [TRIPART] + \
        [str(a) for a in args(cell)] + ["-o", out]
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if p.returncode:
        sys.exit("tripart failed:\n" + p.stdout + p.stderr)
    r = {}
    m = re.search(r"time\s+([0-9.]+) s wall; peak memory ([0-9.]+) MiB on \d+ ranks, .*above the ([0-9.]+) MiB at start",
                  p.stdout)  # (both summed over the ranks)
    r["wall"], r["peak"], r["start"] = float(m.group(1)), float(m.group(2)), float(m.group(3))
    for ev in ("M4NeuronUpdate", "M4SpikeGather", "M4SpikeDeliver", "M4Astrocytes", "TSFunctionEval"):
        m = re.search(r"^%s\s+\d+\s+[0-9.]+\s+([0-9.e+-]+)" % ev, p.stdout, re.M)
        r[ev] = float(m.group(1)) if m else 0.0
    m = re.search(r"result\s+S\s+\d+ spikes, rate ([0-9.]+) Hz", p.stdout)
    r["rate"] = float(m.group(1)) if m else float("nan")
    return r


def m1_diffusion():
    """M1's diffusion kernel: seconds per process per right-hand side (hebbian + diffusion minus hebbian)."""
    if not os.path.exists(RHS):
        return None
    base = ["-connectivity", "spatial", "-N", "50000", "-degree", "22", "-spatial_dim", "3", "-spatial_tiles", "4",
            "-spatial_links", "4", "-spatial_gap_junctions", "16", "-K", "10", "-repeat", "5"]
    s = {}
    for c in ("hebbian", "hebbian,diffusion"):
        p = subprocess.run([RHS] + base + ["-naam_coupling", c], env=ENV, capture_output=True, text=True)
        s[c] = float(re.search(r"seconds_per_rhs ([0-9.e+-]+)", p.stdout).group(1))
    return (s["hebbian,diffusion"] - s["hebbian"]) / 1.04e6


def main():
    slow = T / ADT
    print("A %d-compartment astrocyte under spiking input (%s): %g ms simulated, compartments every %g ms"
          % (C, cpu(), T, ADT))
    with tempfile.TemporaryDirectory() as tmp:
        for R in RANKS:
            r, p = run(R, C, tmp), run(R, 1, tmp)
            astro = r["M4Astrocytes"]
            print("%d rank%s: real-time factor %.1f (%.2f s wall); %.0f bytes per compartment (with its three "
                  "synapses); source rate %.1f Hz" % (R, "s" if R > 1 else "", r["wall"] / (T / 1000), r["wall"],
                                                      (r["peak"] - r["start"]) * 2 ** 20 / C, r["rate"]))
            print("  slowest rank's time: neurons %.2f s, synapses (delivery) %.2f s, exchange %.2f s, "
                  "compartments %.2f s (of which right-hand sides %.2f s)"
                  % (r["M4NeuronUpdate"] - astro, r["M4SpikeDeliver"], r["M4SpikeGather"], astro,
                     r["TSFunctionEval"]))
            print("  per compartment-step (%d compartment-steps per rank): %.1f ns in all, diffusion %.1f ns "
                  "(point astrocytes %.1f ns)" % (C * slow / R, astro / (C * slow / R) * 1e9,
                                                  (astro - p["M4Astrocytes"]) / (C * slow / R) * 1e9,
                                                  p["M4Astrocytes"] / (C * slow / R) * 1e9))
    d = m1_diffusion()
    if d is not None:
        print("M1's diffusion kernel (bench_rhs, 1.04 M processes, 1 rank): %.2f ns per process per right-hand side;"
              " a compartment-step of classical Runge-Kutta is four right-hand sides" % (d * 1e9))


if __name__ == "__main__":
    main()
