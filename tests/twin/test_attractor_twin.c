/* The distributed M2/M3 models against a dense serial twin that forms the N x N weight matrices
   of MODELS.md explicitly: right-hand side, Lyapunov function, perplexity and a 20-step explicit
   Euler trajectory, on whatever number of ranks the test runs with.
   Usage: test_attractor_twin -model gated|hopfield|dam|modern|oracle [-N n -K k] */
#include <tprun.h>
#include <tprandom.h>

/* Non-default parameters, so that the twin and the engine must agree on each. */
static const double sigma = 2.5, tau_x = 0.8, tau_a = 1.7, T = 0.05, beta = 0.3;
static const int dam_n = 3;

typedef struct {
  int N, K, kind;   /* kind: 0 hopfield, 1 gated, 2 dam, 3 modern, 4 oracle */
  const double *xi; /* N x K row-major */
} Twin;

static double Phi(const Twin *w, double u)
{
  return w->kind == 3 ? u : tanh(sigma * u);
}

/* f = [dx | da] of the dense model; returns the Lyapunov function; *perp its perplexity (NaN if none). */
static double TwinRHS(const Twin *w, const double *x, const double *a, double *dx, double *da, double *perp)
{
  const int N = w->N, K = w->K;
  double *phi = malloc(sizeof(double) * N), *m = calloc(K, sizeof(double)), *W = calloc((size_t)N * N, sizeof(double));
  double *sm = malloc(sizeof(double) * K), E = 0;
  *perp = NAN;
  for (int i = 0; i < N; i++) phi[i] = Phi(w, x[i]);
  for (int mu = 0; mu < K; mu++)
    for (int i = 0; i < N; i++) m[mu] += w->xi[i * K + mu] * phi[i];
  if (w->kind == 0 || w->kind == 1) { /* W = (1/N) Xi Xi^T, or (K/N) Xi diag(a) Xi^T */
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++)
        for (int mu = 0; mu < K; mu++)
          W[i * N + j] += (w->kind == 0 ? 1.0 / N : (double)K / N * a[mu]) * w->xi[i * K + mu] * w->xi[j * K + mu];
    for (int i = 0; i < N; i++) {
      double h = 0;
      for (int j = 0; j < N; j++) h += W[i * N + j] * phi[j];
      dx[i] = (-x[i] + h) / tau_x;
      E += -0.5 * phi[i] * h + x[i] * phi[i] - log(cosh(sigma * x[i])) / sigma;
    }
  }
  if (w->kind == 1) {
    double mean = 0, ent = 0;
    for (int mu = 0; mu < K; mu++) mean += a[mu] * (m[mu] * m[mu] / (2.0 * N) - T * log(a[mu]));
    for (int mu = 0; mu < K; mu++) {
      da[mu] = a[mu] * (m[mu] * m[mu] / (2.0 * N) - T * log(a[mu]) - mean) / tau_a;
      ent -= a[mu] * log(a[mu]);
    }
    E -= K * T * ent;
    *perp = exp(ent);
  }
  if (w->kind == 2) { /* force sum_mu xi_i F'(m/N), F(z) = z^n/n; energy -N sum F(m/N) */
    for (int i = 0; i < N; i++) {
      double h = 0;
      for (int mu = 0; mu < K; mu++) h += w->xi[i * K + mu] * pow(m[mu] / N, dam_n - 1);
      dx[i] = (-x[i] + h) / tau_x;
      E += x[i] * phi[i] - log(cosh(sigma * x[i])) / sigma;
    }
    for (int mu = 0; mu < K; mu++) E -= (double)N / dam_n * pow(m[mu] / N, dam_n);
  }
  if (w->kind == 3) { /* x <- Xi softmax(beta Xi^T x); energy -lse(beta, m) + |x|^2/2 */
    double mx = -INFINITY, z = 0, ent = 0;
    for (int mu = 0; mu < K; mu++) mx = fmax(mx, beta * m[mu]);
    for (int mu = 0; mu < K; mu++) z += exp(beta * m[mu] - mx);
    for (int mu = 0; mu < K; mu++) {
      sm[mu] = exp(beta * m[mu] - mx) / z;
      ent -= sm[mu] * log(sm[mu]);
    }
    for (int i = 0; i < N; i++) {
      double h = 0;
      for (int mu = 0; mu < K; mu++) h += w->xi[i * K + mu] * sm[mu];
      dx[i] = (-x[i] + h) / tau_x;
      E += 0.5 * x[i] * x[i];
    }
    E -= (mx + log(z)) / beta;
    *perp = exp(ent);
  }
  if (w->kind == 4)
    for (int i = 0; i < N; i++) dx[i] = 0;
  free(phi);
  free(m);
  free(W);
  free(sm);
  return w->kind == 4 ? NAN : E;
}

static PetscErrorCode Check(MPI_Comm comm, const char *what, double got, double want, double tol)
{
  PetscFunctionBegin;
  if (PetscIsNanReal(want) && PetscIsNanReal(got)) PetscFunctionReturn(0);
  PetscCheck(PetscAbsReal(got - want) <= tol * PetscMax(1.0, PetscAbsReal(want)), comm, PETSC_ERR_PLIB,
             "%s: engine %.17g, twin %.17g", what, got, want);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm comm;
  TpRun run;
  TpNetwork network;
  TpNetworkRows rows, *net = &rows;
  TpPatterns pat;
  TpModel model;
  Vec U, F;
  PetscInt nlocal, width;
  double *sample, energy, perplexity;
  const double *pxi, *cue;
  Twin w;
  PetscMPIInt rank;
  PetscInt N, K;
  char type[32]       = "gated", buf[32];
  const char *kinds[] = {"hopfield", "gated", "dam", "modern", "oracle"};
  double *x, *a, *dx, *da, perp, E;
  const double dt = 0.02, tol = 1e-12;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", type, sizeof(type), NULL));
  {
    const struct {
      const char *name;
      double value;
    } set[] = {{"-attractor_sigma", sigma}, {"-attractor_tau_x", tau_x},
               {"-gated_tau_a", tau_a},     {"-gated_T", T},
               {"-modern_beta", beta},      {"-dam_n", dam_n}};
    for (size_t q = 0; q < sizeof(set) / sizeof(set[0]); q++) {
      PetscCall(PetscSNPrintf(buf, sizeof(buf), "%.17g", set[q].value));
      PetscCall(PetscOptionsSetValue(NULL, set[q].name, buf));
    }
  }
  PetscCall(TpRunCreate(comm, &run));
  PetscCall(TpRunSetDefaultSize(run, 13));
  PetscCall(TpRunSetFromOptions(run));
  PetscCall(TpRunGetModel(run, &model));
  PetscCall(TpRunGetNetwork(run, &network));
  PetscCall(TpRunGetPatterns(run, &pat));
  PetscCall(TpNetworkGetRows(network, &rows));
  PetscCall(TpPatternsGetSizes(pat, NULL, &K));
  PetscCall(TpPatternsGetPatterns(pat, &pxi));
  PetscCall(TpPatternsGetCue(pat, &cue, NULL, NULL));
  PetscCall(TpModelGetSolution(model, &U));
  PetscCall(VecDuplicate(U, &F));
  PetscCall(VecGetLocalSize(U, &nlocal));
  PetscCall(TpModelGetNumSeries(model, NULL, &width));
  PetscCall(PetscMalloc1(width, &sample));
  N = net->N;
  w = (Twin){.N = (int)N, .K = (int)K, .kind = -1, .xi = pxi};
  for (int q = 0; q < 5; q++)
    if (!strcmp(type, kinds[q])) w.kind = q;
  PetscCheck(w.kind >= 0, comm, PETSC_ERR_ARG_WRONG, "unknown -model %s", type);
  PetscCall(PetscMalloc4(N, &x, K, &a, N, &dx, K, &da));

  /* 1. the initial state: the cue (the oracle: the pattern nearest to it), uniform gains */
  PetscCall(TpModelInitialState(model));
  {
    const double *u;
    PetscInt best = 0, dbest = N + 1;
    for (PetscInt mu = 0; mu < K; mu++) {
      PetscInt d = 0;
      for (PetscInt i = 0; i < N; i++) d += pxi[i * K + mu] != cue[i];
      if (d < dbest) {
        dbest = d;
        best  = mu;
      }
    }
    PetscCall(VecGetArrayRead(U, &u));
    for (PetscInt i = 0; i < net->nloc; i++) {
      const PetscInt gi = TpRowGid(net, i);
      PetscCall(Check(comm, "initial x", u[i], w.kind == 4 ? pxi[gi * K + best] : cue[gi], 0));
    }
    if (w.kind == 1 && !rank)
      for (PetscInt mu = 0; mu < K; mu++) PetscCall(Check(comm, "initial a", u[net->nloc + mu], 1.0 / K, 0));
    PetscCall(VecRestoreArrayRead(U, &u));
  }

  /* 2. a random state: right-hand side, Lyapunov function and perplexity, then 20 Euler steps */
  for (PetscInt i = 0; i < N; i++) x[i] = 2 * TpUniform(7, 11, 0, (uint64_t)i) - 1;
  {
    double sum = 0;
    for (PetscInt mu = 0; mu < K; mu++) sum += (a[mu] = 0.1 + TpUniform(7, 11, 1, (uint64_t)mu));
    for (PetscInt mu = 0; mu < K; mu++) a[mu] /= sum;
  }
  for (int step = 0; step <= 20; step++) {
    double *u;
    const double *f;
    PetscCall(VecGetArray(U, &u));
    for (PetscInt i = 0; i < net->nloc; i++) u[i] = x[TpRowGid(net, i)];
    if (nlocal > net->nloc)
      for (PetscInt mu = 0; mu < K; mu++) u[net->nloc + mu] = a[mu];
    PetscCall(VecRestoreArray(U, &u));
    E = TwinRHS(&w, x, a, dx, da, &perp);
    PetscCall(TpModelComputeRHS(model, 0, U, F));
    PetscCall(TpModelObserve(model, sample));
    energy     = sample[0]; /* the retrieval's series: energy, hamming, soft hamming, perplexity, overlaps */
    perplexity = sample[3];
    PetscCall(VecGetArrayRead(F, &f));
    for (PetscInt i = 0; i < net->nloc; i++) PetscCall(Check(comm, "dx", f[i], dx[TpRowGid(net, i)], tol));
    if (nlocal > net->nloc)
      for (PetscInt mu = 0; mu < K; mu++) PetscCall(Check(comm, "da", f[net->nloc + mu], da[mu], tol));
    PetscCall(VecRestoreArrayRead(F, &f));
    if (w.kind != 4) PetscCall(Check(comm, "Lyapunov function", energy, E, tol));
    PetscCall(Check(comm, "perplexity", perplexity, perp, tol));
    /* along the twin's explicit Euler trajectory (the engine is given each of its states) */
    for (PetscInt i = 0; i < N; i++) x[i] += dt * dx[i];
    if (w.kind == 1)
      for (PetscInt mu = 0; mu < K; mu++) a[mu] += dt * da[mu];
  }
  PetscCall(PetscFree4(x, a, dx, da));
  PetscCall(PetscFree(sample));
  PetscCall(VecDestroy(&F));
  PetscCall(TpRunDestroy(&run));
  PetscCall(PetscFinalize());
  return 0;
}
