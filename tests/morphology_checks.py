#!/usr/bin/python3
"""End-to-end checks of astrocyte morphologies, network files, partitions and IMEX stepping, run by
ctest.  Silent on success.

    morphology_checks.py TRIPART MPIEXEC CHECK
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tpcheck import ENV, MPIEXEC, TRIPART, edit, expect_refusals, fail, relerr, replace, run  # noqa: E402

SPATIAL = ["-connectivity", "spatial", "-N", 160, "-degree", 8, "-spatial_dim", 2, "-spatial_tiles", 3,
           "-spatial_links", 3, "-spatial_gap_junctions", 6]
NETWORKS = {"sheet": ["-N", 40], "spatial": SPATIAL}


def subcommand(np_, sub, args):
    p = subprocess.run(MPIEXEC + [str(np_), TRIPART, sub] + [str(a) for a in args], env=ENV,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        fail("tripart %s %s failed:\n%s%s" % (sub, " ".join(map(str, args)), p.stdout, p.stderr))
    return p.stdout


def network_args(tmp, kind):
    if kind != "file":
        return list(NETWORKS[kind])
    path = os.path.join(tmp, "net.h5")
    if not os.path.exists(path):
        subcommand(1, "generate", SPATIAL + ["-seed", 3, "-o", path])
    return ["-network_file", path, "-seed", 3]


def final_state(path):
    with h5py.File(path, "r") as f:
        return {k: f["state/" + k][:] for k in ("x", "s", "p")}


def check_invariance(tmp, kind):
    """Hebbian + diffusion with gap junctions: the final state on 1-4 ranks, with block and with graph
    (PT-Scotch) partitions, equals 1 rank's to 1e-10 (fixed steps: only round-off may differ)."""
    net = network_args(tmp, kind)
    args = net + ["-K", 4, "-coupling", "hebbian,diffusion", "-naam_diffusion", 0.02, "-naam_gap_diffusion", 0.05,
                  "-ts_adapt_type", "none", "-ts_dt", 0.05, "-ts_max_time", 6, "-save_synapses", "-quiet",
                  "-naam_block_synapses", 97]
    ref = None
    for np_ in (1, 2, 3, 4):
        for how in ("block", "graph"):
            if np_ == 1 and how == "graph":
                continue
            out = os.path.join(tmp, "inv_%s_%d_%s.h5" % (kind, np_, how))
            extra = []
            if how == "graph":
                part = os.path.join(tmp, "part_%s_%d.h5" % (kind, np_))
                subcommand(1, "partition", net + ["-nparts", np_, "-o", part])
                extra = ["-partition", part]
            run(np_, args + extra + ["-o", out])
            state = final_state(out)
            if ref is None:
                ref = state
                continue
            for k in state:
                e = relerr(state[k], ref[k])
                if not e <= 1e-10:
                    fail("%s network, %s partition: state/%s on %d ranks differs from 1 rank by %g" % (kind, how, k, np_, e))


def halo_total(path):
    with h5py.File(path, "r") as f:
        return int(np.sum(f["stats_ghost_neurons"][:]) + np.sum(f["stats_halo_processes"][:]))


def check_halo(tmp):
    """The graph partition of a spatial network exchanges less than the block partition."""
    args = ["-connectivity", "spatial", "-N", 3000, "-degree", 12, "-spatial_dim", 3, "-spatial_tiles", 3]
    for nparts in (2, 4):
        b, g = os.path.join(tmp, "b.h5"), os.path.join(tmp, "g.h5")
        subcommand(1, "partition", args + ["-nparts", nparts, "-partitioner", "block", "-o", b])
        out = subcommand(2, "partition", args + ["-nparts", nparts, "-o", g])
        hb, hg = halo_total(b), halo_total(g)
        if not hg < hb:
            fail("graph partition over %d ranks exchanges %d values per RHS, block %d" % (nparts, hg, hb))
        if "load imbalance" not in out or "bytes/RHS" not in out:
            fail("partition does not print its statistics:\n" + out)
        with h5py.File(g, "r") as f:
            syn = f["stats_synapses"][:]
            if syn.max() > 1.1 * syn.mean():
                fail("graph partition over %d ranks is imbalanced: synapses %s" % (nparts, syn))


def check_roundtrip(tmp):
    """A network written by `generate` and read back gives the same run as generating it in memory."""
    path = os.path.join(tmp, "rt.h5")
    subcommand(1, "generate", SPATIAL + ["-seed", 5, "-o", path])
    with h5py.File(path, "r") as f:
        indptr, indices = f["synapses/indptr"][:], f["synapses/indices"][:]
        m_ptr, m_idx, astro = f["morphology/indptr"][:], f["morphology/indices"][:], f["processes/astrocyte"][:]
        gaps = f["gap_junctions"][:]
    # the file is what the issue describes: symmetric links inside astrocytes, gap junctions across
    rows = np.repeat(np.arange(len(m_ptr) - 1), np.diff(m_ptr))
    links = set(zip(rows.tolist(), m_idx.tolist()))
    if any((b, a) not in links for a, b in links):
        fail("generated morphology is not symmetric")
    if np.any(astro[rows] != astro[m_idx]) or len(gaps) == 0 or np.any(astro[gaps[:, 0]] == astro[gaps[:, 1]]):
        fail("generated links cross astrocytes or gap junctions do not")
    common = ["-K", 3, "-coupling", "hebbian,diffusion", "-naam_diffusion", 0.03, "-ts_max_time", 4,
              "-save_synapses", "-quiet"]
    a, b = os.path.join(tmp, "mem.h5"), os.path.join(tmp, "file.h5")
    run(2, SPATIAL + ["-seed", 5] + common + ["-o", a])
    run(2, ["-network_file", path, "-seed", 5] + common + ["-o", b])
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for k in ("state/x", "state/s", "state/p", "network/indptr", "network/indices"):
            if not np.array_equal(fa[k][:], fb[k][:]):
                fail("%s differs between the generated network and its file" % k)
        if not np.array_equal(fb["network/indptr"][:], indptr) or not np.array_equal(fb["network/indices"][:], indices):
            fail("the run's /network differs from the network file's synapses")


def check_bad_files(tmp):
    """Bad network and partition files are refused with a message naming the file and the problem."""
    good = os.path.join(tmp, "good.h5")
    subcommand(1, "generate", SPATIAL + ["-o", good])
    part2 = os.path.join(tmp, "part2.h5")
    subcommand(1, "partition", ["-network_file", good, "-nparts", 2, "-o", part2])

    def variant(name, change):
        return edit(good, os.path.join(tmp, name + ".h5"), change)

    def asym(f):
        idx, ptr = f["morphology/indices"][:], f["morphology/indptr"][:]
        astro = f["processes/astrocyte"][:]
        # process 0 lists a new neighbour of its astrocyte that does not list it back
        for t in np.nonzero(astro == astro[0])[0]:
            if t != 0 and t not in idx[ptr[0]:ptr[1]] and 0 not in idx[ptr[t]:ptr[t + 1]]:
                break
        idx[ptr[0]] = t
        replace(f, "morphology/indices", idx)

    def cross(f):
        astro = f["processes/astrocyte"][:]
        ptr, idx = f["morphology/indptr"][:], f["morphology/indices"][:]
        s, t = 0, idx[ptr[0]]
        astro[t] = astro[s] + 1  # t's astrocyte changes: the link s-t now crosses astrocytes
        replace(f, "processes/astrocyte", astro)

    def samegap(f):
        g = f["gap_junctions"][:]
        astro = f["processes/astrocyte"][:]
        same = np.nonzero(astro == astro[g[0, 0]])[0]
        g[0, 1] = same[same != g[0, 0]][0]
        replace(f, "gap_junctions", g)

    files = {
        "nosyn": variant("nosyn", lambda f: f.__delitem__("synapses/indices")),
        "range": variant("range", lambda f: replace(f, "synapses/indices", f["synapses/indices"][:] + 10**6)),
        "asym": variant("asym", asym),
        "cross": variant("cross", cross),
        "samegap": variant("samegap", samegap),
        "gaprange": variant("gaprange", lambda f: replace(f, "gap_junctions", f["gap_junctions"][:] + 10**7)),
        "noastro": variant("noastro", lambda f: f.__delitem__("processes/astrocyte")),
        "format": variant("format", lambda f: f.attrs.__setitem__("format", "something-else")),
    }
    other = os.path.join(tmp, "other.h5")
    subcommand(1, "generate", SPATIAL + ["-seed", 9, "-o", other])
    def rank5(f):
        r = f["rank"][:]
        r[7] = 5
        replace(f, "rank", r)

    badrank = edit(part2, os.path.join(tmp, "badrank.h5"), rank5)
    norank = edit(part2, os.path.join(tmp, "norank.h5"), lambda f: f.__delitem__("rank"))
    cases = [
        (["-network_file", files["nosyn"]], ["nosyn.h5", "/synapses/indices", "missing"]),
        (["-network_file", files["range"]], ["range.h5", "/synapses/indices", "out of range"]),
        (["-network_file", files["asym"]], ["asym.h5", "not symmetric"]),
        (["-network_file", files["cross"]], ["cross.h5", "different astrocytes"]),
        (["-network_file", files["samegap"]], ["samegap.h5", "/gap_junctions", "same astrocyte"]),
        (["-network_file", files["gaprange"]], ["gaprange.h5", "/gap_junctions", "out of range"]),
        (["-network_file", files["noastro"]], ["noastro.h5", "/processes/astrocyte", "missing"]),
        (["-network_file", files["format"]], ["format.h5", "not a tripart network file"]),
        (["-network_file", os.path.join(tmp, "absent.h5")], ["-network_file", "absent.h5"]),
        (["-network_file", good, "-connectivity", "random"], ["-network_file", "-connectivity random"]),
        (["-connectivity", "random", "-N", 50, "-coupling", "hebbian,diffusion"], ["diffusion", "-connectivity random"]),
        (["-network_file", good, "-coupling", "hebbian,diffusion", "-naam_gap_diffusion", -1], ["-naam_gap_diffusion"]),
        (SPATIAL[:-2] + ["-spatial_dim", 4], ["-spatial_dim"]),
        (SPATIAL + ["-spatial_tiles", 0], ["-spatial_tiles"]),
    ]

    def complete(np_, args):
        out = os.path.join(tmp, "bad_%d.h5" % np_)
        return args + ["-K", 3, "-quiet", "-ts_max_time", 0.5, "-o", out], out

    expect_refusals(cases, complete, ranks=(1,))
    partition_cases = [
        (["-network_file", good, "-partition", part2 + "x"], ["-partition", "part2.h5x"]),
        (["-network_file", other, "-partition", part2], ["part2.h5", "another network"]),
        (["-network_file", good, "-partition", badrank], ["badrank.h5", "/rank[7] = 5"]),
        (["-network_file", good, "-partition", norank], ["norank.h5", "/rank"]),
        (["-network_file", good, "-partition", good], ["good.h5", "not a tripart partition file"]),
    ]
    expect_refusals(partition_cases, complete, ranks=(2,))
    # M2/M3 run on a partition too (their rows are the partition's neurons): the same states as in blocks
    for model in ("hopfield", "gated"):
        outs = [os.path.join(tmp, "%s_%s.h5" % (model, how)) for how in ("blocks", "part")]
        base = ["-network_file", good, "-model", model, "-K", 4, "-quiet", "-ts_max_time", 2]
        run(1, base + ["-o", outs[0]])
        run(2, base + ["-partition", part2, "-o", outs[1]])
        with h5py.File(outs[0], "r") as a, h5py.File(outs[1], "r") as b:
            for k in [k for k in ("x", "a") if k in a["state"]]:
                e = relerr(b["state/" + k][:], a["state/" + k][:])
                if not e <= 1e-10:
                    fail("%s on a partition: state/%s differs from blocks by %g" % (model, k, e))
    # a partition for 2 ranks on 3 (and on 1) is refused with the counts named
    for np_ in (1, 3):
        out = os.path.join(tmp, "np%d.h5" % np_)
        p = run(np_, ["-network_file", good, "-partition", part2, "-K", 3, "-quiet", "-o", out], expect_ok=False)
        text = p.stdout + p.stderr
        if p.returncode == 0 or "is for 2 ranks; this run has %d" % np_ not in text or os.path.exists(out):
            fail("a partition for 2 ranks was not refused on %d ranks:\n%s" % (np_, text))


def check_imex(tmp):
    """A stiff case (large D): ARKIMEX (diffusion and leaks implicit, assembled Jacobian) reaches the
    final state of tightly-toleranced explicit RK, on 1 and 3 ranks, with far fewer evaluations; its
    Jacobian agrees with finite differences."""
    base = ["-N", 24, "-K", 3, "-coupling", "hebbian,diffusion", "-naam_diffusion", 30, "-init", "zero",
            "-ts_max_time", 2, "-save_synapses", "-quiet"]
    ref = os.path.join(tmp, "rk.h5")
    run(1, base + ["-ts_type", "rk", "-ts_rk_type", "5dp", "-ts_rtol", 1e-10, "-ts_atol", 1e-10, "-o", ref])
    r = final_state(ref)
    for np_ in (1, 3):
        out = os.path.join(tmp, "imex%d.h5" % np_)
        run(np_, base + ["-ts_type", "arkimex", "-ts_rtol", 1e-7, "-ts_atol", 1e-7, "-ksp_rtol", 1e-12, "-o", out])
        s = final_state(out)
        for k in ("x", "s", "p"):
            e = relerr(s[k], r[k])
            if not e <= 1e-5:
                fail("ARKIMEX on %d ranks: state/%s differs from explicit RK by %g" % (np_, k, e))
    steps = {}
    for ts in ("rk", "arkimex"):  # at the default tolerances the explicit steps are limited by diffusion
        out = os.path.join(tmp, "steps_%s.h5" % ts)
        run(1, base + ["-ts_type", ts, "-o", out])
        with h5py.File(out, "r") as f:
            steps[ts] = f["step"][-1]
    if not steps["arkimex"] * 10 < steps["rk"]:
        fail("ARKIMEX took %d steps, RK %d: no gain on a stiff case" % (steps["arkimex"], steps["rk"]))
    p = run(2, base + ["-ts_type", "arkimex", "-ts_max_steps", 1, "-snes_test_jacobian", "-o",
                       os.path.join(tmp, "tj.h5")])
    ratios = [float(v) for v in re.findall(r"\|\|J - Jfd\|\|_F/\|\|J\|\|_F = ([0-9.eE+-]+)", p.stdout)]
    if not ratios or max(ratios) > 1e-5:
        fail("IMEX Jacobian differs from finite differences: %s\n%s" % (ratios, p.stdout[-2000:]))


if __name__ == "__main__":
    check = sys.argv[3]
    tmp = tempfile.mkdtemp(prefix="tpmorph")
    try:
        if check == "invariance":
            check_invariance(tmp, sys.argv[4])
        elif check == "halo":
            check_halo(tmp)
        elif check == "roundtrip":
            check_roundtrip(tmp)
        elif check == "bad_files":
            check_bad_files(tmp)
        elif check == "imex":
            check_imex(tmp)
        else:
            fail("unknown check " + check)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
