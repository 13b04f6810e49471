/* Signals that end a run early but cleanly: SIGTERM, SIGINT and SIGUSR1 (what SLURM sends before a
   time limit) only set a flag; runs poll it after each step and sweeps between trials, then save
   what they have and exit with status 3. */
#include <tputil.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t tp_signal = 0;

static void OnSignal(int sig)
{
  if (!tp_signal) tp_signal = sig; /* the first one counts: later ones wait for its checkpoint */
}

/*@C
  TpCatchSignals - Catches SIGTERM, SIGINT and SIGUSR1 into a flag, without PETSc

  Not Collective

  Notes:
  For use before PetscInitialize(), so that a signal during start-up cannot kill a run; call
  TpCatchSignalsPetsc() after it, over PETSc's own handlers.  SIGXFSZ is ignored: a file-size limit
  then makes writes fail with EFBIG, reported like a full disk.
  Returns non-zero on failure (it is not a PETSc function).

.seealso: `TpCatchSignalsPetsc()`, `TpSignalCaught()`
@*/
int TpCatchSignals(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sa.sa_flags   = SA_RESTART; /* a write or a wait that a signal interrupts goes on */
  sigemptyset(&sa.sa_mask);
  signal(SIGXFSZ, SIG_IGN);
  return sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) || sigaction(SIGUSR1, &sa, NULL);
}

/*@C
  TpHoldSignals - Holds SIGTERM, SIGINT and SIGUSR1 back (hold = 1) or lets them through again (0)

  Not Collective

  Notes:
  PetscFinalize() gives these signals their default action back before TpCatchSignals() can catch
  them again; held around it, a signal sent then (mpirun's SIGTERM to a rank still finishing, a
  repeated signal from the user or the scheduler) waits and is caught, instead of killing the rank.
  Returns non-zero on failure (it is not a PETSc function).

.seealso: `TpCatchSignals()`
@*/
int TpHoldSignals(int hold)
{
  sigset_t set;

  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  return sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/*@C
  TpCatchSignalsPetsc - Catches SIGTERM, SIGINT and SIGUSR1 into a flag, over PETSc's handlers

  Not Collective

.seealso: `TpCatchSignals()`, `TpSignalCaught()`
@*/
PetscErrorCode TpCatchSignalsPetsc(void)
{
  PetscFunctionBegin;
  PetscCheck(!TpCatchSignals(), PETSC_COMM_SELF, PETSC_ERR_SYS, "Cannot install signal handlers");
  PetscFunctionReturn(0);
}

/*@C
  TpSignalCaught - The last caught signal, or 0

  Not Collective

  Notes:
  Ranks may see a signal at different times: whoever acts on it reduces the flag over the ranks first.

.seealso: `TpCatchSignals()`
@*/
int TpSignalCaught(void)
{
  return tp_signal;
}

/*@C
  TpPollerStart - Starts polling after steps (TpPollerReduce())

  Not Collective

  Input Parameters:
+ p    - the poller
. comm - the ranks that poll together
- step - the first step

.seealso: `TpPollerReduce()`
@*/
PetscErrorCode TpPollerStart(TpPoller *p, MPI_Comm comm, PetscInt64 step)
{
  PetscFunctionBegin;
  p->comm = comm;
  p->next = p->last = step;
  PetscCall(PetscTime(&p->wall));
  PetscFunctionReturn(0);
}

/*@C
  TpPollerReduce - After a step: when a poll is due, the flags reduced over the poller's ranks (MPI_MAX)

  Collective on the poller's ranks when due (every rank is due at the same steps)

  Input Parameters:
+ p     - the poller
. step  - the step just made
. n     - how many flags (at most 7)
- flags - this rank's

  Output Parameters:
+ flags - the maximum over the ranks, when due
- due   - whether a poll was due (else flags are as given, and nothing was communicated)

  Notes:
  Polls come about TP_POLL_WALL seconds of wall time apart: rank 0 picks the next step from the pace since
  the last poll, the gap at most doubling, and the reduction tells the others.

.seealso: `TpPollerStart()`
@*/
PetscErrorCode TpPollerReduce(TpPoller *p, PetscInt64 step, int n, int64_t flags[], PetscBool *due)
{
  int64_t buf[8];
  PetscMPIInt rank;

  PetscFunctionBegin;
  *due = (PetscBool)(step >= p->next);
  if (!*due) PetscFunctionReturn(0);
  PetscCheck(n >= 0 && n <= 7, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "TpPollerReduce() takes at most 7 flags");
  PetscCallMPI(MPI_Comm_rank(p->comm, &rank));
  for (int k = 0; k < n; k++) buf[k] = flags[k];
  buf[n] = 0;
  if (!rank) { /* the gap to the next poll from the pace since the last one, at most doubling */
    PetscLogDouble now;
    const PetscInt64 gap = PetscMax(step - p->last, 1);
    double next;
    PetscCall(PetscTime(&now));
    next    = now > p->wall ? gap * (TP_POLL_WALL / (now - p->wall)) : 2.0 * gap;
    buf[n]  = step + (PetscInt64)PetscMax(1.0, PetscMin(next, 2.0 * gap));
    p->wall = now;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, buf, n + 1, MPI_INT64_T, MPI_MAX, p->comm));
  for (int k = 0; k < n; k++) flags[k] = buf[k];
  p->last = step;
  p->next = buf[n];
  PetscFunctionReturn(0);
}

/*@C
  TpSignalName - The name of a signal, for messages

  Not Collective

  Input Parameter:
. sig - the signal

.seealso: `TpSignalCaught()`
@*/
const char *TpSignalName(int sig)
{
  static char buf[32];
  switch (sig) {
  case SIGTERM:
    return "SIGTERM";
  case SIGINT:
    return "SIGINT";
  case SIGUSR1:
    return "SIGUSR1";
  default:
    snprintf(buf, sizeof(buf), "signal %d", sig);
    return buf;
  }
}

/*@C
  TpStopMarkerClear - Removes the marker `FILE.stopped` a stopped run left beside its checkpoint or table

  Collective

  Input Parameters:
+ comm - the ranks of the run
- file - the checkpoint or sweep table

  Notes:
  Called when a run starts, so that a marker found after it ended is this run's.

.seealso: `TpStopMarkerWrite()`
@*/
PetscErrorCode TpStopMarkerClear(MPI_Comm comm, const char *file)
{
  char marker[PETSC_MAX_PATH_LEN + 16];
  PetscMPIInt rank;
  int err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(marker, sizeof(marker), "%s.stopped", file));
  if (!rank && unlink(marker) && errno != ENOENT && errno != ENAMETOOLONG) err = errno; /* (too long: none can exist) */
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_WRITE, "Cannot remove the stop marker %s: %s", marker, strerror(err));
  PetscFunctionReturn(0);
}

/*@C
  TpStopMarkerWrite - Writes `FILE.stopped`: the run stopped early with its state saved in FILE

  Collective

  Input Parameters:
+ comm - the ranks of the run
. file - the checkpoint or sweep table just written
. sig  - the signal that stopped it, or 0 for the stop file
- step - the step reached (runs), or the trials saved (sweeps)

  Notes:
  The exit status 3 reaches the shell through `srun` and through `mpirun` for SIGUSR1; `mpirun`
  that is itself sent SIGTERM or SIGINT exits 1 whatever the ranks return.  Job scripts read this
  marker instead: lines `status 3`, `signal NAME`, `file PATH`, `step N`.  Written under a
  temporary name and renamed; where it cannot be written (a name past NAME_MAX), a warning says so.

.seealso: `TpStopMarkerClear()`
@*/
PetscErrorCode TpStopMarkerWrite(MPI_Comm comm, const char *file, int sig, PetscInt64 step)
{
  char marker[PETSC_MAX_PATH_LEN + 16], part[PETSC_MAX_PATH_LEN + 24];
  PetscMPIInt rank;
  int err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(marker, sizeof(marker), "%s.stopped", file));
  PetscCall(PetscSNPrintf(part, sizeof(part), "%s.part", marker));
  if (!rank) {
    FILE *f = fopen(part, "w");
    if (!f)
      err = errno;
    else {
      fprintf(f, "status 3\nsignal %s\nfile %s\nstep %lld\n", sig ? TpSignalName(sig) : "none (stop file)", file,
              (long long)step);
      if (fclose(f)) err = errno;
      if (!err && rename(part, marker)) err = errno;
      if (err) unlink(part);
    }
  }
  /* the checkpoint is written and the status is 3: a marker that cannot be (a name past NAME_MAX, a
     full disk) is worth a warning, not an error */
  if (!rank && err)
    fprintf(stderr,
            "tripart: warning: cannot write the stop marker %s: %s; only the exit status 3 says the run stopped\n",
            marker, strerror(err));
  PetscFunctionReturn(0);
}
