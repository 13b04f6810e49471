"""End-to-end checks of astrocytes in M4's spiking networks (-spiking_<A>_type astrocyte_lr_1994 and
the slow inward currents they send to aeif_cond_alpha neurons) against independent integrations of
MODELS.md's equations done here with SciPy and NumPy.  Usage: astro_checks.py TRIPART MPIEXEC CHECK"""
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tpcheck import main as tp_main, expect_spiking_refusals, fail, run  # noqa: E402

# NEST 3.9's astrocyte_lr_1994 defaults (MODELS.md M4)
LR = dict(Ca_tot=2.0, IP3_0=0.16, Kd_IP3_1=0.13, Kd_IP3_2=0.9434, Kd_act=0.08234, Kd_inh=1.049, Km_SERCA=0.1,
          ratio_ER_cyt=0.185, rate_IP3R=0.006, rate_L=0.00011, rate_SERCA=0.0009, k_IP3R=0.0002, tau_IP3=7142.0,
          delta_IP3=0.0002, SIC_scale=1.0, SIC_th=0.19669)
H = 0.1  # ms


def lr_rhs(t, y, p=LR):
    ip3, ca, h = y[0], min(max(y[1], 0.0), p["Ca_tot"]), y[2]
    ca_er = (p["Ca_tot"] - ca) / p["ratio_ER_cyt"]
    m_inf, n_inf = ip3 / (ip3 + p["Kd_IP3_1"]), ca / (ca + p["Kd_act"])
    j_chan = p["ratio_ER_cyt"] * p["rate_IP3R"] * m_inf ** 3 * n_inf ** 3 * h ** 3 * (ca_er - ca)
    j_leak = p["ratio_ER_cyt"] * p["rate_L"] * (ca_er - ca)
    j_pump = p["rate_SERCA"] * ca ** 2 / (p["Km_SERCA"] ** 2 + ca ** 2)
    alpha_h = p["k_IP3R"] * p["Kd_inh"] * (ip3 + p["Kd_IP3_1"]) / (ip3 + p["Kd_IP3_2"])
    return [(p["IP3_0"] - ip3) / p["tau_IP3"], j_chan - j_pump + j_leak, alpha_h * (1 - h) - p["k_IP3R"] * ca * h]


def sic_of(ca, p=LR):
    y = (ca - p["SIC_th"]) * 1000.0
    return np.where(y > 1, p["SIC_scale"] * np.log(np.maximum(y, 1)), 0.0)


def astro_trace(path):
    with h5py.File(path, "r") as f:
        return f["time"][()], f["observables/astrocyte"][()]


def reference(y0, jumps, delta, samples):
    """The equations integrated finely between the input's arrivals (DOP853 at rtol 1e-12); at the end
    of each arrival step Ca is clipped and IP3 raised by delta x the arrived weight, as NEST's
    astrocyte does (a sample at that time sees the raised IP3)."""
    samples = np.asarray(samples, float)
    out, y, t, k = np.empty((len(samples), 3)), np.array(y0, float), 0.0, 0
    while k < len(samples) and samples[k] <= 1e-9:
        out[k], k = y, k + 1
    for tj in sorted(jumps) + [samples[-1]]:
        tj = min(tj, samples[-1])
        if tj > t:
            sel = samples[k:][samples[k:] <= tj + 1e-9]
            ev = sel if len(sel) and abs(sel[-1] - tj) < 1e-9 else np.append(sel, tj)
            sol = solve_ivp(lr_rhs, (t, tj), y, method="DOP853", rtol=1e-12, atol=1e-14, t_eval=ev)
            out[k:k + len(sel)] = sol.y.T[:len(sel)]
            y, t, k = sol.y[:, -1].copy(), tj, k + len(sel)
        if tj in jumps:
            y[1] = min(max(y[1], 0.0), LR["Ca_tot"])
            y[0] += delta * jumps[tj]
            if k and abs(samples[k - 1] - tj) < 1e-9:
                out[k - 1] = y
    return out


def poisson_times(rate_hz, T, seed):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(1000.0 / rate_hz, size=int(3 * rate_hz * T / 1000) + 20))
    t = np.unique(np.round(t[t < T - 1] / H) * H)
    return t[t >= H]


def check_relax(tmp):
    """No input: IP3 relaxes to IP3_0 = 0.16 uM with tau_IP3 = 7.142 s (a log-linear fit of IP3 - IP3_0
    over 30 s gives tau to 1e-6); a cell at IP3_0 keeps it exactly; Ca stays in [0, Ca_tot]."""
    out = os.path.join(tmp, "relax.h5")
    run(1, ["-model", "spiking", "-spiking_populations", "A:1,B:1", "-spiking_A_type", "astrocyte_lr_1994",
            "-spiking_A_IP3", 1.0, "-spiking_B_type", "astrocyte_lr_1994", "-spiking_record_astro", "0,1",
            "-monitor_every", 1000, "-stepper_max_time", 30000, "-quiet", "-o", out])
    t, a = astro_trace(out)
    ip3 = a[:, 0] - LR["IP3_0"]
    slope = np.polyfit(t, np.log(ip3), 1)[0]
    if abs(-1 / slope / LR["tau_IP3"] - 1) > 1e-6:
        fail("IP3 relaxes with tau %.9g ms, not tau_IP3 = %g ms" % (-1 / slope, LR["tau_IP3"]))
    if np.any(a[:, 4] != LR["IP3_0"]):
        fail("an astrocyte at IP3_0 without input moved its IP3: %s" % a[:, 4][a[:, 4] != LR["IP3_0"]][:3])
    if np.any(a[:, 1::4] < 0) or np.any(a[:, 1::4] > LR["Ca_tot"]):
        fail("Ca left [0, Ca_tot]")


def single(tmp, name, np_, extra, times, delay=1.0, T=60000.0, every=100):
    out = os.path.join(tmp, name + ".h5")
    run(np_, ["-model", "spiking", "-spiking_populations", "G:1,A:1", "-spiking_G_type", "spike_generator",
              "-spiking_G_spike_times", ",".join("%.1f" % x for x in times), "-spiking_A_type", "astrocyte_lr_1994",
              "-spiking_A_delta_IP3", 0.2, "-spiking_projections", "G-A", "-spiking_G-A_weight", 1,
              "-spiking_G-A_delay", delay, "-spiking_record_astro", 1, "-monitor_every", every,
              "-stepper_max_time", T, "-quiet", "-o", out] + extra)
    return astro_trace(out)


def check_single(tmp):
    """NEST's astrocyte_single protocol (Poisson input of 1 Hz, weight 1, delta_IP3 0.2 uM, 60 s): IP3,
    Ca and h at every 10 ms sample equal an independent fine integration of the equations to 1e-6
    relative; the SIC is exactly 0 while Ca <= SIC_th + 1 nM and ln((Ca - SIC_th) 1000) above; Ca
    stays in [0, Ca_tot] and crosses the threshold (the check is not vacuous)."""
    times = poisson_times(1.0, 60000.0, 5)
    if len(times) > 256:
        fail("too many input spikes for -spike_times")
    delay = 1.0
    t, a = single(tmp, "single", 1, [], times, delay)
    jumps = {}
    for s in times:  # the generator fires in the step that ends at s; the spike arrives one delay later
        key = round(s + delay, 6)
        jumps[key] = jumps.get(key, 0.0) + 1.0
    ref = reference([LR["IP3_0"], 0.073, 0.793], jumps, 0.2, list(t))
    for k, name in enumerate(("IP3", "Ca", "h_IP3R")):
        err = np.max(np.abs(a[:, k] - ref[:, k]) / np.abs(ref[:, k]))
        if err > 1e-6:
            i = int(np.argmax(np.abs(a[:, k] - ref[:, k]) / np.abs(ref[:, k])))
            fail("astrocyte_single: %s at t = %g ms is %.12g, the reference %.12g (relative %.3g)"
                 % (name, t[i], a[i, k], ref[i, k], err))
    ca, sic = a[:, 1], a[:, 3]
    if not (np.any(ca > LR["SIC_th"] + 0.002) and np.any(ca < LR["SIC_th"])):
        fail("astrocyte_single: Ca never crossed SIC_th (max %.4g uM)" % ca.max())
    if np.any(sic[ca <= 0.19769] != 0):
        fail("SIC is not exactly 0 while Ca <= 0.19769 uM")
    if np.max(np.abs(sic - sic_of(ca))) > 1e-12:
        fail("SIC is not ln((Ca - SIC_th) 1000) above the threshold")
    if np.any(ca < 0) or np.any(ca > LR["Ca_tot"]):
        fail("Ca left [0, Ca_tot]")


def check_events(tmp):
    """Calcium events (-spiking_A_Ca_threshold 0.3 uM) of an oscillating astrocyte (IP3 held at 0.5 uM
    by tau_IP3 = 1e9 ms; one input spike at 59 s), sampled every 1 ms for 60 s: one event, recorded as
    the astrocyte's spike, in each sample interval where Ca rises past the threshold and none
    elsewhere (at least three); none without a threshold; the population's total IP3 and Ca
    (observables/astrocyte_total) are its one astrocyte's to 2^-33 uM; the events leave the
    trajectory as it was (they are delivered nowhere)."""
    times, theta, osc = [59000.0], 0.3, ["-spiking_A_IP3", 0.5, "-spiking_A_tau_IP3", 1e9]
    t, a = single(tmp, "events", 1, osc + ["-spiking_A_Ca_threshold", theta], times, T=60000.0, every=10)
    with h5py.File(os.path.join(tmp, "events.h5"), "r") as f:
        ev, ids, tot = f["spikes/A/timestamps"][()], f["spikes/A/node_ids"][()], f["observables/astrocyte_total"][()]
        rate, count = f["observables"].attrs["rate_A"], f["observables"].attrs["spikes_A"]
    ca = a[:, 1]
    up = [k for k in range(1, len(t)) if ca[k - 1] <= theta < ca[k]]
    if len(up) < 3:
        fail("calcium events: Ca rose past %g uM only %d times: the check is vacuous" % (theta, len(up)))
    if len(ev) != len(up) or np.any(ids != 0) or count != len(up):
        fail("calcium events: %d recorded (%d counted), Ca rose past %g uM in %d sample intervals"
             % (len(ev), count, theta, len(up)))
    for e, k in zip(ev, up):
        if not t[k - 1] < e <= t[k] + 1e-9:
            fail("calcium event at %g ms, but Ca rose past the threshold in (%g, %g] ms" % (e, t[k - 1], t[k]))
    if abs(rate - len(up) / 60.0) > 1e-12:
        fail("rate_A %g Hz, not %d events in 60 s" % (rate, len(up)))
    if np.max(np.abs(tot[:, 0] - a[:, 0])) > 2.0 ** -33 or np.max(np.abs(tot[:, 1] - ca)) > 2.0 ** -33:
        fail("astrocyte_total is not the one astrocyte's IP3 and Ca")
    t0, a0 = single(tmp, "noevents", 1, osc, times, T=60000.0, every=10)
    with h5py.File(os.path.join(tmp, "noevents.h5"), "r") as f:
        if len(f["spikes/A/timestamps"]):
            fail("calcium events without -spiking_A_Ca_threshold")
    if not np.array_equal(a0, a):
        fail("calcium events changed the astrocyte's trajectory")


def gap_flux(i, j, F, threshold, i_theta=0.3, omega_i=0.05):
    """MODELS.md M4's IP3 flux into an astrocyte at IP3 i from one at j (Brian2's example 6 when thresholded)."""
    if not threshold:
        return F * (j - i)
    return -F / 2 * (1 + math.tanh((abs(i - j) - i_theta) / omega_i)) * np.sign(i - j)


def gap_run(tmp, name, np_, pops, extra, T):
    out = os.path.join(tmp, name + ".h5")
    n = sum(k for _, k in pops)
    args = ["-model", "spiking", "-spiking_populations", ",".join("%s:%d" % pk for pk in pops),
            "-spiking_record_astro", ",".join(map(str, range(n))), "-monitor_every", 100, "-stepper_max_time", T,
            "-quiet", "-o", out]
    for name_, _ in pops:
        args += ["-spiking_%s_type" % name_, "astrocyte_lr_1994"]
    run(np_, args + extra)
    with h5py.File(out, "r") as f:
        return f["time"][()], f["observables/astrocyte"][()], f["observables/astrocyte_total"][()], f["state/astrocyte"][()]


def check_gap(tmp):
    """Gap junctions between astrocytes (-synapse gap_junction).  Two astrocytes coupled both ways by
    the thresholded flux (F 0.002 uM/ms, IP3 1 and 0.2 uM at the start), 20 s: IP3, Ca and h at every
    10 ms within 1e-6 relative of a DOP853 integration of the coupled equations done here.  Linear
    coupling of all to all between two populations (IP3 1 and 0.2 uM) and, in a Poisson-driven
    population, symmetric pairwise_bernoulli junctions with the thresholded flux: the total IP3 of the
    recorded astrocytes is the uncoupled run's to 1e-12 relative (the fluxes are odd, so they conserve it; the decay and the
    inputs are the same), while the coupling narrows the spread of IP3; the driven population's
    trajectories bit for bit the same on 1 to 4 ranks (every rank evaluates the coupling together,
    astrocytes or not)."""
    # against an independent integration
    pops = [("A", 1), ("B", 1)]
    both = ["-spiking_A_IP3", 1.0, "-spiking_B_IP3", 0.2, "-spiking_projections", "A-B,B-A"]
    for pj in ("A-B", "B-A"):
        both += ["-spiking_%s_synapse" % pj, "gap_junction", "-spiking_%s_weight" % pj, 0.002]
    t, a, _, _ = gap_run(tmp, "gap2", 1, pops, both, 20000.0)

    def rhs(tt, y):
        f1, f2 = lr_rhs(tt, y[:3]), lr_rhs(tt, y[3:])
        f1[0] += gap_flux(y[0], y[3], 0.002, True)
        f2[0] += gap_flux(y[3], y[0], 0.002, True)
        return f1 + f2
    sol = solve_ivp(rhs, (0, t[-1]), [1.0, 0.073, 0.793, 0.2, 0.073, 0.793], method="DOP853", rtol=1e-12,
                    atol=1e-14, t_eval=t)
    ref = sol.y.T
    got = np.concatenate([a[:, 0:3], a[:, 4:7]], axis=1)
    err = np.max(np.abs(got - ref) / np.abs(ref))
    if err > 1e-6:
        fail("two astrocytes coupled by a thresholded gap junction: %.3g relative from the coupled equations" % err)
    _, a0, _, _ = gap_run(tmp, "gap2u", 1, pops, both[:4], 20000.0)
    if not abs(a[-1, 0] - a[-1, 4]) < 0.8 * abs(a0[-1, 0] - a0[-1, 4]):
        fail("the gap junction did not bring the two astrocytes' IP3 closer: %.4g against %.4g uncoupled"
             % (abs(a[-1, 0] - a[-1, 4]), abs(a0[-1, 0] - a0[-1, 4])))
    # conservation: linear all to all between two populations
    pops = [("A", 3), ("B", 4)]
    lin = list(both)
    for pj in ("A-B", "B-A"):
        lin += ["-spiking_%s_gap_flux" % pj, "linear", "-spiking_%s_weight" % pj, 0.0005]
    _, a1, _, _ = gap_run(tmp, "gaplin", 1, pops, lin, 5000.0)
    _, a0, _, _ = gap_run(tmp, "gaplin0", 1, pops, both[:4], 5000.0)
    conserve(a1[:, 0::4], a0[:, 0::4], "linear, all to all")
    # a Poisson-driven population with symmetric random junctions, thresholded: conservation, ranks
    pops = [("A", 10)]
    drive = ["-spiking_A_poisson_rate", 2, "-spiking_A_poisson_weight", 1, "-spiking_A_delta_IP3", 0.2]
    sym = drive + ["-spiking_projections", "A-A", "-spiking_A-A_synapse", "gap_junction", "-spiking_A-A_rule",
                   "pairwise_bernoulli", "-spiking_A-A_p", 0.3, "-spiking_A-A_symmetric", "-spiking_A-A_weight", 0.005]
    ref = gap_run(tmp, "gapsym1", 1, pops, sym, 3000.0)
    _, a0, _, _ = gap_run(tmp, "gapsym0", 1, pops, drive, 3000.0)
    conserve(ref[1][:, 0::4], a0[:, 0::4], "thresholded, symmetric pairwise_bernoulli")
    for np_ in (2, 3, 4):
        got = gap_run(tmp, "gapsym%d" % (np_ + 10), np_, pops, sym, 3000.0)
        for k, what in enumerate(("time", "astrocyte traces", "totals", "astrocyte field")):
            if not np.array_equal(ref[k], got[k]):
                fail("gap junctions on %d ranks: the %s differ from 1 rank" % (np_, what))


def conserve(ip3, ip30, what):
    """The total IP3 of every sample (summed exactly here) against the uncoupled run's; the final spread."""
    total, total0 = (np.array([math.fsum(row) for row in x]) for x in (ip3, ip30))
    err = np.max(np.abs(total - total0) / np.abs(total0))
    if err > 1e-12:
        fail("gap junctions (%s): total IP3 differs from the uncoupled run's by %.3g relative" % (what, err))
    spread, spread0 = np.ptp(ip3[-1]), np.ptp(ip30[-1])
    if not spread < 0.8 * spread0:
        fail("gap junctions (%s): the spread of IP3 is %.4g, uncoupled %.4g" % (what, spread, spread0))


def check_splitting(tmp):
    """The slow step (-spiking_astro_dt) against one-step slow steps on the astrocyte_single protocol:
    with 1 ms and 10 ms the largest relative difference in Ca over 20 s stays within the stated bounds
    (2e-3 and 2e-2: the inputs wait at most one slow step), and a slow step of one neuron step is the
    default bit for bit."""
    times = poisson_times(1.0, 20000.0, 7)
    _, base = single(tmp, "split0", 1, [], times, T=20000.0)
    _, same = single(tmp, "split1", 1, ["-spiking_astro_dt", 0.1], times, T=20000.0)
    if not np.array_equal(base, same):
        fail("-spiking_astro_dt 0.1 differs from the default")
    for dt, bound in ((1.0, 2e-3), (10.0, 2e-2)):
        _, a = single(tmp, "split%g" % dt, 1, ["-spiking_astro_dt", dt], times, T=20000.0)
        err = np.max(np.abs(a[:, 1] - base[:, 1]) / base[:, 1])
        print("slow step %g ms: largest relative difference in Ca %.3g" % (dt, err))
        if err > bound:
            fail("slow step %g ms: Ca differs from one-step slow steps by %.3g relative, above %g" % (dt, err, bound))


def adex_reference(sic_in, w, nsub=10, C_m=281.0, g_L=30.0, E_L=-70.6, V_th=-50.4, Delta_T=2.0, tau_w=144.0, a=4.0,
                   I_e=0.0):
    """aeif_cond_alpha below threshold with no synaptic conductances, classical Runge-Kutta on nsub substeps
    per step, I_SIC of step s = w x the current that arrived in step s - 1 (NEST's I_SIC)."""
    def f(y, I):
        spike = g_L * Delta_T * math.exp((y[0] - V_th) / Delta_T)
        return np.array([(-g_L * (y[0] - E_L) + spike - y[1] + I_e + I) / C_m, (a * (y[0] - E_L) - y[1]) / tau_w])
    y, V, hold, hs = np.array([E_L, 0.0]), [], 0.0, H / nsub
    for s in range(len(sic_in)):
        for _ in range(nsub):
            k1 = f(y, hold)
            k2 = f(y + hs / 2 * k1, hold)
            k3 = f(y + hs / 2 * k2, hold)
            k4 = f(y + hs * k3, hold)
            y = y + hs / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        V.append(y[0])
        hold = w * sic_in[s]
    return np.array(V)


def check_sic(tmp):
    """An astrocyte with Ca above threshold sends its SIC through a projection (weight 7, delay 2 ms) to
    an aeif_cond_alpha neuron: the neuron's V_m at every step equals an independent integration driven
    by the astrocyte's recorded SIC shifted by the delay, held one step (NEST's timing), on 1 and 2
    ranks (astrocyte and neuron on different ranks)."""
    T, w, delay = 60.0, 7.0, 2.0
    for np_ in (1, 2):
        out = os.path.join(tmp, "sic%d.h5" % np_)
        run(np_, ["-model", "spiking", "-spiking_populations", "A:1,N:1", "-spiking_A_type", "astrocyte_lr_1994",
                  "-spiking_A_Ca_astro", 0.6, "-spiking_A_IP3", 2.0, "-spiking_N_type", "aeif_cond_alpha",
                  "-spiking_projections", "A-N", "-spiking_A-N_weight", w, "-spiking_A-N_delay", delay,
                  "-spiking_record_astro", 0, "-spiking_record_V", 1, "-monitor_every", 1, "-stepper_max_time", T,
                  "-quiet", "-o", out])
        with h5py.File(out, "r") as f:
            t, sic, V = f["time"][()], f["observables/astrocyte"][()][:, 3], f["observables/V_m"][()][:, 0]
        n = int(round(T / H))
        if len(t) != n + 1 or np.any(sic[1:] <= 0):
            fail("the SIC run has %d samples, SIC %s" % (len(t), sic[:4]))
        d = int(round(delay / H))
        arrived = np.zeros(n)  # the current arriving in step s: the SIC of step s - d
        arrived[d:] = sic[1:n - d + 1]
        ref = adex_reference(arrived, w)
        err = np.max(np.abs(V[1:] - ref))
        if err > 1e-9 or abs(V[-1] - V[1]) < 0.1:
            fail("%d ranks: V_m driven by the SIC differs from the reference by %.3g mV (it moved %.3g mV)"
                 % (np_, err, V[-1] - V[1]))


NET = ["-spiking_populations", "E:40,A:12", "-spiking_E_type", "aeif_cond_alpha", "-spiking_E_poisson_rate", 4000,
       "-spiking_E_poisson_weight", 1.0, "-spiking_E_tau_syn_ex", 2, "-spiking_E_tau_syn_in", 4,
       "-spiking_A_type", "astrocyte_lr_1994", "-spiking_A_delta_IP3", 0.01,
       "-spiking_A_IP3", 0.4, "-spiking_projections", "E-E,E-A,A-E", "-spiking_E-E_rule", "pairwise_bernoulli",
       "-spiking_E-E_p", 0.2, "-spiking_E-E_weight", 0.5, "-spiking_E-E_delay", 1.5, "-spiking_E-A_rule",
       "pairwise_bernoulli", "-spiking_E-A_p", 0.3, "-spiking_E-A_synapse", "tsodyks_markram", "-spiking_E-A_weight",
       1.0, "-spiking_A-E_rule", "fixed_indegree", "-spiking_A-E_indegree", 2, "-spiking_A-E_weight", 20,
       "-spiking_A-E_delay", 2.0, "-spiking_record_astro", "40,45,51", "-spiking_record_V", "0,39",
       "-monitor_every", 50]


def check_ranks(tmp):
    """A network of aeif_cond_alpha neurons and astrocytes coupled both ways (Tsodyks-Markram synapses
    into the astrocytes, SIC out of them) gives bit-identical spikes, calcium events, astrocyte traces,
    totals and fields on 1, 2, 3 and 4 ranks (each population split over the ranks), and its SICs are
    not all zero."""
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "net%d.h5" % np_)
        run(np_, ["-model", "spiking", "-stepper_max_time", 3000, "-quiet", "-o", out, "-spiking_A_Ca_threshold", 0.25]
            + NET)
        with h5py.File(out, "r") as f:
            got = {"E": f["spikes/E/timestamps"][()], "ids": f["spikes/E/node_ids"][()],
                   "events": f["spikes/A/timestamps"][()], "event_ids": f["spikes/A/node_ids"][()],
                   "total": f["observables/astrocyte_total"][()],
                   "astro": f["observables/astrocyte"][()], "V": f["observables/V_m"][()],
                   "state": f["state/astrocyte"][()], "I_SIC": f["state/I_SIC"][()]}
        if ref is None:
            ref = got
            if not np.any(got["astro"][:, 3::4] > 0) or len(got["E"]) < 100 or len(got["events"]) < 2:
                fail("the coupled network is vacuous: %d spikes, %d calcium events, largest SIC %g"
                     % (len(got["E"]), len(got["events"]), got["astro"][:, 3::4].max()))
            continue
        for k in ref:
            if not np.array_equal(ref[k], got[k]):
                fail("%d ranks: %s differs from 1 rank" % (np_, k))


TRI = ["-spiking_T_type", "aeif_cond_alpha", "-spiking_A_type", "astrocyte_lr_1994", "-spiking_projections",
       "S-T,S-A,A-T", "-spiking_S-T_rule", "pairwise_bernoulli", "-spiking_S-T_p", 0.2, "-spiking_S-T_third", "A",
       "-spiking_S-A_rule", "third", "-spiking_A-T_rule", "third", "-spiking_write_edges", "-stepper_max_time", 1,
       "-quiet"]


def edges(path):
    with h5py.File(path, "r") as f:
        return {p: np.stack([f["edges"][p][k][()] for k in ("source_node_id", "target_node_id")], axis=1).astype(np.int64)
                for p in f["edges"]}


def tripartite(tmp, name, np_, sizes, extra):
    out = os.path.join(tmp, name + ".h5")
    run(np_, ["-model", "spiking", "-spiking_populations", "S:%d,T:%d,A:%d" % sizes, "-o", out] + TRI + extra)
    return edges(out), out


def check_tripartite(tmp):
    """NEST's third_factor_bernoulli_with_pool (-spiking_S-T_third A): the pairings number p_primary
    p_third N_S N_T within 3 sigma on average over 5 seeds (4 sigma each); every pairing s -> a, a -> t rides on a synapse s -> t,
    and the astrocytes' inputs and outputs match one to one; no target meets more than pool_size
    astrocytes; block pools give NEST's blocks (pool_size 1: consecutive N_T/N_A targets share one;
    pool_size > 1: disjoint pools); the wiring is the same on 1 and 3 ranks; written edges read back
    through -rule file rebuild the same projection."""
    NS, NT, NA, pp, pt, pool = 200, 150, 40, 0.2, 0.5, 5
    mean, sd = pp * pt * NS * NT, math.sqrt(NS * NT * pp * pt * (1 - pp * pt))
    counts = []
    for seed in range(5):
        e, out = tripartite(tmp, "tri%d" % seed, 1, (NS, NT, NA), ["-spiking_S-T_p_third", pt, "-spiking_S-T_pool_size",
                                                                    pool, "-seed", seed + 1])
        st, sa, at = e["S-T"], e["S-A"], e["A-T"]
        counts.append(len(sa))
        if abs(len(sa) - mean) > 4 * sd or len(sa) != len(at):
            fail("seed %d: %d and %d tripartite pairs, expected %.0f +- %.0f" % (seed, len(sa), len(at), mean, 4 * sd))
        if not np.array_equal(np.bincount(sa[:, 1], minlength=NA), np.bincount(at[:, 0], minlength=NA)):
            fail("seed %d: the astrocytes' inputs and outputs do not pair up" % seed)
        prim = set(map(tuple, st))
        per_t = {}
        for a, t in at:
            per_t.setdefault(t, set()).add(a)
        if max(len(v) for v in per_t.values()) > pool:
            fail("seed %d: a target meets %d astrocytes, more than pool_size %d" % (seed, max(map(len, per_t.values())),
                                                                                    pool))
        # each pairing's source reaches the astrocyte's target through a primary synapse
        for t, srcs in ((t, set(sa[np.isin(sa[:, 1], list(v)), 0])) for t, v in list(per_t.items())[:20]):
            if not any((s_, t) in prim for s_ in srcs):
                fail("seed %d: target %d has astrocytes whose inputs are none of its sources" % (seed, t))
        if seed == 0:
            e3, _ = tripartite(tmp, "tri_3ranks", 3, (NS, NT, NA), ["-spiking_S-T_p_third", pt,
                                                                     "-spiking_S-T_pool_size", pool, "-seed", 1])
            for k in e:
                if not np.array_equal(e[k], e3[k]):
                    fail("tripartite edges %s differ on 3 ranks" % k)
            back = os.path.join(tmp, "back.h5")
            run(2, ["-model", "spiking", "-spiking_populations", "S:%d,T:%d" % (NS, NT), "-spiking_T_type",
                    "aeif_cond_alpha", "-spiking_projections", "S-T", "-spiking_S-T_rule", "file", "-spiking_S-T_file",
                    out, "-spiking_write_edges", "-stepper_max_time", 1, "-quiet", "-o", back])
            if not np.array_equal(edges(back)["S-T"], st):
                fail("edges written and read back through -rule file are not the same projection")
    if abs(np.mean(counts) - mean) > 3 * sd / math.sqrt(len(counts)):
        fail("%d tripartite pairs on average over seeds, expected %.0f +- %.0f" % (np.mean(counts), mean,
                                                                                 3 * sd / math.sqrt(len(counts))))
    e, _ = tripartite(tmp, "block1", 2, (NS, NT, 30), ["-spiking_S-T_pool_type", "block", "-spiking_S-T_pool_size", 1])
    if len(e["A-T"]) == 0 or np.any(e["A-T"][:, 0] != e["A-T"][:, 1] // 5):
        fail("block pools of size 1: target t must meet astrocyte t // 5 only")
    for a in range(30):  # then an astrocyte's inputs are sources of its block's targets
        srcs = set(e["S-A"][e["S-A"][:, 1] == a, 0])
        if not srcs <= set(e["S-T"][e["S-T"][:, 1] // 5 == a, 0]):
            fail("block pools of size 1: astrocyte %d has inputs that reach none of its targets" % a)
    e, _ = tripartite(tmp, "block4", 2, (NS, 10, 40), ["-spiking_S-T_pool_type", "block", "-spiking_S-T_pool_size", 4])
    a, t = e["A-T"][:, 0], e["A-T"][:, 1]
    if len(a) == 0 or np.any(a // 4 != t) or len(np.unique(a)) < 30:
        fail("block pools of size 4: target t must meet astrocytes 4t .. 4t + 3 (met %s)" % np.unique(a)[:10])
    # a pool map (-pool_type map): target t meets astrocyte map[t] alone, or none where it is -1, on any ranks
    amap = np.where(np.arange(40) % 3 == 1, -1, (np.arange(40) * 7) % 30).astype(np.int64)
    mapfile = os.path.join(tmp, "pool_map.h5")
    with h5py.File(mapfile, "w") as f:
        f["astrocyte"] = amap
    ref = None
    for np_ in (1, 3):
        e, _ = tripartite(tmp, "map%d" % np_, np_, (NS, 40, 30),
                          ["-spiking_S-T_pool_type", "map", "-spiking_S-T_pool_file", mapfile])
        st = [(s_, t_) for s_, t_ in e["S-T"].tolist() if amap[t_] >= 0]
        if (not st or sorted(map(tuple, e["A-T"].tolist())) != sorted((int(amap[t_]), t_) for s_, t_ in st)
                or sorted(map(tuple, e["S-A"].tolist())) != sorted((s_, int(amap[t_])) for s_, t_ in st)):
            fail("pool map on %d ranks: the pairs are not those of each target's mapped astrocyte" % np_)
        if ref is not None and any(not np.array_equal(ref[k], e[k]) for k in ref):
            fail("pool map: the pairs on 3 ranks differ from 1 rank's")
        ref = e


# Brian2's Stimberg et al. (2018) example 6: G-ChI astrocytes (s, uM; Y_T and G_T in mM)
GCHI = dict(O_P=0.9, K_P=0.05, C_T=2.0, rho_A=0.18, Omega_C=6.0, Omega_L=0.1, d_1=0.13, d_2=1.05, O_2=0.2,
            d_3=0.9434, d_5=0.08, O_beta=0.5, O_N=0.3, Omega_N=0.5, K_KC=0.5, zeta=10.0, O_delta=1.2,
            kappa_delta=1.5, K_delta=0.1, Omega_5P=0.05, K_D=0.7, K_3K=1.0, O_3K=4.5, Omega_c=40.0, rho_c=0.005,
            Y_T=500.0, C_Theta=0.5, Omega_A=0.6, U_A=0.6, G_T=200.0, rho_e=6.5e-4, Omega_e=60.0)
GCHI_Y0 = [0.01, 0.01, 0.9, 0.0, 1.0, 0.0]  # I, C, h, Gamma_A, x_A, G_A (uM)
GCHI_GLIO = dict(O_G=1.5, Omega_G=0.5 / 60)  # per uM per s, per s: the synapses' receptors (Brian2's example 6)


def gchi_rhs(t, y, Y, p=GCHI):
    """Brian2's example 6 astrocyte equations, written out again from its script, per ms (Y in uM)."""
    I, C, h, gam, xa, ga = y
    g = min(max(gam, 0.0), 1.0)
    j_beta = p["O_beta"] * gam
    j_delta = p["O_delta"] / (1 + I / p["kappa_delta"]) * C ** 2 / (C ** 2 + p["K_delta"] ** 2)
    j_3k = p["O_3K"] * C ** 4 / (C ** 4 + p["K_D"] ** 4) * I / (I + p["K_3K"])
    j_5p = p["Omega_5P"] * I
    m_inf = I / (I + p["d_1"]) * C / (C + p["d_5"])
    q2 = p["d_2"] * (I + p["d_1"]) / (I + p["d_3"])
    h_inf, tau_h = q2 / (q2 + C), 1 / (p["O_2"] * (q2 + C))
    j_r = p["Omega_C"] * m_inf ** 3 * h ** 3 * (p["C_T"] - (1 + p["rho_A"]) * C)
    j_l = p["Omega_L"] * (p["C_T"] - (1 + p["rho_A"]) * C)
    j_p = p["O_P"] * C ** 2 / (C ** 2 + p["K_P"] ** 2)
    d = [j_beta + j_delta - j_3k - j_5p, j_r + j_l - j_p, (h_inf - h) / tau_h,
         p["O_N"] * Y * (1 - g) - p["Omega_N"] * (1 + p["zeta"] * C / (C + p["K_KC"])) * g,
         p["Omega_A"] * (1 - xa), -p["Omega_e"] * ga]
    return np.array(d) / 1000.0


def rk4(y, Y, h):
    k1 = gchi_rhs(0, y, Y)
    k2 = gchi_rhs(0, y + h / 2 * k1, Y)
    k3 = gchi_rhs(0, y + h / 2 * k2, Y)
    k4 = gchi_rhs(0, y + h * k3, Y)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def gchi_reference(arrive, scale, k, nslow, method, p=GCHI):
    """The engine's splitting done again: the glutamate Y on the neurons' grid (Y e^{-Omega_c H} + scale
    x the step's arrived weight), held at its value at each slow step's start; the slow step by
    classical RK4 (Brian2's method) or DOP853 at rtol 1e-12; gliotransmitter release where C rose past
    C_Theta over a slow step.  Returns the state and held Y after every slow step, and the release steps."""
    y, Y, held = np.array(GCHI_Y0), 0.0, 0.0
    decay = math.exp(-p["Omega_c"] / 1000 * H)
    out, rel = np.empty((nslow, 7)), []
    for s in range(nslow):
        if method == "rk4":
            new = rk4(y, held, k * H)
        else:
            new = solve_ivp(gchi_rhs, (0, k * H), y, args=(held,), method="DOP853", rtol=1e-12, atol=1e-14).y[:, -1]
        for t in range(s * k, (s + 1) * k):
            Y = Y * decay + scale * arrive.get(t, 0.0)
        if y[1] <= p["C_Theta"] < new[1]:
            new[5] += p["rho_e"] * p["G_T"] * 1000 * p["U_A"] * new[4]
            new[4] -= p["U_A"] * new[4]
            rel.append(s)
        y, held = new, Y
        out[s, :6], out[s, 6] = y, held
    return out, rel


def gchi_single(tmp, name, extra, times, astro_dt, T):
    out = os.path.join(tmp, name + ".h5")
    run(1, ["-model", "spiking", "-spiking_populations", "G:3,A:1", "-spiking_G_type", "spike_generator",
            "-spiking_G_spike_times", ",".join("%.1f" % x for x in times), "-spiking_A_type", "astrocyte_gchi",
            "-spiking_projections", "G-A", "-spiking_G-A_rule", "all_to_all", "-spiking_G-A_weight", 1,
            "-spiking_record_astro", 3, "-spiking_astro_dt", astro_dt, "-monitor_every", 100,
            "-stepper_max_time", T, "-quiet", "-o", out] + extra)
    with h5py.File(out, "r") as f:
        return f["time"][()], f["observables/astrocyte"][()], f["spikes/A/timestamps"][()]


def check_gchi(tmp):
    """One astrocyte_gchi astrocyte (Brian2's example 6 parameters) fed by three spike generators at
    20 Hz from 1 s to 10 s: I, C, h, Gamma_A, x_A, G_A and the held glutamate at every 10 ms sample
    equal an independent integration of Brian2's equations with the same splitting, by classical RK4
    at Brian2's 10 ms step (to 1e-12 relative: the same method; measured 3e-15) and by DOP853 at a
    0.5 ms step (to 1e-5, RK4's own error there, largest in Gamma_A just after each arrival: measured
    2.3e-6, 1e-7 in I and C); its gliotransmitter releases are recorded as its spikes exactly where C
    rose past C_Theta (at least one); the glutamate is the mean over its three synapses
    (-spiking_A_glutamate_mean, Brian2's Y_S/N_incoming) or, when asked, their sum (weights 1/3)."""
    times = [1000.0 + 50 * k for k in range(180)]
    arrive = {}
    for s in times:  # fired in the step that ends at s, taken in the step that ends one delay (1 ms) later
        arrive[int(round((s + 1.0) / H)) - 1] = 3.0
    scale = GCHI["rho_c"] * GCHI["Y_T"] * 1000
    for name, dt, method, extra, sc, T, tol in (
            ("rk4", 10, "rk4", [], scale / 3, 20000.0, 1e-12),
            ("sum", 10, "rk4", ["-spiking_A_glutamate_mean", "false", "-spiking_G-A_weight", 1 / 3.0], scale / 3,
             20000.0, 1e-12),
            ("dop853", 0.5, "dop853", [], scale / 3, 8000.0, 1e-5)):
        k = int(round(dt / H))
        t, a, ev = gchi_single(tmp, "gchi_" + name, extra, times, dt, T)
        ref, rel = gchi_reference(arrive, sc, k, int(round(T / dt)), method)
        at = np.round(t[1:] / dt).astype(int) - 1  # the slow step each sample (after the first) ends
        got = np.delete(a[1:], 3, axis=1)  # (the SIC, 0 for G-ChI)
        if np.any(a[:, 3] != 0):
            fail("gchi %s: an astrocyte_gchi sent a slow inward current" % name)
        for c, var in enumerate(("I", "C", "h", "Gamma_A", "x_A", "G_A", "Y held")):
            r = ref[at, c]
            err = np.max(np.abs(got[:, c] - r) / np.maximum(np.abs(r), 1e-3))
            if err > tol:
                i = int(np.argmax(np.abs(got[:, c] - r) / np.maximum(np.abs(r), 1e-3)))
                fail("gchi %s: %s at t = %g ms is %.12g, the reference %.12g (relative %.3g > %g)"
                     % (name, var, t[i + 1], got[i, c], r[i], err, tol))
        want = (np.array(rel) + 1) * dt
        if not rel or len(ev) != len(rel) or np.max(np.abs(ev - want)) > 1e-9:
            fail("gchi %s: gliotransmitter releases at %s ms, the reference's at %s ms (at least one needed)"
                 % (name, list(ev), list(want)))


NETG = ["-spiking_populations", "E:60,I:15,A:16", "-spiking_E_type", "coba_lif", "-spiking_E_I_e", 150,
        "-spiking_E_V_m_uniform", "-60,-50", "-spiking_I_type", "coba_lif", "-spiking_I_I_e", 120,
        "-spiking_A_type", "astrocyte_gchi", "-spiking_A_I", 1.0, "-spiking_A_C", 0.3,
        "-spiking_projections", "E-E,E-A,E-I,I-E,A-A", "-spiking_E-E_rule", "pairwise_bernoulli", "-spiking_E-E_p", 0.1,
        "-spiking_E-E_weight", 0.5, "-spiking_E-E_synapse", "tsodyks_markram", "-spiking_E-E_third", "A",
        "-spiking_E-E_p_third", 0.5, "-spiking_E-E_pool_size", 4, "-spiking_E-A_rule", "third",
        "-spiking_E-A_synapse", "tsodyks_markram", "-spiking_E-I_rule", "pairwise_bernoulli", "-spiking_E-I_p", 0.2,
        "-spiking_E-I_weight", 0.5, "-spiking_I-E_rule", "pairwise_bernoulli", "-spiking_I-E_p", 0.3,
        "-spiking_I-E_weight", -2, "-spiking_A-A_synapse", "gap_junction", "-spiking_A-A_rule", "pairwise_bernoulli",
        "-spiking_A-A_p", 0.25, "-spiking_A-A_symmetric", "-spiking_A-A_weight", 9e-5, "-spiking_astro_dt", 10,
        "-spiking_record_astro", "75,80,90", "-monitor_every", 100]
GLIO = ["-spiking_E-E_glio_alpha", 0.2, "-spiking_A_G_A", 0.01]  # gliotransmission from the start


def check_gchi_ranks(tmp):
    """A COBA network whose excitatory Tsodyks-Markram synapses are tripartite with G-ChI astrocytes
    (NEST's third-factor rule: each such synapse's releases become its astrocyte's glutamate), the
    astrocytes coupled by Brian2's thresholded gap junctions and modulating the release of the synapses
    they cover (gliotransmission: each synapse's own u and x, Gamma_S held from its astrocyte's rank;
    half of the synapses have no astrocyte), gives bit-identical spikes,
    gliotransmitter releases, astrocyte traces, totals and state on 1, 2, 3 and 4 ranks, and is not
    vacuous (releases, glutamate, gap junctions)."""
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "gnet%d.h5" % np_)
        p = run(np_, ["-model", "spiking", "-stepper_max_time", 3000, "-o", out] + NETG + GLIO)
        with h5py.File(out, "r") as f:
            got = {k: f[k][()] for k in ("spikes/E/timestamps", "spikes/E/node_ids", "spikes/I/timestamps",
                                         "spikes/A/timestamps", "spikes/A/node_ids", "observables/astrocyte",
                                         "observables/astrocyte_total", "state/astrocyte", "state/V_m")}
        if ref is None:
            ref = got
            astro = got["observables/astrocyte"]
            if (len(got["spikes/A/timestamps"]) < 1 or not np.any(astro[:, 7::9] > 0) or not np.any(astro[:, 8::9] > 0.1)
                    or " gap junctions between astrocytes" not in p.stdout or len(got["spikes/E/timestamps"]) < 100):
                fail("the G-ChI network is vacuous: %d releases, largest glutamate %g uM, Gamma_S %g, %d spikes"
                     % (len(got["spikes/A/timestamps"]), astro[:, 7::9].max(), astro[:, 8::9].max(),
                        len(got["spikes/E/timestamps"])))
            continue
        for k in ref:
            if not np.array_equal(ref[k], got[k]):
                fail("G-ChI network on %d ranks: %s differs from 1 rank" % (np_, k))


BRIAN2_GCHI = """
dGamma_A/dt = O_N * Y_S * (1 - clip(Gamma_A,0,1)) - Omega_N*(1 + zeta * C/(C + K_KC)) * clip(Gamma_A,0,1) : 1
dI/dt = J_beta + J_delta - J_3K - J_5P : mmolar
J_beta = O_beta * Gamma_A : mmolar/second
J_delta = O_delta/(1 + I/kappa_delta) * C**2/(C**2 + K_delta**2) : mmolar/second
J_3K = O_3K * C**4/(C**4 + K_D**4) * I/(I + K_3K) : mmolar/second
J_5P = Omega_5P*I : mmolar/second
dC/dt = J_r + J_l - J_p : mmolar
dh/dt = (h_inf - h)/tau_h : 1
J_r = (Omega_C * m_inf**3 * h**3) * (C_T - (1 + rho_A)*C) : mmolar/second
J_l = Omega_L * (C_T - (1 + rho_A)*C) : mmolar/second
J_p = O_P * C**2/(C**2 + K_P**2) : mmolar/second
m_inf = I/(I + d_1) * C/(C + d_5) : 1
h_inf = Q_2/(Q_2 + C) : 1
tau_h = 1/(O_2 * (Q_2 + C)) : second
Q_2 = d_2 * (I + d_1)/(I + d_3) : mmolar
dx_A/dt = Omega_A * (1 - x_A) : 1
dG_A/dt = -Omega_e*G_A : mmolar
Y_S : mmolar
"""


def check_gchi_brian2(tmp):
    """check_gchi's astrocyte against Brian2 itself (Debian's python3-brian, its numpy target): the
    astrocyte equations of Stimberg et al.'s example 6 as its script writes them, rk4 at 10 ms, the
    glutamate of three synapses (clock-driven Y_S at 0.1 ms, its mean as a summed variable) and the
    release as its threshold, refractory condition and reset.  Every state variable at every 10 ms
    sample agrees to 1e-11 relative over 20 s (measured 4e-14), and so do the releases, once two
    conventions are matched: a spike time t is the step that ends at t here (NEST's) and the one that
    starts at t in Brian2, so the engine's generators fire at t + 0.1 ms; a release is stamped with
    the end of its slow step here and its start in Brian2.  Skipped (exit 77) without Brian2."""
    try:
        import brian2 as b2
    except ImportError:
        print("astro_gchi_brian2: skipped, Brian2 is not installed (Debian: apt-get install python3-brian)")
        sys.exit(77)
    times = np.array([1000.0 + 50 * k for k in range(180)])
    T, dt = 20000.0, 10.0
    t, a, ev = gchi_single(tmp, "gchi_b2", [], list(times + H), dt, T)
    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = H * b2.ms
    ns = {k: v for k, v in GCHI.items()}
    units = dict(O_P=b2.umolar / b2.second, K_P=b2.umolar, C_T=b2.umolar, Omega_C=1 / b2.second,
                 Omega_L=1 / b2.second, d_1=b2.umolar, d_2=b2.umolar, O_2=1 / b2.umolar / b2.second, d_3=b2.umolar,
                 d_5=b2.umolar, O_beta=b2.umolar / b2.second, O_N=1 / b2.umolar / b2.second, Omega_N=1 / b2.second,
                 K_KC=b2.umolar, O_delta=b2.umolar / b2.second, kappa_delta=b2.umolar, K_delta=b2.umolar,
                 Omega_5P=1 / b2.second, K_D=b2.umolar, K_3K=b2.umolar, O_3K=b2.umolar / b2.second,
                 Omega_c=1 / b2.second, Y_T=b2.mmolar, C_Theta=b2.umolar, Omega_A=1 / b2.second, G_T=b2.mmolar,
                 Omega_e=1 / b2.second)
    for k, u in units.items():
        ns[k] = GCHI[k] * u
    gen = b2.SpikeGeneratorGroup(3, np.repeat(np.arange(3), len(times)), np.tile(times, 3) * b2.ms)
    astro = b2.NeuronGroup(1, BRIAN2_GCHI, threshold="C>C_Theta", refractory="C>C_Theta",
                           reset="G_A += rho_e * G_T * U_A * x_A\nx_A -= U_A * x_A", method="rk4", dt=dt * b2.ms,
                           namespace=ns)
    astro.C, astro.h, astro.I, astro.x_A = 0.01 * b2.umolar, 0.9, 0.01 * b2.umolar, 1.0
    syn = b2.Synapses(gen, gen, "dY_S/dt = -Omega_c * Y_S : mmolar (clock-driven)", on_pre="Y_S += rho_c * Y_T",
                      method="exact", delay=1 * b2.ms, namespace=ns)
    syn.connect(j="i")
    ecs = b2.Synapses(syn, astro, "Y_S_post = Y_S_pre/N_incoming : mmolar (summed)")
    ecs.connect()
    mon = b2.StateMonitor(astro, ["I", "C", "h", "Gamma_A", "x_A", "G_A"], record=0, dt=dt * b2.ms)
    spk = b2.SpikeMonitor(astro)
    b2.run(T * b2.ms, namespace=ns)
    ref = np.array([mon.I[0] / b2.umolar, mon.C[0] / b2.umolar, mon.h[0], mon.Gamma_A[0], mon.x_A[0],
                    mon.G_A[0] / b2.umolar]).T
    n = len(ref)
    got = a[:n][:, [0, 1, 2, 4, 5, 6]]
    if n < T / dt or not np.allclose(t[:n], mon.t / b2.ms, rtol=0, atol=1e-9):
        fail("gchi_brian2: Brian2's samples (%d) do not line up with the engine's" % n)
    for c, var in enumerate(("I", "C", "h", "Gamma_A", "x_A", "G_A")):
        err = np.abs(got[:, c] - ref[:, c]) / np.maximum(np.abs(ref[:, c]), 1e-3)
        if err.max() > 1e-11:
            i = int(np.argmax(err))
            fail("gchi_brian2: %s at t = %g ms is %.15g here, %.15g in Brian2 (relative %.3g)"
                 % (var, t[i], got[i, c], ref[i, c], err[i]))
    b2ev = np.asarray(spk.t / b2.ms)
    if len(b2ev) < 2 or len(ev) != len(b2ev) or np.max(np.abs(ev - (b2ev + dt))) > 1e-9:
        fail("gchi_brian2: releases at %s ms here, Brian2's at %s ms (+ one slow step; at least two)"
             % (list(ev), list(b2ev)))


def glio_single(tmp, name, extra, times, T):
    """spike generator G -> T (an iaf_psc_delta that only integrates: tau_m 1e15 ms, V_th 1e9 mV), a
    tripartite Tsodyks-Markram synapse whose astrocyte A (G-ChI) starts with 50 uM of gliotransmitter;
    V of T, and A (Gamma_S last) at every 1-ms window"""
    out = os.path.join(tmp, name + ".h5")
    run(1, ["-model", "spiking", "-spiking_populations", "G:1,T:1,A:1", "-spiking_G_type", "spike_generator",
            "-spiking_G_spike_times", ",".join("%.1f" % x for x in times), "-spiking_T_tau_m", 1e15,
            "-spiking_T_V_th", 1e9, "-spiking_A_type", "astrocyte_gchi", "-spiking_A_G_A", 0.05,
            "-spiking_projections", "G-T,G-A", "-spiking_G-T_rule", "all_to_all", "-spiking_G-T_weight", 2.0,
            "-spiking_G-T_synapse", "tsodyks_markram", "-spiking_G-T_third", "A", "-spiking_G-A_rule", "third",
            "-spiking_G-A_synapse", "tsodyks_markram", "-spiking_record_astro", 2, "-spiking_record_V", 1,
            "-spiking_astro_dt", 10, "-monitor_every", 10, "-stepper_max_time", T, "-quiet", "-o", out] + extra)
    with h5py.File(out, "r") as f:
        return f["time"][()], f["observables/V_m"][()][:, 0], f["observables/astrocyte"][()]


def check_glio(tmp):
    """Gliotransmission (-spiking_<P>_glio_alpha, Brian2's example 6 synapses): (1) with a constant
    G_A (Omega_e 0) the Gamma_S of the synapses an astrocyte covers reaches O_G G_A/(O_G G_A + Omega_G)
    (the research note's check, to 1e-12) and every 10-ms slow step advances it by the exact solution
    with the G_A after the previous step (1e-13); (2) a tripartite synapse's released fractions equal an
    independent Tsodyks-Markram computed here from the spike times with U_0 = (1 - Gamma_S) U_0* +
    alpha Gamma_S, Gamma_S as held (the value after the last slow step before the spike's 1-ms window):
    the target's integrated V at every window to 1e-12 mV, for release-decreasing and -increasing alpha,
    and it differs from the unmodulated synapse by more than 0.05 mV; (3) with O_G 0 the modulated path
    gives the unmodulated network's spikes bit for bit."""
    O_G, Omega_G = GCHI_GLIO["O_G"] / 1000, GCHI_GLIO["Omega_G"] / 1000  # per ms
    times = [20.0 + 37.3 * k for k in range(60)]
    T = 2500.0
    t, V, a = glio_single(tmp, "glio_const", ["-spiking_A_Omega_e", 0, "-spiking_G-T_glio_alpha", 0,
                                              "-spiking_G-A_weight", 0], times, T)  # (no glutamate: no release)
    G_A, gam = a[:, 6], a[:, 8]
    inf = O_G * 50 / (O_G * 50 + Omega_G)
    if np.any(G_A != 50):
        fail("glio: G_A was to stay at 50 uM (Omega_e 0, no release); it reached %g" % G_A.max())
    if abs(gam[-1] - inf) > 1e-12:
        fail("glio: with a constant G_A of 50 uM Gamma_S ends at %.15g, not O_G G_A/(O_G G_A + Omega_G) = %.15g"
             % (gam[-1], inf))
    for alpha in (0.0, 0.95):
        t, V, a = glio_single(tmp, "glio_%g" % alpha, ["-spiking_G-T_glio_alpha", alpha], times, T)
        G_A, gam = a[:, 6], a[:, 8]
        slow = np.flatnonzero(np.abs(t / 10 - np.round(t / 10)) < 1e-9)  # the samples at slow-step ends
        for i, j in zip(slow[:-1], slow[1:]):
            k = O_G * G_A[i] + Omega_G
            want = O_G * G_A[i] / k + (gam[i] - O_G * G_A[i] / k) * math.exp(-k * 10)
            if abs(gam[j] - want) > 1e-13:
                fail("glio alpha %g: Gamma_S at t = %g ms is %.15g, the exact step from %g ms %.15g"
                     % (alpha, t[j], gam[j], t[i], want))
        # the synapse: u, x between spikes exactly; U_0 from the Gamma_S held over the spike's window
        held = {int(round(tt * 10)): g for tt, g in zip(t, gam)}
        u, x, last, w, U0s, arrive = 0.0, 1.0, None, 2.0, 0.6, {}
        ref0 = []
        for s in times:
            step = int(round(s / H))  # fired in the step that ends at s (step - 1 .. step)
            win = (step - 1) // 10 * 10
            g = held[win // 100 * 100]
            if last is not None:
                gap = (step - last) * H
                u, x = u * math.exp(-gap / (1000 / 3.33)), 1 + (x - 1) * math.exp(-gap / 500)
            last = step
            u += ((1 - g) * U0s + alpha * g) * (1 - u)
            r = u * x
            x -= r
            arrive[step + 10] = arrive.get(step + 10, 0) + w * r  # taken in the step that ends 1 ms later
            ref0.append(r)
        steps = np.round(t / H).astype(int)
        want = np.array([-70 + sum(v for st, v in arrive.items() if st <= sp) for sp in steps])
        err = np.max(np.abs(V - want))
        if err > 1e-9:
            i = int(np.argmax(np.abs(V - want)))
            fail("glio alpha %g: V of the target at t = %g ms is %.15g, the modulated Tsodyks-Markram's %.15g"
                 % (alpha, t[i], V[i], want[i]))
        t0, V0, _ = glio_single(tmp, "glio_off", [], times, T)
        if not abs(V0[-1] - V[-1]) > 0.05:
            fail("glio alpha %g: the modulation is vacuous (V %g with it, %g without)" % (alpha, V[-1], V0[-1]))
    ref = None
    for extra in ([], ["-spiking_E-E_glio_alpha", 0, "-spiking_A_O_G", 0]):
        out = os.path.join(tmp, "glio_net.h5")
        run(1, ["-model", "spiking", "-stepper_max_time", 2000, "-quiet", "-o", out] + NETG + extra)
        with h5py.File(out, "r") as f:
            got = [f[k][()] for k in ("spikes/E/timestamps", "spikes/E/node_ids", "spikes/A/timestamps")]
        if ref is not None and not all(np.array_equal(p, q) for p, q in zip(ref, got)):
            fail("glio: with O_G 0 the modulated synapses' spikes differ from the unmodulated network's")
        ref = got


def cell_laplacian(n, b):
    """The graph Laplacian (sum over links of other - own) of one cell of n compartments, compartment k > 0
    linked to (k - 1) // b: MODELS.md's diffusion along a morphology, written again here."""
    L = np.zeros((n, n))
    for k in range(1, n):
        q = (k - 1) // b
        L[k, q] += 1
        L[q, k] += 1
        L[k, k] -= 1
        L[q, q] -= 1
    return L


def cells_run(tmp, name, np_, extra, T=1000.0):
    """Astrocytes with processes and no input: a binary tree of 24 compartments and a chain of 24 (two
    populations), initial IP3 and Ca drawn per compartment, Ca's kinetics off (pure diffusion) unless extra
    says; every compartment recorded every 10 ms."""
    out = os.path.join(tmp, name + ".h5")
    args = ["-model", "spiking", "-spiking_populations", "A:24,B:24", "-spiking_record_astro",
            ",".join(map(str, range(48))), "-monitor_every", 10, "-stepper_max_time", T, "-quiet", "-o", out]
    for P, b in (("A", 2), ("B", 1)):
        args += ["-spiking_%s_type" % P, "astrocyte_lr_1994", "-spiking_%s_cell_size" % P, 24,
                 "-spiking_%s_branching" % P, b, "-spiking_%s_D_IP3" % P, 0.05, "-spiking_%s_D_Ca" % P, 0.02,
                 "-spiking_%s_IP3_uniform" % P, "0.1,1.5", "-spiking_%s_Ca_uniform" % P, "0.05,0.8"]
        for k in ("rate_IP3R", "rate_L", "rate_SERCA"):
            args += ["-spiking_%s_%s" % (P, k), 0]
    run(np_, args + extra)
    with h5py.File(out, "r") as f:
        return f["time"][()], f["observables/astrocyte"][()], f["observables/astrocyte_total"][()], f["state/astrocyte"][()]


def check_compartments(tmp):
    """Astrocytes with processes (-spiking_<A>_cell_size, _branching, _D_IP3, _D_Ca): IP3 and Ca diffuse along
    each cell's links.  With Ca's kinetics off, total Ca is conserved to round-off and total IP3 - IP3_0 decays
    as e^{-t/tau_IP3} (diffusion moves it, never makes or loses it); every compartment's IP3 and Ca follow the
    exact solution of the linear system (a matrix exponential of the cell's Laplacian, done here) to 1e-8; on the
    chain the slowest Fourier mode cos(pi (j + 1/2)/n) decays at its analytic rate 1/tau_IP3 + D (2 - 2 cos(pi/n))
    to 1e-9 relative; the same bits on 1-4 ranks, also with symmetric gap junctions between the cells; D 0 is
    the point astrocytes' trajectory bit for bit.  Stiff diffusion (D 2 and 1 per ms at a 1-ms slow step, beyond the
    explicit bound) with ARKIMEX, the diffusion implicit: total Ca conserved to 1e-12, the exact solution to 1e-4
    and the slowest mode's rate to 1e-5 from 10 ms on, 3 ranks within 1e-12 of 1 (conjugate gradients' sums).  Each synapse its own compartment (-pool_type synapse): the
    k-th synapse onto a target in draw order feeds and is fed by its own compartment, on 1 and 3 ranks."""
    from scipy.linalg import expm
    t, a, tot, st = cells_run(tmp, "cells1", 1, [])
    ip3, ca = a[:, 0::4], a[:, 1::4]
    dca = np.max(np.abs(tot[:, 1] + tot[:, 3] - (tot[0, 1] + tot[0, 3])))
    c0 = math.fsum(ca[0])
    drift = max(abs(math.fsum(row) - c0) for row in ca) / c0
    if drift > 1e-13:
        fail("compartments, pure diffusion: total Ca drifts by %.3g relative" % drift)
    if dca > 48 * 2.0 ** -32:  # (each value rounded to 2^-32 uM in the exact sum)
        fail("compartments: the astrocyte_total series' Ca moves by %.3g uM under pure diffusion" % dca)
    tau, I0 = LR["tau_IP3"], LR["IP3_0"]
    dev = np.array([math.fsum(row - I0) for row in ip3])
    err = np.max(np.abs(dev - dev[0] * np.exp(-t / tau)) / abs(dev[0]))
    if err > 1e-10:
        fail("compartments: total IP3 - IP3_0 departs from e^{-t/tau_IP3} by %.3g relative" % err)
    worst = 0.0
    for c, b in ((0, 2), (1, 1)):
        L = cell_laplacian(24, b)
        sl = slice(24 * c, 24 * c + 24)
        for k, tk in enumerate(t):
            wi = I0 + expm(tk * (0.05 * L - np.eye(24) / tau)) @ (ip3[0, sl] - I0)
            wc = expm(tk * 0.02 * L) @ ca[0, sl]
            worst = max(worst, np.max(np.abs(ip3[k, sl] - wi) / wi), np.max(np.abs(ca[k, sl] - wc) / wc))
    if worst > 1e-8:  # (classical Runge-Kutta's own error: 1.2e-9 at this 0.1 ms step, 1.9e-8 at 0.2 ms)
        fail("compartments: IP3 and Ca depart from the exact solution of the diffusion by %.3g relative" % worst)
    mode = np.cos(np.pi * (np.arange(24) + 0.5) / 24)
    amp = (ip3[:, 24:] - I0) @ mode
    rate = 1 / tau + 0.05 * (2 - 2 * np.cos(np.pi / 24))
    err = np.max(np.abs(amp / amp[0] - np.exp(-rate * t))[1:] / np.exp(-rate * t)[1:])
    if err > 1e-9 or not np.ptp(ip3[-1, 24:]) < 0.5 * np.ptp(ip3[0, 24:]):
        fail("compartments, chain: the slowest mode decays %.3g relative off its analytic rate" % err)
    # the same bits on any number of ranks, with gap junctions between the cells too
    gap = ["-spiking_projections", "A-B", "-spiking_A-B_synapse", "gap_junction", "-spiking_A-B_rule",
           "pairwise_bernoulli", "-spiking_A-B_p", 0.2, "-spiking_A-B_symmetric", "-spiking_A-B_gap_flux", "linear",
           "-spiking_A-B_weight", 0.01]
    ref = cells_run(tmp, "cellsg1", 1, gap, T=300.0)
    for np_ in (2, 3, 4):
        got = cells_run(tmp, "cellsg%d" % np_, np_, gap, T=300.0)
        for k, what in enumerate(("time", "traces", "totals", "state")):
            if not np.array_equal(ref[k], got[k]):
                fail("compartments with gap junctions on %d ranks: the %s differ from 1 rank" % (np_, what))
    c0 = math.fsum(ref[1][0, 1::4])
    if max(abs(math.fsum(row) - c0) for row in ref[1][:, 1::4]) / c0 > 1e-13:
        fail("compartments with gap junctions: total Ca not conserved")
    dev = np.array([math.fsum(row - I0) for row in ref[1][:, 0::4]])
    if np.max(np.abs(dev - dev[0] * np.exp(-ref[0] / tau)) / abs(dev[0])) > 1e-10:
        fail("compartments with gap junctions: total IP3 - IP3_0 departs from e^{-t/tau_IP3}")
    # no diffusion: the point astrocytes' trajectories bit for bit
    nod = cells_run(tmp, "cellsd0", 2, ["-spiking_A_D_IP3", 0, "-spiking_A_D_Ca", 0, "-spiking_B_D_IP3", 0,
                                        "-spiking_B_D_Ca", 0], T=300.0)
    pt = cells_run(tmp, "cellspt", 1, ["-spiking_A_cell_size", 1, "-spiking_B_cell_size", 1], T=300.0)
    if not np.array_equal(nod[1], pt[1]):
        fail("compartments with D = 0: not the point astrocytes' trajectories")
    # stiff diffusion (D 2 and 1 per ms at a 1 ms slow step: beyond the explicit bound, refused without arkimex)
    stiff = ["-spiking_A_D_IP3", 2, "-spiking_A_D_Ca", 1, "-spiking_B_D_IP3", 2, "-spiking_B_D_Ca", 1,
             "-spiking_astro_dt", 1, "-spiking_astro_ts_type", "arkimex"]
    t, a, _, _ = cells_run(tmp, "stiff1", 1, stiff, T=200.0)
    ip3, ca = a[:, 0::4], a[:, 1::4]
    c0 = math.fsum(ca[0])
    drift = max(abs(math.fsum(row) - c0) for row in ca) / c0
    if drift > 1e-12:
        fail("compartments, ARKIMEX: total Ca drifts by %.3g relative" % drift)
    late, worst = t >= 10, 0.0
    for c, b in ((0, 2), (1, 1)):
        L = cell_laplacian(24, b)
        sl = slice(24 * c, 24 * c + 24)
        for k in np.flatnonzero(late):
            wi = I0 + expm(t[k] * (2.0 * L - np.eye(24) / tau)) @ (ip3[0, sl] - I0)
            wc = expm(t[k] * 1.0 * L) @ ca[0, sl]
            worst = max(worst, np.max(np.abs(ip3[k, sl] - wi) / wi), np.max(np.abs(ca[k, sl] - wc) / wc))
    amp = (ip3[:, 24:] - I0) @ mode
    rate = 1 / tau + 2.0 * (2 - 2 * np.cos(np.pi / 24))
    merr = np.max((np.abs(amp / amp[0] - np.exp(-rate * t)) / np.exp(-rate * t))[late])
    if worst > 1e-4 or merr > 1e-5:  # (measured 2.5e-5 and 3.5e-6: the third-order method's own error)
        fail("compartments, ARKIMEX: %.3g off the exact solution from 10 ms on, the slowest mode %.3g off its rate"
             % (worst, merr))
    t3, a3, _, _ = cells_run(tmp, "stiff3", 3, stiff, T=200.0)
    if np.max(np.abs(a3 - a)) > 1e-12:
        fail("compartments, ARKIMEX: 3 ranks differ from 1 by %.3g (beyond the solver's tolerance)"
             % np.max(np.abs(a3 - a)))
    # each synapse its own compartment
    syn = ["-model", "spiking", "-spiking_populations", "S:20,T:10,A:50", "-spiking_S_type", "iaf_psc_delta",
           "-spiking_S_poisson_rate", 50, "-spiking_S_poisson_weight", 20, "-spiking_T_type", "aeif_cond_alpha",
           "-spiking_A_type", "astrocyte_lr_1994", "-spiking_A_cell_size", 25, "-spiking_A_delta_IP3", 0.05,
           "-spiking_projections", "S-T,S-A,A-T", "-spiking_S-T_rule", "fixed_indegree", "-spiking_S-T_indegree", 5,
           "-spiking_S-T_third", "A", "-spiking_S-T_pool_type", "synapse", "-spiking_S-A_rule", "third",
           "-spiking_A-T_rule", "third", "-spiking_A-T_weight", 1, "-spiking_write_edges", "-stepper_max_time", 300,
           "-spiking_astro_dt", 1, "-quiet"]
    outs = []
    for np_ in (1, 3):
        out = os.path.join(tmp, "syn%d.h5" % np_)
        run(np_, syn + ["-o", out])
        outs.append(out)
    e = edges(outs[0])
    sa, at, st_ = e["S-A"], e["A-T"], e["S-T"]
    if not (np.array_equal(np.sort(sa[:, 1]), np.arange(50)) and np.array_equal(np.sort(at[:, 0]), np.arange(50))):
        fail("pool_type synapse: not one input and one output per compartment")
    at_t = dict((int(c), int(t_)) for c, t_ in at)
    src = dict((int(c), int(s_)) for s_, c in sa)
    for tgt in range(10):
        mine = [c for c in range(50) if at_t[c] == tgt]
        if mine != list(range(5 * tgt, 5 * tgt + 5)):
            fail("pool_type synapse: target %d's compartments are %s" % (tgt, mine))
        if sorted(src[c] for c in mine) != sorted(st_[st_[:, 1] == tgt, 0].tolist()):
            fail("pool_type synapse: target %d's compartments are not fed by its synapses' sources" % tgt)
    with h5py.File(outs[0], "r") as f0, h5py.File(outs[1], "r") as f1:
        for k in ("state/astrocyte", "state/V_m"):
            if not np.array_equal(f0[k][()], f1[k][()]):
                fail("pool_type synapse: %s differs between 1 and 3 ranks" % k)
        if not np.max(f0["state/astrocyte"][()][20:, 0]) > LR["IP3_0"] + 0.01:
            fail("pool_type synapse: the compartments received no input")


def check_morphology(tmp):
    """Astrocytes with processes whose links come from a network file (-spiking_<A>_morphology_file: one member per
    process of `tripart generate`'s spatial network, linked as its /morphology): with Ca's kinetics off the final IP3
    and Ca of every compartment equal the exact solution of the diffusion on the file's graph (a matrix exponential
    of its Laplacian, written here) to 1e-8, total Ca conserved to 1e-13, the same bits on 1 and 3 ranks.  The whole
    M1 network as a spiking one: its synapses as SONATA edges (-rule file) with -pool_type synapse give synapse s
    process s (its input comes from the synapse's source).  A file of the wrong size, asymmetric links, a link to
    itself, an index out of range, no /morphology, or both a file and -cell_size are refused naming the file."""
    from scipy.linalg import expm
    net = os.path.join(tmp, "net.h5")
    p = subprocess.run([sys.argv[1], "generate", "-connectivity", "spatial", "-N", "40", "-degree", "4", "-spatial_dim",
                        "2", "-spatial_tiles", "2", "-o", net], capture_output=True, text=True)
    if p.returncode:
        fail("tripart generate failed:\n" + p.stdout + p.stderr)
    with h5py.File(net, "r") as f:
        ptr, idx = f["morphology/indptr"][()], f["morphology/indices"][()]
        sptr, sidx = f["synapses/indptr"][()], f["synapses/indices"][()]
    S = len(ptr) - 1
    L = np.zeros((S, S))
    for r in range(S):
        for t in idx[ptr[r]:ptr[r + 1]]:
            L[r, t] += 1
            L[r, r] -= 1
    base = ["-model", "spiking", "-spiking_populations", "A:%d" % S, "-spiking_A_type", "astrocyte_lr_1994",
            "-spiking_A_morphology_file", net, "-spiking_A_IP3_uniform", "0.1,1.5", "-spiking_A_Ca_uniform",
            "0.05,0.8", "-spiking_A_rate_IP3R", 0, "-spiking_A_rate_L", 0, "-spiking_A_rate_SERCA", 0,
            "-spiking_A_D_IP3", 0.05, "-spiking_A_D_Ca", 0.02, "-stepper_max_time", 300, "-monitor_every", 10, "-quiet"]
    got = {}
    for np_ in (1, 3):
        out = os.path.join(tmp, "morph%d.h5" % np_)
        run(np_, base + ["-o", out])
        with h5py.File(out, "r") as f:
            got[np_] = (f["state/astrocyte"][()], f["observables/astrocyte_total"][()], f["time"][()])
    st, tot, t = got[1]
    if not np.array_equal(st, got[3][0]):
        fail("morphology file: 3 ranks differ from 1")
    # the initial state (the uniform draws) from a run with D = 0: the same draws, no coupling
    out00 = os.path.join(tmp, "morph00.h5")
    run(1, base + ["-spiking_A_D_IP3", 0, "-spiking_A_D_Ca", 0, "-o", out00])
    with h5py.File(out00, "r") as f:
        nod = f["state/astrocyte"][()]
    I0, tau, T = LR["IP3_0"], LR["tau_IP3"], t[-1]
    ca0 = nod[:, 1]  # (no kinetics: Ca is its initial value)
    ip30 = I0 + (nod[:, 0] - I0) * np.exp(T / tau)  # (IP3 - IP3_0 only decays)
    wi = I0 + expm(T * (0.05 * L - np.eye(S) / tau)) @ (ip30 - I0)
    wc = expm(T * 0.02 * L) @ ca0
    err = max(np.max(np.abs(st[:, 0] - wi) / wi), np.max(np.abs(st[:, 1] - wc) / wc))
    if err > 1e-8:
        fail("morphology file: %.3g off the exact diffusion on the file's links" % err)
    if np.max(np.abs(tot[:, 1] - tot[0, 1])) > S * 2.0 ** -32:
        fail("morphology file: total Ca not conserved")
    # the M1 network as a spiking network: synapse s of the file is process s
    edges_h5 = os.path.join(tmp, "syn_edges.h5")
    tgt = np.repeat(np.arange(40), np.diff(sptr))
    with h5py.File(edges_h5, "w") as f:
        g = f.create_group("edges/N-N")
        g["source_node_id"], g["target_node_id"] = sidx.astype(np.int64), tgt.astype(np.int64)
    tri = ["-model", "spiking", "-spiking_populations", "N:40,A:%d" % S, "-spiking_N_type", "aeif_cond_alpha",
           "-spiking_N_poisson_rate", 3000, "-spiking_N_poisson_weight", 3, "-spiking_A_type", "astrocyte_lr_1994",
           "-spiking_A_morphology_file", net, "-spiking_projections", "N-N,N-A,A-N", "-spiking_N-N_rule", "file",
           "-spiking_N-N_file", edges_h5, "-spiking_N-N_third", "A", "-spiking_N-N_pool_type", "synapse",
           "-spiking_N-A_rule", "third", "-spiking_A-N_rule", "third", "-spiking_write_edges", "-stepper_max_time",
           50, "-quiet"]
    out = os.path.join(tmp, "m1net.h5")
    run(2, tri + ["-o", out])
    e = edges(out)["N-A"]
    src = dict((int(c), int(s_)) for s_, c in e)
    if len(src) != S or any(src[k] != sidx[k] for k in range(S)):
        fail("morphology file with pool_type synapse: process s is not fed by synapse s's source")
    # refusals
    bad = []
    def asymmetric(f):  # process 0 lists one that does not list it back
        row0 = set(idx[ptr[0]:ptr[1]].tolist())
        i = idx.copy()
        i[0] = next(t for t in range(1, S) if t not in row0)
        f["morphology/indices"][...] = i
    for k, fn in enumerate((asymmetric,
                            lambda f: f["morphology/indices"].__setitem__(0, 0),
                            lambda f: f["morphology/indices"].__setitem__(3, S + 5),
                            lambda f: f.__delitem__("morphology"))):
        path = os.path.join(tmp, "badmorph%d.h5" % k)
        shutil.copy(net, path)
        with h5py.File(path, "r+") as f:
            fn(f)
        bad.append(path)
    M = ["-spiking_populations", "A:%d" % S, "-spiking_A_type", "astrocyte_lr_1994"]
    cases = [(M + ["-spiking_A_morphology_file", bad[0]], ["-spiking_A_morphology_file", bad[0], "not symmetric"]),
             (M + ["-spiking_A_morphology_file", bad[1]], [bad[1], "itself"]),
             (M + ["-spiking_A_morphology_file", os.path.join(tmp, "none.h5")], ["-spiking_A_morphology_file",
                                                                               "none.h5"]),
             (M + ["-spiking_A_morphology_file", bad[2]], [bad[2], str(S + 5)]),
             (M + ["-spiking_A_morphology_file", bad[3]], ["-spiking_A_morphology_file", bad[3], "/morphology"]),
             (["-spiking_populations", "A:%d" % (S - 1), "-spiking_A_type", "astrocyte_lr_1994",
               "-spiking_A_morphology_file", net], ["-spiking_A_morphology_file", "%d entries" % (S + 1), str(S - 1)]),
             (M + ["-spiking_A_morphology_file", net, "-spiking_A_cell_size", S], ["-spiking_A_cell_size",
                                                                                 "-spiking_A_morphology_file"])]
    expect_spiking_refusals(cases, tmp, ranks=(1, 3))


def check_sic_held(tmp):
    """Slow inward currents are sent once per run of steps over which they hold (the window cut at slow steps), and
    with one delay summed once and held over the run and over the windows in which no slow step ends.  Against
    the general path (each current delivered at every step, taken when the currents have several delays: a second
    SIC projection onto a population F that feeds nothing back): with a 5 ms slow step and 1 ms windows, the
    spikes, membranes, I_SIC and astrocytes of the shared part bit for bit, on 1 and 3 ranks, and across a
    restart whose first window holds currents (the held sums are not checkpointed: the window after a restart
    sends them again)."""
    net = NET + ["-spiking_astro_dt", 5, "-spiking_A_Ca_astro", 0.3, "-stepper_max_time", 400, "-quiet"]
    two = list(net)
    k = two.index("-spiking_populations")
    two[k + 1] = "E:40,A:12,F:6"
    k = two.index("-spiking_projections")
    two[k + 1] += ",A-F"
    two += ["-spiking_F_type", "aeif_cond_alpha", "-spiking_A-F_rule", "fixed_indegree", "-spiking_A-F_indegree", 2,
            "-spiking_A-F_weight", 10, "-spiking_A-F_delay", 3.3]

    def load(path):
        with h5py.File(path, "r") as f:
            return {"spikes": (f["spikes/E/timestamps"][()], f["spikes/E/node_ids"][()]), "V": f["state/V_m"][()][:52],
                    "I_SIC": f["state/I_SIC"][()][:40], "astro": f["state/astrocyte"][()][40:52]}
    res = {}
    for name, args in (("one", net), ("two", two)):
        for np_ in (1, 3):
            out = os.path.join(tmp, "held_%s%d.h5" % (name, np_))
            run(np_, ["-model", "spiking"] + args + ["-o", out])
            res[name, np_] = load(out)
    ref = res["two", 1]
    if not np.any(ref["I_SIC"] != 0):
        fail("sic_held: no slow inward current arrives (the check would test nothing)")
    for key, got in res.items():
        for k in ref:
            a, b = ref[k], got[k]
            same = all(np.array_equal(x, y) for x, y in zip(a, b)) if k == "spikes" else np.array_equal(a, b)
            if not same:
                fail("sic_held: %s on %d ranks differs from the general path's %s" % (key[0], key[1], k))
    # a restart in the middle of a slow step (windows that hold currents on both sides)
    ck = os.path.join(tmp, "held_ck.h5")
    full = os.path.join(tmp, "held_full.h5")
    run(2, ["-model", "spiking"] + net + ["-checkpoint_interval", 201.0, "-checkpoint", ck, "-o", full])
    res2 = os.path.join(tmp, "held_res.h5")
    run(2, ["-model", "spiking"] + net + ["-restart", ck, "-o", res2])
    a, b = load(full), load(res2)
    for k in a:
        same = all(np.array_equal(x, y) for x, y in zip(a[k], b[k])) if k == "spikes" else np.array_equal(a[k], b[k])
        if not same:
            fail("sic_held: the restart's %s differs" % k)


def check_territories(tmp):
    """Tripartite wiring by territory (-pool_type nearest): each synapse S -> T with an astrocyte gets the astrocyte
    nearest its target (its territory is a Voronoi cell; the lowest id among equally near).  Uniform positions in
    2-D and 3-D boxes, periodic and not, and a grid: every A -> T pair against a brute-force search over the
    positions the output writes (/positions), p_third 0.5 keeping about half; the same pairs on 1 and 3 ranks."""
    cases = [("2d", ["-spiking_T_positions", "uniform", "-spiking_T_extent", "500,300", "-spiking_A_positions",
                     "uniform", "-spiking_A_extent", "500,300"], False),
             ("3d_periodic", ["-spiking_T_positions", "uniform", "-spiking_T_extent", "200,200,100",
                              "-spiking_T_periodic", "-spiking_A_positions", "uniform", "-spiking_A_extent",
                              "200,200,100", "-spiking_A_periodic"], True),
             ("grid", ["-spiking_T_grid_rows", 30, "-spiking_T_grid_spacing", 10, "-spiking_A_grid_rows", 6,
                       "-spiking_A_grid_spacing", 50], False)]
    for name, pos, periodic in cases:
        args = ["-model", "spiking", "-spiking_populations", "S:50,T:600,A:36", "-spiking_T_type", "aeif_cond_alpha",
                "-spiking_A_type", "astrocyte_lr_1994", "-spiking_projections", "S-T,S-A,A-T", "-spiking_S-T_rule",
                "fixed_indegree", "-spiking_S-T_indegree", 4, "-spiking_S-T_third", "A", "-spiking_S-T_pool_type",
                "nearest", "-spiking_S-T_p_third", 0.5, "-spiking_S-A_rule", "third", "-spiking_A-T_rule", "third",
                "-spiking_write_edges", "-stepper_max_time", 1, "-quiet"] + pos
        outs = []
        for np_ in (1, 3):
            out = os.path.join(tmp, "terr_%s%d.h5" % (name, np_))
            run(np_, args + ["-o", out])
            outs.append(out)
        e1, e3 = edges(outs[0]), edges(outs[1])
        if any(not np.array_equal(e1[k], e3[k]) for k in e1):
            fail("pool_type nearest (%s): the pairs differ between 1 and 3 ranks" % name)
        with h5py.File(outs[0], "r") as f:
            xt, xa = f["positions/T"][()], f["positions/A"][()]
        ext = np.array([float(v) for v in pos[pos.index("-spiking_T_extent") + 1].split(",")]) if periodic else None
        at = e1["A-T"]
        if not 0.35 < len(at) / (4 * 600) < 0.65:
            fail("pool_type nearest (%s): %d pairings of 2400 synapses at p_third 0.5" % (name, len(at)))
        for a, t in at:
            dx = xa - xt[t]
            if periodic:
                dx -= ext * np.round(dx / ext)
            d2 = np.sum(dx * dx, axis=1)
            want = int(np.flatnonzero(d2 == d2.min())[0])
            if a != want:
                fail("pool_type nearest (%s): target %d paired with astrocyte %d, nearest is %d" % (name, t, a, want))


def check_bad_input(tmp):
    """Bad astrocyte input is refused with one message naming the option and the value, nothing written."""
    P = ["-spiking_populations", "A:3,N:4", "-spiking_A_type", "astrocyte_lr_1994"]
    Q = P + ["-spiking_N_type", "aeif_cond_alpha", "-spiking_projections", "N-N,N-A,A-N", "-spiking_N-A_rule",
             "third", "-spiking_A-N_rule", "third", "-spiking_N-N_third", "A"]
    G = P + ["-spiking_projections", "A-A", "-spiking_A-A_synapse", "gap_junction"]
    B = ["-spiking_populations", "B:3,N:4", "-spiking_B_type", "astrocyte_gchi"]
    POOLS = [os.path.join(tmp, "pool%d.h5" % k) for k in range(3)]
    for path, v in zip(POOLS, ([0, 1, 2], [0, -1, 3, 1], [0, 1, 2, -1])):
        with h5py.File(path, "w") as f:
            f["astrocyte"] = np.array(v, dtype=np.int64)
    GT = ["-spiking_projections", "N-N,N-B", "-spiking_N-N_third", "B", "-spiking_N-B_rule", "third",
          "-spiking_N-N_synapse", "tsodyks_markram"]
    cases = [
        (P + ["-spiking_projections", "A-N"], ["A-N", "aeif_cond_alpha", "iaf_psc_delta"]),
        (P + ["-spiking_projections", "N-A", "-spiking_N-A_synapse", "gap_junction"],
         ["-spiking_N-A_synapse", "gap_junction", "iaf_psc_delta"]),
        (G + ["-spiking_A-A_weight", -0.1], ["-spiking_A-A_weight", "-0.1"]),
        (G + ["-spiking_A-A_omega_I", 0], ["-spiking_A-A_omega_I", "0"]),
        (G + ["-spiking_A-A_gap_flux", "cubic"], ["-spiking_A-A_gap_flux", "cubic"]),
        (G + ["-spiking_astro_ts_type", "beuler"], ["-spiking_astro_ts_type", "beuler", "explicit"]),
        (P + ["-spiking_N_type", "aeif_cond_alpha", "-spiking_projections", "A-N", "-spiking_A-N_synapse",
              "tsodyks_markram"], ["-spiking_A-N_synapse", "tsodyks_markram"]),
        (P + ["-spiking_projections", "N-A", "-spiking_N-A_weight", -1], ["-spiking_N-A_weight", "-1"]),
        (P + ["-spiking_projections", "N-A", "-spiking_N-A_synapse", "stdp_additive"],
         ["-spiking_N-A_synapse", "stdp_additive"]),
        (P + ["-spiking_A_Ca_tot", 0], ["-spiking_A_Ca_tot", "0"]),
        (P + ["-spiking_A_tau_IP3", -5], ["-spiking_A_tau_IP3", "-5"]),
        (P + ["-spiking_A_h_IP3R", 1.5], ["-spiking_A_h_IP3R", "1.5"]),
        (P + ["-spiking_A_Ca_threshold", 2], ["-spiking_A_Ca_threshold", "Ca_tot", "2"]),
        (P + ["-spiking_A_Ca_threshold", -0.1], ["-spiking_A_Ca_threshold", "-0.1"]),
        (P + ["-spiking_A_poisson_weight", -1], ["-spiking_A_poisson_weight", "-1"]),
        (P + ["-spiking_astro_dt", 0.15], ["-spiking_astro_dt", "0.15"]),
        (P + ["-spiking_record_astro", 4], ["-spiking_record_astro", "4"]),
        (Q + ["-spiking_N-N_p_third", 1.5], ["-spiking_N-N_p_third", "1.5", "p_third_if_primary"]),
        (Q + ["-spiking_N-N_pool_size", 0], ["-spiking_N-N_pool_size", "0", "pool_size"]),
        (Q + ["-spiking_N-N_pool_size", 4], ["-spiking_N-N_pool_size", "4", "third-factor population"]),
        (Q + ["-spiking_N-N_pool_type", "block", "-spiking_N-N_pool_size", 2], ["block", "do not fit"]),
        (Q + ["-spiking_N-N_pool_type", "ring"], ["-spiking_N-N_pool_type", "ring", "'random', 'block', 'map', 'synapse' or 'nearest'"]),
        (Q + ["-spiking_N-N_pool_type", "nearest"], ["-spiking_N-N_pool_type nearest", "positions"]),
        (Q + ["-spiking_N-N_pool_type", "map"], ["-spiking_N-N_pool_file", "map"]),
        (Q + ["-spiking_N-N_pool_file", "x.h5"], ["-spiking_N-N_pool_file", "x.h5", "random"]),
        (Q + ["-spiking_N-N_pool_type", "map", "-spiking_N-N_pool_file", POOLS[0]], ["-spiking_N-N_pool_file", "4 entries"]),
        (Q + ["-spiking_N-N_pool_type", "map", "-spiking_N-N_pool_file", POOLS[1]], ["-spiking_N-N_pool_file", "entry 2",
                                                                                   "is 3", "0 .. 2"]),
        (Q + ["-spiking_N-N_pool_type", "map", "-spiking_N-N_pool_file", POOLS[2], "-spiking_N-N_pool_size", 2],
         ["-spiking_N-N_pool_size", "2", "one astrocyte"]),
        (Q[:-2] + ["-spiking_N-N_third", "N"], ["-spiking_N-N_third", "N", "astrocyte_lr_1994"]),
        (Q[:-2] + ["-spiking_N-N_third", "X"], ["-spiking_N-N_third", "X"]),
        (P + ["-spiking_N_type", "aeif_cond_alpha", "-spiking_projections", "N-N,A-N", "-spiking_N-N_third", "A",
              "-spiking_A-N_rule", "third"], ["-spiking_N-N_third", "N-A", "A-N", "third"]),
        (P + ["-spiking_N_type", "aeif_cond_alpha", "-spiking_projections", "N-A", "-spiking_N-A_rule", "third"],
         ["N-A", "-rule third", "-third"]),
        (P + ["-spiking_astro_ts_adapt_type", "basic", "-spiking_astro_ts_type", "rk", "-spiking_astro_ts_rk_type",
              "5dp", "-spiking_A_IP3", 3], ["-spiking_astro_ts_adapt_type", "none"]),
        # astrocyte_gchi
        (B + ["-spiking_B_O_beta", -0.5], ["-spiking_B_O_beta", "-0.5", "astrocyte_gchi"]),
        (B + ["-spiking_B_K_P", 0], ["-spiking_B_K_P", "0", "positive"]),
        (B + ["-spiking_B_U_A", 1.5], ["-spiking_B_U_A", "1.5", "[0, 1]"]),
        (B + ["-spiking_B_C_Theta", 1.8], ["-spiking_B_C_Theta", "1.8", "C_T/(1 + rho_A)"]),
        (B + ["-spiking_B_x_A", 2], ["-spiking_B_x_A", "2", "[0, 1]"]),
        (B + ["-spiking_B_G_A", "nan"], ["-spiking_B_G_A", "nan"]),
        (B + ["-spiking_projections", "B-N"], ["B-N", "astrocyte_gchi", "slow inward current"]),
        (B + ["-spiking_N_type", "aeif_cond_alpha", "-spiking_projections", "N-N,N-B,B-N", "-spiking_N-N_third", "B",
              "-spiking_N-B_rule", "third", "-spiking_B-N_rule", "third"], ["B-N", "astrocyte_gchi"]),
        (B + ["-spiking_projections", "N-N", "-spiking_N-N_third", "B"], ["-spiking_N-N_third", "N-B", "third"]),
        (B + ["-spiking_projections", "N-B", "-spiking_N-B_weight", -1], ["-spiking_N-B_weight", "-1",
                                                                          "astrocyte_gchi"]),
        # gliotransmission
        (B + ["-spiking_projections", "N-N", "-spiking_N-N_synapse", "tsodyks_markram", "-spiking_N-N_glio_alpha",
              0], ["-spiking_N-N_glio_alpha", "tripartite", "no -third"]),
        (B + GT + ["-spiking_N-N_glio_alpha", 0, "-spiking_N-N_synapse", "static"],
         ["-spiking_N-N_glio_alpha", "tsodyks_markram", "static"]),
        (B + GT + ["-spiking_N-N_glio_alpha", 1.5], ["-spiking_N-N_glio_alpha", "[0, 1]", "1.5"]),
        (P + ["-spiking_projections", "N-N,N-A,A-N", "-spiking_N_type", "aeif_cond_alpha", "-spiking_N-N_third", "A",
              "-spiking_N-A_rule", "third", "-spiking_A-N_rule", "third", "-spiking_N-N_synapse", "tsodyks_markram",
              "-spiking_N-N_glio_alpha", 0], ["-spiking_N-N_glio_alpha", "astrocyte_gchi", "astrocyte_lr_1994"]),
        (B + ["-spiking_B_O_G", -1], ["-spiking_B_O_G", "-1"]),
        (["-spiking_populations", "S:100000,T:1,B:1", "-spiking_B_type", "astrocyte_gchi", "-spiking_projections",
          "S-T,S-B", "-spiking_S-T_synapse", "tsodyks_markram", "-spiking_S-T_third", "B", "-spiking_S-T_glio_alpha", 0,
          "-spiking_S-B_rule", "third", "-spiking_S-B_synapse", "tsodyks_markram"],
         ["gliotransmission", "100000", "GiB per rank"]),
        (B + ["-spiking_B_Gamma_S", 1.5], ["-spiking_B_Gamma_S", "1.5", "[0, 1]"]),
        # astrocytes with processes
        (P + ["-spiking_A_cell_size", 2], ["-spiking_A_cell_size", "2", "divisor"]),
        (P + ["-spiking_A_cell_size", 0], ["-spiking_A_cell_size", "0"]),
        (P + ["-spiking_A_branching", 0], ["-spiking_A_branching", "0"]),
        (P + ["-spiking_A_D_IP3", -1], ["-spiking_A_D_IP3", "-1"]),
        (B + ["-spiking_B_D_Ca", "nan"], ["-spiking_B_D_Ca", "nan"]),
        (P + ["-spiking_A_cell_size", 3, "-spiking_A_D_IP3", 20], ["-spiking_A_D_IP3", "-spiking_astro_dt",
                                                                   "stability"]),
        (P + ["-spiking_A_cell_size", 3, "-spiking_astro_ts_type", "beuler"], ["-spiking_astro_ts_type", "beuler",
                                                                               "explicit", "arkimex"]),
        (P + ["-spiking_A_IP3_uniform", "1,0.5"], ["-spiking_A_IP3_uniform", "lo < hi"]),
        (P + ["-spiking_A_Ca_uniform", "0,3"], ["-spiking_A_Ca_uniform", "total Ca"]),
        (Q + ["-spiking_N-N_pool_type", "synapse"], ["-spiking_N-N_pool_type synapse", "16 synapses", "A:16"]),
        (Q + ["-spiking_N-N_pool_type", "synapse", "-spiking_N-N_p_third", 0.5], ["-spiking_N-N_p_third", "0.5",
                                                                                  "must be 1"]),
        (Q + ["-spiking_N-N_pool_type", "synapse", "-spiking_N-N_pool_size", 2], ["-spiking_N-N_pool_size", "2"]),
    ]

    expect_spiking_refusals(cases, tmp)


def main():
    checks = {"relax": check_relax, "single": check_single, "events": check_events, "splitting": check_splitting,
              "sic": check_sic, "gap": check_gap, "ranks": check_ranks, "tripartite": check_tripartite, "bad_input": check_bad_input,
              "gchi": check_gchi, "gchi_ranks": check_gchi_ranks,
              "gchi_brian2": check_gchi_brian2, "glio": check_glio, "compartments": check_compartments, "morphology": check_morphology, "sic_held": check_sic_held, "territories": check_territories}
    tp_main(checks)


if __name__ == "__main__":
    main()
