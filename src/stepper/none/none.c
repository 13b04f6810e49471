/* Stepper type none: no dynamics (the oracle).  The hooks see the initial state once, at step 0. */
#include "../interface/stepperimpl.h"

static PetscErrorCode Solve_None(TpStepper st)
{
  PetscFunctionBegin;
  PetscCall(TpStepperRunHooks(st, TP_HOOK_START));
  PetscCall(TpStepperRunHooks(st, TP_HOOK_END));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetState_None(TpStepper st, PetscInt64 *step, PetscReal *t, PetscReal *dt)
{
  PetscFunctionBegin;
  *step = 0;
  *t    = 0;
  *dt   = 1;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetState_None(TpStepper st, PetscInt64 step, PetscReal t, PetscReal dt)
{
  PetscFunctionBegin;
  PetscCheck(step == 0, st->comm, PETSC_ERR_ARG_INCOMP, "A model without dynamics has no step %" PetscInt64_FMT, step);
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewSummary_None(TpStepper st, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "  steps    none: the model has no dynamics\n"));
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode TpStepperCreate_None(TpStepper st)
{
  PetscFunctionBegin;
  st->ops.solve       = Solve_None;
  st->ops.getstate    = GetState_None;
  st->ops.setstate    = SetState_None;
  st->ops.viewsummary = ViewSummary_None;
  PetscFunctionReturn(0);
}
