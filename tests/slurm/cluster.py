"""A real SLURM cluster on this machine for the tests: munged (if none answers), slurmctld and slurmd
on 127.0.0.1 with a configuration written into a folder of the build tree.  Everything it starts it
stops again, by process id."""
import os
import re
import signal
import socket
import subprocess
import time

CONF = """ClusterName=tripart{port}
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd.pid
SlurmdSpoolDir={d}/spool
StateSaveLocation={d}/state
SlurmctldLogFile={d}/slurmctld.log
SlurmdLogFile={d}/slurmd.log
SlurmctldPort={port}
SlurmdPort={port2}
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
InactiveLimit=0
KillWait=10
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
Waittime=0
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
"""

# Every test cluster numbers its jobs from 1, and the PMIx plugin makes /tmp/spmix_appdir_<uid>_<job>.<step>
# for each step: one left behind by a run that was killed made every step 1.0 on this machine fail to
# launch ("Unspecified error", srun still returning 0).  Each cluster keeps those folders in its own.
MPI_CONF = """PMIxCliTmpDirBase={d}/tmp
"""


class Cluster:
    def __init__(self, folder, port):
        self.dir = os.path.abspath(folder)
        self.port = port
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.started = []  # (name, pid)

    def run(self, *cmd, check=True):
        p = subprocess.run(list(cmd), env=self.env, capture_output=True, text=True, timeout=60)
        if check and p.returncode:
            raise RuntimeError("%s failed (%d): %s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
        return p.stdout

    def __enter__(self):
        for sub in ("spool", "state", "tmp"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        host = socket.gethostname().split(".")[0]
        with open(self.conf, "w") as f:
            f.write(CONF.format(d=self.dir, host=host, port=self.port, port2=self.port + 1, cpus=os.cpu_count()))
        with open(os.path.join(self.dir, "mpi.conf"), "w") as f:  # read from slurm.conf's folder
            f.write(MPI_CONF.format(d=self.dir))
        try:
            self._start_munge()
            self._daemon("slurmctld", ["slurmctld", "-f", self.conf], os.path.join(self.dir, "slurmctld.pid"))
            self._daemon("slurmd", ["slurmd", "-f", self.conf], os.path.join(self.dir, "slurmd.pid"))
            deadline = time.time() + 60
            while time.time() < deadline:
                state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True, text=True).stdout.strip()
                if state == "idle":
                    return self
                time.sleep(0.5)
            raise RuntimeError("the test cluster's node never became idle (sinfo says %r); see %s" % (state, self.dir))
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _start_munge(self):
        if subprocess.run("munge -n | unmunge", shell=True, capture_output=True).returncode == 0:
            return  # a munged answers already: not ours to start or stop
        os.makedirs("/run/munge", exist_ok=True)
        pidfile = os.path.join(self.dir, "munged.pid")
        subprocess.run(["munged", "--force", "--pid-file=" + pidfile], check=True, capture_output=True)
        self._record("munged", pidfile)

    def _daemon(self, name, cmd, pidfile):
        if os.path.exists(pidfile):
            os.remove(pidfile)
        subprocess.run(cmd, env=self.env, check=True, capture_output=True)
        self._record(name, pidfile)

    def _record(self, name, pidfile):
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                pid = int(open(pidfile).read().split()[0])
                self.started.append((name, pid))
                return
            except (OSError, ValueError, IndexError):
                time.sleep(0.1)
        raise RuntimeError("%s started but wrote no pid file %s" % (name, pidfile))

    def __exit__(self, *exc):
        subprocess.run(["scancel", "--full", "-u", "root"], env=self.env, capture_output=True)
        for name, pid in reversed(self.started):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.time() + 15
            while time.time() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.started = []

    def sbatch(self, *args, env=None):
        e = dict(self.env, **(env or {}))
        p = subprocess.run(["sbatch", "--parsable"] + list(args), env=e, capture_output=True, text=True, timeout=60)
        if p.returncode:
            raise RuntimeError("sbatch %s failed: %s" % (" ".join(args), p.stderr))
        return p.stdout.strip().split(";")[0]

    def job(self, jobid):
        """JobState, ExitCode and Restarts of a job (or of each task of an array)."""
        out = self.run("scontrol", "show", "job", jobid, check=False)
        return [dict(re.findall(r"(JobState|ExitCode|Restarts|Reason|ArrayTaskId)=(\S+)", block)) for block in out.split("\n\n") if "JobId=" in block]

    ENDED = ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",
             "OUT_OF_MEMORY", "SPECIAL_EXIT")

    def wait(self, jobids, timeout, on_pending=None):
        """Wait until no job of jobids is pending or running; on_pending(jobid, info) may act on a pending job."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            busy = False
            for j in jobids:
                infos = self.job(j)
                if not infos:  # scontrol did not answer (slurmctld busy under load): ask again, never "done"
                    busy = True
                for info in infos:
                    # anything but an end state is still under way (SIGNALING, STAGE_OUT, REQUEUED, ... are
                    # passing states: a job being signalled before its time limit was once taken for done)
                    if info.get("JobState") not in self.ENDED:
                        busy = True
                        if on_pending and info.get("JobState") == "PENDING":
                            on_pending(j, info)
            if not busy:
                return
            time.sleep(1)
        raise RuntimeError("jobs %s did not finish within %d s: %s" % (jobids, timeout, [self.job(j) for j in jobids]))
