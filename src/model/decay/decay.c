/* The decay test model: a damped linear oscillator on every neuron, whose exact solution is known.

   The smallest model of the engine, and the one "Adding a model" (README) walks through: a
   folder, a line in src/model/interface/modelreg.c, a line in CMakeLists.txt.  It exercises the
   fixed stepper (its default): each window of -decay_window steps is advanced exactly by the
   one-step propagator with no communication, and between windows the model exchanges (a global
   reduction, as spiking models exchange spikes, and a count of exchanges).  It also supports the
   ts stepper (its right-hand side), so that an adaptive TS can be compared with the exact grid.
   Fields: xv (neuron, width 2: x and v; output, checkpoint), crossings (neuron, int64: steps at
   which x changed sign), windows (global, int64: exchanges so far).  Series: energy, mean_x.
   Summary: energy, crossings. */
#include "../interface/modelimpl.h"
#include "kernels.h"

typedef struct {
  TpNetworkRows r;
  PetscReal zeta;       /* -decay_zeta: damping ratio, in (0, 1) */
  PetscInt window;      /* -decay_window: steps between exchanges */
  double *omega;        /* nloc */
  double *P;            /* nloc x 4: the propagator over one step of dt_P */
  double dt_P;          /* the step P was made for (0: none yet) */
  long long *crossings; /* nloc */
  long long windows[1]; /* global: on rank 0 */
  double exchanged[2];  /* the sums reduced at the last exchange: energy, crossings */
} Decay;

static PetscErrorCode DecaySetFromOptions(TpModel m)
{
  Decay *d = m->data;

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, m->prefix, "Decay test model: x'' + 2 zeta omega x' + omega^2 x = 0 per neuron",
                    "TpModel");
  PetscCall(PetscOptionsReal("-zeta", "Damping ratio zeta, in (0, 1)", "", d->zeta, &d->zeta, NULL));
  PetscCall(
      PetscOptionsInt("-window", "Steps of the fixed stepper between two exchanges", "", d->window, &d->window, NULL));
  PetscOptionsEnd();
  PetscCheck(d->zeta > 0 && d->zeta < 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -decay_zeta must lie in (0, 1); got %.6g", (double)d->zeta);
  PetscCheck(d->window > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -decay_window must be positive; got %" PetscInt_FMT, d->window);
  PetscFunctionReturn(0);
}

/* State: the Vec [(x, v) of each owned neuron], under either stepper. */
static PetscErrorCode DecaySetUp(TpModel m)
{
  Decay *d                   = m->data;
  const TpFieldInfo fields[] = {
      {"xv", TP_ENTITY_NEURON, 2, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "x and v = dx/dt"},
      {"crossings", TP_ENTITY_NEURON, 1, PETSC_INT64, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "steps of the fixed grid at which x changed sign"},
      {"windows", TP_ENTITY_GLOBAL, 1, PETSC_INT64, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "exchanges so far"}};
  const TpSeriesInfo series[]   = {{"energy", "energy", 1, PETSC_FALSE, "sum of (v^2 + omega^2 x^2) / 2"},
                                   {"mean_x", "observables/mean_x", 1, PETSC_FALSE, "mean of x over the neurons"}};
  const TpSummaryInfo summary[] = {{"energy", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "energy at the end"},
                                   {"crossings", PETSC_INT64, 0, NULL, "sign changes of x, all neurons"}};

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(m->net, &d->r));
  PetscCall(PetscMalloc3(d->r.nloc + 1, &d->omega, 4 * d->r.nloc + 1, &d->P, d->r.nloc + 1, &d->crossings));
  for (PetscInt i = 0; i < d->r.nloc; i++) d->omega[i] = DecayOmega(TpRowGid(&d->r, i));
  PetscCall(TpModelCreateState(m, 2 * d->r.nloc));
  PetscCall(TpModelDeclareStateField(m, &fields[0], 0));
  PetscCall(TpModelDeclareArrayField(m, &fields[1], d->crossings));
  PetscCall(TpModelDeclareArrayField(m, &fields[2], d->windows));
  for (size_t q = 0; q < sizeof(series) / sizeof(series[0]); q++) PetscCall(TpModelDeclareSeries(m, &series[q]));
  for (size_t q = 0; q < sizeof(summary) / sizeof(summary[0]); q++) PetscCall(TpModelDeclareSummary(m, &summary[q]));
  PetscFunctionReturn(0);
}

/* (x, v) = (cos g, 0) for neuron g; nothing crossed, nothing exchanged. */
static PetscErrorCode DecayInitialState(TpModel m)
{
  Decay *d = m->data;
  double *u;

  PetscFunctionBegin;
  PetscCall(VecGetArray(m->state, &u));
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    u[2 * i]        = cos((double)TpRowGid(&d->r, i));
    u[2 * i + 1]    = 0;
    d->crossings[i] = 0;
  }
  PetscCall(VecRestoreArray(m->state, &u));
  d->windows[0] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode DecayWindow(TpModel m, PetscInt64 *steps)
{
  PetscFunctionBegin;
  *steps = ((Decay *)m->data)->window;
  PetscFunctionReturn(0);
}

/* nsteps exact steps, no communication */
static PetscErrorCode DecayAdvanceSteps(TpModel m, PetscInt64 step, PetscInt64 nsteps, PetscReal dt)
{
  Decay *d = m->data;
  double *u;

  PetscFunctionBegin;
  if (d->dt_P != dt) {
    for (PetscInt i = 0; i < d->r.nloc; i++) DecayPropagator(d->omega[i], d->zeta, dt, d->P + 4 * i);
    d->dt_P = dt;
  }
  PetscCall(VecGetArray(m->state, &u));
  DecayAdvance((size_t)d->r.nloc, d->P, nsteps, u, d->crossings);
  PetscCall(VecRestoreArray(m->state, &u));
  PetscCall(PetscLogFlops(6.0 * (double)nsteps * d->r.nloc));
  PetscFunctionReturn(0);
}

/* between windows: one reduction (as the spikes of a spiking model would travel), and the count */
static PetscErrorCode DecayExchange(TpModel m, PetscInt64 step)
{
  Decay *d = m->data;
  const double *u;

  PetscFunctionBegin;
  d->exchanged[0] = d->exchanged[1] = 0;
  PetscCall(VecGetArrayRead(m->state, &u));
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    d->exchanged[0] += DecayEnergy(d->omega[i], u[2 * i], u[2 * i + 1]);
    d->exchanged[1] += (double)d->crossings[i];
  }
  PetscCall(VecRestoreArrayRead(m->state, &u));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, d->exchanged, 2, MPI_DOUBLE, MPI_SUM, m->comm));
  d->windows[0]++;
  PetscFunctionReturn(0);
}

static PetscErrorCode DecayRHSFunction(TpModel m, PetscReal t, Vec U, Vec F)
{
  Decay *d = m->data;
  const double *u;
  double *f;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  DecayRHS((size_t)d->r.nloc, d->omega, d->zeta, u, f);
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(VecRestoreArray(F, &f));
  PetscFunctionReturn(0);
}

/* sample = [energy, mean x]; the total crossings ride along in the reduction as a third number */
static PetscErrorCode DecayObserve(TpModel m, double *sample)
{
  Decay *d       = m->data;
  double sums[3] = {0, 0, 0};
  const double *u;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(m->state, &u));
  for (PetscInt i = 0; i < d->r.nloc; i++) {
    sums[0] += DecayEnergy(d->omega[i], u[2 * i], u[2 * i + 1]);
    sums[1] += u[2 * i];
    sums[2] += (double)d->crossings[i];
  }
  PetscCall(VecRestoreArrayRead(m->state, &u));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sums, 3, MPI_DOUBLE, MPI_SUM, m->comm));
  sample[0]       = sums[0];
  sample[1]       = sums[1] / (double)d->r.N;
  d->exchanged[1] = sums[2];
  PetscFunctionReturn(0);
}

static PetscErrorCode DecaySummarize(TpModel m, const double *first, const double *last, double *values)
{
  PetscFunctionBegin;
  values[0] = last[0];
  values[1] = ((Decay *)m->data)->exchanged[1];
  PetscFunctionReturn(0);
}

static PetscErrorCode DecayViewResult(TpModel m, const double *first, const double *last, PetscViewer v)
{
  Decay *d = m->data;

  PetscFunctionBegin;
  PetscCall(
      PetscViewerASCIIPrintf(v, "  result   energy %.10g at start, %.10g at end; %.0f sign changes; %lld exchanges\n",
                             first[0], last[0], d->exchanged[1], (long long)d->windows[0]));
  PetscFunctionReturn(0);
}

static PetscErrorCode DecayProgress(TpModel m, const double *sample, char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "energy %-14.8g mean x %.6f", sample[0], sample[1]));
  PetscFunctionReturn(0);
}

static PetscErrorCode DecayView(TpModel m, PetscViewer v)
{
  Decay *d = m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "  params   zeta %.6g, omega 1 + (id mod 5)/10, window %" PetscInt_FMT " steps\n",
                                   (double)d->zeta, d->window));
  PetscFunctionReturn(0);
}

static PetscErrorCode DecayDescribe(TpModel m, char *buf, size_t len)
{
  Decay *d = m->data;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "model=decay;zeta=%.17g;window=%" PetscInt_FMT ";", (double)d->zeta, d->window));
  PetscFunctionReturn(0);
}

static PetscErrorCode DecayDestroy(TpModel m)
{
  Decay *d = m->data;

  PetscFunctionBegin;
  PetscCall(PetscFree3(d->omega, d->P, d->crossings));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static const TpModelOps DecayOps = {.setfromoptions = DecaySetFromOptions,
                                    .setup          = DecaySetUp,
                                    .initialstate   = DecayInitialState,
                                    .observe        = DecayObserve,
                                    .summarize      = DecaySummarize,
                                    .viewresult     = DecayViewResult,
                                    .progress       = DecayProgress,
                                    .view           = DecayView,
                                    .describe       = DecayDescribe,
                                    .destroy        = DecayDestroy,
                                    .rhs            = DecayRHSFunction,
                                    .window         = DecayWindow,
                                    .advance        = DecayAdvanceSteps,
                                    .exchange       = DecayExchange};

PetscErrorCode TpModelCreate_Decay(TpModel m)
{
  Decay *d;

  PetscFunctionBegin;
  PetscCall(PetscNew(&d));
  d->zeta   = 0.1;
  d->window = 10;
  m->data   = d;
  m->ops    = DecayOps;
  PetscCall(TpModelSetStepperTypes(m, "fixed", "fixed,ts"));
  PetscFunctionReturn(0);
}
