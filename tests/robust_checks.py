#!/usr/bin/python3
"""Robustness (issue 17): what a careless user or a hostile file throws at tripart must end in a
clean run or one clear message, never a crash, a hang, an input destroyed or a silently mixed
result.  One check per class; each ran against the engine before the fix and failed there (the
closing note of issue 17 says which).  Silent on success.

    robust_checks.py TRIPART MPIEXEC CHECK
"""
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tpcheck import ENV, cmd, edit, expect_refusals, fail, replace, run  # noqa: E402

SPATIAL = ["-connectivity", "spatial", "-N", 100, "-degree", 6, "-spatial_dim", 2, "-spatial_tiles", 2]


def tool(np_, args, timeout=120):
    """Run tripart; a run that outlives timeout is a hang (killed, and reported)."""
    c = cmd(np_, args)
    try:
        return subprocess.run(c, env=ENV, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail("hung: %s" % " ".join(c))


def clean_failure(p, what, words=()):
    text = p.stdout + p.stderr
    if p.returncode == 0:
        fail("%s was accepted" % what)
    if p.returncode < 0 or "Segmentation" in text or "signal number" in text or "buffer overflow" in text:
        fail("%s crashed:\n%s" % (what, text[-3000:]))
    if text.count("tripart: error:") != 1:
        fail("%s: %d error messages (one expected):\n%s" % (what, text.count("tripart: error:"), text[-3000:]))
    for w in words:
        if w not in text:
            fail("%s: the message does not mention %r:\n%s" % (what, w, text[-3000:]))


def check_files(tmp):
    """Loaders validate before they index: CSR offsets of a network file that pass the end of their
    indices in the middle of the array (by 20, 990, 10^8, for the synapses and the morphology), a
    network file of format version 99, a partition file whose ranks are not integers, a sweep
    table with edited status values: one clear message each, no crash, no hang."""
    net = os.path.join(tmp, "net.h5")
    run(1, ["generate"] + SPATIAL + ["-o", net])
    cases = []
    for grp in ("synapses", "morphology"):
        for d in (20, 990, 10**8, -30):
            def mid(f, grp=grp, d=d):
                ip = f[grp + "/indptr"][:]
                ip[50] += d
                replace(f, grp + "/indptr", ip)
            path = edit(net, os.path.join(tmp, "%s_%d.h5" % (grp, d)), mid)
            cases.append((["-network_file", path], [os.path.basename(path), "/%s/indptr" % grp]))
    v99 = edit(net, os.path.join(tmp, "v99.h5"), lambda f: f.attrs.__setitem__("format_version", 99))
    cases.append((["-network_file", v99], ["v99.h5", "format version 99"]))
    part = os.path.join(tmp, "part.h5")
    run(1, ["partition", "-network_file", net, "-nparts", 2, "-partitioner", "block", "-o", part])
    halves = edit(part, os.path.join(tmp, "halves.h5"), lambda f: replace(f, "rank", f["rank"][:] + 0.5))
    cases.append((["-network_file", net, "-partition", halves], ["halves.h5", "/rank", "integer"]))

    def complete(np_, args):
        out = os.path.join(tmp, "files_%d_%d.h5" % (np_, abs(hash(tuple(map(str, args))))))
        return args + ["-K", 3, "-quiet", "-ts_max_time", 0.2, "-o", out], out

    expect_refusals(cases, complete, ranks=(2,))
    # a sweep table whose status values were edited is not trusted on resume
    grid = ["sweep", "-models", "hopfield", "-N", 16, "-K", "2,3", "-flips", 1, "-trials", 2, "-quiet",
            "-ts_max_time", 0.5]
    table = os.path.join(tmp, "table.h5")
    run(1, grid + ["-o", table])
    for name, fn in (("status", lambda f: replace(f, "results/status", np.zeros_like(f["results/status"][:]))),
                     ("result", lambda f: replace(f, "results/hamming_error", f["results/hamming_error"][:] + 1))):
        bad = edit(table, os.path.join(tmp, "table_%s.h5" % name), fn)
        before = open(bad, "rb").read()
        p = tool(1, grid + ["-o", bad])
        clean_failure(p, "a sweep table with edited %s values" % name, ["table_%s.h5" % name, "checksum"])
        if open(bad, "rb").read() != before:
            fail("a refused sweep table was changed")


def check_inputs(tmp):
    """No output destroys an input: -o or -checkpoint naming the patterns file, the network file,
    the partition or the checkpoint to restart from (by name, hard link or symbolic link), `tripart
    partition` and `generate` writing their own network file, two outputs naming one file, and
    outputs that are not regular files (a pipe, a device): refused before anything runs, naming
    both options, and the inputs are byte for byte what they were."""
    pat = os.path.join(tmp, "pat.h5")
    with h5py.File(pat, "w") as f:
        f["patterns"] = np.where(np.random.default_rng(1).random((4, 30)) < 0.5, -1, 1).astype(np.int8)
    net = os.path.join(tmp, "net.h5")
    run(1, ["generate"] + SPATIAL + ["-o", net])
    part = os.path.join(tmp, "part.h5")
    run(1, ["partition", "-network_file", net, "-nparts", 2, "-partitioner", "block", "-o", part])
    ck = os.path.join(tmp, "c.ckpt")
    run(1, ["-N", 30, "-K", 4, "-ts_max_time", 1, "-quiet", "-o", os.path.join(tmp, "c.h5"), "-checkpoint", ck,
            "-checkpoint_final"])
    hard, soft = os.path.join(tmp, "hard.h5"), os.path.join(tmp, "soft.h5")
    os.link(pat, hard)
    os.symlink(pat, soft)
    fifo = os.path.join(tmp, "fifo")
    os.mkfifo(fifo)
    inputs = [pat, net, part, ck]
    saved = {p: open(p, "rb").read() for p in inputs}
    P = ["-patterns_file", pat]
    cases = [
        (P + ["-o", pat], ["-o", "-patterns_file", "destroy"]),
        (P + ["-o", hard], ["-o", "-patterns_file", "hard.h5"]),
        (P + ["-o", soft], ["-o", "-patterns_file", "soft.h5"]),
        (P + ["-checkpoint", pat], ["-checkpoint", "-patterns_file"]),
        (["-network_file", net, "-o", net], ["-o", "-network_file"]),
        (["-network_file", net, "-partition", part, "-o", part], ["-o", "-partition"]),
        (["-N", 30, "-K", 4, "-restart", ck, "-o", ck], ["-o", "-restart"]),
        (["-N", 30, "-o", os.path.join(tmp, "same.h5"), "-checkpoint", os.path.join(tmp, ".", "same.h5")],
         ["-o and -checkpoint", "same.h5"]),
        (["-N", 30, "-o", fifo], ["-o", "fifo", "not a regular file"]),
        (["partition", "-network_file", net, "-o", net], ["-o", "-network_file"]),
        (["generate", "-network_file", net, "-o", net], ["-o", "-network_file"]),
        (["sweep", "-patterns_file", pat, "-K", 2, "-flips", 1, "-trials", 1, "-o", pat], ["-o", "-patterns_file"]),
    ]
    if os.geteuid() == 0:
        dev = os.path.join(tmp, "dev")
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
        cases.append((["-N", 30, "-o", dev], ["-o", "dev", "not a regular file"]))

    def complete(np_, args):
        return args + ["-quiet"], None

    for np_ in (1, 2):
        for args, words in cases:
            p = tool(np_, args + ["-quiet"])
            clean_failure(p, " ".join(map(str, args)), words)
    for p in inputs:
        if open(p, "rb").read() != saved[p]:
            fail("input %s was changed" % p)
    if not stat.S_ISFIFO(os.stat(fifo).st_mode):
        fail("the pipe was replaced")
    # what must still work: a checkpoint continuing the one it restarts from
    run(2, ["-N", 30, "-K", 4, "-ts_max_time", 2, "-quiet", "-o", os.path.join(tmp, "d.h5"), "-restart", ck,
            "-checkpoint", ck])


def check_paths(tmp):
    """Every output path is checked before the run (a -checkpoint in a missing directory or naming a
    directory is refused at once), and legal paths work: names of 240 characters (Open MPI's MPI-IO
    crashed on them), paths of 3,800 characters, spaces and unicode."""
    cases = [
        (["-checkpoint", os.path.join(tmp, "nodir", "c.ckpt")], ["-checkpoint", "nodir", "does not exist"]),
        (["-checkpoint", tmp], ["-checkpoint", "is a directory"]),
    ]
    t0 = time.time()

    def complete(np_, args):
        out = os.path.join(tmp, "late_%d.h5" % np_)
        return ["-N", 3000, "-K", 4, "-ts_max_time", 200, "-quiet", "-o", out] + args, out

    expect_refusals(cases, complete)
    if time.time() - t0 > 60:
        fail("bad checkpoint paths were found out only after the run")
    deep = tmp
    while len(deep) < 3800:
        deep = os.path.join(deep, "d" * 200)
    os.makedirs(deep)
    for where in (os.path.join(tmp, "a" * 240 + ".h5"), os.path.join(deep, "o.h5"),
                  os.path.join(tmp, "a b \u00fc\u00e9 \u4e2d", "o.h5")):
        os.makedirs(os.path.dirname(where), exist_ok=True)
        run(2, ["-N", 30, "-K", 4, "-ts_max_time", 1, "-quiet", "-o", where, "-checkpoint_final"])
        with h5py.File(where, "r") as f:
            if f.attrs["neurons"] != 30:
                fail("the output at %s is wrong" % where)
        run(2, ["-N", 30, "-K", 4, "-ts_max_time", 2, "-quiet", "-o", where, "-restart", where + ".ckpt"])


def check_degenerate(tmp):
    """Degenerate but legal inputs run on 1 to 3 ranks: networks with no synapse at all (a tiny
    -degree) for every model, N = 1, K = 1; energies and states are finite."""
    cases = [
        ["-connectivity", "random", "-degree", 1e-9, "-save_synapses"],
        ["-connectivity", "spatial", "-degree", 1e-9, "-spatial_dim", 3, "-naam_coupling", "hebbian,diffusion"],
        ["-connectivity", "random", "-degree", 1e-9, "-model", "gated"],
        ["-connectivity", "spatial", "-degree", 1e-9, "-model", "decay"],
        ["-connectivity", "random", "-degree", 1e-9, "-model", "jacobi"],
        ["-N", 1, "-K", 1],
        ["-N", 1, "-K", 1, "-model", "gated"],
        ["-N", 2, "-K", 1, "-model", "dam", "-connectivity", "random", "-degree", 1],
    ]
    for np_ in (1, 2, 3):
        for args in cases:
            out = os.path.join(tmp, "deg_%d.h5" % np_)
            model = args[args.index("-model") + 1] if "-model" in args else "naam"
            end = {"decay": ["-stepper_max_time", 1], "jacobi": [], "oracle": []}.get(model, ["-ts_max_time", 1])
            patterns = [] if model in ("decay", "jacobi") else ["-K", 2]  # the test models store no patterns
            p = tool(np_, ["-N", 20, "-quiet", "-o", out] + patterns + end + args)
            if p.returncode != 0:
                fail("a degenerate run failed on %d ranks: %s\n%s%s" % (np_, args, p.stdout, p.stderr[-2000:]))
            with h5py.File(out, "r") as f:
                for k in f["state"]:
                    if not np.all(np.isfinite(f["state/" + k][()])):
                        fail("%s on %d ranks: state/%s is not finite" % (args, np_, k))
                if "energy" in f and not np.all(np.isfinite(f["energy"][()])):
                    fail("%s on %d ranks: the energy is not finite" % (args, np_))


def check_io(tmp):
    """A write that fails on one rank (fault injection, TRIPART_FAULT_WRITE=RANK:N: the N-th dataset
    write of that rank fails as a full disk would) fails on every rank with one message and no
    hang, leaves no FILE.part (nor Open MPI's side files), and leaves the previous file byte for byte
    as it was: run outputs, checkpoints, network files, partition files and sweep tables, on 2 and
    3 ranks.  And a file-size limit below what the output needs refuses the run before it starts."""
    net = os.path.join(tmp, "net.h5")
    run(1, ["generate"] + SPATIAL + ["-o", net])
    jobs = {
        "output": (["-N", 30, "-K", 3, "-ts_max_time", 1, "-quiet"], "o.h5", "-o"),
        "checkpoint": (["-N", 30, "-K", 3, "-ts_max_time", 3, "-checkpoint_interval", 1, "-quiet",
                        "-o", os.path.join(tmp, "ck_out.h5")], "c.ckpt", "-checkpoint"),
        "network file": (["generate"] + SPATIAL, "n.h5", "-o"),
        "partition file": (["partition", "-network_file", net, "-partitioner", "block"], "p.h5", "-o"),
        "sweep table": (["sweep", "-models", "hopfield", "-N", 16, "-K", "2,3", "-flips", 1, "-trials", 2, "-quiet",
                         "-ts_max_time", 0.5], "s.h5", "-o"),
    }
    for what, (args, name, opt) in jobs.items():
        for np_ in (2, 3):
            path = os.path.join(tmp, "%d_%s" % (np_, name))
            full = args + (["-nparts", np_] if what == "partition file" else []) + [opt, path]
            run(np_, full)  # the previous file
            before = open(path, "rb").read()
            if what == "sweep table":  # a finished table is not written again: start another
                os.remove(path)
                before = None
            for rank in (0, np_ - 1):
                for n in (1, 2):
                    env = dict(ENV, TRIPART_FAULT_WRITE="%d:%d" % (rank, n))
                    try:
                        p = subprocess.run(cmd(np_, full), env=env, capture_output=True, text=True, timeout=120)
                    except subprocess.TimeoutExpired:
                        fail("%s on %d ranks, write %d of rank %d failing: hung" % (what, np_, n, rank))
                    label = "%s on %d ranks, write %d of rank %d failing" % (what, np_, n, rank)
                    clean_failure(p, label, ["Writing %s" % what, os.path.basename(path)])
                    left = [f for f in os.listdir(tmp) if f.startswith(os.path.basename(path) + ".part")]
                    if left:
                        fail("%s left %s" % (label, left))
                    if before is not None and open(path, "rb").read() != before:
                        fail("%s changed the previous file" % label)
                    if before is None and os.path.exists(path):
                        os.remove(path)
    # a file-size limit below what the output needs: refused before the run, on 2 ranks (Open MPI's own
    # shared-memory files must then stay small: PMIx's hash store, no vader)
    import resource
    limit = 2 << 20

    def small():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = os.path.join(tmp, "limited.h5")
    t0 = time.time()
    p = subprocess.run(cmd(2, ["-N", 700, "-K", 5, "-ts_max_time", 0.5, "-save_synapses", "-quiet", "-o", out]),
                       env=dict(ENV, PMIX_MCA_gds="hash", OMPI_MCA_btl="self,tcp"),
                       capture_output=True, text=True, timeout=300, preexec_fn=small)
    clean_failure(p, "an output over the file-size limit", ["file-size limit", "limited.h5"])
    if os.path.exists(out) or os.path.exists(out + ".part"):
        fail("an output over the file-size limit left a file")
    if time.time() - t0 > 60:
        fail("an output over the file-size limit was found out late")


def check_restart(tmp):
    """A restart refuses every setting that changes the trajectory and is not the checkpoint's (the
    stepper's tableau, tolerances, adaptivity, exact restarts; the fixed grid's dt) and an end that
    the checkpoint has passed; it accepts what a restart may change (a later end, the recording)."""
    base = ["-N", 30, "-K", 3, "-quiet"]
    ck = os.path.join(tmp, "a.ckpt")
    run(2, base + ["-ts_max_time", 4, "-o", os.path.join(tmp, "a.h5"), "-checkpoint", ck, "-checkpoint_final"])
    dk = os.path.join(tmp, "d.ckpt")
    D = ["-model", "decay", "-N", 30, "-connectivity", "random", "-degree", 4, "-quiet"]
    run(2, D + ["-stepper_max_time", 2, "-o", os.path.join(tmp, "d.h5"), "-checkpoint", dk, "-checkpoint_final"])
    R = base + ["-restart", ck, "-ts_max_time", 6]
    cases = [
        (R + ["-ts_rtol", 1e-6], ["a.ckpt", "stepper settings", "rtol"]),
        (R + ["-ts_atol", 1e-6], ["a.ckpt", "stepper settings", "atol"]),
        (R + ["-ts_adapt_type", "none"], ["a.ckpt", "stepper settings", "adapt"]),
        (R + ["-ts_adapt_safety", 0.8], ["a.ckpt", "stepper settings"]),
        (R + ["-ts_adapt_clip", "0.2,5"], ["a.ckpt", "stepper settings"]),
        (R + ["-ts_rk_type", "5dp"], ["a.ckpt", "rk 3bs", "rk 5dp"]),
        (R + ["-exact_restart", 0], ["a.ckpt", "exact_restart"]),
        (base + ["-restart", ck, "-ts_max_time", 3], ["-ts_max_time 3", "a.ckpt"]),
        (base + ["-restart", ck, "-ts_max_steps", 5], ["-ts_max_steps 5", "a.ckpt"]),
        (D + ["-restart", dk, "-stepper_max_time", 1], ["-stepper_max_time 1", "d.ckpt"]),
        (D + ["-restart", dk, "-stepper_max_time", 4, "-stepper_dt", 0.01], ["-stepper_dt", "d.ckpt"]),
    ]

    def complete(np_, args):
        out = os.path.join(tmp, "r%d_%d.h5" % (np_, abs(hash(tuple(map(str, args))))))
        return args + ["-o", out], out

    expect_refusals(cases, complete)
    run(2, R + ["-monitor_every", 3, "-checkpoint_interval", 1, "-o", os.path.join(tmp, "fine.h5")])
    run(2, D + ["-restart", dk, "-stepper_max_time", 4, "-o", os.path.join(tmp, "dfine.h5")])


def check_signals(tmp):
    """Signals: the first one starts the checkpoint and later ones wait for it (SIGUSR1 three times
    to mpirun, SIGTERM five times to every rank, one just after start-up); the exit status 3 reaches
    the shell through mpirun, or, where mpirun cannot pass it (mpirun itself sent SIGTERM), the
    marker CHECKPOINT.stopped says so; the checkpoint continues to the uninterrupted run's state,
    bit for bit; a sweep stopped the same way exits 3, leaves TABLE.stopped, and resumes; a sweep of trials
    that take minutes stops within seconds, its stopped trials left to do."""
    base = ["-N", 200, "-K", 8, "-ts_type", "rk", "-ts_adapt_type", "none", "-ts_dt", 0.01, "-quiet"]
    ref = os.path.join(tmp, "ref.h5")
    t0 = time.time()
    run(2, base + ["-ts_max_time", 60, "-o", ref])
    mid = min(3.0, 0.3 * (time.time() - t0))  # well inside a run on this machine (3.6 s in all on a 2026 EPYC)
    with h5py.File(ref, "r") as f:
        want = f["state/x"][:]

    def start(args):
        p = subprocess.Popen(cmd(2, args), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             errors="backslashreplace")
        return p

    def ranks_of(p):
        for _ in range(100):
            try:
                kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
            except FileNotFoundError:
                kids = []
            if len(kids) == 2:
                return [int(k) for k in kids]
            time.sleep(0.05)
        fail("could not find the two ranks of mpirun %d" % p.pid)

    def catches(pid, sig):
        for _ in range(4000):
            try:
                with open("/proc/%d/status" % pid) as f:
                    cgt = [int(line.split()[1], 16) for line in f if line.startswith("SigCgt:")]
            except OSError:
                cgt = []
            if cgt and cgt[0] >> (int(sig) - 1) & 1:
                return
            time.sleep(0.005)
        fail("rank %d never caught %s" % (pid, signal.Signals(sig).name))

    def finish(p, label):
        try:
            out, _ = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            fail("%s: hung" % label)
        if "Segmentation" in out or "signal number" in out:
            fail("%s crashed:\n%s" % (label, out[-3000:]))
        return p.returncode, out

    cases = [("SIGUSR1 three times to mpirun", "mpirun", signal.SIGUSR1, 3, mid),
             ("SIGTERM five times to every rank", "ranks", signal.SIGTERM, 5, mid),
             ("SIGTERM once to mpirun", "mpirun", signal.SIGTERM, 1, mid),
             ("SIGINT to every rank at start-up", "ranks", signal.SIGINT, 1, 0.0)]
    for k, (label, to, sig, times, after) in enumerate(cases):
        ck = os.path.join(tmp, "s%d.ckpt" % k)
        with open(ck + ".stopped", "w") as f:
            f.write("status 3\n")  # a stale marker of an earlier start: the run must remove it
        out = os.path.join(tmp, "s%d.h5" % k)
        p = start(base + ["-ts_max_time", 60, "-o", out, "-checkpoint", ck])
        ranks = ranks_of(p)
        pids = ranks if to == "ranks" else [p.pid]
        # from when tripart's handlers exist (main's first lines), not before exec: a loaded machine
        # may take seconds to start the ranks, and mpirun forwards a signal to whatever runs then
        for pid in ranks:
            catches(pid, sig)
        time.sleep(after)
        for _ in range(times):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)
        rc, text = finish(p, label)
        marker = ck + ".stopped"
        if not os.path.exists(marker) or "status 3" not in open(marker).read():
            fail("%s: no marker %s saying status 3 (exit %d):\n%s" % (label, marker, rc, text))
        if to == "ranks" or sig == signal.SIGUSR1:
            # (when one rank has exited 3 while the other still finishes, mpirun aborts the job and sends that one
            # SIGTERM itself, then reports "exited on signal 15": the documented case where the marker says 3)
            aborted = rc == 128 + signal.SIGTERM and "exited on signal 15" in text and "job has been aborted" in text
            if rc != 3 and not aborted:
                fail("%s: exit %d through mpirun, not 3:\n%s" % (label, rc, text))
        if text.count("tripart: stopped by") != 1:
            fail("%s: %d stop messages (one expected):\n%s" % (label, text.count("tripart: stopped by"), text))
        if os.path.exists(out):
            fail("%s: an interrupted run wrote its output" % label)
        fin = os.path.join(tmp, "f%d.h5" % k)
        run(2, base + ["-ts_max_time", 60, "-o", fin, "-restart", ck, "-checkpoint", ck])
        if os.path.exists(marker):
            fail("%s: the marker outlived the run that finished" % label)
        with h5py.File(fin, "r") as f:
            if not np.array_equal(f["state/x"][:], want):
                fail("%s: the continued run does not end in the uninterrupted run's state" % label)
    # a sweep
    grid = ["sweep", "-models", "naam", "-N", 40, "-K", "2,4,6,8", "-flips", "1,2", "-trials", 6, "-quiet",
            "-ts_max_time", 20, "-progress_interval", 0.2]
    table = os.path.join(tmp, "table.h5")
    p = start(grid + ["-o", table])
    pids = ranks_of(p)
    time.sleep(2.0)
    for _ in range(3):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        time.sleep(0.02)
    rc, text = finish(p, "a sweep sent SIGTERM")
    if rc != 3:
        fail("a sweep sent SIGTERM exited %d, not 3:\n%s" % (rc, text))
    if not os.path.exists(table + ".stopped"):
        fail("a sweep sent SIGTERM left no %s.stopped" % table)
    run(2, grid + ["-o", table])
    with h5py.File(table, "r") as f:
        if (f["results/status"][:] == 0).any():
            fail("the resumed sweep left trials undone")
    if os.path.exists(table + ".stopped"):
        fail("the marker outlived the sweep that finished")
    # a sweep whose trials each take minutes stops within seconds of SIGTERM: the running trials stop (their
    # ranks poll the signal after their steps) and stay to do
    long = ["sweep", "-models", "naam", "-N", 60, "-K", 4, "-flips", 1, "-trials", 2, "-quiet", "-ts_type", "rk",
            "-ts_adapt_type", "none", "-ts_dt", 1e-3, "-ts_max_time", 1e4, "-o", os.path.join(tmp, "long.h5")]
    p = start(long)
    pids = ranks_of(p)
    for pid in pids:
        catches(pid, signal.SIGTERM)
    time.sleep(1.5)
    t0 = time.time()
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    rc, text = finish(p, "a sweep of long trials sent SIGTERM")
    if rc != 3 or time.time() - t0 > 20:
        fail("a sweep of long trials sent SIGTERM exited %d after %.1f s (3 within 20 s expected):\n%s"
             % (rc, time.time() - t0, text))
    with h5py.File(os.path.join(tmp, "long.h5"), "r") as f:
        if (f["results/status"][:] != 0).any():
            fail("a trial stopped by SIGTERM was recorded as run")


def check_options(tmp):
    """Options: NaN and infinities refused unless an option means them (-ts_max_time inf with
    -ts_max_steps), subnormal and out-of-range numbers too, each message naming the option and the
    value; values that are not numbers give one line on any number of ranks; options set but never
    read are an error naming the nearest real option (or the model that has it), for run, sweep,
    generate and partition, and -allow_unused_options turns that into a warning; options files that
    are missing, not files or include themselves are refused naming the file."""
    selfinc = os.path.join(tmp, "self.opts")
    with open(selfinc, "w") as f:
        f.write("-K 3\n-options_file %s\n" % selfinc)
    ok = os.path.join(tmp, "ok.opts")
    with open(ok, "w") as f:
        f.write("-K 3\n-ts_max_time 0.2\n")
    cases = [
        (["-ts_max_time", "nan"], ["-ts_max_time", "nan"]),
        (["-ts_max_time", "NaN"], ["-ts_max_time", "NaN"]),
        (["-K", "inf"], ["-K", "inf"]),
        (["-cue_flip_fraction", "-inf"], ["-cue_flip_fraction", "-inf"]),
        (["-naam_tau_n", "Infinity"], ["-naam_tau_n", "Infinity"]),
        (["-ts_rtol", "1e-320"], ["-ts_rtol", "1e-320"]),
        (["-naam_beta_s", "1e999"], ["-naam_beta_s", "1e999"]),
        (["-ts_max_time", "inf"], ["-ts_max_time", "-ts_max_steps"]),
        (["-K", "abc"], ["-K", "abc"]),
        (["-ts_rtol", "abc"], ["Option -ts_rtol:", "abc"]),
        (["-ts_adapt_clip", "0.1,1x"], ["Option -ts_adapt_clip:", "1x"]),
        (["-ts_type", "beuler", "-snes_rtol", "1y"], ["Option -snes_rtol:", "1y"]),
        (["-ts_type", "beuler", "-ksp_type", "nonsense"], ["KSP type nonsense"]),
        (["-N", "1.5"], ["-N", "1.5"]),
        (["-seed", "0x1g"], ["-seed", "0x1g"]),
        (["-progress_interval", "-5"], ["-progress_interval", "-5"]),
        (["-monitor_every", "-1"], ["-monitor_every", "-1"]),
        (["-ts_max_tim", 3], ["-ts_max_tim", "did you mean -ts_max_time?"]),
        (["-stepper_typ", "fixed"], ["-stepper_typ", "did you mean -stepper_type?"]),
        (["-mode", "dam"], ["-mode", "did you mean -model?"]),
        (["-tau_a", 2, "-model", "gated"], ["-tau_a", "did you mean -gated_tau_a?"]),
        (["-dam_n", 3], ["-dam_n", "-model dam", "naam"]),
        (["-Kk", 3], ["-Kk", "-allow_unused_options"]),
        (["-K"], ["-K", "needs a value"]),
        (["-options_file", os.path.join(tmp, "nope.opts")], ["-options_file", "nope.opts"]),
        (["-options_file", tmp], ["-options_file", "not a regular file"]),
        (["-options_file", selfinc], ["self.opts", "includes itself"]),
    ]

    def complete(np_, args):
        out = os.path.join(tmp, "o_%d_%d.h5" % (np_, abs(hash(tuple(map(str, args))))))
        return ["-N", 30, "-quiet", "-o", out] + args, out

    expect_refusals(cases, complete, ranks=(1, 2))
    sub = [(["sweep", "-models", "hopfield", "-N", 16, "-K", 2, "-flips", 1, "-trial", 2], ["-trial", "-trials?"]),
           (["generate", "-N", 20, "-degre", 3], ["-degre", "-degree?"]),
           (["partition", "-N", 20, "-nparts", 2, "-partitoner", "block"], ["-partitoner", "-partitioner?"])]
    expect_refusals(sub, lambda np_, a: (a + ["-o", os.path.join(tmp, "sub_%d.h5" % np_)], os.path.join(tmp, "x")),
                    ranks=(2,))
    # accepted: what an option means by inf, an options file, and the wrapper scripts' way out
    for args in (["-ts_max_time", "inf", "-ts_max_steps", 5], ["-options_file", ok]):
        run(2, ["-N", 30, "-quiet", "-o", os.path.join(tmp, "fine.h5")] + args)
    p = run(2, ["-N", 30, "-K", 3, "-ts_max_time", 0.2, "-quiet", "-o", os.path.join(tmp, "w.h5"),
                "-allow_unused_options", "-Kk", 3])
    text = p.stdout + p.stderr
    if text.count("tripart: warning: Option -Kk 3") != 1:
        fail("-allow_unused_options: not one warning naming -Kk:\n%s" % text)
    # TRIPART_VMATH: a name this CPU cannot run is refused; every kernel it can run gives the same run, bit for bit
    for np_ in (1, 2):
        p = subprocess.run(cmd(np_, ["-N", 30, "-quiet", "-o", os.path.join(tmp, "vm.h5")]),
                           env=dict(ENV, TRIPART_VMATH="nonsense"), capture_output=True, text=True, timeout=120)
        text = p.stdout + p.stderr
        if p.returncode == 0 or text.count("TRIPART_VMATH=nonsense") != 1:
            fail("TRIPART_VMATH=nonsense on %d ranks: exit %d, want one message naming it:\n%s" % (np_, p.returncode, text))
    outs = {}
    for kernels in ("", "avx2", "avx512", "generic"):
        out = os.path.join(tmp, "vm_%s.h5" % (kernels or "default"))
        p = subprocess.run(cmd(2, ["-N", 40, "-K", 4, "-ts_max_time", 3, "-save_synapses", "-quiet", "-o", out]),
                           env=dict(ENV, TRIPART_VMATH=kernels), capture_output=True, text=True, timeout=120)
        if p.returncode and "this CPU cannot run" in p.stdout + p.stderr:
            continue
        if p.returncode:
            fail("TRIPART_VMATH=%s: exit %d\n%s%s" % (kernels, p.returncode, p.stdout, p.stderr))
        with h5py.File(out, "r") as f:
            outs[kernels or "default"] = [f[k][...].tobytes() for k in ("energy", "state/x", "state/s", "state/p")]
    for name, data in outs.items():
        if data != outs["default"]:
            fail("TRIPART_VMATH=%s gives other bits than the default kernels" % name)
    # -monitor_every 0: the last step only, on any number of ranks and steppers
    for np_, extra in ((1, []), (2, []), (2, ["-ts_type", "euler", "-ts_dt", 0.05])):
        last = os.path.join(tmp, "last_%d.h5" % np_)
        run(np_, ["-N", 30, "-K", 3, "-ts_max_time", 1, "-quiet", "-o", last, "-monitor_every", 0] + extra)
        with h5py.File(last, "r") as f:
            if f["step"].shape != (1,) or abs(f["time"][0] - 1.0) > 1e-9 or f["energy"].shape != (1,):
                fail("-monitor_every 0 %s on %d ranks: samples at steps %s, times %s (want the last only)"
                     % (" ".join(map(str, extra)), np_, list(f["step"][:]), list(f["time"][:])))


def main():
    check = sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        {"files": check_files, "inputs": check_inputs, "paths": check_paths,
         "degenerate": check_degenerate, "io": check_io,
         "restart": check_restart, "signals": check_signals, "options": check_options}[check](tmp)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    main()
