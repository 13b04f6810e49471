/* Stepper type iterate: epochs or maps (TpModelIterate()) until the model says it is done, or
   -stepper_max_steps iterations.  Step = iterations done; time = step. */
#include "../interface/stepperimpl.h"
#include <tputil.h>

typedef struct {
  PetscInt64 it;
  PetscBool done;
} StepperIterate;

static PetscErrorCode SetFromOptions_Iterate(TpStepper st)
{
  PetscFunctionBegin;
  PetscOptionsBegin(st->comm, NULL, "Stepper iterate options", "TpStepper");
  PetscCall(TpOptionsInt64("-stepper_max_steps", "Largest number of iterations", "TpStepperSetMaxSteps", st->max_steps,
                           &st->max_steps, NULL));
  PetscOptionsEnd();
  PetscCheck(st->max_steps > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -stepper_max_steps must be positive; got %" PetscInt64_FMT, st->max_steps);
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_Iterate(TpStepper st)
{
  StepperIterate *s = st->data;

  PetscFunctionBegin;
  s->done = PETSC_FALSE;
  PetscCall(TpStepperRunHooks(st, TP_HOOK_START));
  while (!s->done && s->it < st->max_steps && !st->stop) {
    PetscCall(TpModelIterate(st->model, s->it, &s->done));
    s->it++;
    PetscCall(TpStepperRunHooks(st, TP_HOOK_STEP));
  }
  PetscCall(TpStepperRunHooks(st, TP_HOOK_END));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetState_Iterate(TpStepper st, PetscInt64 *step, PetscReal *t, PetscReal *dt)
{
  StepperIterate *s = st->data;

  PetscFunctionBegin;
  *step = s->it;
  *t    = (PetscReal)s->it;
  *dt   = 1;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetState_Iterate(TpStepper st, PetscInt64 step, PetscReal t, PetscReal dt)
{
  StepperIterate *s = st->data;

  PetscFunctionBegin;
  PetscCheck(step >= 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE, "Iteration %" PetscInt64_FMT " < 0", step);
  s->it = step;
  PetscFunctionReturn(0);
}

static PetscErrorCode Describe_Iterate(TpStepper st, char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "iterate, at most %" PetscInt64_FMT " iterations", st->max_steps));
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewSummary_Iterate(TpStepper st, PetscViewer v)
{
  StepperIterate *s = st->data;

  PetscFunctionBegin;
  if (s->done)
    PetscCall(PetscViewerASCIIPrintf(v, "  steps    %" PetscInt64_FMT " iterations, converged\n", s->it));
  else
    PetscCall(PetscViewerASCIIPrintf(
        v, "  steps    %" PetscInt64_FMT " iterations, not converged (-stepper_max_steps %" PetscInt64_FMT ")\n", s->it,
        st->max_steps));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Iterate(TpStepper st)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(st->data));
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode TpStepperCreate_Iterate(TpStepper st)
{
  StepperIterate *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  st->data               = s;
  st->ops.setfromoptions = SetFromOptions_Iterate;
  st->ops.solve          = Solve_Iterate;
  st->ops.getstate       = GetState_Iterate;
  st->ops.setstate       = SetState_Iterate;
  st->ops.describe       = Describe_Iterate;
  st->ops.viewsummary    = ViewSummary_Iterate;
  st->opt_steps          = "-stepper_max_steps";
  st->ops.destroy        = Destroy_Iterate;
  PetscFunctionReturn(0);
}
