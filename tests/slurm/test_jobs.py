#!/usr/bin/python3
"""The batch scripts of jobs/ against a real SLURM started for the test (cluster.py).  Silent on
success.

    test_jobs.py REPO BUILD_DIR requeue|array|scaling|launch
"""
import csv
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Cluster  # noqa: E402

REPO, BUILD, WHICH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
TRIPART = os.path.join(BUILD, "tripart")
PORTS = {"requeue": 17810, "array": 17820, "scaling": 17830, "launch": 17840}


def fail(msg):
    print("FAILED:", msg)
    sys.exit(1)


def logs(folder):
    text = ""
    for name in sorted(os.listdir(folder)):
        if name.endswith(".log"):
            text += "== %s\n%s" % (name, open(os.path.join(folder, name)).read())
    return text


def test_requeue(c, work):
    """A run whose time limit is shorter than the simulation is signalled, checkpoints, requeues,
    resumes and finishes with the final state of an uninterrupted run."""
    # slurmctld checks time limits about every 30 s, so the warning (due 20 s after the start) comes
    # 20 to 50 s after it: the run must last longer than that (about 58 s on one of this project's
    # AVX-512 machines; at -ts_max_time 30 it once ended at 29 s, before the warning)
    args = "-N 500 -K 8 -ts_type euler -ts_dt 0.001 -ts_max_time 60 -monitor_every 1000 -save_synapses"
    ref = os.path.join(work, "reference.h5")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    subprocess.run(["mpirun", "-n", "2", TRIPART] + args.split() + ["-quiet", "-o", ref], env=env, check=True, capture_output=True)
    out = os.path.join(work, "run.h5")
    job = c.sbatch("--ntasks=2", "--time=2", "--signal=B:USR1@100", "--chdir=" + work, "--output=" + os.path.join(work, "run-%j.log"),
                   os.path.join(REPO, "jobs", "run.sbatch"),
                   env={"TRIPART_HOME": REPO, "TRIPART": TRIPART, "ARGS": args + " -quiet", "OUT": out, "CKPT_WALL": "0"})

    hurried = set()

    def hurry(jobid, info):
        # SLURM holds a requeued job for about two minutes; start it 20 s from now instead, once per
        # requeue (a start within the second of the requeue finds its credential revoked, and one 5 s
        # later was seen to fail once with JobLaunchFailure while slurmd still tore down the old step)
        key = (jobid, info.get("Restarts"))
        if info.get("Reason") == "BeginTime" and key not in hurried:
            hurried.add(key)
            c.run("scontrol", "update", "JobId=" + jobid, "StartTime=now+20", check=False)

    c.wait([job], timeout=900, on_pending=hurry)
    text = logs(work)
    info = c.job(job)[0]
    if info.get("JobState") != "COMPLETED":
        fail("the self-requeuing job ended %s:\n%s" % (info, text))
    if "stopped by SIGUSR1" not in text or "-restart" not in text or int(info.get("Restarts", 0)) < 1:
        fail("the job was never signalled, checkpointed and requeued (restarts %s):\n%s" % (info.get("Restarts"), text))
    with h5py.File(ref, "r") as a, h5py.File(out, "r") as b:
        for k in ("state/x", "state/s", "state/p", "time", "energy"):
            if not np.array_equal(a[k][:], b[k][:]):
                fail("after %s restarts, /%s differs from the uninterrupted run" % (info.get("Restarts"), k))


def test_array(c, work):
    """A job-array sweep of 4 tasks completes and its gathered table holds every task."""
    env = {"TRIPART_HOME": REPO, "TRIPART": TRIPART, "K_LIST": "4 8", "SEEDS": "1 2", "ARGS": "-N 120",
           "RESULTS": os.path.join(work, "results"), "TABLE": os.path.join(work, "sweep.h5"), "SLURM_CONF": c.conf}
    p = subprocess.run(["bash", os.path.join(REPO, "jobs", "submit_sweep.sh")], env=dict(c.env, **env), cwd=work,
                       capture_output=True, text=True, timeout=120)
    if p.returncode:
        fail("submit_sweep.sh failed: %s%s" % (p.stdout, p.stderr))
    words = p.stdout.split()
    array, gather = words[2], words[-1]
    c.wait([array, gather], timeout=600)
    for info in c.job(array) + c.job(gather):
        if info.get("JobState") != "COMPLETED":
            fail("sweep job ended %s:\n%s" % (info, logs(work)))
    with h5py.File(os.path.join(work, "sweep.h5"), "r") as f:
        task, K, seed, ham = f["task"][:], f["patterns"][:], f["seed"][:], f["hamming_error"][:]
    if sorted(task) != [0, 1, 2, 3]:
        fail("the gathered table holds tasks %s, expected 0..3" % list(task))
    want = {0: (4, 1), 1: (8, 1), 2: (4, 2), 3: (8, 2)}
    for t, k, s in zip(task, K, seed):
        if (k, s) != want[t]:
            fail("task %d ran K = %d, seed = %d; expected %s" % (t, k, s, want[t]))
    if not np.all(np.isfinite(ham)):
        fail("non-finite Hamming errors in the table: %s" % ham)


def test_scaling(c, work):
    """A scaling series on 1 and 2 ranks produces its table and its plot."""
    env = {"TRIPART_HOME": REPO, "TRIPART": TRIPART, "MODE": "strong", "RANKS": "1 2", "SEEDS": "1 2", "N": "300",
           "STEPS": "10",
           "TABLE": os.path.join(work, "scaling.csv"), "PLOT": os.path.join(work, "scaling.png"), "WORK": os.path.join(work, "runs")}
    job = c.sbatch("--ntasks=2", "--chdir=" + work, "--output=" + os.path.join(work, "scaling-%j.log"),
                   os.path.join(REPO, "jobs", "scaling.sbatch"), env=env)
    c.wait([job], timeout=600)
    info = c.job(job)[0]
    if info.get("JobState") != "COMPLETED":
        fail("scaling job ended %s:\n%s" % (info, logs(work)))
    with open(env["TABLE"]) as f:
        rows = list(csv.DictReader(f))
    if [(int(r["ranks"]), int(r["seed"])) for r in rows] != [(1, 1), (1, 2), (2, 1), (2, 2)]:
        fail("scaling table rows: %s" % rows)
    for r in rows:
        if not (int(r["steps"]) == 10 and float(r["step_s"]) > 0 and int(r["synapses"]) == 90000
                and float(r["setup_s"]) > 0 and float(r["rhs_s"]) > 0 and float(r["peak_mib"]) > 1):
            fail("bad scaling row %s" % r)
        if int(r["ranks"]) == 2 and not float(r["ghost_s"]) > 0:
            fail("no ghost exchange time on 2 ranks: %s" % r)
    if not os.path.getsize(env["PLOT"]) > 1000:
        fail("no scaling plot")


def test_launch(c, work):
    """A job whose step never starts is a failure with a message, not a success: SLURM 22.05's srun
    returns 0 when a step fails to launch (here the PMIx plugin finds its client folder taken, as a
    folder left behind by a killed run once did on this machine)."""
    jobs = {}
    for script, env in (("run.sbatch", {"ARGS": "-N 50 -K 2 -quiet", "OUT": os.path.join(work, "run.h5")}),
                        ("sweep.sbatch", {"K_LIST": "2", "SEEDS": "1", "ARGS": "-N 50", "RESULTS": os.path.join(work, "results")})):
        env = dict(env, TRIPART_HOME=REPO, TRIPART=TRIPART, LAUNCHER="srun")
        job = c.sbatch("--hold", "--ntasks=2", "--chdir=" + work, "--output=" + os.path.join(work, script + "-%j.log"),
                       os.path.join(REPO, "jobs", script), env=env)
        os.makedirs(os.path.join(c.dir, "tmp", "spmix_appdir_%d_%s.0" % (os.getuid(), job)))
        c.run("scontrol", "release", job)
        jobs[script] = job
    c.wait(list(jobs.values()), timeout=300)
    text = logs(work)
    for script, job in jobs.items():
        info = c.job(job)[0]
        if info.get("JobState") != "FAILED" or info.get("ExitCode") != "1:0":
            fail("%s whose step never launched ended %s, not FAILED with status 1:\n%s" % (script, info, text))
    if text.count("was not written: the job step never ran") != 2 or "launch failed" not in text:
        fail("the logs do not say that the step never ran:\n%s" % text)


def main():
    work = os.path.join(BUILD, "slurm-" + WHICH)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    with Cluster(os.path.join(work, "cluster"), PORTS[WHICH]) as c:
        {"requeue": test_requeue, "array": test_array, "scaling": test_scaling, "launch": test_launch}[WHICH](c, work)


if __name__ == "__main__":
    main()
