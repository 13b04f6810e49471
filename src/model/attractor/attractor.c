/* M2 (the astrocyte-gated memory) and the M3 baselines (classical Hopfield, dense associative
   memory, modern Hopfield, nearest-pattern oracle), in one file because they share everything but
   the pattern weights (kernels.h).

   State on each rank: [x (owned neurons)], and for the gated model the K gains a after them on
   rank 0.  One right-hand side: phi(x) of the owned rows, the K partial overlaps, one
   MPI_Allreduce of [m | a] (2K numbers; K without gains), then dx for the owned rows and da on
   rank 0.  The oracle has no dynamics: its state is the stored pattern nearest to the cue. */
#include <tpmodel.h>
#include <tpvmath.h>
#include <tph5.h>
#include "../../network/networkimpl.h"
#include "kernels.h"

typedef enum { ATTR_HOPFIELD, ATTR_DAM, ATTR_MODERN, ATTR_GATED, ATTR_ORACLE } AttrKind;

typedef struct {
  AttrKind kind;
  PetscReal sigma, tau_x; /* phi(u) = tanh(sigma u); neuron time constant */
  PetscReal tau_a, T;     /* gated: gain time constant and temperature */
  PetscInt n;             /* dam: order of F(z) = z^n / n */
  PetscReal beta;         /* modern: inverse temperature of the softmax */
  PetscMPIInt rank, size;
  PetscInt na;      /* gains held by this rank (K on rank 0 for gated, else 0) */
  double *phi;      /* phi(x) of the owned rows */
  double *red;      /* [m | a] and room for energy terms */
  double *w, *g;    /* pattern weights, replicator scratch (K each) */
  PetscInt nearest; /* oracle: lowest-index stored pattern nearest to the cue */
  PetscReal oracle_error;
} Attr;

static PetscErrorCode AttrSetFromOptions(TpModel m)
{
  Attr *A = m->data;

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, NULL, "M2/M3 options: tau_x dx/dt = -x + sum_mu xi^mu w_mu(m), phi(u) = tanh(sigma u)",
                    "TpModel");
  if (A->kind != ATTR_ORACLE) {
    if (A->kind != ATTR_MODERN)
      PetscCall(PetscOptionsReal("-sigma", "Gain of phi(u) = tanh(sigma u)", "", A->sigma, &A->sigma, NULL));
    PetscCall(PetscOptionsReal("-tau_x", "Neuron time constant tau_x", "", A->tau_x, &A->tau_x, NULL));
  }
  if (A->kind == ATTR_GATED) {
    PetscCall(PetscOptionsReal("-gated_tau_a", "Gain time constant tau_a", "", A->tau_a, &A->tau_a, NULL));
    PetscCall(PetscOptionsReal("-gated_T", "Temperature T of the entropy regulariser", "", A->T, &A->T, NULL));
  }
  if (A->kind == ATTR_DAM) PetscCall(PetscOptionsInt("-dam_n", "Order n of F(z) = z^n / n", "", A->n, &A->n, NULL));
  if (A->kind == ATTR_MODERN)
    PetscCall(PetscOptionsReal("-modern_beta", "Inverse temperature beta of softmax(beta Xi^T x)", "", A->beta,
                               &A->beta, NULL));
  PetscOptionsEnd();
  PetscCheck(A->sigma > 0 && PetscIsNormalReal(A->sigma), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -sigma must be positive; got %.6g", (double)A->sigma);
  PetscCheck(A->tau_x > 0 && PetscIsNormalReal(A->tau_x), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -tau_x must be positive; got %.6g", (double)A->tau_x);
  PetscCheck(A->tau_a > 0 && !PetscIsNanReal(A->tau_a), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -gated_tau_a must be positive; got %.6g", (double)A->tau_a);
  PetscCheck(A->T >= 0 && PetscIsNormalReal(A->T + 1), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -gated_T must be non-negative; got %.6g", (double)A->T);
  PetscCheck(A->n >= 2 && A->n <= 64, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -dam_n must lie in [2, 64]; got %" PetscInt_FMT, A->n);
  PetscCheck(A->beta > 0 && PetscIsNormalReal(A->beta), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -modern_beta must be positive; got %.6g", (double)A->beta);
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrAllreduce(TpModel m, double *buf, PetscInt n)
{
  Attr *A = m->data;

  PetscFunctionBegin;
  if (A->size == 1) PetscFunctionReturn(0);
  PetscCall(PetscLogEventBegin(TP_EVENT_REDUCE, 0, 0, 0, 0));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, buf, (PetscMPIInt)n, MPI_DOUBLE, MPI_SUM, m->comm));
  PetscCall(PetscLogEventEnd(TP_EVENT_REDUCE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Oracle: Hamming distances of every pattern to the cue and to the target (one reduction of 2K). */
static PetscErrorCode OracleSetUp(TpModel m)
{
  Attr *A          = m->data;
  TpNetwork net    = m->net;
  TpPatterns pat   = m->pat;
  const PetscInt K = pat->K;
  double *d, best = PETSC_MAX_REAL;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(2 * K, &d));
  for (PetscInt i = 0; i < net->nloc; i++) {
    const double *xi = pat->xi + (size_t)(net->rstart + i) * K, c = pat->cue[net->rstart + i];
    for (PetscInt mu = 0; mu < K; mu++) {
      d[mu] += xi[mu] != c;
      d[K + mu] += xi[mu] != xi[pat->target];
    }
  }
  PetscCall(AttrAllreduce(m, d, 2 * K));
  for (PetscInt mu = 0; mu < K; mu++)
    if (d[mu] < best) {
      best       = d[mu];
      A->nearest = mu;
    }
  /* ties go the oracle's way (the tied pattern nearest the target), so that it bounds every memory */
  A->oracle_error = PETSC_MAX_REAL;
  for (PetscInt mu = 0; mu < K; mu++)
    if (d[mu] == best) A->oracle_error = PetscMin(A->oracle_error, d[K + mu]);
  PetscCall(PetscFree(d));
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrSetUp(TpModel m)
{
  Attr *A          = m->data;
  const PetscInt K = m->pat->K;

  PetscFunctionBegin;
  PetscCheck(!m->net->gid, m->comm, PETSC_ERR_ARG_INCOMP,
             "Option -partition '%s': model %s has no synapses to distribute (its neurons stay in blocks); partition "
             "files are for -model naam",
             m->net->partition, m->type);
  PetscCallMPI(MPI_Comm_rank(m->comm, &A->rank));
  PetscCallMPI(MPI_Comm_size(m->comm, &A->size));
  A->na     = (A->kind == ATTR_GATED && A->rank == 0) ? K : 0;
  m->nlocal = m->net->nloc + A->na;
  PetscCall(PetscMalloc1(m->net->nloc, &A->phi));
  PetscCall(PetscMalloc3(2 * K + 4, &A->red, K, &A->w, K, &A->g));
  if (A->kind == ATTR_ORACLE) {
    PetscCall(OracleSetUp(m));
    m->stationary = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* Modern Hopfield reads the state itself, and the oracle's state is a pattern: phi = identity. */
static PetscBool AttrIdentity(const Attr *A)
{
  return (PetscBool)(A->kind == ATTR_MODERN || A->kind == ATTR_ORACLE);
}

/* A->phi = phi(x) of the n owned rows */
static void AttrRates(Attr *A, PetscInt n, const double *x)
{
  if (AttrIdentity(A))
    memcpy(A->phi, x, sizeof(double) * (size_t)n);
  else
    TpVecTanh((size_t)n, A->sigma, x, A->phi);
}

/* phi(x) of the owned rows, the overlaps m (and the gains a) reduced into A->red = [m | a]. */
static PetscErrorCode AttrOverlapsReduce(TpModel m, const double *u)
{
  Attr *A          = m->data;
  TpNetwork net    = m->net;
  const PetscInt K = m->pat->K, nred = A->kind == ATTR_GATED ? 2 * K : K;

  PetscFunctionBegin;
  AttrRates(A, net->nloc, u);
  PetscCall(PetscArrayzero(A->red, nred));
  AttrOverlaps((size_t)net->nloc, (size_t)K, m->pat->xi + (size_t)net->rstart * K, A->phi, A->red);
  if (A->na) PetscCall(PetscArraycpy(A->red + K, u + net->nloc, K));
  PetscCall(AttrAllreduce(m, A->red, nred));
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrRHS(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  TpModel m        = ctx;
  Attr *A          = m->data;
  TpNetwork net    = m->net;
  const PetscInt K = m->pat->K;
  const double N = (double)net->N, *mo = NULL, *a = NULL;
  const double *u;
  double *f;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  if (A->kind == ATTR_ORACLE) {
    PetscCall(PetscArrayzero(f, m->nlocal));
  } else {
    PetscCall(AttrOverlapsReduce(m, u));
    mo = A->red;
    a  = A->red + K;
    switch (A->kind) {
    case ATTR_HOPFIELD:
      for (PetscInt mu = 0; mu < K; mu++) A->w[mu] = mo[mu] / N;
      break;
    case ATTR_GATED:
      for (PetscInt mu = 0; mu < K; mu++) A->w[mu] = (double)K / N * a[mu] * mo[mu];
      break;
    case ATTR_DAM:
      DamWeights((size_t)K, N, (int)A->n, mo, A->w);
      break;
    case ATTR_MODERN:
      (void)Softmax((size_t)K, A->beta, mo, A->w);
      break;
    case ATTR_ORACLE:
      break;
    }
    AttrNeurons((size_t)net->nloc, (size_t)K, A->tau_x, m->pat->xi + (size_t)net->rstart * K, A->w, u, f);
    if (A->na) {
      TpVecLog((size_t)K, u + net->nloc, A->g);
      Replicator((size_t)K, N, A->T, A->tau_a, mo, u + net->nloc, A->g, f + net->nloc);
    }
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(PetscLogFlops(4.0 * K * net->nloc));
  PetscFunctionReturn(0);
}

/* x = cue (the oracle: the nearest stored pattern); gains uniform, a = 1/K. */
static PetscErrorCode AttrInitialState(TpModel m, Vec U)
{
  Attr *A        = m->data;
  TpNetwork net  = m->net;
  TpPatterns pat = m->pat;
  double *u;

  PetscFunctionBegin;
  PetscCall(VecGetArray(U, &u));
  for (PetscInt i = 0; i < net->nloc; i++)
    u[i] =
        A->kind == ATTR_ORACLE ? pat->xi[(size_t)(net->rstart + i) * pat->K + A->nearest] : pat->cue[net->rstart + i];
  for (PetscInt mu = 0; mu < A->na; mu++) u[net->nloc + mu] = 1.0 / (double)pat->K;
  PetscCall(VecRestoreArray(U, &u));
  PetscFunctionReturn(0);
}

/* The Lyapunov function (energy) of each model, its perplexity where it has one, and the neuron
   observables.  With L(u) = log cosh(sigma u) / sigma and m the overlaps:
     hopfield  -(1/2N) sum m^2                          + sum_i [x phi - L(x)]
     gated     -(K/2N) sum a m^2 + K T sum a log a      + sum_i [x phi - L(x)]
     dam       -(N/n) sum (m/N)^n                       + sum_i [x phi - L(x)]
     modern    -(1/beta) log sum exp(beta m)            + 1/2 sum_i x^2
   The oracle has no dynamics and no energy (NaN); its Hamming error is that of the stored pattern
   nearest the cue (of several equally near, the one nearest the target). */
static PetscErrorCode AttrObserve(TpModel m, Vec U, TpObservation *obs)
{
  Attr *A          = m->data;
  TpNetwork net    = m->net;
  const PetscInt K = m->pat->K;
  const double N   = (double)net->N;
  double *extra = A->red, *mo = A->g, e = 0; /* [neuron terms | sum a log a | a], reduced with the overlaps */
  const double *u, *a = extra + 2;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  AttrRates(A, net->nloc, u);
  PetscCall(PetscArrayzero(extra, 2 + K));
  for (PetscInt i = 0; i < net->nloc; i++)
    extra[0] += AttrIdentity(A) ? 0.5 * u[i] * u[i] : u[i] * A->phi[i] - TpLogCosh(A->sigma, u[i]);
  if (A->na) { /* the gains live on rank 0: they reach every rank in the same reduction */
    extra[1] = NegEntropy((size_t)K, u + net->nloc);
    PetscCall(PetscArraycpy(extra + 2, u + net->nloc, K));
  }
  PetscCall(TpModelNeuronObservables(m, A->phi, u, A->kind == ATTR_GATED ? 2 + K : 1, extra, obs));
  for (PetscInt mu = 0; mu < K; mu++) mo[mu] = obs->overlap[mu] * N;
  obs->perplexity = NAN;
  switch (A->kind) {
  case ATTR_HOPFIELD:
    for (PetscInt mu = 0; mu < K; mu++) e -= mo[mu] * mo[mu] / (2 * N);
    break;
  case ATTR_DAM:
    DamWeights((size_t)K, N, (int)A->n, mo, A->w);
    for (PetscInt mu = 0; mu < K; mu++) e -= N / (double)A->n * A->w[mu] * mo[mu] / N;
    break;
  case ATTR_MODERN: {
    double h = 0;
    e        = -Softmax((size_t)K, A->beta, mo, A->w);
    for (PetscInt mu = 0; mu < K; mu++)
      if (A->w[mu] > 0) h -= A->w[mu] * log(A->w[mu]);
    obs->perplexity = exp(h);
  } break;
  case ATTR_GATED:
    for (PetscInt mu = 0; mu < K; mu++) e -= (double)K / (2 * N) * a[mu] * mo[mu] * mo[mu];
    e += (double)K * A->T * extra[1];
    obs->perplexity = exp(-extra[1]);
    break;
  case ATTR_ORACLE:
    break;
  }
  obs->energy = A->kind == ATTR_ORACLE ? NAN : e + extra[0];
  if (A->kind == ATTR_ORACLE) obs->hamming = obs->soft_hamming = A->oracle_error;
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrWriteState(TpModel m, Vec U, hid_t file, PetscBool synapses)
{
  Attr *A = m->data;
  const double *u;
  hid_t g;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCallH5(g = H5Gcreate2(file, "state", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(TpH5WriteDistributed(m->comm, g, "x", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, m->net->nloc, 0, u));
  if (A->kind == ATTR_GATED)
    PetscCall(TpH5WriteDistributed(m->comm, g, "a", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, A->na, 0, u + m->net->nloc));
  PetscCallH5(H5Gclose(g));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrDescribe(TpModel m, char *buf, size_t len)
{
  Attr *A = m->data;

  PetscFunctionBegin;
  switch (A->kind) {
  case ATTR_GATED:
    PetscCall(PetscSNPrintf(buf, len, "model=gated;sigma=%.17g;tau_x=%.17g;tau_a=%.17g;T=%.17g;", A->sigma, A->tau_x,
                            A->tau_a, A->T));
    break;
  case ATTR_HOPFIELD:
    PetscCall(PetscSNPrintf(buf, len, "model=hopfield;sigma=%.17g;tau_x=%.17g;", A->sigma, A->tau_x));
    break;
  case ATTR_DAM:
    PetscCall(
        PetscSNPrintf(buf, len, "model=dam;n=%" PetscInt_FMT ";sigma=%.17g;tau_x=%.17g;", A->n, A->sigma, A->tau_x));
    break;
  case ATTR_MODERN:
    PetscCall(PetscSNPrintf(buf, len, "model=modern;beta=%.17g;tau_x=%.17g;", A->beta, A->tau_x));
    break;
  case ATTR_ORACLE:
    PetscCall(PetscSNPrintf(buf, len, "model=oracle;"));
    break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrView(TpModel m, PetscViewer v)
{
  char buf[256];

  PetscFunctionBegin;
  PetscCall(AttrDescribe(m, buf, sizeof(buf)));
  PetscCall(PetscViewerASCIIPrintf(v, "  params   %s\n", buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrDestroy(TpModel m)
{
  Attr *A = m->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(A->phi));
  PetscCall(PetscFree3(A->red, A->w, A->g));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static const TpModelOps AttrOps = {.setfromoptions = AttrSetFromOptions,
                                   .setup          = AttrSetUp,
                                   .initialstate   = AttrInitialState,
                                   .rhs            = AttrRHS,
                                   .observe        = AttrObserve,
                                   .writestate     = AttrWriteState,
                                   .view           = AttrView,
                                   .describe       = AttrDescribe,
                                   .destroy        = AttrDestroy};

static PetscErrorCode AttrCreate(TpModel m, AttrKind kind)
{
  Attr *A;

  PetscFunctionBegin;
  PetscCall(PetscNew(&A));
  A->kind  = kind;
  A->sigma = 5; /* as M1's beta_n; the gated paper's value was lost from its text */
  A->tau_x = 1;
  A->tau_a = 1;
  A->T     = 0.01;
  A->n     = 4;
  A->beta  = 1;
  m->data  = A;
  m->ops   = AttrOps;
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelCreate_Gated(TpModel m)
{
  return AttrCreate(m, ATTR_GATED);
}
PetscErrorCode TpModelCreate_Hopfield(TpModel m)
{
  return AttrCreate(m, ATTR_HOPFIELD);
}
PetscErrorCode TpModelCreate_Dam(TpModel m)
{
  return AttrCreate(m, ATTR_DAM);
}
PetscErrorCode TpModelCreate_Modern(TpModel m)
{
  return AttrCreate(m, ATTR_MODERN);
}
PetscErrorCode TpModelCreate_Oracle(TpModel m)
{
  return AttrCreate(m, ATTR_ORACLE);
}
