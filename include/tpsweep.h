/* The sweep subcommand: many independent retrieval trials over a grid (models x K x flipped bits x
   pattern sets), spread over all ranks, written as one HDF5 table that a rerun resumes. */
#ifndef TPSWEEP_H
#define TPSWEEP_H
#include <petscsys.h>

/* Collective on PETSC_COMM_WORLD; *status is 0, or TP_EXIT_CHECKPOINTED when stopped by a signal
   with the finished trials saved. */
PetscErrorCode TpSweepRun(int *status);
#endif
