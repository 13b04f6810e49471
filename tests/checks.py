#!/usr/bin/python3
"""End-to-end checks of the tripart program, run by ctest.  Silent on success; on failure they
print what differed and exit non-zero.

    checks.py TRIPART MPIEXEC CHECK [args]
"""
import concurrent.futures
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tpcheck import ENV, MPIEXEC, TRIPART, expect_refusals, fail, own_session, relerr, run  # noqa: E402


def check_reference(tmp):
    """The published reference run: N=500, K=10, 10 % flips, slaved start, Euler dt=0.05 x 1000."""
    out = os.path.join(tmp, "ref.h5")
    run(2, ["-N", 500, "-K", 10, "-cue_flip_fraction", 0.1, "-init", "slaved", "-ts_type", "euler",
            "-ts_dt", 0.05, "-ts_max_steps", 1000, "-quiet", "-o", out])
    with h5py.File(out, "r") as f:
        obs = f["observables"]
        if f["step"][-1] != 1000 or abs(f["time"][-1] - 50.0) > 1e-9:
            fail("reference run ended at step %d, t = %r" % (f["step"][-1], f["time"][-1]))
        if obs.attrs["cue_flipped_bits"] < 20:
            fail("reference cue has only %d flipped bits" % obs.attrs["cue_flipped_bits"])
        if obs.attrs["hamming_error"] != 0:
            fail("reference run Hamming error %g (expected 0)" % obs.attrs["hamming_error"])
        x, xi = f["state/x"][:], f["patterns"][obs.attrs["target"]]
        if not np.array_equal(np.sign(x), xi):
            fail("sign(x) differs from the target pattern")
        e = f["energy"][:]
        if len(e) != 1001 or np.any(np.diff(e) > 1e-12 * np.abs(e[1:])):
            fail("reference energy increases: max step %g" % np.max(np.diff(e)))


def check_invariance(tmp, connectivity):
    """The same run on 1, 2, 3 and 4 ranks gives the same final state to 1e-10 relative
    (connectivity all, random, or all with calcium diffusion on the sheet: diffusion)."""
    extra = []
    if connectivity == "diffusion":
        connectivity, extra = "all", ["-coupling", "hebbian,diffusion", "-naam_diffusion", 0.05]
    args = ["-N", 60, "-K", 5, "-connectivity", connectivity, "-degree", 12, "-ts_max_time", 10,
            "-save_synapses", "-quiet", "-naam_block_synapses", 500] + extra
    ref = None
    for np_ in (1, 2, 3, 4):
        out = os.path.join(tmp, "inv%d.h5" % np_)
        run(np_, args + ["-o", out])
        with h5py.File(out, "r") as f:
            if f.attrs["ranks"] != np_:
                fail("file says %d ranks, expected %d" % (f.attrs["ranks"], np_))
            state = {k: f["state/" + k][:] for k in ("x", "s", "p")}
            if connectivity == "random":
                state["indptr"], state["indices"] = f["network/indptr"][:], f["network/indices"][:]
        if ref is None:
            ref = state
            continue
        for k in ("indptr", "indices"):
            if k in ref and not np.array_equal(ref[k], state[k]):
                fail("%s connectivity: network/%s differs on %d ranks" % (connectivity, k, np_))
        for k in ("x", "s", "p"):
            e = relerr(state[k], ref[k])
            if not e <= 1e-10:
                fail("%s connectivity: state/%s on %d ranks differs from 1 rank by %g relative" % (connectivity, k, np_, e))


def check_energy(tmp, coupling):
    """With symmetric couplings the energy never increases along a trajectory."""
    out = os.path.join(tmp, "energy.h5")
    run(2, ["-N", 80, "-K", 6, "-coupling", coupling, "-ts_max_time", 20, "-monitor_every", 1,
            "-ts_rtol", 1e-8, "-ts_atol", 1e-8, "-quiet", "-o", out])
    with h5py.File(out, "r") as f:
        e = f["energy"][:]
    if len(e) < 10:
        fail("too few energy samples: %d" % len(e))
    rise = np.diff(e) / np.maximum(1.0, np.abs(e[1:]))
    if np.any(rise > 1e-10):
        k = int(np.argmax(rise))
        fail("coupling %s: energy rises from %.17g to %.17g at sample %d" % (coupling, e[k], e[k + 1], k))
    if not e[-1] < e[0]:
        fail("coupling %s: energy did not fall (%g -> %g)" % (coupling, e[0], e[-1]))


def write_h5(path, **datasets):
    with h5py.File(path, "w") as f:
        for k, v in datasets.items():
            f[k] = v


def check_bad_input(tmp):
    """Bad input: a clear error naming the option, file or dataset and the value seen, a non-zero
    exit, and no output file (final or temporary) left behind."""
    rng = np.random.default_rng(0)
    good = rng.choice([-1, 1], size=(4, 30)).astype(np.int8)
    files = {
        "good": dict(patterns=good),
        "oneD": dict(patterns=good[0]),
        "strings": dict(patterns=np.array([[b"a", b"b"]])),
        "zeros": dict(patterns=np.where(good > 0, 1, 0).astype(np.int8)),
        "halves": dict(patterns=good * 0.5),
        "nopat": dict(other=good),
        "badcue": dict(patterns=good, cue=np.ones(29, dtype=np.int8)),
        "cuevals": dict(patterns=good, cue=np.full(30, 2, dtype=np.int8)),
    }
    for name, d in files.items():
        write_h5(os.path.join(tmp, name + ".h5"), **d)
    with open(os.path.join(tmp, "text.h5"), "w") as f:
        f.write("not hdf5\n")
    cases = [
        (["-model", "nope"], ["-model", "nope"]),
        (["-coupling", "hebbian,nope"], ["-naam_coupling", "nope"]),
        (["-naam_ablate_processes", 1.5], ["-naam_ablate_processes", "1.5"]),
        (["-naam_ablate_synapses", -0.2], ["-naam_ablate_synapses", "-0.2"]),
        (["-naam_coupling", "hebbian,diffusion", "-naam_ablate_processes", 0.3, "-ts_type", "arkimex"],
         ["-naam_ablate_processes 0.3", "implicitly"]),
        (["-model", "dam", "-dam_update", "nope"], ["-dam_update", "nope"]),
        (["-N", 0], ["-N", "0"]),
        (["-N", -5], ["-N", "-5"]),
        (["-K", 0], ["-K", "0"]),
        (["-K", -2], ["-K", "-2"]),
        (["-cue_flip_fraction", 1.5], ["-cue_flip_fraction", "1.5"]),
        (["-cue_flip_fraction", -0.1], ["-cue_flip_fraction", "-0.1"]),
        (["-cue_target", 10, "-K", 10], ["-cue_target", "10"]),
        (["-cue_target", -1], ["-cue_target", "-1"]),
        (["-cue_flip_count", 100, "-N", 50], ["-cue_flip_count", "100"]),
        (["-patterns_file", os.path.join(tmp, "missing.h5")], ["missing.h5", "-patterns_file"]),
        (["-patterns_file", os.path.join(tmp, "text.h5")], ["text.h5", "not an HDF5"]),
        (["-patterns_file", os.path.join(tmp, "oneD.h5")], ["/patterns", "2-D", "1 dimensions"]),
        (["-patterns_file", os.path.join(tmp, "strings.h5")], ["/patterns", "type"]),
        (["-patterns_file", os.path.join(tmp, "zeros.h5")], ["/patterns", "found 0"]),
        (["-patterns_file", os.path.join(tmp, "halves.h5")], ["/patterns", "found 0.5"]),
        (["-patterns_file", os.path.join(tmp, "nopat.h5")], ["/patterns", "nopat.h5"]),
        (["-patterns_file", os.path.join(tmp, "badcue.h5")], ["/cue", "N = 30"]),
        (["-patterns_file", os.path.join(tmp, "cuevals.h5")], ["/cue", "found 2"]),
        (["-patterns_file", os.path.join(tmp, "good.h5"), "-N", 31], ["-N", "31", "good.h5"]),
        (["-patterns_file", os.path.join(tmp, "good.h5"), "-K", 3], ["-K", "3", "good.h5"]),
        (["-o", os.path.join(tmp, "nodir", "x.h5")], ["nodir", "does not exist"]),
        (["-coupling", "diffusion", "-connectivity", "random"], ["diffusion", "-connectivity all", "random"]),
        (["-coupling", "hebbian,diffusion", "-naam_diffusion", -1], ["-naam_diffusion", "-1"]),
    ]
    def complete(np_, args):
        if "-o" in args:
            return args, args[args.index("-o") + 1]
        target = os.path.join(tmp, "bad%d_%d.h5" % (np_, id(args)))
        return ["-N", 30, "-K", 4, "-quiet", "-o", target] + args, target

    expect_refusals(cases, complete)


def start(np_, args):
    cmd = MPIEXEC + [str(np_), TRIPART] + [str(a) for a in args]
    return subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def read_state(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][:] for k in ("state/x", "state/s", "state/p", "time", "step", "energy", "observables/overlap")}


def check_restart(tmp):
    """A run stopped mid-way (stop file) and resumed from its checkpoint is the uninterrupted run:
    bit for bit on the same number of ranks, to 1e-10 relative on others; the output's time series
    has no gap and no duplicated time.  (N = 600: the run lasts most of a second, so that the stop file, polled
    about every 20 ms of wall time, stops it mid-way.)"""
    args = ["-N", 600, "-K", 5, "-ts_max_time", 60, "-save_synapses", "-quiet"]
    ref = os.path.join(tmp, "ref.h5")
    run(2, args + ["-o", ref])
    A = read_state(ref)
    out, ckpt, stop = os.path.join(tmp, "b.h5"), os.path.join(tmp, "b.ckpt"), os.path.join(tmp, "b.stop")
    p = start(2, args + ["-o", out, "-checkpoint", ckpt, "-checkpoint_interval", 5, "-stop_file", stop])
    deadline = time.time() + 120
    while not os.path.exists(ckpt) and p.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    open(stop, "w").close()
    text = p.communicate(timeout=300)[0]
    if p.returncode != 3:
        fail("run with a stop file exited %d (expected 3):\n%s" % (p.returncode, text))
    if os.path.exists(out):
        fail("an interrupted run wrote its output file")
    with h5py.File(ckpt, "r") as f:
        t, step = f.attrs["time"], f.attrs["step"]
    if not 0 < t < 60:
        fail("the checkpoint is not from the middle of the run: t = %g" % t)
    os.remove(stop)
    for np_ in (2, 1, 3):
        o = os.path.join(tmp, "resumed%d.h5" % np_)
        run(np_, args + ["-o", o, "-restart", ckpt, "-stop_file", stop])
        B = read_state(o)
        for k in ("time", "step"):
            if np_ != 2 and k == "time" and len(A[k]) == len(B[k]) and relerr(B[k], A[k]) <= 1e-10:
                continue  # other rank counts: the adaptive steps agree to round-off
            if not np.array_equal(A[k], B[k]):
                n = min(len(A[k]), len(B[k]))
                d = np.nonzero(A[k][:n] != B[k][:n])[0]
                i = d[0] if len(d) else n
                fail("resumed on %d ranks (from step %d): /%s differs from the uninterrupted run's (lengths %d, %d) from sample %d on: %s vs %s"
                     % (np_, step, k, len(A[k]), len(B[k]), i, A[k][i:i + 3], B[k][i:i + 3]))
        for k in ("state/x", "state/s", "state/p", "energy", "observables/overlap"):
            if np_ == 2 and not np.array_equal(A[k], B[k]):
                fail("resumed on the same 2 ranks (from step %d): /%s is not bit-identical (max diff %g)" % (step, k, np.max(np.abs(A[k] - B[k]))))
            if not relerr(B[k], A[k]) <= 1e-10:
                fail("resumed on %d ranks: /%s differs by %g relative" % (np_, k, relerr(B[k], A[k])))


def check_restart_refused(tmp):
    """Truncated, corrupted, foreign and mismatched checkpoints are refused, and never half-loaded."""
    args = ["-N", 40, "-K", 3, "-ts_max_time", 5, "-quiet"]
    good = os.path.join(tmp, "good.ckpt")
    run(2, args + ["-o", os.path.join(tmp, "g.h5"), "-checkpoint", good, "-checkpoint_final"])
    data = open(good, "rb").read()

    def variant(name, edit=None, raw=None):
        path = os.path.join(tmp, name + ".ckpt")
        open(path, "wb").write(raw if raw is not None else data)
        if edit:
            with h5py.File(path, "r+") as f:
                edit(f)
        return path

    with h5py.File(good, "r") as f:
        off = f["state/s"].id.get_offset()
    flipped = bytearray(data)
    flipped[off + 77] ^= 0x10
    cases = [
        (os.path.join(tmp, "missing.ckpt"), [], ["Cannot read checkpoint", "missing.ckpt"]),
        (variant("truncated", raw=data[: len(data) // 2]), [], ["truncated.ckpt"]),
        (variant("text", raw=b"hello\n" * 100), [], ["text.ckpt", "not a valid HDF5"]),
        (variant("flipped", raw=bytes(flipped)), [], ["flipped.ckpt", "corrupted"]),
        (variant("nosig", lambda f: f.attrs.__delitem__("format")), [], ["not a tripart checkpoint"]),
        (variant("model", lambda f: f.attrs.__setitem__("model", "gated")), [], ["model 'gated'"]),
        (variant("version", lambda f: f.attrs.__setitem__("format_version", 99)), [], ["format version 99"]),
        (variant("nostate", lambda f: f.__delitem__("state/p")), [], ["/state/p"]),
        (variant("samples", lambda f: f["samples/energy"].__setitem__(1, f["samples/energy"][1] + 1e-9)), [], ["/samples", "corrupted"]),
        (variant("dt", lambda f: f.attrs.__setitem__("dt", f.attrs["dt"] * (1 + 1e-12))), [], ["corrupted"]),
        (good, ["-seed", 2], ["other patterns"]),
        (good, ["-connectivity", "random", "-degree", 20], ["synapses"]),
        (good, ["-N", 41], ["40 neurons"]),
        (good, ["-K", 4], ["3 patterns"]),
        (good, ["-naam_beta_n", 4], ["other model parameters"]),
        (good, ["-coupling", "hebbian,constant"], ["other model parameters"]),
        (good, ["-cue_flip_count", 3], ["other patterns or another cue"]),
        (good, ["-ts_type", "euler"], ["stepper 'rk 3bs'", "'euler'"]),
    ]
    for path, extra, words in cases:
        out = os.path.join(tmp, "refused.h5")
        before = open(path, "rb").read() if os.path.exists(path) else None
        p = run(2, args + ["-o", out, "-restart", path] + extra, expect_ok=False)
        text = p.stdout + p.stderr
        what = "%s %s" % (os.path.basename(path), " ".join(map(str, extra)))
        if p.returncode == 0 or "tripart: error:" not in text:
            fail("checkpoint %s was accepted:\n%s" % (what, text))
        for w in words:
            if w not in text:
                fail("checkpoint %s: message does not mention %r:\n%s" % (what, w, text))
        if os.path.exists(out) or os.path.exists(out + ".part"):
            fail("checkpoint %s: an output file was left" % what)
        if before is not None and open(path, "rb").read() != before:
            fail("checkpoint %s was modified by the refused restart" % what)


def check_sigkill(tmp):
    """One rank killed with SIGKILL mid-run: the job fails, the last checkpoint is intact, and a
    restart completes with the result of an uninterrupted run."""
    args = ["-N", 300, "-K", 6, "-ts_type", "euler", "-ts_dt", 0.002, "-ts_max_time", 30, "-monitor_every", 200,
            "-checkpoint_interval", 2, "-save_synapses", "-quiet"]
    ref = os.path.join(tmp, "ref.h5")
    run(2, args + ["-o", ref, "-checkpoint", os.path.join(tmp, "ref.ckpt")])
    out, ckpt = os.path.join(tmp, "killed.h5"), os.path.join(tmp, "killed.ckpt")
    p = start(2, args + ["-o", out, "-checkpoint", ckpt])
    deadline = time.time() + 120
    while not os.path.exists(ckpt + ".prev") and p.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    ranks = subprocess.run(["pgrep", "-f", "tripart.*" + out], capture_output=True, text=True).stdout.split()
    ranks = [r for r in ranks if int(r) != p.pid]
    if p.poll() is not None or not ranks:
        fail("the run ended before a rank could be killed:\n%s" % p.communicate()[0])
    os.kill(int(ranks[-1]), signal.SIGKILL)
    text = p.communicate(timeout=120)[0]
    if p.returncode == 0:
        fail("the job did not fail when a rank was killed:\n%s" % text)
    if os.path.exists(out):
        fail("a killed run left an output file")
    resumed = os.path.join(tmp, "resumed.h5")
    run(2, args + ["-o", resumed, "-checkpoint", ckpt, "-restart", ckpt])
    A, B = read_state(ref), read_state(resumed)
    for k in A:
        if not np.array_equal(A[k], B[k]):
            fail("after SIGKILL and restart, /%s differs from the uninterrupted run" % k)


def check_disk_full(tmp):
    """A write that fails for lack of space (a file-size limit stands in for a full disk) is
    reported clearly, and the previous checkpoint stays intact and usable; an output directory that
    disappears during the run is reported too."""
    args = ["-N", 200, "-K", 5, "-ts_max_time", 20, "-quiet"]
    ckpt = os.path.join(tmp, "full.ckpt")
    run(1, args + ["-o", os.path.join(tmp, "first.h5"), "-checkpoint", ckpt, "-checkpoint_final", "-ts_max_time", 5])
    before = open(ckpt, "rb").read()
    limit = len(before) // 2

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    cmd = [TRIPART] + [str(a) for a in args + ["-o", os.path.join(tmp, "second.h5"), "-checkpoint", ckpt, "-restart", ckpt, "-checkpoint_interval", 1]]
    # one rank without mpirun; PMIx and Open MPI then keep their shared files small enough for the limit
    env = dict(ENV, PMIX_MCA_gds="hash", OMPI_MCA_btl="self,tcp")
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    text = p.stdout + p.stderr
    if p.returncode == 0 or "tripart: error:" not in text or "full.ckpt" not in text or "previous checkpoint" not in text:
        fail("a failing checkpoint write was not reported clearly (exit %d):\n%s" % (p.returncode, text))
    if open(ckpt, "rb").read() != before:
        fail("a failing checkpoint write changed the previous checkpoint")
    if os.path.exists(ckpt + ".part"):
        fail("a failing checkpoint write left its .part file")
    run(1, args + ["-o", os.path.join(tmp, "third.h5"), "-restart", ckpt])  # still usable
    # the output directory disappears while the run goes on
    gone = os.path.join(tmp, "gone")
    os.makedirs(gone)
    p = start(1, args + ["-o", os.path.join(gone, "out.h5"), "-checkpoint", os.path.join(tmp, "g.ckpt"), "-checkpoint_interval", 1,
                         "-ts_max_time", 200])
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(tmp, "g.ckpt")) and time.time() < deadline:
        time.sleep(0.01)
    shutil.rmtree(gone)
    text = p.communicate(timeout=300)[0]
    if p.returncode == 0 or "tripart: error:" not in text or "gone/out.h5" not in text:
        fail("an output directory removed during the run was not reported clearly (exit %d):\n%s" % (p.returncode, text))


def check_restart_every_step(tmp):
    """Exact restarts with rejected steps: the default FSAL stepper reuses the last stage and retries
    rejected steps; a run resumed from the checkpoint of any step (the next one rejected or not)
    repeats the uninterrupted run bit for bit, and it takes no more right-hand sides than the
    reuse without exact restarts (-exact_restart 0).  Without exact restarts some resumed run
    differs (the check can fail)."""
    base = ["-N", 200, "-K", 6, "-ts_max_time", 20, "-save_fields", "s,p"]
    keys = ("state/x", "state/s", "state/p", "time", "energy", "observables/overlap")

    def one(args, out):
        with own_session() as env:
            p = subprocess.run([TRIPART] + [str(a) for a in args + ["-o", out]], env=env, capture_output=True,
                               text=True, timeout=300)
        if p.returncode != 0:
            fail("tripart %s failed (%d):\n%s%s" % (" ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
        with h5py.File(out, "r") as f:
            return {k: f[k][:] for k in keys}, int(f.attrs["steps"]), int(f.attrs["rhs_evaluations"])

    def differs(extra, ref, k):
        ckpt = os.path.join(tmp, "s%d%s.ckpt" % (k, "".join(map(str, extra))))
        one(base + extra + ["-ts_max_steps", k, "-checkpoint", ckpt, "-checkpoint_final"], ckpt + ".a.h5")
        B = one(base + extra + ["-restart", ckpt], ckpt + ".b.h5")[0]
        return any(not np.array_equal(ref[q], B[q]) for q in keys)

    def resumed_differs(extra, ref, steps, first_only=False):
        with concurrent.futures.ThreadPoolExecutor(2) as pool:  # one rank each, both cores
            if first_only:
                return any(pool.map(lambda k: differs(extra, ref, k), range(1, steps)))
            return [k for k, d in zip(range(1, steps), pool.map(lambda k: differs(extra, ref, k), range(1, steps))) if d]

    ref, steps, rhs = one(base, os.path.join(tmp, "ref.h5"))
    reuse, steps0, rhs0 = one(base + ["-exact_restart", 0], os.path.join(tmp, "reuse.h5"))
    if rhs > rhs0:
        fail("exact restarts cost right-hand sides: %d against %d without (%d and %d steps)" % (rhs, rhs0, steps, steps0))
    bad = resumed_differs([], ref, steps)
    if bad:
        fail("resumed from the checkpoints of steps %s, the run is not the uninterrupted one bit for bit" % bad)
    if not resumed_differs(["-exact_restart", 0], reuse, steps0, first_only=True):
        fail("without exact restarts every resumed run repeated the uninterrupted one: the check cannot fail")


def main():
    check = sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        if check == "reference":
            check_reference(tmp)
        elif check == "invariance":
            check_invariance(tmp, sys.argv[4])
        elif check == "energy":
            check_energy(tmp, sys.argv[4])
        elif check == "restart":
            check_restart(tmp)
        elif check == "restart_every_step":
            check_restart_every_step(tmp)
        elif check == "restart_refused":
            check_restart_refused(tmp)
        elif check == "sigkill":
            check_sigkill(tmp)
        elif check == "disk_full":
            check_disk_full(tmp)
        elif check == "bad_input":
            check_bad_input(tmp)
        else:
            fail("unknown check " + check)


if __name__ == "__main__":
    main()
