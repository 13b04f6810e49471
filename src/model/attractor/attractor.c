/* M2 (the astrocyte-gated memory) and the M3 baselines (classical Hopfield, dense associative
   memory, modern Hopfield, nearest-pattern oracle), in one file because they share everything but
   the pattern weights (kernels.h).

   State on each rank: [x (owned neurons)], and for the gated model the K gains a after them on
   rank 0.  One right-hand side: phi(x) of the owned rows, the K partial overlaps, one
   MPI_Allreduce of [m | a] (2K numbers; K without gains), then dx for the owned rows and da on
   rank 0.  The oracle has no dynamics: its state is the stored pattern nearest to the cue.

   The dense associative memory has two forms (-dam_update): the continuous force above (the
   default, stepped by a PETSc TS), and Krotov and Hopfield's discrete update (sync or async
   sweeps of the iterate stepper until a sweep changes nothing), which leaves each neuron out of
   its own overlaps.  A synchronous sweep is one reduction of the K overlaps; an asynchronous one
   visits the neurons in ascending index: each run of consecutive neurons owned by one rank is
   updated there, one neuron after the other, and the overlaps, updated as it goes (integers, so
   exactly), are then broadcast from that rank, once per run.  Asynchronous sweeps lower the energy
   with each change and end at a fixed point; synchronous ones may also end in a 2-cycle, which
   stops them too (the state before the last sweep is kept, and checkpointed, to see it). */
#include "../interface/modelimpl.h"
#include <tpvmath.h>
#include "kernels.h"

typedef enum { ATTR_HOPFIELD, ATTR_DAM, ATTR_MODERN, ATTR_GATED, ATTR_ORACLE } AttrKind;
typedef enum { DAM_CONTINUOUS, DAM_SYNC, DAM_ASYNC } DamUpdate;
static const char *const DamUpdates[] = {"continuous", "sync", "async", "DamUpdate", "DAM_", NULL};

typedef struct {
  TpNetworkRows r; /* the network's local rows (views): the owned neurons */
  PetscInt K;
  double *xi; /* the patterns of the owned neurons, nloc x K row-major */
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
  DamUpdate update; /* dam: the continuous force, or the discrete update in sync or async sweeps */
  int dexact;       /* dam, discrete: DamDifferenceCoefficients(): sums exact in integers, */
  int64_t dci[33];  /*   their coefficients, */
  double dc[33];    /*   or those in floating point */
  PetscInt nruns;   /* dam, async: runs of consecutive neurons with one owner, */
  PetscInt *runs;   /*   [first neuron, end, owner rank] each */
  PetscInt *order;  /*   and the owned rows in ascending neuron index */
  double *before;   /* dam, sync: the state before the last sweep (NaN: none yet), */
  PetscBool cycle;  /*   which the last sweep went back to: a 2-cycle */
} Attr;

static PetscBool DamDiscrete(const Attr *A)
{
  return (PetscBool)(A->kind == ATTR_DAM && A->update != DAM_CONTINUOUS);
}

/* Options: -attractor_sigma and -attractor_tau_x shared by the family (formerly -sigma, -tau_x), and
   each model's own under its prefix: -gated_tau_a, -gated_T, -dam_n, -modern_beta. */
static PetscErrorCode AttrSetFromOptions(TpModel m)
{
  Attr *A = m->data;

  PetscFunctionBegin;
  if (A->kind == ATTR_DAM) {
    PetscOptionsBegin(m->comm, m->prefix, "Options of this model", "TpModel");
    PetscCall(PetscOptionsEnum("-update",
                               "continuous: the force sum_mu xi^mu F'(m_mu) (ts); sync, async: Krotov and Hopfield's "
                               "discrete update, neuron i left out of its overlaps (iterate)",
                               "", DamUpdates, (PetscEnum)A->update, (PetscEnum *)&A->update, NULL));
    PetscOptionsEnd();
    PetscCall(TpModelSetStepperTypes(m, DamDiscrete(A) ? "iterate" : "ts", DamDiscrete(A) ? "iterate" : "ts"));
  }
  PetscOptionsBegin(m->comm, NULL, "M2/M3: deprecated option names", "TpModel");
  PetscCall(PetscOptionsDeprecated("-sigma", "-attractor_sigma", "0.2", NULL));
  PetscCall(PetscOptionsDeprecated("-tau_x", "-attractor_tau_x", "0.2", NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(m->comm, "attractor_",
                    "M2/M3 options: tau_x dx/dt = -x + sum_mu xi^mu w_mu(m), phi(u) = tanh(sigma u)", "TpModel");
  if (A->kind != ATTR_ORACLE && !DamDiscrete(A)) { /* the discrete update has neither */
    if (A->kind != ATTR_MODERN)
      PetscCall(PetscOptionsReal("-sigma", "Gain of phi(u) = tanh(sigma u)", "", A->sigma, &A->sigma, NULL));
    PetscCall(PetscOptionsReal("-tau_x", "Neuron time constant tau_x", "", A->tau_x, &A->tau_x, NULL));
  }
  PetscOptionsEnd();
  PetscOptionsBegin(m->comm, m->prefix, "Options of this model", "TpModel");
  if (A->kind == ATTR_GATED) {
    PetscCall(PetscOptionsReal("-tau_a", "Gain time constant tau_a", "", A->tau_a, &A->tau_a, NULL));
    PetscCall(PetscOptionsReal("-T", "Temperature T of the entropy regulariser", "", A->T, &A->T, NULL));
  }
  if (A->kind == ATTR_DAM) PetscCall(PetscOptionsInt("-n", "Order n of F(z) = z^n / n", "", A->n, &A->n, NULL));
  if (A->kind == ATTR_MODERN)
    PetscCall(
        PetscOptionsReal("-beta", "Inverse temperature beta of softmax(beta Xi^T x)", "", A->beta, &A->beta, NULL));
  PetscOptionsEnd();
  PetscCheck(A->sigma > 0 && PetscIsNormalReal(A->sigma), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -attractor_sigma must be positive; got %.6g", (double)A->sigma);
  PetscCheck(A->tau_x > 0 && PetscIsNormalReal(A->tau_x), m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -attractor_tau_x must be positive; got %.6g", (double)A->tau_x);
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
  const PetscInt K = A->K;
  const double *cue;
  PetscInt target;
  double *d, best = PETSC_MAX_REAL;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetCue(m->pat, &cue, &target, NULL));
  PetscCall(PetscCalloc1(2 * K, &d));
  for (PetscInt i = 0; i < A->r.nloc; i++) {
    const double *xi = A->xi + (size_t)i * K, c = cue[TpRowGid(&A->r, i)];
    for (PetscInt mu = 0; mu < K; mu++) {
      d[mu] += xi[mu] != c;
      d[K + mu] += xi[mu] != xi[target];
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

/* The asynchronous sweep's order: which rank owns each neuron (gathered once), cut into runs of
   consecutive neurons with one owner, and the owned rows sorted by neuron index. */
static PetscErrorCode DamRunsSetUp(TpModel m)
{
  Attr *A          = m->data;
  const PetscInt N = A->r.N, nloc = A->r.nloc;
  PetscMPIInt *counts, *displs, n = (PetscMPIInt)nloc;
  PetscInt *gids, *owner, *mine;

  PetscFunctionBegin;
  PetscCall(PetscMalloc5(A->size, &counts, A->size, &displs, N, &gids, N, &owner, nloc + 1, &mine));
  for (PetscInt i = 0; i < nloc; i++) mine[i] = TpRowGid(&A->r, i);
  PetscCallMPI(MPI_Allgather(&n, 1, MPI_INT, counts, 1, MPI_INT, m->comm));
  displs[0] = 0;
  for (PetscMPIInt r = 1; r < A->size; r++) displs[r] = displs[r - 1] + counts[r - 1];
  PetscCallMPI(MPI_Allgatherv(mine, n, MPIU_INT, gids, counts, displs, MPIU_INT, m->comm));
  for (PetscMPIInt r = 0; r < A->size; r++)
    for (PetscMPIInt q = 0; q < counts[r]; q++) owner[gids[displs[r] + q]] = r;
  A->nruns = 0;
  for (PetscInt g = 0; g < N; g++) A->nruns += g == 0 || owner[g] != owner[g - 1];
  PetscCall(PetscMalloc2(3 * A->nruns, &A->runs, nloc + 1, &A->order));
  for (PetscInt g = 0, q = -1; g < N; g++) {
    if (g == 0 || owner[g] != owner[g - 1]) {
      q++;
      A->runs[3 * q]     = g;
      A->runs[3 * q + 2] = owner[g];
    }
    A->runs[3 * q + 1] = g + 1;
  }
  for (PetscInt i = 0; i < nloc; i++) A->order[i] = i;
  PetscCall(PetscSortIntWithArray(nloc, mine, A->order));
  PetscCall(PetscFree5(counts, displs, gids, owner, mine));
  PetscFunctionReturn(0);
}

/* State [x (owned neurons) | a (K gains, on rank 0, gated)]; fields x and a; the retrieval's series.
   The patterns of the owned neurons are copied in row order, so that any partition works. */
static PetscErrorCode AttrSetUp(TpModel m)
{
  Attr *A = m->data;
  const double *xi;
  PetscInt K;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(m->net, &A->r));
  PetscCall(TpPatternsGetSizes(m->pat, NULL, &K));
  PetscCall(TpPatternsGetPatterns(m->pat, &xi));
  A->K = K;
  PetscCallMPI(MPI_Comm_rank(m->comm, &A->rank));
  PetscCallMPI(MPI_Comm_size(m->comm, &A->size));
  A->na = (A->kind == ATTR_GATED && A->rank == 0) ? K : 0;
  PetscCall(PetscMalloc1((size_t)A->r.nloc * K + 1, &A->xi));
  for (PetscInt i = 0; i < A->r.nloc; i++)
    PetscCall(PetscArraycpy(A->xi + (size_t)i * K, xi + (size_t)TpRowGid(&A->r, i) * K, K));
  PetscCall(TpModelCreateState(m, A->r.nloc + A->na));
  {
    const TpFieldInfo x = {
        "x", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "neuron states"};
    const TpFieldInfo a = {
        "a", TP_ENTITY_GLOBAL, K, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "pattern gains on the simplex"};
    PetscCall(TpModelDeclareStateField(m, &x, 0));
    if (A->kind == ATTR_GATED) PetscCall(TpModelDeclareStateField(m, &a, A->r.nloc));
  }
  PetscCall(TpRetrievalDeclare(m));
  PetscCall(PetscMalloc1(A->r.nloc, &A->phi));
  PetscCall(PetscMalloc3(2 * K + 4, &A->red, K, &A->w, K, &A->g));
  if (A->kind == ATTR_ORACLE) PetscCall(OracleSetUp(m));
  if (DamDiscrete(A)) A->dexact = DamDifferenceCoefficients((int)A->n, (double)A->r.N, (double)K, A->dci, A->dc);
  if (A->update == DAM_ASYNC && A->kind == ATTR_DAM) PetscCall(DamRunsSetUp(m));
  if (A->update == DAM_SYNC && A->kind == ATTR_DAM) {
    const TpFieldInfo b = {"x_before",   TP_ENTITY_NEURON,    1,
                           PETSC_DOUBLE, TP_FIELD_CHECKPOINT, "the state before the last sweep"};
    PetscCall(PetscMalloc1(A->r.nloc + 1, &A->before));
    PetscCall(TpModelDeclareArrayField(m, &b, A->before));
  }
  PetscFunctionReturn(0);
}

/* Modern Hopfield reads the state itself, and the state of the oracle and of the discrete DAM is
   +-1: phi = identity. */
static PetscBool AttrIdentity(const Attr *A)
{
  return (PetscBool)(A->kind == ATTR_MODERN || A->kind == ATTR_ORACLE || DamDiscrete(A));
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
  const PetscInt K = A->K, nred = A->kind == ATTR_GATED ? 2 * K : K, nloc = A->r.nloc;

  PetscFunctionBegin;
  AttrRates(A, nloc, u);
  PetscCall(PetscArrayzero(A->red, nred));
  AttrOverlaps((size_t)nloc, (size_t)K, A->xi, A->phi, A->red);
  if (A->na) PetscCall(PetscArraycpy(A->red + K, u + nloc, K));
  PetscCall(AttrAllreduce(m, A->red, nred));
  PetscFunctionReturn(0);
}

static PetscErrorCode AttrRHS(TpModel m, PetscReal t, Vec U, Vec F)
{
  Attr *A          = m->data;
  const PetscInt K = A->K, nloc = A->r.nloc;
  const double N = (double)A->r.N, *mo = NULL, *a = NULL;
  const double *u;
  double *f;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  if (A->kind == ATTR_ORACLE) {
    PetscCall(PetscArrayzero(f, nloc + A->na));
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
    AttrNeurons((size_t)nloc, (size_t)K, A->tau_x, A->xi, A->w, u, f);
    if (A->na) {
      TpVecLog((size_t)K, u + nloc, A->g);
      Replicator((size_t)K, N, A->T, A->tau_a, mo, u + nloc, A->g, f + nloc);
    }
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(PetscLogFlops(4.0 * K * nloc));
  PetscFunctionReturn(0);
}

/* One sweep of Krotov and Hopfield's discrete update; done when it changed no neuron.  The
   overlaps of a +-1 state are integers, exact in any order of summation: every rank decides as
   one rank would. */
static PetscErrorCode DamSweep(TpModel m, PetscInt64 it, PetscBool *done)
{
  Attr *A          = m->data;
  const PetscInt K = A->K;
  const double N   = (double)A->r.N;
  double *u, *mo = A->red;
  PetscInt64 count[2] = {0, 0}; /* neurons changed; neurons not back to their state before the last sweep */

  PetscFunctionBegin;
  PetscCall(VecGetArray(m->state, &u));
  PetscCall(AttrOverlapsReduce(m, u));
  if (A->update == DAM_SYNC) { /* every neuron from the same overlaps; A->phi holds the state before */
    for (PetscInt i = 0; i < A->r.nloc; i++) {
      const double s = DamDecide((size_t)K, N, (int)A->n, A->dexact, A->dci, A->dc, A->xi + (size_t)i * K, mo, u[i]);
      count[0] += s != u[i];
      count[1] += s != A->before[i];
      u[i]         = s;
      A->before[i] = A->phi[i];
    }
  } else {
    PetscInt next = 0;
    for (PetscInt q = 0; q < A->nruns; q++) {
      const PetscInt *run = A->runs + 3 * q;
      if (run[2] == A->rank)
        for (PetscInt g = run[0]; g < run[1]; g++) {
          const PetscInt i = A->order[next++];
          const double *xi = A->xi + (size_t)i * K;
          const double s   = DamDecide((size_t)K, N, (int)A->n, A->dexact, A->dci, A->dc, xi, mo, u[i]);
          if (s != u[i]) {
            for (PetscInt mu = 0; mu < K; mu++) mo[mu] += (s - u[i]) * xi[mu];
            u[i] = s;
            count[0]++;
          }
        }
      if (A->size > 1) PetscCallMPI(MPI_Bcast(mo, (PetscMPIInt)K, MPI_DOUBLE, (PetscMPIInt)run[2], m->comm));
    }
  }
  PetscCall(VecRestoreArray(m->state, &u));
  PetscCall(PetscLogFlops(2.0 * A->n * K * A->r.nloc));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, count, 2, MPIU_INT64, MPI_SUM, m->comm));
  A->cycle = (PetscBool)(A->update == DAM_SYNC && count[0] && !count[1]);
  *done    = count[0] == 0 || A->cycle ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* x = cue (the oracle: the nearest stored pattern); gains uniform, a = 1/K. */
static PetscErrorCode AttrInitialState(TpModel m)
{
  Attr *A = m->data;
  const double *cue;
  double *u;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetCue(m->pat, &cue, NULL, NULL));
  PetscCall(VecGetArray(m->state, &u));
  for (PetscInt i = 0; i < A->r.nloc; i++)
    u[i] = A->kind == ATTR_ORACLE ? A->xi[(size_t)i * A->K + A->nearest] : cue[TpRowGid(&A->r, i)];
  for (PetscInt mu = 0; mu < A->na; mu++) u[A->r.nloc + mu] = 1.0 / (double)A->K;
  PetscCall(VecRestoreArray(m->state, &u));
  if (A->before)
    for (PetscInt i = 0; i < A->r.nloc; i++) A->before[i] = NAN;
  A->cycle = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* The Lyapunov function (energy) of each model, its perplexity where it has one, and the neuron
   observables.  With L(u) = log cosh(sigma u) / sigma and m the overlaps:
     hopfield  -(1/2N) sum m^2                          + sum_i [x phi - L(x)]
     gated     -(K/2N) sum a m^2 + K T sum a log a      + sum_i [x phi - L(x)]
     dam       -(N/n) sum (m/N)^n                       + sum_i [x phi - L(x)]
     dam, discrete update: -(N/n) sum (m/N)^n, m = Xi^T s (Krotov and Hopfield's -sum F(m) / N^(n-1))
     modern    -(1/beta) log sum exp(beta m)            + 1/2 sum_i x^2
   The oracle has no dynamics and no energy (NaN); its Hamming error is that of the stored pattern
   nearest the cue (of several equally near, the one nearest the target). */
static PetscErrorCode AttrObserve(TpModel m, double *sample)
{
  Attr *A          = m->data;
  const PetscInt K = A->K, nloc = A->r.nloc;
  const double N = (double)A->r.N;
  double *extra = A->red, *mo = A->g, e = 0; /* [neuron terms | sum a log a | a], reduced with the overlaps */
  const double *u, *a = extra + 2, *ov = sample + TP_RETRIEVAL_OVERLAP;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(m->state, &u));
  AttrRates(A, nloc, u);
  PetscCall(PetscArrayzero(extra, 2 + K));
  for (PetscInt i = 0; i < nloc; i++)
    extra[0] += A->kind == ATTR_MODERN ? 0.5 * u[i] * u[i]
                : AttrIdentity(A)      ? 0
                                       : u[i] * A->phi[i] - TpLogCosh(A->sigma, u[i]);
  if (A->na) { /* the gains live on rank 0: they reach every rank in the same reduction */
    extra[1] = NegEntropy((size_t)K, u + nloc);
    PetscCall(PetscArraycpy(extra + 2, u + nloc, K));
  }
  PetscCall(TpRetrievalObserve(m, A->phi, u, A->kind == ATTR_GATED ? 2 + K : 1, extra, sample));
  for (PetscInt mu = 0; mu < K; mu++) mo[mu] = ov[mu] * N;
  sample[TP_RETRIEVAL_PERPLEXITY] = NAN;
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
    sample[TP_RETRIEVAL_PERPLEXITY] = exp(h);
  } break;
  case ATTR_GATED:
    for (PetscInt mu = 0; mu < K; mu++) e -= (double)K / (2 * N) * a[mu] * mo[mu] * mo[mu];
    e += (double)K * A->T * extra[1];
    sample[TP_RETRIEVAL_PERPLEXITY] = exp(-extra[1]);
    break;
  case ATTR_ORACLE:
    break;
  }
  sample[TP_RETRIEVAL_ENERGY] = A->kind == ATTR_ORACLE ? NAN : e + extra[0];
  if (A->kind == ATTR_ORACLE) sample[TP_RETRIEVAL_HAMMING] = sample[TP_RETRIEVAL_SOFT_HAMMING] = A->oracle_error;
  PetscCall(VecRestoreArrayRead(m->state, &u));
  PetscFunctionReturn(0);
}

/* Relative cost of a run: K overlaps and K weights per neuron and step; the oracle has no steps. */
static PetscErrorCode AttrCost(TpModel m, PetscInt K, double *cost)
{
  Attr *A        = m->data;
  const double N = (double)A->r.N;

  PetscFunctionBegin;
  *cost = A->kind == ATTR_ORACLE ? 1e-3 * N * K : N * (2.0 * K + 40) + 200;
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
    if (DamDiscrete(A))
      PetscCall(PetscSNPrintf(buf, len, "model=dam;n=%" PetscInt_FMT ";update=%s;", A->n, DamUpdates[A->update]));
    else
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

static PetscErrorCode AttrViewResult(TpModel m, const double *first, const double *last, PetscViewer v)
{
  Attr *A = m->data;

  PetscFunctionBegin;
  PetscCall(TpRetrievalViewResult(m, first, last, v));
  if (A->cycle)
    PetscCall(PetscViewerASCIIPrintf(v, "  cycle    the synchronous update ended in a 2-cycle: the last sweep went "
                                        "back to the state before the one before\n"));
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
  PetscCall(PetscFree(A->xi));
  PetscCall(PetscFree3(A->red, A->w, A->g));
  PetscCall(PetscFree2(A->runs, A->order));
  PetscCall(PetscFree(A->before));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static const TpModelOps AttrOps = {.setfromoptions = AttrSetFromOptions,
                                   .setup          = AttrSetUp,
                                   .initialstate   = AttrInitialState,
                                   .observe        = AttrObserve,
                                   .summarize      = TpRetrievalSummarize,
                                   .viewresult     = AttrViewResult,
                                   .progress       = TpRetrievalProgress,
                                   .view           = AttrView,
                                   .describe       = AttrDescribe,
                                   .cost           = AttrCost,
                                   .destroy        = AttrDestroy,
                                   .rhs            = AttrRHS,
                                   .iterate        = DamSweep};

static PetscErrorCode AttrCreate(TpModel m, AttrKind kind)
{
  Attr *A;

  PetscFunctionBegin;
  PetscCall(PetscNew(&A));
  A->kind          = kind;
  A->sigma         = 5; /* as M1's beta_n; the gated paper's value was lost from its text */
  A->tau_x         = 1;
  A->tau_a         = 1;
  A->T             = 0.01;
  A->n             = 4;
  A->beta          = 1;
  m->data          = A;
  m->ops           = AttrOps;
  m->uses_patterns = PETSC_TRUE;
  if (kind == ATTR_ORACLE) PetscCall(TpModelSetStepperTypes(m, "none", "none"));
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
