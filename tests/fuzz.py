#!/usr/bin/python3
"""Fuzz test of every loader and of the options: truncated, bit-flipped and wrongly-shaped HDF5
patterns files and checkpoints, and nonsense option values.  Each case must end with exit 0 (a
flip that left the file valid) or with one clear `tripart: error:` and a non-zero exit: never a
crash, never a hang.  Deterministic (seeded).  Prints nothing on success.

    fuzz.py TRIPART "MPIEXEC ARGS..."
"""
import concurrent.futures
import os
import random
import signal
import subprocess
import sys
import tempfile

import h5py
import numpy as np

TRIPART, MPIEXEC = sys.argv[1], sys.argv[2].split()
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
BASE = ["-N", "30", "-K", "4", "-ts_max_time", "2", "-quiet"]


def flips(data, rng, n):
    b = bytearray(data)
    for _ in range(n):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def make_cases(tmp, rng):
    cases = []  # (description, ranks, args)

    def put(name, raw):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(raw)
        return path

    # patterns files
    xi = np.where(np.random.default_rng(1).random((4, 30)) < 0.5, -1, 1).astype(np.int8)
    good = os.path.join(tmp, "good_patterns.h5")
    with h5py.File(good, "w") as f:
        f["patterns"] = xi
        f["cue"] = xi[0]
    raw = open(good, "rb").read()
    for k in range(25):
        cases.append(("patterns truncated", 1, ["-patterns_file", put("pt%d.h5" % k, raw[: rng.randrange(len(raw))])]))
    for k in range(45):
        cases.append(("patterns bit-flipped", 1 + k % 2, ["-patterns_file", put("pf%d.h5" % k, flips(raw, rng, 1 + k % 8))]))
    shapes = {
        "3d": dict(patterns=xi.reshape(2, 2, 30)), "empty": dict(patterns=np.zeros((0, 30), np.int8)),
        "scalar": dict(patterns=np.int8(1)), "nan": dict(patterns=np.where(xi > 0, 1.0, np.nan)),
        "twos": dict(patterns=xi * 2), "bool": dict(patterns=xi > 0), "strings": dict(patterns=np.array([b"ab", b"cd"])),
        "compound": dict(patterns=np.zeros(3, dtype=[("a", "i4"), ("b", "f8")])), "cue2d": dict(patterns=xi, cue=xi[:2]),
        "cuelong": dict(patterns=xi, cue=np.ones(31, np.int8)), "cuefloat": dict(patterns=xi, cue=np.full(30, 0.5)),
        "huge_dims": None, "group": None,
    }
    for name, d in shapes.items():
        path = os.path.join(tmp, "ps_%s.h5" % name)
        with h5py.File(path, "w") as f:
            if name == "group":
                f.create_group("patterns")
            elif name == "huge_dims":
                f.create_dataset("patterns", shape=(2**20, 2**20), dtype="i1")  # never written: all fill value
            else:
                for k, v in d.items():
                    f[k] = v
        cases.append(("patterns " + name, 1, ["-patterns_file", path]))
    # checkpoints
    ck = os.path.join(tmp, "good.ckpt")
    p = subprocess.run(MPIEXEC + ["1", TRIPART] + BASE + ["-o", os.path.join(tmp, "g.h5"), "-checkpoint", ck, "-checkpoint_final"],
                       env=ENV, capture_output=True, text=True, errors="backslashreplace", timeout=120)
    if p.returncode:
        raise SystemExit("FAILED: could not make the base checkpoint: %s%s" % (p.stdout, p.stderr))
    raw = open(ck, "rb").read()
    for k in range(25):
        cases.append(("checkpoint truncated", 1, ["-restart", put("ct%d.ckpt" % k, raw[: rng.randrange(len(raw))])]))
    for k in range(50):
        cases.append(("checkpoint bit-flipped", 1 + k % 2, ["-restart", put("cf%d.ckpt" % k, flips(raw, rng, 1 + k % 8))]))
    edits = {
        "time_string": lambda f: f.attrs.__setitem__("time", "soon"), "dt_zero": lambda f: f.attrs.__setitem__("dt", 0.0),
        "dt_nan": lambda f: f.attrs.__setitem__("dt", float("nan")), "step_negative": lambda f: f.attrs.__setitem__("step", -5),
        "x_short": lambda f: (f.__delitem__("state/x"), f.__setitem__("state/x", np.zeros(29))),
        "s_float32": lambda f: (f.__delitem__("state/s"), f.__setitem__("state/s", np.zeros(900, np.float32))),
        "s_2d": lambda f: (f.__delitem__("state/s"), f.__setitem__("state/s", np.zeros((30, 30)))),
        "samples_2d": lambda f: (f.__delitem__("samples/time"), f.__setitem__("samples/time", np.zeros((2, 2)))),
        "samples_missing": lambda f: f.__delitem__("samples"),
        "samples_energy_nan": lambda f: f["samples/energy"].__setitem__(0, np.nan),
        "checksum_string": lambda f: f.attrs.__setitem__("state_checksum", "x"),
        "neurons_huge": lambda f: f.attrs.__setitem__("neurons", 2**40),
    }
    for name, edit in edits.items():
        path = put("ce_%s.ckpt" % name, raw)
        with h5py.File(path, "r+") as f:
            edit(f)
        cases.append(("checkpoint " + name, 1, ["-restart", path]))
    # nonsense options
    nonsense = [["-N", "abc"], ["-N", "1e3"], ["-N", "99999999999"], ["-K", "-1"], ["-K", "x"], ["-seed", "xyz"],
                ["-ts_dt", "-1"], ["-ts_max_time", "nan"], ["-ts_type", "nonsense"], ["-cue_flip_fraction", "nan"],
                ["-cue_flip_fraction", "2"], ["-cue_flip_count", "-3"], ["-cue_target", "4"], ["-connectivity", "sideways"],
                ["-init", "maybe"], ["-degree", "0"], ["-degree", "-4"], ["-naam_tau_n", "0"], ["-naam_beta_s", "-1"],
                ["-naam_tau_p", "inf"], ["-monitor_every", "0"], ["-checkpoint_interval", "-1"], ["-checkpoint_wall", "-2"],
                ["-coupling", ""], ["-coupling", ",,"], ["-coupling", "hebbian,hebbian"], ["-model", ""], ["-o", ""],
                ["-o", "/proc/nope/x.h5"], ["-restart", "/dev/null"], ["-restart", tmp], ["-patterns_file", tmp],
                ["-patterns_file", "/dev/null"], ["-naam_block_synapses", "0"], ["-blas_threads", "abc"]]
    for args in nonsense:
        cases.append(("option " + " ".join(args), 1, args))
    return cases


def run_case(case, tmp, i):
    desc, np_, args = case
    out = os.path.join(tmp, "out%d.h5" % i)
    full = MPIEXEC + [str(np_), TRIPART] + BASE + ["-o", out] + args
    try:
        p = subprocess.run(full, env=ENV, capture_output=True, text=True, errors="backslashreplace", timeout=120)
    except subprocess.TimeoutExpired:
        return "%s: hung (%s)" % (desc, " ".join(args))
    text = p.stdout + p.stderr
    if p.returncode < 0 or "Segmentation" in text or "signal number" in text or "core dumped" in text:
        return "%s: crashed (%s):\n%s" % (desc, " ".join(args), text)
    if p.returncode != 0 and "tripart: error:" not in text:
        return "%s: failed without a clear message (exit %d, %s):\n%s" % (desc, p.returncode, " ".join(args), text)
    if p.returncode != 0 and os.path.exists(out):
        return "%s: failed but left its output file" % desc
    return None


def main():
    rng = random.Random(20261122)
    with tempfile.TemporaryDirectory() as tmp:
        cases = make_cases(tmp, rng)
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda ic: run_case(ic[1], tmp, ic[0]), enumerate(cases)))
        bad = [r for r in results if r]
        if bad:
            print("FAILED: %d of %d fuzz cases:\n%s" % (len(bad), len(cases), "\n".join(bad[:10])))
            sys.exit(1)
        if os.environ.get("TRIPART_FUZZ_COUNT"):
            print("%d fuzz cases passed" % len(cases))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    main()
