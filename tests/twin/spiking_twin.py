"""Dense serial twin of M4's spiking networks (-model spiking), for tests only: the same equations
(NEST's exact integration of iaf_psc_delta, iaf_psc_exp and iaf_psc_alpha, NEST's izhikevich,
Brian2's forward-Euler COBA LIF, Tsodyks-Markram synapses), the same keyed streams for wiring and
Poisson input, and the same order of every sum, in plain Python, one neuron at a time."""
import math

M64 = (1 << 64) - 1
STREAM_WIRING, STREAM_POISSON = 10, 11


def mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def uniform(seed, stream, a, b):
    h = mix64(mix64(mix64(mix64(seed) ^ stream) ^ a) ^ b)
    return (h >> 11) * 2.0**-53


def p21(tau_s, tau_m, C, h):
    d = 1.0 / tau_s - 1.0 / tau_m
    if d == 0:
        return h * math.exp(-h / tau_m) / C
    return -math.exp(-h / tau_m) * math.expm1(-h * d) / (d * C)


def p31(tau_s, tau_m, C, h):
    d = 1.0 / tau_s - 1.0 / tau_m
    x = d * h
    if abs(x) > 0.5:
        return math.exp(-h / tau_m) * (-math.expm1(-x) - x * math.exp(-x)) / (d * d * C)
    g, term = 0.0, 0.5
    for n in range(2, 40):
        g += (n - 1) * term
        term *= -x / (n + 1)
    return math.exp(-h / tau_m) * h * h * g / C


def poisson(u, lam, expl):
    p = F = expl
    k, kmax = 0, int(10 * lam) + 40
    while u >= F and k < kmax:
        k += 1
        p *= lam / k
        F += p
    return k


class Twin:
    """pops: list of dicts (name, size, type, C_m, tau_m, t_ref, E_L, V_th, V_reset, V_m, I_e,
    tau_syn_ex, tau_syn_in, poisson_rate, poisson_weight; izhikevich: a, b, c, d, V_min, U_m;
    coba_lif: g_L, E_ex, E_in); projs: list of dicts (src, tgt (indices), rule, indegree, p, weight,
    delay, autapses, multapses; tsodyks_markram: U_0, tau_fac, tau_rec; rule file: edges, a list of
    (source, target, weight, delay) with ids within the populations)."""

    def __init__(self, pops, projs, dt, seed):
        self.pops, self.projs, self.dt, self.seed = pops, projs, dt, seed
        first = 0
        for P in pops:
            P["first"], first = first, first + P["size"]
            h = dt
            P["P22"], P["P20"] = math.exp(-h / P["tau_m"]), -P["tau_m"] / P["C_m"] * math.expm1(-h / P["tau_m"])
            P["P11ex"], P["P11in"] = math.exp(-h / P["tau_syn_ex"]), math.exp(-h / P["tau_syn_in"])
            P["P21ex"] = p21(P["tau_syn_ex"], P["tau_m"], P["C_m"], h)
            P["P21in"] = p21(P["tau_syn_in"], P["tau_m"], P["C_m"], h)
            P["P31ex"] = p31(P["tau_syn_ex"], P["tau_m"], P["C_m"], h)
            P["P31in"] = p31(P["tau_syn_in"], P["tau_m"], P["C_m"], h)
            P["Q21ex"], P["Q21in"] = h * P["P11ex"], h * P["P11in"]
            P["a0ex"], P["a0in"] = math.e / P["tau_syn_ex"], math.e / P["tau_syn_in"]
            P["ref"] = int(round(P["t_ref"] / dt))
            P["lam"] = P["poisson_rate"] * dt / 1000.0
            P["expl"] = math.exp(-P["lam"])
        self.N = first
        self.pop_of = [q for q, P in enumerate(pops) for _ in range(P["size"])]
        for J in projs:
            J["d"] = int(round(J["delay"] / dt))
            if J["rule"] == "file":  # edges: (source, target (ids within the populations), weight, delay ms)
                J["fedges"] = [(s, t, w, int(round(dl / dt))) for s, t, w, dl in J["edges"]]
        ds = [d for J in projs for d in ([e[3] for e in J["fedges"]] if J.get("fedges") else [J["d"]])]
        self.D = min(ds or [10])
        self.R = max(ds + [1])
        # synapses by source: (target, weight, delay) in target order, then draw order
        self.out = [[] for _ in range(self.N)]
        for i in range(self.N):
            for p, J in enumerate(projs):
                if J["tgt"] != self.pop_of[i]:
                    continue
                if J["rule"] == "file":  # in file order
                    S, T = pops[J["src"]]["first"], pops[J["tgt"]]["first"]
                    self.out_file(J, i, S, T)
                    continue
                for j in self.sources(p, J, i):
                    self.out[j].append((i, J["weight"], J["d"]))
        self.V = [pops[self.pop_of[i]]["V_m"] for i in range(self.N)]
        self.Iex = [0.0] * self.N
        self.Iin = [0.0] * self.N
        self.Rex = [0.0] * self.N
        self.Rin = [0.0] * self.N
        self.u = [pops[self.pop_of[i]].get("U_m", 0.0) for i in range(self.N)]
        self.tm = {}  # (source, projection) -> [u, x, last step]
        self.r = [0] * self.N
        self.ring = [[[0.0, 0.0] for _ in range(self.R)] for _ in range(self.N)]
        self.spikes = []  # (step, id)

    def out_file(self, J, i, S, T):
        for s, t, w, d in J["fedges"]:
            if T + t == i:
                self.out[S + s].append((i, w, d))

    def sources(self, p, J, i):
        S = self.pops[J["src"]]
        lo, n = S["first"], S["size"]
        self_ok = not (J["src"] == self.pop_of[i] and not J["autapses"])
        key = (p << 40) | i
        out = []
        if J["rule"] == "all_to_all" or (J["rule"] == "pairwise_bernoulli" and J["p"] >= 1):
            out = [j for j in range(lo, lo + n) if self_ok or j != i]
        elif J["rule"] == "pairwise_bernoulli":
            if J["p"] <= 0:
                return []
            j, draw = lo - 1.0, 0
            while True:
                u = uniform(self.seed, STREAM_WIRING, key, draw)
                draw += 1
                j += 1 + math.floor(math.log1p(-u) / math.log1p(-J["p"]))
                if j >= lo + n:
                    break
                if self_ok or int(j) != i:
                    out.append(int(j))
        else:
            draw, seen = 0, set()
            while len(out) < J["indegree"]:
                u = uniform(self.seed, STREAM_WIRING, key, draw)
                draw += 1
                j = min(lo + int(u * n), lo + n - 1)
                if (not self_ok and j == i) or (not J["multapses"] and j in seen):
                    continue
                seen.add(j)
                out.append(j)
        return out

    def step(self, t):
        fired = []
        slot = t % self.R
        for i in range(self.N):
            P = self.pops[self.pop_of[i]]
            if P["type"] == "spike_generator":
                if any(int(round(x / self.dt)) - 1 == t for x in P["spike_times"]):
                    fired.append(i)
                continue
            ex, inh = self.ring[i][slot]
            self.ring[i][slot] = [0.0, 0.0]
            if P["lam"] > 0:
                n = poisson(uniform(self.seed, STREAM_POISSON, i, t), P["lam"], P["expl"])
                if P["poisson_weight"] >= 0:
                    ex += n * P["poisson_weight"]
                else:
                    inh += n * P["poisson_weight"]
            if P["type"] == "izhikevich":
                v0, u0 = self.V[i], self.u[i]
                v = v0 + self.dt * (0.04 * v0 * v0 + 5.0 * v0 + 140.0 - u0 + P["I_e"]) + (ex + inh)
                self.u[i] = u0 + self.dt * P["a"] * (P["b"] * v0 - u0)
                if v < P["V_min"]:
                    v = P["V_min"]
                if v >= P["V_th"]:
                    v = P["c"]
                    self.u[i] += P["d"]
                    fired.append(i)
                self.V[i] = v
                continue
            if P["type"] == "coba_lif":
                V0, ge, gi, h = self.V[i], self.Iex[i], self.Iin[i], self.dt
                if self.r[i] == 0:
                    V = V0 + h / P["C_m"] * (P["g_L"] * (P["E_L"] - V0) + ge * (P["E_ex"] - V0) + gi * (P["E_in"] - V0)
                                             + P["I_e"])
                else:
                    V = V0
                    self.r[i] -= 1
                self.Iex[i] = ge * (1 - h / P["tau_syn_ex"]) + ex
                self.Iin[i] = gi * (1 - h / P["tau_syn_in"]) + -inh
                if self.r[i] == 0 and V > P["V_th"]:
                    V = P["V_reset"]
                    self.r[i] = max(P["ref"] - 1, 0)
                    fired.append(i)
                self.V[i] = V
                continue
            y = self.V[i] - P["E_L"]
            if P["type"] == "iaf_psc_alpha":
                if self.r[i] == 0:
                    y = (P["P20"] * P["I_e"] + P["P31ex"] * self.Rex[i] + P["P21ex"] * self.Iex[i]
                         + P["P31in"] * self.Rin[i] + P["P21in"] * self.Iin[i] + P["P22"] * y)
                else:
                    self.r[i] -= 1
                self.Iex[i] = P["Q21ex"] * self.Rex[i] + P["P11ex"] * self.Iex[i]
                self.Rex[i] = self.Rex[i] * P["P11ex"] + P["a0ex"] * ex
                self.Iin[i] = P["Q21in"] * self.Rin[i] + P["P11in"] * self.Iin[i]
                self.Rin[i] = self.Rin[i] * P["P11in"] + P["a0in"] * inh
            elif P["type"] == "iaf_psc_delta":
                if self.r[i] == 0:
                    y = P["P20"] * P["I_e"] + P["P22"] * y + (ex + inh)
                else:
                    self.r[i] -= 1
            else:
                if self.r[i] == 0:
                    y = y * P["P22"] + self.Iex[i] * P["P21ex"] + self.Iin[i] * P["P21in"] + P["I_e"] * P["P20"]
                else:
                    self.r[i] -= 1
                self.Iex[i] = self.Iex[i] * P["P11ex"] + ex
                self.Iin[i] = self.Iin[i] * P["P11in"] + inh
            if y >= P["V_th"] - P["E_L"]:
                self.r[i] = P["ref"]
                y = P["V_reset"] - P["E_L"]
                fired.append(i)
            self.V[i] = y + P["E_L"]
        return fired

    def release(self, t, j):
        """Tsodyks-Markram: the released fraction of each TM projection of source j, by target population."""
        rel = {}
        for p, J in enumerate(self.projs):
            if J["src"] != self.pop_of[j] or J.get("synapse", "static") != "tsodyks_markram":
                continue
            st = self.tm.setdefault((j, p), [0.0, 1.0, -1])
            gap = float(t - st[2]) * self.dt
            eu = 0.0 if st[2] < 0 or J["tau_fac"] == 0 else math.exp(-gap / J["tau_fac"])
            ex = 0.0 if st[2] < 0 else math.exp(-gap / J["tau_rec"])
            u = st[0] * eu
            x = 1.0 + (st[1] - 1.0) * ex
            u += J["U_0"] * (1.0 - u)
            r = u * x
            st[0], st[1], st[2] = u, x - r, t
            rel[J["tgt"]] = r
        return rel

    def run(self, steps):
        t = 0
        while t < steps:
            end = min((t // self.D + 1) * self.D, steps)
            window = []
            for s in range(t, end):
                window += [(s, i) for i in self.step(s)]
            window.sort()
            for s, j in window:
                rel = self.release(s, j)
                for i, w, d in self.out[j]:
                    self.ring[i][(s + d) % self.R][1 if w < 0 else 0] += w * rel.get(self.pop_of[i], 1.0)
            self.spikes += window
            t = end
        return self
