/* tripart sweep: independent retrieval trials over a grid, one HDF5 table of results.

   The grid is models x K x flipped bits x pattern sets (trials).  Trial (model, K, f, s) stores
   the K patterns drawn with seed = -seed + s (the first K of -patterns_file if given), cues
   pattern 0 (pattern s mod K for a file) with exactly f bits flipped, and runs the model from it;
   every model sees the same patterns and cues.  The ranks are split into groups of
   -ranks_per_trial; each group runs its share of the trials (longest first, balanced by an
   estimate of their cost), and every -progress_interval seconds all groups hand their results to
   rank 0, which rewrites the table (FILE.part, renamed) and prints the progress.  A rerun with the
   same arguments reads the table and runs only the trials it lacks. */
#include <tpsweep.h>
#include <tpmodel.h>
#include <tpstepper.h>
#include <tpoutput.h>
#include <tph5.h>
#include <tputil.h>
#include "../network/networkimpl.h"
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define MAXMODELS 8
#define NF 10 /* fields of one trial's result */
enum { F_HAMMING, F_SOFT, F_OVERLAP, F_ENERGY, F_PERPLEXITY, F_RETRIEVED, F_STEPS, F_RHS, F_WALL, F_STATUS };
/* F_STATUS: 0 not run, 1 done, -1 failed (the model could not run it, e.g. an undefined slaved start) */

typedef struct {
  MPI_Comm comm;                   /* world */
  char models[MAXMODELS][32];      /* -models */
  PetscInt nM, nK, nF, S, N, seed; /* grid sizes, neurons, base seed */
  PetscInt *K, *F;                 /* -K, -flips */
  PetscInt ranks_per_trial;        /* -ranks_per_trial */
  char out[PETSC_MAX_PATH_LEN];    /* -o */
  char file[PETSC_MAX_PATH_LEN];   /* -patterns_file, "" for random patterns */
  PetscInt Kfile;                  /* patterns in the file */
  double *file_xi;                 /* Kfile x N, row-major */
  PetscReal interval;              /* -progress_interval */
  PetscBool quiet;                 /* -quiet */
  char desc[8192];                 /* canonical description: a rerun resumes only an identical sweep */
  char stepper[128];
} Sweep;

/* ---------------------------------------------------------------- grid lists */

/* A list of integers: comma-separated items A, A:B (step 1), A:B:STEP, A:B@COUNT (COUNT values
   spaced geometrically from A to B, rounded, repeats dropped). */
static PetscErrorCode ParseList(MPI_Comm comm, const char *opt, const char *text, PetscInt lo, PetscInt **out,
                                PetscInt *n)
{
  char buf[1024], *save = NULL, *item;
  PetscInt cap = 64, len = 0, *v;

  PetscFunctionBegin;
  PetscCheck(text[0], comm, PETSC_ERR_ARG_WRONG, "Option %s is empty", opt);
  PetscCheck(strlen(text) < sizeof(buf), comm, PETSC_ERR_ARG_WRONG, "Option %s is too long", opt);
  PetscCall(PetscStrncpy(buf, text, sizeof(buf)));
  PetscCall(PetscMalloc1(cap, &v));
  for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    long a = 0, b = 0, c = 1;
    char *e;
    int geom = 0, form;
    a        = strtol(item, &e, 10);
    if (e == item)
      form = -1;
    else if (!*e) {
      b    = a;
      form = 1;
    } else if (*e == ':') {
      char *f = e + 1;
      b       = strtol(f, &e, 10);
      if (e == f)
        form = -1;
      else if (!*e)
        form = 2;
      else if (*e == ':' || *e == '@') {
        geom = *e == '@';
        f    = e + 1;
        c    = strtol(f, &e, 10);
        form = (e == f || *e) ? -1 : 3;
      } else
        form = -1;
    } else
      form = -1;
    PetscCheck(form > 0, comm, PETSC_ERR_ARG_WRONG,
               "Option %s: cannot read '%s' (use A, A:B, A:B:STEP or A:B@COUNT, separated by commas)", opt, item);
    PetscCheck(a <= b, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s: empty range '%s' (%ld > %ld)", opt, item, a, b);
    PetscCheck(b <= 100000000, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s: '%s' goes beyond 10^8", opt, item);
    PetscCheck(c > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s: '%s' needs a positive %s", opt, item,
               geom ? "count" : "step");
    PetscCheck(a >= lo, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s: values must be at least %" PetscInt_FMT "; got %ld",
               opt, lo, a);
    PetscCheck(!geom || a > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s: a geometric range '%s' must start above 0",
               opt, item);
    for (long q = 0;; q++) {
      long x;
      if (geom) {
        if (q >= c) break;
        x = c == 1 ? a : lround((double)a * pow((double)b / (double)a, (double)q / (double)(c - 1)));
        if (len && v[len - 1] == x) continue;
      } else {
        x = a + q * c;
        if (x > b) break;
      }
      for (PetscInt r = 0; r < len; r++)
        PetscCheck(v[r] != x, comm, PETSC_ERR_ARG_WRONG, "Option %s lists %ld twice", opt, x);
      if (len == cap) PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)(cap *= 2), &v));
      PetscCheck(len < 100000, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option %s lists more than 100000 values", opt);
      v[len++] = (PetscInt)x;
    }
  }
  PetscCheck(len > 0, comm, PETSC_ERR_ARG_WRONG, "Option %s holds no values: '%s'", opt, text);
  *out = v;
  *n   = len;
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendList(char *buf, size_t size, const char *name, const PetscInt *v, PetscInt n)
{
  size_t l;

  PetscFunctionBegin;
  PetscCall(PetscStrlcat(buf, name, size));
  for (PetscInt q = 0; q < n; q++) {
    PetscCall(PetscStrlen(buf, &l));
    PetscCall(PetscSNPrintf(buf + l, size - l, "%s%" PetscInt_FMT, q ? "," : "=", v[q]));
  }
  PetscCall(PetscStrlcat(buf, ";", size));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- one trial */

/* Trial t is (model im, K index k, flips index f, pattern set s), s varying fastest. */
static void TrialIndex(const Sweep *sw, PetscInt t, PetscInt *im, PetscInt *k, PetscInt *f, PetscInt *s)
{
  *s  = t % sw->S;
  *f  = (t / sw->S) % sw->nF;
  *k  = (t / (sw->S * sw->nF)) % sw->nK;
  *im = t / (sw->S * sw->nF * sw->nK);
}

/* A fresh time stepper: the published protocol (explicit Euler, dt = 1e-3, to t = 10) unless -ts_* say otherwise. */
static PetscErrorCode TrialStepper(TpModel model, TS *ts)
{
  PetscFunctionBegin;
  PetscCall(TSCreate(model->comm, ts));
  PetscCall(TSSetProblemType(*ts, TS_NONLINEAR));
  PetscCall(TSSetRHSFunction(*ts, NULL, TpModelRHSFunction, model));
  PetscCall(TSSetType(*ts, TSEULER));
  PetscCall(TSSetTimeStep(*ts, 1e-3));
  PetscCall(TSSetMaxTime(*ts, 10.0));
  PetscCall(TSSetMaxSteps(*ts, 1000000000));
  PetscCall(TSSetExactFinalTime(*ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetFromOptions(*ts));
  PetscFunctionReturn(0);
}

/* Patterns, network and model of a trial, on comm. */
static PetscErrorCode TrialCreate(Sweep *sw, MPI_Comm comm, PetscInt im, PetscInt K, PetscInt flips, PetscInt s,
                                  TpPatterns *pat, TpNetwork *net, TpModel *model)
{
  PetscFunctionBegin;
  PetscCall(TpPatternsCreate(comm, pat));
  (*pat)->K          = K;
  (*pat)->flip_count = flips;
  (*pat)->target     = sw->file_xi ? s % K : 0;
  if (sw->file_xi) {
    PetscCall(PetscMalloc1((size_t)K * sw->N, &(*pat)->file_xi));
    PetscCall(PetscArraycpy((*pat)->file_xi, sw->file_xi, (size_t)K * sw->N));
    PetscCall(PetscStrncpy((*pat)->file, sw->file, sizeof((*pat)->file)));
  }
  PetscCall(TpNetworkCreate(comm, net));
  PetscCall(TpNetworkSetSize(*net, sw->N));
  PetscCall(TpNetworkSetFromOptions(*net));
  (*net)->seed = sw->seed + s;
  PetscCall(TpNetworkSetUp(*net));
  PetscCall(TpPatternsSetUp(*pat, sw->N, (*net)->seed));
  PetscCall(TpModelCreate(comm, *net, *pat, model));
  PetscCall(TpModelSetType(*model, sw->models[im]));
  PetscCall(TpModelSetFromOptions(*model));
  PetscCall(TpModelSetUp(*model));
  PetscFunctionReturn(0);
}

static PetscErrorCode TrialRun(Sweep *sw, MPI_Comm comm, PetscInt t, double res[NF])
{
  PetscInt im, k, f, s, K;
  TpPatterns pat;
  TpNetwork net;
  TpModel model;
  TpObservation obs;
  TS ts = NULL;
  Vec u;
  PetscInt steps = 0;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  TrialIndex(sw, t, &im, &k, &f, &s);
  K = sw->K[k];
  PetscCall(PetscTime(&t0));
  PetscCall(TrialCreate(sw, comm, im, K, sw->F[f], s, &pat, &net, &model));
  PetscCall(TpModelCreateState(model, &u));
  PetscCall(TpModelInitialState(model, u));
  if (!model->stationary) {
    TSConvergedReason reason;
    PetscCall(TrialStepper(model, &ts));
    PetscCall(TSSolve(ts, u));
    PetscCall(TSGetConvergedReason(ts, &reason));
    PetscCall(TSGetStepNumber(ts, &steps));
    PetscCheck(reason >= 0, comm, PETSC_ERR_NOT_CONVERGED, "time stepping failed: %s", TSConvergedReasons[reason]);
  }
  PetscCall(PetscMalloc1(K, &obs.overlap));
  PetscCall(TpModelObserve(model, u, &obs));
  PetscCall(PetscTime(&t1));
  res[F_HAMMING]    = obs.hamming;
  res[F_SOFT]       = obs.soft_hamming;
  res[F_OVERLAP]    = obs.overlap[pat->target];
  res[F_ENERGY]     = obs.energy;
  res[F_PERPLEXITY] = obs.perplexity;
  res[F_RETRIEVED]  = (double)TpRetrieved(K, obs.overlap);
  res[F_STEPS]      = (double)steps;
  res[F_RHS]        = (double)model->nrhs;
  res[F_WALL]       = t1 - t0;
  res[F_STATUS]     = 1;
  PetscCall(PetscFree(obs.overlap));
  PetscCall(TSDestroy(&ts));
  PetscCall(VecDestroy(&u));
  PetscCall(TpModelDestroy(&model));
  PetscCall(TpNetworkDestroy(&net));
  PetscCall(TpPatternsDestroy(&pat));
  PetscFunctionReturn(0);
}

/* A trial the model cannot run (its slaved start undefined, its stepping diverged) is recorded as
   failed, not fatal: the error is kept quiet and the sweep goes on. */
static PetscErrorCode TrialRunGuarded(Sweep *sw, MPI_Comm comm, PetscInt t, double res[NF], PetscInt *failures)
{
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TrialRun(sw, comm, t, res);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    for (int q = 0; q < NF; q++) res[q] = NAN;
    res[F_STATUS] = -1;
    (*failures)++;
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the table file */

static const char *const FieldNames[NF] = {
    "hamming_error", "soft_hamming_error", "overlap",   "energy", "perplexity", "retrieved",
    "steps",         "rhs_evaluations",    "wall_time", "status"};

/* Fields stored as integers (their values are whole numbers in the table of doubles). */
static int FieldIsInteger(int q)
{
  return q == F_RETRIEVED || q == F_STEPS || q == F_RHS || q == F_STATUS;
}

static herr_t WriteArray(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                         const void *data)
{
  hid_t sp = H5Screate_simple(rank, dims, NULL), d;
  herr_t e = -1;
  if (sp < 0) return -1;
  d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d >= 0) {
    e = H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (H5Dclose(d) < 0) e = -1;
  }
  H5Sclose(sp);
  return e;
}

/* Rank 0 alone: the whole table into path.part, renamed to path; a failure is described in msg. */
static void WriteTable(Sweep *sw, const double *tab, double wall, PetscMPIInt size, char *msg, size_t len)
{
  const hsize_t nT = (hsize_t)(sw->nM * sw->nK * sw->nF * sw->S), ncell = nT / (hsize_t)sw->S;
  hsize_t dims[4] = {(hsize_t)sw->nM, (hsize_t)sw->nK, (hsize_t)sw->nF, (hsize_t)sw->S};
  char tmp[PETSC_MAX_PATH_LEN + 8], *opts = NULL;
  double *col, *mean, *meansoft, *frac, *ndone, *meanperp;
  long long done = 0, failed = 0, *lv;
  hid_t f, g, st;
  herr_t e = 0;

  snprintf(tmp, sizeof(tmp), "%s.part", sw->out);
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    snprintf(msg, len, "Cannot create sweep table '%s' (option -o)", tmp);
    return;
  }
  col      = malloc(sizeof(double) * nT);
  lv       = malloc(sizeof(long long) * (nT > 64 ? nT : 64));
  mean     = calloc(ncell, sizeof(double));
  meansoft = calloc(ncell, sizeof(double));
  meanperp = calloc(ncell, sizeof(double));
  frac     = calloc(ncell, sizeof(double));
  ndone    = calloc(ncell, sizeof(double));
  for (hsize_t t = 0; t < nT; t++) {
    const double *r = tab + t * NF;
    const hsize_t c = t / (hsize_t)sw->S;
    if (r[F_STATUS] == 1) {
      done++;
      ndone[c] += 1;
      mean[c] += r[F_HAMMING];
      meansoft[c] += r[F_SOFT];
      meanperp[c] += r[F_PERPLEXITY];
      frac[c] += r[F_HAMMING] == 0;
    } else if (r[F_STATUS] == -1)
      failed++;
  }
  for (hsize_t c = 0; c < ncell; c++) {
    const double n = ndone[c];
    mean[c]        = n > 0 ? mean[c] / n : NAN;
    meansoft[c]    = n > 0 ? meansoft[c] / n : NAN;
    meanperp[c]    = n > 0 ? meanperp[c] / n : NAN;
    frac[c]        = n > 0 ? frac[c] / n : NAN;
  }
  PetscOptionsGetAll(NULL, &opts);
  e |= TpH5WriteAttrString(f, "program", "tripart sweep");
  e |= TpH5WriteAttrString(f, "version", TRIPART_VERSION);
  e |= TpH5WriteAttrString(f, "description", sw->desc);
  e |= TpH5WriteAttrString(f, "options", opts ? opts : "");
  e |= TpH5WriteAttrString(f, "stepper", sw->stepper);
  e |= TpH5WriteAttrString(f, "patterns", sw->file[0] ? sw->file : "random");
  e |= TpH5WriteAttrInt(f, "neurons", sw->N);
  e |= TpH5WriteAttrInt(f, "seed", sw->seed);
  e |= TpH5WriteAttrInt(f, "ranks", size);
  e |= TpH5WriteAttrInt(f, "ranks_per_trial", sw->ranks_per_trial);
  e |= TpH5WriteAttrInt(f, "trials_total", (long long)nT);
  e |= TpH5WriteAttrInt(f, "trials_done", done);
  e |= TpH5WriteAttrInt(f, "trials_failed", failed);
  e |= TpH5WriteAttrInt(f, "complete", done + failed == (long long)nT);
  e |= TpH5WriteAttrDouble(f, "wall_time", wall);
  PetscFree(opts);
  /* the grid */
  g  = H5Gcreate2(f, "grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, 32);
  {
    hsize_t n = (hsize_t)sw->nM;
    e |= WriteArray(g, "model", st, st, 1, &n, sw->models);
    n = (hsize_t)sw->nK;
    for (PetscInt q = 0; q < sw->nK; q++) lv[q] = sw->K[q];
    e |= WriteArray(g, "K", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &n, lv);
    n = (hsize_t)sw->nF;
    for (PetscInt q = 0; q < sw->nF; q++) lv[q] = sw->F[q];
    e |= WriteArray(g, "flips", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &n, lv);
    n = (hsize_t)sw->S;
    for (PetscInt q = 0; q < sw->S; q++) lv[q] = sw->seed + q;
    e |= WriteArray(g, "seed", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &n, lv);
  }
  H5Tclose(st);
  H5Gclose(g);
  /* one array per field, shape (model, K, flips, trial) */
  g = H5Gcreate2(f, "results", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  for (int q = 0; q < NF; q++) {
    const int integer = FieldIsInteger(q);
    for (hsize_t t = 0; t < nT; t++) {
      col[t] = tab[t * NF + q];
      if (integer) lv[t] = tab[t * NF + F_STATUS] == 1 || q == F_STATUS ? (long long)col[t] : -1;
    }
    if (integer)
      e |= WriteArray(g, FieldNames[q], H5T_STD_I64LE, H5T_NATIVE_LLONG, 4, dims, lv);
    else {
      for (hsize_t t = 0; t < nT; t++)
        if (tab[t * NF + F_STATUS] != 1) col[t] = NAN;
      e |= WriteArray(g, FieldNames[q], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 4, dims, col);
    }
  }
  H5Gclose(g);
  /* means over the trials of each grid point */
  g = H5Gcreate2(f, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  e |= WriteArray(g, "mean_hamming_error", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dims, mean);
  e |= WriteArray(g, "mean_soft_hamming_error", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dims, meansoft);
  e |= WriteArray(g, "mean_perplexity", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dims, meanperp);
  e |= WriteArray(g, "retrieval_fraction", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dims, frac);
  e |= WriteArray(g, "trials_done", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dims, ndone);
  H5Gclose(g);
  free(col);
  free(lv);
  free(mean);
  free(meansoft);
  free(meanperp);
  free(frac);
  free(ndone);
  if (H5Fclose(f) < 0) e = -1;
  if (e) {
    unlink(tmp);
    snprintf(msg, len, "Writing sweep table '%s' failed (disk full?); the previous table is untouched", sw->out);
    return;
  }
  if (rename(tmp, sw->out)) {
    snprintf(msg, len, "Cannot rename '%s' to '%s': %s", tmp, sw->out, strerror(errno));
    unlink(tmp);
  }
}

/* Rank 0 alone: the trials an earlier run of this same sweep finished, from its table; a table that
   cannot be resumed is described in msg. */
static void ReadTable(Sweep *sw, double *tab, double *wall, PetscBool *found, char *msg, size_t len)
{
  const hsize_t nT = (hsize_t)(sw->nM * sw->nK * sw->nF * sw->S);
  char desc[sizeof(sw->desc)];
  double *col;
  long long *lv;
  PetscBool has;
  hid_t f, g;
  int bad = 0, q;

  *found = PETSC_FALSE;
  if (access(sw->out, F_OK)) return;
  if (H5Fis_hdf5(sw->out) <= 0 || (f = H5Fopen(sw->out, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    snprintf(msg, len, "Sweep table '%s' (option -o) exists but is not a readable HDF5 file; move it away", sw->out);
    return;
  }
  if (TpH5ReadAttrString(f, "description", desc, sizeof(desc), &has) || !has || strcmp(desc, sw->desc)) {
    H5Fclose(f);
    snprintf(msg, len,
             "Sweep table '%s' (option -o) holds another sweep (other grid, models, stepper or parameters); "
             "rerun with its arguments to resume it, or choose another -o",
             sw->out);
    return;
  }
  if (TpH5ReadAttrDouble(f, "wall_time", wall, &has) || !has) *wall = 0;
  col = malloc(sizeof(double) * nT);
  lv  = malloc(sizeof(long long) * nT);
  g   = H5Gopen2(f, "results", H5P_DEFAULT);
  for (q = 0; q < NF && !bad; q++) {
    const int integer = FieldIsInteger(q);
    hid_t d           = g < 0 ? -1 : H5Dopen2(g, FieldNames[q], H5P_DEFAULT);
    hid_t sp          = d < 0 ? -1 : H5Dget_space(d);
    hssize_t n        = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    if (n != (hssize_t)nT || H5Dread(d, integer ? H5T_NATIVE_LLONG : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                     integer ? (void *)lv : (void *)col) < 0)
      bad = 1;
    else
      for (hsize_t t = 0; t < nT; t++) tab[t * NF + q] = integer ? (double)lv[t] : col[t];
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
  }
  for (hsize_t t = 0; t < nT && !bad; t++)
    if (tab[t * NF + F_STATUS] != 1 && tab[t * NF + F_STATUS] != -1) tab[t * NF + F_STATUS] = 0;
  if (g >= 0) H5Gclose(g);
  H5Fclose(f);
  free(col);
  free(lv);
  if (bad) {
    snprintf(msg, len, "Sweep table '%s' (option -o) is damaged: /results/%s is missing or has the wrong size", sw->out,
             FieldNames[q - 1]);
    return;
  }
  *found = PETSC_TRUE;
}

/* ---------------------------------------------------------------- set-up */

static PetscErrorCode SweepSetFromOptions(Sweep *sw, PetscBool *help)
{
  char models[512] = "gated,naam,hopfield,dam,oracle", klist[1024] = "2:200@20", flist[1024] = "1:10";
  PetscBool set;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(sw->comm, &size));
  PetscCall(PetscOptionsHasHelp(NULL, help));
  sw->S               = 50;
  sw->N               = 20;
  sw->seed            = 1;
  sw->ranks_per_trial = 1;
  sw->interval        = 5;
  PetscCall(PetscStrncpy(sw->out, "tripart-sweep.h5", sizeof(sw->out)));
  PetscOptionsBegin(sw->comm, NULL, "Sweep options (tripart sweep)", "tripart");
  PetscCall(PetscOptionsString("-models", "Models to compare, comma-separated: " TP_MODEL_NAMES, "", models, models,
                               sizeof(models), NULL));
  PetscCall(PetscOptionsString("-K", "Stored patterns: A, A:B, A:B:STEP or A:B@COUNT (geometric), comma-separated", "",
                               klist, klist, sizeof(klist), NULL));
  PetscCall(
      PetscOptionsString("-flips", "Flipped bits of the cue, same forms as -K", "", flist, flist, sizeof(flist), NULL));
  PetscCall(PetscOptionsInt("-trials", "Random pattern sets (and cues) per grid point", "", sw->S, &sw->S, NULL));
  PetscCall(PetscOptionsInt("-N", "Neurons", "", sw->N, &sw->N, NULL));
  PetscCall(
      PetscOptionsInt("-seed", "Seed of the first pattern set; set s uses seed + s", "", sw->seed, &sw->seed, NULL));
  PetscCall(PetscOptionsString("-patterns_file", "HDF5 file with /patterns (K x N, -1/+1): trials store its first K",
                               "", sw->file, sw->file, sizeof(sw->file), NULL));
  PetscCall(PetscOptionsInt("-ranks_per_trial", "Ranks that run one trial together (must divide the ranks)", "",
                            sw->ranks_per_trial, &sw->ranks_per_trial, NULL));
  PetscCall(PetscOptionsString("-o", "Output table (HDF5; rewritten as FILE.part and renamed at every save)", "",
                               sw->out, sw->out, sizeof(sw->out), NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "Seconds between progress lines and saves of the table", "",
                             sw->interval, &sw->interval, NULL));
  PetscCall(PetscOptionsBool("-quiet", "No progress lines", "", sw->quiet, &sw->quiet, NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasName(NULL, NULL, "-model", &set));
  PetscCheck(!set, sw->comm, PETSC_ERR_ARG_WRONG, "Option -model is for tripart run; a sweep takes -models LIST");
  PetscCall(PetscOptionsHasName(NULL, NULL, "-cue_flip_fraction", &set));
  PetscCheck(!set, sw->comm, PETSC_ERR_ARG_WRONG, "Option -cue_flip_fraction is for tripart run; a sweep takes -flips");
  PetscCall(PetscOptionsHasName(NULL, NULL, "-cue_flip_count", &set));
  PetscCheck(!set, sw->comm, PETSC_ERR_ARG_WRONG, "Option -cue_flip_count is for tripart run; a sweep takes -flips");
  PetscCheck(sw->S > 0, sw->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -trials must be positive; got %" PetscInt_FMT,
             sw->S);
  PetscCheck(sw->interval > 0, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -progress_interval must be positive; got %.6g", (double)sw->interval);
  PetscCheck(sw->ranks_per_trial > 0 && size % sw->ranks_per_trial == 0, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -ranks_per_trial must divide the %d ranks; got %" PetscInt_FMT, size, sw->ranks_per_trial);
  {
    char buf[512], *save = NULL, *item;
    PetscCall(PetscStrncpy(buf, models, sizeof(buf)));
    for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
      PetscCheck(sw->nM < MAXMODELS, sw->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -models lists more than %d models",
                 MAXMODELS);
      PetscBool exists;
      PetscCall(TpModelTypeExists(item, &exists));
      PetscCheck(exists && strlen(item) < sizeof(sw->models[0]), sw->comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
                 "Option -models: unknown model '%s'; available models: " TP_MODEL_NAMES, item);
      for (PetscInt q = 0; q < sw->nM; q++)
        PetscCheck(strcmp(sw->models[q], item), sw->comm, PETSC_ERR_ARG_WRONG, "Option -models lists '%s' twice", item);
      PetscCall(PetscStrncpy(sw->models[sw->nM++], item, sizeof(sw->models[0])));
    }
    PetscCheck(sw->nM > 0, sw->comm, PETSC_ERR_ARG_WRONG, "Option -models names no model: '%s'", models);
  }
  PetscCall(ParseList(sw->comm, "-K", klist, 1, &sw->K, &sw->nK));
  PetscCall(ParseList(sw->comm, "-flips", flist, 0, &sw->F, &sw->nF));
  if (sw->file[0]) {
    TpPatterns probe;
    PetscCall(TpPatternsCreate(sw->comm, &probe));
    PetscCall(TpPatternsLoadFile(probe, sw->file, &sw->Kfile));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-N", &set));
    PetscCheck(!set || sw->N == probe->N, sw->comm, PETSC_ERR_ARG_INCOMP,
               "Option -N %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " neurons of -patterns_file '%s'", sw->N,
               probe->N, sw->file);
    sw->N          = probe->N;
    sw->file_xi    = probe->file_xi;
    probe->file_xi = NULL;
    PetscCall(TpPatternsDestroy(&probe));
  }
  PetscCheck(sw->N > 0, sw->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -N must be positive; got %" PetscInt_FMT, sw->N);
  for (PetscInt q = 0; q < sw->nK; q++)
    PetscCheck(!sw->file[0] || sw->K[q] <= sw->Kfile, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -K asks for %" PetscInt_FMT " patterns; -patterns_file '%s' holds %" PetscInt_FMT, sw->K[q],
               sw->file, sw->Kfile);
  for (PetscInt q = 0; q < sw->nK; q++)
    PetscCheck((double)sw->K[q] * sw->N <= 268435456.0, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -K: %" PetscInt_FMT " patterns of N = %" PetscInt_FMT
               " neurons are more than 2^28 values (2 GiB) per trial",
               sw->K[q], sw->N);
  for (PetscInt q = 0; q < sw->nF; q++)
    PetscCheck(sw->F[q] <= sw->N, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -flips asks for %" PetscInt_FMT " flipped bits of N = %" PetscInt_FMT " neurons", sw->F[q],
               sw->N);
  PetscFunctionReturn(0);
}

/* Builds every model once on all ranks (options are checked here, collectively, before any trial),
   and the canonical description a resumed sweep must match. */
static PetscErrorCode SweepDescribe(Sweep *sw)
{
  char part[2048];
  TS ts;
  PetscReal dt = 0, tf = 0;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(sw->desc, sizeof(sw->desc),
                          "sweep;N=%" PetscInt_FMT ";trials=%" PetscInt_FMT ";seed=%" PetscInt_FMT ";patterns=%s;",
                          sw->N, sw->S, sw->seed, sw->file[0] ? sw->file : "random"));
  PetscCall(AppendList(sw->desc, sizeof(sw->desc), "K", sw->K, sw->nK));
  PetscCall(AppendList(sw->desc, sizeof(sw->desc), "flips", sw->F, sw->nF));
  for (PetscInt im = 0; im < sw->nM; im++) {
    TpPatterns pat;
    TpNetwork net;
    TpModel model;
    uint64_t h;
    PetscCall(TrialCreate(sw, sw->comm, im, sw->K[0], sw->F[0], 0, &pat, &net, &model));
    PetscCall(TpModelDescribe(model, part, sizeof(part)));
    PetscCall(PetscStrlcat(sw->desc, part, sizeof(sw->desc)));
    PetscCall(TpNetworkFingerprint(net, &h));
    PetscCall(PetscSNPrintf(part, sizeof(part), "network=%016llx;", (unsigned long long)h));
    PetscCall(PetscStrlcat(sw->desc, part, sizeof(sw->desc)));
    if (im == 0) { /* the trials' stepper, as -ts_* options make it */
      char name[64];
      PetscCall(TrialStepper(model, &ts));
      PetscCall(TpTSGetName(ts, name, sizeof(name)));
      PetscCall(TSGetTimeStep(ts, &dt));
      PetscCall(TSGetMaxTime(ts, &tf));
      PetscCall(PetscSNPrintf(sw->stepper, sizeof(sw->stepper), "%s, dt %.6g, to t = %.6g", name, dt, tf));
      PetscCall(TSDestroy(&ts));
    }
    PetscCall(TpModelDestroy(&model));
    PetscCall(TpNetworkDestroy(&net));
    PetscCall(TpPatternsDestroy(&pat));
  }
  PetscCheck(PetscIsNormalReal(dt) && dt > 0, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -ts_dt must be a positive number; got %.6g", (double)dt);
  PetscCall(PetscSNPrintf(part, sizeof(part), "stepper=%s;", sw->stepper));
  PetscCall(PetscStrlcat(sw->desc, part, sizeof(sw->desc)));
  {
    size_t l;
    PetscCall(PetscStrlen(sw->desc, &l));
    PetscCheck(l + 1 < sizeof(sw->desc), sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "The sweep's grid is too long to describe (%zu characters); split it into several sweeps", l);
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- scheduling */

typedef struct {
  double cost;
  PetscInt t;
} Job;

static int CompareJob(const void *a, const void *b)
{
  const Job *x = a, *y = b;
  if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
  return (x->t > y->t) - (x->t < y->t);
}

/* Relative cost of a trial: the right-hand side's work (naam carries N^2 synapses and processes). */
static double TrialCost(Sweep *sw, PetscInt t)
{
  PetscInt im, k, f, s;
  TrialIndex(sw, t, &im, &k, &f, &s);
  const double N = (double)sw->N, K = (double)sw->K[k];
  if (!strcmp(sw->models[im], "oracle")) return 1e-3 * N * K;
  if (!strcmp(sw->models[im], "naam")) return 0.5 * N * N * (2 * K + 40); /* measured: 7-11 times gated at N = 20 */
  return N * (2 * K + 40) + 200;
}

/* The pending trials of group `color` of G: longest first, each to the least loaded group. */
static PetscErrorCode Schedule(Sweep *sw, const double *status, PetscInt G, PetscInt color, PetscInt **mine,
                               PetscInt *nmine)
{
  const PetscInt nT = sw->nM * sw->nK * sw->nF * sw->S;
  Job *jobs;
  double *load;
  PetscInt nj = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nT, &jobs));
  PetscCall(PetscCalloc1(G, &load));
  PetscCall(PetscMalloc1(nT + 1, mine));
  for (PetscInt t = 0; t < nT; t++)
    if (status[t] == 0) jobs[nj++] = (Job){TrialCost(sw, t), t};
  qsort(jobs, (size_t)nj, sizeof(Job), CompareJob);
  *nmine = 0;
  for (PetscInt q = 0; q < nj; q++) {
    PetscInt g = 0;
    for (PetscInt h = 1; h < G; h++)
      if (load[h] < load[g]) g = h;
    load[g] += jobs[q].cost;
    if (g == color) (*mine)[(*nmine)++] = jobs[q].t;
  }
  PetscCall(PetscFree(jobs));
  PetscCall(PetscFree(load));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the sweep */

PetscErrorCode TpSweepRun(int *status)
{
  Sweep sw = {.comm = PETSC_COMM_WORLD};
  PetscMPIInt rank, size, grank;
  PetscInt nT, G, color, *mine = NULL, nmine = 0, pos = 0, failures = 0, done0 = 0, ndone = 0;
  double *tab = NULL, *st, *mybuf, prev_wall = 0, cost_all = 0, cost_done = 0;
  PetscBool help, found = PETSC_FALSE;
  MPI_Comm gcomm;
  PetscLogDouble start, now;
  char msg[3 * PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBegin;
  *status = 0;
  PetscCallMPI(MPI_Comm_rank(sw.comm, &rank));
  PetscCallMPI(MPI_Comm_size(sw.comm, &size));
  PetscCall(SweepSetFromOptions(&sw, &help));
  if (!help) PetscCall(TpOutputCheckPath(sw.comm, sw.out));
  PetscCall(SweepDescribe(&sw));
  if (help) goto cleanup;
  nT = sw.nM * sw.nK * sw.nF * sw.S;

  /* what an earlier run of this sweep finished */
  PetscCall(PetscMalloc1(nT, &st));
  if (!rank) {
    PetscCall(PetscCalloc1((size_t)nT * NF, &tab));
    ReadTable(&sw, tab, &prev_wall, &found, msg, sizeof(msg));
    for (PetscInt t = 0; t < nT; t++) st[t] = tab[(size_t)t * NF + F_STATUS];
  }
  PetscCall(TpRootCheck(sw.comm, PETSC_ERR_FILE_UNEXPECTED, msg, sizeof(msg)));
  PetscCallMPI(MPI_Bcast(st, (PetscMPIInt)nT, MPI_DOUBLE, 0, sw.comm));
  for (PetscInt t = 0; t < nT; t++) {
    done0 += st[t] != 0;
    if (st[t] == 0) cost_all += TrialCost(&sw, t);
  }
  ndone = done0;

  /* groups of ranks, and their shares of the pending trials */
  G     = size / sw.ranks_per_trial;
  color = rank / sw.ranks_per_trial;
  PetscCallMPI(MPI_Comm_split(sw.comm, (int)color, rank, &gcomm));
  PetscCallMPI(MPI_Comm_rank(gcomm, &grank));
  PetscCall(Schedule(&sw, st, G, color, &mine, &nmine));
  PetscCall(PetscFree(st));
  PetscCall(PetscMalloc1((size_t)(nmine + 1) * (NF + 1), &mybuf));
  if (!sw.quiet) {
    PetscCall(PetscPrintf(sw.comm,
                          "tripart %s sweep: %" PetscInt_FMT " models x %" PetscInt_FMT " K x %" PetscInt_FMT
                          " flips x %" PetscInt_FMT " trials = %" PetscInt_FMT " trials, N = %" PetscInt_FMT
                          ", %s patterns\n",
                          TRIPART_VERSION, sw.nM, sw.nK, sw.nF, sw.S, nT, sw.N, sw.file[0] ? sw.file : "random"));
    PetscCall(PetscPrintf(sw.comm, "  stepper %s; %d ranks in %" PetscInt_FMT " groups of %" PetscInt_FMT "\n",
                          sw.stepper, size, G, sw.ranks_per_trial));
    if (found)
      PetscCall(PetscPrintf(sw.comm, "  resuming %s: %" PetscInt_FMT " trials already done, %" PetscInt_FMT " to run\n",
                            sw.out, done0, nT - done0));
  }

  PetscCall(PetscTime(&start));
  for (;;) {
    PetscLogDouble round0;
    PetscInt nnew       = 0, left[2];
    int flag            = 1;
    PetscMPIInt *counts = NULL, *displs = NULL, n;
    double *recv = NULL;

    PetscCall(PetscTime(&round0));
    for (;;) {
      if (!grank) {
        PetscCall(PetscTime(&now));
        flag = pos < nmine && now - round0 < sw.interval && !TpSignalCaught();
      }
      if (sw.ranks_per_trial > 1) PetscCallMPI(MPI_Bcast(&flag, 1, MPI_INT, 0, gcomm));
      if (!flag) break;
      {
        double *rec = mybuf + (size_t)nnew * (NF + 1);
        rec[0]      = (double)mine[pos];
        PetscCall(TrialRunGuarded(&sw, gcomm, mine[pos], rec + 1, &failures));
        pos++;
        if (!grank) nnew++;
      }
    }
    /* every group's results to rank 0 */
    left[0] = grank ? 0 : nmine - pos;
    left[1] = TpSignalCaught();
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, left, 2, MPIU_INT, MPI_MAX, sw.comm));
    n = (PetscMPIInt)(nnew * (NF + 1));
    if (!rank) PetscCall(PetscMalloc2(size, &counts, size, &displs));
    PetscCallMPI(MPI_Gather(&n, 1, MPI_INT, counts, 1, MPI_INT, 0, sw.comm));
    if (!rank) {
      PetscInt tot = 0;
      for (PetscMPIInt r = 0; r < size; r++) {
        displs[r] = (PetscMPIInt)tot;
        tot += counts[r];
      }
      PetscCall(PetscMalloc1(tot + 1, &recv));
    }
    PetscCallMPI(MPI_Gatherv(mybuf, n, MPI_DOUBLE, recv, counts, displs, MPI_DOUBLE, 0, sw.comm));
    PetscCall(PetscTime(&now));
    if (!rank) {
      PetscInt got = (displs[size - 1] + counts[size - 1]) / (NF + 1);
      for (PetscInt q = 0; q < got; q++) {
        const double *rec = recv + (size_t)q * (NF + 1);
        PetscCall(PetscArraycpy(tab + (size_t)rec[0] * NF, rec + 1, NF));
        cost_done += TrialCost(&sw, (PetscInt)rec[0]);
      }
      ndone += got;
      PetscCall(PetscFree2(counts, displs));
      PetscCall(PetscFree(recv));
    }
    PetscCallMPI(MPI_Bcast(&ndone, 1, MPIU_INT, 0, sw.comm));
    PetscCall(TpOutputCheckRoom(sw.comm, sw.out, (double)nT * 8 * (NF + 1) + 65536.0, "sweep table",
                                "; the previous table is untouched"));
    if (!rank) WriteTable(&sw, tab, prev_wall + (now - start), size, msg, sizeof(msg));
    PetscCall(TpRootCheck(sw.comm, PETSC_ERR_FILE_WRITE, msg, sizeof(msg)));
    if (!sw.quiet) {
      /* time left from the estimated cost of the trials left (the costliest run first) */
      const double rate   = (ndone - done0) / PetscMax(now - start, 1e-9);
      const double left_s = cost_done > 0 ? (now - start) * (cost_all - cost_done) / cost_done : 0.0;
      PetscCall(PetscPrintf(sw.comm,
                            "  %" PetscInt_FMT "/%" PetscInt_FMT " trials (%.1f %%), %.4g trials/s, %.0f s left\n",
                            ndone, nT, 100.0 * ndone / nT, rate, left_s));
    }
    if (left[1]) {
      PetscCall(PetscPrintf(sw.comm,
                            "tripart: sweep stopped by a signal with %" PetscInt_FMT " of %" PetscInt_FMT
                            " trials saved in %s; run the same command again to finish it\n",
                            ndone, nT, sw.out));
      *status = TP_EXIT_CHECKPOINTED;
      break;
    }
    if (!left[0]) break;
  }
  if (grank) failures = 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPIU_INT, MPI_SUM, sw.comm));
  if (!sw.quiet && !*status) {
    PetscCall(PetscTime(&now));
    PetscCall(PetscPrintf(sw.comm, "  done: %" PetscInt_FMT " trials in %.2f s (%.4g trials/s)%s; table %s\n",
                          ndone - done0, now - start, (ndone - done0) / PetscMax(now - start, 1e-9),
                          failures ? ", some failed (status -1 in the table)" : "", sw.out));
  }
  PetscCall(PetscFree(mybuf));
  PetscCallMPI(MPI_Comm_free(&gcomm));
cleanup:
  PetscCall(PetscFree(tab));
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree(sw.K));
  PetscCall(PetscFree(sw.F));
  PetscCall(PetscFree(sw.file_xi));
  PetscFunctionReturn(0);
}
