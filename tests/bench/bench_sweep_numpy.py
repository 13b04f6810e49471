#!/usr/bin/python3
"""NumPy implementations of the published gated-memory protocol (N = 20, explicit Euler dt = 1e-3 to
t = 10, tau_x = tau_a = 1, T = 0.01, sigma = 5; M1 with betas 5, c_T = 1/N^3 and its slaved start),
written two ways a researcher would:

  loop     one trial at a time, NumPy arrays over neurons, patterns and synapses;
  batched  all trials of a grid point at once, NumPy arrays with a leading trial axis.

Prints trials per second for each model and K as  MODEL K WAY TRIALS_PER_S  (one line each).

    bench_sweep_numpy.py MODELS KLIST TRIALS [loop|batched|both]
"""
import sys
import time

import numpy as np

N, DT, STEPS, SIGMA, T, BETA = 20, 1e-3, 10000, 5.0, 0.01, 5.0


def setup(rng, B, K, flips):
    xi = rng.choice([-1.0, 1.0], size=(B, N, K))
    cue = xi[:, :, 0].copy()
    for b in range(B):
        cue[b, rng.choice(N, flips, replace=False)] *= -1
    return xi, cue


def gated(xi, x, steps=STEPS):
    """tau_x dx/dt = -x + (K/N) Xi diag(a) Xi^T phi(x);  tau_a da/dt = (diag(a) - a a^T)(f - T log a)"""
    K = xi.shape[-1]
    a = np.full(x.shape[:-1] + (K,), 1.0 / K)
    for _ in range(steps):
        phi = np.tanh(SIGMA * x)
        m = np.einsum("...ik,...i->...k", xi, phi)
        g = m * m / (2 * N) - T * np.log(a)
        da = a * (g - np.sum(a * g, axis=-1, keepdims=True))
        x = x + DT * (-x + (K / N) * np.einsum("...ik,...k->...i", xi, a * m))
        a = a + DT * da
    return x


def hopfield(xi, x, steps=STEPS):
    for _ in range(steps):
        m = np.einsum("...ik,...i->...k", xi, np.tanh(SIGMA * x))
        x = x + DT * (-x + np.einsum("...ik,...k->...i", xi, m) / N)
    return x


def dam(xi, x, steps=STEPS):
    for _ in range(steps):
        m = np.einsum("...ik,...i->...k", xi, np.tanh(SIGMA * x))
        x = x + DT * (-x + np.einsum("...ik,...k->...i", xi, (m / N) ** 3))
    return x


def naam(xi, x, steps=STEPS):
    """M1 with the hebbian coupling, all-to-all, slaved start (MODELS.md)."""
    cT = 1.0 / N**3
    phi = np.tanh(BETA * x)
    psi = -phi[..., :, None] * phi[..., None, :]
    p = np.arctanh(psi) / BETA
    o = np.einsum("...ik,...ij,...jk->...k", xi, psi, xi)
    s = np.arctanh(-cT * np.einsum("...ik,...k,...jk->...ij", xi, o, xi)) / BETA
    for _ in range(steps):
        phi, g, psi = np.tanh(BETA * x), np.tanh(BETA * s), np.tanh(BETA * p)
        o = np.einsum("...ik,...ij,...jk->...k", xi, psi, xi)
        tpsi = cT * np.einsum("...ik,...k,...jk->...ij", xi, o, xi)
        dx = -x + np.einsum("...ij,...j->...i", g, phi)
        ds = -s + phi[..., :, None] * phi[..., None, :] + psi
        dp = -p + tpsi + g
        x, s, p = x + DT * dx, s + DT * ds, p + DT * dp
    return x


def oracle(xi, x, steps=0):
    d = np.sum(xi != x[..., :, None], axis=-2)
    return np.take_along_axis(xi, np.argmin(d, axis=-1)[..., None, None], axis=-1)[..., 0]


def main():
    models, klist, trials = sys.argv[1].split(","), [int(k) for k in sys.argv[2].split(",")], int(sys.argv[3])
    ways = ["loop", "batched"] if len(sys.argv) < 5 or sys.argv[4] == "both" else [sys.argv[4]]
    rng = np.random.default_rng(1)
    for model in models:
        f = globals()[model]
        for K in klist:
            xi, cue = setup(rng, trials, K, 3)
            for way in ways:
                t0 = time.perf_counter()
                if way == "loop":
                    for b in range(trials):
                        f(xi[b], cue[b])
                else:
                    f(xi, cue)
                print("%s %d %s %.6g" % (model, K, way, trials / (time.perf_counter() - t0)), flush=True)


if __name__ == "__main__":
    main()
