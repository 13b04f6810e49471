"""What the end-to-end checks (checks.py, model_checks.py) share: how tripart is run, how a failure
is reported, and how bad input must be refused.  Both take  TRIPART MPIEXEC CHECK  as arguments."""
import concurrent.futures
import contextlib
import os
import subprocess
import sys
import tempfile

import numpy as np

TRIPART, MPIEXEC = sys.argv[1], sys.argv[2].split()
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")


def fail(msg):
    print("FAILED:", msg)
    sys.exit(1)


def cmd(np_, args):
    return MPIEXEC + [str(np_), TRIPART] + [str(a) for a in args]


@contextlib.contextmanager
def own_session(env=ENV):
    """env with a session directory of its own for one mpiexec (or singleton).  Open MPI 4 races when
    runs start side by side: one removes the shared /tmp/ompi.<host>.<uid> as another creates its
    job's folder in it, and the second aborts in orte_init (open-mpi/ompi#8510)."""
    base = env.get("OMPI_MCA_orte_tmpdir_base") or tempfile.gettempdir()
    os.makedirs(base, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="s", dir=base) as d:
        yield dict(env, OMPI_MCA_orte_tmpdir_base=d)


def run(np_, args, expect_ok=True):
    with own_session() as env:
        p = subprocess.run(cmd(np_, args), env=env, capture_output=True, text=True, timeout=900)
    if expect_ok and p.returncode != 0:
        fail("command failed (%d): %s\n%s%s" % (p.returncode, " ".join(cmd(np_, args)), p.stdout, p.stderr))
    return p


def relerr(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


def expect_refusals(cases, complete, ranks=(1, 2)):
    """Every case (args, words) on each number of ranks: a non-zero exit, one message naming every
    one of `words`, and neither the output file nor its .part left behind.  complete(np_, args)
    returns the whole argument list and the output path."""
    def one(np_, args, words):
        full, target = complete(np_, args)
        p = run(np_, full, expect_ok=False)
        text = p.stdout + p.stderr
        what = " ".join(map(str, full))
        if p.returncode == 0:
            return "%s was accepted on %d ranks" % (what, np_)
        if text.count("tripart: error:") != 1:
            return "%s: %d error messages on %d ranks:\n%s" % (what, text.count("tripart: error:"), np_, text)
        for w in words:
            if w not in text:
                return "%s: error message does not mention %r:\n%s" % (what, w, text)
        for leftover in (target, target + ".part"):
            if os.path.exists(leftover):
                return "%s left %s behind" % (what, leftover)
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [pool.submit(one, np_, args, words) for np_ in ranks for args, words in cases]
        for j in jobs:
            if j.result():
                fail(j.result())


def expect_spiking_refusals(cases, tmp, ranks=(1, 2)):
    """expect_refusals for short -model spiking runs, each writing (or not) its own output in tmp."""
    def complete(np_, args):
        target = os.path.join(tmp, "bad%d_%d.h5" % (np_, id(args)))
        return ["-model", "spiking", "-stepper_max_time", 5, "-quiet", "-o", target] + args, target

    expect_refusals(cases, complete, ranks)


def main(checks):
    """Runs the check named by argv[3] in a temporary directory."""
    import tempfile
    if sys.argv[3] not in checks:
        fail("unknown check " + sys.argv[3])
    with tempfile.TemporaryDirectory() as tmp:
        checks[sys.argv[3]](tmp)


def edit(src, dst, fn):
    """A copy of the HDF5 file src at dst, changed by fn(h5py.File); returns dst."""
    import shutil
    import h5py
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        fn(f)
    return dst


def replace(f, name, values):
    """Dataset `name` of the open file f replaced by `values` (any shape and type)."""
    del f[name]
    f[name] = values
