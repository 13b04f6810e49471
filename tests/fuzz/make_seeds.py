#!/usr/bin/python3
"""The seed corpus of the loaders' fuzzer: small valid files of every kind, made by tripart with the
options tests/fuzz/fuzz_loaders.c loads them with, plus a few hand-made variants (other dtypes,
chunked and compressed datasets, a partly done sweep table).  Run once when a file format changes;
the fuzzer grows the corpus from these (tests/fuzz/run_fuzzer.sh).

    make_seeds.py TRIPART OUTDIR
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

TRIPART, OUT = sys.argv[1], sys.argv[2]
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OPENBLAS_NUM_THREADS="1")
NET = ["-connectivity", "spatial", "-N", "100", "-degree", "6", "-spatial_dim", "2", "-spatial_tiles", "2"]


def tp(*args):
    subprocess.run([TRIPART] + [str(a) for a in args], env=ENV, check=True, capture_output=True)


def kind(k):
    d = os.path.join(OUT, k)
    os.makedirs(d, exist_ok=True)
    return d


with tempfile.TemporaryDirectory() as tmp:
    d = kind("patterns")
    rng = np.random.default_rng(7)
    xi = np.where(rng.random((4, 30)) < 0.5, -1, 1)
    for name, data in (("int8", xi.astype(np.int8)), ("double", xi.astype(np.float64)),
                       ("int32", xi.astype(np.int32))):
        with h5py.File(os.path.join(d, "seed_%s.h5" % name), "w") as f:
            f["patterns"] = data
            f["cue"] = data[0]
    with h5py.File(os.path.join(d, "seed_chunked.h5"), "w") as f:
        f.create_dataset("patterns", data=xi.astype(np.int8), chunks=(2, 10), compression="gzip")

    d = kind("network")
    for name, args in (("spatial", NET),
                       ("spatial3d", ["-connectivity", "spatial", "-N", "60", "-degree", "5", "-spatial_dim", "3",
                                      "-spatial_tiles", "2", "-spatial_gap_junctions", "3"]),
                       ("random", ["-connectivity", "random", "-N", "40", "-degree", "4"]),
                       ("all", ["-connectivity", "all", "-N", "12"])):
        tp("generate", *args, "-o", os.path.join(d, "seed_%s.h5" % name))

    d = kind("partition")
    for name, part in (("block", "block"), ("graph", "graph")):
        tp("partition", *NET, "-nparts", 2, "-partitioner", part, "-o", os.path.join(d, "seed_%s.h5" % name))

    d = kind("checkpoint")
    base = ["-N", 30, "-K", 4, "-ts_max_time", 2, "-quiet"]
    tp(*base, "-o", os.path.join(tmp, "c.h5"), "-checkpoint", os.path.join(d, "seed_final.h5"), "-checkpoint_final")
    tp("-N", 30, "-K", 4, "-ts_max_time", 1, "-quiet", "-o", os.path.join(tmp, "m.h5"), "-checkpoint",
       os.path.join(d, "seed_mid.h5"), "-checkpoint_final")

    d = kind("table")
    grid = ["sweep", "-models", "hopfield", "-N", 16, "-K", "2,3", "-flips", 1, "-trials", 2, "-quiet",
            "-ts_max_time", 0.5]
    done = os.path.join(d, "seed_done.h5")
    tp(*grid, "-o", done)
    # the table of another grid, which a resume must refuse as another sweep
    tp("sweep", "-models", "hopfield", "-N", 16, "-K", "2", "-flips", 1, "-trials", 1, "-quiet",
       "-ts_max_time", 0.5, "-o", os.path.join(d, "seed_other.h5"))
print("seeds in", OUT)
