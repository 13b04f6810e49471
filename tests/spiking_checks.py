"""End-to-end checks of M4's spiking networks (-model spiking) against theory (the f-I curve of
the LIF neuron, closed-form PSPs, the Siegert mean-field rate of Brunel's network) and against the
serial twin (twin/spiking_twin.py).  Usage: spiking_checks.py TRIPART MPIEXEC CHECK"""
import math
import os
import re
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "twin"))
from tpcheck import main as tp_main, expect_spiking_refusals, fail, run  # noqa: E402
from spiking_twin import Twin  # noqa: E402

NEST_LIF = dict(C_m=250.0, tau_m=10.0, t_ref=2.0, E_L=-70.0, V_th=-55.0, V_reset=-70.0, V_m=-70.0, I_e=0.0,
                tau_syn_ex=2.0, tau_syn_in=2.0, poisson_rate=0.0, poisson_weight=0.0)


def same(a, b):
    """Whether two tuples of arrays (a population's spike times and ids, say) are equal, element by element."""
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def same_as_one_rank(ref, got, np_, extra):
    """ref and got: (spikes, V_m, I_syn, ...) of a run on 1 rank and on np_ ranks (with the options extra); every
    spike and the final V_m and I_syn must be the same."""
    for p in ref[0]:
        if not same(ref[0][p], got[0][p]):
            fail("population %s: spikes on %d ranks %s differ from 1 rank" % (p, np_, extra))
    if not (np.array_equal(ref[1], got[1]) and np.array_equal(ref[2], got[2])):
        fail("final state on %d ranks %s differs from 1 rank" % (np_, extra))


def spikes(path):
    with h5py.File(path, "r") as f:
        return {p: (f["spikes"][p]["timestamps"][()], f["spikes"][p]["node_ids"][()]) for p in f["spikes"]}


def check_fi(tmp):
    """iaf_psc_delta driven by constant currents: every interval is t_ref plus the whole steps the
    exact propagator takes from V_reset to V_th (the discrete theory, to the spike), and the rate is
    1 / (t_ref + tau_m ln(R I / (R I - (V_th - E_L)))) to within one step per interval."""
    currents = [400.0, 500.0, 700.0, 1000.0, 1500.0, 3000.0]
    pops = ",".join("P%d:1" % k for k in range(len(currents)))
    args = ["-model", "spiking", "-spiking_populations", pops, "-stepper_max_time", 2000, "-quiet"]
    for k, I in enumerate(currents):
        args += ["-spiking_P%d_type" % k, "iaf_psc_delta", "-spiking_P%d_I_e" % k, I]
    out = os.path.join(tmp, "fi.h5")
    run(1, args + ["-o", out])
    sp, h, P = spikes(out), 0.1, NEST_LIF
    R = P["tau_m"] / P["C_m"]
    for k, I in enumerate(currents):
        ts = sp["P%d" % k][0]
        theta, Vinf, P22 = P["V_th"] - P["E_L"], R * I, math.exp(-h / P["tau_m"])
        P20 = -P["tau_m"] / P["C_m"] * math.expm1(-h / P["tau_m"])
        # the discrete theory: steps from reset (0) to threshold
        y, n = 0.0, 0
        while y < theta:
            y = P20 * I + P22 * y
            n += 1
        ref = int(round(P["t_ref"] / h))
        first = n * h
        want = first + np.arange(len(ts)) * (ref + n) * h
        if len(ts) < 5 or np.max(np.abs(ts - want)) > 1e-9:
            fail("I_e %g: spike times %s..., the exact grid theory %s..." % (I, ts[:4], want[:4]))
        isi_cont = P["t_ref"] + P["tau_m"] * math.log(Vinf / (Vinf - theta))
        isi = np.diff(ts).mean()
        if not (isi_cont - 1e-9 <= isi <= isi_cont + h + 1e-9):
            fail("I_e %g: mean interval %.6g ms, the continuous theory %.6g ms (+ one step)" % (I, isi, isi_cont))
    # below rheobase nothing fires
    run(1, ["-model", "spiking", "-spiking_populations", "P:1", "-spiking_P_I_e", 370, "-stepper_max_time", 500,
            "-quiet", "-o", out])
    if len(spikes(out)["P"][0]):
        fail("a neuron below rheobase (R I = 14.8 mV < 15 mV) fired")


def check_psp(tmp):
    """One spike into iaf_psc_exp and into iaf_psc_delta: the recorded V_m is the closed-form PSP,
    w / C_m tau_s tau_m / (tau_m - tau_s) (e^{-t/tau_m} - e^{-t/tau_s}) and w e^{-t/tau_m}, to
    round-off, starting exactly one delay after the spike; with tau_s = tau_m the alpha-like limit
    (w / C_m) t e^{-t/tau}; into iaf_psc_alpha (a PSC of peak w at tau_s), w e / (tau_s C_m)
    e^{-t/tau_m} (1 - e^{-dt} (1 + dt)) / d^2 with d = 1/tau_s - 1/tau_m, and its limit at d = 0 and
    near it (the series)."""
    w, delay, tspk = 120.0, 1.3, 5.0
    for tgt_type, tau_s in (("iaf_psc_exp", 2.0), ("iaf_psc_exp", 10.0), ("iaf_psc_delta", 2.0),
                            ("iaf_psc_alpha", 2.0), ("iaf_psc_alpha", 10.0), ("iaf_psc_alpha", 9.99)):
        out = os.path.join(tmp, "psp.h5")
        ww = 0.5 if tgt_type == "iaf_psc_delta" else w
        run(1, ["-model", "spiking", "-spiking_populations", "S:1,T:1", "-spiking_S_type", "spike_generator",
                "-spiking_S_spike_times", tspk, "-spiking_T_type", tgt_type, "-spiking_T_tau_syn_ex", tau_s,
                "-spiking_projections", "S-T", "-spiking_S-T_weight", ww, "-spiking_S-T_delay", delay,
                "-spiking_record_V", 1, "-monitor_every", 1, "-stepper_max_time", 60, "-quiet", "-o", out])
        with h5py.File(out, "r") as f:
            t, V = f["time"][()], f["observables/V_m"][()][:, 0]
        P = NEST_LIF
        s = t - (tspk + delay)
        tm = P["tau_m"]
        if tgt_type == "iaf_psc_delta":
            want = np.where(s >= -1e-9, ww * np.exp(-np.maximum(s, 0) / tm), 0.0)
        elif tgt_type == "iaf_psc_alpha":  # a PSC of peak w at tau_s: w e / tau_s t e^{-t/tau_s}
            dd, sp = 1 / tau_s - 1 / tm, np.maximum(s, 0)
            if dd == 0:
                shape = sp * sp / 2 * np.exp(-sp / tm)
            else:
                shape = np.exp(-sp / tm) * (-np.expm1(-dd * sp) - dd * sp * np.exp(-dd * sp)) / dd ** 2
            want = np.where(s > 0, ww * math.e / tau_s / P["C_m"] * shape, 0.0)
        elif tau_s == tm:
            want = np.where(s > 0, ww / P["C_m"] * s * np.exp(-s / tm), 0.0)
        else:
            want = np.where(s > 0, ww / P["C_m"] * tau_s * tm / (tm - tau_s) * (np.exp(-s / tm) - np.exp(-s / tau_s)),
                            0.0)
        err = np.max(np.abs((V - P["E_L"]) - want))
        if err > 1e-11 * np.max(np.abs(want)) or np.max(np.abs(want)) == 0:
            k = np.argmax(np.abs((V - P["E_L"]) - want))
            fail("%s tau_s %g: V_m differs from the closed-form PSP by %.3g (at t = %g: %.12g, want %.12g)"
                 % (tgt_type, tau_s, err, t[k], V[k] - P["E_L"], want[k]))


def check_tsodyks_markram(tmp):
    """A spike train through a Tsodyks-Markram synapse into a neuron that only integrates (iaf_psc_delta,
    tau_m 1e15 ms): each jump of V_m is w r_n, and r_n follows the analytic recursion
    u_n = u_{n-1} e^{-D/tau_fac} (1 - U_0) + U_0, x_n = 1 + (x_{n-1} - r_{n-1} - 1) e^{-D/tau_rec},
    r_n = u_n x_n (Tsodyks & Markram; Brian2's Stimberg et al. 2018 synapses), to round-off; with
    tau_fac 0, u_n = U_0; a static projection beside it passes w unchanged."""
    times = [10.0, 15.0, 20.0, 30.0, 30.5, 31.0, 60.0, 200.0, 205.0, 210.0, 400.0]
    w, delay = 2.0, 1.0
    for U0, tf, tr in ((0.6, 1000 / 3.33, 500.0), (0.15, 80.0, 40.0), (0.5, 0.0, 120.0)):
        out = os.path.join(tmp, "tm.h5")
        run(1, ["-model", "spiking", "-spiking_populations", "S:1,T:1,U:1", "-spiking_S_type", "spike_generator",
                "-spiking_S_spike_times", ",".join("%g" % x for x in times)]
            + sum((["-spiking_%s_type" % q, "iaf_psc_delta", "-spiking_%s_tau_m" % q, 1e15, "-spiking_%s_V_th" % q, 1e9,
                    "-spiking_%s_E_L" % q, 0, "-spiking_%s_V_m" % q, 0, "-spiking_%s_V_reset" % q, 0] for q in "TU"), [])
            + ["-spiking_projections", "S-T,S-U", "-spiking_S-T_weight", w, "-spiking_S-T_delay", delay,
               "-spiking_S-T_synapse", "tsodyks_markram", "-spiking_S-T_U_0", U0, "-spiking_S-T_tau_fac", tf,
               "-spiking_S-T_tau_rec", tr, "-spiking_S-U_weight", w, "-spiking_S-U_delay", delay,
               "-spiking_record_V", "1,2", "-monitor_every", 1, "-stepper_max_time", 420, "-quiet", "-o", out])
        with h5py.File(out, "r") as f:
            V = f["observables/V_m"][()]
        jumps = np.diff(np.concatenate([[0.0], V[:, 0]]))
        got = jumps[np.abs(jumps) > 1e-12] / w
        u = x = r = 0.0
        want, last = [], None
        for t in times:
            if last is None:
                u, x = U0, 1.0
            else:
                D = t - last
                eu = 0.0 if tf == 0 else math.exp(-D / tf)
                u = u * eu * (1 - U0) + U0
                x = 1 + (x - r - 1) * math.exp(-D / tr)
            r = u * x
            want.append(r)
            last = t
        if len(got) != len(want) or np.max(np.abs(got - want)) > 1e-13:
            fail("Tsodyks-Markram U_0 %g tau_fac %g tau_rec %g: released fractions %s, the recursion %s"
                 % (U0, tf, tr, got, np.array(want)))
        static = np.diff(np.concatenate([[0.0], V[:, 1]]))
        static = static[np.abs(static) > 1e-12]
        if len(static) != len(times) or np.max(np.abs(static - w)) > 1e-12:
            fail("a static projection beside the Tsodyks-Markram one did not pass its weight unchanged")


def reference_spikes(rhs, y0, reset, T, thresh, t_ref=0.0):
    """Spike times of one neuron by an independent adaptive integration (scipy's DOP853, tolerance
    1e-10) that stops exactly at each threshold crossing, resets, and holds V for t_ref."""
    from scipy.integrate import solve_ivp
    t, y, out = 0.0, np.array(y0, float), []
    ev = lambda t, y: y[0] - thresh  # noqa: E731
    ev.terminal, ev.direction = True, 1
    while t < T:
        sol = solve_ivp(rhs, (t, T), y, method="DOP853", rtol=1e-10, atol=1e-10, events=ev, max_step=0.05)
        if sol.status != 1:
            break
        t = sol.t_events[0][0]
        out.append(t)
        y = reset(sol.y_events[0][0])
        if t_ref > 0:  # V held at reset; the rest evolves
            held = solve_ivp(lambda s, z: rhs(s, z, True), (t, t + t_ref), y, method="DOP853", rtol=1e-10, atol=1e-10)
            y, t = held.y[:, -1], t + t_ref
    return np.array(out)


def check_adex_izhikevich(tmp):
    """aeif_cond_alpha (NEST's defaults, 800 pA: an adapting train) and izhikevich (regular spiking,
    I 10) against an independent adaptive integration of the same equations: the same number of
    spikes in 400 ms; aeif's each within a step and a little (RK4 on 0.01 ms substeps), izhikevich's
    intervals within forward Euler's first-order error (NEST's scheme); coba_lif against Brian2's
    forward-Euler recurrence, spike for spike."""
    T = 400.0
    # AdEx, NEST's aeif_cond_alpha defaults
    C, gL, EL, VT, DT, tw, a, b, Vr, Vp, Ie = 281.0, 30.0, -70.6, -50.4, 2.0, 144.0, 4.0, 80.5, -60.0, 0.0, 800.0

    def adex(t, y, refr=False):
        V = Vr if refr else min(y[0], Vp)
        dV = 0.0 if refr else (-gL * (V - EL) + gL * DT * math.exp((V - VT) / DT) - y[1] + Ie) / C
        return [dV, (a * (V - EL) - y[1]) / tw]
    # the reference stops 5 mV short of V_peak: V gets from there to V_peak in about 1e-6 ms, and no
    # adaptive step reaches V_peak itself through the exponential
    ref = reference_spikes(adex, [EL, 0.0], lambda y: np.array([Vr, y[1] + b]), T, Vp - 5)
    out = os.path.join(tmp, "adex.h5")
    # a spike is reported at the end of its step, so it lies in [ref, ref + dt]; with 10 substeps
    # (the default) the late resets (up to a substep each) add up to a few hundredths of a ms
    for nsub, slack in ((10, 0.05), (100, 0.005)):
        run(1, ["-model", "spiking", "-spiking_populations", "X:1", "-spiking_X_type", "aeif_cond_alpha",
                "-spiking_X_I_e", Ie, "-spiking_X_substeps", nsub, "-stepper_max_time", T, "-quiet", "-o", out])
        got = spikes(out)["X"][0]
        if len(ref) < 8 or len(got) != len(ref) or np.min(got - ref) < -0.005 or np.max(got - ref) > 0.1 + slack:
            fail("aeif_cond_alpha (%d substeps): spikes at %s, the reference at %s" % (nsub, got[:8], ref[:8]))
    isi = np.diff(got)
    if not isi[-1] > 1.5 * isi[0]:
        fail("aeif_cond_alpha at 800 pA does not adapt: intervals %s" % isi)
    # Izhikevich, regular spiking
    ia, ib, ic, idd, I = 0.02, 0.2, -65.0, 8.0, 10.0

    def izh(t, y, refr=False):
        return [0.04 * y[0] ** 2 + 5 * y[0] + 140 - y[1] + I, ia * (ib * y[0] - y[1])]
    ref = reference_spikes(izh, [-65.0, 0.0], lambda y: np.array([ic, y[1] + idd]), T, 30.0)
    # forward Euler is first order: each interval within 0.15 % at dt 0.01 ms, 1.5 % at NEST's 0.1 ms
    for dt, tol in ((0.01, 0.0015), (0.1, 0.015)):
        run(1, ["-model", "spiking", "-spiking_populations", "Z:1", "-spiking_Z_type", "izhikevich", "-spiking_Z_I_e",
                I, "-stepper_dt", dt, "-stepper_max_time", T, "-quiet", "-o", out])
        got = spikes(out)["Z"][0]
        if (len(ref) < 8 or len(got) != len(ref) or abs(got[0] - ref[0]) > 10 * dt
                or np.max(np.abs(np.diff(got) / np.diff(ref) - 1)) > tol):
            fail("izhikevich (dt %g): spikes at %s, the reference at %s" % (dt, got[:6], ref[:6]))
    # coba_lif: Brian2's recurrence (forward Euler, 'unless refractory', v > V_th) with a constant current,
    # written as the engine writes it (h / C_m once)
    C, gL, EL, Vth, Vr, h, Ie, R = 198.0, 9.99, -60.0, -50.0, -60.0, 0.1, 150.0, 50
    run(1, ["-model", "spiking", "-spiking_populations", "C:1", "-spiking_C_type", "coba_lif", "-spiking_C_I_e", Ie,
            "-stepper_max_time", T, "-quiet", "-o", out])
    got = spikes(out)["C"][0]
    v, last, want = EL, None, []
    for n in range(int(round(T / h))):
        if last is None or n - last >= R:
            v = v + h / C * (gL * (EL - v) + 0.0 * (0.0 - v) + 0.0 * (-80.0 - v) + Ie)
            if v > Vth:
                v, last = Vr, n
                want.append((n + 1) * h)
    if len(want) < 5 or len(got) != len(want) or np.max(np.abs(got - np.array(want))) > 1e-9:
        fail("coba_lif: spikes at %s, Brian2's recurrence at %s" % (got[:6], want[:6]))


def network_args(seed=4):
    """A small random network: excitatory and inhibitory iaf_psc_exp and iaf_psc_delta populations,
    three rules, four delays, Poisson input."""
    a = ["-model", "spiking", "-spiking_populations", "E:40,I:12,D:9", "-seed", seed,
         "-spiking_projections", "E-E,E-I,I-E,I-D,D-E,E-D", "-stepper_max_time", 150, "-quiet"]
    for p in ("E", "I"):
        a += ["-spiking_%s_type" % p, "iaf_psc_exp", "-spiking_%s_poisson_rate" % p, 9000,
              "-spiking_%s_poisson_weight" % p, 45.0]
    a += ["-spiking_D_type", "iaf_psc_delta", "-spiking_D_poisson_rate", 3000, "-spiking_D_poisson_weight", 0.6,
          "-spiking_D_tau_m", 15, "-spiking_I_t_ref", 1.0]
    proj = {"E-E": ("fixed_indegree", 8, 30.0, 1.5), "E-I": ("pairwise_bernoulli", 0.3, 40.0, 1.0),
            "I-E": ("fixed_indegree", 5, -90.0, 0.8), "I-D": ("all_to_all", 0, -0.2, 2.3),
            "D-E": ("pairwise_bernoulli", 0.5, 25.0, 1.2), "E-D": ("fixed_indegree", 6, 0.3, 0.8)}
    for name, (rule, k, w, d) in proj.items():
        a += ["-spiking_%s_rule" % name, rule, "-spiking_%s_weight" % name, w, "-spiking_%s_delay" % name, d]
        if rule == "fixed_indegree":
            a += ["-spiking_%s_indegree" % name, k]
        if rule == "pairwise_bernoulli":
            a += ["-spiking_%s_p" % name, k]
    a += ["-spiking_E-E_autapses", "false", "-spiking_E-E_multapses", "false"]
    return a


def twin_of(seed=4):
    def pop(name, size, typ, **kw):
        d = dict(NEST_LIF, name=name, size=size, type=typ)
        d.update(kw)
        return d
    pops = [pop("E", 40, "iaf_psc_exp", poisson_rate=9000.0, poisson_weight=45.0),
            pop("I", 12, "iaf_psc_exp", poisson_rate=9000.0, poisson_weight=45.0, t_ref=1.0),
            pop("D", 9, "iaf_psc_delta", poisson_rate=3000.0, poisson_weight=0.6, tau_m=15.0)]
    ix = {"E": 0, "I": 1, "D": 2}

    def proj(name, rule, k, w, d, auto=True, multi=True):
        s, t = name.split("-")
        return dict(src=ix[s], tgt=ix[t], rule=rule, indegree=k, p=k, weight=w, delay=d, autapses=auto,
                    multapses=multi)
    projs = [proj("E-E", "fixed_indegree", 8, 30.0, 1.5, False, False), proj("E-I", "pairwise_bernoulli", 0.3, 40.0, 1.0),
             proj("I-E", "fixed_indegree", 5, -90.0, 0.8), proj("I-D", "all_to_all", 0, -0.2, 2.3),
             proj("D-E", "pairwise_bernoulli", 0.5, 25.0, 1.2), proj("E-D", "fixed_indegree", 6, 0.3, 0.8)]
    return Twin(pops, projs, 0.1, seed)


def check_invariance(tmp):
    """A random network with three rules, several delays, two neuron types and Poisson input gives
    every spike (time and id) and the final state bit for bit the same on 1, 2, 3 and 4 ranks and on
    3 ranks with a scrambled partition, and the same as the serial twin."""
    part = os.path.join(tmp, "part.h5")
    run(1, ["partition", "-N", 61, "-connectivity", "none", "-nparts", 3, "-partitioner", "block", "-o", part])
    with h5py.File(part, "r+") as f:
        f["rank"][...] = np.random.default_rng(2).permutation(np.arange(61) % 3)
    ref = None
    for np_, extra in ((1, []), (2, []), (3, []), (4, []), (3, ["-partition", part])):
        out = os.path.join(tmp, "inv%d_%d.h5" % (np_, len(extra)))
        run(np_, network_args() + ["-o", out] + extra)
        with h5py.File(out, "r") as f:
            got = (spikes(out), f["state/V_m"][()], f["state/I_syn"][()], f["observables"].attrs["synapses"])
        if ref is None:
            ref = got
            continue
        same_as_one_rank(ref, got, np_, extra)
    t = twin_of().run(1500)
    nspk = sum(len(v[0]) for v in ref[0].values())
    if nspk < 200:
        fail("the network is too quiet to test anything: %d spikes" % nspk)
    engine = sorted((int(round(ts / 0.1)) - 1, int(i) + {"E": 0, "I": 40, "D": 52}[p])
                    for p, (T, I) in ref[0].items() for ts, i in zip(T, I))
    if engine != t.spikes:
        k = next((k for k, (a, b) in enumerate(zip(engine, t.spikes)) if a != b), min(len(engine), len(t.spikes)))
        fail("engine and twin spikes differ from spike %d: engine %s, twin %s (%d vs %d spikes)"
             % (k, engine[k:k + 3], t.spikes[k:k + 3], len(engine), len(t.spikes)))
    if not np.array_equal(ref[1], np.array(t.V)):
        fail("final V_m differs from the twin's by %.3g" % np.max(np.abs(ref[1] - np.array(t.V))))
    if ref[3] != sum(len(o) for o in t.out):
        fail("%d synapses, the twin %d" % (ref[3], sum(len(o) for o in t.out)))


TYPES_PROJ = {"A-A": ("fixed_indegree", 6, 15.0, 1.0, (0.3, 100.0, 200.0)),
              "A-Z": ("pairwise_bernoulli", 0.3, 2.0, 1.2, None),
              "Z-C": ("fixed_indegree", 4, -2.0, 0.9, (0.6, 0.0, 300.0)),
              "C-A": ("pairwise_bernoulli", 0.4, 30.0, 1.1, (0.6, 1000 / 3.33, 500.0)),
              "C-C": ("all_to_all", 0, 0.5, 0.7, None),
              "A-C": ("fixed_indegree", 5, 1.0, 1.5, (0.2, 50.0, 100.0))}
TYPES_POPS = [("A", 30, "iaf_psc_alpha", dict(poisson_rate=9000.0, poisson_weight=20.0)),
              ("Z", 12, "izhikevich", dict(I_e=5.0, poisson_rate=2000.0, poisson_weight=1.5)),
              ("C", 20, "coba_lif", dict(I_e=150.0, poisson_rate=2000.0, poisson_weight=0.5))]


def types_args(adex=False, seed=6):
    """The newer neuron types (iaf_psc_alpha, izhikevich, coba_lif; aeif_cond_alpha on request) wired
    by static and Tsodyks-Markram projections, with Poisson input."""
    pops = TYPES_POPS + ([("X", 10, "aeif_cond_alpha", dict(I_e=700.0, t_ref=1.0))] if adex else [])
    proj = dict(TYPES_PROJ)
    if adex:
        proj.update({"A-X": ("fixed_indegree", 5, 2.0, 1.0, (0.5, 20.0, 100.0)), "X-C": ("all_to_all", 0, 1.0, 2.0,
                                                                                         None)})
    a = ["-model", "spiking", "-seed", seed, "-spiking_populations", ",".join("%s:%d" % (n, k) for n, k, _, _ in pops),
         "-spiking_projections", ",".join(proj), "-stepper_max_time", 150, "-quiet"]
    for n, _, t, kw in pops:
        a += ["-spiking_%s_type" % n, t]
        for k, v in kw.items():
            a += ["-spiking_%s_%s" % (n, k), v]
    for name, (rule, k, w, d, tm) in proj.items():
        a += ["-spiking_%s_rule" % name, rule, "-spiking_%s_weight" % name, w, "-spiking_%s_delay" % name, d]
        if rule == "fixed_indegree":
            a += ["-spiking_%s_indegree" % name, k]
        if rule == "pairwise_bernoulli":
            a += ["-spiking_%s_p" % name, k]
        if tm:
            a += ["-spiking_%s_synapse" % name, "tsodyks_markram", "-spiking_%s_U_0" % name, tm[0],
                  "-spiking_%s_tau_fac" % name, tm[1], "-spiking_%s_tau_rec" % name, tm[2]]
    return a


def types_twin(seed=6, files=None):
    izh = dict(a=0.02, b=0.2, c=-65.0, d=8.0, V_th=30.0, V_m=-65.0, V_min=-1.7976931348623157e308, U_m=0.0, t_ref=0.0)
    coba = dict(C_m=198.0, g_L=9.99, E_L=-60.0, E_ex=0.0, E_in=-80.0, tau_syn_ex=5.0, tau_syn_in=10.0, t_ref=5.0,
                V_th=-50.0, V_reset=-60.0, V_m=-60.0)
    pops, ix = [], {}
    for n, k, t, kw in TYPES_POPS:
        d = dict(NEST_LIF, name=n, size=k, type=t)
        d.update(izh if t == "izhikevich" else coba if t == "coba_lif" else {})
        d.update(kw)
        ix[n] = len(pops)
        pops.append(d)
    projs = []
    for name, (rule, k, w, dl, tm) in TYPES_PROJ.items():
        s, t = name.split("-")
        J = dict(src=ix[s], tgt=ix[t], rule=rule, indegree=k, p=k, weight=w, delay=dl, autapses=True, multapses=True)
        if files and name in files:
            J.update(rule="file", edges=files[name])
        if tm:
            J.update(synapse="tsodyks_markram", U_0=tm[0], tau_fac=tm[1], tau_rec=tm[2])
        projs.append(J)
    return Twin(pops, projs, 0.1, seed)


def state_of(out):
    with h5py.File(out, "r") as f:
        return spikes(out), {k: f["state"][k][()] for k in f["state"]}


def same_as_twin(ref, twin, what):
    """The engine's spikes and final V_m of the types network (ref, from state_of) are the twin's."""
    t = twin.run(1500)
    first = {"A": 0, "Z": 30, "C": 42}
    engine = sorted((int(round(ts / 0.1)) - 1, int(i) + first[p]) for p, (T, I) in ref[0].items()
                    for ts, i in zip(T, I))
    if engine != t.spikes:
        k = next((k for k, (a, b) in enumerate(zip(engine, t.spikes)) if a != b), min(len(engine), len(t.spikes)))
        fail("%sengine and twin spikes differ from spike %d: engine %s, twin %s (%d vs %d spikes)"
             % (what, k, engine[k:k + 3], t.spikes[k:k + 3], len(engine), len(t.spikes)))
    if not np.array_equal(ref[1]["V_m"], np.array(t.V)):
        fail("%sfinal V_m differs from the twin's by %.3g" % (what, np.max(np.abs(ref[1]["V_m"] - np.array(t.V)))))


def check_types(tmp):
    """The newer types and Tsodyks-Markram synapses: every spike and the final state the same on 1 to
    4 ranks (aeif_cond_alpha among them) and the same as the serial twin (without it); their currents
    and conductances recorded as a series (-spiking_record_I_syn) end at the final state, the same on 1
    and 3 ranks."""
    for adex in (False, True):
        ref = None
        for np_ in (1, 2, 3, 4):
            out = os.path.join(tmp, "types%d_%d.h5" % (np_, adex))
            run(np_, types_args(adex) + ["-o", out])
            got = state_of(out)
            if ref is None:
                ref = got
                for p, (T, _) in got[0].items():
                    if len(T) < 20:
                        fail("population %s fires %d spikes in 150 ms: too quiet to test" % (p, len(T)))
                continue
            for p in ref[0]:
                if not same(ref[0][p], got[0][p]):
                    fail("population %s: spikes on %d ranks differ from 1 rank (aeif %s)" % (p, np_, adex))
            for k in ref[1]:
                if not np.array_equal(ref[1][k], got[1][k]):
                    fail("final %s on %d ranks differs from 1 rank (aeif %s)" % (k, np_, adex))
        if adex:
            break
        same_as_twin(ref, types_twin(), "")
    # -spiking_record_I_syn: the recorded neurons' currents and conductances as a series, its last sample the state's
    recd = [0, 31, 45, 61]  # an iaf_psc_alpha, an izhikevich (no synaptic state: 0) and two coba_lif
    for np_ in (1, 3):
        out = os.path.join(tmp, "syn%d.h5" % np_)
        run(np_, types_args() + ["-spiking_record_V", ",".join(map(str, recd)), "-spiking_record_I_syn", "-o", out])
        with h5py.File(out, "r") as f:
            series, state = f["observables/I_syn"][()], f["state/I_syn"][()]
        if series.shape[1] != 2 * len(recd) or not np.array_equal(series[-1].reshape(-1, 2), state[recd]):
            fail("-spiking_record_I_syn on %d ranks: the last sample %s is not the final state %s"
                 % (np_, series[-1], state[recd].ravel()))
        if np_ == 1:
            first = series
            if not np.any(series[:, 2 * 2:] != 0):
                fail("-spiking_record_I_syn: the coba_lif neurons' conductances are never nonzero")
        elif not np.array_equal(first, series):
            fail("-spiking_record_I_syn: the series on 3 ranks differs from 1 rank's")


def check_spike_file(tmp):
    """A spike_generator replays SONATA spikes from a file: a run's recorded /spikes/E, replayed by a
    population of as many generators, comes out spike for spike the same on 1 and 3 ranks, and a
    run checkpointed mid-way and resumed writes the same; bad spike files are refused, naming the
    option, the dataset and the entry."""
    src = os.path.join(tmp, "src.h5")
    run(1, ["-model", "spiking", "-spiking_brunel_order", 50, "-stepper_max_time", 100, "-quiet", "-o", src])
    args = ["-model", "spiking", "-spiking_populations", "G:200,T:5", "-spiking_G_type", "spike_generator",
            "-spiking_G_spike_file", src, "-spiking_G_spike_file_group", "E", "-spiking_projections", "G-T",
            "-spiking_G-T_weight", 0.1, "-stepper_max_time", 100, "-quiet"]
    want = spikes(src)["E"]
    if len(want[0]) < 500:
        fail("the source run is too quiet: %d spikes" % len(want[0]))
    for np_ in (1, 3):
        out = os.path.join(tmp, "replay%d.h5" % np_)
        run(np_, args + ["-o", out])
        got = spikes(out)["G"]
        if not (np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])):
            fail("replayed spikes on %d ranks differ from the file's (%d against %d)" % (np_, len(got[0]), len(want[0])))
    ref, ck, res = (os.path.join(tmp, x) for x in ("ref.h5", "replay.ckpt", "resumed.h5"))
    run(2, args + ["-o", ref, "-checkpoint", ck, "-checkpoint_interval", 41.7])
    run(2, args + ["-restart", ck, "-o", res])
    A, B = state_of(ref), state_of(res)
    if not all(np.array_equal(a, b) for p in A[0] for a, b in zip(A[0][p], B[0][p])) or \
            not all(np.array_equal(A[1][k], B[1][k]) for k in A[1]):
        fail("a replay resumed from its checkpoint differs from the uninterrupted run")

    def bad(name, fn):
        path = os.path.join(tmp, name + ".h5")
        with h5py.File(path, "w") as f:
            t, i = fn()
            f["spikes/E/timestamps"] = np.asarray(t, float)
            f["spikes/E/node_ids"] = np.asarray(i, np.uint64)
        return path
    G = ["-spiking_populations", "G:4,T:1", "-spiking_G_type", "spike_generator", "-spiking_G_spike_file_group", "E",
         "-spiking_projections", "G-T"]
    cases = [
        (G + ["-spiking_G_spike_file", bad("unsorted", lambda: ([1.0, 3.0, 2.0], [0, 1, 2]))],
         ["-spiking_G_spike_file", "not sorted", "entry 2"]),
        (G + ["-spiking_G_spike_file", bad("range", lambda: ([1.0, 2.0], [0, 4]))],
         ["-spiking_G_spike_file", "node id 4", "entry 1"]),
        (G + ["-spiking_G_spike_file", bad("grid", lambda: ([1.0, 2.05], [0, 1]))],
         ["-spiking_G_spike_file", "2.05", "entry 1"]),
        (G + ["-spiking_G_spike_file", bad("early", lambda: ([0.0], [0]))], ["-spiking_G_spike_file", "entry 0"]),
        (G + ["-spiking_G_spike_file", bad("other", lambda: ([1.0], [0])), "-spiking_G_spike_file_group", "I"],
         ["-spiking_G_spike_file", "spikes/I/timestamps"]),
        (G + ["-spiking_G_spike_file", os.path.join(tmp, "missing.h5")], ["-spiking_G_spike_file", "missing.h5"]),
        (G + ["-spiking_G_spike_file", src, "-spiking_G_spike_times", 5], ["-spiking_G_spike_times",
                                                                          "-spiking_G_spike_file"]),
        (["-spiking_populations", "G:4", "-spiking_G_spike_file", src], ["-spiking_G_spike_file", "iaf_psc_delta"]),
    ]

    expect_spiking_refusals(cases, tmp)


def stdp_pairs(pre, extra, forms, opts, extra_pops=""):
    """Spike generators S<k> firing once at pre[k], each projecting onto A and M (forms[post]: the
    synapse type and its own options; opts: every projection's), which fire once near 27.8 ms."""
    pops = ",".join("S%d:1" % k for k in range(len(pre))) + ",A:1,M:1" + extra_pops
    a = ["-model", "spiking", "-spiking_populations", pops, "-stepper_max_time", 120, "-quiet"] + extra
    proj = []
    for k, t in enumerate(pre):
        a += ["-spiking_S%d_type" % k, "spike_generator", "-spiking_S%d_spike_times" % k, t]
        for post in "AM":
            name = "S%d-%s" % (k, post)
            proj.append(name)
            a += ["-spiking_%s_synapse" % name, forms[post][0]]
            for key, v in list(opts.items()) + list(forms[post][1].items()):
                a += ["-spiking_%s_%s" % (name, key), v]
    for post in "AM":  # each fires once, near 27.8 ms; the tiny weights do not move it
        a += ["-spiking_%s_I_e" % post, 400, "-spiking_%s_t_ref" % post, 1e5]
    return a + ["-spiking_projections", ",".join(proj)]


def pair_weights(a, out, pre):
    """Runs stdp_pairs' arguments a into out: (post, mu, t_pre, t_post, final weight) of each pair."""
    run(1, a + ["-o", out])
    sp = spikes(out)
    with h5py.File(out, "r") as f:
        w, src = f["state/stdp_weight"][()], f["state/stdp_source"][()]
    first = {"A": len(pre), "M": len(pre) + 1}
    for post, mu in (("A", 0.0), ("M", 1.0)):
        if len(sp[post][0]) != 1:
            fail("the postsynaptic neuron %s fired %d times, not once" % (post, len(sp[post][0])))
        for k, t in enumerate(pre):
            yield post, mu, t, sp[post][0][0], w[first[post], list(src[first[post]]).index(k)]


def check_stdp(tmp):
    """Pair STDP (NEST's stdp_synapse): one presynaptic spike at t_pre and one postsynaptic at t_post,
    through a delay d, change the weight by the window formula of Delta = t_post + d - t_pre:
    w/W_max + lambda (1 - w/W_max)^mu e^{-Delta/tau_plus} for Delta > 0,
    w/W_max - alpha lambda (w/W_max)^mu e^{Delta/tau_minus} for Delta < 0, to round-off, for six
    pairs of both signs and both forms (additive mu = 0, multiplicative mu = 1); a run that
    potentiates and depresses a network's synapses gives the same weights on 1 to 4 ranks."""
    pre, d, W, w0, lam, alpha, taup, taum = [10.0, 20.0, 27.0, 31.0, 40.0, 70.0], 1.5, 1e-3, 4e-4, 0.02, 1.2, 17.0, 25.0
    a = stdp_pairs(pre, [], {"A": ("stdp_additive", {}), "M": ("stdp_multiplicative", {})},
                   dict(weight=w0, W_max=W, delay=d, **{"lambda": lam}, alpha=alpha, tau_plus=taup, tau_minus=taum))
    out = os.path.join(tmp, "stdp.h5")
    for post, mu, t, tpost, wk in pair_weights(a, out, pre):
        D, x = tpost + d - t, w0 / W
        want = (x + lam * (1 - x) ** mu * math.exp(-D / taup)) if D > 0 else \
            (x - alpha * lam * x ** mu * math.exp(D / taum))
        got = wk / W
        if abs(got - want) > 1e-12:
            fail("STDP %s, Delta %.3g ms: w/W_max %.15g, the window formula %.15g" % (post, D, got, want))
    # a network: every weight the same on 1 to 4 ranks
    net = types_args(True) + ["-spiking_projections", ",".join(list(TYPES_PROJ) + ["A-X", "X-C", "Z-A"]),
                              "-spiking_Z-A_synapse", "stdp_multiplicative", "-spiking_Z-A_weight", 20,
                              "-spiking_Z-A_W_max", 60, "-spiking_Z-A_rule", "fixed_indegree",
                              "-spiking_Z-A_indegree", 4, "-spiking_Z-A_lambda", 0.1]
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "stdpnet%d.h5" % np_)
        run(np_, net + ["-o", out])
        with h5py.File(out, "r") as f:
            got = f["state/stdp_weight"][()]
        if ref is None:
            ref = got
            if np.nanstd(got) == 0:
                fail("STDP changed no weight of the network")
        elif not np.array_equal(ref, got, equal_nan=True):
            fail("STDP weights on %d ranks differ from 1 rank" % np_)
    # two of those synapses' weights as a series: the final weights at the last sample, changing
    # along the run, the same on 1 and 3 ranks; a pair with no synapse is refused
    with h5py.File(os.path.join(tmp, "stdpnet1.h5"), "r") as f:
        src, first = f["state/stdp_source"][()], {n: int(f["spikes"][n].attrs["first_id"]) for n in ("A", "Z")}
    want, pairs = [], []
    for i in range(first["A"], first["A"] + 12):
        for k in range(src.shape[1]):
            if src[i, k] >= first["Z"] and len(pairs) < 2 and not np.isnan(ref[i, k]) and ref[i, k] != 20:
                pairs.append("%d:%d" % (src[i, k] - first["Z"], i - first["A"]))
                want.append(ref[i, k])
                break
    if len(pairs) < 2:
        fail("STDP moved fewer than two weights of Z-A")
    series = []
    for np_ in (1, 3):
        out = os.path.join(tmp, "stdprec%d.h5" % np_)
        run(np_, net + ["-spiking_Z-A_record_weights", ",".join(pairs), "-o", out])
        with h5py.File(out, "r") as f:
            series.append(f["observables/weight"][()])
    w = series[0]
    if not np.array_equal(w[-1], want) or not np.array_equal(series[0], series[1]):
        fail("recorded weights: last sample %s, final weights %s; the same on 3 ranks: %s"
             % (w[-1], want, np.array_equal(series[0], series[1])))
    if np.all(w == w[0]) or not np.all(w[0] == 20):
        fail("recorded weights do not start at 20 and change: %s ... %s" % (w[0], w[-1]))
    p = run(1, net + ["-spiking_Z-A_record_weights", "0:%d" % 0, "-spiking_Z-A_indegree", 0, "-o",
                      os.path.join(tmp, "norec.h5")], expect_ok=False)
    if p.returncode == 0 or "-spiking_Z-A_record_weights" not in p.stdout + p.stderr:
        fail("a recorded weight of no synapse was not refused:\n%s%s" % (p.stdout, p.stderr))


def check_stdp_gated(tmp):
    """Gated STDP (stdp_gated, the third factor): each pair term goes into an eligibility c that
    decays with tau_c, and each spike of the gating population at t_g writes it in,
    w = w + eta c e^{-(t_g - t_e)/tau_c} (t_e the pair event), to round-off, for pairs of both signs
    and both weight dependences, a gate before any pair changing nothing; without a gate the
    weights never move and the spikes are those of static synapses, bit for bit; with one the
    weights are the same on 1 to 4 ranks."""
    pre, d, W, w0, lam, alpha, taup, taum = [10.0, 20.0, 27.0, 31.0, 40.0, 70.0], 1.5, 1e-3, 4e-4, 0.02, 1.2, 17.0, 25.0
    gates, tauc, eta = [5.0, 60.0, 80.5], 40.0, 2.5
    a = stdp_pairs(pre, ["-spiking_G_type", "spike_generator", "-spiking_G_spike_times", ",".join(str(t) for t in gates)],
                   {"A": ("stdp_gated", dict(mu_plus=0, mu_minus=0)),
                    "M": ("stdp_gated", dict(mu_plus=1, mu_minus=1))},
                   dict(gate="G", tau_c=tauc, eta=eta, weight=w0, W_max=W, delay=d, **{"lambda": lam}, alpha=alpha,
                        tau_plus=taup, tau_minus=taum), extra_pops=",G:1")
    out = os.path.join(tmp, "gated.h5")
    for post, mu, t, tpost, wk in pair_weights(a, out, pre):
        D, x = tpost + d - t, w0 / W
        if D > 0:  # potentiation when the postsynaptic spike reaches the synapse
            te, c = tpost + d, W * lam * (1 - x) ** mu * math.exp(-D / taup)
        else:  # depression at the presynaptic spike
            te, c = t, -W * alpha * lam * x ** mu * math.exp(D / taum)
        want = w0 + sum(eta * c * math.exp(-(tg - te) / tauc) for tg in gates if tg > te)
        got = wk
        if abs(got - want) > 1e-12 * W:
            fail("gated STDP %s, Delta %.3g ms: w %.15g, the eligibility formula %.15g" % (post, D, got, want))
    # a network: no gate (G never fires), then static synapses, then a gate
    base = types_args()
    base[base.index("-spiking_populations") + 1] += ",G:1"
    base[base.index("-spiking_projections") + 1] += ",Z-A"
    zone = ["-spiking_Z-A_weight", 20, "-spiking_Z-A_rule", "fixed_indegree", "-spiking_Z-A_indegree", 4]
    gated = zone + ["-spiking_Z-A_synapse", "stdp_gated", "-spiking_Z-A_W_max", 60, "-spiking_Z-A_lambda", 0.1,
                    "-spiking_Z-A_gate", "G", "-spiking_Z-A_tau_c", 200, "-spiking_Z-A_mu_plus", 1]
    silent, static = os.path.join(tmp, "silent.h5"), os.path.join(tmp, "static.h5")
    run(2, base + gated + ["-o", silent])
    run(2, base + zone + ["-o", static])
    with h5py.File(silent, "r") as f:
        ws = f["state/stdp_weight"][()]
    if not np.all(ws[~np.isnan(ws)] == 20) or np.count_nonzero(~np.isnan(ws)) != 30 * 4:
        fail("gated STDP without a gate moved weights: %s" % np.unique(ws[~np.isnan(ws)]))
    a_, b_ = spikes(silent), spikes(static)
    for p in b_:
        if not (np.array_equal(a_[p][0], b_[p][0]) and np.array_equal(a_[p][1], b_[p][1])):
            fail("gated STDP without a gate: the spikes of %s differ from static synapses'" % p)
    net = base + gated + ["-spiking_G_type", "spike_generator", "-spiking_G_spike_times", "30,60,90,120"]
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "gatednet%d.h5" % np_)
        run(np_, net + ["-o", out])
        with h5py.File(out, "r") as f:
            got = f["state/stdp_weight"][()]
        if ref is None:
            ref = got
            if np.nanstd(got) == 0:
                fail("gated STDP with a gate changed no weight of the network")
        elif not np.array_equal(ref, got, equal_nan=True):
            fail("gated STDP weights on %d ranks differ from 1 rank" % np_)


def write_edges(path, group, edges, weights=True, delays=True):
    """SONATA edges: /edges/<group>/source_node_id, target_node_id, 0/syn_weight, 0/delay."""
    with h5py.File(path, "w") as f:
        g = f.create_group("edges/" + group)
        g["source_node_id"] = np.array([e[0] for e in edges], dtype=np.uint64)
        g["target_node_id"] = np.array([e[1] for e in edges], dtype=np.uint64)
        if weights:
            g["0/syn_weight"] = np.array([e[2] for e in edges], dtype=np.float64)
        if delays:
            g["0/delay"] = np.array([e[3] for e in edges], dtype=np.float64)


def check_file_rule(tmp):
    """Projections from SONATA edge files (-rule file): a file that lists all_to_all's pairs in a
    shuffled order, without weights or delays, gives every spike and the final state of the rule,
    bit for bit; files with their own weights (both signs) and delays (0.3 to 2.5 ms, so a shorter
    window), repeated pairs, into a static and a Tsodyks-Markram projection, give the same spikes
    on 1 to 4 ranks and the serial twin's; bad files are refused naming the option, the dataset and
    the entry."""
    rng = np.random.default_rng(3)
    pairs = [(j, i, 0.5, 0.7) for i in range(20) for j in range(20)]
    order = rng.permutation(len(pairs))
    cc = os.path.join(tmp, "cc.h5")
    write_edges(cc, "C-C", [pairs[k] for k in order], weights=False, delays=False)
    a, b = os.path.join(tmp, "rule.h5"), os.path.join(tmp, "file.h5")
    run(2, types_args() + ["-o", a])
    run(2, types_args() + ["-spiking_C-C_rule", "file", "-spiking_C-C_file", cc, "-o", b])
    A, B = state_of(a), state_of(b)
    for p in A[0]:
        if not same(A[0][p], B[0][p]):
            fail("an edge file of all_to_all's pairs: the spikes of %s differ from the rule's" % p)
    for k in A[1]:
        if not np.array_equal(A[1][k], B[1][k]):
            fail("an edge file of all_to_all's pairs: final %s differs from the rule's" % k)
    # heterogeneous weights and delays, repeated pairs, into A-Z (static) and Z-C (Tsodyks-Markram)
    az = [(int(rng.integers(30)), int(rng.integers(12)), float(np.round(rng.normal(2.0, 1.5), 3)),
           float(rng.integers(3, 26)) / 10) for _ in range(150)]
    az += az[:5]
    zc = [(int(rng.integers(12)), int(rng.integers(20)), float(np.round(rng.normal(-2.0, 1.0), 3)),
           float(rng.integers(5, 20)) / 10) for _ in range(80)]
    fa, fz = os.path.join(tmp, "az.h5"), os.path.join(tmp, "zc.h5")
    write_edges(fa, "A-Z", az)
    write_edges(fz, "edges_zc", zc)
    args = types_args() + ["-spiking_A-Z_rule", "file", "-spiking_A-Z_file", fa, "-spiking_Z-C_rule", "file",
                           "-spiking_Z-C_file", fz, "-spiking_Z-C_file_group", "edges_zc"]
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "files%d.h5" % np_)
        run(np_, args + ["-o", out])
        got = state_of(out)
        if ref is None:
            ref = got
            continue
        for p in ref[0]:
            if not same(ref[0][p], got[0][p]):
                fail("edge files: the spikes of %s on %d ranks differ from 1 rank" % (p, np_))
    same_as_twin(ref, types_twin(files={"A-Z": az, "Z-C": zc}), "edge files: ")
    # a checkpoint is bound to its edge files' contents, not only to their names
    ck = os.path.join(tmp, "files.ckpt")
    run(2, args + ["-o", os.path.join(tmp, "ck.h5"), "-checkpoint", ck, "-checkpoint_final"])
    changed = list(az)
    changed[7] = changed[7][:2] + (changed[7][2] + 0.001, changed[7][3])
    write_edges(fa, "A-Z", changed)
    p = run(2, args + ["-o", os.path.join(tmp, "ck2.h5"), "-restart", ck], expect_ok=False)
    if p.returncode == 0 or "other model parameters" not in p.stdout + p.stderr or fa not in p.stdout + p.stderr:
        fail("a restart with an edge file changed under its name (one weight) was not refused:\n%s%s"
             % (p.stdout, p.stderr))
    write_edges(fa, "A-Z", az)
    # refusals
    bad = {}
    for name, edges in (("src", [(0, 0, 1.0, 1.0), (30, 1, 1.0, 1.0)]), ("tgt", [(0, 12, 1.0, 1.0)]),
                        ("w", [(0, 0, 1.0, 1.0), (1, 1, 1.0, 1.0), (2, 2, float("nan"), 1.0)]),
                        ("d", [(0, 0, 1.0, 0.05)])):
        bad[name] = os.path.join(tmp, "bad_%s.h5" % name)
        write_edges(bad[name], "A-Z", edges)
    bad["short"] = os.path.join(tmp, "bad_short.h5")
    with h5py.File(bad["short"], "w") as f:
        f["edges/A-Z/source_node_id"] = np.zeros(3, dtype=np.uint64)
        f["edges/A-Z/target_node_id"] = np.zeros(2, dtype=np.uint64)
    P = ["-spiking_populations", "A:30,Z:12", "-spiking_projections", "A-Z", "-spiking_A-Z_rule", "file"]
    F = P + ["-spiking_A-Z_file"]
    cases = [
        (F + [bad["src"]], ["-spiking_A-Z_file", "entry 1", "source_node_id", "30", "A"]),
        (F + [bad["tgt"]], ["-spiking_A-Z_file", "entry 0", "target_node_id", "12", "Z"]),
        (F + [bad["w"]], ["-spiking_A-Z_file", "entry 2", "syn_weight", "nan"]),
        (F + [bad["d"]], ["-spiking_A-Z_file", "entry 0", "0/delay", "0.05"]),
        (F + [bad["short"]], ["-spiking_A-Z_file", "target_node_id", "one length"]),
        (F + [fa, "-spiking_A-Z_file_group", "B-Z"], ["-spiking_A-Z_file", "edges/B-Z/source_node_id"]),
        (F + [os.path.join(tmp, "none.h5")], ["-spiking_A-Z_file", "none.h5"]),
        (P, ["-spiking_A-Z_rule file", "-spiking_A-Z_file"]),
        (P[:-2] + ["-spiking_A-Z_file", fa], ["-spiking_A-Z_file", "all_to_all"]),
        (F + [fa, "-spiking_A-Z_synapse", "stdp_additive"], ["-spiking_A-Z_synapse", "stdp_additive"]),
    ]

    expect_spiking_refusals(cases, tmp)


def siegert_rate(J=0.1, g=5.0, eta=2.0, CE=1000, CI=250, tau=20e-3, tref=2e-3, theta=20.0, Vr=0.0):
    """Brunel's self-consistent mean-field rate, as NEST's brunel_siegert_nest.py computes it."""
    from scipy.integrate import quad
    from scipy.optimize import brentq
    from scipy.special import erfcx
    nu_ext = eta * theta / (J * CE * tau)

    def siegert(mu, sigma):
        integral = quad(lambda u: erfcx(-u), (Vr - mu) / sigma, (theta - mu) / sigma)[0]
        return 1 / (tref + tau * math.sqrt(math.pi) * integral)

    def f(nu):
        mu = tau * (J * CE * nu - g * J * CI * nu + J * CE * nu_ext)
        s2 = tau * (J * J * CE * nu + g * g * J * J * CI * nu + J * J * CE * nu_ext)
        return siegert(mu, math.sqrt(s2)) - nu
    return brentq(f, 0.1, 500)


def check_brunel(tmp):
    """Brunel's network as NEST's brunel_delta_nest.py (the default network: 10,000 + 2,500
    iaf_psc_delta, C_E 1,000, C_I 250, J 0.1 mV, g 5, eta 2, delay 1.5 ms, 1 s) fires at the Siegert
    mean-field rate within 3 %, E and I alike, on 2 ranks."""
    out = os.path.join(tmp, "brunel.h5")
    run(2, ["-model", "spiking", "-quiet", "-o", out])
    nu = siegert_rate()
    with h5py.File(out, "r") as f:
        a = f["observables"].attrs
        for p in "EI":
            if abs(a["rate_" + p] / nu - 1) > 0.03:
                fail("Brunel population %s fires at %.4g Hz, the Siegert rate is %.4g Hz" % (p, a["rate_" + p], nu))
        if a["synapses"] != 12500 * 1250:
            fail("Brunel's network has %d synapses, not %d" % (a["synapses"], 12500 * 1250))
        ts = f["spikes/E/timestamps"][()]
        if not (np.all(np.diff(ts) >= 0) and len(ts) == a["spikes_E"]):
            fail("SONATA spikes of E are not sorted by time or not all there")


def check_timed_drive(tmp):
    """-spiking_E_I_e_timed 1,0.5,1.2 with blocks of 100 ms (Brian2's TimedArray, the last value held):
    one coba_lif neuron's V_m at every step equals the forward-Euler recurrence of coba_lif with I_e
    times the block's value, written out here (to 1e-12 mV; the spikes at the same steps, none in the
    0.5 block, which lies below the rheobase); an izhikevich neuron's spikes change where the drive
    does; a single value of 1 gives the constant-drive run bit for bit."""
    T, dt, blocks, vals = 400, 0.1, 100.0, [1.0, 0.5, 1.2]
    base = ["-model", "spiking", "-spiking_populations", "E:1", "-spiking_E_type", "coba_lif", "-spiking_E_I_e", 150,
            "-spiking_record_V", 0, "-monitor_every", 1, "-stepper_max_time", T, "-quiet"]
    out = os.path.join(tmp, "timed.h5")
    run(1, base + ["-spiking_E_I_e_timed", ",".join(map(str, vals)), "-spiking_E_I_e_timed_dt", blocks, "-o", out])
    with h5py.File(out, "r") as f:
        v = f["observables/V_m"][()].ravel()
        st = f["spikes/E/timestamps"][()]
    C_m, g_L, E_L, V_th, V_reset, held = 198.0, 9.99, -60.0, -50.0, -60.0, 49  # t_ref 5 ms: 50 steps
    V, r, ref, fired = E_L, 0, [E_L], []
    for n in range(int(round(T / dt))):
        sc = vals[min(n // int(round(blocks / dt)), len(vals) - 1)]
        vi = V + dt / C_m * (g_L * (E_L - V) + 150 * sc)
        x = vi if r == 0 else V
        fire = x > V_th
        V, r = (V_reset if fire else x), (held if fire else (0 if r == 0 else r - 1))
        ref.append(V)
        if fire:
            fired.append(round((n + 1) * dt, 6))
    ref = np.array(ref)
    if len(v) != len(ref) or np.max(np.abs(v - ref)) > 1e-12:
        fail("timed drive: V_m differs from the recurrence by %.3g mV" % np.max(np.abs(v - ref[:len(v)])))
    if list(np.round(st, 6)) != fired or not fired:
        fail("timed drive: spikes at %s, the recurrence's at %s" % (list(st), fired))
    if any(100 < s <= 200 for s in fired) or not any(s > 300 for s in fired):
        fail("timed drive: spikes in the 0.5 block, or none in the held last one: %s" % fired)
    one = os.path.join(tmp, "timed1.h5")
    const = os.path.join(tmp, "const.h5")
    run(1, base + ["-spiking_E_I_e_timed", 1, "-o", one])
    run(1, base + ["-o", const])
    with h5py.File(one, "r") as a, h5py.File(const, "r") as b:
        if not np.array_equal(a["observables/V_m"][()], b["observables/V_m"][()]):
            fail("timed drive of a single 1 is not the constant drive bit for bit")
    iz = ["-model", "spiking", "-spiking_populations", "Z:1", "-spiking_Z_type", "izhikevich", "-spiking_Z_I_e", 10,
          "-stepper_max_time", T, "-quiet"]
    run(1, iz + ["-o", const])
    run(1, iz + ["-spiking_Z_I_e_timed", "1,0,1", "-spiking_Z_I_e_timed_dt", blocks, "-o", one])
    a, b = spikes(const)["Z"][0], spikes(one)["Z"][0]
    if not (np.array_equal(a[a <= 100], b[b <= 100]) and np.sum((b > 110) & (b <= 200)) == 0 and len(a[a > 200])):
        fail("timed drive (izhikevich): spikes %s without, %s with an off block from 100 to 200 ms" % (a, b))


def check_distance(tmp):
    """-rule distance on grid positions (-spiking_<P>_grid_rows, _grid_spacing): Brian2's example 6
    lattice, 3,200 points in 56 rows 66.96 um apart with a radius of 75 um and no autapses, is exactly
    the set of pairs the test finds from the positions (12,572, four neighbours inside); with autapses
    each point also reaches itself; between two grids of other spacings with p 0.3 every synapse lies
    within the radius and their number is within 4 sigma of 0.3 times the pairs in range; both the same
    on 1 and 3 ranks."""
    args = ["-model", "spiking", "-spiking_populations", "N:3200,M:500", "-spiking_N_grid_rows", 56,
            "-spiking_N_grid_spacing", 66.96, "-spiking_M_grid_rows", 20, "-spiking_M_grid_spacing", 150,
            "-spiking_projections", "N-N,N-M,M-M", "-spiking_N-N_rule", "distance", "-spiking_N-N_radius", 75,
            "-spiking_N-N_autapses", "false", "-spiking_N-M_rule", "distance", "-spiking_N-M_radius", 200,
            "-spiking_N-M_p", 0.3, "-spiking_M-M_rule", "distance", "-spiking_M-M_radius", 151,
            "-spiking_write_edges", "-stepper_max_time", 1, "-quiet"]

    def grid(n, rows, h):
        k = np.arange(n)
        return (k // rows) * h, (k % rows) * h

    def pairs(src, tgt, r, self_):
        d2 = (src[0][:, None] - tgt[0][None, :]) ** 2 + (src[1][:, None] - tgt[1][None, :]) ** 2
        m = d2 < r * r
        if not self_:
            np.fill_diagonal(m, False)
        return m

    N, M = grid(3200, 56, 66.96), grid(500, 20, 150.0)
    ref = None
    for np_ in (1, 3):
        out = os.path.join(tmp, "distance%d.h5" % np_)
        run(np_, args + ["-o", out])
        with h5py.File(out, "r") as f:
            got = {g: (f["edges"][g]["source_node_id"][()].astype(np.int64),
                       f["edges"][g]["target_node_id"][()].astype(np.int64)) for g in ("N-N", "N-M", "M-M")}
        if ref is None:
            ref = got
            for g, src, tgt, r, self_ in (("N-N", N, N, 75, False), ("M-M", M, M, 151, True)):
                want = pairs(src, tgt, r, self_)
                have = np.zeros_like(want)
                have[got[g][0], got[g][1]] = True
                if np.count_nonzero(want) != len(got[g][0]) or not np.array_equal(want, have):
                    fail("rule distance %s: %d synapses, the positions give %d pairs within %g um%s"
                         % (g, len(got[g][0]), np.count_nonzero(want), r, "" if np.array_equal(want, have) else
                            " (not the same pairs)"))
            if np.count_nonzero(pairs(N, N, 75, False).sum(axis=0) == 4) < 2900:
                fail("rule distance: the 56-row lattice is not one of four neighbours inside")
            inrange = pairs(N, M, 200, True)
            s_, t_ = got["N-M"]
            n, mean = len(s_), 0.3 * np.count_nonzero(inrange)
            if not np.all(inrange[s_, t_]) or abs(n - mean) > 4 * math.sqrt(mean * 0.7):
                fail("rule distance N-M with p 0.3: %d synapses (%d out of range), expected %.1f +- %.1f"
                     % (n, np.count_nonzero(~inrange[s_, t_]), mean, math.sqrt(mean * 0.7)))
            continue
        for g in ref:
            if not (np.array_equal(ref[g][0], got[g][0]) and np.array_equal(ref[g][1], got[g][1])):
                fail("rule distance %s: the synapses on %d ranks differ from 1 rank's" % (g, np_))


def check_spatial(tmp):
    """-rule distance on free positions, as NEST's spatial connections: uniform positions in a periodic
    square (NEST's edge_wrap) with a Gaussian kernel and a constant one, and positions in 3-D from a file
    with an exponential kernel.  From the output's /positions and edges: every synapse within the
    radius (the nearest periodic image), the numbers within 4 sigma of sum p k(d) over the pairs in
    range and their mean distance within 4 standard errors of the kernel's; synapses across the sides
    of the periodic box (none without -periodic); the same network on 1 and 3 ranks; file positions on
    a grid give the grid rule's synapses exactly (its draws included); fixed_indegree within a mask
    draws in proportion to the kernel (the mean distance of the draws against each target's law, the
    same on 1 and 3 ranks); bad positions, kernels and masks refused."""
    L, sig = 1000.0, 50.0
    args = ["-model", "spiking", "-spiking_populations", "N:1500,M:300", "-seed", 8,
            "-spiking_projections", "N-N,N-M", "-spiking_N-N_rule", "distance", "-spiking_N-N_kernel", "gaussian",
            "-spiking_N-N_sigma", sig, "-spiking_N-N_p", 0.8, "-spiking_N-M_rule", "distance", "-spiking_N-M_radius", 100,
            "-spiking_N-M_p", 0.5, "-spiking_write_edges", "-stepper_max_time", 1]
    for q in "NM":
        args += ["-spiking_%s_positions" % q, "uniform", "-spiking_%s_extent" % q, "%g,%g" % (L, L)]
    per = []
    for q in "NM":
        per += ["-spiking_%s_periodic" % q]

    def load(out):
        with h5py.File(out, "r") as f:
            pos = {q: f["positions"][q][()] for q in f["positions"]}
            e = {g: (f["edges"][g]["source_node_id"][()].astype(np.int64), f["edges"][g]["target_node_id"][()].astype(np.int64))
                 for g in f["edges"]}
        return pos, e

    def dist(a, b, box):
        dd = a[:, None, :] - b[None, :, :]
        if box is not None:
            dd -= box * np.round(dd / box)
        return np.sqrt((dd ** 2).sum(axis=2))

    def check_law(name, d, src, tgt, p, kern, radius):
        """d: sources x targets distances; the made synapses (src, tgt) against p kern(d) in range"""
        made = d[src, tgt]
        if len(made) == 0 or made.max() >= radius:
            fail("%s: %d synapses, the farthest at %g um, radius %g" % (name, len(made), made.max() if len(made) else 0, radius))
        pk = np.where(d < radius, p * kern(d), 0.0)
        mean, var = pk.sum(), (pk * (1 - pk)).sum()
        if abs(len(made) - mean) > 4 * math.sqrt(var):
            fail("%s: %d synapses, expected %.1f +- %.1f" % (name, len(made), mean, math.sqrt(var)))
        want = (pk * d).sum() / mean
        se = math.sqrt(((pk * (d - want) ** 2).sum() / mean) / len(made))
        if abs(made.mean() - want) > 4 * se:
            fail("%s: mean distance of the synapses %.3f um, the kernel's %.3f +- %.3f" % (name, made.mean(), want, se))

    gauss = lambda d: np.exp(-d ** 2 / (2 * sig * sig))  # noqa: E731
    ref = None
    for np_ in (1, 3):
        out = os.path.join(tmp, "sp%d.h5" % np_)
        p = run(np_, args + per + ["-o", out])
        pos, e = load(out)
        if ref is None:
            ref = e
            if "gaussian kernel, sigma 50" not in p.stdout or "(periodic)" not in p.stdout:
                fail("the run header does not show the kernel and the periodic box:\n" + p.stdout)
            box = np.array([L, L])
            for g, (S, T, pp, kern, r) in {"N-N": ("N", "N", 0.8, gauss, 5 * sig),
                                           "N-M": ("N", "M", 0.5, lambda d: np.ones_like(d), 100.0)}.items():
                check_law(g + " (periodic)", dist(pos[S], pos[T], box), e[g][0], e[g][1], pp, kern, r)
            dn = dist(pos["N"], pos["N"], None)[e["N-N"][0], e["N-N"][1]]
            if not np.any(dn > 5 * sig):
                fail("no synapse crosses the sides of the periodic box")
            continue
        for g in ref:
            if not same(ref[g], e[g]):
                fail("rule distance %s on free positions: the synapses on %d ranks differ from 1 rank's" % (g, np_))
    out = os.path.join(tmp, "flat.h5")
    run(1, args + ["-o", out])
    pos, e = load(out)
    check_law("N-N (not periodic)", dist(pos["N"], pos["N"], None), e["N-N"][0], e["N-N"][1], 0.8, gauss, 5 * sig)
    # 3-D positions from a file, an exponential kernel, no autapses
    rng = np.random.default_rng(4)
    P3 = rng.uniform(0, 400, size=(800, 3))
    pf = os.path.join(tmp, "pos3.h5")
    with h5py.File(pf, "w") as f:
        f["layer/xyz"] = P3
    out = os.path.join(tmp, "sp3.h5")
    a3 = ["-model", "spiking", "-spiking_populations", "C:800", "-spiking_C_positions", "file", "-spiking_C_positions_file",
          pf, "-spiking_C_positions_dataset", "layer/xyz", "-spiking_projections", "C-C", "-spiking_C-C_rule", "distance",
          "-spiking_C-C_kernel", "exponential", "-spiking_C-C_sigma", 30, "-spiking_C-C_radius", 120,
          "-spiking_C-C_autapses", "false", "-spiking_write_edges", "-stepper_max_time", 1, "-quiet", "-o", out]
    run(2, a3)
    pos, e = load(out)
    if not np.array_equal(pos["C"], P3):
        fail("/positions/C is not the file's positions")
    d3 = dist(P3, P3, None)
    np.fill_diagonal(d3, 1e9)
    check_law("C-C (3-D, exponential)", d3, e["C-C"][0], e["C-C"][1], 1.0, lambda d: np.exp(-d / 30.0), 120.0)
    # a file of grid positions: the grid rule's synapses, draws included
    base = ["-model", "spiking", "-spiking_populations", "N:600,M:120", "-spiking_projections", "N-N,N-M",
            "-spiking_N-N_rule", "distance", "-spiking_N-N_radius", 75, "-spiking_N-N_autapses", "false",
            "-spiking_N-M_rule", "distance", "-spiking_N-M_radius", 200, "-spiking_N-M_p", 0.3, "-spiking_write_edges",
            "-stepper_max_time", 1, "-quiet"]
    onfile, ongrid = [], []
    for q, n, rows, h in (("N", 600, 20, 66.96), ("M", 120, 8, 150.0)):
        k = np.arange(n)
        f_ = os.path.join(tmp, "grid%s.h5" % q)
        with h5py.File(f_, "w") as f:
            f["positions"] = np.stack([(k // rows) * h, (k % rows) * h], axis=1).astype(float)
        onfile += ["-spiking_%s_positions" % q, "file", "-spiking_%s_positions_file" % q, f_]
        ongrid += ["-spiking_%s_grid_rows" % q, rows, "-spiking_%s_grid_spacing" % q, h]
    run(1, base + ongrid + ["-o", os.path.join(tmp, "g.h5")])
    run(1, base + onfile + ["-o", os.path.join(tmp, "gf.h5")])
    _, eg = load(os.path.join(tmp, "g.h5"))
    _, ef = load(os.path.join(tmp, "gf.h5"))
    for g in eg:
        if not same(eg[g], ef[g]):
            fail("rule distance %s: file positions on a grid do not give the grid rule's synapses" % g)
    # fixed_indegree within a mask, each draw in proportion to the kernel (NEST's): 10 per target, with
    # replacement, all within the radius; the mean distance of the draws that of the kernel's law
    fi = args[:6] + ["-spiking_projections", "N-N", "-spiking_N-N_rule", "fixed_indegree", "-spiking_N-N_indegree", 10, "-spiking_N-N_radius",
                     120, "-spiking_N-N_kernel", "gaussian", "-spiking_N-N_sigma", 40, "-spiking_write_edges",
                     "-stepper_max_time", 1] + args[-8:] + per
    ref = None
    for np_ in (1, 3):
        out = os.path.join(tmp, "fi%d.h5" % np_)
        run(np_, fi + ["-o", out])
        pos, e = load(out)
        if ref is None:
            ref = e
            src, tgt = e["N-N"]
            dd = dist(pos["N"], pos["N"], np.array([L, L]))
            if len(tgt) != 10 * 1500 or np.any(np.bincount(tgt, minlength=1500) != 10) or dd[src, tgt].max() >= 120:
                fail("fixed_indegree 10 within 120 um: %d synapses, farthest %.1f um" % (len(tgt), dd[src, tgt].max()))
            w = np.where(dd < 120, np.exp(-dd ** 2 / (2 * 40.0 ** 2)), 0)
            want = (w * dd).sum(axis=0) / w.sum(axis=0)  # each target's expected draw distance
            var = (w * dd ** 2).sum(axis=0) / w.sum(axis=0) - want ** 2
            z = (dd[src, tgt] - want[tgt]).sum() / math.sqrt(var[tgt].sum())
            if abs(z) > 4:
                fail("fixed_indegree within a mask: the draws' distances are %.1f standard errors from the kernel's" % z)
            continue
        if not same(ref["N-N"], e["N-N"]):
            fail("fixed_indegree within a mask: the synapses on %d ranks differ from 1 rank's" % np_)
    # refusals
    bad = os.path.join(tmp, "bad.h5")
    with h5py.File(bad, "w") as f:
        f["positions"] = np.zeros((5, 4))
        f["far"] = np.full((5, 2), 2000.0)
        f["notfinite"] = np.where(np.arange(10).reshape(5, 2) == 7, np.nan, 1.0)
    P = ["-spiking_populations", "A:5,B:3"]
    expect_spiking_refusals([
        (P + ["-spiking_A_positions", "uniform"], ["-spiking_A_positions uniform", "-spiking_A_extent"]),
        (P + ["-spiking_A_positions", "grid"], ["-spiking_A_positions", "grid"]),
        (P + ["-spiking_A_positions", "file"], ["-spiking_A_positions file", "-spiking_A_positions_file"]),
        (P + ["-spiking_A_positions", "file", "-spiking_A_positions_file", bad], ["-spiking_A_positions_file", "/positions",
                                                                                  "5 x 2"]),
        (P + ["-spiking_A_positions", "file", "-spiking_A_positions_file", bad, "-spiking_A_positions_dataset", "far",
              "-spiking_A_extent", "100,100"], ["-spiking_A_positions_file", "2000", "extent"]),
        (P + ["-spiking_A_positions", "file", "-spiking_A_positions_file", bad, "-spiking_A_positions_dataset", "notfinite"],
         ["-spiking_A_positions_file", "neuron 3", "nan"]),
        (P + ["-spiking_A_positions", "uniform", "-spiking_A_extent", "10,-1"], ["-spiking_A_extent", "-1"]),
        (P + ["-spiking_A_grid_rows", 5, "-spiking_A_positions", "uniform", "-spiking_A_extent", "1,1"],
         ["-spiking_A_positions", "-spiking_A_grid_rows"]),
        (P + ["-spiking_A_positions", "file", "-spiking_A_positions_file", bad, "-spiking_A_positions_dataset", "far",
              "-spiking_A_periodic"], ["-spiking_A_periodic", "-spiking_A_extent"]),
        (P + ["-spiking_A_positions", "uniform", "-spiking_A_extent", "9,9", "-spiking_B_positions", "uniform",
              "-spiking_B_extent", "9,9,9", "-spiking_projections", "A-B", "-spiking_A-B_rule", "distance",
              "-spiking_A-B_radius", 2], ["-spiking_A-B_rule distance", "2 and 3 dimensions"]),
        (P + ["-spiking_A_positions", "uniform", "-spiking_A_extent", "9,9", "-spiking_A_periodic",
              "-spiking_B_positions", "uniform", "-spiking_B_extent", "9,9", "-spiking_projections", "A-B",
              "-spiking_A-B_rule", "distance", "-spiking_A-B_radius", 2], ["-spiking_A-B_rule distance", "periodic"]),
        (P + ["-spiking_A_positions", "uniform", "-spiking_A_extent", "9,9", "-spiking_projections", "A-A",
              "-spiking_A-A_rule", "distance", "-spiking_A-A_kernel", "gaussian"], ["-spiking_A-A_sigma", "gaussian"]),
        (P + ["-spiking_A_positions", "uniform", "-spiking_A_extent", "9,9", "-spiking_projections", "A-A",
              "-spiking_A-A_rule", "distance", "-spiking_A-A_radius", 3, "-spiking_A-A_sigma", 2],
         ["-spiking_A-A_sigma", "-spiking_A-A_kernel"]),
        (P + ["-spiking_projections", "A-A", "-spiking_A-A_kernel", "exponential"], ["-spiking_A-A_kernel", "distance"]),
        (P + ["-spiking_A_positions", "uniform", "-spiking_A_extent", "9,9", "-spiking_projections", "A-A",
              "-spiking_A-A_rule", "distance", "-spiking_A-A_kernel", "lorentzian", "-spiking_A-A_sigma", 1],
         ["-spiking_A-A_kernel", "lorentzian"]),
        (P + ["-spiking_A_positions", "uniform", "-spiking_A_extent", "100,100", "-spiking_projections", "A-A",
              "-spiking_A-A_rule", "fixed_indegree", "-spiking_A-A_indegree", 3, "-spiking_A-A_radius", 1,
              "-spiking_A-A_multapses", "false"], ["A-A", "-spiking_A-A_radius", "fewer distinct sources"]),
        (P + ["-spiking_projections", "A-A", "-spiking_A-A_rule", "pairwise_bernoulli", "-spiking_A-A_radius", 3],
         ["-spiking_A-A_radius", "pairwise_bernoulli"]),
        (P + ["-spiking_projections", "A-A", "-spiking_A-A_rule", "fixed_indegree", "-spiking_A-A_radius", 3],
         ["fixed_indegree with a mask", "positions"]),
    ], tmp)


def check_yaml(tmp):
    """A network described in YAML (jobs/stimberg_example1.yaml, PETSc's -options_file_yaml: nested keys
    joined by underscores) is the network its options give on the command line: the same spikes, 30 ms,
    on 2 ranks against 1; an option after the file wins."""
    yaml = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "jobs", "stimberg_example1.yaml")
    a, b = os.path.join(tmp, "yaml.h5"), os.path.join(tmp, "args.h5")
    run(2, ["-options_file_yaml", yaml, "-stepper_max_time", 30, "-quiet", "-o", a])
    args = ["-model", "spiking", "-seed", 11922, "-stepper_max_time", 30, "-quiet", "-o", b,
            "-spiking_populations", "E:3200,I:800", "-spiking_projections", "E-E,E-I,I-E,I-I"]
    for q in "EI":
        args += ["-spiking_%s_type" % q, "coba_lif", "-spiking_%s_I_e" % q, 150, "-spiking_%s_V_m_uniform" % q, "-60,-50"]
    for pr in ("E-E", "E-I", "I-E", "I-I"):
        args += ["-spiking_%s_rule" % pr, "pairwise_bernoulli", "-spiking_%s_p" % pr, 0.05 if pr[0] == "E" else 0.2,
                 "-spiking_%s_weight" % pr, 0.05 if pr[0] == "E" else -1.0, "-spiking_%s_delay" % pr, 0.1,
                 "-spiking_%s_synapse" % pr, "tsodyks_markram", "-spiking_%s_U_0" % pr, 0.6,
                 "-spiking_%s_tau_fac" % pr, 1000 / 3.33, "-spiking_%s_tau_rec" % pr, 500]
    run(1, args)
    x, y = spikes(a), spikes(b)
    if sorted(x) != ["E", "I"] or any(not same(x[q], y[q]) for q in x):
        fail("the YAML network's spikes differ from its options' on the command line")
    with h5py.File(a, "r") as f:
        if abs(float(f["time"][-1]) - 30) > 1e-9 or int(f["observables"].attrs["synapses"]) < 1200000:
            fail("the YAML run did not take -stepper_max_time 30 after the file, or not its network")


def check_exchange(tmp):
    """The spike exchange over the ghost plan: a lattice wired by distance (each neuron's synapses near
    it) sends each rank's spikes only to the ranks that hold its neighbours (on 4 ranks, in blocks of
    rows, to the neighbouring blocks only; astrocytes on a rank of their own, whose events go nowhere,
    hang nothing), and a Tsodyks-Markram projection from 40 sources onto 8
    targets (most sources have no target on their own rank: the owner keeps the presynaptic state
    without a column of its own); windows of thousands of spikes overflow the exchange's blocks.  Spikes, state
    and the presynaptic state after a restart are the same bit for bit on 1, 2, 4 ranks and on 3 with a
    scrambled partition (every rank then talks to every other); a subset recorded
    (-spiking_N_record_spikes) is that subset of the full record, with the same spike counts."""
    args = ["-model", "spiking", "-spiking_populations", "N:2800,S:40,T:8", "-spiking_N_grid_rows", 40,
            "-spiking_N_grid_spacing", 50, "-spiking_projections", "N-N,S-T,T-N", "-spiking_N-N_rule", "distance",
            "-spiking_N-N_radius", 120, "-spiking_N-N_weight", 2.5, "-spiking_N-N_delay", 0.5,
            "-spiking_N_poisson_rate", 12000, "-spiking_N_poisson_weight", 18, "-spiking_S_poisson_rate", 15000,
            "-spiking_S_poisson_weight", 25, "-spiking_S-T_rule", "fixed_indegree", "-spiking_S-T_indegree", 3,
            "-spiking_S-T_synapse", "tsodyks_markram", "-spiking_S-T_weight", 400, "-spiking_S-T_delay", 1.3,
            "-spiking_T-N_rule", "fixed_indegree", "-spiking_T-N_indegree", 1, "-spiking_T-N_weight", 5,
            "-stepper_max_time", 60, "-seed", 3]
    part = os.path.join(tmp, "xpart.h5")
    run(1, ["partition", "-N", 2848, "-connectivity", "none", "-nparts", 3, "-partitioner", "block", "-o", part])
    with h5py.File(part, "r+") as f:
        f["rank"][...] = np.random.default_rng(5).permutation(np.arange(2848) % 3)
    ref = None
    for np_, extra in ((1, []), (2, []), (4, []), (3, ["-partition", part])):
        out = os.path.join(tmp, "x%d_%d.h5" % (np_, len(extra)))
        p = run(np_, args + ["-o", out] + extra)
        with h5py.File(out, "r") as f:
            got = (spikes(out), f["state/V_m"][()], f["state/I_syn"][()])
        if extra and "at most 2 of the 2 others" not in p.stdout:
            fail("a scrambled partition should make every rank talk to every other:\n" + p.stdout)
        if ref is None:
            ref = got
            if len(ref[0]["N"][0]) < 20000 or len(ref[0]["S"][0]) < 500 or len(ref[0]["T"][0]) < 40:
                fail("the network is too quiet to test the exchange: %s spikes" % {q: len(v[0]) for q, v in ref[0].items()})
            continue
        same_as_one_rank(ref, got, np_, extra)
    # a subset recorded: the first 100 of N, none of T; the counts and every other spike as before
    out = os.path.join(tmp, "xsub.h5")
    run(2, args + ["-o", out, "-spiking_N_record_spikes", 100, "-spiking_T_record_spikes", 0])
    sub = spikes(out)
    keep = ref[0]["N"][1] < 100
    if not (np.array_equal(sub["N"][0], ref[0]["N"][0][keep]) and np.array_equal(sub["N"][1], ref[0]["N"][1][keep])
            and len(sub["T"][0]) == 0 and same(sub["S"], ref[0]["S"])):
        fail("-spiking_N_record_spikes 100: the recorded spikes are not the first 100 neurons' of the full record")
    with h5py.File(out, "r") as f:
        if int(f["observables"].attrs["spikes_N"]) != len(ref[0]["N"][0]):
            fail("-spiking_N_record_spikes 100 changed the population's spike count")
    # astrocytes alone on one rank (a partition file), whose calcium events go nowhere but whose slow inward
    # currents reach the neurons of the other: every rank hears only the ranks that send it spikes (a rank
    # listing one that sends nothing once hung the neighbourhood exchange)
    apart = os.path.join(tmp, "apart.h5")
    run(1, ["partition", "-N", 24, "-connectivity", "none", "-nparts", 2, "-partitioner", "block", "-o", apart])
    with h5py.File(apart, "r+") as f:
        f["rank"][...] = (np.arange(24) >= 20).astype(f["rank"].dtype)
    astro = ["-model", "spiking", "-spiking_populations", "E:20,A:4", "-spiking_E_type", "aeif_cond_alpha",
             "-spiking_E_poisson_rate", 4000, "-spiking_E_poisson_weight", 20, "-spiking_A_type", "astrocyte_lr_1994",
             "-spiking_A_IP3", 0.4, "-spiking_A_Ca_astro", 0.3, "-spiking_A_Ca_threshold", 0.31, "-spiking_A_delta_IP3",
             0.05, "-spiking_projections", "E-A,A-E", "-spiking_E-A_rule", "pairwise_bernoulli", "-spiking_E-A_p", 0.3,
             "-spiking_A-E_weight", 3, "-stepper_max_time", 300, "-quiet"]
    run(1, astro + ["-o", os.path.join(tmp, "as1.h5")])
    run(2, astro + ["-o", os.path.join(tmp, "as2.h5"), "-partition", apart])
    a, b = spikes(os.path.join(tmp, "as1.h5")), spikes(os.path.join(tmp, "as2.h5"))
    if len(a["E"][0]) < 100 or len(a["A"][0]) < 1 or any(not same(a[q], b[q]) for q in a):
        fail("astrocytes on a rank of their own: spikes and calcium events on 2 ranks differ from 1 rank's (or too few: "
             "%d, %d)" % (len(a["E"][0]), len(a["A"][0])))
    # the lattice alone on 4 ranks (each population is split over the ranks: S's sources would be everywhere)
    lattice = ["-model", "spiking", "-spiking_populations", "N:2800", "-spiking_N_grid_rows", 40,
               "-spiking_N_grid_spacing", 50, "-spiking_projections", "N-N", "-spiking_N-N_rule", "distance",
               "-spiking_N-N_radius", 120, "-stepper_max_time", 5, "-o", os.path.join(tmp, "xl.h5")]
    p = run(4, lattice)
    m = re.search(r"exchange each rank's spikes to at most (\d+) of the 3 others \(([0-9.]+) on average\)", p.stdout)
    if not m or int(m.group(1)) != 2 or float(m.group(2)) != 1.5:
        fail("a lattice in blocks of rows on 4 ranks should send spikes to the neighbouring blocks only (1, 2, 2, 1 "
             "ranks): %s" % (m.group(0) if m else "no exchange line in\n" + p.stdout))
    # the presynaptic state of sources without a column on their own rank survives a restart on 4 ranks
    ck = os.path.join(tmp, "x.ckpt")
    run(4, args + ["-o", os.path.join(tmp, "xa.h5"), "-checkpoint", ck, "-checkpoint_interval", 31.7])
    run(4, args + ["-o", os.path.join(tmp, "xb.h5"), "-restart", ck])
    a, b = spikes(os.path.join(tmp, "xa.h5")), spikes(os.path.join(tmp, "xb.h5"))
    for q in a:
        if not same(a[q], b[q]):
            fail("population %s: the run restarted on 4 ranks at 31.7 ms spikes differently" % q)
    # a restart from the final step (nothing left to run) reports the same summary: rates, counts and CVs
    ck = os.path.join(tmp, "xf.ckpt")
    run(2, args + ["-o", os.path.join(tmp, "xc.h5"), "-checkpoint", ck, "-checkpoint_final"])
    run(2, args + ["-o", os.path.join(tmp, "xd.h5"), "-restart", ck])
    with h5py.File(os.path.join(tmp, "xc.h5"), "r") as f, h5py.File(os.path.join(tmp, "xd.h5"), "r") as g:
        x, y = dict(f["observables"].attrs), dict(g["observables"].attrs)
    if sorted(x) != sorted(y) or any(not np.array_equal(x[k], y[k], equal_nan=True) for k in x):
        fail("the summary after a restart at the final step differs: %s against %s"
             % ({k: y[k] for k in y if not np.array_equal(x.get(k), y[k], equal_nan=True)}, x))


def overlap_args():
    """types_args' network with every population able to step ahead of its input (the izhikevich one an
    iaf_psc_exp), STDP of both forms, a spike generator and delays of 3 to 20 steps."""
    return types_args(True) + [
        "-spiking_populations", "A:30,Z:12,C:20,X:10,G:1", "-spiking_Z_type", "iaf_psc_exp",
        "-spiking_Z_poisson_weight", 90, "-spiking_G_type", "spike_generator", "-spiking_G_spike_times",
        "5,17.3,40,40.1,90", "-spiking_projections", ",".join(list(TYPES_PROJ) + ["A-X", "X-C", "Z-A", "C-Z", "G-C"]),
        "-spiking_Z-A_synapse", "stdp_multiplicative", "-spiking_Z-A_weight", 20, "-spiking_Z-A_W_max", 60,
        "-spiking_Z-A_rule", "fixed_indegree", "-spiking_Z-A_indegree", 4, "-spiking_Z-A_lambda", 0.1,
        "-spiking_C-Z_synapse", "stdp_additive", "-spiking_C-Z_weight", 40, "-spiking_C-Z_W_max", 100,
        "-spiking_C-Z_rule", "pairwise_bernoulli", "-spiking_C-Z_p", 0.3, "-spiking_C-Z_delay", 0.3,
        "-spiking_G-C_weight", 30, "-spiking_G-C_delay", 2.0]


def check_overlap(tmp):
    """The exchange overlapped with the next window's first step (-spiking_overlap, where every population
    steps ahead of its input): spikes, the final state and the STDP weights of a network of iaf_psc_exp,
    iaf_psc_alpha, coba_lif, aeif_cond_alpha and a spike generator, with Poisson input, static,
    Tsodyks-Markram and STDP synapses, are the same bit for bit on 2, 3 and 4 ranks as on 1, with and
    without overlap (the default), and after a restart mid-run on 3 ranks; the run header says whether it
    overlaps."""
    args = [a for a in overlap_args() if a != "-quiet"]

    def state(out):
        with h5py.File(out, "r") as f:
            return spikes(out), {k: f["state"][k][()] for k in f["state"]}

    ref = None
    on = ["-spiking_overlap"]
    for np_, extra in ((1, on), (2, on), (3, on), (4, on), (3, [])):
        out = os.path.join(tmp, "ov%d_%d.h5" % (np_, len(extra)))
        p = run(np_, args + ["-o", out] + extra)
        said = "overlapped with the next window's first step" in p.stdout
        if np_ > 1 and said != bool(extra):
            fail("on %d ranks %s the header should say the exchange is %soverlapped:\n%s"
                 % (np_, extra, "" if extra else "not ", p.stdout))
        got = state(out)
        if ref is None:
            ref = got
            if any(len(T) < 20 for q, (T, _) in got[0].items() if q != "G") or np.nanstd(got[1]["stdp_weight"]) == 0:
                fail("the network is too quiet to test the overlap: %s spikes" % {q: len(v[0]) for q, v in got[0].items()})
            continue
        for q in ref[0]:
            if not same(ref[0][q], got[0][q]):
                fail("population %s: spikes on %d ranks %s differ from 1 rank" % (q, np_, extra))
        for k in ref[1]:
            if not np.array_equal(ref[1][k], got[1][k], equal_nan=True):
                fail("final %s on %d ranks %s differs from 1 rank" % (k, np_, extra))
    # a restart mid-run (at a checkpoint between samples) on 3 ranks ends as the run that went through
    ck = os.path.join(tmp, "ov.ckpt")
    run(3, args + on + ["-o", os.path.join(tmp, "ova.h5"), "-checkpoint", ck, "-checkpoint_interval", 61.3])
    run(3, args + on + ["-o", os.path.join(tmp, "ovb.h5"), "-restart", ck])
    got = state(os.path.join(tmp, "ovb.h5"))
    if any(not same(ref[0][q], got[0][q]) for q in ref[0]) or \
            any(not np.array_equal(ref[1][k], got[1][k], equal_nan=True) for k in ref[1]):
        fail("the run restarted on 3 ranks at 61.3 ms differs from the run that went through")


def check_bad_input(tmp):
    """Bad input is refused with one message naming the option and the value, and nothing written."""
    P = ["-spiking_populations", "A:5,B:3"]
    cases = [
        (P + ["-spiking_A_type", "hh_psc_alpha"], ["-spiking_A_type", "hh_psc_alpha"]),
        (P + ["-spiking_projections", "A-C"], ["-spiking_projections", "C"]),
        (P + ["-spiking_projections", "AB"], ["-spiking_projections", "AB"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_record_weights", "0:1"],
         ["-spiking_A-B_record_weights", "static"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_additive", "-spiking_A-B_weight", 0.001,
              "-spiking_A-B_record_weights", "0:3"], ["-spiking_A-B_record_weights", "0:3", "B (3)"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_additive", "-spiking_A-B_weight", 0.001,
              "-spiking_A-B_record_weights", "0-1"], ["-spiking_A-B_record_weights", "'0-1'", "SOURCE:TARGET"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_delay", 0.05], ["-spiking_A-B_delay", "0.05"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_delay", -1], ["-spiking_A-B_delay", "-1"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_rule", "fixed_indegree", "-spiking_A-B_indegree", 9,
              "-spiking_A-B_multapses", "false"], ["-spiking_A-B_indegree", "9"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_rule", "pairwise_bernoulli", "-spiking_A-B_p", 1.5],
         ["-spiking_A-B_p", "1.5"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_rule", "gaussian"], ["-spiking_A-B_rule", "gaussian"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_rule", "distance", "-spiking_A_grid_rows", 5,
              "-spiking_A-B_radius", 2], ["-spiking_A-B_rule distance", "-spiking_B_grid_rows", "-spiking_B_positions"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_rule", "distance", "-spiking_A_grid_rows", 5,
              "-spiking_B_grid_rows", 1], ["-spiking_A-B_radius", "0"]),
        (P + ["-spiking_A_grid_rows", 6], ["-spiking_A_grid_rows", "6", "[0, 5]"]),
        (P + ["-spiking_A_grid_rows", 2, "-spiking_A_grid_spacing", -3], ["-spiking_A_grid_spacing", "-3"]),
        (P + ["-spiking_A_type", "spike_generator", "-spiking_A_spike_times", "5,3"], ["-spiking_A_spike_times", "3"]),
        (P + ["-spiking_A_type", "spike_generator", "-spiking_A_spike_times", "5.05"], ["-spiking_A_spike_times",
                                                                                      "5.05"]),
        (P + ["-spiking_A_type", "spike_generator"], ["-spiking_A_spike_times"]),
        (P + ["-spiking_A_tau_m", 0], ["-spiking_A_tau_m", "0"]),
        (P + ["-spiking_A_V_reset", -50], ["-spiking_A_V_reset", "-50"]),
        (P + ["-spiking_record_V", 8], ["-spiking_record_V", "8"]),
        (P + ["-spiking_A_record_spikes", 9], ["-spiking_A_record_spikes", "9", "[0, 5]"]),
        (["-spiking_populations", "A:5,A:3"], ["-spiking_populations", "A"]),
        (["-spiking_populations", "A:0"], ["-spiking_populations", "0"]),
        (["-spiking_populations", "A_1:4"], ["-spiking_populations", "A_1"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_triplet"],
         ["-spiking_A-B_synapse", "stdp_triplet"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "tsodyks_markram", "-spiking_A-B_U_0", 1.5],
         ["-spiking_A-B_U_0", "1.5"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "tsodyks_markram", "-spiking_A-B_tau_rec", 0],
         ["-spiking_A-B_tau_rec", "0"]),
        (P + ["-spiking_A_V_m_uniform", "-50,-60"], ["-spiking_A_V_m_uniform"]),
        (P + ["-spiking_A_type", "aeif_cond_alpha", "-spiking_A_substeps", 0], ["-spiking_A_substeps", "0"]),
        (P + ["-spiking_A_type", "aeif_cond_alpha", "-spiking_A_V_peak", -65], ["-spiking_A_V_peak", "-65"]),
        (P + ["-spiking_A_type", "coba_lif", "-spiking_A_g_L", -1], ["-spiking_A_g_L", "-1"]),
        (P + ["-spiking_A_type", "izhikevich", "-spiking_A_c", 40], ["-spiking_A_c", "40"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_additive", "-spiking_A-B_weight", -2],
         ["-spiking_A-B_weight", "-2"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_multiplicative", "-spiking_A-B_weight", 5,
              "-spiking_A-B_W_max", 4], ["-spiking_A-B_weight", "W_max"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_gated"], ["-spiking_A-B_gate"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_gated", "-spiking_A-B_gate", "R"],
         ["-spiking_A-B_gate", "R"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_additive", "-spiking_A-B_gate", "A"],
         ["-spiking_A-B_gate", "stdp_additive"]),
        (P + ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "stdp_gated", "-spiking_A-B_gate", "A",
              "-spiking_A-B_tau_c", 0], ["-spiking_A-B_tau_c", "0"]),
        (P + ["-connectivity", "random"], ["-connectivity", "random"]),
        (P + ["-N", 7], ["-N", "7", "8"]),
        (P + ["-spiking_A_I_e_timed", "1,2"], ["-spiking_A_I_e_timed", "iaf_psc_delta", "coba_lif"]),
        (P + ["-spiking_A_type", "coba_lif", "-spiking_A_I_e_timed", "1,2", "-spiking_A_I_e_timed_dt", 0.15],
         ["-spiking_A_I_e_timed_dt", "0.15"]),
        (P + ["-spiking_A_type", "coba_lif", "-spiking_A_I_e_timed", "1,nan"], ["-spiking_A_I_e_timed", "nan"]),
    ]

    expect_spiking_refusals(cases, tmp)


def main():
    checks = {"fi": check_fi, "psp": check_psp, "invariance": check_invariance, "brunel": check_brunel,
              "bad_input": check_bad_input, "types": check_types,
              "tsodyks_markram": check_tsodyks_markram, "adex_izhikevich": check_adex_izhikevich,
              "spike_file": check_spike_file, "stdp": check_stdp,
              "stdp_gated": check_stdp_gated, "file_rule": check_file_rule, "timed_drive": check_timed_drive,
              "distance": check_distance, "exchange": check_exchange, "spatial": check_spatial,
              "yaml": check_yaml, "overlap": check_overlap}
    tp_main(checks)


if __name__ == "__main__":
    main()
