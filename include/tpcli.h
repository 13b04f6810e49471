/* The subcommands of the tripart program (src/cli/). */
#ifndef TPCLI_H
#define TPCLI_H
#include <petscsys.h>

PetscErrorCode TpCliRun(int *status);
PetscErrorCode TpSweepRun(int *status);
PetscErrorCode TpPartitionMain(int *status);
PetscErrorCode TpGenerateMain(int *status);
PetscErrorCode TpCliInfo(int *status);
#endif
