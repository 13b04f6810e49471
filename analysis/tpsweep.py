"""What the studies (capacity.py, gated_study.py, ablation.py) share: their common options, and one
`tripart sweep` run to its table, of which they read the summary."""
import os
import subprocess

import h5py

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")


def add_options(ap, trials):
    """--tripart, --ranks, --trials (default `trials`)."""
    ap.add_argument("--tripart", default=os.path.join(os.path.dirname(__file__), "..", "build", "tripart"))
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--trials", type=int, default=trials)


def sweep(a, path, args):
    """Run `tripart sweep ARGS -quiet -o PATH` on --ranks ranks; return the table's summary and grid
    (name -> array) and remove the table."""
    cmd = ["mpirun", "-n", str(a.ranks), a.tripart, "sweep", "-quiet", "-o", path] + [str(v) for v in args]
    subprocess.run(cmd, env=ENV, check=True, capture_output=True, text=True)
    with h5py.File(path, "r") as f:
        d = {k: f["summary/" + k][()] for k in f["summary"]}
        d.update({"grid/" + k: f["grid/" + k][()] for k in f["grid"]})
    os.unlink(path)
    return d
