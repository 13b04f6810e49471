"""The dense serial twin of M5 (tests only): the authors' algorithm (RNN.py, optimizer 'bp') on plain
N x N x z NumPy arrays, with the engine's keyed streams for the patterns and the initial factors, so
that its factors and thresholds can be compared with the engine's after any number of epochs.  It
checks the invariants after every epoch: each neuron's factor norm is z L, no self-connection, no
negative weight, and once no pattern is wrong (the consolidation phase) a pruned synapse stays pruned."""
import numpy as np
from scipy.special import erfinv

M64 = (1 << 64) - 1
STREAM_PATTERNS, STREAM_FACTORS, STREAM_WAKE = 6, 7, 9
PRUNE, FLOOR = 1e-10, 1e-20


def mix64(z):
    z = (z + 0x9e3779b97f4a7c15) & M64
    z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
    z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
    return z ^ (z >> 31)


def uniform(seed, stream, a, b):
    """include/tprandom.h TpUniform()"""
    return (mix64(mix64(mix64(mix64(seed) ^ stream) ^ a) ^ b) >> 11) * 2.0 ** -53


def patterns(N, M, f, seed, kind="bernoulli"):
    X = np.zeros((M, N))
    if kind == "bernoulli":
        for i in range(N):
            attempt = 0
            while not X[:, i].any():
                X[:, i] = [uniform(seed, STREAM_PATTERNS, attempt << 32 | i, mu) < f for mu in range(M)]
                attempt += 1
    else:
        n1 = int(round(f * N))
        for mu in range(M):
            idx = list(range(N))
            for t in range(n1):
                j = t + int(uniform(seed, STREAM_PATTERNS, 1 << 63 | mu, t) * (N - t))
                idx[t], idx[j] = idx[j], idx[t]
                X[mu, idx[t]] = 1
    return X


class Twin:
    def __init__(self, N, M, f, z, u0, eta, eta_theta, L, beta, seed, check, kind="bernoulli", X=None,
                 wake_sleep=False):
        self.N, self.M, self.f, self.z, self.seed = N, M, f, z, seed
        self.eta, self.eta_theta, self.L, self.beta, self.check = eta, eta_theta, L, beta, check
        self.X = patterns(N, M, f, seed, kind) if X is None else X
        self.Y = 2 * self.X.T - 1  # N x M
        if wake_sleep:  # ContinualRNN: every factor u0, the diagonal clipped, no scaling
            self.U = np.full((N, N, z), float(u0))
        else:
            self.U = np.array([[[u0 * (0.7 + 0.6 * uniform(seed, STREAM_FACTORS, i, j * z + k)) for k in range(z)]
                                for j in range(N)] for i in range(N)])
        self.U[np.arange(N), np.arange(N), :] = 0
        if not wake_sleep:
            self.normalize()
        self.theta = self.bias()

        self.hmean = np.abs(self.fields()).mean(1)
        s = self.stats()
        self.last = [s["density"], s["margin"]]
        self.converged = 0
        self.pruned = ~(self.W() > PRUNE)

    def W(self):
        return np.prod(self.U, axis=2)

    def bias(self):
        W, f = self.W(), self.f
        return f * W.sum(1) + np.sqrt(2 * f * (1 - f) * (W ** 2).sum(1)) * erfinv(1 - 2 * f)


    def normalize(self):
        c = (self.U ** 2).sum(axis=(1, 2), keepdims=True) / self.L / self.z
        self.U /= np.sqrt(c)

    def fields(self):
        return self.W() @ self.X.T - self.theta[:, None]

    def stats(self):
        W, H, z = self.W(), self.fields(), self.z
        kappa = (self.Y * H).min(1)
        ss = np.full(self.N, float(self.N)) if z == 1 else (W ** (2 - 2 / z)).sum(1)
        return {"error": ((1 - self.Y * np.sign(H)) / 2).mean(),
                "density": (W > PRUNE).sum(1).mean() / self.N,
                "margin": (kappa / np.sqrt((W ** 2).sum(1))).mean(),
                "synaptic_margin": (kappa / np.sqrt(ss)).mean(),
                "rho": (kappa / (W.mean(1) * np.sqrt(self.N * self.f * (1 - self.f)))).mean(),
                "norm": (W ** (2 / z)).sum(1).mean(), "theta": self.theta.mean()}

    def grad_factors(self):
        """dw/du_k = prod_{l != k} u_l"""
        z = self.z
        return np.stack([np.prod(np.delete(self.U, k, axis=2), axis=2) for k in range(z)], axis=2)

    def epoch(self, epoch):
        """One epoch (numbered from 1); True when the convergence test passed (and nothing changed)."""
        H = self.fields()
        wrong = (self.Y * H <= 0).any()
        if epoch % self.check == 0:
            s = self.stats()
            if (abs(self.last[0] - s["density"]) < 1e-4 and abs(self.last[1] - s["margin"]) < 1e-4
                    and s["density"] < 0.99 and not wrong and abs(s["norm"] - self.L) < 0.02):
                self.converged = epoch
                return True
            self.last = [s["density"], s["margin"]]
        mask = self.W() > PRUNE
        dW = self.grad_factors()
        if wrong:
            mu = np.argmin(self.Y * H, axis=1)
            ys = self.Y[np.arange(self.N), mu]
            self.hmean = np.abs(H).mean(1)
            G = ys[:, None] * self.X[mu, :]
            dtheta = ys
        else:
            loss = np.exp(-self.beta * np.abs(H) / self.hmean[:, None])
            self.hmean = np.abs(H).mean(1)
            A = loss * np.sign(H) / loss.sum(1, keepdims=True)
            G = A @ self.X
            dtheta = A.sum(1)
        self.U += self.eta * G[:, :, None] * dW * mask[:, :, None]
        self.U *= mask[:, :, None]
        np.maximum(self.U, FLOOR, out=self.U)
        self.U[np.arange(self.N), np.arange(self.N), :] = 0
        self.normalize()
        self.theta -= self.eta_theta * dtheta
        self.invariants(consolidating=not wrong)
        return False

    def invariants(self, consolidating):
        W = self.W()
        norm = (self.U ** 2).sum(axis=(1, 2))
        if np.max(np.abs(norm / (self.z * self.L) - 1)) > 1e-12:
            raise AssertionError("factor norm off z L by %g" % np.max(np.abs(norm / (self.z * self.L) - 1)))
        if np.any(np.diag(W) != 0):
            raise AssertionError("a self-connection")
        if np.any(self.U < 0):
            raise AssertionError("a negative factor")
        pruned = ~(W > PRUNE)
        if consolidating and np.any(self.pruned & ~pruned):
            raise AssertionError("a pruned synapse came back")
        self.pruned = pruned

    def run(self, epochs):
        for e in range(1, epochs + 1):
            if self.epoch(e):
                return e
        return epochs

    def wake_sleep(self, passes, sleep, eta_wake, eta_max, tau, observe=None):
        """ContinualRNN.optimize for one day: `passes` passes awake through the patterns in the
        engine's keyed order, one k-WTA step and a covariance update of the first factor each; the
        patterns that are then fixed points are replayed asleep for `sleep` soft-min epochs with
        targets sign(h), after one scaling to the norm."""
        N, M, f, z = self.N, self.M, self.f, self.z
        for p in range(passes):
            order = list(range(M))
            for t in range(M - 1, 0, -1):
                j = int(uniform(self.seed, STREAM_WAKE, p, t) * (t + 1))
                order[t], order[j] = order[j], order[t]
            for mu in order:
                x = self.X[mu]
                mask = self.W() > PRUNE
                h = self.W() @ x - self.theta
                E = 0.0
                if not abs((h > 0).mean() - f) <= 1e-8 + 1e-5 * f:
                    E = np.sort(h)[int(N * (1 - f)) - 1]
                self.U[:, :, 0] += eta_wake * abs(E) * np.outer(x - f, x - f)
                self.U *= mask[:, :, None]
                np.maximum(self.U, FLOOR, out=self.U)
                self.U[np.arange(N), np.arange(N), :] = 0
                self.theta = self.bias()
        H = self.fields()
        self.retained = (self.Y * H).min(0) > 0
        X, Y = self.X[self.retained], self.Y[:, self.retained]
        c = (self.U ** 2).sum(axis=(1, 2)) / self.L / z
        self.U /= np.sqrt(c)[:, None, None]
        self.theta /= np.sqrt(c) ** z
        hmean = np.abs(self.W() @ X.T - self.theta[:, None]).mean(1)
        self.margin_start = self.pattern_margins()
        for e in range(sleep):

            eta = self.eta if z == 1 else self.eta + (eta_max - self.eta) * (1 - np.exp(-e / tau))
            H = self.W() @ X.T - self.theta[:, None]
            loss = np.exp(-self.beta * np.abs(H) / hmean[:, None])
            hmean = np.abs(H).mean(1)
            A = loss * np.sign(H) / loss.sum(1, keepdims=True)
            mask = self.W() > PRUNE
            self.U += eta * (A @ X)[:, :, None] * self.grad_factors() * mask[:, :, None]
            self.U *= mask[:, :, None]
            np.maximum(self.U, FLOOR, out=self.U)
            self.U[np.arange(N), np.arange(N), :] = 0
            self.normalize()
            self.theta -= eta * A.sum(1)
            self.invariants(consolidating=True)
        self.margin_end = self.pattern_margins()

    def pattern_margins(self):
        """min_i y_i^mu h_i^mu / |w_i| of each retained pattern (get_min_radius), NaN for the others."""
        W = self.W()
        r = (self.Y * self.fields() / np.linalg.norm(W, axis=1)[:, None]).min(0)
        return np.where(self.retained, r, np.nan)
