#!/usr/bin/python3
"""Robustness (issue 17): what a careless user or a hostile file throws at tripart must end in a
clean run or one clear message, never a crash, a hang, an input destroyed or a silently mixed
result.  One check per class; each ran against the engine before the fix and failed there (the
closing note of issue 17 says which).  Silent on success.

    robust_checks.py TRIPART MPIEXEC CHECK
"""
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tpcheck import ENV, MPIEXEC, TRIPART, expect_refusals, fail, run  # noqa: E402

SPATIAL = ["-connectivity", "spatial", "-N", 100, "-degree", 6, "-spatial_dim", 2, "-spatial_tiles", 2]


def tool(np_, args, timeout=120):
    """Run tripart; a run that outlives timeout is a hang (killed, and reported)."""
    cmd = MPIEXEC + [str(np_), TRIPART] + [str(a) for a in args]
    try:
        return subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        fail("hung: %s" % " ".join(cmd))


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


def edit(src, dst, fn):
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        fn(f)
    return dst


def replace(f, name, values):
    del f[name]
    f[name] = values


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
            p = tool(np_, ["-N", 20, "-K", 2, "-ts_max_time", 1, "-stepper_max_time", 1, "-quiet", "-o", out] + args)
            if p.returncode != 0:
                fail("a degenerate run failed on %d ranks: %s\n%s%s" % (np_, args, p.stdout, p.stderr[-2000:]))
            with h5py.File(out, "r") as f:
                for k in f["state"]:
                    if not np.all(np.isfinite(f["state/" + k][()])):
                        fail("%s on %d ranks: state/%s is not finite" % (args, np_, k))
                if "energy" in f and not np.all(np.isfinite(f["energy"][()])):
                    fail("%s on %d ranks: the energy is not finite" % (args, np_))


def main():
    check = sys.argv[3]
    with tempfile.TemporaryDirectory() as tmp:
        {"files": check_files, "inputs": check_inputs, "paths": check_paths,
         "degenerate": check_degenerate}[check](tmp)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    main()
