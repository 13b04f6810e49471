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
  PetscReal *time, *energy, *hamming, *soft_hamming, *perplexity, *overlap; /* overlap: nsamples x K */
  PetscInt *step;
  PetscInt last_step;
  PetscLogDouble wall0, last_report;
  PetscReal t0;
  /* checkpoints (tpcheckpoint.h) */
  char ckpt[PETSC_MAX_PATH_LEN];     /* -checkpoint: where checkpoints go */
  char stopfile[PETSC_MAX_PATH_LEN]; /* -stop_file: its appearance stops the run with a checkpoint */
  PetscReal ckpt_dt;                 /* -checkpoint_interval: simulated time between checkpoints (0: none) */
  PetscReal ckpt_wall;               /* -checkpoint_wall: seconds between checkpoints (0: none) */
  PetscBool ckpt_final;              /* -checkpoint_final: also at the end */
  PetscReal next_ckpt;
  PetscLogDouble last_ckpt_wall;
  PetscInt restart_step, checked_step, ncheckpoints;
  int stop_signal;         /* signal that stopped the run, or 0 */
  PetscBool stopped;       /* stopped early by a signal or the stop file */
  PetscBool fsal;          /* the RK tableau reuses its last stage (first same as last) */
  PetscBool exact_restart; /* -exact_restart: give up that reuse so that resumed runs are bit-identical */
};

/* Exit status of a run stopped early with a checkpoint written: run again with -restart. */
#define TP_EXIT_CHECKPOINTED 3

PetscErrorCode TpStepperCreate(TpModel model, TpStepper *st);
PetscErrorCode TpStepperSetFromOptions(TpStepper st);
PetscErrorCode TpStepperSolve(TpStepper st, Vec u);
/* A time stepper's name as checkpoints, output and sweep tables record it: "rk 3bs", "euler", ... */
PetscErrorCode TpTSGetName(TS ts, char *buf, size_t len);
/* The pattern of largest overlap in the last sample. */
PetscInt TpStepperRetrieved(TpStepper st);
/* Room for n samples. */
PetscErrorCode TpStepperReserve(TpStepper st, PetscInt n);
PetscErrorCode TpStepperRecord(TpStepper st, PetscInt step, PetscReal t, Vec u);
PetscErrorCode TpStepperDestroy(TpStepper *st);
/* Catch SIGTERM, SIGINT and SIGUSR1 (what SLURM sends before a time limit): the run finishes its
   step, writes a checkpoint and stops. */
PetscErrorCode TpStepperCatchSignals(void);
/* The same without PETSc, for use before PetscInitialize(); non-zero on failure. */
int TpCatchSignals(void);
/* The last of those signals received, or 0. */
int TpSignalCaught(void);
#endif
