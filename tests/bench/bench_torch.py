#!/usr/bin/python3
"""The M1 right-hand side in PyTorch, as the authors' framework runs it: the same equations and the
same low-rank products as bench_numpy.py (Psi Xi, then Xi diag(o) Xi^T), float64, one thread, on
all-to-all N x N tensors.  Prints a line in bench_rhs's format, or says why it cannot run.

    bench_torch.py N K [evals] [repeat]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_numpy import best_seconds, report  # noqa: E402  (the same timing as the NumPy peer)


def main():
    try:
        import torch
    except ImportError:
        print("torch unavailable: PyTorch is not installed (Debian: apt-get install python3-torch)")
        return
    N, K = int(sys.argv[1]), int(sys.argv[2])
    evals = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    torch.set_num_threads(1)
    torch.set_grad_enabled(False)
    g = torch.Generator().manual_seed(0)
    f64 = torch.float64
    xi = torch.randint(0, 2, (N, K), generator=g, dtype=f64) * 2 - 1
    x = torch.rand(N, generator=g, dtype=f64) - 0.5
    S = 0.4 * (torch.rand(N, N, generator=g, dtype=f64) - 0.5)
    P = 0.4 * (torch.rand(N, N, generator=g, dtype=f64) - 0.5)
    tau_n = tau_s = tau_p = lam = alpha = gamma = 1.0
    beta_n = beta_s = beta_p = 5.0
    b = c = d = 0.0
    c_T = 1.0 / N**3

    def rhs(x, S, P):
        phi = torch.tanh(beta_n * x)
        gs = torch.tanh(beta_s * S)
        psi = torch.tanh(beta_p * P)
        dx = (-lam * x + gs @ phi + b) / tau_n
        dS = (-alpha * S + torch.outer(phi, phi) + psi + c) / tau_s
        o = (xi * (psi @ xi)).sum(0)                       # o_mu = sum_kl xi_k xi_l psi_kl
        Tpsi = c_T * (xi * o) @ xi.T                       # (T psi)_ij = c_T sum_mu xi_i xi_j o_mu
        dP = (-gamma * P + Tpsi + gs + d) / tau_p
        return dx, dS, dP

    report("torch", N, K, best_seconds(rhs, (x, S, P), evals, repeat))


if __name__ == "__main__":
    main()
