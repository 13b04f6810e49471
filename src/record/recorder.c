/* The recorder (tprecorder.h).  Samples are [time, step, the model's series] for the steps it
   recorded; every rank holds the same table (the model's observation is collective). */
#include <unistd.h>
#include <tprecorder.h>
#include <tprandom.h>
#include <tph5.h>
#include <tputil.h>
#include <string.h>

struct _p_TpRecorder {
  MPI_Comm comm;
  TpModel model;
  TpStepper st;
  PetscInt nseries, width;
  PetscMPIInt node_ranks; /* ranks on this node, which all hold the table */
  PetscInt64 every;       /* -monitor_every: record every this many steps (and the last); 0: the last only */
  PetscBool quiet;        /* -quiet: no progress lines */
  PetscReal report;       /* -progress_interval: seconds between progress lines */
  PetscInt64 n, cap;      /* samples recorded, room */
  PetscReal *time;        /* n */
  PetscInt64 *step;       /* n */
  double *values;         /* n x width */
  PetscInt64 last;        /* the last step recorded, or -1 */
  PetscLogDouble wall0, last_report;
  PetscReal f0; /* the fraction done at the start */
};

/*@C
  TpRecorderCreate - Creates a recorder of a model's series

  Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. rec - the recorder (every step, progress every 3 s)

.seealso: `TpRecorderAttach()`, `TpRecorderSetFromOptions()`, `TpRecorderDestroy()`
@*/
PetscErrorCode TpRecorderCreate(TpModel model, TpRecorder *rec)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(rec));
  PetscCall(TpModelGetComm(model, &(*rec)->comm));
  PetscCall(TpNodeMemory((*rec)->comm, NULL, &(*rec)->node_ranks));
  (*rec)->model  = model;
  (*rec)->every  = 1;
  (*rec)->report = 3.0;
  (*rec)->last   = -1;
  PetscCall(TpModelGetNumSeries(model, &(*rec)->nseries, &(*rec)->width));
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderSetFromOptions - Reads how often to record and to print progress

  Collective

  Input Parameter:
. rec - the recorder

  Options Database Keys:
+ -monitor_every <1>     - record the series every this many steps (and at the last); 0: the last step only
. -quiet                 - no progress lines (and, in tripart run, no summary)
- -progress_interval <3> - seconds between progress lines

.seealso: `TpRecorderSetInterval()`
@*/
PetscErrorCode TpRecorderSetFromOptions(TpRecorder rec)
{
  PetscInt every = (PetscInt)rec->every;

  PetscFunctionBegin;
  PetscOptionsBegin(rec->comm, NULL, "Recording and monitoring options", "TpRecorder");
  PetscCall(PetscOptionsInt("-monitor_every",
                            "Record energy and observables every this many steps (and at the end; 0: at the end only)",
                            "TpRecorderSetInterval", every, &every, NULL));
  PetscCall(PetscOptionsBool("-quiet", "Print no progress lines and no summary", "TpRecorderSetQuiet", rec->quiet,
                             &rec->quiet, NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "Seconds between progress lines", "TpRecorderSetFromOptions",
                             rec->report, &rec->report, NULL));
  PetscOptionsEnd();
  PetscCheck(every >= 0, rec->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -monitor_every must be 0 (the last step only) or a positive number of steps; got %" PetscInt_FMT,
             every);
  PetscCheck(rec->report > 0, rec->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -progress_interval must be positive (seconds); got %g", (double)rec->report);
  rec->every = every;
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderSetInterval - Records every `every` steps and the last one; 0 records the last only

  Logically Collective

  Input Parameters:
+ rec   - the recorder, before TpRecorderAttach()
- every - the interval

.seealso: `TpRecorderSetFromOptions()`
@*/
PetscErrorCode TpRecorderSetInterval(TpRecorder rec, PetscInt64 every)
{
  PetscFunctionBegin;
  PetscCheck(every >= 0, rec->comm, PETSC_ERR_ARG_OUTOFRANGE, "Recording interval %" PetscInt64_FMT " < 0", every);
  rec->every = every;
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderSetQuiet - No progress lines

  Logically Collective

  Input Parameters:
+ rec   - the recorder
- quiet - true for none

.seealso: `TpRecorderGetQuiet()`
@*/
PetscErrorCode TpRecorderSetQuiet(TpRecorder rec, PetscBool quiet)
{
  PetscFunctionBegin;
  rec->quiet = quiet;
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderGetQuiet - Whether progress lines are off (-quiet)

  Not Collective

  Input Parameter:
. rec - the recorder

  Output Parameter:
. quiet - the flag

.seealso: `TpRecorderSetQuiet()`
@*/
PetscErrorCode TpRecorderGetQuiet(TpRecorder rec, PetscBool *quiet)
{
  PetscFunctionBegin;
  *quiet = rec->quiet;
  PetscFunctionReturn(0);
}

/* Room for n samples.  The table is refused before the copies of the ranks of a node outgrow half
   its memory (a run that never ends, recording every step, would otherwise take the node down). */
static PetscErrorCode Reserve(TpRecorder rec, PetscInt64 n)
{
  const double bytes = 8.0 * (rec->width + 2) * (double)n,
               node  = (double)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);

  PetscFunctionBegin;
  if (n <= rec->cap) PetscFunctionReturn(0);
  PetscCheck(
      node <= 0 || bytes * rec->node_ranks <= 0.5 * node, rec->comm, PETSC_ERR_MEM,
      "The recorded series would no longer fit in memory: %" PetscInt64_FMT " samples of %" PetscInt_FMT
      " values, %.3g GiB on each of the %d ranks of a node; record less often (-monitor_every, now %" PetscInt64_FMT
      ") or stop sooner",
      rec->n, rec->width + 2, bytes / 1073741824.0, rec->node_ranks, rec->every);
  PetscCall(PetscRealloc(sizeof(PetscReal) * (size_t)n, &rec->time));
  PetscCall(PetscRealloc(sizeof(PetscInt64) * (size_t)n, &rec->step));
  PetscCall(PetscRealloc(sizeof(double) * (size_t)(n * rec->width + 1), &rec->values));
  rec->cap = n;
  PetscFunctionReturn(0);
}

/* Collective: observe the model and append a sample (skipped if this step is already recorded). */
static PetscErrorCode Record(TpRecorder rec, PetscInt64 step, PetscReal t)
{
  PetscFunctionBegin;
  if (step == rec->last) PetscFunctionReturn(0);
  if (rec->n == rec->cap) PetscCall(Reserve(rec, rec->cap ? 2 * rec->cap : 256));
  PetscCall(TpModelObserve(rec->model, rec->values + rec->n * rec->width));
  rec->time[rec->n] = t;
  rec->step[rec->n] = step;
  rec->n++;
  rec->last = step;
  PetscFunctionReturn(0);
}

static PetscErrorCode Progress(TpRecorder rec, PetscInt64 step, PetscReal t)
{
  PetscLogDouble now;
  char words[256], left[64] = "";
  PetscReal f;

  PetscFunctionBegin;
  if (rec->quiet || !rec->n) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  if (now - rec->last_report < rec->report) PetscFunctionReturn(0);
  PetscCall(TpStepperGetFractionDone(rec->st, &f));
  if (f >= 0) {
    const double s = f > rec->f0 ? (now - rec->wall0) * (1 - f) / (f - rec->f0) : 0;
    PetscCall(PetscSNPrintf(left, sizeof(left), "  %.0f s left", s));
  }
  PetscCall(TpModelProgress(rec->model, rec->values + (rec->n - 1) * rec->width, words, sizeof(words)));
  PetscCall(PetscPrintf(rec->comm, "  t %-10.4g step %-8" PetscInt64_FMT " %s%s\n", (double)t, step, words, left));
  rec->last_report = now;
  PetscFunctionReturn(0);
}

static PetscErrorCode Hook(TpStepper st, TpHookPoint point, void *ctx)
{
  TpRecorder rec = ctx;
  PetscInt64 step;
  PetscReal t;

  PetscFunctionBegin;
  PetscCall(TpStepperGetStep(st, &step));
  PetscCall(TpStepperGetTime(st, &t));
  if (point == TP_HOOK_START) {
    PetscCall(PetscTime(&rec->wall0));
    rec->last_report = rec->wall0;
    PetscCall(TpStepperGetFractionDone(st, &rec->f0));
  }
  if (point == TP_HOOK_END || (rec->every > 0 && step % rec->every == 0)) PetscCall(Record(rec, step, t));
  if (point == TP_HOOK_STEP) PetscCall(Progress(rec, step, t));
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderAttach - Makes the recorder a hook of a stepper

  Logically Collective

  Input Parameters:
+ rec - the recorder
- st  - the stepper of the recorder's model

  Notes:
  Steppers with windows (fixed) end a window at every multiple of the interval, so that samples
  fall on the same steps whatever the window.

.seealso: `TpStepperAddHook()`
@*/
PetscErrorCode TpRecorderAttach(TpRecorder rec, TpStepper st)
{
  PetscFunctionBegin;
  rec->st = st;
  /* recording the last state only, silently, needs no call after steps */
  PetscCall(TpStepperAddHook(st, Hook, rec, rec->every > 0 || !rec->quiet ? rec->every : -1));
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderGetNumSamples - How many samples are recorded

  Not Collective

  Input Parameter:
. rec - the recorder

  Output Parameter:
. n - the samples

.seealso: `TpRecorderGetSample()`
@*/
PetscErrorCode TpRecorderGetNumSamples(TpRecorder rec, PetscInt64 *n)
{
  PetscFunctionBegin;
  *n = rec->n;
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderGetSample - Sample i: its time, step and values

  Not Collective

  Input Parameters:
+ rec - the recorder
- i   - 0 .. n-1 (negative: from the end, -1 the last)

  Output Parameters:
+ t      - its time (may be NULL)
. step   - its step (may be NULL)
- values - the model's series, width values (TpModelGetNumSeries()); owned by the recorder (may be NULL)

.seealso: `TpRecorderGetNumSamples()`
@*/
PetscErrorCode TpRecorderGetSample(TpRecorder rec, PetscInt64 i, PetscReal *t, PetscInt64 *step, const double **values)
{
  PetscFunctionBegin;
  if (i < 0) i += rec->n;
  PetscCheck(i >= 0 && i < rec->n, rec->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "No sample %" PetscInt64_FMT " of %" PetscInt64_FMT, i, rec->n);
  if (t) *t = rec->time[i];
  if (step) *step = rec->step[i];
  if (values) *values = rec->values + i * rec->width;
  PetscFunctionReturn(0);
}

/* One series (or time and step) as a dataset: rows = samples, width columns. */
static PetscErrorCode WriteColumn(TpRecorder rec, hid_t loc, const char *name, PetscInt off, PetscInt w,
                                  PetscBool matrix)
{
  hsize_t dims[2] = {(hsize_t)rec->n, (hsize_t)w};
  double *buf;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1((size_t)(rec->n * w + 1), &buf));
  for (PetscInt64 i = 0; i < rec->n; i++)
    for (PetscInt c = 0; c < w; c++) buf[i * w + c] = rec->values[i * rec->width + off + c];
  PetscCall(TpH5WriteRoot(rec->comm, loc, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, matrix || w > 1 ? 2 : 1, dims, buf));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/* time and step: step as int32 when every step fits (the layout outputs always had), else int64 */
static PetscErrorCode WriteTimeStep(TpRecorder rec, hid_t loc, PetscBool wide)
{
  const hsize_t dims[1] = {(hsize_t)rec->n};
  PetscBool fits        = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCall(TpH5WriteRoot(rec->comm, loc, "time", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, rec->time));
  for (PetscInt64 i = 0; i < rec->n; i++) fits = fits && rec->step[i] <= PETSC_MAX_INT;
  if (wide || !fits)
    PetscCall(TpH5WriteRoot(rec->comm, loc, "step", H5T_NATIVE_LLONG, H5T_STD_I64LE, 1, dims, rec->step));
  else {
    int *s;
    PetscCall(PetscMalloc1(rec->n + 1, &s));
    for (PetscInt64 i = 0; i < rec->n; i++) s[i] = (int)rec->step[i];
    PetscCall(TpH5WriteRoot(rec->comm, loc, "step", H5T_NATIVE_INT, H5T_STD_I32LE, 1, dims, s));
    PetscCall(PetscFree(s));
  }
  PetscFunctionReturn(0);
}

/* The table into loc: time, step, and each series at its declared path (output) or by its name (checkpoint). */
static PetscErrorCode WriteTable(TpRecorder rec, hid_t loc, PetscBool checkpoint)
{
  PetscFunctionBegin;
  PetscCall(WriteTimeStep(rec, loc, checkpoint));
  for (PetscInt s = 0; s < rec->nseries; s++) {
    const TpSeriesInfo *info;
    PetscInt off;
    char dir[128] = ".", *slash = NULL;
    hid_t g;
    PetscCall(TpModelGetSeries(rec->model, s, &info, &off));
    if (!checkpoint) {
      PetscCall(PetscStrncpy(dir, info->path, sizeof(dir)));
      if ((slash = strrchr(dir, '/')))
        *slash = 0;
      else
        PetscCall(PetscStrncpy(dir, ".", sizeof(dir)));
    }
    PetscCall(TpH5CreateGroup(loc, dir, &g));
    PetscCall(WriteColumn(rec, g,
                          checkpoint ? info->name
                          : slash    ? slash + 1
                                     : info->path,
                          off, info->width, info->matrix));
    PetscCallH5(H5Gclose(g));
  }
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderWrite - Writes the series to a run's output: /time, /step (int32 while steps fit), and each series at its
declared path

  Collective

  Input Parameters:
+ rec  - the recorder
- file - the open output file

.seealso: `TpRecorderWriteSamples()`, `TpOutputWrite()`
@*/
PetscErrorCode TpRecorderWrite(TpRecorder rec, hid_t file)
{
  PetscFunctionBegin;
  PetscCall(WriteTable(rec, file, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderWriteSamples - Writes the table to a checkpoint group: time, step (int64) and each series by name

  Collective

  Input Parameters:
+ rec   - the recorder
- group - the open group (/samples)

.seealso: `TpRecorderLoadSamples()`, `TpCheckpointWrite()`
@*/
PetscErrorCode TpRecorderWriteSamples(TpRecorder rec, hid_t group)
{
  PetscFunctionBegin;
  PetscCall(WriteTable(rec, group, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* An order-dependent hash of a table (time, step, values). */
static uint64_t TableHash(PetscInt64 n, PetscInt width, const PetscReal *time, const PetscInt64 *step,
                          const double *values)
{
  uint64_t h = TpHash((uint64_t)n, 19, (uint64_t)width, 0), b;

  for (PetscInt64 i = 0; i < n; i++) {
    memcpy(&b, &time[i], 8);
    h += TpHash(b, 20, (uint64_t)i, 0) + TpHash((uint64_t)step[i], 30, (uint64_t)i, 0);
  }
  for (PetscInt64 q = 0; q < n * width; q++) {
    memcpy(&b, &values[q], 8);
    h += TpHash(b, 21, (uint64_t)q, 0);
  }
  return h;
}

/*@C
  TpRecorderChecksum - A 64-bit hash of the table (for checkpoints)

  Not Collective

  Input Parameter:
. rec - the recorder

  Output Parameter:
. hash - the hash

.seealso: `TpRecorderLoadSamples()`
@*/
PetscErrorCode TpRecorderChecksum(TpRecorder rec, uint64_t *hash)
{
  PetscFunctionBegin;
  *hash = TableHash(rec->n, rec->width, rec->time, rec->step, rec->values);
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderLoadSamples - Replaces the table with one a checkpoint holds, if it is whole and consistent

  Collective

  Input Parameters:
+ rec   - the recorder
. group - the checkpoint's /samples
. step  - the checkpoint's step: no sample may be later
. t     - its time
- hash  - the table's checksum the checkpoint recorded

  Output Parameter:
. ok - true (on every rank) if the table was read, matched and replaced the recorder's; otherwise
       the recorder is unchanged

.seealso: `TpRecorderWriteSamples()`
@*/
PetscErrorCode TpRecorderLoadSamples(TpRecorder rec, hid_t group, PetscInt64 step, PetscReal t, uint64_t hash,
                                     PetscBool *ok)
{
  PetscReal *time = NULL;
  PetscInt64 *stp = NULL, n = 0;
  double *values = NULL, *col = NULL;
  hsize_t dims[2];
  int nd;

  PetscFunctionBegin;
  *ok = TpH5GetExtent(group, "time", &nd, dims) && nd == 1 && dims[0] < ((hsize_t)1 << 40);
  if (*ok) {
    n = (PetscInt64)dims[0];
    PetscCall(PetscMalloc4(n + 1, &time, n + 1, &stp, n * rec->width + 1, &values, n * rec->width + 1, &col));
    *ok = TpH5ReadWhole(group, "time", H5T_NATIVE_DOUBLE, time, n) &&
          TpH5ReadWhole(group, "step", H5T_NATIVE_LLONG, stp, n);
    for (PetscInt s = 0; s < rec->nseries && *ok; s++) {
      const TpSeriesInfo *info;
      PetscInt off;
      PetscCall(TpModelGetSeries(rec->model, s, &info, &off));
      *ok = TpH5ReadWhole(group, info->name, H5T_NATIVE_DOUBLE, col, n * info->width);
      for (PetscInt64 i = 0; i < n && *ok; i++)
        for (PetscInt c = 0; c < info->width; c++) values[i * rec->width + off + c] = col[i * info->width + c];
    }
    *ok = *ok && (n == 0 || (stp[n - 1] <= step && time[n - 1] <= t));
    *ok = *ok && TableHash(n, rec->width, time, stp, values) == hash;
  }
  {
    int good = *ok ? 1 : 0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &good, 1, MPI_INT, MPI_MIN, rec->comm));
    *ok = good ? PETSC_TRUE : PETSC_FALSE;
  }
  if (*ok) {
    PetscCall(PetscFree(rec->time));
    PetscCall(PetscFree(rec->step));
    PetscCall(PetscFree(rec->values));
    rec->cap = rec->n = 0;
    PetscCall(Reserve(rec, PetscMax(n, 1)));
    PetscCall(PetscArraycpy(rec->time, time, n));
    PetscCall(PetscArraycpy(rec->step, stp, n));
    PetscCall(PetscArraycpy(rec->values, values, n * rec->width));
    rec->n    = n;
    rec->last = n ? stp[n - 1] : -1;
  }
  if (time) PetscCall(PetscFree4(time, stp, values, col));
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderEstimateBytes - Roughly the bytes the table takes in a file

  Not Collective

  Input Parameter:
. rec - the recorder

  Output Parameter:
. bytes - the estimate

.seealso: `TpOutputWrite()`
@*/
PetscErrorCode TpRecorderEstimateBytes(TpRecorder rec, double *bytes)
{
  PetscFunctionBegin;
  *bytes = 8.0 * (rec->width + 2) * (double)rec->n;
  PetscFunctionReturn(0);
}

/*@C
  TpRecorderDestroy - Destroys a recorder

  Not Collective

  Input Parameter:
. rec - the recorder (may be NULL); set to NULL

.seealso: `TpRecorderCreate()`
@*/
PetscErrorCode TpRecorderDestroy(TpRecorder *rec)
{
  PetscFunctionBegin;
  if (!*rec) PetscFunctionReturn(0);
  PetscCall(PetscFree((*rec)->time));
  PetscCall(PetscFree((*rec)->step));
  PetscCall(PetscFree((*rec)->values));
  PetscCall(PetscFree(*rec));
  PetscFunctionReturn(0);
}
