#!/usr/bin/python3
"""The M1 right-hand side as a researcher writes it in NumPy: the same equations and the same
low-rank products (Psi Xi, then Xi diag(o) Xi^T) through the same BLAS, on all-to-all N x N arrays.

    OPENBLAS_NUM_THREADS=1 bench_numpy.py N K [evals] [repeat]
"""
import sys
import time

import numpy as np


def main():
    N, K = int(sys.argv[1]), int(sys.argv[2])
    evals = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    rng = np.random.default_rng(0)
    xi = rng.choice([-1.0, 1.0], size=(N, K))
    x = rng.random(N) - 0.5
    S = 0.4 * (rng.random((N, N)) - 0.5)
    P = 0.4 * (rng.random((N, N)) - 0.5)
    tau_n = tau_s = tau_p = lam = alpha = gamma = 1.0
    beta_n = beta_s = beta_p = 5.0
    b = c = d = 0.0
    c_T = 1.0 / N**3

    def rhs(x, S, P):
        phi = np.tanh(beta_n * x)
        g = np.tanh(beta_s * S)
        psi = np.tanh(beta_p * P)
        dx = (-lam * x + g @ phi + b) / tau_n
        dS = (-alpha * S + np.outer(phi, phi) + psi + c) / tau_s
        o = np.einsum("km,km->m", xi, psi @ xi)           # o_mu = sum_kl xi_k xi_l psi_kl
        Tpsi = c_T * (xi * o) @ xi.T                       # (T psi)_ij = c_T sum_mu xi_i xi_j o_mu
        dP = (-gamma * P + Tpsi + g + d) / tau_p
        return dx, dS, dP

    report("numpy", N, K, best_seconds(rhs, (x, S, P), evals, repeat))


def best_seconds(rhs, args, evals, repeat):
    """Seconds per call of rhs(*args): the best of `repeat` rounds of `evals` calls, after one warm-up."""
    rhs(*args)
    best = 1e300
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(evals):
            rhs(*args)
        best = min(best, (time.perf_counter() - t0) / evals)
    return best


def report(name, N, K, best):
    """One line in bench_rhs's format."""
    print("%s ranks 1 N %d K %d seconds_per_rhs %.6e synapse_updates_per_s_per_core %.6e" % (name, N, K, best, N * N / best))


if __name__ == "__main__":
    main()
