#!/usr/bin/python3
"""End-to-end checks of M2 (gated), the M3 baselines and the sweep subcommand, run by ctest.
Silent on success; on failure they print what differed and exit non-zero.

    model_checks.py TRIPART MPIEXEC CHECK
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tpcheck import ENV, cmd, expect_refusals, fail, relerr, run  # noqa: E402

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
              "resume": check_resume, "bad_sweep": check_bad_sweep}
    if sys.argv[3] not in checks:
        fail("unknown check " + sys.argv[3])
    with tempfile.TemporaryDirectory() as tmp:
        checks[sys.argv[3]](tmp)


if __name__ == "__main__":
    main()
