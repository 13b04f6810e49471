#!/usr/bin/python3
"""Gather the output files of a sweep's tasks (RESULTS/task_<i>.h5) into one table.

    /usr/bin/python3 analysis/gather_sweep.py RESULTS TABLE.h5

The table has one row per task, one dataset per column: task, neurons, patterns, seed, synapses,
cue_flipped_bits, hamming_error, overlap, retrieved, steps, final_time, wall_time, ranks.
It is written as TABLE.h5.part and renamed when complete.  A missing or unreadable task file is an
error that names it.
"""
import glob
import os
import re
import sys

import h5py
import numpy as np

COLUMNS = ["task", "neurons", "patterns", "seed", "synapses", "cue_flipped_bits", "hamming_error", "overlap",
           "retrieved", "steps", "final_time", "wall_time", "ranks"]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    results, table = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(results, "task_*.h5")), key=lambda p: int(re.findall(r"(\d+)\.h5$", p)[0]))
    if not files:
        sys.exit("gather_sweep: no task_*.h5 files in %s" % results)
    rows = []
    for path in files:
        try:
            with h5py.File(path, "r") as f:
                a, o = f.attrs, f["observables"].attrs
                rows.append([int(re.findall(r"(\d+)\.h5$", path)[0]), a["neurons"], a["patterns"], a["seed"], a["synapses"],
                             o["cue_flipped_bits"], o["hamming_error"], o["overlap"], o["retrieved"], a["steps"],
                             a["final_time"], a["wall_time"], a["ranks"]])
        except (OSError, KeyError) as e:
            sys.exit("gather_sweep: cannot read task file %s: %s" % (path, e))
    tasks = [r[0] for r in rows]
    missing = sorted(set(range(max(tasks) + 1)) - set(tasks))
    if missing:
        sys.exit("gather_sweep: task files missing for tasks %s in %s" % (missing, results))
    data = np.array(rows, dtype=float)
    tmp = table + ".part"
    with h5py.File(tmp, "w") as f:
        for j, name in enumerate(COLUMNS):
            col = data[:, j]
            f[name] = col.astype(np.int64) if np.all(col == np.round(col)) and name not in ("overlap", "wall_time", "final_time", "hamming_error") else col
        f.attrs["tasks"] = len(rows)
        f.attrs["source"] = os.path.abspath(results)
    os.replace(tmp, table)
    print("gathered %d tasks into %s" % (len(rows), table))


if __name__ == "__main__":
    main()
