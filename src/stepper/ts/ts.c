/* Stepper type ts: PETSc TS on the model's state Vec.

   Defaults: adaptive Runge-Kutta (TSRK 3bs), final time 50, first step 0.05, unless the caller set
   others; every -ts_* option of PETSc applies (-ts_type euler -ts_dt 0.05 -ts_max_steps 1000 is the
   published reference).  IMEX types get the model's stiff part (TpModelSetUpIMEX()).  Hooks run
   from the post-step (where TSSetConvergedReason() can end TSSolve()). */
#include "../interface/stepperimpl.h"
#include <tputil.h>

typedef struct {
  TS ts;
  PetscBool fsal;          /* the RK tableau reuses its last stage (first same as last) */
  PetscBool exact_restart; /* -exact_restart: resumed runs repeat this one bit for bit */
  PetscBool lastisb;       /* the tableau's last row of A is b (and b_s = 0): the last stage is the new u */
  PetscInt rejects;        /* the TS's step rejections when the current attempt began */
  PetscBool solved;
} StepperTS;

/*@C
  TpTSSetFromOptions - TSSetFromOptions() for a TS on every rank or on each alone, with one collective error

  Collective

  Input Parameters:
+ comm - the ranks that all set up such a TS (the TS's own communicator or a larger one)
- ts   - the TS, its options prefix set

  Notes:
  PETSc checks the TS options' values on PETSC_COMM_SELF: each rank would print the error and abort
  the job.  The error is raised once, on comm, naming the option (with the TS's prefix) where PETSc
  does not.

.seealso: `TpCatchBegin()`, `TpCatchEnd()`
@*/
PetscErrorCode TpTSSetFromOptions(MPI_Comm comm, TS ts)
{
  static const char *const opts[] = {"TSAdaptSetStepLimits",
                                     "ts_adapt_dt_min or -%sts_adapt_dt_max",
                                     "TSAdaptSetSafety",
                                     "ts_adapt_safety or -%sts_adapt_reject_safety",
                                     "TSAdaptSetScaleSolveFailed",
                                     "ts_adapt_scale_solve_failed",
                                     "TSAdaptSetClip",
                                     "ts_adapt_clip",
                                     "TSAdaptSetMaxIgnore",
                                     "ts_adapt_max_ignore",
                                     "TSSetTimeSpan",
                                     "ts_time_span"};
  enum { NOPT = sizeof(opts) / sizeof(opts[0]) };
  char named[NOPT / 2][160];
  const char *names[NOPT + 1], *prefix = NULL;
  TpCaught c;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(TSGetOptionsPrefix(ts, &prefix));
  for (int i = 0; i < NOPT; i += 2) {
    char fmt[160];
    PetscCall(PetscSNPrintf(fmt, sizeof(fmt), "-%%s%s", opts[i + 1]));
    PetscCall(PetscSNPrintf(named[i / 2], sizeof(named[i / 2]), fmt, prefix ? prefix : "", prefix ? prefix : ""));
    names[i] = opts[i], names[i + 1] = named[i / 2];
  }
  names[NOPT] = NULL;
  PetscCall(TpCatchBegin(&c));
  ierr = TSSetFromOptions(ts);
  PetscCall(TpCatchEnd(comm, ierr, &c, names));
  PetscFunctionReturn(0);
}

static PetscErrorCode RHSFunction(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(TpModelComputeRHS((TpModel)ctx, t, U, F));
  PetscFunctionReturn(0);
}

/* Exact restarts of a first-same-as-last tableau. Such a tableau reuses f(last stage) as the next
   step's first stage, while a run resumed from a checkpoint evaluates f(u) afresh: the two agree
   bit for bit exactly when the last stage is the new u bit for bit (PETSc computes both as u plus
   the same products, in the same order, the new u with one more term h b_s f_s = 0), and when
   every attempt of a step starts from the same u. PETSc undoes a rejected attempt by subtracting
   h sum_j b_j f_j from the new u, which leaves u perturbed in the last bits; the first stage of
   the attempt (stage vector 0) still holds u itself, so the attempt that follows a rejection
   starts from it (PreStage), and after each step PostStep checks the last stage against u and
   restarts the step (TSRestartStep: one more RHS) only where they differ. Resumed runs thus repeat
   the uninterrupted one bit for bit at no cost in right-hand sides. */
/* The stepper a TS hook runs for, and its data. */
static PetscErrorCode HookStepper(TS ts, TpStepper *st, StepperTS **s)
{
  PetscFunctionBegin;
  PetscCall(TSGetApplicationContext(ts, st));
  *s = (*st)->data;
  PetscFunctionReturn(0);
}

static PetscErrorCode PreStep(TS ts)
{
  TpStepper st;
  StepperTS *s = NULL;

  PetscFunctionBegin;
  PetscCall(HookStepper(ts, &st, &s));
  PetscCall(TSGetStepRejections(ts, &s->rejects));
  PetscFunctionReturn(0);
}

static PetscErrorCode PreStage(TS ts, PetscReal stagetime)
{
  TpStepper st;
  StepperTS *s = NULL;
  PetscInt rejects, ns;
  PetscReal t;
  Vec *Y, u;

  PetscFunctionBegin;
  PetscCall(HookStepper(ts, &st, &s));
  PetscCall(TSGetStepRejections(ts, &rejects));
  PetscCall(TSGetTime(ts, &t));
  if (rejects == s->rejects || stagetime != t) PetscFunctionReturn(0);
  s->rejects = rejects; /* the first stage of the attempt after a rejection: start from u itself */
  PetscCall(TSGetStages(ts, &ns, &Y));
  PetscCall(TSGetSolution(ts, &u));
  PetscCall(VecCopy(Y[0], u));
  PetscFunctionReturn(0);
}

static PetscErrorCode PostStep(TS ts)
{
  TpStepper st;
  StepperTS *s = NULL;

  PetscFunctionBegin;
  PetscCall(HookStepper(ts, &st, &s));
  PetscCall(TpStepperRunHooks(st, TP_HOOK_STEP));
  if (st->stop) PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
  if (s->fsal && s->exact_restart) { /* after the hooks: one that changed u makes the step restart */
    PetscBool same = PETSC_FALSE;
    if (s->lastisb) { /* the last stage is the new u, bit for bit, on every rank (VecEqual: memcmp, reduced) */
      PetscInt ns;
      Vec *Y, u;
      PetscCall(TSGetStages(ts, &ns, &Y));
      PetscCall(TSGetSolution(ts, &u));
      PetscCall(VecEqual(Y[ns - 1], u, &same));
    }
    if (!same) PetscCall(TSRestartStep(ts));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SetFromOptions_TS(TpStepper st)
{
  StepperTS *s = st->data;
  TS ts        = s->ts;
  Vec u;

  PetscFunctionBegin;
  PetscCall(TpModelGetSolution(st->model, &u));
  PetscCall(TSSetSolution(ts, u));
  if (st->ts_type[0])
    PetscCall(TSSetType(ts, st->ts_type));
  else {
    PetscCall(TSSetType(ts, TSRK));
    PetscCall(TSRKSetType(ts, TSRK3BS));
  }
  PetscCall(TSSetMaxTime(ts, st->max_time));
  PetscCall(TSSetTimeStep(ts, st->dt));
  PetscCall(TSSetMaxSteps(ts, (PetscInt)PetscMin(st->max_steps, (PetscInt64)PETSC_MAX_INT)));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscOptionsBegin(st->comm, NULL, "Stepper ts options", "TpStepper");
  PetscCall(PetscOptionsBool(
      "-exact_restart",
      "Runs resumed from a checkpoint repeat this run bit for bit (costs FSAL Runge-Kutta methods one RHS per step)",
      "TpStepperSetFromOptions", s->exact_restart, &s->exact_restart, NULL));
  PetscOptionsEnd();
  PetscCall(TpTSSetFromOptions(st->comm, ts));
  {
    /* IMEX steppers get the model's stiff part implicitly, with an assembled Jacobian */
    PetscBool imex;
    PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSARKIMEX, &imex));
    if (imex) PetscCall(TpModelSetUpIMEX(st->model, ts));
  }
  {
    PetscReal tmax, dt, t0;
    PetscInt maxsteps;
    PetscCall(TSGetMaxTime(ts, &tmax));
    PetscCall(TSGetTimeStep(ts, &dt));
    PetscCall(TSGetTime(ts, &t0));
    PetscCall(TSGetMaxSteps(ts, &maxsteps));
    PetscCheck(PetscIsNormalReal(dt) && dt > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -ts_dt must be a positive number; got %.6g", (double)dt);
    PetscCheck(!PetscIsNanReal(tmax) && tmax > t0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -ts_max_time must be a number above the start time %.6g; got %.6g", (double)t0, (double)tmax);
    PetscCheck(maxsteps > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -ts_max_steps must be positive; got %" PetscInt_FMT, maxsteps);
    if (PetscIsInfReal(tmax)) { /* an end only by the step count: it must be one the user chose */
      PetscBool set;
      PetscCall(PetscOptionsHasName(NULL, NULL, "-ts_max_steps", &set));
      PetscCheck(set, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
                 "Option -ts_max_time inf: the run would end only after %" PetscInt_FMT
                 " steps; give -ts_max_steps too, or a finite -ts_max_time",
                 maxsteps);
    }
    st->max_time  = tmax;
    st->max_steps = maxsteps;
    st->dt        = dt;
  }
  {
    PetscBool isrk;
    s->fsal = PETSC_FALSE;
    PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSRK, &isrk));
    s->lastisb = PETSC_FALSE;
    if (isrk) {
      const PetscReal *A, *b;
      PetscInt ns;
      PetscCall(TSRKGetTableau(ts, &ns, &A, &b, NULL, NULL, NULL, NULL, &s->fsal));
      s->lastisb = (PetscBool)(s->fsal && b[ns - 1] == 0);
      for (PetscInt j = 0; j < ns - 1; j++)
        if (A[(ns - 1) * ns + j] != b[j]) s->lastisb = PETSC_FALSE;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Solve_TS(TpStepper st)
{
  StepperTS *s = st->data;
  TSConvergedReason reason;
  Vec u;

  PetscFunctionBegin;
  s->solved = PETSC_FALSE;
  PetscCall(TpModelGetSolution(st->model, &u));
  /* no post-step at all when nothing needs one (sweep trials: the last state only) */
  PetscCall(TSSetPostStep(s->ts, (s->fsal && s->exact_restart) || TpStepperHooksAfterSteps(st) ? PostStep : NULL));
  PetscCall(TSSetPreStep(s->ts, s->fsal && s->exact_restart ? PreStep : NULL));
  PetscCall(TSSetPreStage(s->ts, s->fsal && s->exact_restart ? PreStage : NULL));
  PetscCall(TpStepperRunHooks(st, TP_HOOK_START));
  PetscCall(TSSolve(s->ts, u));
  s->solved = PETSC_TRUE;
  PetscCall(TSGetConvergedReason(s->ts, &reason));
  if (reason < 0) {
    PetscInt steps;
    PetscReal t;
    PetscCall(TSGetStepNumber(s->ts, &steps));
    PetscCall(TSGetSolveTime(s->ts, &t));
    SETERRQ(st->comm, PETSC_ERR_NOT_CONVERGED, "Time stepping failed: %s at t = %.6g after %" PetscInt_FMT " steps",
            TSConvergedReasons[reason], (double)t, steps);
  }
  PetscCall(TpStepperRunHooks(st, TP_HOOK_END));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetState_TS(TpStepper st, PetscInt64 *step, PetscReal *t, PetscReal *dt)
{
  StepperTS *s = st->data;
  PetscInt n;

  PetscFunctionBegin;
  PetscCall(TSGetStepNumber(s->ts, &n));
  *step = n;
  if (s->solved)
    PetscCall(TSGetSolveTime(s->ts, t));
  else
    PetscCall(TSGetTime(s->ts, t));
  PetscCall(TSGetTimeStep(s->ts, dt));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetState_TS(TpStepper st, PetscInt64 step, PetscReal t, PetscReal dt)
{
  StepperTS *s = st->data;

  PetscFunctionBegin;
  PetscCheck(step >= 0 && step <= PETSC_MAX_INT, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Step %" PetscInt64_FMT " is beyond what a TS counts", step);
  PetscCall(TSSetTime(s->ts, t));
  PetscCall(TSSetStepNumber(s->ts, (PetscInt)step));
  PetscCall(TSSetTimeStep(s->ts, dt));
  PetscFunctionReturn(0);
}

static PetscErrorCode Name_TS(TpStepper st, char *buf, size_t len)
{
  StepperTS *s = st->data;
  TSType type;
  PetscBool isrk;

  PetscFunctionBegin;
  PetscCall(TSGetType(s->ts, &type));
  PetscCall(PetscObjectTypeCompare((PetscObject)s->ts, TSRK, &isrk));
  if (isrk) {
    TSRKType sub;
    PetscCall(TSRKGetType(s->ts, &sub));
    PetscCall(PetscSNPrintf(buf, len, "%s %s", type, sub));
  } else
    PetscCall(PetscStrncpy(buf, type ? type : "ts", len));
  PetscFunctionReturn(0);
}

static PetscErrorCode Describe_TS(TpStepper st, char *buf, size_t len)
{
  char name[64];

  PetscFunctionBegin;
  PetscCall(Name_TS(st, name, sizeof(name)));
  PetscCall(PetscSNPrintf(buf, len, "%s, dt %.6g, to t = %.6g", name, (double)st->dt, (double)st->max_time));
  PetscFunctionReturn(0);
}

/* type and tableau, tolerances, adaptivity, exact final time and exact restarts; the solvers of implicit parts */
static PetscErrorCode Trajectory_TS(TpStepper st, char *buf, size_t len)
{
  StepperTS *s = st->data;
  TS ts        = s->ts;
  char name[64];
  PetscReal rtol, atol, safety, rsafety, lo, hi, hmin, hmax, fail;
  TSAdapt adapt;
  TSAdaptType atype;
  TSExactFinalTimeOption eft;
  PetscBool is;
  size_t n;

  PetscFunctionBegin;
  PetscCall(Name_TS(st, name, sizeof(name)));
  PetscCall(TSGetTolerances(ts, &atol, NULL, &rtol, NULL));
  PetscCall(TSGetAdapt(ts, &adapt));
  PetscCall(TSAdaptGetType(adapt, &atype));
  PetscCall(TSAdaptGetSafety(adapt, &safety, &rsafety));
  PetscCall(TSAdaptGetClip(adapt, &lo, &hi));
  PetscCall(TSAdaptGetStepLimits(adapt, &hmin, &hmax));
  PetscCall(TSAdaptGetScaleSolveFailed(adapt, &fail));
  PetscCall(TSGetExactFinalTime(ts, &eft));
  PetscCall(PetscSNPrintf(buf, len,
                          "ts=%s;rtol=%.17g;atol=%.17g;adapt=%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g;"
                          "exact_final_time=%d;exact_restart=%d;",
                          name, (double)rtol, (double)atol, atype ? atype : "", (double)safety, (double)rsafety,
                          (double)lo, (double)hi, (double)hmin, (double)hmax, (double)fail, (int)eft,
                          (int)s->exact_restart));
  PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSARKIMEX, &is));
  if (is) {
    TSARKIMEXType t;
    SNES snes;
    KSP ksp;
    KSPType kt;
    PC pc;
    PCType pt;
    PetscReal a, r, stol, kr, ka, kd;
    PetscInt it, mf, kit;
    PetscCall(TSARKIMEXGetType(ts, &t));
    PetscCall(TSGetSNES(ts, &snes));
    PetscCall(SNESGetTolerances(snes, &a, &r, &stol, &it, &mf));
    PetscCall(SNESGetKSP(snes, &ksp));
    PetscCall(KSPGetType(ksp, &kt));
    PetscCall(KSPGetTolerances(ksp, &kr, &ka, &kd, &kit));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCGetType(pc, &pt));
    PetscCall(PetscStrlen(buf, &n));
    PetscCall(PetscSNPrintf(
        buf + n, len - n,
        "arkimex=%s;snes=%.17g,%.17g,%.17g,%" PetscInt_FMT ";ksp=%s,%.17g,%.17g,%" PetscInt_FMT ";pc=%s;", t, (double)a,
        (double)r, (double)stol, it, kt ? kt : "", (double)kr, (double)ka, kit, pt ? pt : ""));
  }
  PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSSSP, &is));
  if (is) {
    TSSSPType t;
    PetscCall(TSSSPGetType(ts, &t));
    PetscCall(PetscStrlen(buf, &n));
    PetscCall(PetscSNPrintf(buf + n, len - n, "ssp=%s;", t));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ViewSummary_TS(TpStepper st, PetscViewer v)
{
  StepperTS *s = st->data;
  PetscInt64 step, nrhs, nimpl;
  PetscReal t, dt;

  PetscFunctionBegin;
  PetscCall(GetState_TS(st, &step, &t, &dt));
  PetscCall(TpModelGetEvaluations(st->model, &nrhs, &nimpl));
  PetscCall(PetscViewerASCIIPrintf(
      v, "  steps    %" PetscInt64_FMT " to t = %.6g, %" PetscInt64_FMT " right-hand sides", step, (double)t, nrhs));
  if (nimpl) {
    PetscInt its;
    PetscCall(TSGetKSPIterations(s->ts, &its));
    PetscCall(PetscViewerASCIIPrintf(
        v, " (explicit part), %" PetscInt64_FMT " implicit-part evaluations, %" PetscInt_FMT " linear iterations",
        nimpl, its));
  }
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_TS(TpStepper st)
{
  StepperTS *s = st->data;

  PetscFunctionBegin;
  PetscCall(TSDestroy(&s->ts));
  PetscCall(PetscFree(st->data));
  PetscFunctionReturn(0);
}

/*@C
  TpStepperTSGetTS - The TS of a ts stepper

  Not Collective

  Input Parameter:
. st - a stepper of type ts

  Output Parameter:
. ts - its TS; owned by the stepper

.seealso: `TpStepperSetType()`
@*/
PetscErrorCode TpStepperTSGetTS(TpStepper st, TS *ts)
{
  PetscBool is;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(st->type, "ts", &is));
  PetscCheck(is, st->comm, PETSC_ERR_ARG_WRONG, "Stepper of type %s has no TS", st->type);
  *ts = ((StepperTS *)st->data)->ts;
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode TpStepperCreate_TS(TpStepper st)
{
  StepperTS *s = NULL;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->exact_restart = PETSC_TRUE;
  PetscCall(TSCreate(st->comm, &s->ts));
  PetscCall(TSSetProblemType(s->ts, TS_NONLINEAR));
  PetscCall(TSSetRHSFunction(s->ts, NULL, RHSFunction, st->model));
  PetscCall(TSSetApplicationContext(s->ts, st));
  st->data               = s;
  st->ops.setfromoptions = SetFromOptions_TS;
  st->ops.solve          = Solve_TS;
  st->ops.getstate       = GetState_TS;
  st->ops.setstate       = SetState_TS;
  st->ops.name           = Name_TS;
  st->ops.describe       = Describe_TS;
  st->ops.viewsummary    = ViewSummary_TS;
  st->ops.trajectory     = Trajectory_TS;
  st->opt_time           = "-ts_max_time";
  st->opt_steps          = "-ts_max_steps";
  st->ops.destroy        = Destroy_TS;
  PetscFunctionReturn(0);
}
