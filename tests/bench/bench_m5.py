"""Benchmark of M5 training epochs (not a test): the engine on 1 and 2 ranks against PyTorch written
the way the authors wrote theirs (RNN.py: full N x N x z tensors, dW/dU through the N x N x z x z
power, float32, one thread), side by side in one run, at N = 1000, f = 0.5, z = 2 and loads 0.2 and
0.7.  Epochs per second of the worst-pattern phase (every run starts in it) for both, and of the
soft-min phase for PyTorch; the engine's figure is the difference of two run lengths, so that set-up
and output do not count.

    /usr/bin/python3 tests/bench/bench_m5.py [BUILD_DIR]"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build")
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
N, Z = 1000, 2


def engine(ranks, alpha, epochs):
    out = "/tmp/bench_m5_%d.h5" % os.getpid()
    cmd = ["mpirun", "-n", str(ranks), os.path.join(BUILD, "tripart"), "run", "-model", "consolidation", "-N", str(N),
           "-consolidation_z", str(Z), "-consolidation_alpha", str(alpha), "-stepper_max_steps", str(epochs),
           "-o", out]
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True, check=True)
    os.unlink(out)
    return float(re.search(r"time\s+([0-9.]+) s wall", p.stdout).group(1))


def engine_rate(ranks, alpha, e1=20, e2=120):
    best = float("inf")
    for _ in range(2):
        best = min(best, (engine(ranks, alpha, e2) - engine(ranks, alpha, e1)) / (e2 - e1))
    return 1 / best


def torch_rate(alpha, softmin, epochs=12):
    """The authors' optimize() loop body, branch by branch (RNN.py lines 703-748)."""
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(100)
    M, f, eta, L = round(alpha * N), 0.5, 5e-3, 20
    X = (torch.rand(N, M) < f).float()
    Y = 2 * X - 1
    U = torch.empty(N, N, Z).uniform_(0.07, 0.13)
    diag = 1 - torch.eye(N).reshape(N, N, 1)
    grad_mask = torch.ones(N, N, Z, Z)
    for k in range(Z):
        grad_mask[:, :, k, k] = 0
    grad_tmp, dWdU = torch.ones(N, N, Z, Z), torch.zeros(N, N, Z)
    W = torch.prod(U, 2)
    theta, H, ones = f * W.sum(1), torch.zeros(N, M), torch.ones(N, N)
    Mask_bool, Mask_big, N_vec = torch.zeros(N, N, dtype=torch.bool), torch.zeros(N, N), torch.arange(N)
    H_means = torch.ones(N, 1)
    best = float("inf")
    for e in range(epochs):
        t0 = time.perf_counter()
        torch.matmul(W, X, out=H)
        torch.sub(H, theta[:, None], out=H)
        if not softmin:
            torch.mul(H, Y, out=H)
            mu_min = torch.argmin(H, 1)
            Mask_mu = torch.zeros(N, M)
            Mask_mu[N_vec, mu_min] += 1.
            X_min = torch.matmul(Mask_mu, X.T)
            y_min = Y[N_vec, mu_min]
            H_means = H.abs().mean(1, keepdim=True)
            torch.pow(U[:, :, :, None], grad_mask, out=grad_tmp)
            torch.prod(grad_tmp, 2, out=dWdU)
            torch.gt(W, 1e-10, out=Mask_bool)
            torch.mul(Mask_bool, ones, out=Mask_big)
            U += eta * y_min[:, None, None] * X_min[:, :, None] * dWdU * Mask_big[:, :, None]
        else:
            Y_self = torch.sign(H)
            Loss = torch.exp(-100 * H.abs() / H_means)
            H_means = H.abs().mean(1, keepdim=True)
            Mask_mu = (Loss * Y_self) / Loss.sum(1, keepdim=True)
            dLdW = torch.matmul(Mask_mu, X.T)
            y_min = Mask_mu.sum(1)
            torch.pow(U[:, :, :, None], grad_mask, out=grad_tmp)
            torch.prod(grad_tmp, 2, out=dWdU)
            torch.gt(W, 1e-10, out=Mask_bool)
            torch.mul(Mask_bool, ones, out=Mask_big)
            U += eta * dLdW[:, :, None] * dWdU * Mask_big[:, :, None]
        U *= Mask_big[:, :, None]
        U.clamp_min_(1e-20)
        U *= diag
        torch.prod(U, 2, out=W)
        U /= (U.pow(2).sum(dim=(1, 2), keepdim=True) / L / Z).pow(0.5)
        torch.prod(U, 2, out=W)
        theta -= eta * y_min
        if e >= 2:
            best = min(best, time.perf_counter() - t0)
    return 1 / best


def main():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    flags = open("/proc/cpuinfo").read()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    print("M5 training epochs, N = %d, f = 0.5, z = %d (10^6 synapses x 2 factors); CPU: %s (%s)" % (N, Z, cpu, isa))
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("  (PyTorch skipped: python3-torch is not installed)")
    print("%-6s %-22s %-22s %-10s %-26s %-9s %-24s" % ("alpha", "engine 1 rank (ep/s)", "PyTorch (ep/s)", "ratio",
                                                       "engine 2 ranks (ep/s/core)", "speed-up",
                                                       "PyTorch soft-min (ep/s)"))
    for alpha in (0.2, 0.7):
        e1 = engine_rate(1, alpha)
        e2 = engine_rate(2, alpha)
        t = torch_rate(alpha, False) if have_torch else float("nan")
        ts = torch_rate(alpha, True) if have_torch else float("nan")
        print("%-6g %-22.1f %-22.1f %-10.2f %-26.1f %-9.2f %-24.1f" % (alpha, e1, t, e1 / t, e2 / 2, e2 / e1, ts))


if __name__ == "__main__":
    main()
