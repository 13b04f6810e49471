#!/usr/bin/python3
"""End-to-end checks of M2 (gated), the M3 baselines and the sweep subcommand, run by ctest.
Silent on success; on failure they print what differed and exit non-zero.

    model_checks.py TRIPART MPIEXEC CHECK
"""
import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tpcheck import main as tp_main, ENV, cmd, expect_refusals, fail, relerr, run  # noqa: E402

EULER = ["-ts_type", "euler", "-ts_dt", 1e-3, "-ts_max_time", 10]
MODELS = ["gated", "naam", "hopfield", "dam", "modern", "oracle"]


def check_gated(tmp):
    """The gated memory: its Lyapunov function never increases, the gains stay on the simplex, at
    convergence a = softmax(f/T), and with tau_a very large it is classical Hopfield."""
    out = os.path.join(tmp, "g.h5")
    # the published dynamics study: N = 30, K = 100, 6 flipped bits
    run(2, ["-model", "gated", "-N", 30, "-K", 100, "-cue_flip_count", 6, "-quiet", "-monitor_every", 10,
            "-o", out] + EULER)
    with h5py.File(out, "r") as f:
        e, a = f["energy"][:], f["state/a"][:]
        if len(e) < 1000 or np.any(np.diff(e) > 1e-12 * np.abs(e[1:])):
            fail("gated Lyapunov function increases: largest step %g" % np.max(np.diff(e)))
        if abs(a.sum() - 1) > 1e-12 or a.min() < 0:
            fail("gains left the simplex: sum - 1 = %g, min %g" % (a.sum() - 1, a.min()))
        p = f["observables/perplexity"][:]
        if not (abs(p[0] - 100) < 1e-9 and 1 <= p[-1] < 1.5):
            fail("perplexity from %g to %g (expected K = 100 to about 1)" % (p[0], p[-1]))
    # the fixed point at a softer temperature: a = softmax(f/T), f = m^2 / 2N
    T = 0.5
    run(1, ["-model", "gated", "-N", 30, "-K", 8, "-cue_flip_count", 3, "-gated_T", T, "-quiet", "-o", out,
            "-ts_max_time", 200, "-ts_rtol", 1e-10, "-ts_atol", 1e-12])
    with h5py.File(out, "r") as f:
        x, a, xi = f["state/x"][:], f["state/a"][:], f["patterns"][:].astype(float)
        m = xi @ np.tanh(5 * x)
        fa = m * m / (2 * 30)
        soft = np.exp((fa - fa.max()) / T)
        soft /= soft.sum()
        if np.max(np.abs(a - soft)) > 1e-6:
            fail("gated fixed point: |a - softmax(f/T)| = %g" % np.max(np.abs(a - soft)))
    # frozen gains: the classical Hopfield trajectory
    outs = []
    for model, extra in (("gated", ["-gated_tau_a", 1e12]), ("hopfield", [])):
        outs.append(os.path.join(tmp, model + ".h5"))
        run(2, ["-model", model, "-N", 60, "-K", 9, "-cue_flip_count", 9, "-quiet", "-o", outs[-1]] + extra + EULER)
    with h5py.File(outs[0], "r") as g, h5py.File(outs[1], "r") as h:
        err = relerr(g["state/x"][:], h["state/x"][:])
        if err > 1e-8:
            fail("gated with tau_a = 1e12 differs from hopfield: relative error %g" % err)
    # every gradient model's energy falls
    for model in ("hopfield", "dam", "modern"):
        run(1, ["-model", model, "-N", 40, "-K", 12, "-cue_flip_count", 8, "-quiet", "-o", out] + EULER)
        with h5py.File(out, "r") as f:
            e = f["energy"][:]
            if np.any(np.diff(e) > 1e-12 * np.abs(e[1:])):
                fail("%s energy increases: largest step %g" % (model, np.max(np.diff(e))))


def check_capacity(tmp):
    """Classical Hopfield retrieves at K = 0.05 N and fails at 0.3 N; the quartic DAM retrieves at
    0.3 N (N = 200, 10 % flipped bits, several pattern sets)."""
    out = os.path.join(tmp, "cap.h5")
    run(2, ["sweep", "-models", "hopfield,dam", "-N", 200, "-K", "10,60", "-flips", 20, "-trials", 4, "-quiet",
            "-o", out])
    with h5py.File(out, "r") as f:
        m = f["summary/mean_hamming_error"][:, :, 0]
    if m[0, 0] > 2:
        fail("hopfield at K = 0.05 N: mean Hamming error %g (expected at most 1 %% of N)" % m[0, 0])
    if m[0, 1] < 10:
        fail("hopfield at K = 0.3 N: mean Hamming error %g (expected failure, above 5 %% of N)" % m[0, 1])
    if m[1, 1] > 2:
        fail("dam (n = 4) at K = 0.3 N: mean Hamming error %g (expected at most 1 %% of N)" % m[1, 1])


def check_oracle(tmp):
    """No model beats the nearest-pattern oracle on the same trials (mean per grid point), while the
    cue is nearer its target than other patterns are likely to be (at high corruption a model that
    stays near the cue can beat any choice of a stored pattern)."""
    out = os.path.join(tmp, "or.h5")
    run(2, ["sweep", "-models", ",".join(MODELS), "-K", "2,5,10,20", "-flips", "1,2,3", "-trials", 20, "-quiet",
            "-o", out])
    with h5py.File(out, "r") as f:
        names = [m.decode() for m in f["grid/model"][:]]
        mean = f["summary/mean_hamming_error"][:]
        if f.attrs["trials_done"] != f.attrs["trials_total"]:
            fail("oracle sweep incomplete: %d of %d" % (f.attrs["trials_done"], f.attrs["trials_total"]))
    o = mean[names.index("oracle")]
    for i, n in enumerate(names):
        if np.any(mean[i] < o - 1e-12):
            fail("%s beats the oracle: %s < %s" % (n, mean[i][mean[i] < o], o[mean[i] < o]))


def check_invariance(tmp):
    """Every model gives the same final state on 1 to 4 ranks."""
    for model in MODELS:
        ref = None
        for np_ in (1, 2, 3, 4):
            out = os.path.join(tmp, "%s%d.h5" % (model, np_))
            steps = [] if model == "oracle" else ["-ts_type", "euler", "-ts_dt", 1e-2, "-ts_max_time", 5]
            run(np_, ["-model", model, "-N", 37, "-K", 7, "-cue_flip_count", 6, "-quiet", "-o", out] + steps)
            with h5py.File(out, "r") as f:
                s = np.concatenate([f["state/x"][:]] + ([f["state/a"][:]] if "a" in f["state"] else []))
            if ref is None:
                ref = s
            elif relerr(s, ref) > 1e-10:
                fail("%s on %d ranks differs from 1 rank: relative error %g" % (model, np_, relerr(s, ref)))


def dam_twin(xi, cue, n, update):
    """Krotov and Hopfield's discrete update in exact integers (Python's), dense and serial: the
    states after each sweep until a sweep changes nothing or, synchronous, goes back to the state
    before the one before (a 2-cycle); at most 50."""
    xi = [[int(v) for v in row] for row in xi]  # K x N
    s = [int(v) for v in cue]
    states = [list(s)]
    K, N = len(xi), len(cue)

    def new_state(i, m):
        d = sum((xi[mu][i] + m[mu] - xi[mu][i] * s[i]) ** n - (-xi[mu][i] + m[mu] - xi[mu][i] * s[i]) ** n
                for mu in range(K))
        return 1 if d > 0 else -1 if d < 0 else s[i]

    for _ in range(50):
        m = [sum(xi[mu][j] * s[j] for j in range(N)) for mu in range(K)]
        if update == "sync":
            new = [new_state(i, m) for i in range(N)]
            changed, s = new != s, new
        else:
            changed = False
            for i in range(N):
                v = new_state(i, m)
                if v != s[i]:
                    m = [m[mu] + (v - s[i]) * xi[mu][i] for mu in range(K)]
                    s[i], changed = v, True
        states.append(list(s))
        if not changed or (update == "sync" and len(states) >= 3 and states[-1] == states[-3]):
            break
    return np.array(states[1:], float)


def check_dam_discrete(tmp):
    """-dam_update sync|async against a dense serial twin in exact integers: the state after every
    sweep, the number of sweeps and the energy -(N/n) sum (m/N)^n, bit for bit on 1, 2 and 3 ranks
    and on 3 ranks with a scrambled partition (asynchronous runs cut at every owner change); the
    energy of asynchronous sweeps never rises; n = 12 sums in floating point (K (N+1)^n > 2^62)
    and still agrees; the continuous options are refused with the discrete update."""
    N, K, flips = 37, 30, 9
    part = os.path.join(tmp, "scrambled.h5")
    run(1, ["partition", "-N", N, "-nparts", 3, "-partitioner", "block", "-o", part])
    with h5py.File(part, "r+") as f:
        f["rank"][...] = np.random.default_rng(5).integers(0, 3, N)
    for n, K in ((2, 5), (3, 12), (4, 300), (12, 30)):
        for update in ("sync", "async"):
            ref = None
            for np_, extra in ((1, []), (2, []), (3, []), (3, ["-partition", part])):
                out = os.path.join(tmp, "dd.h5")
                run(np_, ["-model", "dam", "-dam_update", update, "-dam_n", n, "-N", N, "-K", K, "-cue_flip_count",
                          flips, "-monitor_every", 1, "-quiet", "-o", out] + extra)
                with h5py.File(out, "r") as f:
                    xi, cue, x = f["patterns"][:], f["cue"][:], f["state/x"][:]
                    e, ov, steps = f["energy"][:], f["observables/overlap"][:], f.attrs["steps"]
                    if f.attrs["stepper"] != "iterate":
                        fail("dam -dam_update %s is stepped by %s" % (update, f.attrs["stepper"]))
                if ref is None:
                    states = dam_twin(xi, cue, n, update)
                    m = states @ xi.T.astype(float)
                    want = -(N / n) * np.sum((m / N) ** n, axis=1)
                    if len(states) != steps or not np.array_equal(states[-1], x):
                        fail("dam %s n=%d: %d sweeps to a state %d bits from the twin's (%d sweeps)" %
                             (update, n, steps, np.sum(states[-1] != x), len(states)))
                    if not np.allclose(ov[1:], m / N, rtol=0, atol=1e-15) or relerr(e[1:], want) > 1e-13:
                        fail("dam %s n=%d: overlaps or energies along the sweeps differ from the twin's" % (update, n))
                    if update == "async" and np.any(np.diff(e) > 1e-12 * np.abs(e[1:])):
                        fail("dam async n=%d: the energy rises: %s" % (n, e))
                    if n == 4 and not (steps >= 3 and np.sum(x != cue) >= flips):
                        fail("dam %s n=4: the case is too easy to test anything (%d sweeps)" % (update, steps))
                    cycle = update == "sync" and len(states) >= 2 and np.array_equal(states[-1], (states[-3] if len(
                        states) >= 3 else cue))
                    if n == 4 and update == "sync" and not cycle:
                        fail("dam sync n=4: expected a 2-cycle in this case, got none")
                    ref = (x, e, steps)
                elif not (np.array_equal(ref[0], x) and np.array_equal(ref[1], e) and ref[2] == steps):
                    fail("dam %s n=%d on %d ranks %s differs from 1 rank" % (update, n, np_, " ".join(extra)))
    p = run(1, ["-model", "dam", "-dam_update", "async", "-attractor_sigma", 2, "-N", 20, "-K", 3, "-quiet"],
            expect_ok=False)
    if p.returncode == 0 or "-attractor_sigma 2 was given but this run does not read it" not in p.stderr:
        fail("-attractor_sigma with the discrete update is not refused as unread:\n" + p.stdout + p.stderr)
    p = run(1, ["-model", "dam", "-dam_update", "async", "-stepper_type", "ts", "-N", 20, "-K", 3], expect_ok=False)
    if p.returncode == 0 or "iterate" not in p.stdout + p.stderr:
        fail("the discrete update accepted -stepper_type ts:\n" + p.stdout + p.stderr)


def table(path):
    with h5py.File(path, "r") as f:
        r = {k: f["results"][k][:] for k in f["results"] if k != "wall_time"}
        return r, dict(f.attrs)


def check_sweep_invariance(tmp):
    """A sweep's table is the same on 1 to 4 ranks, with one rank per trial or two."""
    grid = ["sweep", "-models", "gated,naam,hopfield,oracle", "-K", "3:12:3", "-flips", "2,4", "-trials", 3,
            "-quiet", "-ts_max_time", 2]
    ref, _ = table_run(tmp, 1, grid, "t1.h5")
    for np_, extra in ((2, []), (3, []), (4, []), (4, ["-ranks_per_trial", 2])):
        got, attrs = table_run(tmp, np_, grid + extra, "t%d%s.h5" % (np_, "r" if extra else ""))
        for k in ref:
            a, b = np.nan_to_num(got[k]), np.nan_to_num(ref[k])
            if (np.any(a != b) if not extra else relerr(a, b) > 1e-10 if k != "steps" else np.any(a != b)):
                fail("sweep on %d ranks %s: /results/%s differs from 1 rank" % (np_, extra, k))
        if attrs["ranks"] != np_ or not attrs["complete"]:
            fail("sweep table attributes: ranks %d, complete %d" % (attrs["ranks"], attrs["complete"]))


def table_run(tmp, np_, args, name):
    out = os.path.join(tmp, name)
    run(np_, args + ["-o", out])
    return table(out)


def check_resume(tmp):
    """A sweep stopped by a signal saves its finished trials and exits 3; the same command then
    runs only the rest, and the table equals that of an uninterrupted sweep."""
    grid = ["sweep", "-models", "gated,naam,hopfield", "-K", "2:40@8", "-flips", "1:4", "-trials", 4,
            "-progress_interval", 0.2]
    ref, _ = table_run(tmp, 2, grid + ["-quiet"], "ref.h5")
    out = os.path.join(tmp, "cut.h5")
    p = subprocess.Popen(cmd(2, grid + ["-o", out]), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    deadline = time.time() + 120
    while not os.path.exists(out) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(signal.SIGUSR1)  # mpirun forwards SIGUSR1 to the ranks
    text = p.communicate(timeout=300)[0]
    if p.returncode != 3 or "run the same command again" not in text:
        fail("a sweep stopped by SIGUSR1 exited %d:\n%s" % (p.returncode, text))
    with h5py.File(out, "r") as f:
        done = f.attrs["trials_done"]
        if f.attrs["complete"] or not 0 < done < f.attrs["trials_total"]:
            fail("interrupted sweep table: complete %d, %d of %d done" % (f.attrs["complete"], done,
                                                                         f.attrs["trials_total"]))
    p = run(2, grid + ["-o", out])
    if "resuming" not in p.stdout or ("%d trials already done" % done) not in p.stdout:
        fail("the rerun did not resume from %d done trials:\n%s" % (done, p.stdout))
    got, attrs = table(out)
    for k in ref:
        if np.any(np.nan_to_num(got[k]) != np.nan_to_num(ref[k])):
            fail("resumed sweep: /results/%s differs from an uninterrupted sweep" % k)
    # a finished sweep rerun runs nothing; another grid under the same name is refused
    p = run(2, grid + ["-o", out])
    if "0 to run" not in p.stdout:
        fail("a finished sweep rerun ran trials again:\n%s" % p.stdout)
    p = run(2, grid[:-2] + ["-trials", 5, "-o", out], expect_ok=False)
    if p.returncode == 0 or "holds another sweep" not in p.stdout + p.stderr:
        fail("a sweep with another grid resumed a table it does not own:\n%s%s" % (p.stdout, p.stderr))


def check_bad_sweep(tmp):
    """Bad grids and bad pattern (image) files: one clear error naming the option or file and the
    value, a non-zero exit, and no table left behind."""
    rng = np.random.default_rng(0)
    good = rng.choice([-1, 1], size=(6, 25)).astype(np.int8)
    with h5py.File(os.path.join(tmp, "img.h5"), "w") as f:
        f["patterns"] = good
    with h5py.File(os.path.join(tmp, "gray.h5"), "w") as f:
        f["patterns"] = rng.integers(0, 256, size=(6, 25)).astype(np.uint8)
    with h5py.File(os.path.join(tmp, "noimg.h5"), "w") as f:
        f["images"] = good
    with open(os.path.join(tmp, "text.h5"), "w") as f:
        f.write("P5 28 28 255\n")
    with open(os.path.join(tmp, "notable.h5"), "w") as f:
        f.write("not a table\n")
    cases = [
        (["-K", "10:2"], ["-K", "empty range", "10:2"]),
        (["-K", "5:5@0"], ["-K", "positive count"]),
        (["-K", "0,3"], ["-K", "at least 1", "0"]),
        (["-K", "a"], ["-K", "cannot read", "'a'"]),
        (["-K", "4,4"], ["-K", "twice"]),
        (["-K", "99999999999"], ["-K", "beyond 10^8"]),
        (["-K", "50000000"], ["-K", "50000000", "2^28"]),
        (["-flips", "3:1"], ["-flips", "empty range"]),
        (["-flips", "30"], ["-flips", "30", "N = 20"]),
        (["-models", "gated,nope"], ["-models", "nope", "available"]),
        (["-models", "gated,gated"], ["-models", "twice"]),
        (["-trials", 0], ["-trials", "0"]),
        (["-ranks_per_trial", 3], ["-ranks_per_trial", "3"]),
        (["-model", "gated"], ["-model", "-models"]),
        (["-cue_flip_count", 3], ["-cue_flip_count", "-flips"]),
        (["-patterns_file", os.path.join(tmp, "img.h5"), "-K", "2,7"], ["-K", "7", "img.h5", "holds 6"]),
        (["-patterns_file", os.path.join(tmp, "gray.h5")], ["gray.h5", "/patterns", "-1 and +1"]),
        (["-patterns_file", os.path.join(tmp, "noimg.h5")], ["noimg.h5", "/patterns"]),
        (["-patterns_file", os.path.join(tmp, "text.h5")], ["text.h5", "not an HDF5"]),
        (["-patterns_file", os.path.join(tmp, "none.h5")], ["none.h5", "-patterns_file"]),
        (["-o", os.path.join(tmp, "notable.h5")], ["notable.h5", "not a readable HDF5"]),
    ]

    def complete(np_, args):
        target = os.path.join(tmp, "bad%d_%d.h5" % (np_, id(args)))
        return ["sweep", "-K", "2,4", "-flips", "1,2", "-trials", 2, "-quiet", "-o", target] + args, target

    expect_refusals(cases, complete)


def main():
    checks = {"gated": check_gated, "capacity": check_capacity, "oracle": check_oracle,
              "invariance": check_invariance, "sweep_invariance": check_sweep_invariance,
              "resume": check_resume, "bad_sweep": check_bad_sweep, "dam_discrete": check_dam_discrete}
    tp_main(checks)


if __name__ == "__main__":
    main()
