/* Small helpers every component uses: collective checks, file-system checks, signals, memory. */
#ifndef TPUTIL_H
#define TPUTIL_H
#include <petscsys.h>

/* Collective: rank 0 has checked something alone and left msg empty, or a message; every rank
   receives it, and a message becomes the same error `code` on every rank. */
PetscErrorCode TpRootCheck(MPI_Comm comm, PetscErrorCode code, char *msg, size_t len);
/* Catch the errors of calls that check on PETSC_COMM_SELF (PETSc's own option checks) and raise them
   once, collectively, naming the option by the function that raised it. */
typedef struct {
  char fun[64];
  char msg[1024];
} TpCaught;
PetscErrorCode TpCatchBegin(TpCaught *c);
PetscErrorCode TpCatchEnd(MPI_Comm comm, PetscErrorCode ierr, const TpCaught *c, const char *const *options);
/* Collective: *ok becomes true on every rank only if it is true on every rank. */
PetscErrorCode TpAllTrue(MPI_Comm comm, PetscBool *ok);
/* Collective: one all-to-all exchange of fixed-size records of rec bytes, scount[r] of them to rank r
   (send rank after rank); *recv (free it) holds *nrecv, those of rank r from (*rdispl)[r] (rdispl may be NULL). */
PetscErrorCode TpExchange(MPI_Comm comm, size_t rec, const PetscCount *scount, const void *send, PetscCount *nrecv,
                          void **recv, PetscMPIInt **rdispl);

/* Collective: refuse an output path (named by `option`) whose directory does not exist or is not
   writable, or that is a directory. */
PetscErrorCode TpCheckOutputPath(MPI_Comm comm, const char *path, const char *option);
/* Collective, before anything is computed: refuse outputs that cannot be written or would destroy
   an input.  outputs[nout] are (option, path) pairs of files to be written (with PATH.part, and
   PATH.prev where keep_prev); inputs are the paths the options of TpInputOptions name. */
typedef struct {
  const char *option; /* e.g. "-o" */
  const char *path;
  PetscBool keep_prev; /* it replaces its previous version by PATH.prev (checkpoints) */
  const char *may_be;  /* an input option it may be the same file as (a checkpoint continues -restart), or NULL */
} TpOutputPath;
extern const char *const TpInputOptions[];
PetscErrorCode TpCheckPaths(MPI_Comm comm, PetscInt nout, const TpOutputPath *outputs);

/* Collective: refuse to start writing `bytes` into path when its file system has less room, or the
   file-size limit (ulimit -f) is lower; `what` names the file in the message. */
PetscErrorCode TpCheckRoom(MPI_Comm comm, const char *path, double bytes, const char *what);

/* Catch SIGTERM, SIGINT and SIGUSR1 (what SLURM sends before a time limit) into a flag that runs
   and sweeps poll; without PETSc, for use before PetscInitialize(): non-zero on failure. */
int TpCatchSignals(void);
int TpHoldSignals(int hold);
/* The same over PETSc's own handlers, after PetscInitialize(). */
PetscErrorCode TpCatchSignalsPetsc(void);
/* The first of those signals received, or 0 (later ones wait for its checkpoint). */
int TpSignalCaught(void);
/* Polling what one rank alone sees (a signal, a stop file, the wall clock) after steps, collectively: one
   reduction about every TP_POLL_WALL seconds of wall time, at steps the comm's rank 0 picks from the pace of
   the run (the gap at most doubling from one step), the same on every rank.  TpPollerStart() at the first
   step; TpPollerReduce() after each step: when due (*due), the n flags (at most 7) are reduced with MPI_MAX. */
#define TP_POLL_WALL 0.02
typedef struct {
  MPI_Comm comm;
  PetscInt64 next, last; /* the step of the next poll, and of the last */
  PetscLogDouble wall;   /* (rank 0) when the last one was */
} TpPoller;
PetscErrorCode TpPollerStart(TpPoller *p, MPI_Comm comm, PetscInt64 step);
static inline PetscBool TpPollerDue(const TpPoller *p, PetscInt64 step)
{
  return (PetscBool)(step >= p->next);
}
PetscErrorCode TpPollerReduce(TpPoller *p, PetscInt64 step, int n, int64_t flags[], PetscBool *due);
/* "SIGTERM", "SIGINT", "SIGUSR1" or "signal N". */
const char *TpSignalName(int sig);
/* FILE.stopped beside a checkpoint or table: removed when a run starts, written when a signal or the
   stop file ends it early (status 3, for job scripts where mpirun cannot pass the exit status). */
PetscErrorCode TpStopMarkerClear(MPI_Comm comm, const char *file);
PetscErrorCode TpStopMarkerWrite(MPI_Comm comm, const char *file, int sig, PetscInt64 step);

/* Inside PetscOptionsBegin/End: a 64-bit integer option (PETSc 3.18 has only PetscInt ones), listed by -help. */
PetscErrorCode TpOptionsInt64_Private(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                      const char man[], PetscInt64 current, PetscInt64 *value, PetscBool *set);
#define TpOptionsInt64(opt, text, man, current, value, set)                                                            \
  TpOptionsInt64_Private(PetscOptionsObject, opt, text, man, current, value, set)

/* Before PetscInitialize(): the options files named (also inside options files and PETSC_OPTIONS) are readable
   and none includes itself; non-zero after one message. */
int TpOptionsFilesCheck(int argc, char **argv);
/* Collective: refuse NaN, infinite (but for end times), subnormal or out-of-range numbers in any option's value. */
PetscErrorCode TpOptionsCheckValues(MPI_Comm comm);
/* "Option NAME: " for the option whose value PETSc's message quotes, or "" */
void TpOptionsNameOfValue(const char *mess, char *named, size_t len);
/* Collective, after set-up and before the run: refuse options given but never read, and options given without the
   value they need, naming the nearest option; describe is the subcommand, run in help mode to list its options
   when one is in doubt.  -allow_unused_options makes it a warning. */
PetscErrorCode TpOptionsCheckUnused(MPI_Comm comm, const char *command, PetscErrorCode (*describe)(int *));
/* Collective, at the end: a warning for each option still not read (viewers and logs, left to the end). */
PetscErrorCode TpOptionsWarnUnread(MPI_Comm comm);

/* The names of a registry (PetscFunctionList), comma-separated, for messages and help. */
PetscErrorCode TpListNames(PetscFunctionList list, char *buf, size_t len);

/* The peak resident memory of this process (bytes). */
double TpPeakMemorySelf(void);
/* Collective: the peak resident memory of this process, summed over comm. */
PetscErrorCode TpPeakMemory(MPI_Comm comm, double *bytes);
/* Collective: this node's physical memory (bytes; <= 0 if unknown) and how many ranks of comm share it
   (either output may be NULL), for refusing what the ranks of a node cannot hold together. */
PetscErrorCode TpNodeMemory(MPI_Comm comm, double *node, PetscMPIInt *ranks);
/* The r in [0, n) with range[r] <= k < range[r+1] for ascending range[n+1] (empty ranges skipped). */
static inline PetscInt64 TpRangeFind(PetscInt64 n, const PetscInt64 *range, PetscInt64 k)
{
  PetscInt64 lo = 0, hi = n;
  while (hi - lo > 1) {
    const PetscInt64 mid = (lo + hi) / 2;
    if (range[mid] <= k)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}
#endif
