#include <tpstepper.h>

PetscErrorCode TpStepperCreate(TpModel model, TpStepper *out)
{
  TpStepper st;

  PetscFunctionBegin;
  PetscCall(PetscNew(&st));
  st->comm      = model->comm;
  st->model     = model;
  st->every     = 1;
  st->report    = 3.0;
  st->last_step = -1;
  PetscCall(TSCreate(model->comm, &st->ts));
  PetscCall(TSSetProblemType(st->ts, TS_NONLINEAR));
  PetscCall(TSSetRHSFunction(st->ts, NULL, TpModelRHSFunction, model));
  PetscCall(TSSetType(st->ts, TSRK));
  PetscCall(TSRKSetType(st->ts, TSRK3BS));
  PetscCall(TSSetMaxTime(st->ts, 50.0));
  PetscCall(TSSetTimeStep(st->ts, 0.05));
  PetscCall(TSSetMaxSteps(st->ts, 100000000));
  PetscCall(TSSetExactFinalTime(st->ts, TS_EXACTFINALTIME_MATCHSTEP));
  *out = st;
  PetscFunctionReturn(0);
}

static PetscErrorCode Monitor(TS ts, PetscInt step, PetscReal t, Vec u, void *ctx)
{
  TpStepper st = ctx;
  TSConvergedReason reason;

  PetscFunctionBegin;
  PetscCall(TSGetConvergedReason(ts, &reason));
  if (step % st->every == 0 || reason != TS_CONVERGED_ITERATING) PetscCall(TpStepperRecord(st, step, t, u));
  if (!st->quiet) {
    PetscLogDouble now;
    PetscCall(PetscTime(&now));
    if (now - st->last_report >= st->report && st->nsamples > 0) {
      PetscReal tmax, left = 0;
      const PetscInt K = st->model->pat->K, last = st->nsamples - 1;
      PetscReal best = -PETSC_MAX_REAL;
      PetscInt ibest = 0;
      PetscCall(TSGetMaxTime(ts, &tmax));
      if (t > st->t0) left = (now - st->wall0) * (tmax - t) / (t - st->t0);
      for (PetscInt mu = 0; mu < K; mu++)
        if (PetscAbsReal(st->overlap[last * K + mu]) > best) {
          best  = PetscAbsReal(st->overlap[last * K + mu]);
          ibest = mu;
        }
      PetscCall(PetscPrintf(st->comm,
                            "  t %-10.4g step %-8" PetscInt_FMT
                            " energy %-14.8g best overlap %.4f (pattern %" PetscInt_FMT ")  %.0f s left\n",
                            (double)t, step, (double)st->energy[last], (double)st->overlap[last * K + ibest], ibest,
                            left));
      st->last_report = now;
    }
  }
  PetscFunctionReturn(0);
}

/* Collective: observe u and append a sample (skipped if this step is already recorded). */
PetscErrorCode TpStepperRecord(TpStepper st, PetscInt step, PetscReal t, Vec u)
{
  const PetscInt K = st->model->pat->K;
  TpObservation obs;

  PetscFunctionBegin;
  if (step == st->last_step) PetscFunctionReturn(0);
  if (st->nsamples == st->capacity) {
    const size_t cap = st->capacity ? 2 * (size_t)st->capacity : 256;
    PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->time));
    PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->energy));
    PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->hamming));
    PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->soft_hamming));
    PetscCall(PetscRealloc(cap * K * sizeof(PetscReal), &st->overlap));
    PetscCall(PetscRealloc(cap * sizeof(PetscInt), &st->step));
    st->capacity = (PetscInt)cap;
  }
  obs.overlap = st->overlap + st->nsamples * K;
  PetscCall(TpModelObserve(st->model, u, &obs));
  st->time[st->nsamples]         = t;
  st->step[st->nsamples]         = step;
  st->energy[st->nsamples]       = obs.energy;
  st->hamming[st->nsamples]      = obs.hamming;
  st->soft_hamming[st->nsamples] = obs.soft_hamming;
  st->nsamples++;
  st->last_step = step;
  PetscFunctionReturn(0);
}

/* Options: -monitor_every, -quiet, -progress_interval, and every -ts_* option. */
PetscErrorCode TpStepperSetFromOptions(TpStepper st)
{
  PetscFunctionBegin;
  PetscOptionsBegin(st->comm, NULL, "Stepping and monitoring options", "TpStepper");
  PetscCall(PetscOptionsInt("-monitor_every", "Record energy and observables every this many steps (and at the end)",
                            "TpStepperSetFromOptions", st->every, &st->every, NULL));
  PetscCall(PetscOptionsBool("-quiet", "Print no progress lines and no summary", "TpStepperSetFromOptions", st->quiet,
                             &st->quiet, NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "Seconds between progress lines", "TpStepperSetFromOptions",
                             st->report, &st->report, NULL));
  PetscOptionsEnd();
  PetscCheck(st->every > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -monitor_every must be positive; got %" PetscInt_FMT, st->every);
  PetscCall(TSMonitorSet(st->ts, Monitor, st, NULL));
  PetscCall(TSSetFromOptions(st->ts));
  PetscFunctionReturn(0);
}

PetscErrorCode TpStepperSolve(TpStepper st, Vec u)
{
  PetscInt steps;
  PetscReal t;

  PetscFunctionBegin;
  PetscCall(PetscTime(&st->wall0));
  st->last_report = st->wall0;
  PetscCall(TSGetTime(st->ts, &st->t0));
  PetscCall(TSSolve(st->ts, u));
  PetscCall(TSGetStepNumber(st->ts, &steps));
  PetscCall(TSGetSolveTime(st->ts, &t));
  PetscCall(TpStepperRecord(st, steps, t, u));
  PetscFunctionReturn(0);
}

PetscErrorCode TpStepperDestroy(TpStepper *st)
{
  PetscFunctionBegin;
  if (!*st) PetscFunctionReturn(0);
  PetscCall(TSDestroy(&(*st)->ts));
  PetscCall(PetscFree((*st)->time));
  PetscCall(PetscFree((*st)->energy));
  PetscCall(PetscFree((*st)->hamming));
  PetscCall(PetscFree((*st)->soft_hamming));
  PetscCall(PetscFree((*st)->overlap));
  PetscCall(PetscFree((*st)->step));
  PetscCall(PetscFree(*st));
  PetscFunctionReturn(0);
}
