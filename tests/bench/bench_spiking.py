"""M4 beside Brian2, on this machine, in one run: Brian2's Stimberg et al. (2018) example 1 (COBA
LIF neurons, Tsodyks-Markram synapses), Brunel's balanced network (NEST's brunel_delta_nest) at two
sizes, and example 6 (COBA with G-ChI astrocytes and gap junctions; see brian_ex6 for what differs),
each in Brian2's C++ standalone mode (one thread; its compile timed apart) and in
tripart on 1 and 2 ranks.  Prints wall time per simulated second (the simulation loop alone, as
Brian2's own timer and tripart's "time" line measure it), synaptic events per second per core,
bytes per synapse at peak, the 2-rank speed-up and the rates both produce.  Each simulation runs
--repeat times (3), Brian2's binary and tripart on 1 and 2 ranks in turn, and the medians are shown:
this machine's timings vary by a third from run to run.

Usage: /usr/bin/python3 tests/bench/bench_spiking.py build/tripart [--quick] [--only=TEXT] [--time=MS] [--repeat=R]
(needs python3-brian: apt-get install python3-brian)."""
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

TRIPART = os.path.abspath(sys.argv[1])
QUICK = "--quick" in sys.argv
ONLY = next((a[7:] for a in sys.argv if a.startswith("--only=")), None)  # the cases whose name has this
REPEAT = int(next((a[9:] for a in sys.argv if a.startswith("--repeat=")), 3))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OPENBLAS_NUM_THREADS="1")


def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            name = line.split(":", 1)[1].strip()
            flags = open("/proc/cpuinfo").read()
            return "%s (%s)" % (name, "AVX-512" if "avx512f" in flags else "AVX2, no AVX-512")
    return "unknown CPU"


# ---------------------------------------------------------------------------------------------- tripart
def tripart(args, ranks, out):
    cmd = (["mpiexec", "-n", str(ranks), "--bind-to", "core"] if ranks > 1 else []) + [TRIPART] + args + ["-o", out]
    p = subprocess.run(cmd, env=ENV, capture_output=True, text=True)
    if p.returncode:
        sys.exit("tripart failed:\n" + p.stdout + p.stderr)
    m = re.search(r"time\s+([0-9.]+) s wall; peak memory ([0-9.]+) MiB on \d+ ranks, ([0-9.]+) bytes per synapse", p.stdout)
    with h5py.File(out, "r") as f:
        a = f["observables"].attrs
        rates = {k[5:]: float(a[k]) for k in a if k.startswith("rate_")}
        spikes = {k[7:]: int(a[k]) for k in a if k.startswith("spikes_")}
        nsyn = int(a["synapses"])
    return dict(wall=float(m.group(1)), mib=float(m.group(2)), bps=float(m.group(3)), rates=rates, spikes=spikes,
                nsyn=nsyn)


def coba_args(T):
    a = ["-model", "spiking", "-spiking_populations", "E:3200,I:800", "-spiking_projections", "E-E,E-I,I-E,I-I",
         "-stepper_max_time", T, "-seed", 11922]
    for p in "EI":
        a += ["-spiking_%s_type" % p, "coba_lif", "-spiking_%s_I_e" % p, 150, "-spiking_%s_V_m_uniform" % p, "-60,-50"]
    for pr in ("E-E", "E-I", "I-E", "I-I"):
        exc = pr[0] == "E"
        a += ["-spiking_%s_rule" % pr, "pairwise_bernoulli", "-spiking_%s_p" % pr, 0.05 if exc else 0.2,
              "-spiking_%s_weight" % pr, 0.05 if exc else -1.0, "-spiking_%s_delay" % pr, 0.1,
              "-spiking_%s_synapse" % pr, "tsodyks_markram", "-spiking_%s_U_0" % pr, 0.6,
              "-spiking_%s_tau_fac" % pr, 1000 / 3.33, "-spiking_%s_tau_rec" % pr, 500]
    return [str(x) for x in a]


def brunel_args(order, T):
    return [str(x) for x in ["-model", "spiking", "-spiking_brunel_order", order, "-stepper_max_time", T]]


# ----------------------------------------------------------------------------------------------- Brian2
def brian_run(build, T, workdir):
    """Builds a network with build() in a fresh standalone project, compiles it (timed), and returns
    a function that runs it (timed by Brian2's own clock around the simulation loop, and the whole
    binary) and returns the figures and the spike counts per monitor."""
    import brian2 as b2
    if b2.get_device().__class__.__name__ != "CPPStandaloneDevice":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
    else:
        b2.device.reinit()
        b2.device.activate(directory=workdir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = 0
    # (Brian2's own compiler flags, -O3 -ffast-math -march=native among them: what its users run)
    objs, mons, nsyn, npop = build(b2)
    net = b2.Network(*objs)
    net.run(T * b2.ms)
    t0 = time.time()
    b2.device.build(directory=workdir, compile=True, run=False, debug=False)
    compile_s = time.time() - t0

    def once():
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.time()
        b2.device.run(directory=workdir, with_output=False, run_args=[])
        binary_s = time.time() - t0
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        loop = b2.device._last_run_time
        counts = {k: int(m.num_spikes) for k, m in mons.items()}
        return dict(compile=compile_s, binary=binary_s, wall=loop, rss_mib=max(rss, before) / 1024.0, spikes=counts,
                    rates={k: counts[k] / npop[k] / (T / 1000.0) for k in counts}, nsyn=int(nsyn()))
    return once


def median_run(runs):
    """The run whose wall time is the median of the repeats (its other figures with it)."""
    return sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]


def brian_coba(b2):
    """Brian2's examples/frompapers/Stimberg_et_al_2018/example_1_COBA.py, its model as written
    (seed 11922; monitors of spikes only)."""
    ms, mV, nS, pF, pA, second = b2.ms, b2.mV, b2.nS, b2.pF, b2.pA, b2.second
    b2.seed(11922)
    N_e, N_i = 3200, 800
    ns = dict(E_l=-60 * mV, g_l=9.99 * nS, E_e=0 * mV, E_i=-80 * mV, C_m=198 * pF, tau_e=5 * ms, tau_i=10 * ms,
              tau_r=5 * ms, I_ex=150 * pA, V_th=-50 * mV, V_r=-60 * mV, w_e=0.05 * nS, w_i=1.0 * nS, U_0=0.6,
              Omega_d=2.0 / second, Omega_f=3.33 / second)
    b2.defaultclock.dt = 0.1 * ms
    eqs = """dv/dt = (g_l*(E_l-v) + g_e*(E_e-v) + g_i*(E_i-v) + I_ex)/C_m : volt (unless refractory)
             dg_e/dt = -g_e/tau_e : siemens
             dg_i/dt = -g_i/tau_i : siemens"""
    neurons = b2.NeuronGroup(N_e + N_i, eqs, threshold="v>V_th", reset="v=V_r", refractory="tau_r", method="euler",
                             namespace=ns)
    neurons.v = "E_l + rand()*(V_th-E_l)"
    neurons.g_e = "rand()*w_e"
    neurons.g_i = "rand()*w_i"
    exc, inh = neurons[:N_e], neurons[N_e:]
    syn_eqs = """du_S/dt = -Omega_f * u_S : 1 (event-driven)
                 dx_S/dt = Omega_d *(1 - x_S) : 1 (event-driven)"""
    action = "u_S += U_0 * (1 - u_S)\nr_S = u_S * x_S\nx_S -= r_S\n"
    es = b2.Synapses(exc, neurons, syn_eqs, on_pre=action + "g_e_post += w_e*r_S", namespace=ns)
    is_ = b2.Synapses(inh, neurons, syn_eqs, on_pre=action + "g_i_post += w_i*r_S", namespace=ns)
    es.connect(p=0.05)
    is_.connect(p=0.2)
    es.x_S = 1
    is_.x_S = 1
    mons = {"E": b2.SpikeMonitor(exc), "I": b2.SpikeMonitor(inh)}
    return [neurons, es, is_] + list(mons.values()), mons, lambda: len(es) + len(is_), {"E": N_e, "I": N_i}


def brian_brunel(order):
    """Brunel's network as NEST's brunel_delta_nest.py: iaf_psc_delta (exact), V_th 20 mV, reset 0,
    t_ref 2 ms, fixed in-degree 0.1 N_E and 0.1 N_I (drawn with NumPy), J 0.1 mV, g 5, delay 1.5 ms,
    independent Poisson input at eta nu_th per neuron (a PoissonInput of C_E sources)."""
    def build(b2):
        ms, mV, Hz = b2.ms, b2.mV, b2.Hz
        b2.seed(1)
        NE, NI = 4 * order, order
        CE, CI = NE // 10, NI // 10
        J, g, eta, tau, theta = 0.1 * mV, 5.0, 2.0, 20 * ms, 20 * mV
        nu_ex = eta * theta / (J * CE * tau)
        b2.defaultclock.dt = 0.1 * ms
        G = b2.NeuronGroup(NE + NI, "dv/dt = -v/tau : volt (unless refractory)", threshold="v>=theta", reset="v=0*mV",
                           refractory=2 * ms, method="exact", namespace=dict(tau=tau, theta=theta))
        rng = np.random.default_rng(1)
        pre, post = [], []
        for tgt in range(NE + NI):
            pre.append(rng.integers(0, NE, CE))
            post.append(np.full(CE, tgt))
        S_E = b2.Synapses(G[:NE], G, on_pre="v_post += J", delay=1.5 * ms, namespace=dict(J=J))
        S_E.connect(i=np.concatenate(pre), j=np.concatenate(post))
        pre, post = [], []
        for tgt in range(NE + NI):
            pre.append(rng.integers(0, NI, CI))
            post.append(np.full(CI, tgt))
        S_I = b2.Synapses(G[NE:], G, on_pre="v_post += -g*J", delay=1.5 * ms, namespace=dict(J=J, g=g))
        S_I.connect(i=np.concatenate(pre), j=np.concatenate(post))
        P = b2.PoissonInput(G, "v", CE, nu_ex, weight=J)
        mons = {"E": b2.SpikeMonitor(G[:NE]), "I": b2.SpikeMonitor(G[NE:])}
        return [G, S_E, S_I, P] + list(mons.values()), mons, lambda: len(S_E) + len(S_I), {"E": NE, "I": NI}
    return build


# Stimberg et al.'s example 6 astrocyte, as its script writes it
BRIAN2_ASTRO = """
dGamma_A/dt = O_N * Y_S * (1 - clip(Gamma_A,0,1)) - Omega_N*(1 + zeta * C/(C + K_KC)) * clip(Gamma_A,0,1) : 1
dI/dt = J_beta + J_delta - J_3K - J_5P + J_coupling : mmolar
J_beta = O_beta * Gamma_A : mmolar/second
J_delta = O_delta/(1 + I/kappa_delta) * C**2/(C**2 + K_delta**2) : mmolar/second
J_3K = O_3K * C**4/(C**4 + K_D**4) * I/(I + K_3K) : mmolar/second
J_5P = Omega_5P*I : mmolar/second
J_coupling : mmolar/second
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
x : meter (constant)
y : meter (constant)
"""


EX6_STIMULUS = [1.0, 1.2, 1.0, 1.0]  # Stimberg et al.'s example 6: I_ex = 100 pA times these in 2-s blocks


def ex6_index():
    """The script's astrocyte of each excitatory target, as written: int(x/grid_a) + N_cols_a int(y/grid_a)
    on the centred positions of the 56 x 57 neuron grid (3.75 mm / 57 apart), truncated as C does, with
    grid_a = 3.75 mm / 56 and the float N_cols_a = 3200 / 56; 1542 of 3200 land in [0, 3200)."""
    i = np.arange(3200)
    g_e, g_a = 3750.0 / 57, 3750.0 / 56
    x, y = (i // 56) * g_e - 56 / 2.0 * g_e, (i % 56) * g_e - 57 / 2.0 * g_e
    idx = np.trunc(np.trunc(x / g_a) + (3200 / 56.0) * np.trunc(y / g_a)).astype(np.int64)
    return np.where((idx >= 0) & (idx < 3200), idx, -1)


def ex6_args(T, written=None):
    """Brian2's example 6 in tripart's options (see brian_ex6): COBA E and I, Tsodyks-Markram synapses,
    every E -> E synapse tripartite with its target's own G-ChI astrocyte (block pools of 1), whose
    glutamate is the mean of its synapses' releases and whose gliotransmitter lowers their release
    (alpha 0: U_0 = 0.6 (1 - Gamma_S)), and thresholded gap junctions between the astrocytes closer
    than 75 um on the script's lattice (56 rows 3.75 mm / 56 apart: four neighbours inside)."""
    a = ["-model", "spiking", "-spiking_populations", "E:3200,I:800,A:3200", "-stepper_max_time", T, "-seed", 28371,
         "-spiking_projections", "E-E,E-I,I-E,I-I,E-A,A-A", "-spiking_A_type", "astrocyte_gchi",
         "-spiking_astro_dt", 10, "-spiking_E-E_third", "A", "-spiking_E-E_pool_type", "block",
         "-spiking_E-E_pool_size", 1, "-spiking_E-E_glio_alpha", 0, "-spiking_E-A_rule", "third",
         "-spiking_A-A_synapse", "gap_junction",
         "-spiking_A_grid_rows", 56, "-spiking_A_grid_spacing", 3750 / 56.0, "-spiking_A-A_rule", "distance",
         "-spiking_A-A_radius", 75, "-spiking_A-A_autapses", "false", "-spiking_A-A_weight", 9e-5]
    if written:  # the script's mapping (a directory for the pool maps): E targets by position, I targets astrocyte 0
        for name, amap in (("E", ex6_index()), ("I", np.zeros(800, np.int64))):
            path = os.path.join(written, "ex6_pool_%s.h5" % name)
            with h5py.File(path, "w") as f:
                f["astrocyte"] = amap
            a += ["-spiking_E-%s_third" % name, "A", "-spiking_E-%s_pool_type" % name, "map",
                  "-spiking_E-%s_pool_file" % name, path, "-spiking_E-%s_glio_alpha" % name, 0]
        a[a.index("-spiking_E-E_pool_type") + 1] = "map"
        del a[a.index("-spiking_E-E_pool_size"):a.index("-spiking_E-E_pool_size") + 2]
    for p in "EI":
        a += ["-spiking_%s_type" % p, "coba_lif", "-spiking_%s_I_e" % p, 100, "-spiking_%s_V_m_uniform" % p,
              "-60,-50", "-spiking_%s_I_e_timed" % p, ",".join(map(str, EX6_STIMULUS)),
              "-spiking_%s_I_e_timed_dt" % p, 2000]
    for pr in ("E-E", "E-I", "I-E", "I-I", "E-A"):
        exc = pr[0] == "E"
        a += ["-spiking_%s_synapse" % pr, "tsodyks_markram", "-spiking_%s_U_0" % pr, 0.6,
              "-spiking_%s_tau_fac" % pr, 1000 / 3.33, "-spiking_%s_tau_rec" % pr, 500, "-spiking_%s_delay" % pr, 0.1]
        if pr != "E-A":
            a += ["-spiking_%s_rule" % pr, "pairwise_bernoulli", "-spiking_%s_p" % pr, 0.05 if exc else 0.2,
                  "-spiking_%s_weight" % pr, 0.05 if exc else -1.0]
    return [str(x) for x in a]


def brian_ex6_written(b2):
    return brian_ex6(b2, written=True)


def brian_ex6(b2, written=False):
    """Brian2's examples/frompapers/Stimberg_et_al_2018/example_6_COBA_with_astro.py, its model as
    written (seed 28371, monitors of spikes only, alpha 0: release-decreasing gliotransmission) with one
    change: the astrocyte of each excitatory synapse
    fixed to its target's own (the script's position expression gives half of the excitatory targets
    none and every inhibitory one astrocyte 0; here E target j has astrocyte j, I targets none).  The
    drive is the script's, I_ex = 100 pA times [1, 1.2, 1, 1] in 2-s blocks (-spiking_<P>_I_e_timed);
    its 8 s are --time=8000.  written: the script's own mapping (positions of the excitatory neurons and
    its index expression), with no change at all."""
    ms, mV, nS, pF, pA, second, umolar, mmolar, um, mm = (b2.ms, b2.mV, b2.nS, b2.pF, b2.pA, b2.second, b2.umolar,
                                                          b2.mmolar, b2.umetre, b2.mmetre)
    b2.seed(28371)
    N_e, N_i, N_a = 3200, 800, 3200
    ns = dict(E_l=-60 * mV, g_l=9.99 * nS, E_e=0 * mV, E_i=-80 * mV, C_m=198 * pF, tau_e=5 * ms, tau_i=10 * ms,
              tau_r=5 * ms, I_ex=100 * pA, stimulus=b2.TimedArray(EX6_STIMULUS, dt=2 * second), V_th=-50 * mV,
              V_r=-60 * mV, w_e=0.05 * nS, w_i=1.0 * nS,
              rho_c=0.005, Y_T=500. * mmolar, Omega_c=40 / second, U_0__star=0.6, Omega_f=3.33 / second,
              Omega_d=2.0 / second, O_G=1.5 / umolar / second, Omega_G=0.5 / (60 * second),
              O_P=0.9 * umolar / second, K_P=0.05 * umolar, C_T=2 * umolar, rho_A=0.18, Omega_C=6 / second,
              Omega_L=0.1 / second, d_1=0.13 * umolar, d_2=1.05 * umolar, O_2=0.2 / umolar / second,
              d_3=0.9434 * umolar, d_5=0.08 * umolar, O_beta=0.5 * umolar / second, O_N=0.3 / umolar / second,
              Omega_N=0.5 / second, K_KC=0.5 * umolar, zeta=10, O_delta=1.2 * umolar / second,
              kappa_delta=1.5 * umolar, K_delta=0.1 * umolar, Omega_5P=0.05 / second, K_D=0.7 * umolar,
              K_3K=1.0 * umolar, O_3K=4.5 * umolar / second, F=0.09 * umolar / second, I_Theta=0.3 * umolar,
              omega_I=0.05 * umolar, C_Theta=0.5 * umolar, Omega_A=0.6 / second, U_A=0.6, G_T=200 * mmolar,
              rho_e=6.5e-4, Omega_e=60 / second, alpha=0.0, um=um)
    ns.update(N_rows_a=int(np.sqrt(N_a)), N_cols_a=N_a / int(np.sqrt(N_a)), grid=3.75 * mm / int(np.sqrt(N_a)),
              N_rows=int(np.sqrt(N_e)), N_cols=N_e // int(np.sqrt(N_e)), grid_e=3.75 * mm / (N_e // int(np.sqrt(N_e))))
    b2.defaultclock.dt = 0.1 * ms
    neuron_eqs = """dv/dt = (g_l*(E_l-v) + g_e*(E_e-v) + g_i*(E_i-v) + I_ex*stimulus(t))/C_m : volt (unless refractory)
                    dg_e/dt = -g_e/tau_e : siemens
                    dg_i/dt = -g_i/tau_i : siemens"""
    if written:
        neuron_eqs += "\nx : meter (constant)\ny : meter (constant)"
    neurons = b2.NeuronGroup(N_e + N_i, neuron_eqs, threshold="v>V_th", reset="v=V_r", refractory="tau_r",
                             method="euler", namespace=ns)
    neurons.v = "E_l + rand()*(V_th-E_l)"
    neurons.g_e = "rand()*w_e"
    neurons.g_i = "rand()*w_i"
    exc, inh = neurons[:N_e], neurons[N_e:]
    syn_eqs = """dY_S/dt = -Omega_c * Y_S : mmolar (clock-driven)
                 dGamma_S/dt = O_G * G_A * (1 - Gamma_S) - Omega_G * Gamma_S : 1 (clock-driven)
                 du_S/dt = -Omega_f * u_S : 1 (event-driven)
                 dx_S/dt = Omega_d *(1 - x_S) : 1 (event-driven)
                 U_0 : 1
                 r_S : 1
                 G_A : mmolar
                 astrocyte_index : integer (constant)"""
    action = """U_0 = (1 - Gamma_S) * U_0__star + alpha * Gamma_S
                u_S += U_0 * (1 - u_S)
                r_S = u_S * x_S
                x_S -= r_S
                Y_S += rho_c * Y_T * r_S
                """
    es = b2.Synapses(exc, neurons, syn_eqs, on_pre=action + "g_e_post += w_e*r_S", method="exact", namespace=ns)
    es.connect(True, p=0.05)
    es.x_S = 1.0
    is_ = b2.Synapses(inh, neurons, syn_eqs, on_pre=action + "g_i_post += w_i*r_S", method="exact", namespace=ns)
    is_.connect(True, p=0.2)
    is_.x_S = 1.0
    if written:  # the script's expression on its positions (neurons[N_e:] have none: x = y = 0)
        exc.x = "(i // N_rows)*grid_e - N_rows/2.0*grid_e"
        exc.y = "(i % N_rows)*grid_e - N_cols/2.0*grid_e"
        es.astrocyte_index = "int(x_post/grid) + N_cols_a*int(y_post/grid)"
    else:  # the fixed mapping: E target j has astrocyte j
        es.astrocyte_index = "j*int(j < %d) - int(j >= %d)" % (N_e, N_e)
    astro_eqs = BRIAN2_ASTRO
    astro = b2.NeuronGroup(N_a, astro_eqs, threshold="C>C_Theta", refractory="C>C_Theta",
                           reset="G_A += rho_e * G_T * U_A * x_A\nx_A -= U_A * x_A", method="rk4", dt=10 * ms,
                           namespace=ns)
    astro.x = "(i // N_rows_a)*grid - N_rows_a/2.0*grid"
    astro.y = "(i % N_rows_a)*grid - N_cols_a/2.0*grid"
    astro.C, astro.h, astro.I, astro.x_A = 0.01 * umolar, 0.9, 0.01 * umolar, 1.0
    to_syn = b2.Synapses(astro, es, "G_A_post = G_A_pre : mmolar (summed)", namespace=ns)
    to_syn.connect("i == astrocyte_index_post")
    to_astro = b2.Synapses(es, astro, "Y_S_post = Y_S_pre/N_incoming : mmolar (summed)", namespace=ns)
    to_astro.connect("astrocyte_index_pre == j")
    gap = b2.Synapses(astro, astro, """delta_I = I_post - I_pre : mmolar
                      J_coupling_post = -(1 + tanh((abs(delta_I) - I_Theta)/omega_I))*sign(delta_I)*F/2 : mmolar/second (summed)""",
                      namespace=ns)
    gap.connect("i != j and sqrt((x_pre-x_post)**2 + (y_pre-y_post)**2) < 75*um")
    mons = {"E": b2.SpikeMonitor(exc), "I": b2.SpikeMonitor(inh), "A": b2.SpikeMonitor(astro)}
    return ([neurons, es, is_, astro, to_syn, to_astro, gap] + list(mons.values()), mons,
            lambda: len(es) + len(is_), {"E": N_e, "I": N_i, "A": N_a})


# ------------------------------------------------------------------------------------------------ report
def events(spikes, outdeg):
    """synaptic events: each spike times its population's mean out-degree"""
    return sum(spikes[k] * outdeg[k] for k in spikes)


def main():
    try:
        import brian2  # noqa: F401
    except ImportError:
        sys.exit("Brian2 is missing: apt-get install python3-brian")
    T = next((float(a[7:]) for a in sys.argv if a.startswith("--time=")), 200 if QUICK else 1000)
    print("M4 beside Brian2 2.5 (C++ standalone, one thread), %g ms simulated; %s, %d cores; medians of %d runs each"
          % (T, cpu(), os.cpu_count(), REPEAT))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("Stimberg et al. example 1 (COBA, Tsodyks-Markram)", brian_coba, coba_args(T),
                  {"E": 0.05 * 4000, "I": 0.2 * 4000})]
        for order in ((250, 2500) if not QUICK else (250,)):  # each neuron's mean out-degree is 0.5 order
            cases.append(("Brunel (brunel_delta_nest), %d neurons" % (5 * order), brian_brunel(order),
                          brunel_args(order, T), {"E": 0.5 * order, "I": 0.5 * order}))
        cases.append(("Stimberg et al. example 6 (G-ChI astrocytes, gap junctions, gliotransmission; mapping fixed)",
                      brian_ex6, ex6_args(T), {"E": 0.05 * 4000 + 0.05 * 3200, "I": 0.2 * 4000, "A": 0}))
        mapped = int(np.count_nonzero(ex6_index() >= 0))
        cases.append(("Stimberg et al. example 6 as written (the script's astrocyte mapping)", brian_ex6_written,
                      ex6_args(T, tmp), {"E": 0.05 * 4000 + 0.05 * (mapped + 800), "I": 0.2 * 4000, "A": 0}))
        if ONLY:
            cases = [c for c in cases if ONLY in c[0]]
        for name, build, args, outdeg in cases:
            again = brian_run(build, T, os.path.join(tmp, "brian"))
            runs = [(again(), tripart(args, 1, os.path.join(tmp, "t1.h5")), tripart(args, 2, os.path.join(tmp, "t2.h5")))
                    for _ in range(REPEAT)]
            b, one, two = (median_run([r[k] for r in runs]) for k in range(3))
            sec = T / 1000.0
            ev_b = events(b["spikes"], outdeg)
            ev_t = events(one["spikes"], outdeg)
            print("\n%s: %d synapses (Brian2 %d)" % (name, one["nsyn"], b["nsyn"]))
            print("  Brian2   %.3f s per simulated second (binary %.2f s, compile %.1f s apart), %.3g events/s, "
                  "peak RSS %.0f MiB (%.0f B per synapse), rates %s"
                  % (b["wall"] / sec, b["binary"], b["compile"], ev_b / b["wall"], b["rss_mib"],
                     b["rss_mib"] * 1048576 / max(b["nsyn"], 1),
                     ", ".join("%s %.3g Hz" % kv for kv in b["rates"].items())))
            print("  tripart  %.3f s per simulated second on 1 rank (%.2fx Brian2), %.3g events/s per core, "
                  "%.0f B per synapse, rates %s"
                  % (one["wall"] / sec, b["wall"] / one["wall"], ev_t / one["wall"], one["bps"],
                     ", ".join("%s %.3g Hz" % kv for kv in one["rates"].items())))
            print("  tripart  %.3f s per simulated second on 2 ranks: %.2fx its 1 rank, %.2fx Brian2's one core"
                  % (two["wall"] / sec, one["wall"] / two["wall"], b["wall"] / two["wall"]))
            if one["spikes"] != two["spikes"]:
                print("  WARNING: 1 and 2 ranks gave different spike counts")
            rows.append((name, b["wall"] / one["wall"], one["wall"] / two["wall"]))
    print("\nratios to Brian2 per core: " + "; ".join("%s %.2fx (2 ranks %.2fx)" % r for r in rows))


if __name__ == "__main__":
    main()
