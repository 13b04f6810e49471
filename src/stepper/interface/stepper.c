/* The stepper interface: registry and lifecycle, the grid defaults, hooks, and the dispatch to the
   type (src/stepper/<type>/). */
#include "stepperimpl.h"
#include <tputil.h>

static PetscFunctionList TpStepperList;
static PetscBool TpStepperRegistered = PETSC_FALSE;

PETSC_EXTERN PetscErrorCode TpStepperCreate_TS(TpStepper);
PETSC_EXTERN PetscErrorCode TpStepperCreate_Fixed(TpStepper);
PETSC_EXTERN PetscErrorCode TpStepperCreate_Iterate(TpStepper);
PETSC_EXTERN PetscErrorCode TpStepperCreate_None(TpStepper);

static PetscErrorCode TpStepperFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&TpStepperList));
  TpStepperRegistered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode TpStepperRegisterAll(void)
{
  PetscFunctionBegin;
  if (TpStepperRegistered) PetscFunctionReturn(0);
  TpStepperRegistered = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(TpStepperFinalizePackage));
  PetscCall(TpStepperRegister("ts", TpStepperCreate_TS));
  PetscCall(TpStepperRegister("fixed", TpStepperCreate_Fixed));
  PetscCall(TpStepperRegister("iterate", TpStepperCreate_Iterate));
  PetscCall(TpStepperRegister("none", TpStepperCreate_None));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperRegister - Adds a stepper type

  Not Collective

  Input Parameters:
+ name   - the name -stepper_type selects it by
- create - its constructor, which fills the operations

.seealso: `TpStepperSetType()`
@*/
PetscErrorCode TpStepperRegister(const char name[], PetscErrorCode (*create)(TpStepper))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&TpStepperList, name, create));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperCreate - Creates a stepper for a model, of the type the model is advanced by by default

  Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. st - the stepper

  Notes:
  The grid starts from the defaults dt = 0.05, final time 50, at most 10^8 steps, or those the
  model suggests (TpModelGetDefaultGrid(), TpModelGetDefaultSteps()); a caller may set
  others (TpStepperSetTimeStep(), ...) before TpStepperSetFromOptions(), whose options win.

.seealso: `TpStepperSetFromOptions()`, `TpStepperSetUp()`, `TpStepperSolve()`, `TpStepperDestroy()`
@*/
PetscErrorCode TpStepperCreate(TpModel model, TpStepper *st)
{
  const char *deflt;
  PetscInt64 steps;
  PetscReal dt, tmax;

  PetscFunctionBegin;
  PetscCall(TpStepperRegisterAll());
  PetscCall(PetscNew(st));
  PetscCall(TpModelGetComm(model, &(*st)->comm));
  (*st)->model     = model;
  (*st)->dt        = 0.05;
  (*st)->max_time  = 50.0;
  (*st)->max_steps = 100000000;
  PetscCall(TpModelGetDefaultSteps(model, &steps, NULL));
  if (steps > 0) (*st)->max_steps = steps;
  PetscCall(TpModelGetDefaultGrid(model, &dt, &tmax));
  if (dt > 0) (*st)->dt = dt;
  if (tmax > 0) (*st)->max_time = tmax;
  PetscCall(TpModelGetStepperTypes(model, &deflt, NULL));
  PetscCall(TpStepperSetType(*st, deflt));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetType - Sets the stepper type

  Collective

  Input Parameters:
+ st   - the stepper
- type - ts, fixed, iterate or none

  Notes:
  The model must supply the operations of the type (TpModelGetStepperTypes()); otherwise set-up
  refuses it with a message naming both.

.seealso: `TpStepperGetType()`, `TpStepperSetFromOptions()`
@*/
PetscErrorCode TpStepperSetType(TpStepper st, const char *type)
{
  PetscErrorCode (*create)(TpStepper) = NULL;
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(st->type, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCheck(!st->setup, st->comm, PETSC_ERR_ORDER, "TpStepperSetType() after TpStepperSetUp()");
  PetscCall(PetscFunctionListFind(TpStepperList, type, &create));
  if (!create) {
    char list[256];
    PetscCall(TpListNames(TpStepperList, list, sizeof(list)));
    SETERRQ(st->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "Unknown stepper type '%s' for option -stepper_type; available: %s",
            type, list);
  }
  if (st->ops.destroy) PetscCall(st->ops.destroy(st));
  PetscCall(PetscMemzero(&st->ops, sizeof(st->ops)));
  st->data = NULL;
  PetscCall(PetscStrncpy(st->type, type, sizeof(st->type)));
  PetscCall((*create)(st));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetType - The stepper type

  Not Collective

  Input Parameter:
. st - the stepper

  Output Parameter:
. type - its name

.seealso: `TpStepperSetType()`
@*/
PetscErrorCode TpStepperGetType(TpStepper st, const char **type)
{
  PetscFunctionBegin;
  *type = st->type;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetTimeStep - Sets the default time step (-ts_dt, -stepper_dt override it)

  Logically Collective

  Input Parameters:
+ st - the stepper, before TpStepperSetFromOptions()
- dt - the step

.seealso: `TpStepperSetMaxTime()`, `TpStepperSetMaxSteps()`
@*/
PetscErrorCode TpStepperSetTimeStep(TpStepper st, PetscReal dt)
{
  PetscFunctionBegin;
  st->dt = dt;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetMaxTime - Sets the default final time (-ts_max_time, -stepper_max_time override it)

  Logically Collective

  Input Parameters:
+ st   - the stepper, before TpStepperSetFromOptions()
- tmax - the final time

.seealso: `TpStepperSetTimeStep()`
@*/
PetscErrorCode TpStepperSetMaxTime(TpStepper st, PetscReal tmax)
{
  PetscFunctionBegin;
  st->max_time = tmax;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetMaxSteps - Sets the default largest number of steps (-ts_max_steps, -stepper_max_steps override it)

  Logically Collective

  Input Parameters:
+ st - the stepper, before TpStepperSetFromOptions()
- n  - the number

.seealso: `TpStepperSetMaxTime()`
@*/
PetscErrorCode TpStepperSetMaxSteps(TpStepper st, PetscInt64 n)
{
  PetscFunctionBegin;
  st->max_steps = n;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetTSType - Sets the default TS type of the ts stepper (-ts_type overrides it)

  Logically Collective

  Input Parameters:
+ st   - the stepper, before TpStepperSetFromOptions()
- type - a TSType such as TSEULER; the default is TSRK with TSRK3BS

.seealso: `TpStepperTSGetTS()`
@*/
PetscErrorCode TpStepperSetTSType(TpStepper st, const char *type)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(st->ts_type, type, sizeof(st->ts_type)));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetFromOptions - Reads -stepper_type and the options of the type

  Collective

  Input Parameter:
. st - the stepper

  Options Database Keys:
+ -stepper_type <type>   - ts, fixed, iterate or none (default: the model's)
. -ts_*                  - every PETSc TS option (type ts)
. -stepper_dt <dt>       - the step (type fixed)
. -stepper_max_time <t>  - the final time (type fixed)
- -stepper_max_steps <n> - the most steps (fixed) or iterations (iterate)

.seealso: `TpStepperSetUp()`
@*/
PetscErrorCode TpStepperSetFromOptions(TpStepper st)
{
  char type[32];
  const char *mtype, *supported;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(type, st->type, sizeof(type)));
  PetscOptionsBegin(st->comm, NULL, "Stepper options", "TpStepper");
  PetscCall(PetscOptionsFList("-stepper_type",
                              "Stepper type: ts, fixed, iterate, none (the model says which it supports)",
                              "TpStepperSetType", TpStepperList, type, type, sizeof(type), NULL));
  PetscOptionsEnd();
  PetscCall(TpModelGetType(st->model, &mtype));
  PetscCall(TpModelGetStepperTypes(st->model, NULL, &supported));
  {
    PetscBool ok;
    PetscCall(PetscStrInList(type, supported, ',', &ok));
    PetscCheck(ok, st->comm, PETSC_ERR_ARG_INCOMP,
               "Option -stepper_type %s: model %s is advanced by stepper types %s only", type, mtype, supported);
  }
  PetscCall(TpStepperSetType(st, type));
  if (st->ops.setfromoptions) PetscCall(st->ops.setfromoptions(st));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetUp - Sets the stepper up for its model

  Collective

  Input Parameter:
. st - the stepper

.seealso: `TpStepperSolve()`
@*/
PetscErrorCode TpStepperSetUp(TpStepper st)
{
  PetscFunctionBegin;
  if (st->setup) PetscFunctionReturn(0);
  if (st->ops.setup) PetscCall(st->ops.setup(st));
  st->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperAddHook - Adds a function to run at the start, after steps and at the end of a solve

  Logically Collective

  Input Parameters:
+ st    - the stepper
. hook  - hook(st, point, ctx), collective; it reads the step and time through the accessors
. ctx   - its context
- every - it must run at least after every multiple of this many steps (0: after any step the
          type makes; the fixed stepper ends its windows there)

  Notes:
  Hooks run in the order added.  The recorder and the checkpoint triggers are hooks.

.seealso: `TpStepperRequestStop()`
@*/
PetscErrorCode TpStepperAddHook(TpStepper st, TpStepperHook hook, void *ctx, PetscInt64 every)
{
  PetscFunctionBegin;
  PetscCheck(st->nhooks < TP_MAX_HOOKS, st->comm, PETSC_ERR_ARG_OUTOFRANGE, "Too many stepper hooks");
  st->hooks[st->nhooks++] = (TpHook){hook, ctx, every};
  PetscFunctionReturn(0);
}

/*@C
  TpStepperRunHooks - Runs every hook at a point (for stepper types)

  Collective

  Input Parameters:
+ st    - the stepper
- point - TP_HOOK_START, TP_HOOK_STEP or TP_HOOK_END

.seealso: `TpStepperAddHook()`
@*/
PetscErrorCode TpStepperRunHooks(TpStepper st, TpHookPoint point)
{
  PetscFunctionBegin;
  for (PetscInt h = 0; h < st->nhooks; h++)
    if (point != TP_HOOK_STEP || st->hooks[h].every >= 0) PetscCall(st->hooks[h].hook(st, point, st->hooks[h].ctx));
  PetscFunctionReturn(0);
}

/* Whether any hook runs after steps. */
PetscBool TpStepperHooksAfterSteps(TpStepper st)
{
  for (PetscInt h = 0; h < st->nhooks; h++)
    if (st->hooks[h].every >= 0) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* The next step after `step` at which some hook wants to run, or `limit`. */
PetscInt64 TpStepperNextSync(TpStepper st, PetscInt64 step, PetscInt64 limit)
{
  PetscInt64 next = limit;
  for (PetscInt h = 0; h < st->nhooks; h++) {
    const PetscInt64 e = st->hooks[h].every;
    if (e > 0) next = PetscMin(next, (step / e + 1) * e);
  }
  return next;
}

/*@C
  TpStepperSolve - Advances the model to the end (final time, step count, convergence or a stop)

  Collective

  Input Parameter:
. st - the stepper, set up, with the model in its initial (or restarted) state

  Notes:
  A step that fails (a diverged TS) is an error naming the reason, time and step.

.seealso: `TpStepperRequestStop()`, `TpStepperGetStopped()`
@*/
PetscErrorCode TpStepperSolve(TpStepper st)
{
  PetscFunctionBegin;
  PetscCall(TpStepperSetUp(st));
  st->stop = PETSC_FALSE;
  PetscCall(st->ops.solve(st));
  if (!st->stop) PetscCall(TpModelFinish(st->model));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperRequestStop - Asks the stepper to stop after the current step (from a hook)

  Collective (every rank asks, or none)

  Input Parameter:
. st - the stepper

.seealso: `TpStepperGetStopped()`
@*/
PetscErrorCode TpStepperRequestStop(TpStepper st)
{
  PetscFunctionBegin;
  st->stop = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetStopped - Whether the last solve was stopped early by a hook

  Not Collective

  Input Parameter:
. st - the stepper

  Output Parameter:
. stopped - true if a hook asked it to stop

.seealso: `TpStepperRequestStop()`
@*/
PetscErrorCode TpStepperGetStopped(TpStepper st, PetscBool *stopped)
{
  PetscFunctionBegin;
  *stopped = st->stop;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetModel - The model the stepper advances

  Not Collective

  Input Parameter:
. st - the stepper

  Output Parameter:
. model - the model

.seealso: `TpStepperCreate()`
@*/
PetscErrorCode TpStepperGetModel(TpStepper st, TpModel *model)
{
  PetscFunctionBegin;
  *model = st->model;
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetStep - The number of steps taken (since step 0 of the run, across restarts)

  Not Collective

  Input Parameter:
. st - the stepper

  Output Parameter:
. step - the step

.seealso: `TpStepperGetTime()`
@*/
PetscErrorCode TpStepperGetStep(TpStepper st, PetscInt64 *step)
{
  PetscReal t, dt;

  PetscFunctionBegin;
  PetscCall(st->ops.getstate(st, step, &t, &dt));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetTime - The current time

  Not Collective

  Input Parameter:
. st - the stepper

  Output Parameter:
. t - the time (iterations for the iterate type)

.seealso: `TpStepperGetStep()`
@*/
PetscErrorCode TpStepperGetTime(TpStepper st, PetscReal *t)
{
  PetscInt64 step;
  PetscReal dt;

  PetscFunctionBegin;
  PetscCall(st->ops.getstate(st, &step, t, &dt));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetTimeStep - The time step (the next one of an adaptive TS)

  Not Collective

  Input Parameter:
. st - the stepper

  Output Parameter:
. dt - the step

.seealso: `TpStepperGetTime()`
@*/
PetscErrorCode TpStepperGetTimeStep(TpStepper st, PetscReal *dt)
{
  PetscInt64 step;
  PetscReal t;

  PetscFunctionBegin;
  PetscCall(st->ops.getstate(st, &step, &t, dt));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperSetState - Sets step, time and time step (a restart from a checkpoint)

  Collective

  Input Parameters:
+ st   - the stepper, set up
. step - the step
. t    - the time
- dt   - the time step

.seealso: `TpCheckpointLoad()`
@*/
PetscErrorCode TpStepperSetState(TpStepper st, PetscInt64 step, PetscReal t, PetscReal dt)
{
  PetscFunctionBegin;
  PetscCall(TpStepperSetUp(st));
  PetscCall(st->ops.setstate(st, step, t, dt));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetFractionDone - How far the solve is, for the time-left estimate of progress lines

  Not Collective

  Input Parameter:
. st - the stepper

  Output Parameter:
. fraction - in [0, 1] of the final time or step count, or -1 when unknown (iterate)

.seealso: `TpRecorderSetFromOptions()`
@*/
PetscErrorCode TpStepperGetFractionDone(TpStepper st, PetscReal *fraction)
{
  PetscInt64 step;
  PetscReal t, dt;

  PetscFunctionBegin;
  PetscCall(st->ops.getstate(st, &step, &t, &dt));
  if (!strcmp(st->type, "iterate") || !strcmp(st->type, "none"))
    *fraction = -1;
  else
    *fraction = PetscMax(t / st->max_time, (PetscReal)step / (PetscReal)st->max_steps);
  PetscFunctionReturn(0);
}

/*@C
  TpStepperGetName - The stepper's name as checkpoints, outputs and sweeps record it ("rk 3bs", "euler", "fixed", ...)

  Not Collective

  Input Parameters:
+ st  - the stepper
- len - room in buf

  Output Parameter:
. buf - the name

.seealso: `TpStepperDescribe()`
@*/
PetscErrorCode TpStepperGetName(TpStepper st, char *buf, size_t len)
{
  PetscFunctionBegin;
  if (st->ops.name)
    PetscCall(st->ops.name(st, buf, len));
  else
    PetscCall(PetscStrncpy(buf, st->type, len));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperDescribe - The stepper with its grid, e.g. "euler, dt 0.001, to t = 10"

  Not Collective

  Input Parameters:
+ st  - the stepper, after TpStepperSetFromOptions()
- len - room in buf

  Output Parameter:
. buf - the description

.seealso: `TpStepperGetName()`
@*/
PetscErrorCode TpStepperDescribe(TpStepper st, char *buf, size_t len)
{
  PetscFunctionBegin;
  if (st->ops.describe)
    PetscCall(st->ops.describe(st, buf, len));
  else
    PetscCall(TpStepperGetName(st, buf, len));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperDescribeTrajectory - Every setting of the stepper that changes the trajectory, canonically
  (type and tableau, tolerances, adaptivity, the grid): what a restart must match

  Not Collective

  Input Parameters:
+ st  - the stepper, after TpStepperSetFromOptions()
- len - room in buf

  Output Parameter:
. buf - the description

  Notes:
  The end of the solve (final time, step count) and what is recorded are not part of it: a restart may
  change those.

.seealso: `TpCheckpointLoad()`, `TpStepperDescribe()`
@*/
PetscErrorCode TpStepperDescribeTrajectory(TpStepper st, char *buf, size_t len)
{
  PetscFunctionBegin;
  if (st->ops.trajectory)
    PetscCall(st->ops.trajectory(st, buf, len));
  else
    PetscCall(TpStepperGetName(st, buf, len));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperCheckEnd - Refuses an end of the solve that a state to continue from has already passed

  Collective

  Input Parameters:
+ st   - the stepper, after TpStepperSetFromOptions()
. step - the step of the state
. t    - its time
- what - the state, for the message (e.g. "checkpoint 'c.ckpt'")

.seealso: `TpCheckpointLoad()`
@*/
PetscErrorCode TpStepperCheckEnd(TpStepper st, PetscInt64 step, PetscReal t, const char *what)
{
  PetscFunctionBegin;
  if (st->opt_steps)
    PetscCheck(st->max_steps >= step, st->comm, PETSC_ERR_ARG_INCOMP,
               "Option %s %" PetscInt64_FMT " is below the step %" PetscInt64_FMT
               " of %s, which has gone past that end",
               st->opt_steps, st->max_steps, step, what);
  if (st->opt_time)
    PetscCheck(st->max_time >= t * (1 - 1e-12), st->comm, PETSC_ERR_ARG_INCOMP,
               "Option %s %.6g is below the time %.6g of %s, which has gone past that end", st->opt_time,
               (double)st->max_time, (double)t, what);
  PetscFunctionReturn(0);
}

/*@C
  TpStepperViewSummary - One line on what the solve did (steps, time, evaluations)

  Collective

  Input Parameters:
+ st     - the stepper, after TpStepperSolve()
- viewer - an ASCII viewer

.seealso: `TpRunViewSummary()`
@*/
PetscErrorCode TpStepperViewSummary(TpStepper st, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (st->ops.viewsummary) PetscCall(st->ops.viewsummary(st, viewer));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperDestroy - Destroys a stepper

  Collective

  Input Parameter:
. st - the stepper (may be NULL); set to NULL

.seealso: `TpStepperCreate()`
@*/
PetscErrorCode TpStepperDestroy(TpStepper *st)
{
  PetscFunctionBegin;
  if (!*st) PetscFunctionReturn(0);
  if ((*st)->ops.destroy) PetscCall((*st)->ops.destroy(*st));
  PetscCall(PetscFree(*st));
  PetscFunctionReturn(0);
}
