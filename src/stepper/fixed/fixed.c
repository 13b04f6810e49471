/* Stepper type fixed: a fixed grid t = step dt (integer steps, so windows and restarts never drift).
   The model advances its local state a window of steps at a time (TpModelAdvance(), no
   communication inside) and exchanges between windows (TpModelExchange()); windows are aligned
   to multiples of the model's window from step 0, and end early where a hook asks to run. */
#include "../interface/stepperimpl.h"
#include <tputil.h>

typedef struct {
  PetscInt64 step, last, window, nwindows;
} StepperFixed;

static PetscErrorCode SetFromOptions_Fixed(TpStepper st)
{
  PetscFunctionBegin;
  PetscOptionsBegin(st->comm, NULL, "Stepper fixed options", "TpStepper");
  PetscCall(
      PetscOptionsReal("-stepper_dt", "Time step of the fixed grid", "TpStepperSetTimeStep", st->dt, &st->dt, NULL));
  PetscCall(
      PetscOptionsReal("-stepper_max_time", "Final time", "TpStepperSetMaxTime", st->max_time, &st->max_time, NULL));
  PetscCall(TpOptionsInt64("-stepper_max_steps", "Largest number of steps", "TpStepperSetMaxSteps", st->max_steps,
                           &st->max_steps, NULL));
  PetscOptionsEnd();
  PetscCheck(PetscIsNormalReal(st->dt) && st->dt > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -stepper_dt must be a positive number; got %.6g", (double)st->dt);
  PetscCheck(PetscIsNormalReal(st->max_time) && st->max_time > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -stepper_max_time must be a positive number; got %.6g", (double)st->max_time);
  PetscCheck(st->max_steps > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -stepper_max_steps must be positive; got %" PetscInt64_FMT, st->max_steps);
  PetscCheck(st->max_time / st->dt < 9e18, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Options -stepper_max_time %.6g and -stepper_dt %.6g make more than 2^63 steps", (double)st->max_time,
             (double)st->dt);
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_Fixed(TpStepper st)
{
  StepperFixed *f = st->data;

  PetscFunctionBegin;
  PetscCall(TpModelGetWindow(st->model, &f->window));
  /* the steps to the final time, a whole number up to round-off of max_time / dt */
  f->last = (PetscInt64)PetscFloorReal(st->max_time / st->dt * (1 + 1e-12) + 1e-9);
  f->last = PetscMin(f->last, st->max_steps);
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_Fixed(TpStepper st)
{
  StepperFixed *f = st->data;

  PetscFunctionBegin;
  PetscCall(TpStepperRunHooks(st, TP_HOOK_START));
  while (f->step < f->last && !st->stop) {
    PetscInt64 end = PetscMin((f->step / f->window + 1) * f->window, f->last);
    end            = TpStepperNextSync(st, f->step, end);
    PetscCall(TpModelAdvance(st->model, f->step, end - f->step, st->dt));
    f->step = end;
    f->nwindows++;
    PetscCall(TpModelExchange(st->model, f->step));
    PetscCall(TpStepperRunHooks(st, TP_HOOK_STEP));
  }
  PetscCall(TpStepperRunHooks(st, TP_HOOK_END));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetState_Fixed(TpStepper st, PetscInt64 *step, PetscReal *t, PetscReal *dt)
{
  StepperFixed *f = st->data;

  PetscFunctionBegin;
  *step = f->step;
  *t    = (PetscReal)f->step * st->dt;
  *dt   = st->dt;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetState_Fixed(TpStepper st, PetscInt64 step, PetscReal t, PetscReal dt)
{
  StepperFixed *f = st->data;

  PetscFunctionBegin;
  PetscCheck(dt == st->dt, st->comm, PETSC_ERR_ARG_INCOMP,
             "The state to continue from was made with time step %.17g; this run has -stepper_dt %.17g", (double)dt,
             (double)st->dt);
  PetscCheck(step >= 0 && t == (PetscReal)step * dt, st->comm, PETSC_ERR_ARG_INCOMP,
             "The state to continue from is at step %" PetscInt64_FMT " and time %.17g, not on the grid of dt %.17g",
             step, (double)t, (double)dt);
  f->step = step;
  PetscFunctionReturn(0);
}

static PetscErrorCode Describe_Fixed(TpStepper st, char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "fixed, dt %.6g, to t = %.6g", (double)st->dt, (double)st->max_time));
  PetscFunctionReturn(0);
}

static PetscErrorCode Trajectory_Fixed(TpStepper st, char *buf, size_t len)
{
  PetscFunctionBegin;
  /* the grid step is checked by SetState_Fixed, which names -stepper_dt */
  PetscCall(PetscSNPrintf(buf, len, "fixed;"));
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewSummary_Fixed(TpStepper st, PetscViewer v)
{
  StepperFixed *f = st->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  steps    %" PetscInt64_FMT " of dt %.6g to t = %.6g, in %" PetscInt64_FMT
                                   " windows of at most %" PetscInt64_FMT " steps\n",
                                   f->step, (double)st->dt, (double)((PetscReal)f->step * st->dt), f->nwindows,
                                   f->window));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Fixed(TpStepper st)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(st->data));
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode TpStepperCreate_Fixed(TpStepper st)
{
  StepperFixed *f;

  PetscFunctionBegin;
  PetscCall(PetscNew(&f));
  f->window              = 1;
  st->data               = f;
  st->ops.setfromoptions = SetFromOptions_Fixed;
  st->ops.setup          = SetUp_Fixed;
  st->ops.solve          = Solve_Fixed;
  st->ops.getstate       = GetState_Fixed;
  st->ops.setstate       = SetState_Fixed;
  st->ops.describe       = Describe_Fixed;
  st->ops.viewsummary    = ViewSummary_Fixed;
  st->ops.trajectory     = Trajectory_Fixed;
  st->opt_time           = "-stepper_max_time";
  st->opt_steps          = "-stepper_max_steps";
  st->ops.destroy        = Destroy_Fixed;
  PetscFunctionReturn(0);
}
