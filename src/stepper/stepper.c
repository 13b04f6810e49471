#include <tpstepper.h>
#include <tpcheckpoint.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t tp_signal = 0;

static void OnSignal(int sig)
{
  tp_signal = sig;
}

int TpCatchSignals(void)
{
  struct sigaction sa;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  signal(SIGXFSZ, SIG_IGN); /* a file-size limit makes writes fail with EFBIG, reported like a full disk */
  return sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) || sigaction(SIGUSR1, &sa, NULL);
}

int TpSignalCaught(void)
{
  return tp_signal;
}

PetscErrorCode TpStepperCatchSignals(void)
{
  PetscFunctionBegin;
  PetscCheck(!TpCatchSignals(), PETSC_COMM_SELF, PETSC_ERR_SYS, "Cannot install signal handlers");
  PetscFunctionReturn(0);
}

PetscErrorCode TpStepperCreate(TpModel model, TpStepper *out)
{
  TpStepper st;

  PetscFunctionBegin;
  PetscCall(PetscNew(&st));
  st->comm          = model->comm;
  st->model         = model;
  st->every         = 1;
  st->report        = 3.0;
  st->last_step     = -1;
  st->restart_step  = 0;
  st->checked_step  = -1;
  st->exact_restart = PETSC_TRUE;
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

/* Collective, after every step: a signal or the stop file ends the run with a checkpoint; the
   intervals of simulated and wall-clock time write one and go on.  One reduction of 3 flags. */
static PetscErrorCode CheckpointTriggers(TpStepper st, PetscInt step, PetscReal t, Vec u)
{
  PetscMPIInt rank;
  PetscLogDouble now;
  int flag[3] = {tp_signal, 0, 0};

  PetscFunctionBegin;
  st->checked_step = step;
  PetscCallMPI(MPI_Comm_rank(st->comm, &rank));
  PetscCall(PetscTime(&now));
  if (!rank) {
    flag[1] = st->stopfile[0] && !access(st->stopfile, F_OK);
    flag[2] = st->ckpt_wall > 0 && now - st->last_ckpt_wall >= st->ckpt_wall;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flag, 3, MPI_INT, MPI_MAX, st->comm));
  if (flag[0] || flag[1]) {
    st->stopped     = PETSC_TRUE;
    st->stop_signal = flag[0];
    PetscCall(TpCheckpointWrite(st->ckpt, st, u, flag[0] ? "signal" : "stop file"));
    PetscCall(TSSetConvergedReason(st->ts, TS_CONVERGED_USER));
  } else if (flag[2] || (st->ckpt_dt > 0 && t >= st->next_ckpt)) {
    PetscCall(TpCheckpointWrite(st->ckpt, st, u, "interval"));
    while (st->ckpt_dt > 0 && st->next_ckpt <= t) st->next_ckpt += st->ckpt_dt;
    st->last_ckpt_wall = now;
  }
  PetscFunctionReturn(0);
}

/* TSSetConvergedReason() ends TSSolve() only from a post-step hook. */
static PetscErrorCode PostStep(TS ts)
{
  TpStepper st;
  PetscInt step;
  PetscReal t;
  Vec u;

  PetscFunctionBegin;
  PetscCall(TSGetApplicationContext(ts, &st));
  PetscCall(TSGetStepNumber(ts, &step));
  PetscCall(TSGetTime(ts, &t));
  PetscCall(TSGetSolution(ts, &u));
  if (st->fsal && st->exact_restart) {
    /* A first-same-as-last tableau reuses f(last stage) as the next step's first stage, but a run
       resumed from a checkpoint evaluates f(u) afresh, and u and the last stage differ in the last
       bits (the same sum in another order).  Restarting the step here makes every step start from
       f(u), so a resumed run repeats this one bit for bit, for one more RHS evaluation per step. */
    PetscCall(TSRestartStep(ts));
  }
  if (step > st->restart_step && step > st->checked_step) PetscCall(CheckpointTriggers(st, step, t, u));
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

PetscErrorCode TpTSGetName(TS ts, char *buf, size_t len)
{
  TSType type;
  PetscBool isrk;

  PetscFunctionBegin;
  PetscCall(TSGetType(ts, &type));
  PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSRK, &isrk));
  if (isrk) {
    TSRKType sub;
    PetscCall(TSRKGetType(ts, &sub));
    PetscCall(PetscSNPrintf(buf, len, "%s %s", type, sub));
  } else
    PetscCall(PetscStrncpy(buf, type, len));
  PetscFunctionReturn(0);
}

PetscInt TpStepperRetrieved(TpStepper st)
{
  const PetscInt K = st->model->pat->K;
  return TpRetrieved(K, st->overlap + (st->nsamples - 1) * K);
}

PetscErrorCode TpStepperReserve(TpStepper st, PetscInt n)
{
  const size_t cap = (size_t)n, K = (size_t)st->model->pat->K;

  PetscFunctionBegin;
  if (n <= st->capacity) PetscFunctionReturn(0);
  PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->time));
  PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->energy));
  PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->hamming));
  PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->soft_hamming));
  PetscCall(PetscRealloc(cap * sizeof(PetscReal), &st->perplexity));
  PetscCall(PetscRealloc(cap * K * sizeof(PetscReal), &st->overlap));
  PetscCall(PetscRealloc(cap * sizeof(PetscInt), &st->step));
  st->capacity = n;
  PetscFunctionReturn(0);
}

/* Collective: observe u and append a sample (skipped if this step is already recorded). */
PetscErrorCode TpStepperRecord(TpStepper st, PetscInt step, PetscReal t, Vec u)
{
  const PetscInt K = st->model->pat->K;
  TpObservation obs;

  PetscFunctionBegin;
  if (step == st->last_step) PetscFunctionReturn(0);
  if (st->nsamples == st->capacity) PetscCall(TpStepperReserve(st, st->capacity ? 2 * st->capacity : 256));
  obs.overlap = st->overlap + st->nsamples * K;
  PetscCall(TpModelObserve(st->model, u, &obs));
  st->time[st->nsamples]         = t;
  st->step[st->nsamples]         = step;
  st->energy[st->nsamples]       = obs.energy;
  st->hamming[st->nsamples]      = obs.hamming;
  st->soft_hamming[st->nsamples] = obs.soft_hamming;
  st->perplexity[st->nsamples]   = obs.perplexity;
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
  PetscCall(PetscOptionsString(
      "-checkpoint", "Checkpoint file, written on SIGTERM, SIGINT, SIGUSR1, the stop file and at the intervals",
      "TpStepperSetFromOptions", st->ckpt, st->ckpt, sizeof(st->ckpt), NULL));
  PetscCall(PetscOptionsReal("-checkpoint_interval", "Simulated time between checkpoints (0: none)",
                             "TpStepperSetFromOptions", st->ckpt_dt, &st->ckpt_dt, NULL));
  PetscCall(PetscOptionsReal("-checkpoint_wall", "Wall-clock seconds between checkpoints (0: none)",
                             "TpStepperSetFromOptions", st->ckpt_wall, &st->ckpt_wall, NULL));
  PetscCall(PetscOptionsBool("-checkpoint_final", "Also write a checkpoint at the end", "TpStepperSetFromOptions",
                             st->ckpt_final, &st->ckpt_final, NULL));
  PetscCall(PetscOptionsBool(
      "-exact_restart",
      "Runs resumed from a checkpoint repeat this run bit for bit (costs FSAL Runge-Kutta methods one RHS per step)",
      "TpStepperSetFromOptions", st->exact_restart, &st->exact_restart, NULL));
  PetscCall(PetscOptionsString("-stop_file",
                               "A file whose appearance stops the run after a checkpoint (default: CHECKPOINT.stop)",
                               "TpStepperSetFromOptions", st->stopfile, st->stopfile, sizeof(st->stopfile), NULL));
  PetscOptionsEnd();
  PetscCheck(st->every > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -monitor_every must be positive; got %" PetscInt_FMT, st->every);
  PetscCheck(st->ckpt_dt >= 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -checkpoint_interval must be non-negative; got %.6g", (double)st->ckpt_dt);
  PetscCheck(st->ckpt_wall >= 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -checkpoint_wall must be non-negative; got %.6g", (double)st->ckpt_wall);
  PetscCall(TSMonitorSet(st->ts, Monitor, st, NULL));
  PetscCall(TSSetApplicationContext(st->ts, st));
  PetscCall(TSSetPostStep(st->ts, PostStep));
  PetscCall(TSSetFromOptions(st->ts));
  {
    /* IMEX steppers get the model's stiff part implicitly, with an assembled Jacobian */
    PetscBool imex;
    PetscCall(PetscObjectTypeCompare((PetscObject)st->ts, TSARKIMEX, &imex));
    if (imex && st->model->ops.imex) PetscCall(st->model->ops.imex(st->model, st->ts));
  }
  {
    PetscReal tmax, dt, t0;
    PetscInt maxsteps;
    PetscCall(TSGetMaxTime(st->ts, &tmax));
    PetscCall(TSGetTimeStep(st->ts, &dt));
    PetscCall(TSGetTime(st->ts, &t0));
    PetscCall(TSGetMaxSteps(st->ts, &maxsteps));
    PetscCheck(PetscIsNormalReal(dt) && dt > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -ts_dt must be a positive number; got %.6g", (double)dt);
    PetscCheck(!PetscIsNanReal(tmax) && tmax > t0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -ts_max_time must be a number above the start time %.6g; got %.6g", (double)t0, (double)tmax);
    PetscCheck(maxsteps > 0, st->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -ts_max_steps must be positive; got %" PetscInt_FMT, maxsteps);
  }
  {
    PetscBool isrk;
    st->fsal = PETSC_FALSE;
    PetscCall(PetscObjectTypeCompare((PetscObject)st->ts, TSRK, &isrk));
    if (isrk) PetscCall(TSRKGetTableau(st->ts, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &st->fsal));
  }
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
  st->next_ckpt      = st->t0 + st->ckpt_dt;
  st->last_ckpt_wall = st->wall0;
  if (st->model->stationary) { /* nothing to integrate: the initial state is the answer */
    PetscCall(TpStepperRecord(st, 0, st->t0, u));
    PetscFunctionReturn(0);
  }
  PetscCall(TSSolve(st->ts, u));
  PetscCall(TSGetStepNumber(st->ts, &steps));
  PetscCall(TSGetSolveTime(st->ts, &t));
  PetscCall(TpStepperRecord(st, steps, t, u));
  if (!st->stopped && st->ckpt_final) PetscCall(TpCheckpointWrite(st->ckpt, st, u, "final"));
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
  PetscCall(PetscFree((*st)->perplexity));
  PetscCall(PetscFree((*st)->overlap));
  PetscCall(PetscFree((*st)->step));
  PetscCall(PetscFree(*st));
  PetscFunctionReturn(0);
}
