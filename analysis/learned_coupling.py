#!/usr/bin/python3
"""An example of `-naam_coupling file`: a process coupling T learned outside the engine, in NumPy,
then retrieved with by tripart.

    learned_coupling.py TRIPART [N] [K] [DEGREE]

1. tripart writes a random network and K patterns (-save_synapses): processes are its synapses, in
   the order of /network/indptr and /network/indices (natural order).
2. NumPy learns a symmetric T restricted to pairs of processes that share a neuron (a sparse T,
   about S * 2 * degree entries instead of the hebbian S^2) by gradient descent on
       L(T) = sum_mu |T v_mu - lam v_mu|^2 / S + rho |T|^2,   v_mu = xi_i^mu xi_j^mu over the synapses,
   so that every stored pattern's process state is a direction T scales by lam = N / S, as the
   hebbian T of the default c_T = N / S^2 does (c_T S).
3. T goes to an HDF5 file (/coupling/indptr, /coupling/indices, /coupling/data), and tripart
   retrieves each stored pattern from a cue with 20 % of its bits flipped, with the learned T and
   with the hebbian T, side by side.  Prints a table.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

TRIPART = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 60
K = int(sys.argv[3]) if len(sys.argv) > 3 else 3
DEGREE = int(sys.argv[4]) if len(sys.argv) > 4 else 12
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OPENBLAS_NUM_THREADS="1")
NET = ["-connectivity", "random", "-N", str(N), "-degree", str(DEGREE), "-K", str(K)]


def tripart(args):
    p = subprocess.run([TRIPART, "run"] + NET + [str(a) for a in args], env=ENV, capture_output=True, text=True)
    if p.returncode:
        sys.exit("tripart failed:\n" + p.stdout + p.stderr)
    return p.stdout


def learn(ip, ix, xi, steps=300, rho=1e-6):
    S = len(ix)
    rows = np.repeat(np.arange(len(ip) - 1), np.diff(ip))
    V = (xi[:, rows] * xi[:, ix]).T  # S x K: the stored patterns' process states
    lam = N / S
    # the sparsity pattern: processes (i, j) and (k, l) that share a neuron
    by_neuron = [[] for _ in range(N)]
    for q in range(S):
        by_neuron[rows[q]].append(q)
        by_neuron[ix[q]].append(q)
    pairs = {(a, b) for group in by_neuron for a in group for b in group}
    qa, qb = np.array(sorted(pairs)).T
    keys, tkeys = qa * S + qb, qb * S + qa
    order = np.argsort(keys)
    transpose = order[np.searchsorted(keys[order], tkeys)]  # entry (b, a) of entry (a, b)
    step = S / (K * np.bincount(qa).max())  # below 2 / the largest curvature of a row's least squares
    w = np.zeros(len(qa))
    for _ in range(steps):  # the gradient made symmetric keeps T = T^T (T_ijkl = T_klij)
        TV = np.zeros((S, K))
        np.add.at(TV, qa, w[:, None] * V[qb])
        g = np.einsum("ek,ek->e", (TV - lam * V)[qa], V[qb]) / S + rho * w
        w -= step * 0.5 * (g + g[transpose])
    loss = np.sum((TV - lam * V) ** 2) / S
    return S, qa, qb, w, loss


def main():
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "net.h5")
        tripart(["-ts_max_time", 0.1, "-save_synapses", "-o", out])
        with h5py.File(out, "r") as f:
            ip, ix, xi = f["network/indptr"][:], f["network/indices"][:], f["patterns"][:]
            network_hash = f.attrs["network_hash"]
        S, qa, qb, w, loss = learn(ip, ix, xi)
        order = np.lexsort((qb, qa))
        qa, qb, w = qa[order], qb[order], w[order]
        tfile = os.path.join(tmp, "learned_T.h5")
        with h5py.File(tfile, "w") as f:
            f.attrs["network_hash"] = network_hash  # the network T was made for: tripart checks it
            f["coupling/indptr"] = np.searchsorted(qa, np.arange(S + 1)).astype(np.int64)
            f["coupling/indices"] = qb.astype(np.int64)
            f["coupling/data"] = w
        print("N = %d, K = %d, %d synapses (processes); learned T: %d entries (hebbian: %d), loss %.3g"
              % (N, K, S, len(w), S * S, loss))
        print("%-8s %-22s %s" % ("pattern", "coupling", "retrieved pattern, Hamming error"))
        for mu in range(K):
            for name, args in (("learned (file)", ["-naam_coupling", "file", "-naam_coupling_file", tfile]),
                               ("hebbian", ["-naam_coupling", "hebbian"])):
                text = tripart(args + ["-cue_target", mu, "-cue_flip_fraction", 0.2, "-ts_max_time", 50,
                                       "-o", os.path.join(tmp, "r.h5")])
                line = [l for l in text.splitlines() if "result" in l]
                print("%-8d %-22s %s" % (mu, name, line[0].split("result", 1)[1].strip() if line else "?"))


if __name__ == "__main__":
    main()
