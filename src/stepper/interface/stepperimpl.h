/* The stepper's private struct and the operations a stepper type fills in (one file per type under
   src/stepper/, registered in src/stepper/interface/stepper.c). */
#ifndef TPSTEPPERIMPL_H
#define TPSTEPPERIMPL_H
#include <tpstepper.h>

typedef struct {
  PetscErrorCode (*setfromoptions)(TpStepper);
  PetscErrorCode (*setup)(TpStepper);
  PetscErrorCode (*solve)(TpStepper); /* calls TpStepperRunHooks() at the start, after steps and at the end */
  PetscErrorCode (*getstate)(TpStepper, PetscInt64 *, PetscReal *, PetscReal *); /* step, time, time step */
  PetscErrorCode (*setstate)(TpStepper, PetscInt64, PetscReal, PetscReal);
  PetscErrorCode (*name)(TpStepper, char *, size_t);     /* as checkpoints and outputs record it */
  PetscErrorCode (*describe)(TpStepper, char *, size_t); /* with its grid, for sweep tables */
  PetscErrorCode (*viewsummary)(TpStepper, PetscViewer);
  PetscErrorCode (*trajectory)(TpStepper, char *, size_t); /* every setting that changes the trajectory */
  PetscErrorCode (*destroy)(TpStepper);
} TpStepperOps;

typedef struct {
  TpStepperHook hook;
  void *ctx;
  PetscInt64 every; /* it runs at least after multiples of this many steps (0: after any step; < 0: only at
                       the start and the end) */
} TpHook;

#define TP_MAX_HOOKS 8

struct _p_TpStepper {
  MPI_Comm comm;
  char type[32];
  TpModel model;
  /* the grid, before options: the model's or the caller's defaults */
  PetscReal dt, max_time;
  PetscInt64 max_steps;
  char ts_type[32];                 /* ts: the TS type (or "" for RK 3bs) */
  const char *opt_time, *opt_steps; /* the options that end a solve, for messages (NULL: none) */
  PetscBool setup, stop;
  PetscInt nhooks;
  TpHook hooks[TP_MAX_HOOKS];
  TpStepperOps ops;
  void *data;
};

/* For types: run every hook at this point (they read step and time through the accessors). */
PetscErrorCode TpStepperRunHooks(TpStepper st, TpHookPoint point);
/* For types: whether any hook runs after steps (else a type need not call TpStepperRunHooks() there). */
PetscBool TpStepperHooksAfterSteps(TpStepper st);
/* For fixed-grid types: the next step after `step` at which some hook wants to run, or `limit`. */
PetscInt64 TpStepperNextSync(TpStepper st, PetscInt64 step, PetscInt64 limit);
#endif
