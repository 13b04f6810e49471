#!/usr/bin/python3
"""The coupling kind `file` (an explicit sparse T over process pairs, read from HDF5).  Silent on
success.

    coupling_file_checks.py TRIPART MPIEXEC

- Given the hebbian T written out explicitly (every pair of processes, from the network and
  patterns of a run with -save_synapses), `-naam_coupling file` retrieves as `hebbian` does, to
  round-off, on 1 and 2 ranks and on 3 ranks with a graph partition (engine order != natural order);
  `file,hebbian` is hebbian with twice its c_T (kinds sum).
- A random sparse symmetric T: the energy falls step by step (a Lyapunov function); the same run on
  1, 2 and 3 ranks agrees to round-off; an asymmetric one is run with a warning saying so.
- A restart with another T is refused; bad files are refused naming the file, the option and the
  dataset, with no output left behind.
"""
import os
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tpcheck import edit, expect_refusals, fail, relerr, run  # noqa: E402

BASE = ["-connectivity", "random", "-N", 40, "-degree", 6, "-K", 3, "-naam_init", "zero", "-ts_max_time", 3, "-quiet"]
KEYS = ("state/x", "state/s", "state/p", "energy")


def write_T(path, S, T):
    """T (S x S, dense or a dict of rows) as CSR under /coupling."""
    rows = [np.nonzero(T[q])[0] for q in range(S)]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    with h5py.File(path, "w") as f:
        f["coupling/indptr"] = indptr
        f["coupling/indices"] = np.concatenate(rows).astype(np.int64)
        f["coupling/data"] = np.concatenate([T[q, r] for q, r in enumerate(rows)]).astype(float)


def read(path):
    with h5py.File(path, "r") as f:
        return {k: f[k][:] for k in KEYS}


def close(a, b, tol, what):
    for k in KEYS:
        if a[k].shape != b[k].shape or not relerr(b[k], a[k]) <= tol:
            fail("%s: /%s differs (%s)" % (what, k, "shapes %s, %s" % (a[k].shape, b[k].shape)
                                           if a[k].shape != b[k].shape else "%g relative" % relerr(b[k], a[k])))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        p = lambda name: os.path.join(tmp, name)  # noqa: E731
        save = ["-save_fields", "s,p"]
        run(1, BASE + ["-naam_c_T", 0.01, "-save_synapses", "-o", p("heb.h5")] + save)
        with h5py.File(p("heb.h5"), "r") as f:
            ip, ix, xi = f["network/indptr"][:], f["network/indices"][:], f["patterns"][:]
        S = len(ix)
        rows = np.repeat(np.arange(len(ip) - 1), np.diff(ip))
        A = xi[:, rows] * xi[:, ix]
        write_T(p("heb_T.h5"), S, 0.01 * A.T @ A)
        with h5py.File(p("heb.h5"), "r") as f, h5py.File(p("heb_T.h5"), "r+") as g:
            g.attrs["network_hash"] = f.attrs["network_hash"]  # the network it was made for: accepted
        ref = read(p("heb.h5"))
        run(3, ["partition", "-connectivity", "random", "-N", 40, "-degree", 6, "-o", p("part3.h5")])
        for np_, extra in ((1, []), (2, []), (3, ["-partition", p("part3.h5")])):
            run(np_, BASE + ["-naam_coupling", "file", "-naam_coupling_file", p("heb_T.h5"), "-o", p("f.h5")] + save + extra)
            close(ref, read(p("f.h5")), 1e-12, "file with the hebbian T on %d ranks" % np_)
        run(1, BASE + ["-naam_c_T", 0.02, "-o", p("heb2.h5")] + save)
        run(2, BASE + ["-naam_coupling", "file,hebbian", "-naam_c_T", 0.01, "-naam_coupling_file", p("heb_T.h5"),
                       "-o", p("fh.h5")] + save)
        close(read(p("heb2.h5")), read(p("fh.h5")), 1e-12, "file,hebbian against hebbian with twice c_T")

        # a random sparse symmetric T (with diagonal): the energy falls, the ranks agree
        rng = np.random.default_rng(3)
        T = np.where(rng.random((S, S)) < 0.05, rng.normal(0, 0.02, (S, S)), 0.0)
        T = T + T.T
        write_T(p("rand_T.h5"), S, T)
        args = BASE + ["-naam_coupling", "file", "-naam_coupling_file", p("rand_T.h5")] + save
        outs = []
        for np_ in (1, 2, 3):
            run(np_, args + ["-o", p("r%d.h5" % np_)])
            outs.append(read(p("r%d.h5" % np_)))
        for o in outs[1:]:
            close(outs[0], o, 1e-10, "a random symmetric T on several ranks")
        e = outs[0]["energy"]
        if not np.all(np.diff(e) <= 1e-10 * np.max(np.abs(e))):
            fail("with a symmetric T the energy rose: %s" % np.diff(e)[np.diff(e) > 0][:3])
        Tasym = T.copy()
        Tasym[0, 1] += 0.05
        write_T(p("asym_T.h5"), S, Tasym)
        r = run(1, BASE + ["-naam_coupling", "file", "-naam_coupling_file", p("asym_T.h5"), "-o", p("a.h5")])
        if "not symmetric" not in r.stdout + r.stderr:
            fail("an asymmetric T ran without a warning:\n%s%s" % (r.stdout, r.stderr))

        # a restart with another T is refused
        ck = p("c.ckpt")
        run(1, args + ["-o", p("c1.h5"), "-checkpoint", ck, "-checkpoint_final", "-ts_max_time", 1])
        bad = run(1, BASE + ["-naam_coupling", "file", "-naam_coupling_file", p("heb_T.h5"), "-restart", ck,
                             "-o", p("c2.h5")], expect_ok=False)
        if bad.returncode == 0 or "tripart: error:" not in bad.stdout + bad.stderr:
            fail("a restart with another coupling file was accepted:\n%s%s" % (bad.stdout, bad.stderr))

        # bad files
        def drop(name):
            return lambda f: f.__delitem__(name)

        def put(name, fn):
            def change(f):
                v = fn(f[name][:])
                del f[name]
                f[name] = v
            return change

        src = p("rand_T.h5")
        cases = [
            (edit(src, p("b1.h5"), drop("coupling/indices")), ["/coupling/indices"]),
            (edit(src, p("b2.h5"), put("coupling/indptr", lambda v: v[:-1])), ["/coupling/indptr", "entries"]),
            (edit(src, p("b3.h5"), put("coupling/indptr", lambda v: np.concatenate([[0, 5, 2], v[3:]]))),
             ["/coupling/indptr", "decreases"]),
            (edit(src, p("b4.h5"), put("coupling/indices", lambda v: np.where(np.arange(len(v)) == 3, S, v))),
             ["/coupling/indices", "outside"]),
            (edit(src, p("b5.h5"), put("coupling/data", lambda v: np.where(np.arange(len(v)) == 2, np.nan, v))),
             ["/coupling/data", "finite"]),
            (edit(src, p("b6.h5"), put("coupling/data", lambda v: v[:-1])), ["/coupling/data", "entries"]),
            (p("missing.h5"), ["missing.h5", "-naam_coupling_file"]),
            (edit(src, p("b7.h5"), lambda f: f.attrs.__setitem__("network_hash", 12345)), ["another network", "12345"]),
        ]
        refusals = [(BASE + ["-naam_coupling", "file", "-naam_coupling_file", f], words + [os.path.basename(f)])
                    for f, words in cases]
        refusals.append((BASE + ["-naam_coupling", "file"], ["-naam_coupling_file"]))

        def complete(np_, a):
            out = p("bad_%d_%d.h5" % (np_, abs(hash(tuple(map(str, a))))))
            return a + ["-o", out], out

        expect_refusals(refusals, complete)


if __name__ == "__main__":
    main()
