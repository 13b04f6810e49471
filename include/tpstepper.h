/* Time: a typed stepper that advances a model, with hooks called after its steps.

   Types (registered, chosen by the model's default or -stepper_type):
     ts       PETSc TS on the model's state Vec: every -ts_* option (default adaptive RK 3bs to
              t = 50, first step 0.05), IMEX hand-off, exact restarts of FSAL methods;
     fixed    a fixed grid of -stepper_dt: the model advances its local state a window of steps
              at a time (its minimum delay) and exchanges between windows; t = step dt exactly;
     iterate  epochs or maps until the model says done (or -stepper_max_steps);
     none     no dynamics (the oracle): the hooks see the initial state once.
   Steps are 64-bit integers.  Hooks (the recorder, checkpoint triggers) run at the start, after
   steps (at least at the multiples of the cadence they ask for) and at the end; a hook may ask
   the stepper to stop.  The stepper knows nothing of what hooks do. */
#ifndef TPSTEPPER_H
#define TPSTEPPER_H
#include <tpmodel.h>

typedef struct _p_TpStepper *TpStepper;

typedef enum { TP_HOOK_START, TP_HOOK_STEP, TP_HOOK_END } TpHookPoint;
typedef PetscErrorCode (*TpStepperHook)(TpStepper, TpHookPoint, void *);

PetscErrorCode TpStepperRegister(const char name[], PetscErrorCode (*create)(TpStepper));
PetscErrorCode TpStepperCreate(TpModel model, TpStepper *st);
PetscErrorCode TpStepperSetType(TpStepper st, const char *type);
PetscErrorCode TpStepperGetType(TpStepper st, const char **type);
PetscErrorCode TpStepperSetTimeStep(TpStepper st, PetscReal dt);
PetscErrorCode TpStepperSetMaxTime(TpStepper st, PetscReal tmax);
PetscErrorCode TpStepperSetMaxSteps(TpStepper st, PetscInt64 n);
PetscErrorCode TpStepperSetTSType(TpStepper st, const char *type);
PetscErrorCode TpStepperSetFromOptions(TpStepper st);
PetscErrorCode TpStepperSetUp(TpStepper st);
PetscErrorCode TpStepperAddHook(TpStepper st, TpStepperHook hook, void *ctx, PetscInt64 every);
PetscErrorCode TpStepperSolve(TpStepper st);
PetscErrorCode TpStepperRequestStop(TpStepper st);
PetscErrorCode TpStepperGetStopped(TpStepper st, PetscBool *stopped);
PetscErrorCode TpStepperGetModel(TpStepper st, TpModel *model);
PetscErrorCode TpStepperGetStep(TpStepper st, PetscInt64 *step);
PetscErrorCode TpStepperGetTime(TpStepper st, PetscReal *t);
PetscErrorCode TpStepperGetTimeStep(TpStepper st, PetscReal *dt);
PetscErrorCode TpStepperSetState(TpStepper st, PetscInt64 step, PetscReal t, PetscReal dt);
PetscErrorCode TpStepperGetFractionDone(TpStepper st, PetscReal *fraction);
PetscErrorCode TpStepperGetName(TpStepper st, char *buf, size_t len);
PetscErrorCode TpStepperDescribe(TpStepper st, char *buf, size_t len);
PetscErrorCode TpStepperDescribeTrajectory(TpStepper st, char *buf, size_t len);
PetscErrorCode TpStepperCheckEnd(TpStepper st, PetscInt64 step, PetscReal t, const char *what);
PetscErrorCode TpStepperViewSummary(TpStepper st, PetscViewer viewer);
PetscErrorCode TpStepperTSGetTS(TpStepper st, TS *ts);
PetscErrorCode TpTSSetFromOptions(MPI_Comm comm, TS ts);
PetscErrorCode TpStepperDestroy(TpStepper *st);
#endif
