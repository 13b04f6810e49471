/* Time integration with PETSc TS, and the monitor that records energy and observables.

   Defaults: adaptive Runge-Kutta (TSRK 3bs), final time 50, first step 0.05; every -ts_* option
   of PETSc applies (-ts_type euler -ts_dt 0.05 -ts_max_steps 1000 is the published reference). */
#ifndef TPSTEPPER_H
#define TPSTEPPER_H
#include <tpmodel.h>

typedef struct _p_TpStepper *TpStepper;

struct _p_TpStepper {
  MPI_Comm comm;
  TpModel model;
  TS ts;
  PetscInt every;   /* -monitor_every: record every this many steps (and the last) */
  PetscBool quiet;  /* -quiet: no progress lines */
  PetscReal report; /* seconds between progress lines */
  /* recorded samples (identical on every rank) */
  PetscInt nsamples, capacity;
  PetscReal *time, *energy, *hamming, *soft_hamming, *overlap; /* overlap: nsamples x K */
  PetscInt *step;
  PetscInt last_step;
  PetscLogDouble wall0, last_report;
  PetscReal t0;
};

PetscErrorCode TpStepperCreate(TpModel model, TpStepper *st);
PetscErrorCode TpStepperSetFromOptions(TpStepper st);
PetscErrorCode TpStepperSolve(TpStepper st, Vec u);
PetscErrorCode TpStepperRecord(TpStepper st, PetscInt step, PetscReal t, Vec u);
PetscErrorCode TpStepperDestroy(TpStepper *st);
#endif
