/* tripart sweep: independent trials over a grid, one HDF5 table of results.

   The grid is models x K x flipped bits x pattern sets (trials); -grid_<option> v1,v2,... (any model or
   stepper option, several of them) makes each model a variant per combination of their values (the table's
   first dimension: its model and each option's value under /grid).  Trial (model, K, f, s) stores
   the K patterns drawn with seed = -seed + s (the first K of -patterns_file if given), cues
   pattern 0 (pattern s mod K for a file) with exactly f bits flipped, and runs the model from it;
   every model sees the same patterns and cues.  Each trial is a TpRun (tprun.h) whose columns in
   the table are the summary scalars its model declares, plus steps, right-hand sides, wall time
   and status; any model can be swept.  The ranks are split into groups of -ranks_per_trial; each
   group runs its share of the trials (longest first, balanced by the models' cost estimates), and
   every -progress_interval seconds all groups hand their results to rank 0, and the table is
   rewritten (TpH5WriteFile(): FILE.part, renamed) with a progress line.  A rerun with the same
   arguments reads the table and runs only the trials it lacks. */
#include <tpcli.h>
#include <tprun.h>
#include <tph5.h>
#include <tputil.h>
#include <tprandom.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define MAXMODELS 16
#define MAXCOLS 64
#define MAXGRID 8        /* -grid_<option> dimensions */
#define MAXVARIANTS 4096 /* models x their values */

/* A column of the table: a summary scalar of some model, or one of the run's own. */
typedef struct {
  char name[64];
  PetscBool integer;
  PetscBool mean;         /* /summary/mean_<name> */
  char zero_fraction[64]; /* /summary/<zero_fraction>: the fraction of done trials where it is 0 */
} Column;

/* The run's own columns, after the models' summary columns. */
enum { C_STEPS, C_RHS, C_WALL, C_STATUS, C_OWN };
static const char *const OwnNames[C_OWN] = {"steps", "rhs_evaluations", "wall_time", "status"};
/* status: 0 not run, 1 done, -1 failed (the model could not run it, e.g. an undefined slaved start) */

typedef struct {
  MPI_Comm comm;                   /* world */
  char (*models)[32];              /* each variant's model type (-models, times the -grid_ combinations) */
  char (*vopts)[512];              /* each variant's options, "-name value ..." ("" without -grid_) */
  PetscInt nM, nK, nF, S, N, seed; /* grid sizes (nM: variants), neurons, base seed */
  PetscInt ngrid, gn[MAXGRID];     /* -grid_<option>: how many, each one's number of values */
  char gname[MAXGRID][64];         /* the options (without "-") */
  char *gval[MAXGRID];             /* their values, as given: comma-separated */
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
  Column cols[MAXCOLS]; /* the models' summary columns, then the run's own */
  PetscInt ncols, NF;   /* summary columns, all fields of a trial's record */
  PetscInt *colmap;     /* nM x MAXCOLS: the column of each model's summary scalar k */
  PetscInt *nsum;       /* nM: summary scalars of each model */
  double *cost;         /* nM x nK: relative cost of a trial */
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

/* The value of option g in combination `rest` (of one model's variants), and that value's text. */
static PetscInt VariantPick(const Sweep *sw, PetscInt rest, PetscInt g)
{
  PetscInt stride = 1;
  for (PetscInt h = g + 1; h < sw->ngrid; h++) stride *= sw->gn[h];
  return (rest / stride) % sw->gn[g];
}

static void GridValue(const Sweep *sw, PetscInt g, PetscInt k, char v[64])
{
  const char *p = sw->gval[g];
  size_t n;
  for (PetscInt i = 0; i < k; i++) p = strchr(p, ',') + 1;
  n = strcspn(p, ",");
  memcpy(v, p, n);
  v[n] = 0;
}

/* The options of variant im into the options database (set) or out of it again. */
static PetscErrorCode VariantOptions(Sweep *sw, PetscInt im, PetscBool set)
{
  char buf[512], *save = NULL, *name;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, sw->vopts[im], sizeof(buf)));
  for (name = strtok_r(buf, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
    const char *value = strtok_r(NULL, " ", &save);
    if (set)
      PetscCall(PetscOptionsSetValue(NULL, name, value));
    else
      PetscCall(PetscOptionsClearValue(NULL, name));
  }
  PetscFunctionReturn(0);
}

/* A signal stops a running trial (polled by its ranks after its steps), which stays to do: a resumed sweep
   runs it again.  Without this a trial that runs for hours held the sweep's stop until it ended. */
typedef struct {
  MPI_Comm comm;
  TpPoller poll;
  PetscBool stopped;
} TrialStop;

static PetscErrorCode TrialSignals(TpStepper st, TpHookPoint point, void *ctx)
{
  TrialStop *ts = ctx;
  PetscInt64 step;
  int64_t sig = 0;
  PetscBool due;

  PetscFunctionBegin;
  PetscCall(TpStepperGetStep(st, &step));
  if (point == TP_HOOK_START) PetscCall(TpPollerStart(&ts->poll, ts->comm, step));
  if (point != TP_HOOK_STEP) PetscFunctionReturn(0);
  if (TpPollerDue(&ts->poll, step)) sig = TpSignalCaught();
  PetscCall(TpPollerReduce(&ts->poll, step, 1, &sig, &due));
  if (sig) {
    ts->stopped = PETSC_TRUE;
    PetscCall(TpStepperRequestStop(st));
  }
  PetscFunctionReturn(0);
}

/* The run of a trial on comm, set up: the published protocol (explicit Euler, dt = 1e-3, to
   t = 10) unless -ts_* say otherwise; only the last state is observed; with stop, a signal stops it. */
static PetscErrorCode TrialCreate(Sweep *sw, MPI_Comm comm, PetscInt im, PetscInt K, PetscInt flips, PetscInt s,
                                  TrialStop *stop, TpRun *run)
{
  TpPatterns pat;

  PetscFunctionBegin;
  PetscCall(TpRunCreate(comm, run));
  PetscCall(TpRunSetModelType(*run, sw->models[im]));
  PetscCall(TpRunSetDefaultSize(*run, sw->N));
  PetscCall(TpRunSetSeed(*run, sw->seed + s));
  PetscCall(TpPatternsCreate(comm, &pat));
  PetscCall(TpPatternsSetNumber(pat, K));
  PetscCall(TpPatternsSetCue(pat, sw->file_xi ? s % K : 0, flips));
  if (sw->file_xi) PetscCall(TpPatternsSetData(pat, sw->file, K, sw->N, sw->file_xi));
  PetscCall(TpRunSetPatterns(*run, pat));
  PetscCall(TpRunSetStepperDefaults(*run, TSEULER, 1e-3, 10.0, 1000000000));
  PetscCall(TpRunSetRecording(*run, 0, PETSC_TRUE));
  PetscCall(VariantOptions(sw, im, PETSC_TRUE));
  PetscCall(TpRunSetFromOptions(*run));
  PetscCall(TpRunSetUp(*run));
  PetscCall(VariantOptions(sw, im, PETSC_FALSE));
  if (stop) {
    TpStepper st;
    stop->comm    = comm;
    stop->stopped = PETSC_FALSE;
    PetscCall(TpRunGetStepper(*run, &st));
    PetscCall(TpStepperAddHook(st, TrialSignals, stop, 0));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TrialRun(Sweep *sw, MPI_Comm comm, PetscInt t, double *res)
{
  PetscInt im, k, f, s;
  double summary[MAXCOLS];
  PetscInt64 steps, nrhs;
  PetscLogDouble t0, t1;
  TpStepper st;
  TpModel model;
  TpRun run;
  TrialStop stop;

  PetscFunctionBegin;
  TrialIndex(sw, t, &im, &k, &f, &s);
  PetscCall(PetscTime(&t0));
  PetscCall(TrialCreate(sw, comm, im, sw->K[k], sw->F[f], s, &stop, &run));
  PetscCall(TpRunSolve(run));
  PetscCall(TpRunSummarize(run, summary));
  PetscCall(TpRunGetStepper(run, &st));
  PetscCall(TpRunGetModel(run, &model));
  PetscCall(TpStepperGetStep(st, &steps));
  PetscCall(TpModelGetEvaluations(model, &nrhs, NULL));
  PetscCall(TpRunDestroy(&run));
  PetscCall(PetscTime(&t1));
  for (PetscInt q = 0; q < sw->NF; q++) res[q] = NAN;
  if (stop.stopped) { /* stopped by a signal: not done */
    res[sw->ncols + C_STATUS] = 0;
    PetscFunctionReturn(0);
  }
  for (PetscInt q = 0; q < sw->nsum[im]; q++) res[sw->colmap[im * MAXCOLS + q]] = summary[q];
  res[sw->ncols + C_STEPS]  = (double)steps;
  res[sw->ncols + C_RHS]    = (double)nrhs;
  res[sw->ncols + C_WALL]   = t1 - t0;
  res[sw->ncols + C_STATUS] = 1;
  PetscFunctionReturn(0);
}

/* A trial the model cannot run (its slaved start undefined, its stepping diverged) is recorded as
   failed, not fatal: the error is kept quiet and the sweep goes on. */
static PetscErrorCode TrialRunGuarded(Sweep *sw, MPI_Comm comm, PetscInt t, double *res, PetscInt *failures)
{
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TrialRun(sw, comm, t, res);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    for (PetscInt q = 0; q < sw->NF; q++) res[q] = NAN;
    res[sw->ncols + C_STATUS] = -1;
    (*failures)++;
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- the table file */

static const Column *Col(const Sweep *sw, PetscInt q, Column *own)
{
  if (q < sw->ncols) return &sw->cols[q];
  memset(own, 0, sizeof(*own));
  snprintf(own->name, sizeof(own->name), "%s", OwnNames[q - sw->ncols]);
  own->integer = q - sw->ncols != C_WALL;
  return own;
}

/* Column q as the file holds it: doubles (NaN where not done) or integers (-1 where not done). */
static void ColumnValues(const Sweep *sw, const double *tab, PetscInt q, PetscBool integer, double *col, long long *lv)
{
  const hsize_t nT  = (hsize_t)(sw->nM * sw->nK * sw->nF * sw->S);
  const PetscInt st = sw->ncols + C_STATUS;
  for (hsize_t t = 0; t < nT; t++) {
    const double v       = tab[t * sw->NF + q];
    const PetscBool done = tab[t * sw->NF + st] == 1 || q == st;
    if (integer)
      lv[t] = done && !PetscIsNanReal(v) ? (long long)v : -1;
    else
      col[t] = done ? v : NAN;
  }
}

/* A hash of every column of /results, as the file holds them: a table edited by hand is not resumed. */
static uint64_t ColumnHash(PetscInt q, hsize_t nT, PetscBool integer, const double *col, const long long *lv)
{
  uint64_t h = 0, b;
  for (hsize_t t = 0; t < nT; t++) {
    if (integer)
      b = (uint64_t)lv[t];
    else
      memcpy(&b, &col[t], 8);
    h += TpHash(b, 40 + (uint64_t)q, (uint64_t)t, 0);
  }
  return h;
}

typedef struct {
  Sweep *sw;
  const double *tab; /* rank 0: nT x NF */
  double wall;
  PetscMPIInt size;
} TableCtx;

/* Collective: the whole table; its data on rank 0 (the others pass NULL to TpH5WriteRoot). */
/* /grid/<option> for each -grid_<option>: each variant's value (float64 where every value is a number, else
   strings), and /grid's attribute "options" naming them. */
static PetscErrorCode WriteGridOptions(MPI_Comm comm, hid_t g, const Sweep *sw)
{
  const hsize_t n          = (hsize_t)sw->nM;
  char names[MAXGRID * 65] = "";
  double *num;
  char(*str)[48];
  hid_t s48;

  PetscFunctionBegin;
  if (!sw->ngrid) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(n, &num, n, &str));
  PetscCallH5(s48 = H5Tcopy(H5T_C_S1));
  PetscCallH5(H5Tset_size(s48, 48));
  for (PetscInt q = 0; q < sw->ngrid; q++) {
    PetscBool numeric = PETSC_TRUE;
    PetscInt per      = 1;
    for (PetscInt h = 0; h < sw->ngrid; h++) per *= sw->gn[h];
    for (PetscInt im = 0; im < sw->nM; im++) {
      char v[64], *end;
      GridValue(sw, q, VariantPick(sw, im % per, q), v);
      PetscCall(PetscStrncpy(str[im], v, sizeof(str[0])));
      num[im] = strtod(v, &end);
      if (end == v || *end) numeric = PETSC_FALSE;
    }
    if (numeric)
      PetscCall(TpH5WriteRoot(comm, g, sw->gname[q], H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, &n, num));
    else
      PetscCall(TpH5WriteRoot(comm, g, sw->gname[q], s48, s48, 1, &n, str));
    if (q) PetscCall(PetscStrlcat(names, ",", sizeof(names)));
    PetscCall(PetscStrlcat(names, sw->gname[q], sizeof(names)));
  }
  PetscCall(TpH5WriteAttrString(g, "options", names));
  PetscCallH5(H5Tclose(s48));
  PetscCall(PetscFree2(num, str));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteTable(MPI_Comm comm, hid_t f, void *ctx)
{
  const TableCtx *c = ctx;
  Sweep *sw         = c->sw;
  const double *tab = c->tab;
  const hsize_t nT = (hsize_t)(sw->nM * sw->nK * sw->nF * sw->S), ncell = nT / (hsize_t)sw->S;
  const hsize_t dims[4] = {(hsize_t)sw->nM, (hsize_t)sw->nK, (hsize_t)sw->nF, (hsize_t)sw->S};
  const PetscInt st     = sw->ncols + C_STATUS;
  PetscMPIInt rank;
  long long counts[3] = {0, 0, 0}, *lv = NULL;
  double *col = NULL, *acc = NULL, *ndone = NULL, wall = c->wall;
  char *opts;
  hid_t g, s32;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    uint64_t h = 0;
    PetscCall(PetscMalloc2(nT + 1, &col, PetscMax(nT, 64) + 1, &lv));
    PetscCall(PetscCalloc2(ncell + 1, &acc, ncell + 1, &ndone));
    for (hsize_t t = 0; t < nT; t++) {
      counts[0] += tab[t * sw->NF + st] == 1;
      counts[1] += tab[t * sw->NF + st] == -1;
      ndone[t / (hsize_t)sw->S] += tab[t * sw->NF + st] == 1;
    }
    for (PetscInt q = 0; q < sw->NF; q++) {
      Column own;
      const Column *cl = Col(sw, q, &own);
      ColumnValues(sw, tab, q, cl->integer, col, lv);
      h += ColumnHash(q, nT, cl->integer, col, lv);
    }
    counts[2] = (long long)h;
  }
  PetscCallMPI(MPI_Bcast(counts, 3, MPI_LONG_LONG, 0, comm));
  PetscCallMPI(MPI_Bcast(&wall, 1, MPI_DOUBLE, 0, comm));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(TpH5WriteSignature(f, &TP_FORMAT_SWEEP));
  PetscCall(TpH5WriteAttrString(f, "program", "tripart sweep"));
  PetscCall(TpH5WriteAttrString(f, "description", sw->desc));
  PetscCall(TpH5WriteAttrString(f, "options", opts));
  PetscCall(TpH5WriteAttrString(f, "stepper", sw->stepper));
  PetscCall(TpH5WriteAttrString(f, "patterns", sw->file[0] ? sw->file : "random"));
  PetscCall(TpH5WriteAttrInt(f, "neurons", sw->N));
  PetscCall(TpH5WriteAttrInt(f, "seed", sw->seed));
  PetscCall(TpH5WriteAttrInt(f, "ranks", c->size));
  PetscCall(TpH5WriteAttrInt(f, "ranks_per_trial", sw->ranks_per_trial));
  PetscCall(TpH5WriteAttrInt(f, "trials_total", (long long)nT));
  PetscCall(TpH5WriteAttrInt(f, "trials_done", counts[0]));
  PetscCall(TpH5WriteAttrInt(f, "trials_failed", counts[1]));
  PetscCall(TpH5WriteAttrInt(f, "results_checksum", counts[2]));
  PetscCall(TpH5WriteAttrInt(f, "complete", counts[0] + counts[1] == (long long)nT));
  PetscCall(TpH5WriteAttrDouble(f, "wall_time", wall));
  PetscCall(PetscFree(opts));

  /* the grid */
  PetscCall(TpH5CreateGroup(f, "grid", &g));
  PetscCallH5(s32 = H5Tcopy(H5T_C_S1));
  PetscCallH5(H5Tset_size(s32, 32));
  {
    hsize_t n = (hsize_t)sw->nM;
    PetscCall(TpH5WriteRoot(comm, g, "model", s32, s32, 1, &n, sw->models));
    n = (hsize_t)sw->nK;
    if (lv)
      for (PetscInt q = 0; q < sw->nK; q++) lv[q] = sw->K[q];
    PetscCall(TpH5WriteRoot(comm, g, "K", H5T_NATIVE_LLONG, H5T_STD_I64LE, 1, &n, lv));
    n = (hsize_t)sw->nF;
    if (lv)
      for (PetscInt q = 0; q < sw->nF; q++) lv[q] = sw->F[q];
    PetscCall(TpH5WriteRoot(comm, g, "flips", H5T_NATIVE_LLONG, H5T_STD_I64LE, 1, &n, lv));
    n = (hsize_t)sw->S;
    if (lv)
      for (PetscInt q = 0; q < sw->S; q++) lv[q] = sw->seed + q;
    PetscCall(TpH5WriteRoot(comm, g, "seed", H5T_NATIVE_LLONG, H5T_STD_I64LE, 1, &n, lv));
    PetscCall(WriteGridOptions(comm, g, sw));
  }
  PetscCallH5(H5Tclose(s32));
  PetscCallH5(H5Gclose(g));

  /* one array per column, shape (model, K, flips, trial); values of trials not done: NaN or -1 */
  PetscCall(TpH5CreateGroup(f, "results", &g));
  for (PetscInt q = 0; q < sw->NF; q++) {
    Column own;
    const Column *cl = Col(sw, q, &own);
    if (!rank) ColumnValues(sw, tab, q, cl->integer, col, lv);
    if (cl->integer)
      PetscCall(TpH5WriteRoot(comm, g, cl->name, H5T_NATIVE_LLONG, H5T_STD_I64LE, 4, dims, lv));
    else
      PetscCall(TpH5WriteRoot(comm, g, cl->name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 4, dims, col));
  }
  PetscCallH5(H5Gclose(g));

  /* over the trials of each grid point: means and fractions of the columns that ask for them */
  PetscCall(TpH5CreateGroup(f, "summary", &g));
  for (PetscInt q = 0; q < sw->ncols; q++)
    for (int kind = 0; kind < 2; kind++) {
      char name[80];
      if (kind == 0 && !sw->cols[q].mean) continue;
      if (kind == 1 && !sw->cols[q].zero_fraction[0]) continue;
      if (!rank) {
        for (hsize_t cc = 0; cc < ncell; cc++) acc[cc] = 0;
        for (hsize_t t = 0; t < nT; t++)
          if (tab[t * sw->NF + st] == 1)
            acc[t / (hsize_t)sw->S] += kind ? tab[t * sw->NF + q] == 0 : tab[t * sw->NF + q];
        for (hsize_t cc = 0; cc < ncell; cc++) acc[cc] = ndone[cc] > 0 ? acc[cc] / ndone[cc] : NAN;
      }
      if (kind == 0)
        PetscCall(PetscSNPrintf(name, sizeof(name), "mean_%s", sw->cols[q].name));
      else
        PetscCall(PetscStrncpy(name, sw->cols[q].zero_fraction, sizeof(name)));
      PetscCall(TpH5WriteRoot(comm, g, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, dims, acc));
    }
  PetscCall(TpH5WriteRoot(comm, g, "trials_done", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 3, dims, ndone));
  PetscCallH5(H5Gclose(g));
  if (!rank) {
    PetscCall(PetscFree2(col, lv));
    PetscCall(PetscFree2(acc, ndone));
  }
  PetscFunctionReturn(0);
}

/* Rank 0 alone: the trials an earlier run of this same sweep finished, from its table; a table that
   cannot be resumed is described in msg. */
static PetscErrorCode ReadTable(Sweep *sw, double *tab, double *wall, PetscBool *found, char *msg, size_t len)
{
  const hsize_t nT = (hsize_t)(sw->nM * sw->nK * sw->nF * sw->S);
  char desc[sizeof(sw->desc)], where[PETSC_MAX_PATH_LEN + 32];
  double *col;
  long long *lv, sum = 0;
  uint64_t h = 0;
  PetscBool has;
  hid_t f, g;
  PetscInt q, bad = -1;

  PetscFunctionBegin;
  *found = PETSC_FALSE;
  if (access(sw->out, F_OK)) PetscFunctionReturn(0);
  f = -1;
  if (H5Fis_hdf5(sw->out) > 0) PetscCall(TpH5Open(sw->out, H5P_DEFAULT, "sweep table", "-o", msg, len, &f));
  if (msg[0]) PetscFunctionReturn(0);
  if (f < 0) {
    PetscCall(PetscSNPrintf(
        msg, len, "Sweep table '%s' (option -o) exists but is not a readable HDF5 file; move it away", sw->out));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(where, sizeof(where), "Sweep table '%s' (option -o)", sw->out));
  PetscCall(TpH5CheckSignature(f, &TP_FORMAT_SWEEP, where, msg, len));
  if (msg[0]) {
    H5Fclose(f);
    PetscCall(PetscStrlcat(msg, "; move it away or choose another -o", len));
    PetscFunctionReturn(0);
  }
  PetscCall(TpH5ReadAttrString(f, "description", desc, sizeof(desc), &has));
  if (!has || strcmp(desc, sw->desc)) {
    H5Fclose(f);
    PetscCall(PetscSNPrintf(msg, len,
                            "Sweep table '%s' (option -o) holds another sweep (other grid, models, stepper or "
                            "parameters); rerun with its arguments to resume it, or choose another -o",
                            sw->out));
    PetscFunctionReturn(0);
  }
  PetscCall(TpH5ReadAttrDouble(f, "wall_time", wall, &has));
  if (!has) *wall = 0;
  PetscCall(TpH5ReadAttrInt(f, "results_checksum", &sum, &has));
  PetscCall(PetscMalloc2(nT, &col, nT, &lv));
  g = H5Gopen2(f, "results", H5P_DEFAULT);
  for (q = 0; q < sw->NF && bad < 0; q++) {
    Column own;
    const Column *cl = Col(sw, q, &own);
    if (g < 0 || !TpH5ReadWhole(g, cl->name, cl->integer ? H5T_NATIVE_LLONG : H5T_NATIVE_DOUBLE,
                                cl->integer ? (void *)lv : (void *)col, (long long)nT))
      bad = q;
    else {
      for (hsize_t t = 0; t < nT; t++) tab[t * sw->NF + q] = cl->integer ? (double)lv[t] : col[t];
      h += ColumnHash(q, nT, cl->integer, col, lv);
    }
  }
  for (hsize_t t = 0; t < nT && bad < 0; t++) {
    double *st = &tab[t * sw->NF + sw->ncols + C_STATUS];
    if (*st != 1 && *st != -1) *st = 0;
  }
  if (g >= 0) H5Gclose(g);
  H5Fclose(f);
  PetscCall(PetscFree2(col, lv));
  if (bad >= 0) {
    Column own;
    PetscCall(PetscSNPrintf(msg, len,
                            "Sweep table '%s' (option -o) is damaged: /results/%s is missing or has the wrong size",
                            sw->out, Col(sw, bad, &own)->name));
    PetscFunctionReturn(0);
  }
  if (!has || (uint64_t)sum != h) {
    PetscCall(PetscSNPrintf(msg, len,
                            "Sweep table '%s' (option -o) is corrupted: its /results do not match their checksum "
                            "(edited or damaged); move it away or choose another -o",
                            sw->out));
    PetscFunctionReturn(0);
  }
  *found = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- set-up */

/* -grid_<option> v1,v2,...: every option so given (at most MAXGRID) and its values; the variants are each
   model type with each combination of them (the first option's values vary slowest). */
static PetscErrorCode GridSetUp(Sweep *sw, PetscInt nt, char types[][32])
{
  char *all, *save = NULL, *tok;
  PetscInt nv = 1;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  sw->ngrid = 0;
  for (tok = strtok_r(all, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    char opt[80], value[4096], *vs = NULL, *v;
    PetscBool set;
    size_t len;
    PetscInt k;
    if (strncmp(tok, "-grid_", 6)) continue;
    PetscCall(PetscStrlen(tok + 6, &len));
    PetscCheck(len > 0 && len < sizeof(sw->gname[0]), sw->comm, PETSC_ERR_ARG_WRONG,
               "Option %s: -grid_<option> names a model or stepper option, e.g. -grid_consolidation_z 1,2,3", tok);
    for (k = 0; k < sw->ngrid && strcmp(sw->gname[k], tok + 6); k++) {
    }
    if (k < sw->ngrid) continue; /* (listed twice in the database's text) */
    PetscCheck(sw->ngrid < MAXGRID, sw->comm, PETSC_ERR_ARG_OUTOFRANGE, "At most %d -grid_<option> options", MAXGRID);
    PetscCall(PetscOptionsGetString(NULL, NULL, tok, value, sizeof(value), &set));
    PetscCall(PetscStrlen(value, &len));
    PetscCheck(set && len && value[0] != ',' && value[len - 1] != ',' && !strstr(value, ",,"), sw->comm,
               PETSC_ERR_ARG_WRONG, "Option %s needs values, comma-separated; got '%s'", tok, set ? value : "");
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s", tok + 6));
    PetscCall(PetscOptionsHasName(NULL, NULL, opt, &set));
    PetscCheck(!set, sw->comm, PETSC_ERR_ARG_WRONG, "Option %s sweeps %s, which is also given: give one of them", tok,
               opt);
    PetscCall(PetscStrncpy(sw->gname[sw->ngrid], tok + 6, sizeof(sw->gname[0])));
    PetscCall(PetscStrallocpy(value, &sw->gval[sw->ngrid]));
    sw->gn[sw->ngrid] = 0;
    for (v = strtok_r(value, ",", &vs); v; v = strtok_r(NULL, ",", &vs)) {
      PetscCheck(strlen(v) < 48 && !strchr(v, ' '), sw->comm, PETSC_ERR_ARG_WRONG,
                 "Option %s: value '%s' is too long or holds a space", tok, v);
      sw->gn[sw->ngrid]++;
    }
    nv *= sw->gn[sw->ngrid];
    PetscCheck(nv * nt <= MAXVARIANTS, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "The -grid_ options make more than %d variants of the models; split the sweep", MAXVARIANTS);
    sw->ngrid++;
  }
  PetscCall(PetscFree(all));
  sw->nM = nt * nv;
  PetscCall(PetscMalloc2(sw->nM, &sw->models, sw->nM, &sw->vopts));
  for (PetscInt im = 0; im < sw->nM; im++) {
    PetscInt rest = im % nv;
    PetscCall(PetscStrncpy(sw->models[im], types[im / nv], sizeof(sw->models[0])));
    sw->vopts[im][0] = 0;
    for (PetscInt g = 0; g < sw->ngrid; g++) {
      char part[128], v[64];
      GridValue(sw, g, VariantPick(sw, rest, g), v);
      PetscCall(PetscSNPrintf(part, sizeof(part), "%s-%s %s", g ? " " : "", sw->gname[g], v));
      PetscCall(PetscStrlcat(sw->vopts[im], part, sizeof(sw->vopts[0])));
    }
  }
  PetscFunctionReturn(0);
}

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
  PetscCall(PetscOptionsString("-models", "Models to compare, comma-separated (see -model)", "", models, models,
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
    char buf[512], *save = NULL, *item, types[MAXMODELS][32];
    PetscInt nt      = 0;
    PetscBool anypat = PETSC_FALSE;
    PetscCall(PetscStrncpy(buf, models, sizeof(buf)));
    char names[512];
    PetscCall(TpModelListTypes(names, sizeof(names)));
    for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
      PetscCheck(nt < MAXMODELS, sw->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -models lists more than %d models",
                 MAXMODELS);
      PetscBool exists, uses;
      TpModel probe;
      PetscCall(TpModelTypeExists(item, &exists));
      PetscCheck(exists && strlen(item) < sizeof(types[0]), sw->comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
                 "Option -models: unknown model '%s'; available models: %s", item, names);
      for (PetscInt q = 0; q < nt; q++)
        PetscCheck(strcmp(types[q], item), sw->comm, PETSC_ERR_ARG_WRONG, "Option -models lists '%s' twice", item);
      PetscCall(PetscStrncpy(types[nt++], item, sizeof(types[0])));
      PetscCall(TpModelCreate(sw->comm, &probe));
      PetscCall(TpModelSetType(probe, item));
      PetscCall(TpModelUsesPatterns(probe, &uses));
      PetscCall(TpModelDestroy(&probe));
      anypat = (PetscBool)(anypat || uses);
    }
    PetscCheck(nt > 0, sw->comm, PETSC_ERR_ARG_WRONG, "Option -models names no model: '%s'", models);
    if (!anypat) { /* (no model stores patterns or takes a cue: one K and one cue, unless given) */
      PetscCall(PetscOptionsGetString(NULL, NULL, "-K", klist, sizeof(klist), &set));
      if (!set) PetscCall(PetscStrncpy(klist, "1", sizeof(klist)));
      PetscCall(PetscOptionsGetString(NULL, NULL, "-flips", flist, sizeof(flist), &set));
      if (!set) PetscCall(PetscStrncpy(flist, "0", sizeof(flist)));
    }
    PetscCall(GridSetUp(sw, nt, types));
  }
  PetscCall(ParseList(sw->comm, "-K", klist, 1, &sw->K, &sw->nK));
  PetscCall(ParseList(sw->comm, "-flips", flist, 0, &sw->F, &sw->nF));
  if (sw->file[0]) {
    TpPatterns probe;
    const double *xi;
    PetscInt Nfile;
    PetscCall(TpPatternsCreate(sw->comm, &probe));
    PetscCall(TpPatternsLoadFile(probe, sw->file, &sw->Kfile));
    PetscCall(TpPatternsGetFileData(probe, &sw->Kfile, &Nfile, &xi));
    PetscCall(PetscOptionsHasName(NULL, NULL, "-N", &set));
    PetscCheck(!set || sw->N == Nfile, sw->comm, PETSC_ERR_ARG_INCOMP,
               "Option -N %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " neurons of -patterns_file '%s'", sw->N,
               Nfile, sw->file);
    sw->N = Nfile;
    PetscCall(PetscMalloc1((size_t)sw->Kfile * Nfile, &sw->file_xi));
    PetscCall(PetscArraycpy(sw->file_xi, xi, (size_t)sw->Kfile * Nfile));
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
  PetscCheck((double)sw->nM * sw->nK * sw->nF * sw->S <= 1e8, sw->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "The grid of %" PetscInt_FMT " models x %" PetscInt_FMT " K x %" PetscInt_FMT " flips x %" PetscInt_FMT
             " trials (option -trials) holds more than 10^8 trials; split it into several sweeps",
             sw->nM, sw->nK, sw->nF, sw->S);
  PetscFunctionReturn(0);
}

/* Builds every model once on all ranks (options are checked here, collectively, before any trial):
   the canonical description a resumed sweep must match, the table's columns (the union of the
   models' summary scalars), and the models' cost estimates. */
static PetscErrorCode SweepDescribe(Sweep *sw)
{
  char part[4096];
  PetscBool described = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(sw->desc, sizeof(sw->desc),
                          "sweep;N=%" PetscInt_FMT ";trials=%" PetscInt_FMT ";seed=%" PetscInt_FMT ";patterns=%s;",
                          sw->N, sw->S, sw->seed, sw->file[0] ? sw->file : "random"));
  PetscCall(AppendList(sw->desc, sizeof(sw->desc), "K", sw->K, sw->nK));
  PetscCall(AppendList(sw->desc, sizeof(sw->desc), "flips", sw->F, sw->nF));
  PetscCall(PetscMalloc3(sw->nM * MAXCOLS, &sw->colmap, sw->nM, &sw->nsum, sw->nM * sw->nK, &sw->cost));
  sw->ncols = 0;
  for (PetscInt im = 0; im < sw->nM; im++) {
    TpRun run;
    TpModel model;
    TpNetwork net;
    TpStepper st;
    const char *type;
    uint64_t h;
    PetscCall(TrialCreate(sw, sw->comm, im, sw->K[0], sw->F[0], 0, NULL, &run));
    PetscCall(TpRunGetModel(run, &model));
    PetscCall(TpRunGetNetwork(run, &net));
    PetscCall(TpRunGetStepper(run, &st));
    PetscCall(TpModelDescribe(model, part, sizeof(part)));
    PetscCall(PetscStrlcat(sw->desc, part, sizeof(sw->desc)));
    if (sw->vopts[im][0]) {
      PetscCall(PetscSNPrintf(part, sizeof(part), "options=%s;", sw->vopts[im]));
      PetscCall(PetscStrlcat(sw->desc, part, sizeof(sw->desc)));
    }
    PetscCall(TpNetworkFingerprint(net, &h));
    PetscCall(PetscSNPrintf(part, sizeof(part), "network=%016llx;", (unsigned long long)h));
    PetscCall(PetscStrlcat(sw->desc, part, sizeof(sw->desc)));
    PetscCall(TpStepperGetType(st, &type));
    if (!described && (strcmp(type, "none") || im == sw->nM - 1)) { /* the trials' stepper, as -ts_* make it */
      PetscCall(TpStepperDescribe(st, sw->stepper, sizeof(sw->stepper)));
      described = PETSC_TRUE;
    }
    PetscCall(TpModelGetNumSummaries(model, &sw->nsum[im]));
    PetscCheck(sw->nsum[im] <= MAXCOLS - C_OWN, sw->comm, PETSC_ERR_SUP, "Model %s declares too many summary scalars",
               sw->models[im]);
    for (PetscInt q = 0; q < sw->nsum[im]; q++) {
      const TpSummaryInfo *info;
      PetscInt c;
      PetscCall(TpModelGetSummary(model, q, &info));
      for (c = 0; c < sw->ncols && strcmp(sw->cols[c].name, info->name); c++) {
      }
      if (c == sw->ncols) {
        PetscCheck(sw->ncols < MAXCOLS - C_OWN, sw->comm, PETSC_ERR_SUP, "The models declare too many summary scalars");
        PetscCall(PetscMemzero(&sw->cols[c], sizeof(Column)));
        PetscCall(PetscStrncpy(sw->cols[c].name, info->name, sizeof(sw->cols[c].name)));
        sw->cols[c].integer = info->type == PETSC_INT64;
        sw->cols[c].mean    = (info->flags & TP_SUMMARY_MEAN) ? PETSC_TRUE : PETSC_FALSE;
        if (info->zero_fraction)
          PetscCall(PetscStrncpy(sw->cols[c].zero_fraction, info->zero_fraction, sizeof(sw->cols[c].zero_fraction)));
        sw->ncols++;
      }
      sw->colmap[im * MAXCOLS + q] = c;
    }
    for (PetscInt k = 0; k < sw->nK; k++) PetscCall(TpModelEstimateCost(model, sw->K[k], &sw->cost[im * sw->nK + k]));
    PetscCall(TpRunDestroy(&run));
  }
  sw->NF = sw->ncols + C_OWN;
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

/* Relative cost of a trial: its model's estimate (TpModelEstimateCost()). */
static double TrialCost(Sweep *sw, PetscInt t)
{
  PetscInt im, k, f, s;
  TrialIndex(sw, t, &im, &k, &f, &s);
  return sw->cost[im * sw->nK + k];
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

/*@C
  TpSweepRun - The `tripart sweep` subcommand

  Collective on PETSC_COMM_WORLD

  Output Parameter:
. status - 0, or TP_EXIT_CHECKPOINTED when a signal stopped it with the finished trials saved

  Options Database Keys:
+ -models <list>         - models to compare
. -K <list>              - stored patterns: A, A:B, A:B:STEP or A:B@COUNT, comma-separated
. -flips <list>          - flipped bits of the cue, the same forms (without a model that takes a cue: -K 1, -flips 0)
. -grid_<option> <list>  - values of a model or stepper option, comma-separated: each model once per combination
. -trials <50>           - pattern sets per grid point
. -N <20>, -seed <1>     - neurons, seed of the first pattern set
. -patterns_file <file>  - trials store its first K patterns
. -ranks_per_trial <1>   - ranks that run one trial together
. -o <tripart-sweep.h5>  - the table
. -progress_interval <5> - seconds between saves of the table and progress lines
- -quiet                 - no progress lines

.seealso: `TpRunCreate()`
@*/
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
  if (!help) {
    const TpOutputPath outputs[] = {{"-o", sw.out, PETSC_FALSE, NULL}};
    PetscCall(TpCheckPaths(sw.comm, 1, outputs));
  }
  PetscCall(SweepDescribe(&sw));
  if (help) goto cleanup;
  PetscCall(TpOptionsCheckUnused(sw.comm, "sweep", TpSweepRun)); /* every model has read its options */
  nT = sw.nM * sw.nK * sw.nF * sw.S;

  /* what an earlier run of this sweep finished */
  PetscCall(PetscMalloc1(nT, &st));
  if (!rank) {
    PetscCall(PetscCalloc1((size_t)nT * sw.NF, &tab));
    PetscCall(ReadTable(&sw, tab, &prev_wall, &found, msg, sizeof(msg)));
    for (PetscInt t = 0; t < nT; t++) st[t] = tab[(size_t)t * sw.NF + sw.ncols + C_STATUS];
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
  PetscCall(PetscMalloc1((size_t)(nmine + 1) * (sw.NF + 1), &mybuf));
  if (!sw.quiet) {
    PetscCall(PetscPrintf(sw.comm,
                          "tripart %s sweep: %" PetscInt_FMT " models%s x %" PetscInt_FMT " K x %" PetscInt_FMT
                          " flips x %" PetscInt_FMT " trials = %" PetscInt_FMT " trials, N = %" PetscInt_FMT
                          ", %s patterns\n",
                          TRIPART_VERSION, sw.nM, sw.ngrid ? " (with the -grid_ values)" : "", sw.nK, sw.nF, sw.S, nT,
                          sw.N, sw.file[0] ? sw.file : "random"));
    PetscCall(PetscPrintf(sw.comm, "  stepper %s; %d ranks in %" PetscInt_FMT " groups of %" PetscInt_FMT "\n",
                          sw.stepper, size, G, sw.ranks_per_trial));
    if (found)
      PetscCall(PetscPrintf(sw.comm, "  resuming %s: %" PetscInt_FMT " trials already done, %" PetscInt_FMT " to run\n",
                            sw.out, done0, nT - done0));
  }

  PetscCall(TpStopMarkerClear(sw.comm, sw.out));
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
        double *rec = mybuf + (size_t)nnew * (sw.NF + 1);
        rec[0]      = (double)mine[pos];
        PetscCall(TrialRunGuarded(&sw, gcomm, mine[pos], rec + 1, &failures));
        pos++;
        if (!grank && rec[1 + sw.ncols + C_STATUS] != 0) nnew++; /* (a trial a signal stopped stays to do) */
      }
    }
    /* every group's results to rank 0 */
    left[0] = grank ? 0 : nmine - pos;
    left[1] = TpSignalCaught();
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, left, 2, MPIU_INT, MPI_MAX, sw.comm));
    n = (PetscMPIInt)(nnew * (sw.NF + 1));
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
      PetscInt got = (displs[size - 1] + counts[size - 1]) / (sw.NF + 1);
      for (PetscInt q = 0; q < got; q++) {
        const double *rec = recv + (size_t)q * (sw.NF + 1);
        PetscCall(PetscArraycpy(tab + (size_t)rec[0] * sw.NF, rec + 1, sw.NF));
        cost_done += TrialCost(&sw, (PetscInt)rec[0]);
      }
      ndone += got;
      PetscCall(PetscFree2(counts, displs));
      PetscCall(PetscFree(recv));
    }
    PetscCallMPI(MPI_Bcast(&ndone, 1, MPIU_INT, 0, sw.comm));
    {
      TableCtx tc       = {&sw, tab, prev_wall + (now - start), size};
      TpH5FileSpec spec = {"sweep table", "-o", (double)nT * 8 * (sw.NF + 1) + 65536.0, PETSC_FALSE, PETSC_FALSE};
      PetscCall(TpH5WriteFile(sw.comm, sw.out, &spec, WriteTable, &tc));
    }
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
      PetscCall(TpStopMarkerWrite(sw.comm, sw.out, (int)left[1], (PetscInt64)ndone));
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
  PetscCall(PetscFree2(sw.models, sw.vopts));
  for (PetscInt g = 0; g < sw.ngrid; g++) PetscCall(PetscFree(sw.gval[g]));
  PetscCall(PetscFree(sw.F));
  PetscCall(PetscFree(sw.file_xi));
  PetscCall(PetscFree3(sw.colmap, sw.nsum, sw.cost));
  PetscFunctionReturn(0);
}
