/* M5, two-factor synaptic consolidation (Iatropoulos, Gerstner & Brea, PNAS 2025; MODELS.md M5): a
   binary recurrent network s(t+1) = H(W s(t) - theta) learns M patterns x^mu in {0,1}^N of coding
   level f, each weight a product of z non-negative factors w_ij = prod_k u_ijk, each neuron
   maximising its worst margin min_mu y_i^mu h_i^mu (y = 2x - 1, h = w_i . x - theta_i) under the
   factor norm sum_jk u_ijk^2 = z L: the authors' algorithm (RNN.py, optimizer 'bp'), epoch by epoch
   on the iterate stepper.

   Each epoch, with the fields H = W X - theta of every owned neuron over every pattern (one
   product per rank, in register tiles of a fixed order: kernels.h):
     - while some neuron gets some pattern wrong (y h <= 0, anywhere in the network), every neuron
       steps on its worst pattern mu*:  u_ijk += eta y^mu* x_j^mu* prod_{l != k} u_ijl M_ij,
       theta_i -= eta_theta y^mu*;
     - once none does, the soft-min over patterns (beta; targets sign h):
       a^mu = exp(-beta |h^mu| / <|h|>) sign(h^mu) / sum_nu (...),
       u_ijk += eta (sum_mu a^mu x_j^mu) prod_{l != k} u_ijl M_ij, theta_i -= eta_theta sum_mu a^mu
       (<|h|> of the previous epoch: the authors' H_means);
     - after either: M_ij = [w_ij > 1e-10] as it was before the step (pruning: a synapse below it is
       never updated again), u <- max(u M, 1e-20), u_ii = 0, and each neuron's factors rescaled
       together to the norm (homeostatic scaling);
     - every -consolidation_check epochs the convergence test: density and margin changed by less
       than 1e-4 since the last test, density < 0.99, no error, |mean_i sum_j w^(2/z) - L| < 0.02.
   Neurons learn independently; each rank owns the input rows of its neurons (their synapses' z
   factors and thresholds) and holds the patterns, so the only communication is the error count
   (one integer sum per epoch) and the means of the series (gathered in natural order, so that
   every number is the same on any number of ranks).

   Fields: u (synapse x z), w (synapse), theta (neuron), patterns (neuron x M, the bits x_i^mu),
   h_mean (the soft-min's <|h|>; checkpoint), test (the convergence test's state; checkpoint).
   Series: error, density, margin, synaptic_margin, rho, norm, theta. */
#include "../interface/modelimpl.h"
#include "kernels.h"
#include <tph5.h>
#include <tppatterns.h>
#include <tprandom.h>
#include <tputil.h>
#include <unistd.h>

typedef enum { CONS_PATTERNS_BERNOULLI, CONS_PATTERNS_EXACT } ConsPatternType;
/* train: Fig. 2's consolidation (optimize); wake_sleep: Fig. 3's few-shot encoding awake, then replay asleep */
typedef enum { CONS_TRAIN, CONS_WAKE_SLEEP } ConsProtocol;
static const char *const ConsProtocols[]    = {"train", "wake_sleep", "ConsProtocol", "CONS_", NULL};
static const char *const ConsPatternTypes[] = {"bernoulli", "exact", "ConsPatternType", "CONS_PATTERNS_", NULL};

/* The published settings of Fig. 2 (run_rnn_f50.py) for z = 1..4; larger z take z = 4's. */
static const double PubEta[4] = {1e-4, 5e-3, 7e-3, 7e-3}, PubEtaTheta[4] = {1e-3, 5e-3, 7e-3, 7e-3},
                    PubL[4] = {10, 20, 50, 50}, PubEpochs[4] = {25, 30, 25, 25};

/* The noise of a recall test (run_rnn_f50.py): neural noise flips cue bits, synaptic noise is
   added to factors (sigma = scale x level). */
typedef enum { NOISE_BERNOULLI, NOISE_BALANCED, NOISE_GAUSS, NOISE_GAUSS1, NOISE_GAUSS1MASKED, NNOISE } ConsNoise;
static const char *const NoiseNames[]     = {"bernoulli", "bernoulli-balanced", "gauss", "gauss1", "gauss1masked"};
static const char *const NoiseSummaries[] = {"tolerance_bernoulli", "tolerance_bernoulli_balanced", "tolerance_gauss",
                                             "tolerance_gauss1", "tolerance_gauss1masked"};
static const double NoiseScale[]          = {1, 1, 0.1, 0.16, 0.2};

enum { S_ERROR, S_DENSITY, S_MARGIN, S_SYNAPTIC, S_RHO, S_NORM, S_THETA, NSTAT };

typedef struct {
  TpNetworkRows r;
  /* parameters */
  PetscInt z, M, check, seed;
  PetscReal f, alpha, u0, eta, eta_theta, L, beta;
  ConsPatternType ptype;
  ConsProtocol protocol;
  PetscInt passes;                  /* wake: passes through the patterns, one step each */
  PetscInt64 sleep;                 /* sleep: soft-min epochs */
  PetscReal eta_wake, eta_max, tau; /* wake's covariance rate; sleep's rate ramps from eta to eta_max over tau */
  PetscInt *perm, perm_pass;        /* the order of the patterns in pass perm_pass of the wake */
  double *pmargin;                  /* 2 x Mall (global, rank 0): each pattern's margin as sleep starts, and ends */
  PetscBool asleep;                 /* the retained patterns are the active ones */

  char file[PETSC_MAX_PATH_LEN];
  /* the patterns */
  double *X;                 /* Mall x N, natural order: every rank */
  PetscInt Mall;             /* the patterns; M of them are active (all but during sleep: those retained) */
  PetscInt *act;             /* M: the active patterns */
  double *retained;          /* Mall (global, rank 0): 1 for the patterns kept for sleep, -1 before the wake ends */
  PetscInt Mp, ncolp, nlocp; /* M, ncol and nloc rounded up to whole tiles (kernels.h) */
  double *XT;                /* ncol x Mp: column slot c's bits over the patterns (zero beyond M) */
  double *Xm;                /* M x ncolp: pattern mu over the column slots (zero beyond ncol) */
  double *y;                 /* nlocp x Mp, tiled (kernels.h): targets 2 x - 1 of the owned neurons (0: padding) */
  char *xloc;                /* nloc x M: the owned neurons' bits (field patterns) */
  /* the state */
  double *u;             /* nsyn_loc x z */
  double *w;             /* nsyn_loc: prod_k u */
  double *theta, *hmean; /* nloc */
  double test[3];        /* global (rank 0): density and margin at the last test, the epoch it passed (0: none) */
  double last[3];        /* the same, on every rank */
  /* work */
  PetscInt *slot; /* index of each local synapse in the tiled Wd */
  PetscInt *cs;   /* its column slot */
  char *self;     /* synapse i <- i */
  PetscInt *nrow; /* synapses of each owned row (the density's denominator) */
  double *Wd;     /* nlocp x ncol, tiled (kernels.h): weights */
  double *Gd;     /* nlocp x ncolp, tiled: the soft-min's sum_mu a^mu x_j^mu; a row's scratch */
  double *H;      /* nlocp x Mp, tiled: h - theta, or the soft-min weights a */
  double *asum;   /* nloc */
  double *sq;     /* a row's squared factors */
  /* recall tests after training (-consolidation_tolerance) */
  PetscInt nkinds, nlevels, ntrials, rsteps;
  ConsNoise kinds[NNOISE];
  PetscReal pmax;
  double *levels;          /* nlevels: the noise levels p */
  double *rate;            /* nkinds x nlevels: recall rate (field recall_rate, held by rank 0) */
  double tol[NNOISE];      /* the noise at which the recall rate crosses 0.5 */
  PetscBool above[NNOISE]; /* it never did: at least the largest level */
  PetscBool tested;        /* the tests ran */
  double *un, *thn, *Wn;   /* the factors and thresholds rescaled to mean surviving u = 0.1; a weight copy (tiled) */
  double *ST, *Sown;       /* the network's state over the patterns: column slots (ncol x Mp), owned rows (nloc x Mp) */
} Cons;

static PetscErrorCode ConsSetFromOptions(TpModel m)
{
  Cons *C = m->data;
  double N;
  PetscBool mset, aset, fset, eset, tset, lset;
  PetscInt zi;
  double ac;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(m->net, &C->r));
  N = (double)C->r.N;
  PetscCall(TpNetworkGetSeed(m->net, &C->seed));
  PetscOptionsBegin(m->comm, m->prefix, "M5: two-factor synaptic consolidation", "TpModel");
  PetscCall(PetscOptionsEnum("-protocol",
                             "train (Fig. 2: learn all patterns to convergence) or wake_sleep (Fig. 3: few-shot "
                             "Hebbian encoding awake, then consolidation by replay asleep)",
                             "", ConsProtocols, (PetscEnum)C->protocol, (PetscEnum *)&C->protocol, NULL));
  if (C->protocol == CONS_WAKE_SLEEP) { /* run_rnn_wake-sleep.py */
    C->f     = 0.05;
    C->u0    = 0.6;
    C->beta  = 20;
    C->ptype = CONS_PATTERNS_EXACT;
  }
  PetscCall(PetscOptionsInt("-z", "Factors per synapse, w = prod_k u_k (1: a plain weight; 2: the two-factor synapse)",
                            "", C->z, &C->z, NULL));
  PetscCall(PetscOptionsReal("-f", "Coding level: the probability of a 1 in a pattern", "", C->f, &C->f, &fset));
  PetscCall(PetscOptionsReal("-alpha", "Load M/N (M = round(alpha N) patterns)", "", C->alpha, &C->alpha, &aset));
  PetscCall(PetscOptionsInt("-M", "Number of patterns (instead of -consolidation_alpha)", "", C->M, &C->M, &mset));
  PetscCall(PetscOptionsEnum("-pattern_type",
                             "Random patterns: bernoulli (each bit 1 with probability f, no neuron "
                             "silent in every pattern) or exact (round(f N) ones each)",
                             "", ConsPatternTypes, (PetscEnum)C->ptype, (PetscEnum *)&C->ptype, NULL));
  PetscCall(PetscOptionsString("-patterns_file", "HDF5 file with /patterns (M x N, values 0/1)", "", C->file, C->file,
                               sizeof(C->file), NULL));
  PetscCheck(C->z >= 1 && C->z <= CONS_ZMAX, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_z must lie in [1, %d]; got %" PetscInt_FMT, CONS_ZMAX, C->z);
  zi           = PetscMin(C->z, 4) - 1;
  C->eta       = PubEta[zi];
  C->eta_theta = PubEtaTheta[zi];
  C->L         = PubL[zi] * N / 1000.0;
  if (C->protocol == CONS_WAKE_SLEEP) {
    C->eta = C->eta_theta = 1e-2;
    C->L                  = 70 * N / 1000.0;
  }
  PetscCall(PetscOptionsReal(
      "-u0", "Initial factors uniform in [0.7 u0, 1.3 u0] (wake_sleep: all equal to u0, as the authors)", "", C->u0,
      &C->u0, NULL));
  if (C->protocol == CONS_WAKE_SLEEP) {
    PetscCall(PetscOptionsInt("-wake_passes", "Passes through the patterns awake, one step each in a random order", "",
                              C->passes, &C->passes, NULL));
    PetscCall(TpOptionsInt64("-sleep_epochs", "Soft-min epochs of replay asleep", "", C->sleep, &C->sleep, NULL));
    PetscCall(PetscOptionsReal("-eta_wake", "Rate of the covariance rule on the first factor awake", "", C->eta_wake,
                               &C->eta_wake, NULL));
    PetscCall(PetscOptionsReal("-sleep_eta_max", "Asleep the rate ramps from -consolidation_eta to this", "",
                               C->eta_max, &C->eta_max, NULL));
    PetscCall(PetscOptionsReal("-sleep_eta_tau", "... with this time constant (epochs)", "", C->tau, &C->tau, NULL));
  }

  PetscCall(PetscOptionsReal("-eta", "Learning rate of the factors (published: 1e-4, 5e-3, 7e-3, 7e-3 for z = 1..4)",
                             "", C->eta, &C->eta, &eset));
  PetscCall(PetscOptionsReal("-eta_theta", "Learning rate of the thresholds (published: 1e-3, 5e-3, 7e-3, 7e-3)", "",
                             C->eta_theta, &C->eta_theta, &tset));
  PetscCall(PetscOptionsReal("-L",
                             "Factor norm: sum_jk u_ijk^2 = z L per neuron (published 10, 20, 50, 50 at N = 1000; "
                             "scaled by N/1000)",
                             "", C->L, &C->L, &lset));
  PetscCall(PetscOptionsReal("-beta", "Sharpness of the soft-min over patterns", "", C->beta, &C->beta, NULL));
  PetscCall(PetscOptionsInt("-check", "Epochs between two convergence tests", "", C->check, &C->check, NULL));
  {
    char *names[NNOISE];
    PetscInt n = NNOISE;
    PetscBool set;
    PetscCall(PetscOptionsStringArray("-tolerance",
                                      "After training, the recall rate against noise and the tolerance, for these "
                                      "noise kinds: bernoulli, bernoulli-balanced (neural), gauss, gauss1, "
                                      "gauss1masked (synaptic)",
                                      "", names, &n, &set));
    if (set) {
      C->nkinds = 0;
      for (PetscInt q = 0; q < n; q++) {
        PetscInt k = 0;
        while (k < NNOISE && strcmp(names[q], NoiseNames[k])) k++;
        if (k == NNOISE) {
          char bad[64];
          PetscCall(PetscStrncpy(bad, names[q], sizeof(bad)));
          for (PetscInt r = 0; r < n; r++) PetscCall(PetscFree(names[r]));
          SETERRQ(m->comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
                  "Option -consolidation_tolerance: unknown noise kind '%s' (bernoulli, bernoulli-balanced, gauss, "
                  "gauss1, gauss1masked)",
                  bad);
        }
        C->kinds[C->nkinds++] = (ConsNoise)k;
      }
      for (PetscInt r = 0; r < n; r++) PetscCall(PetscFree(names[r]));
    }
  }
  PetscCall(PetscOptionsInt("-tolerance_levels", "Noise levels of the recall tests, evenly from 0 to the largest", "",
                            C->nlevels, &C->nlevels, NULL));
  PetscCall(PetscOptionsReal("-tolerance_max",
                             "Largest noise level p (flip probability; synaptic sigma = 0.1, 0.16, 0.2 p)", "", C->pmax,
                             &C->pmax, NULL));
  PetscCall(PetscOptionsInt("-tolerance_trials", "Trials per noise level", "", C->ntrials, &C->ntrials, NULL));
  PetscCall(
      PetscOptionsInt("-recall_steps", "Steps of s <- H(W s - theta) from the cue", "", C->rsteps, &C->rsteps, NULL));
  PetscOptionsEnd();
  PetscCheck(C->nlevels >= 2, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_tolerance_levels must be at least 2; got %" PetscInt_FMT, C->nlevels);
  PetscCheck(C->pmax > 0 && C->pmax <= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_tolerance_max must lie in (0, 1]; got %g", (double)C->pmax);
  PetscCheck(C->ntrials >= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_tolerance_trials must be positive; got %" PetscInt_FMT, C->ntrials);
  PetscCheck(C->rsteps >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_recall_steps must not be negative; got %" PetscInt_FMT, C->rsteps);
  PetscCheck(!(mset && aset), m->comm, PETSC_ERR_ARG_INCOMP,
             "Options -consolidation_M and -consolidation_alpha both given (%" PetscInt_FMT ", %g): give one", C->M,
             (double)C->alpha);
  PetscCheck(C->f > 0 && C->f < 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_f (coding level) must lie in (0, 1); got %g", (double)C->f);
  PetscCheck(C->u0 > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -consolidation_u0 must be positive; got %g",
             (double)C->u0);
  PetscCheck(C->eta > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -consolidation_eta must be positive; got %g",
             (double)C->eta);
  PetscCheck(C->eta_theta >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_eta_theta must not be negative; got %g", (double)C->eta_theta);
  PetscCheck(C->L > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -consolidation_L must be positive; got %g",
             (double)C->L);
  PetscCheck(C->beta > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -consolidation_beta must be positive; got %g",
             (double)C->beta);
  PetscCheck(C->check > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_check must be positive; got %" PetscInt_FMT, C->check);
  if (C->file[0]) {
    PetscInt K, Nf;
    PetscCheck(!aset, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -consolidation_alpha given with -consolidation_patterns_file '%s' (the file sets M)", C->file);
    PetscCall(TpPatternsReadBinary(m->comm, C->file, "-consolidation_patterns_file", &K, &Nf, &C->X));
    PetscCheck(Nf == C->r.N, m->comm, PETSC_ERR_ARG_INCOMP,
               "Patterns file '%s' (option -consolidation_patterns_file) has patterns of %" PetscInt_FMT
               " neurons, the network %" PetscInt_FMT " (option -N)",
               C->file, Nf, C->r.N);
    PetscCheck(!mset || K == C->M, m->comm, PETSC_ERR_ARG_INCOMP,
               "Option -consolidation_M %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " patterns in '%s'", C->M,
               K, C->file);
    C->M = K;
    if (!fset) { /* the coding level of the file */
      double s = 0;
      for (size_t q = 0; q < (size_t)K * Nf; q++) s += C->X[q];
      C->f = s / ((double)K * Nf);
      PetscCheck(C->f > 0 && C->f<1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                                  "Patterns file '%s' (option -consolidation_patterns_file) is all %s: coding level %g",
                                  C->file, C->f> 0
                     ? "ones"
                     : "zeros",
                 C->f);
    }
  } else if (!mset) {
    PetscCheck(C->alpha > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -consolidation_alpha (load M/N) must be positive; got %g", (double)C->alpha);
    C->M = (PetscInt)PetscMax(1, round(C->alpha * N));
  }
  PetscCheck(C->M >= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -consolidation_M (number of patterns) must be positive; got %" PetscInt_FMT, C->M);
  C->alpha = C->M / N;
  C->Mall  = C->M;
  if (C->protocol == CONS_WAKE_SLEEP) {
    PetscCheck(C->passes >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -consolidation_wake_passes must not be negative; got %" PetscInt_FMT, C->passes);
    PetscCheck(C->sleep >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -consolidation_sleep_epochs must not be negative; got %" PetscInt64_FMT, C->sleep);
    PetscCheck(C->eta_wake >= 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -consolidation_eta_wake must not be negative; got %g", (double)C->eta_wake);
    PetscCheck(C->tau > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -consolidation_sleep_eta_tau must be positive; got %g", (double)C->tau);
  }
  ac = ConsCriticalLoad(C->f);
  PetscCheck(C->alpha <= ac, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Load M/N = %" PetscInt_FMT "/%" PetscInt_FMT " = %g is beyond the critical capacity %.4g of coding level "
             "f = %g (option -consolidation_alpha or -consolidation_M): no network stores it",
             C->M, C->r.N, (double)C->alpha, ac, (double)C->f);
  PetscFunctionReturn(0);
}

/* The patterns, from the keyed stream (seed, stream, neuron, pattern): the same on any number of ranks. */
static PetscErrorCode ConsMakePatterns(TpModel m)
{
  Cons *C          = m->data;
  const PetscInt N = C->r.N, M = C->M;

  PetscFunctionBegin;
  if (C->X) PetscFunctionReturn(0); /* from the file */
  PetscCall(PetscCalloc1((size_t)M * N + 1, &C->X));
  if (C->ptype == CONS_PATTERNS_BERNOULLI) {
    for (PetscInt i = 0; i < N; i++) {
      PetscInt ones = 0;
      for (uint64_t attempt = 0; !ones; attempt++) {
        PetscCheck(attempt < 10000, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
                   "Neuron %" PetscInt_FMT " is silent in all %" PetscInt_FMT
                   " patterns after 10000 draws at coding level %g: raise -consolidation_f or the load",
                   i, M, (double)C->f);
        for (PetscInt mu = 0; mu < M; mu++) {
          const double x =
              TpUniform((uint64_t)C->seed, TP_STREAM_M5_PATTERNS, attempt << 32 | (uint64_t)i, (uint64_t)mu) < C->f;
          C->X[(size_t)mu * N + i] = x;
          ones += (PetscInt)x;
        }
      }
    }
  } else {
    const PetscInt n1 = (PetscInt)round(C->f * N);
    PetscInt *idx;
    PetscCheck(n1 >= 1 && n1 < N, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -consolidation_pattern_type exact: round(f N) = %" PetscInt_FMT " ones of %" PetscInt_FMT
               " (f = %g) leaves the patterns constant",
               n1, N, (double)C->f);
    PetscCall(PetscMalloc1(N, &idx));
    for (PetscInt mu = 0; mu < M; mu++) { /* the first n1 of a Fisher-Yates shuffle */
      for (PetscInt i = 0; i < N; i++) idx[i] = i;
      for (PetscInt t = 0; t < n1; t++) {
        const PetscInt j =
            t + (PetscInt)(TpUniform((uint64_t)C->seed, TP_STREAM_M5_PATTERNS, 1ULL << 63 | (uint64_t)mu, (uint64_t)t) *
                           (double)(N - t));
        const PetscInt s              = idx[t];
        idx[t]                        = idx[j];
        idx[j]                        = s;
        C->X[(size_t)mu * N + idx[t]] = 1;
      }
    }
    PetscCall(PetscFree(idx));
  }
  PetscFunctionReturn(0);
}

/* Element (i, k) of a tiled array of rows of n: the CONS_TR rows of a tile interleaved. */
static inline size_t TileIndex(PetscInt i, PetscInt k, PetscInt n)
{
  return ((size_t)(i / CONS_TR) * n + k) * CONS_TR + i % CONS_TR;
}

/* The pattern arrays of the first n patterns of the list act: XT, Xm, the targets y. */
static void ActivatePatterns(Cons *C, PetscInt n)
{
  const PetscInt N = C->r.N, ncol = C->r.ncol;

  C->M  = n;
  C->Mp = (n + CONS_TV - 1) / CONS_TV * CONS_TV;
  memset(C->y, 0, sizeof(double) * (size_t)C->nlocp * C->Mp);
  memset(C->XT, 0, sizeof(double) * (size_t)ncol * C->Mp);
  memset(C->Xm, 0, sizeof(double) * (size_t)n * C->ncolp);
  for (PetscInt a = 0; a < n; a++) {
    const double *x = C->X + (size_t)C->act[a] * N;
    for (PetscInt c = 0; c < ncol; c++)
      C->XT[(size_t)c * C->Mp + a] = C->Xm[(size_t)a * C->ncolp + c] = x[C->r.colgid[c]];
    for (PetscInt i = 0; i < C->r.nloc; i++) C->y[TileIndex(i, a, C->Mp)] = 2 * x[TpRowGid(&C->r, i)] - 1;
  }
}

static PetscErrorCode ConsSetUp(TpModel m)
{
  Cons *C          = m->data;
  const PetscInt z = C->z, M = C->M, nloc = C->r.nloc, ncol = C->r.ncol, N = C->r.N;
  const TpFieldInfo fields[] = {
      {"u", TP_ENTITY_SYNAPSE, z, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
       "the z factors of each synapse, w = prod_k u_k"},
      {"w", TP_ENTITY_SYNAPSE, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT, "the weight of each synapse (pruned: below 1e-10)"},
      {"theta", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "the thresholds"},
      {"patterns", TP_ENTITY_NEURON, M, PETSC_CHAR, TP_FIELD_OUTPUT, "x_i^mu: neuron i's bit in pattern mu"},
      {"h_mean", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_CHECKPOINT, "mean |h| over the patterns, last epoch"},
      {"test", TP_ENTITY_GLOBAL, 3, PETSC_DOUBLE, TP_FIELD_CHECKPOINT,
       "density and margin at the last convergence test, and the epoch it passed (0: not yet)"}};
  const TpSeriesInfo series[] = {
      {"error", "observables/error", 1, PETSC_FALSE, "fraction of (neuron, pattern) pairs on the wrong side"},
      {"density", "observables/density", 1, PETSC_FALSE, "fraction of connections with w > 1e-10"},
      {"margin", "observables/margin", 1, PETSC_FALSE, "mean over neurons of min_mu y h / |w|_2"},
      {"synaptic_margin", "observables/synaptic_margin", 1, PETSC_FALSE,
       "mean of min_mu y h / sqrt(sum_j w^(2 - 2/z)): the SNR against noise on one factor"},
      {"rho", "observables/rho", 1, PETSC_FALSE, "mean of min_mu y h / (mean_j w sqrt(N f (1-f)))"},
      {"norm", "observables/norm", 1, PETSC_FALSE, "mean over neurons of sum_j w^(2/z) (L at convergence)"},
      {"theta", "observables/theta", 1, PETSC_FALSE, "mean threshold"}};
  const TpSummaryInfo summary[] = {
      {"error", PETSC_DOUBLE, TP_SUMMARY_MEAN, "stored", "fraction of wrong (neuron, pattern) pairs at the end"},
      {"density", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "surviving connections"},
      {"margin", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "neural margin"},
      {"synaptic_margin", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "synaptic margin"},
      {"rho", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "margin over mean weight"},
      {"norm", PETSC_DOUBLE, 0, NULL, "mean sum_j w^(2/z)"},
      {"converged", PETSC_INT64, 0, NULL, "the epoch the convergence test passed (0: it did not)"}};
  double bytes;

  PetscFunctionBegin;
  /* the dense rows, work and patterns, refused before anything is allocated when they cannot fit */
  bytes = 8.0 * ((double)(nloc + CONS_TR) * (ncol + CONS_TV) * 2 + (double)C->r.nsyn_loc * (z + 1) +
                 (double)(M + CONS_TV) * (N + 2 * ncol + 3 * nloc + 2 * CONS_TV));
  {
    double node, most = bytes;
    PetscMPIInt on_node;
    PetscCall(TpNodeMemory(m->comm, &node, &on_node));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &most, 1, MPI_DOUBLE, MPI_MAX, m->comm));
    PetscCheck(most * on_node < 0.9 * node, m->comm, PETSC_ERR_MEM,
               "Model consolidation with N = %" PetscInt_FMT " and M = %" PetscInt_FMT
               " needs %.3g GiB per rank (dense rows, patterns, factors); %d ranks of this node have %.3g GiB: use "
               "more nodes, or smaller -N or -consolidation_M",
               N, M, most / 1073741824.0, on_node, node / 1073741824.0);
  }
  PetscCall(ConsMakePatterns(m));
  C->Mp    = (M + CONS_TV - 1) / CONS_TV * CONS_TV;
  C->ncolp = (ncol + CONS_TV - 1) / CONS_TV * CONS_TV;
  C->nlocp = (nloc + CONS_TR - 1) / CONS_TR * CONS_TR;
  PetscCall(PetscMalloc3((size_t)nloc * M + 1, &C->xloc, M, &C->act, M, &C->retained));
  PetscCall(PetscCalloc4((size_t)C->nlocp * C->Mp + 1, &C->y, (size_t)ncol * C->Mp + 1, &C->XT,
                         (size_t)M * C->ncolp + 1, &C->Xm, (size_t)C->nlocp * C->Mp + 1, &C->H));
  for (PetscInt i = 0; i < nloc; i++)
    for (PetscInt mu = 0; mu < M; mu++) C->xloc[(size_t)i * M + mu] = (char)C->X[(size_t)mu * N + TpRowGid(&C->r, i)];
  for (PetscInt mu = 0; mu < M; mu++) C->act[mu] = mu;
  ActivatePatterns(C, M);
  PetscCall(PetscMalloc4((size_t)C->r.nsyn_loc * z + 1, &C->u, C->r.nsyn_loc + 1, &C->w, C->nlocp + 1, &C->theta,
                         nloc + 1, &C->hmean));
  PetscCall(PetscMalloc5(C->r.nsyn_loc + 1, &C->slot, C->r.nsyn_loc + 1, &C->cs, C->r.nsyn_loc + 1, &C->self, nloc + 1,
                         &C->nrow, nloc + 1, &C->asum));
  PetscCall(PetscCalloc2((size_t)C->nlocp * ncol + 1, &C->Wd, (size_t)C->nlocp * C->ncolp + 1, &C->Gd));
  {
    PetscInt most = 0;
    for (PetscInt i = 0; i < nloc; i++) most = PetscMax(most, C->r.rowptr[i + 1] - C->r.rowptr[i]);
    PetscCall(PetscMalloc1(most + 1, &C->sq));
  }
  for (PetscInt i = 0; i < nloc; i++) {
    C->nrow[i] = C->r.rowptr[i + 1] - C->r.rowptr[i];
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      const PetscInt c = C->r.col ? C->r.col[q] : q - C->r.rowptr[i];
      C->slot[q]       = (PetscInt)TileIndex(i, c, ncol);
      C->cs[q]         = c;
      C->self[q]       = C->r.colgid[c] == TpRowGid(&C->r, i);
    }
  }
  PetscCall(TpModelDeclareArrayField(m, &fields[0], C->u));
  PetscCall(TpModelDeclareArrayField(m, &fields[1], C->w));
  PetscCall(TpModelDeclareArrayField(m, &fields[2], C->theta));
  PetscCall(TpModelDeclareArrayField(m, &fields[3], C->xloc));
  PetscCall(TpModelDeclareArrayField(m, &fields[4], C->hmean));
  PetscCall(TpModelDeclareArrayField(m, &fields[5], C->test));
  for (size_t q = 0; q < sizeof(series) / sizeof(series[0]); q++) PetscCall(TpModelDeclareSeries(m, &series[q]));
  for (size_t q = 0; q < sizeof(summary) / sizeof(summary[0]); q++) PetscCall(TpModelDeclareSummary(m, &summary[q]));
  if (C->nkinds) {
    const TpFieldInfo tf[] = {
        {"noise_levels", TP_ENTITY_GLOBAL, C->nlevels, PETSC_DOUBLE, TP_FIELD_OUTPUT,
         "the noise levels p of the recall tests (synaptic sigma = 0.1, 0.16, 0.2 p for gauss, gauss1, gauss1masked)"},
        {"recall_rate", TP_ENTITY_GLOBAL, C->nkinds * C->nlevels, PETSC_DOUBLE, TP_FIELD_OUTPUT,
         "the fraction of patterns recalled at each level, the -consolidation_tolerance kinds one after the other"}};
    PetscCall(PetscMalloc2(C->nlevels, &C->levels, C->nkinds * C->nlevels, &C->rate));
    for (PetscInt l = 0; l < C->nlevels; l++) C->levels[l] = C->pmax * l / (C->nlevels - 1);
    for (PetscInt q = 0; q < C->nkinds * C->nlevels; q++) C->rate[q] = NAN;
    PetscCall(PetscMalloc5((size_t)C->r.nsyn_loc * z + 1, &C->un, C->nlocp + 1, &C->thn, (size_t)C->nlocp * ncol + 1,
                           &C->Wn, (size_t)ncol * C->Mp + 1, &C->ST, (size_t)nloc * C->Mp + 1, &C->Sown));
    PetscCall(PetscArrayzero(C->Wn, (size_t)C->nlocp * ncol));
    PetscCall(PetscArrayzero(C->thn, C->nlocp));
    PetscCall(TpModelDeclareArrayField(m, &tf[0], C->levels));
    PetscCall(TpModelDeclareArrayField(m, &tf[1], C->rate));
    for (PetscInt q = 0; q < C->nkinds; q++) {
      const TpSummaryInfo ts = {NoiseSummaries[C->kinds[q]], PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL,
                                "the noise level (neural: p; synaptic: sigma) where the recall rate crosses 0.5"};
      PetscCall(TpModelDeclareSummary(m, &ts));
    }
  }
  {
    const double per = 500.0 * M * PubEpochs[PetscMin(z, 4) - 1];
    m->default_steps = C->protocol == CONS_WAKE_SLEEP ? (PetscInt64)C->passes * M + C->sleep : (PetscInt64)per;
    m->default_every = C->protocol == CONS_WAKE_SLEEP ? PetscMax(1, M / 4) : 1000;
  }
  PetscCall(PetscMalloc1(M + 1, &C->perm));
  PetscCall(PetscMalloc1(2 * M + 1, &C->pmargin));
  for (PetscInt q = 0; q < 2 * M; q++) C->pmargin[q] = NAN;
  if (C->protocol == CONS_WAKE_SLEEP) {
    const TpFieldInfo pf = {"pattern_margin",
                            TP_ENTITY_GLOBAL,
                            2 * M,
                            PETSC_DOUBLE,
                            TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
                            "each retained pattern's margin min_i y_i h_i / |w_i|, as sleep starts (first M) and "
                            "at its end (last M); NaN for the others"};
    PetscCall(TpModelDeclareArrayField(m, &pf, C->pmargin));
    const TpFieldInfo rf = {"retained",
                            TP_ENTITY_GLOBAL,
                            M,
                            PETSC_DOUBLE,
                            TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT,
                            "1 for the patterns that were fixed points after the wake and were replayed asleep, 0 for "
                            "the others (-1: still awake)"};
    PetscCall(TpModelDeclareArrayField(m, &rf, C->retained));
  }
  PetscFunctionReturn(0);
}

/* w = prod u of row i's synapses into w and the dense rows */
static void RowWeights(Cons *C, PetscInt i)
{
  for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
    C->w[q]           = ConsWeight((int)C->z, C->u + (size_t)q * C->z);
    C->Wd[C->slot[q]] = C->w[q];
  }
}

/* homeostatic scaling of row i: its factors divided together by sqrt(sum_jk u^2 / L / z) */
static void RowNormalize(Cons *C, PetscInt i)
{
  const size_t a = (size_t)C->r.rowptr[i] * C->z, b = (size_t)C->r.rowptr[i + 1] * C->z;
  double s = 0, c;
  for (size_t p = a; p < b; p++) s += C->u[p] * C->u[p];
  if (s > 0) {
    c = sqrt(s / C->L / (double)C->z);
    for (size_t p = a; p < b; p++) C->u[p] /= c;
  }
  RowWeights(C, i);
}

/* H = W X - theta over the owned rows, each field summed over the presynaptic neurons in
   ascending order (no BLAS: the same bits on any number of ranks, whatever the rows), pruned
   synapses skipped where a whole tile column is. */
/* Rows of n doubles per cache block of the products (at most 512 KiB: within a core's L2). */
static size_t CacheBlock(size_t n)
{
  return PetscMax(CONS_TR, (size_t)65536 / PetscMax(n, 1));
}

static void ComputeFieldsOf(Cons *C, const double *Wd, const double *XT, const double *theta, double *H)
{

  const size_t ncol = (size_t)C->r.ncol, Mp = (size_t)C->Mp, B = CacheBlock(Mp);

  for (size_t c0 = 0; c0 < ncol || c0 == 0; c0 += B) /* blocks of columns whose patterns stay in cache */
    for (size_t t = 0; t < (size_t)C->nlocp / CONS_TR; t++)
      for (size_t mu0 = 0; mu0 < Mp; mu0 += CONS_TV)
        ConsFieldsTile(PetscMin(B, ncol - c0), Wd + (t * ncol + c0) * CONS_TR, XT + c0 * Mp + mu0, Mp,
                       H + (t * Mp + mu0) * CONS_TR, c0 == 0);
  for (size_t t = 0; t < (size_t)C->nlocp / CONS_TR; t++)
    for (size_t p = 0; p < Mp; p++)
      for (int r = 0; r < CONS_TR; r++) H[(t * Mp + p) * CONS_TR + r] -= theta[t * CONS_TR + r];
}

static void ComputeFields(Cons *C)
{
  ComputeFieldsOf(C, C->Wd, C->XT, C->theta, C->H);
}

/* G_ic = sum_mu a_i^mu x_c^mu (a in place of H) */
static void ComputeSoftMinGradient(Cons *C)
{
  const size_t M = (size_t)C->M, Mp = (size_t)C->Mp, ncolp = (size_t)C->ncolp, B = CacheBlock(ncolp);

  for (size_t m0 = 0; m0 < M || m0 == 0; m0 += B) /* blocks of patterns whose bits stay in cache */
    for (size_t t = 0; t < (size_t)C->nlocp / CONS_TR; t++)
      for (size_t c0 = 0; c0 < ncolp; c0 += CONS_TV)
        ConsGradientTile(PetscMin(B, M - m0), C->H + (t * Mp + m0) * CONS_TR, C->Xm + m0 * ncolp + c0, ncolp,
                         C->Gd + (t * ncolp + c0) * CONS_TR, m0 == 0);
}

/* Sums over all neurons of nv values per neuron, in natural order on rank 0 whatever the ranks:
   the same bits on any number of them. */
static PetscErrorCode NeuronSums(TpModel m, PetscInt nv, const double *loc, double *sums)
{
  PetscCount nnat, start;
  MPI_Datatype t;
  PetscMPIInt size, rank, cnt, dsp, *counts = NULL, *displs = NULL;
  double *nat, *all = NULL;
  const PetscInt N = ((Cons *)m->data)->r.N;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  PetscCall(TpNetworkGetNaturalSizes(m->net, TP_PER_NEURON, &nnat, &start));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)nv, MPI_DOUBLE, &t));
  PetscCallMPI(MPI_Type_commit(&t));
  PetscCall(PetscMalloc1((size_t)nnat * nv + 1, &nat));
  PetscCall(TpNetworkToNatural(m->net, TP_PER_NEURON, t, loc, nat));
  PetscCallMPI(MPI_Type_free(&t));
  PetscCall(PetscMPIIntCast(nnat * nv, &cnt));
  PetscCall(PetscMPIIntCast(start * nv, &dsp));
  if (!rank) PetscCall(PetscMalloc3(size, &counts, size, &displs, (size_t)N * nv + 1, &all));
  PetscCallMPI(MPI_Gather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, 0, m->comm));
  PetscCallMPI(MPI_Gather(&dsp, 1, MPI_INT, displs, 1, MPI_INT, 0, m->comm));
  PetscCallMPI(MPI_Gatherv(nat, cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, m->comm));
  if (!rank)
    for (PetscInt v = 0; v < nv; v++) {
      double s = 0;
      for (PetscInt g = 0; g < N; g++) s += all[(size_t)g * nv + v];
      sums[v] = s;
    }
  PetscCallMPI(MPI_Bcast(sums, (PetscMPIInt)nv, MPI_DOUBLE, 0, m->comm));
  PetscCall(PetscFree(nat));
  if (!rank) PetscCall(PetscFree3(counts, displs, all));
  PetscFunctionReturn(0);
}

/* The series from the fields H of the current weights: means over neurons (error: over pairs). */
static PetscErrorCode ConsStats(TpModel m, double *stat)
{
  Cons *C          = m->data;
  const PetscInt M = C->M, nloc = C->r.nloc, z = C->z;
  const double qn = 2.0 / z, qs = 2.0 - 2.0 / z, sq = sqrt(C->r.N * C->f * (1 - C->f));
  double *v;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1((size_t)nloc * NSTAT + 1, &v));
  for (PetscInt i = 0; i < nloc; i++) {
    const double *h = C->H + TileIndex(i, 0, C->Mp), *y = C->y + TileIndex(i, 0, C->Mp);
    double err = 0, kappa = INFINITY, s1 = 0, s2 = 0, sn = 0, ss = 0, alive = 0, *o = v + (size_t)i * NSTAT;
    for (PetscInt mu = 0; mu < M; mu++) {
      err += (1 - y[mu * CONS_TR] * ConsSign(h[mu * CONS_TR])) / 2;
      kappa = PetscMin(kappa, y[mu * CONS_TR] * h[mu * CONS_TR]);
    }
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      const double w = C->w[q];
      s1 += w;
      s2 += w * w;
      sn += pow(w, qn);
      ss += z == 1 ? 1.0 : pow(w, qs);
      alive += w > CONS_PRUNE;
    }
    if (!M) kappa = NAN; /* asleep with no pattern retained */
    o[S_ERROR]    = err;
    o[S_DENSITY]  = C->nrow[i] ? alive / C->nrow[i] : 0;
    o[S_MARGIN]   = kappa / sqrt(s2);
    o[S_SYNAPTIC] = kappa / sqrt(ss);
    o[S_RHO]      = kappa / (s1 / C->nrow[i] * sq);
    o[S_NORM]     = sn;
    o[S_THETA]    = C->theta[i];
  }
  PetscCall(NeuronSums(m, NSTAT, v, stat));
  PetscCall(PetscFree(v));
  stat[S_ERROR] = M ? stat[S_ERROR] / ((double)C->r.N * M) : 0;

  for (PetscInt s = S_DENSITY; s < NSTAT; s++) stat[s] /= (double)C->r.N;
  PetscFunctionReturn(0);
}

/* u ~ U[0.7 u0, 1.3 u0] keyed by (post, pre, factor), u_ii = 0, normalised; theta from the
   Gaussian approximation; <|h|> of the start (the soft-min needs one should no pattern be wrong
   at the first epoch, where the authors' code has none). */
static PetscErrorCode ConsInitialState(TpModel m)
{
  Cons *C          = m->data;
  const PetscInt z = C->z, M = C->M;
  double stat[NSTAT];
  PetscMPIInt rank;

  PetscFunctionBegin;
  for (PetscInt mu = 0; mu < C->Mall; mu++) {
    C->act[mu]      = mu;
    C->retained[mu] = -1;
  }
  ActivatePatterns(C, C->Mall);
  C->perm_pass = -1;
  C->asleep    = PETSC_FALSE;
  for (PetscInt i = 0; i < C->r.nloc; i++) {
    const uint64_t gi = (uint64_t)TpRowGid(&C->r, i);
    double sw = 0, sw2 = 0;
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      const uint64_t gj = (uint64_t)C->r.colgid[C->cs[q]];
      for (PetscInt k = 0; k < z; k++)
        C->u[(size_t)q * z + k] =
            C->self[q] ? 0.0
            : C->protocol == CONS_WAKE_SLEEP
                ? C->u0
                : C->u0 * (0.7 + 0.6 * TpUniform((uint64_t)C->seed, TP_STREAM_M5_FACTORS, gi, gj * z + k));
    }
    if (C->protocol == CONS_WAKE_SLEEP)
      RowWeights(C, i); /* the authors' wake starts unscaled */
    else
      RowNormalize(C, i);
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      sw += C->w[q];
      sw2 += C->w[q] * C->w[q];
    }
    C->theta[i] = ConsBias(C->f, sw, sw2);
  }
  ComputeFields(C);
  for (PetscInt i = 0; i < C->r.nloc; i++) {
    double s = 0;
    for (PetscInt mu = 0; mu < M; mu++) s += PetscAbsReal(C->H[TileIndex(i, mu, C->Mp)]);
    C->hmean[i] = s / M;
  }
  PetscCall(ConsStats(m, stat));
  C->last[0] = stat[S_DENSITY];
  C->last[1] = stat[S_MARGIN];
  C->last[2] = 0;
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  if (!rank) PetscCall(PetscArraycpy(C->test, C->last, 3));
  PetscFunctionReturn(0);
}

/* after a checkpoint set u, theta, h_mean and the test: the weights, and the test on every rank */
static PetscErrorCode ConsLoaded(TpModel m)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < C->r.nloc; i++) RowWeights(C, i);
  PetscCall(PetscArraycpy(C->last, C->test, 3));
  PetscCallMPI(MPI_Bcast(C->last, 3, MPI_DOUBLE, 0, m->comm));
  C->perm_pass = -1;
  if (C->protocol == CONS_WAKE_SLEEP) { /* asleep: the retained patterns */
    PetscInt n = 0;
    PetscCallMPI(MPI_Bcast(C->retained, (PetscMPIInt)C->Mall, MPI_DOUBLE, 0, m->comm));
    if (C->retained[0] >= 0) {
      for (PetscInt mu = 0; mu < C->Mall; mu++)
        if (C->retained[mu] > 0) C->act[n++] = mu;
      ActivatePatterns(C, n);
      C->asleep = PETSC_TRUE;
    }
  }

  PetscFunctionReturn(0);
}

/* the step on row i's factors with gradient g_c (per column slot, times eta), its clip and scaling */
static void RowStep(Cons *C, PetscInt i, const double *g, PetscInt stride, double eta)
{
  const int z = (int)C->z;
  double s    = 0, c;
  if (z <= 2) {
    const PetscInt a = C->r.rowptr[i], n = C->r.rowptr[i + 1] - a;
    if (z == 2)
      ConsStepClip2((size_t)n, eta, g, (size_t)stride, C->cs + a, C->w + a, C->self + a, C->u + 2 * (size_t)a, C->sq);
    else
      ConsStepClip1((size_t)n, eta, g, (size_t)stride, C->cs + a, C->w + a, C->self + a, C->u + a, C->sq);
    s = ConsSum((size_t)n, C->sq);
  } else
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      const int alive = C->w[q] > CONS_PRUNE;
      s += ConsStepClip(z, alive ? eta * g[C->cs[q] * stride] : 0.0, alive, C->self[q], C->u + (size_t)q * z);
    }
  if (s > 0) { /* the row's scaling (RowNormalize()) fused with its weights */
    const PetscInt a = C->r.rowptr[i], b = C->r.rowptr[i + 1];
    c = sqrt(s / C->L / (double)z);
    if (z == 2)
      ConsScale2((size_t)(b - a), c, C->u + 2 * (size_t)a, C->w + a);
    else if (z == 1)
      ConsScale1((size_t)(b - a), c, C->u + a, C->w + a);
    else
      for (PetscInt q = a; q < b; q++) {
        double *u = C->u + (size_t)q * z, w = 1;
        for (int k = 0; k < z; k++) {
          u[k] /= c;
          w *= u[k];
        }
        C->w[q] = w;
      }
    for (PetscInt q = a; q < b; q++) C->Wd[C->slot[q]] = C->w[q];
  } else

    RowWeights(C, i);
}

/* One epoch of the authors' optimize(): the test (every -check epochs), then the worst-pattern
   step while any pair is wrong, else the soft-min step. */
static void SoftMinStep(Cons *, double, double);
static PetscErrorCode WakeSleepIterate(TpModel, PetscInt64, PetscBool *);

static PetscErrorCode ConsIterate(TpModel m, PetscInt64 it, PetscBool *done)
{
  Cons *C          = m->data;
  const PetscInt M = C->M, nloc = C->r.nloc, ncol = C->r.ncol;
  const PetscInt64 epoch = it + 1;
  PetscInt64 wrong       = 0;

  PetscFunctionBegin;
  if (C->protocol == CONS_WAKE_SLEEP) {
    PetscCall(WakeSleepIterate(m, it, done));
    PetscFunctionReturn(0);
  }
  *done = PETSC_FALSE;
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  ComputeFields(C);

  for (size_t p = 0; p < (size_t)C->nlocp * C->Mp; p++) wrong += (C->y[p] * C->H[p] <= 0) & (C->y[p] != 0);
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(TP_EVENT_REDUCE, 0, 0, 0, 0));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &wrong, 1, MPIU_INT64, MPI_SUM, m->comm));
  PetscCall(PetscLogEventEnd(TP_EVENT_REDUCE, 0, 0, 0, 0));
  if (epoch % C->check == 0) {
    double stat[NSTAT];
    PetscMPIInt rank;
    PetscCall(ConsStats(m, stat));
    if (PetscAbsReal(C->last[0] - stat[S_DENSITY]) < CONS_CONVERGED &&
        PetscAbsReal(C->last[1] - stat[S_MARGIN]) < CONS_CONVERGED && stat[S_DENSITY] < CONS_DENSITY_MAX && !wrong &&
        PetscAbsReal(stat[S_NORM] - C->L) < CONS_NORM_SLACK) {
      C->last[2] = (double)epoch;
      *done      = PETSC_TRUE;
    } else {
      C->last[0] = stat[S_DENSITY];
      C->last[1] = stat[S_MARGIN];
    }
    PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
    if (!rank) PetscCall(PetscArraycpy(C->test, C->last, 3));
    if (*done) PetscFunctionReturn(0);
  }
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  if (wrong) { /* the worst pattern of each neuron */
    for (PetscInt i = 0; i < nloc; i++) {
      double kappa;
      const size_t mu = ConsWorst((size_t)M, C->H + TileIndex(i, 0, C->Mp), CONS_TR, C->y + TileIndex(i, 0, C->Mp),
                                  &kappa, &C->hmean[i]);
      const double ys = C->y[TileIndex(i, (PetscInt)mu, C->Mp)];
      for (PetscInt c = 0; c < ncol; c++) C->Gd[c] = ys * C->XT[(size_t)c * C->Mp + mu];
      RowStep(C, i, C->Gd, 1, C->eta);
      C->theta[i] -= C->eta_theta * ys;
    }
  } else
    SoftMinStep(C, C->eta, C->eta_theta); /* the soft-min: a in place of H, then sum_mu a^mu x^mu at once */
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The soft-min step of every row at rate eta (factors and, asleep, thresholds with sum_mu a^mu). */
static void SoftMinStep(Cons *C, double eta, double eta_theta)
{
  for (PetscInt i = 0; i < C->r.nloc; i++)
    C->asum[i] = ConsSoftMin((size_t)C->M, C->beta, C->hmean[i], C->H + TileIndex(i, 0, C->Mp), CONS_TR, &C->hmean[i]);
  ComputeSoftMinGradient(C);
  for (PetscInt i = 0; i < C->r.nloc; i++) {
    RowStep(C, i, C->Gd + TileIndex(i, 0, C->ncolp), CONS_TR, eta);
    C->theta[i] -= eta_theta * C->asum[i];
  }
}

/* theta_i = f sum_j w_ij + sqrt(2 f (1-f) sum_j w_ij^2) erfinv(1 - 2f) (get_bias) */
static void RowBias(Cons *C, PetscInt i)
{
  double sw = 0, sw2 = 0;
  for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
    sw += C->w[q];
    sw2 += C->w[q] * C->w[q];
  }
  C->theta[i] = ConsBias(C->f, sw, sw2);
}

static int CompareDoubles(const void *a, const void *b)
{
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One awake step on pattern mu (ContinualRNN.optimize, wake): the network's fields from x^mu; when
   the step would not leave exactly f N neurons active, the inhibition E that would (the
   int(N (1-f))-th smallest field, over the whole network); then the covariance rule on the first
   factor, u_ij1 += eta_wake |E| (x_i - f)(x_j - f), the clip (with the mask of before the step) and
   the thresholds from the Gaussian approximation.  No scaling awake. */
static PetscErrorCode WakeStep(TpModel m, PetscInt mu)
{
  Cons *C          = m->data;
  const PetscInt N = C->r.N, nloc = C->r.nloc, z = C->z;
  const double *x = C->X + (size_t)mu * N, f = C->f;
  double *h, E                               = 0;
  PetscInt64 active = 0;
  PetscMPIInt rank, size, n;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nloc + 1, &h));
  for (PetscInt i = 0; i < nloc; i++) {
    double s = 0;
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++)
      if (C->w[q] >= CONS_SKIP) s += C->w[q] * x[C->r.colgid[C->cs[q]]];
    h[i] = s - C->theta[i];
    active += h[i] > 0;
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &active, 1, MPIU_INT64, MPI_SUM, m->comm));
  if (PetscAbsReal((double)active / N - f) > 1e-8 + 1e-5 * f) { /* torch.isclose */
    PetscMPIInt *counts = NULL, *displs = NULL;
    double *all = NULL;
    PetscInt k  = (PetscInt)(N * (1 - f)) - 1;
    PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
    PetscCallMPI(MPI_Comm_size(m->comm, &size));
    PetscCall(PetscMPIIntCast(nloc, &n));
    if (!rank) PetscCall(PetscMalloc3(size, &counts, size, &displs, N, &all));
    PetscCallMPI(MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, m->comm));
    if (!rank)
      for (PetscMPIInt r = 0, o = 0; r < size; r++) {
        displs[r] = o;
        o += counts[r];
      }
    PetscCallMPI(MPI_Gatherv(h, n, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, m->comm));
    if (!rank) {
      qsort(all, (size_t)N, sizeof(double), CompareDoubles);
      E = all[PetscMax(0, PetscMin(N - 1, k))];
      PetscCall(PetscFree3(counts, displs, all));
    }
    PetscCallMPI(MPI_Bcast(&E, 1, MPI_DOUBLE, 0, m->comm));
  }
  E = PetscAbsReal(E);
  for (PetscInt i = 0; i < nloc; i++) {
    const double xi = x[TpRowGid(&C->r, i)] - f;
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      const int alive = C->w[q] > CONS_PRUNE;
      double *u       = C->u + (size_t)q * z;
      u[0] += C->eta_wake * E * (xi * (x[C->r.colgid[C->cs[q]]] - f));
      ConsClip((int)z, alive, C->self[q], u);
    }
    RowWeights(C, i);
    RowBias(C, i);
  }
  PetscCall(PetscFree(h));
  PetscFunctionReturn(0);
}

/* The wake's order of the patterns in pass p: a Fisher-Yates shuffle keyed by the pass. */
static void WakeOrder(Cons *C, PetscInt p)
{
  const PetscInt M = C->Mall;
  if (C->perm_pass == p) return;
  for (PetscInt a = 0; a < M; a++) C->perm[a] = a;
  for (PetscInt t = M - 1; t > 0; t--) {
    const PetscInt j = (PetscInt)(TpUniform((uint64_t)C->seed, TP_STREAM_M5_WAKE, (uint64_t)p, (uint64_t)t) * (t + 1));
    const PetscInt s = C->perm[t];
    C->perm[t]       = C->perm[j];
    C->perm[j]       = s;
  }
  C->perm_pass = p;
}

/* The patterns that are fixed points of the network without inhibition (min_i y_i h_i > 0): those
   replayed asleep (idx_attr). */
static PetscErrorCode SelectRetained(TpModel m)
{
  Cons *C          = m->data;
  const PetscInt M = C->Mall;
  double *worst;
  PetscInt n = 0;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(M, &worst));
  ComputeFields(C);
  for (PetscInt mu = 0; mu < M; mu++) {
    worst[mu] = INFINITY;
    for (PetscInt i = 0; i < C->r.nloc; i++)
      worst[mu] = PetscMin(worst[mu], C->y[TileIndex(i, mu, C->Mp)] * C->H[TileIndex(i, mu, C->Mp)]);
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, worst, (PetscMPIInt)M, MPI_DOUBLE, MPI_MIN, m->comm));
  for (PetscInt mu = 0; mu < M; mu++)
    if (worst[mu] > 0) C->act[n++] = mu;
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  if (!rank)
    for (PetscInt mu = 0; mu < M; mu++) C->retained[mu] = worst[mu] > 0;
  PetscCall(PetscFree(worst));
  ActivatePatterns(C, n);
  C->asleep = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The margin of each retained pattern, min_i y_i h_i / |w_i|_2 over all neurons (get_min_radius),
   from the fields of the last ComputeFields(), into out[Mall] on rank 0 (NaN for the others). */
static PetscErrorCode PatternMargins(TpModel m, double *out)
{
  Cons *C = m->data;
  double *r, *norm;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(C->M + 1, &r, C->r.nloc + 1, &norm));
  for (PetscInt i = 0; i < C->r.nloc; i++) {
    double s = 0;
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) s += C->w[q] * C->w[q];
    norm[i] = sqrt(s);
  }
  for (PetscInt a = 0; a < C->M; a++) {
    r[a] = INFINITY;
    for (PetscInt i = 0; i < C->r.nloc; i++)
      r[a] = PetscMin(r[a], C->y[TileIndex(i, a, C->Mp)] * C->H[TileIndex(i, a, C->Mp)] / norm[i]);
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, r, (PetscMPIInt)C->M, MPI_DOUBLE, MPI_MIN, m->comm));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  if (!rank) {
    for (PetscInt mu = 0; mu < C->Mall; mu++) out[mu] = NAN;
    for (PetscInt a = 0; a < C->M; a++) out[C->act[a]] = r[a];
  }
  PetscCall(PetscFree2(r, norm));
  PetscFunctionReturn(0);
}

/* Fig. 3's protocol, one iteration each: -consolidation_wake_passes passes through the patterns
   awake (one WakeStep() each), then -consolidation_sleep_epochs soft-min epochs on the retained
   patterns with targets sign(h) at a rate that ramps from eta to eta_max (thresholds at the same
   rate), after one scaling of the factors (and thresholds) to the norm. */
static PetscErrorCode WakeSleepIterate(TpModel m, PetscInt64 it, PetscBool *done)
{
  Cons *C               = m->data;
  const PetscInt64 wake = (PetscInt64)C->passes * C->Mall;

  PetscFunctionBegin;
  *done = PETSC_FALSE;
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  if (it < wake) {
    WakeOrder(C, (PetscInt)(it / C->Mall));
    PetscCall(WakeStep(m, C->perm[it % C->Mall]));
  } else {
    const PetscInt64 e = it - wake;
    double eta;
    if (e == 0) {
      PetscCall(SelectRetained(m));
      for (PetscInt i = 0; i < C->r.nloc; i++) {
        const size_t a = (size_t)C->r.rowptr[i] * C->z, b = (size_t)C->r.rowptr[i + 1] * C->z;
        double s = 0, c;
        for (size_t p = a; p < b; p++) s += C->u[p] * C->u[p];
        c = s / C->L / (double)C->z;
        if (c > 0) {
          for (size_t p = a; p < b; p++) C->u[p] /= sqrt(c);
          C->theta[i] /= pow(sqrt(c), (double)C->z);
        }
        RowWeights(C, i);
      }
      ComputeFields(C);
      for (PetscInt i = 0; i < C->r.nloc; i++) {
        double s = 0;
        for (PetscInt mu = 0; mu < C->M; mu++) s += PetscAbsReal(C->H[TileIndex(i, mu, C->Mp)]);
        C->hmean[i] = C->M ? s / C->M : 0;
      }
      PetscCall(PatternMargins(m, C->pmargin));
    }
    if (C->M) {
      eta = C->z == 1 ? C->eta : C->eta + (C->eta_max - C->eta) * (1 - exp(-(double)e / C->tau));
      if (e > 0) ComputeFields(C); /* at e = 0 they are the ones <|h|> was just taken from */
      SoftMinStep(C, eta, eta);
    }
  }
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  if (it + 1 >= wake + C->sleep) *done = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* A standard normal number for the key (seed, stream, a, b): Box-Muller on two keyed uniforms. */
static double KeyedNormal(uint64_t seed, uint64_t a, uint64_t b)
{
  const double u1 = TpUniform(seed, TP_STREAM_M5_NOISE, a, 2 * b),
               u2 = TpUniform(seed, TP_STREAM_M5_NOISE, a, 2 * b + 1);
  return sqrt(-2 * log(1 - u1)) * cos(2 * M_PI * u2);
}

/* The reference of the recall tests (scale_weights_to_ref('mean-u')): each neuron's factors divided
   by c = 10 sum_jk u / (its surviving synapses x z), its threshold by c^z, into un and thn; the
   signs of the fields, and so recall without noise, are unchanged. */
static void RecallReference(Cons *C)
{
  const PetscInt z = C->z;
  for (PetscInt i = 0; i < C->r.nloc; i++) {
    double su = 0, alive = 0, c;
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      for (PetscInt k = 0; k < z; k++) su += C->u[(size_t)q * z + k];
      alive += C->w[q] > CONS_PRUNE;
    }
    c = alive > 0 ? 10 * su / (alive * z) : 1;
    for (size_t p = (size_t)C->r.rowptr[i] * z; p < (size_t)C->r.rowptr[i + 1] * z; p++) C->un[p] = C->u[p] / c;
    C->thn[i] = C->theta[i] / pow(c, (double)z);
  }
}

/* The weights of one recall test into Wn: the reference factors, with synaptic noise of the
   test's kind (keyed by the test and the synapse) and clamped at 1e-20 as the authors do. */
static void RecallWeights(Cons *C, ConsNoise kind, double sigma, uint64_t key)
{
  const PetscInt z = C->z;
  for (PetscInt i = 0; i < C->r.nloc; i++) {
    const uint64_t gi = (uint64_t)TpRowGid(&C->r, i);
    for (PetscInt q = C->r.rowptr[i]; q < C->r.rowptr[i + 1]; q++) {
      const uint64_t gj = (uint64_t)C->r.colgid[C->cs[q]];
      const double *u   = C->un + (size_t)q * z;
      double w = 1, wref = 1;
      for (PetscInt k = 0; k < z; k++) wref *= u[k];
      for (PetscInt k = 0; k < z; k++) {
        double v = u[k];
        if (kind == NOISE_GAUSS || (k == 0 && kind != NOISE_BERNOULLI && kind != NOISE_BALANCED)) {
          const double n = sigma * KeyedNormal((uint64_t)C->seed, key << 40 | gi, gj * z + k);
          if (kind == NOISE_GAUSS1)
            v += wref > CONS_PRUNE ? n : fabs(n); /* regrowth of pruned synapses */
          else if (kind == NOISE_GAUSS1MASKED)
            v += wref > CONS_PRUNE ? n : 0;
          else
            v += n;
        }
        if (kind != NOISE_BERNOULLI && kind != NOISE_BALANCED) v = v > CONS_FLOOR ? v : CONS_FLOOR;
        w *= v;
      }
      C->Wn[C->slot[q]] = w;
    }
  }
}

/* One recall test: from the cues (the patterns with bits flipped by neural noise) 49 steps of
   s <- H(W s - theta) over all patterns at once (the new rows of every rank reach the others'
   column slots through the ghost SF); a pattern is recalled when at most 0.2 N f neurons are on
   the wrong side of the next step's fields (sign 0 counting half).  Returns the fraction recalled. */
static PetscErrorCode RecallTest(TpModel m, ConsNoise kind, double p, uint64_t key, double *recalled)
{
  Cons *C          = m->data;
  const PetscInt M = C->M, Mp = C->Mp, N = C->r.N, ncol = C->r.ncol, nloc = C->r.nloc;
  const double qa = kind == NOISE_BALANCED ? PetscMin(1, p / C->f) : p,
               qi = kind == NOISE_BALANCED ? PetscMin(1, p / (1 - C->f)) : p;
  PetscSF ghost;
  MPI_Datatype unit;
  double *err, ok = 0;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetGhostSF(m->net, &ghost));
  PetscCall(PetscArrayzero(C->ST, (size_t)ncol * Mp));
  for (PetscInt c = 0; c < ncol; c++) {
    const PetscInt g = C->r.colgid[c];
    for (PetscInt mu = 0; mu < M; mu++) {
      double x = C->X[(size_t)C->act[mu] * N + g];

      if (kind == NOISE_BERNOULLI || kind == NOISE_BALANCED) {
        const double q = x > 0 ? qa : qi;
        if (TpUniform((uint64_t)C->seed, TP_STREAM_M5_NOISE, key << 40 | (uint64_t)g, (uint64_t)mu) < q) x = 1 - x;
      }
      C->ST[(size_t)c * Mp + mu] = x;
    }
  }
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)Mp, MPI_DOUBLE, &unit));
  PetscCallMPI(MPI_Type_commit(&unit));
  for (PetscInt step = 0; step < C->rsteps; step++) {
    ComputeFieldsOf(C, C->Wn, C->ST, C->thn, C->H);
    for (PetscInt i = 0; i < nloc; i++)
      for (PetscInt mu = 0; mu < Mp; mu++) C->Sown[(size_t)i * Mp + mu] = C->H[TileIndex(i, mu, Mp)] > 0 ? 1.0 : 0.0;
    PetscCall(PetscSFBcastBegin(ghost, unit, C->Sown, C->ST, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(ghost, unit, C->Sown, C->ST, MPI_REPLACE));
  }
  PetscCallMPI(MPI_Type_free(&unit));
  ComputeFieldsOf(C, C->Wn, C->ST, C->thn, C->H);
  PetscCall(PetscCalloc1(M, &err));
  for (PetscInt i = 0; i < nloc; i++)
    for (PetscInt mu = 0; mu < M; mu++)
      err[mu] += (1 - C->y[TileIndex(i, mu, Mp)] * ConsSign(C->H[TileIndex(i, mu, Mp)])) / 2;
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, err, (PetscMPIInt)M, MPI_DOUBLE, MPI_SUM, m->comm));
  for (PetscInt mu = 0; mu < M; mu++) ok += err[mu] <= 0.2 * N * C->f;
  PetscCall(PetscFree(err));
  *recalled = ok / M;
  PetscFunctionReturn(0);
}

/* The noise where the recall rate first falls below 0.5, interpolated linearly (the largest level
   if it never does, 0 if it starts below). */
static double Crossing(PetscInt n, const double *x, const double *r)
{
  if (r[0] < 0.5) return 0;
  for (PetscInt l = 1; l < n; l++)
    if (r[l] < 0.5) return x[l - 1] + (r[l - 1] - 0.5) / (r[l - 1] - r[l]) * (x[l] - x[l - 1]);
  return x[n - 1];
}

/* After training: the recall rate of every -consolidation_tolerance kind against its noise level,
   and the tolerances (run_rnn_f50.py's protocol). */
static PetscErrorCode ConsFinish(TpModel m)
{
  Cons *C = m->data;
  double *x;

  PetscFunctionBegin;
  if (C->protocol == CONS_WAKE_SLEEP && C->asleep) { /* the retained patterns' margins at the end of sleep */
    ComputeFields(C);
    PetscCall(PatternMargins(m, C->pmargin + C->Mall));
  }
  if (!C->nkinds) PetscFunctionReturn(0);
  RecallReference(C);
  PetscCall(PetscMalloc1(C->nlevels, &x));
  for (PetscInt q = 0; q < C->nkinds; q++) {
    const ConsNoise kind   = C->kinds[q];
    const PetscBool neural = kind == NOISE_BERNOULLI || kind == NOISE_BALANCED;
    if (neural) RecallWeights(C, kind, 0, 0);
    for (PetscInt l = 0; l < C->nlevels; l++) {
      double rate = 0, one;
      x[l]        = NoiseScale[kind] * C->levels[l];
      for (PetscInt t = 0; t < C->ntrials; t++) {
        const uint64_t key = ((uint64_t)kind * C->nlevels + l) * C->ntrials + t + 1;
        if (!neural) RecallWeights(C, kind, x[l], key);
        PetscCall(RecallTest(m, kind, C->levels[l], key, &one));
        rate += one;
      }
      C->rate[q * C->nlevels + l] = rate / C->ntrials;
    }
    C->tol[q]   = Crossing(C->nlevels, x, C->rate + q * C->nlevels);
    C->above[q] = C->rate[q * C->nlevels + C->nlevels - 1] >= 0.5;
  }
  PetscCall(PetscFree(x));
  C->tested = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsObserve(TpModel m, double *sample)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  ComputeFields(C);
  PetscCall(ConsStats(m, sample));
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsSummarize(TpModel m, const double *first, const double *last, double *values)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  for (PetscInt s = 0; s < 6; s++) values[s] = last[s == 5 ? S_NORM : s];
  values[6] = C->last[2];
  for (PetscInt q = 0; q < C->nkinds; q++) values[7 + q] = C->tested ? C->tol[q] : NAN;
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsViewResult(TpModel m, const double *first, const double *last, PetscViewer v)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  if (C->protocol == CONS_WAKE_SLEEP) {
    const PetscInt n = C->asleep ? C->M : 0;
    PetscCall(PetscViewerASCIIPrintf(v,
                                     "  wake     %" PetscInt_FMT " passes through %" PetscInt_FMT
                                     " patterns, %" PetscInt_FMT
                                     " of them fixed points after it; sleep %" PetscInt64_FMT
                                     " epochs of replay on those (the series below: over them)\n",
                                     C->passes, C->Mall, n, C->sleep));
  }
  if (C->protocol == CONS_WAKE_SLEEP && C->asleep) { /* rank 0 holds the margins, and prints */
    double n = 0, s0 = 0, s1 = 0, s00 = 0, s01 = 0, s11 = 0, r;
    for (PetscInt mu = 0; mu < C->Mall; mu++) {
      const double a = C->pmargin[mu], g = C->pmargin[C->Mall + mu] - a;
      if (a != a || g != g) continue;
      n += 1;
      s0 += a;
      s1 += g;
      s00 += a * a;
      s01 += a * g;
      s11 += g * g;
    }
    r = (n * s01 - s0 * s1) / sqrt((n * s00 - s0 * s0) * (n * s11 - s1 * s1));
    if (n > 0)
      PetscCall(
          PetscViewerASCIIPrintf(v,
                                 "  sleep    pattern margins %.4g -> %.4g on average; correlation of the gain with "
                                 "the margin before: %.3f (negative: weak memories gain most)\n",
                                 s0 / n, (s0 + s1) / n, r));
  }
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  result   error %.4g (%s), density %.4f (from %.4f), margin %.5g, synaptic margin "

                                   "%.5g, rho %.4g, norm %.4g\n",
                                   last[S_ERROR], last[S_ERROR] == 0 ? "every pattern stored" : "not all stored",
                                   last[S_DENSITY], first[S_DENSITY], last[S_MARGIN], last[S_SYNAPTIC], last[S_RHO],
                                   last[S_NORM]));
  if (C->last[2] > 0)
    PetscCall(PetscViewerASCIIPrintf(v, "  converged at epoch %.0f (test every %" PetscInt_FMT " epochs)\n", C->last[2],
                                     C->check));
  if (C->tested) {
    PetscCall(PetscViewerASCIIPrintf(v,
                                     "  recall   tolerance (recall rate 0.5; %" PetscInt_FMT " levels x %" PetscInt_FMT
                                     " trials, %" PetscInt_FMT " steps):",
                                     C->nlevels, C->ntrials, C->rsteps));
    for (PetscInt q = 0; q < C->nkinds; q++)
      PetscCall(PetscViewerASCIIPrintf(v, "%s %s %s%.4g", q ? "," : "", NoiseNames[C->kinds[q]],
                                       C->above[q] ? "above " : "", C->tol[q]));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsProgress(TpModel m, const double *sample, char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "error %-9.3g density %.4f margin %-10.5g norm %.4g", sample[S_ERROR],
                          sample[S_DENSITY], sample[S_MARGIN], sample[S_NORM]));
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsDescribe(TpModel m, char *buf, size_t len)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(
      buf, len,
      "model=consolidation;z=%" PetscInt_FMT ";f=%.17g;M=%" PetscInt_FMT
      ";u0=%.17g;eta=%.17g;eta_theta=%.17g;L=%.17g;beta=%.17g;check=%" PetscInt_FMT ";patterns=%s%s;protocol=%s;",
      C->z, (double)C->f, C->Mall, (double)C->u0, (double)C->eta, (double)C->eta_theta, (double)C->L, (double)C->beta,
      C->check, C->file[0] ? "file:" : ConsPatternTypes[C->ptype], C->file, ConsProtocols[C->protocol]));
  if (C->protocol == CONS_WAKE_SLEEP) {
    size_t n = strlen(buf);
    PetscCall(PetscSNPrintf(
        buf + n, len - n, "passes=%" PetscInt_FMT ";sleep=%" PetscInt64_FMT ";eta_wake=%.17g;eta_max=%.17g;tau=%.17g;",
        C->passes, C->sleep, (double)C->eta_wake, (double)C->eta_max, (double)C->tau));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsView(TpModel m, PetscViewer v)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  params   z %" PetscInt_FMT " factors per synapse, u0 %g, L %g, eta %g, eta_theta "
                                   "%g, beta %g; convergence test every %" PetscInt_FMT " epochs\n",
                                   C->z, (double)C->u0, (double)C->L, (double)C->eta, (double)C->eta_theta,
                                   (double)C->beta, C->check));
  PetscCall(PetscViewerASCIIPrintf(v,
                                   "  memory   M = %" PetscInt_FMT
                                   " patterns (load %.4g of critical %.4g), coding level "
                                   "%g, %s%s\n",
                                   C->Mall, (double)C->alpha, ConsCriticalLoad(C->f), (double)C->f,
                                   C->file[0] ? "from " : ConsPatternTypes[C->ptype], C->file));
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsCost(TpModel m, PetscInt K, double *cost)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  *cost = (double)C->r.nsyn * (C->Mall + C->z);
  PetscFunctionReturn(0);
}

/* The trained W as a CSR of its survivors (w > CONS_PRUNE), rows the postsynaptic neurons in natural order:
   /W/indptr (N + 1), /W/indices (presynaptic ids), /W/data, so that
   scipy.sparse.csr_matrix((data, indices, indptr), shape=(N, N)) is W.  Each rank writes the rows of its slice
   of natural order. */
static PetscErrorCode ConsWriteOutput(TpModel m, hid_t file)
{
  Cons *C             = m->data;
  const PetscInt nloc = C->r.nloc;
  const PetscInt64 N  = C->r.N;
  TpNetwork net;
  PetscMPIInt rank, size;
  PetscCount nn, ns, n;
  PetscInt64 kept = 0, first = 0;
  PetscInt *len, *natlen, *cols, *natcols;
  double *natw, *data;
  long long *indptr, *indices, dims[2] = {N, N};
  hid_t g;

  PetscFunctionBegin;
  PetscCall(TpModelGetNetwork(m, &net));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(TpNetworkGetNaturalSizes(net, TP_PER_NEURON, &nn, NULL));
  PetscCall(TpNetworkGetNaturalSizes(net, TP_PER_SYNAPSE, &ns, NULL));
  PetscCall(PetscMalloc5(nloc + 1, &len, nn + 1, &natlen, C->r.nsyn_loc + 1, &cols, ns + 1, &natcols, ns + 1, &natw));
  for (PetscInt i = 0; i < nloc; i++) len[i] = C->nrow[i];
  for (PetscCount q = 0; q < C->r.nsyn_loc; q++) cols[q] = C->r.colgid[C->cs[q]];
  PetscCall(TpNetworkToNatural(net, TP_PER_NEURON, MPIU_INT, len, natlen));
  PetscCall(TpNetworkToNatural(net, TP_PER_SYNAPSE, MPIU_INT, cols, natcols));
  PetscCall(TpNetworkToNatural(net, TP_PER_SYNAPSE, MPI_DOUBLE, C->w, natw));
  /* the survivors of this slice (its rows' synapses, in natural order: row by row) and where they start */
  for (PetscCount q = 0; q < ns; q++) kept += natw[q] > CONS_PRUNE;
  PetscCallMPI(MPI_Exscan(&kept, &first, 1, MPIU_INT64, MPI_SUM, m->comm));
  if (!rank) first = 0;
  n = nn + (rank == size - 1 ? 1 : 0);
  PetscCall(PetscMalloc3(n + 1, &indptr, kept + 1, &indices, kept + 1, &data));
  indptr[0] = (long long)first;
  for (PetscCount i = 0, q = 0, k = 0; i < nn; i++) {
    for (const PetscCount e = q + natlen[i]; q < e; q++)
      if (natw[q] > CONS_PRUNE) indices[k] = natcols[q], data[k++] = natw[q];
    if (i + 1 < n) indptr[i + 1] = (long long)first + (long long)k;
  }
  PetscCall(TpH5CreateGroup(file, "W", &g));
  PetscCall(TpH5WriteDistributed(m->comm, g, "indptr", H5T_NATIVE_LLONG, H5T_STD_I64LE, n, 0, indptr));
  PetscCall(TpH5WriteDistributed(m->comm, g, "indices", H5T_NATIVE_LLONG, H5T_STD_I64LE, kept, 0, indices));
  PetscCall(TpH5WriteDistributed(m->comm, g, "data", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, kept, 0, data));
  PetscCall(TpH5WriteAttrInts(g, "shape", 2, dims));
  PetscCall(TpH5WriteAttrDouble(g, "pruned_at", CONS_PRUNE));
  PetscCallH5(H5Gclose(g));
  PetscCall(PetscFree3(indptr, indices, data));
  PetscCall(PetscFree5(len, natlen, cols, natcols, natw));
  PetscFunctionReturn(0);
}

/* At most the bytes the trained W takes (every synapse a survivor). */
static PetscErrorCode ConsEventBytes(TpModel m, double *bytes)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  *bytes = 16.0 * (double)C->r.nsyn + 8.0 * (double)(C->r.N + 1) + 4096;
  PetscFunctionReturn(0);
}

static PetscErrorCode ConsDestroy(TpModel m)
{
  Cons *C = m->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(C->X));
  PetscCall(PetscFree3(C->xloc, C->act, C->retained));
  PetscCall(PetscFree(C->perm));
  PetscCall(PetscFree(C->pmargin));

  PetscCall(PetscFree4(C->y, C->XT, C->Xm, C->H));
  PetscCall(PetscFree4(C->u, C->w, C->theta, C->hmean));
  PetscCall(PetscFree5(C->slot, C->cs, C->self, C->nrow, C->asum));
  PetscCall(PetscFree2(C->Wd, C->Gd));
  PetscCall(PetscFree(C->sq));
  PetscCall(PetscFree2(C->levels, C->rate));
  PetscCall(PetscFree5(C->un, C->thn, C->Wn, C->ST, C->Sown));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static const TpModelOps ConsOps = {.setfromoptions = ConsSetFromOptions,
                                   .setup          = ConsSetUp,
                                   .initialstate   = ConsInitialState,
                                   .observe        = ConsObserve,
                                   .summarize      = ConsSummarize,
                                   .viewresult     = ConsViewResult,
                                   .progress       = ConsProgress,
                                   .view           = ConsView,
                                   .describe       = ConsDescribe,
                                   .cost           = ConsCost,
                                   .loaded         = ConsLoaded,
                                   .destroy        = ConsDestroy,
                                   .finish         = ConsFinish,
                                   .writeoutput    = ConsWriteOutput,
                                   .eventbytes     = ConsEventBytes,
                                   .iterate        = ConsIterate};

PetscErrorCode TpModelCreate_Consolidation(TpModel m)
{
  Cons *C;

  PetscFunctionBegin;
  PetscCall(PetscNew(&C));
  C->z        = 2;
  C->f        = 0.5;
  C->alpha    = 0.2;
  C->u0       = 0.1;
  C->beta     = 100;
  C->check    = 10000;
  C->passes   = 35;
  C->sleep    = 100000;
  C->eta_wake = 1e-2;
  C->eta_max  = 0.40;
  C->tau      = 40;

  C->nlevels = 50;
  C->pmax    = 0.49;
  C->ntrials = 20;
  C->rsteps  = 49;
  m->data    = C;
  m->ops     = ConsOps;
  PetscCall(TpModelSetStepperTypes(m, "iterate", "iterate"));
  PetscFunctionReturn(0);
}
