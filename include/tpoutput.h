/* The run's HDF5 output: one file written collectively by all ranks, under PATH.part, renamed to
   PATH when complete (nothing half-written is ever left under the final name). */
#ifndef TPOUTPUT_H
#define TPOUTPUT_H
#include <tpstepper.h>

typedef struct {
  PetscLogDouble wall; /* seconds spent in TSSolve */
  PetscInt steps;
  PetscInt64 rhs_evals;
  PetscReal final_time;
  double peak_bytes; /* peak resident memory summed over ranks */
} TpRunInfo;

/* Collective: refuse an output path whose directory does not exist or is not writable. */
PetscErrorCode TpOutputCheckPath(MPI_Comm comm, const char *path);
/* Collective: refuse to start writing `bytes` into path when its file system has less room, or the
   file-size limit (ulimit -f) is lower; `what` names the file in the message, `note` ends it. */
PetscErrorCode TpOutputCheckRoom(MPI_Comm comm, const char *path, double bytes, const char *what, const char *note);
/* Bytes a state file of this run takes, roughly (state, patterns, samples, metadata). */
double TpOutputEstimateBytes(TpStepper st, PetscBool synapses);
PetscErrorCode TpOutputWrite(const char *path, TpStepper st, Vec u, PetscBool synapses, const TpRunInfo *info);
#endif
