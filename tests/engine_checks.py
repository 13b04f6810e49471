#!/usr/bin/python3
"""End-to-end checks of the engine's parts that every model uses: the stepper types (fixed on the
decay test model against its exact solution, iterate on the jacobi test model against its fixed
point), checkpoints and restarts of every model, refusals of a stepper a model does not support,
the deprecated option names, -help, and sweeps over any model.  Silent on success.

    engine_checks.py TRIPART MPIEXEC CHECK
"""
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tpcheck import expect_refusals, fail, relerr, run  # noqa: E402

DECAY = ["-model", "decay", "-N", 40, "-connectivity", "random", "-degree", 4, "-stepper_dt", 0.01, "-quiet"]
JACOBI = ["-model", "jacobi", "-N", 60, "-connectivity", "random", "-degree", 5, "-quiet"]


def decay_exact(t, N=40, zeta=0.1):
    """x and v of the damped oscillators of the decay model at time t (MODELS: its kernels.h)."""
    g = np.arange(N)
    om = 1 + 0.1 * (g % 5)
    a, w, x0 = zeta * om, om * np.sqrt(1 - zeta * zeta), np.cos(g)
    e = np.exp(-a * t)
    x = e * (x0 * np.cos(w * t) + a * x0 / w * np.sin(w * t))
    v = e * (-(om * om * x0) / w * np.sin(w * t))
    return x, v


def read(path, *keys):
    with h5py.File(path, "r") as f:
        return [f[k][()] for k in keys] + [dict(f.attrs)]


def check_fixed(tmp):
    """The fixed stepper advances the decay model exactly (its one-step propagator) on any number of
    ranks: the state equals the closed-form solution to 1e-12 and is the same bit for bit on 1-4
    ranks; windows of -decay_window steps, one exchange each; energy never rises.  The ts stepper
    (RK 5dp, tight tolerances) agrees with it to 1e-7."""
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "fixed%d.h5" % np_)
        run(np_, DECAY + ["-stepper_max_time", 10, "-decay_window", 7, "-o", out])
        xv, win, cr, e, attrs = read(out, "state/xv", "state/windows", "state/crossings", "energy")
        x, v = decay_exact(10.0)
        err = max(np.max(np.abs(xv[:, 0] - x)), np.max(np.abs(xv[:, 1] - v)))
        if not err <= 1e-12:
            fail("decay on %d ranks: the fixed grid is %g from the exact solution" % (np_, err))
        if attrs["steps"] != 1000 or attrs["final_time"] != 10.0 or attrs["stepper"] != "fixed":
            fail("decay on %d ranks: steps %d, final time %r, stepper %s" % (np_, attrs["steps"], attrs["final_time"],
                                                                         attrs["stepper"]))
        if win[0] != 143:  # ceil(1000 / 7) windows, one exchange each
            fail("decay on %d ranks: %d exchanges, expected 143" % (np_, win[0]))
        if np.any(np.diff(e) > 1e-14 * e[1:]):
            fail("decay on %d ranks: the energy rises" % np_)
        if ref is None:
            ref = (xv, cr)
        elif not (np.array_equal(ref[0], xv) and np.array_equal(ref[1], cr)):
            fail("decay on %d ranks differs from 1 rank" % np_)
    out = os.path.join(tmp, "ts.h5")
    k = DECAY.index("-stepper_dt")  # a grid step means nothing to the ts stepper, and would be refused as unread
    run(2, DECAY[:k] + DECAY[k + 2:] + ["-stepper_type", "ts", "-ts_type", "rk", "-ts_rk_type", "5dp", "-ts_rtol", 1e-11,
                                        "-ts_atol", 1e-13, "-ts_max_time", 10, "-o", out])
    xv, = read(out, "state/xv")[:1]
    x, v = decay_exact(10.0)
    if not max(np.max(np.abs(xv[:, 0] - x)), np.max(np.abs(xv[:, 1] - v))) <= 1e-7:
        fail("decay with the ts stepper is far from the exact solution")


def check_iterate(tmp):
    """The iterate stepper maps the jacobi model to its fixed point: the distance to it is below
    tol w / (1 - w); the iterations and the iterate are the same bit for bit on 1-4 ranks; a limit on
    the iterations stops it there, not converged."""
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "it%d.h5" % np_)
        run(np_, JACOBI + ["-jacobi_tol", 1e-11, "-o", out])
        x, err, attrs = read(out, "state/x", "observables/error")
        if not err[-1] <= 1.01e-11 or attrs["stepper"] != "iterate":
            fail("jacobi on %d ranks: %g from the fixed point after %d iterations" % (np_, err[-1], attrs["steps"]))
        if ref is None:
            ref = (x, attrs["steps"])
        elif not (np.array_equal(ref[0], x) and ref[1] == attrs["steps"]):
            fail("jacobi on %d ranks differs from 1 rank (%d vs %d iterations)" % (np_, attrs["steps"], ref[1]))
    out = os.path.join(tmp, "limited.h5")
    p = run(2, [a for a in JACOBI if a != "-quiet"] + ["-stepper_max_steps", 5, "-o", out])
    steps, = [read(out, "step")[1]["steps"]]
    if steps != 5 or "not converged" not in p.stdout:
        fail("jacobi with -stepper_max_steps 5 ran %d iterations:\n%s" % (steps, p.stdout))


# every model, its arguments to the end, and the interval of its checkpoints (one half-way; None: at the end)
RESTARTS = {
    "naam": (["-N", 40, "-K", 3, "-save_synapses", "-ts_max_time", 6], 4),
    "gated": (["-model", "gated", "-N", 30, "-K", 6, "-cue_flip_count", 4, "-ts_max_time", 5], 3),
    "hopfield": (["-model", "hopfield", "-N", 30, "-K", 4, "-ts_type", "euler", "-ts_dt", 0.01, "-ts_max_time", 2], 1.3),
    "dam": (["-model", "dam", "-N", 30, "-K", 5, "-ts_max_time", 3], 2),
    "modern": (["-model", "modern", "-N", 30, "-K", 5, "-ts_max_time", 3], 2),
    # the discrete update: 10 sweeps to a 2-cycle seen from step 9 (the state before the last sweep is checkpointed), 4 sweeps
    "dam_sync": (["-model", "dam", "-dam_update", "sync", "-N", 37, "-K", 300, "-cue_flip_count", 9], 9),
    "dam_async": (["-model", "dam", "-dam_update", "async", "-N", 37, "-K", 300, "-cue_flip_count", 9], 3),
    "oracle": (["-model", "oracle", "-N", 30, "-K", 5], None),
    "decay": (DECAY[:-1] + ["-decay_window", 6, "-stepper_max_time", 9], 5),
    "jacobi": (JACOBI[:-1], 13),
    # M5: a checkpoint in the soft-min phase after two convergence tests; every series every 10 epochs
    "consolidation": (["-model", "consolidation", "-N", 40, "-consolidation_M", 8, "-consolidation_eta", 0.02,
                       "-consolidation_eta_theta", 0.02, "-consolidation_beta", 100, "-consolidation_check", 50,
                       "-stepper_max_steps", 200, "-monitor_every", 10], 130),
    # M5's wake and sleep: a checkpoint asleep (the retained patterns come back from it)
    "consolidation_sleep": (["-model", "consolidation", "-consolidation_protocol", "wake_sleep", "-N", 200,
                             "-consolidation_M", 20, "-consolidation_wake_passes", 35, "-consolidation_sleep_epochs", 30,
                             "-seed", 7, "-monitor_every", 7], 705),
    # M4: Brunel's network, checkpointed mid-window (membranes, refractory counts, ring buffers, spikes so far)
    "spiking": (["-model", "spiking", "-spiking_brunel_order", 100, "-stepper_max_time", 100, "-monitor_every", 7], 43.3),
    # M4's newer types with Tsodyks-Markram and STDP synapses (u, x, K+, K-, the weights and the last spikes come back)
    "spiking_types": (["-model", "spiking", "-spiking_populations", "A:20,X:6,C:10,Z:5", "-spiking_A_type", "iaf_psc_alpha",
                       "-spiking_A_poisson_rate", 9000, "-spiking_A_poisson_weight", 20, "-spiking_X_type",
                       "aeif_cond_alpha", "-spiking_X_I_e", 700, "-spiking_C_type", "coba_lif", "-spiking_C_I_e", 150,
                       "-spiking_C_V_m_uniform", "-60,-50", "-spiking_Z_type", "izhikevich", "-spiking_Z_I_e", 8,
                       "-spiking_projections", "A-C,C-A,A-X,X-C,C-Z,Z-A,X-Z", "-spiking_Z-A_synapse", "stdp_multiplicative",
                       "-spiking_X-Z_synapse", "stdp_gated", "-spiking_X-Z_gate", "C", "-spiking_X-Z_tau_c", 30,
                       "-spiking_X-Z_weight", 1, "-spiking_X-Z_W_max", 4, "-spiking_X-Z_lambda", 0.05,
                       "-spiking_X-Z_eta", 0.05,
                       "-spiking_Z-A_weight", 20, "-spiking_Z-A_W_max", 60, "-spiking_Z-A_lambda", 0.1,
                       "-spiking_A-C_synapse", "tsodyks_markram",
                       "-spiking_C-A_synapse", "tsodyks_markram", "-spiking_C-A_weight", 30, "-spiking_A-X_synapse",
                       "tsodyks_markram", "-spiking_A-X_weight", 2, "-spiking_C-Z_weight", 1.5, "-spiking_C-Z_synapse",
                       "tsodyks_markram", "-spiking_C-Z_tau_fac", 0, "-stepper_max_time", 120, "-monitor_every", 3], 67.3),
    # M4's astrocytes (IP3, Ca, h and the input pending within a slow step of 0.3 ms; I_SIC and its ring;
    # calcium events; gap junctions)
    "spiking_astro": (["-model", "spiking", "-spiking_populations", "E:30,A:8", "-spiking_E_type", "aeif_cond_alpha",
                       "-spiking_E_poisson_rate", 4000, "-spiking_E_poisson_weight", 1, "-spiking_E_tau_syn_ex", 2,
                       "-spiking_A_type", "astrocyte_lr_1994", "-spiking_A_delta_IP3", 0.05, "-spiking_A_IP3", 0.4,
                       "-spiking_A_Ca_astro", 0.3, "-spiking_A_Ca_threshold", 0.31, "-spiking_A-A_synapse",
                       "gap_junction", "-spiking_A-A_rule", "pairwise_bernoulli", "-spiking_A-A_p", 0.5,
                       "-spiking_A-A_symmetric", "-spiking_A-A_weight", 0.01,
                       "-spiking_astro_dt", 0.3, "-spiking_projections", "E-E,E-A,A-E,A-A",
                       "-spiking_E-E_rule", "pairwise_bernoulli", "-spiking_E-E_p", 0.2, "-spiking_E-A_rule",
                       "pairwise_bernoulli", "-spiking_E-A_p", 0.3, "-spiking_E-A_delay", 1.2, "-spiking_A-E_weight",
                       3, "-spiking_A-E_delay", 2.5, "-spiking_record_astro", "30,37", "-stepper_max_time", 120,
                       "-monitor_every", 7], 67.3),
    # G-ChI astrocytes (I, C, h, Gamma_A, x_A, G_A, the glutamate and the glutamate held over a slow step of
    # 0.3 ms), fed by tripartite Tsodyks-Markram synapses, releasing gliotransmitter after the checkpoint (71.1 ms),
    # with gap junctions and gliotransmission (Gamma_S from the start: G_A 20 uM)
    "spiking_gchi": (["-model", "spiking", "-spiking_populations", "E:30,A:8", "-spiking_E_type", "coba_lif",
                      "-spiking_E_I_e", 150, "-spiking_E_V_m_uniform", "-60,-50", "-spiking_A_type", "astrocyte_gchi",
                      "-spiking_A_I", 1.2, "-spiking_A_C", 0.35, "-spiking_A_O_N", 3, "-spiking_projections",
                      "E-E,E-A,A-A", "-spiking_E-E_rule", "pairwise_bernoulli", "-spiking_E-E_p", 0.2,
                      "-spiking_E-E_synapse", "tsodyks_markram", "-spiking_E-E_third", "A", "-spiking_E-A_rule",
                      "third", "-spiking_E-A_synapse", "tsodyks_markram", "-spiking_A-A_synapse", "gap_junction",
                      "-spiking_A-A_rule", "pairwise_bernoulli", "-spiking_A-A_p", 0.5, "-spiking_A-A_symmetric",
                      "-spiking_A-A_weight", 0.002, "-spiking_astro_dt", 0.3, "-spiking_record_astro", "30,37",
                      "-spiking_E-E_glio_alpha", 0.1, "-spiking_A_G_A", 0.02,
                      "-stepper_max_time", 120, "-monitor_every", 7], 69.5),
    # astrocytes with processes: each tripartite synapse its own compartment (pool_type synapse), three cells of
    # 30 compartments with IP3 and Ca diffusing along a binary tree, sending SIC back to the targets
    "spiking_cells": (["-model", "spiking", "-spiking_populations", "E:30,A:90", "-spiking_E_type", "aeif_cond_alpha",
                       "-spiking_E_poisson_rate", 4000, "-spiking_E_poisson_weight", 1, "-spiking_E_tau_syn_ex", 2,
                       "-spiking_A_type", "astrocyte_lr_1994", "-spiking_A_delta_IP3", 0.3, "-spiking_A_cell_size", 30,
                       "-spiking_A_D_IP3", 0.05, "-spiking_A_D_Ca", 0.02, "-spiking_A_IP3_uniform", "0.2,0.6",
                       "-spiking_A_Ca_uniform", "0.1,0.4", "-spiking_astro_dt", 0.3, "-spiking_projections",
                       "E-E,E-A,A-E", "-spiking_E-E_rule", "fixed_indegree", "-spiking_E-E_indegree", 3,
                       "-spiking_E-E_third", "A", "-spiking_E-E_pool_type", "synapse", "-spiking_E-A_rule", "third",
                       "-spiking_A-E_rule", "third", "-spiking_A-E_weight", 3, "-spiking_record_astro", "30,59,119",
                       "-stepper_max_time", 120, "-monitor_every", 7], 67.3),
}
# the same with the diffusion implicit (ARKIMEX; restarts bit for bit on the same ranks)
RESTARTS["spiking_cells_arkimex"] = (RESTARTS["spiking_cells"][0] + ["-spiking_astro_ts_type", "arkimex",
                                                                     "-spiking_A_D_IP3", 2], 67.3)


def state_of(path):
    with h5py.File(path, "r") as f:
        d = {"state/" + k: f["state/" + k][()] for k in f["state"]}
        d.update({k: f[k][()] for k in ("time", "step")})
        obs = f["observables"]
        for k in obs:
            d["observables/" + k] = obs[k][()]
        if "energy" in f:
            d["energy"] = f["energy"][()]
        for p in f.get("spikes", {}):
            for k in ("timestamps", "node_ids"):
                d["spikes/%s/%s" % (p, k)] = f["spikes"][p][k][()]
        return d


def check_restart_all(tmp):
    """Every model checkpoints and restarts: continued from a checkpoint written half-way through a
    run, it ends as that run did, bit for bit on the same ranks and to 1e-10 on others (M2's gains,
    the decay model's integer fields, the jacobi iterate and every series included)."""
    for model, (args, interval) in RESTARTS.items():
        args = args + ["-quiet"]
        ref, ck = os.path.join(tmp, "%s_ref.h5" % model), os.path.join(tmp, "%s.ckpt" % model)
        trigger = ["-checkpoint_final"] if interval is None else ["-checkpoint_interval", interval]
        run(2, args + ["-o", ref, "-checkpoint", ck] + trigger)
        A = state_of(ref)
        with h5py.File(ck, "r") as f:
            step = f.attrs["step"]
        if interval is not None and not 0 < step < A["step"][-1]:
            fail("%s: the checkpoint is not from the middle of the run (step %d of %d)" % (model, step, A["step"][-1]))
        for np_ in (2, 3):
            out = os.path.join(tmp, "%s_resumed%d.h5" % (model, np_))
            run(np_, args + ["-restart", ck, "-o", out])
            B = state_of(out)
            if sorted(A) != sorted(B):
                fail("%s resumed on %d ranks has datasets %s, the uninterrupted run %s" % (model, np_, sorted(B), sorted(A)))
            for k in A:
                same = np.array_equal(A[k], B[k], equal_nan=A[k].dtype.kind == "f")
                if np_ == 2 and not same:
                    fail("%s resumed on the same 2 ranks from step %d: /%s is not bit-identical" % (model, step, k))
                if not same and (A[k].dtype.kind != "f" or not relerr(np.nan_to_num(B[k]), np.nan_to_num(A[k])) <= 1e-10):
                    fail("%s resumed on %d ranks: /%s differs" % (model, np_, k))


def check_refusals(tmp):
    """A stepper type a model does not supply is refused naming both; so is a checkpoint of another
    model or stepper."""
    cases = [
        (["-model", "naam", "-N", 20, "-stepper_type", "fixed"], ["-stepper_type fixed", "naam", "ts"]),
        (["-model", "gated", "-N", 20, "-stepper_type", "iterate"], ["-stepper_type iterate", "gated"]),
        (["-model", "jacobi", "-N", 20, "-stepper_type", "ts"], ["-stepper_type ts", "jacobi", "iterate"]),
        (["-model", "decay", "-N", 20, "-stepper_type", "none"], ["-stepper_type none", "decay", "fixed,ts"]),
        (["-model", "naam", "-N", 20, "-stepper_type", "sideways"], ["sideways", "-stepper_type"]),
        (["-model", "decay", "-N", 20, "-stepper_dt", 0], ["-stepper_dt"]),
        (["-model", "decay", "-N", 20, "-stepper_max_steps", "1e3"], ["-stepper_max_steps", "1e3"]),
        (["-model", "decay", "-N", 20, "-decay_zeta", 1.5], ["-decay_zeta", "1.5"]),
        (["-model", "jacobi", "-N", 20, "-jacobi_weight", 1], ["-jacobi_weight"]),
        (["-attractor_sigma", -1, "-model", "hopfield", "-N", 20], ["-attractor_sigma", "-1"]),
    ]
    ck = os.path.join(tmp, "d.ckpt")
    run(1, DECAY + ["-stepper_max_time", 1, "-o", os.path.join(tmp, "d.h5"), "-checkpoint", ck, "-checkpoint_final"])
    cases += [
        (["-model", "jacobi", "-N", 40, "-connectivity", "random", "-degree", 4, "-restart", ck],
         ["model 'decay'", "'jacobi'"]),
        (DECAY[:-1] + ["-stepper_type", "ts", "-restart", ck], ["stepper 'fixed'", "'rk 3bs'"]),
        (DECAY[:-1] + ["-stepper_dt", 0.02, "-restart", ck], ["-stepper_dt"]),
    ]

    def complete(np_, args):
        target = os.path.join(tmp, "refused%d_%d.h5" % (np_, abs(hash(tuple(map(str, args))))))
        return args + ["-quiet", "-o", target], target

    expect_refusals(cases, complete)


def check_aliases(tmp):
    """The old option names still work, as deprecated aliases of the new ones: the same results, the
    new names in the output's options, a deprecation warning; in a sweep the alias reaches every model."""
    pairs = [
        (["-coupling", "hebbian,constant", "-init", "zero"], ["-naam_coupling", "hebbian,constant", "-naam_init", "zero"]),
        (["-model", "gated", "-sigma", 3, "-tau_x", 0.7], ["-model", "gated", "-attractor_sigma", 3, "-attractor_tau_x", 0.7]),
    ]
    for old, new in pairs:
        outs = [os.path.join(tmp, "alias_%s.h5" % w) for w in ("old", "new")]
        texts = []
        for args, out in zip((old, new), outs):
            p = run(1, ["-N", 30, "-K", 4, "-ts_max_time", 2] + args + ["-o", out])
            texts.append(p.stdout + p.stderr)
        if "deprecated" not in texts[0] or "deprecated" in texts[1]:
            fail("old option names %s: no deprecation warning (or one for the new names)" % old)
        A, B = state_of(outs[0]), state_of(outs[1])
        for k in A:
            if not np.array_equal(A[k], B[k], equal_nan=True):
                fail("old option names %s give another /%s than the new ones" % (old, k))
        with h5py.File(outs[0], "r") as f:
            opts = f.attrs["options"]
            for name in new[::2]:
                if name != "-model" and name not in opts:
                    fail("the output's options do not show %s: %s" % (name, opts))
    tabs = []
    for names in (["-sigma", 3, "-tau_x", 0.8], ["-attractor_sigma", 3, "-attractor_tau_x", 0.8]):
        out = os.path.join(tmp, "sweep_%s.h5" % names[0][1:])
        run(2, ["sweep", "-models", "gated,hopfield,dam", "-N", 16, "-K", "2,4", "-flips", 2, "-trials", 2,
                "-ts_max_time", 1, "-quiet", "-o", out] + names)
        with h5py.File(out, "r") as f:
            tabs.append({k: f["results"][k][()] for k in f["results"] if k != "wall_time"})
    for k in tabs[0]:
        if not np.array_equal(tabs[0][k], tabs[1][k], equal_nan=True):
            fail("a sweep with -sigma/-tau_x differs from one with -attractor_sigma/-attractor_tau_x in /results/%s" % k)


def check_help(tmp):
    """-help lists the new option names (and exits 0 without running)."""
    for model, names in (("naam", ("-naam_coupling", "-naam_init", "-naam_c_T", "-naam_diffusion", "-stepper_type",
                                    "-monitor_every", "-checkpoint_interval", "-model", "-ts_type")),
                         ("gated", ("-attractor_sigma", "-attractor_tau_x", "-gated_tau_a", "-gated_T")),
                         ("decay", ("-decay_zeta", "-decay_window", "-stepper_dt", "-stepper_max_time"))):
        p = run(1, ["-help", "-model", model, "-N", 20, "-o", os.path.join(tmp, "help.h5")])
        for name in names:
            if name not in p.stdout:
                fail("-help -model %s does not list %s" % (model, name))
        if os.path.exists(os.path.join(tmp, "help.h5")):
            fail("-help wrote an output file")


def check_sweep_any(tmp):
    """A sweep takes any model: its columns are the union of the models' summary scalars."""
    out = os.path.join(tmp, "any.h5")
    run(2, ["sweep", "-models", "decay,jacobi,gated", "-N", 16, "-K", 2, "-flips", "0,1", "-trials", 2, "-quiet",
            "-ts_max_time", 1, "-stepper_max_time", 1, "-o", out])
    with h5py.File(out, "r") as f:
        r = f["results"]
        for k in ("energy", "crossings", "residual", "error", "hamming_error", "steps", "status"):
            if k not in r:
                fail("sweep table lacks /results/%s: %s" % (k, list(r)))
        if not np.all(r["status"][()] == 1):
            fail("sweep over decay, jacobi and gated: trials not done: %s" % r["status"][()])
        err = r["error"][()]
        if not (np.all(err[1] <= 1e-11) and np.all(np.isnan(err[[0, 2]]))):
            fail("jacobi's error column: %s" % err)
        if not np.all(r["crossings"][()][1:] == -1):
            fail("integer columns of models without them should be -1: %s" % r["crossings"][()])


def check_sweep_grid(tmp):
    """-grid_<option> v1,v2,...: each model a variant per combination (the table's first dimension, the values
    under /grid); every trial is the run of its options and seed, bit for bit; M5 (no patterns) sweeps one K
    and one cue by default; a rerun resumes, another grid is refused, and so are an option both swept and
    given and a list with an empty value."""
    out = os.path.join(tmp, "grid.h5")
    base = ["sweep", "-models", "consolidation", "-N", 30, "-trials", 2, "-quiet", "-o", out]
    grid = ["-grid_consolidation_z", "1,2", "-grid_consolidation_alpha", "0.1,0.2,0.3"]
    run(2, base + grid)
    with h5py.File(out, "r") as f:
        g, r = f["grid"], f["results"]
        z, alpha, status = g["consolidation_z"][()], g["consolidation_alpha"][()], r["status"][()]
        dens, err = r["density"][()], r["error"][()]
        if status.shape != (6, 1, 1, 2) or not np.all(status == 1):
            fail("a grid of 2 z x 3 alpha: the table's status is %s, not 6 variants x 1 K x 1 cue x 2 trials done"
                 % status.squeeze())
        if sorted(zip(z, alpha)) != sorted((a, b) for a in (1.0, 2.0) for b in (0.1, 0.2, 0.3)):
            fail("/grid's values are not each combination once: z %s, alpha %s" % (z, alpha))
    for v in (0, 4):
        for s in range(2):
            one = os.path.join(tmp, "one.h5")
            run(1, ["-model", "consolidation", "-N", 30, "-consolidation_z", "%g" % z[v], "-consolidation_alpha",
                    "%g" % alpha[v], "-seed", 1 + s, "-quiet", "-o", one])
            with h5py.File(one, "r") as f:
                a = f["observables"].attrs
                if a["density"] != dens[v, 0, 0, s] or a["error"] != err[v, 0, 0, s]:
                    fail("trial (z %g, alpha %g, seed %d): density %r and error %r, the run's %r and %r"
                         % (z[v], alpha[v], 1 + s, dens[v, 0, 0, s], err[v, 0, 0, s], a["density"], a["error"]))
    p = run(1, [a for a in base if a != "-quiet"] + grid)
    if "done: 0 trials" not in p.stdout:
        fail("rerunning the same grid should resume a complete table:\n" + p.stdout)
    for args, words in ((base + ["-grid_consolidation_z", "1,3", "-grid_consolidation_alpha", "0.1,0.2,0.3"],
                         "holds another sweep"),
                        (base[:-1] + [os.path.join(tmp, "b.h5"), "-grid_consolidation_z", "1,2", "-consolidation_z",
                                      3], "-grid_consolidation_z sweeps -consolidation_z, which is also given"),
                        (base[:-1] + [os.path.join(tmp, "b.h5"), "-grid_consolidation_z", "1,,2"], "needs values")):
        p = run(1, args, expect_ok=False)
        if p.returncode == 0 or words not in p.stdout + p.stderr or os.path.exists(os.path.join(tmp, "b.h5")):
            fail("%s: should be refused saying '%s' (exit %d):\n%s%s" % (" ".join(map(str, args)), words,
                                                                        p.returncode, p.stdout, p.stderr))


def main():
    check = sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        {"fixed": check_fixed, "iterate": check_iterate, "restart_all": check_restart_all,
         "refusals": check_refusals, "aliases": check_aliases, "help": check_help,
         "sweep_any": check_sweep_any, "sweep_grid": check_sweep_grid}[check](tmp)


if __name__ == "__main__":
    main()
