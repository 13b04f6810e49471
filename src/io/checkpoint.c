/* Checkpoints (tpcheckpoint.h): the triggers as a stepper hook, the write walking the declarations,
   and a load that validates everything before it changes anything. */
#include <tpcheckpoint.h>
#include <tpfields.h>
#include <tph5.h>
#include <tputil.h>
#include <tprandom.h>
#include <string.h>
#include <unistd.h>

struct _p_TpCheckpoint {
  MPI_Comm comm;
  TpModel model;
  TpStepper st;
  TpRecorder rec;
  char path[PETSC_MAX_PATH_LEN];     /* -checkpoint */
  char stopfile[PETSC_MAX_PATH_LEN]; /* -stop_file: its appearance stops the run with a checkpoint */
  PetscReal interval;                /* -checkpoint_interval: simulated time between checkpoints (0: none) */
  PetscReal wall;                    /* -checkpoint_wall: seconds between checkpoints (0: none) */
  PetscBool final;                   /* -checkpoint_final: also at the end */
  PetscReal next;                    /* the simulated time of the next interval checkpoint */
  PetscLogDouble last_wall;
  PetscInt64 start_step, checked_step;
  TpPoller poll; /* of signals, the stop file and the wall clock */
  PetscBool stopped;
  int signal;
};

/*@C
  TpCheckpointCreate - Creates the checkpoint of a run: its model, stepper and recorder

  Collective

  Input Parameters:
+ model - the model, set up
. st    - its stepper
- rec   - its recorder

  Output Parameter:
. ck - the checkpoint (no triggers until options or setters give some; signals always stop with one)

.seealso: `TpCheckpointSetFromOptions()`, `TpCheckpointAttach()`, `TpCheckpointLoad()`
@*/
PetscErrorCode TpCheckpointCreate(TpModel model, TpStepper st, TpRecorder rec, TpCheckpoint *ck)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(ck));
  PetscCall(TpModelGetComm(model, &(*ck)->comm));
  (*ck)->model        = model;
  (*ck)->st           = st;
  (*ck)->rec          = rec;
  (*ck)->checked_step = -1;
  PetscCall(PetscStrncpy((*ck)->path, "tripart.ckpt", sizeof((*ck)->path)));
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointSetPath - Sets the default checkpoint file (-checkpoint overrides it)

  Logically Collective

  Input Parameters:
+ ck   - the checkpoint
- path - the file

.seealso: `TpCheckpointGetPath()`
@*/
PetscErrorCode TpCheckpointSetPath(TpCheckpoint ck, const char *path)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(ck->path, path, sizeof(ck->path)));
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointGetPath - The checkpoint file

  Not Collective

  Input Parameter:
. ck - the checkpoint

  Output Parameter:
. path - the file

.seealso: `TpCheckpointSetPath()`
@*/
PetscErrorCode TpCheckpointGetPath(TpCheckpoint ck, const char **path)
{
  PetscFunctionBegin;
  *path = ck->path;
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointSetFromOptions - Reads where checkpoints go and what triggers them

  Collective

  Input Parameter:
. ck - the checkpoint

  Options Database Keys:
+ -checkpoint <file>        - where checkpoints go (tripart run: OUTPUT.ckpt)
. -checkpoint_interval <dt> - simulated time between checkpoints (0: none)
. -checkpoint_wall <s>      - wall-clock seconds between checkpoints (0: none)
. -checkpoint_final         - also write one at the end
- -stop_file <file>         - when this file appears, write a checkpoint and stop (default CHECKPOINT.stop)

.seealso: `TpCheckpointAttach()`
@*/
PetscErrorCode TpCheckpointSetFromOptions(TpCheckpoint ck)
{
  PetscFunctionBegin;
  PetscOptionsBegin(ck->comm, NULL, "Checkpoint options", "TpCheckpoint");
  PetscCall(PetscOptionsString(
      "-checkpoint", "Checkpoint file, written on SIGTERM, SIGINT, SIGUSR1, the stop file and at the intervals",
      "TpCheckpointSetPath", ck->path, ck->path, sizeof(ck->path), NULL));
  PetscCall(PetscOptionsReal("-checkpoint_interval", "Simulated time between checkpoints (0: none)",
                             "TpCheckpointSetFromOptions", ck->interval, &ck->interval, NULL));
  PetscCall(PetscOptionsReal("-checkpoint_wall", "Wall-clock seconds between checkpoints (0: none)",
                             "TpCheckpointSetFromOptions", ck->wall, &ck->wall, NULL));
  PetscCall(PetscOptionsBool("-checkpoint_final", "Also write a checkpoint at the end", "TpCheckpointSetFromOptions",
                             ck->final, &ck->final, NULL));
  PetscCall(PetscOptionsString("-stop_file",
                               "A file whose appearance stops the run after a checkpoint (default: CHECKPOINT.stop)",
                               "TpCheckpointSetFromOptions", ck->stopfile, ck->stopfile, sizeof(ck->stopfile), NULL));
  PetscOptionsEnd();
  PetscCheck(ck->interval >= 0, ck->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -checkpoint_interval must be non-negative; got %.6g", (double)ck->interval);
  PetscCheck(ck->wall >= 0, ck->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -checkpoint_wall must be non-negative; got %.6g", (double)ck->wall);
  if (!ck->stopfile[0]) PetscCall(PetscSNPrintf(ck->stopfile, sizeof(ck->stopfile), "%s.stop", ck->path));
  PetscFunctionReturn(0);
}

/* Collective, after a step: a signal or the stop file ends the run with a checkpoint; the
   intervals of simulated and wall-clock time write one and go on.  Simulated time is the same on every
   rank; signals, the stop file and the wall clock are polled (TpPollerReduce(): about every 20 ms of wall
   time, not after every step: a step of a spiking network takes microseconds, and a reduction and a file
   lookup after every window cost as much as the window). */
static PetscErrorCode Triggers(TpCheckpoint ck, PetscInt64 step, PetscReal t)
{
  PetscMPIInt rank;
  PetscLogDouble now;
  int64_t flag[3] = {0, 0, 0}; /* signal, stop file, wall clock */
  PetscBool due;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(ck->comm, &rank));
  if (TpPollerDue(&ck->poll, step)) { /* (what each rank sees; nothing is acted on unless reduced) */
    PetscCall(PetscTime(&now));
    flag[0] = TpSignalCaught();
    flag[1] = !rank && ck->stopfile[0] && !access(ck->stopfile, F_OK);
    flag[2] = !rank && ck->wall > 0 && now - ck->last_wall >= ck->wall;
  }
  PetscCall(TpPollerReduce(&ck->poll, step, 3, flag, &due));
  if (flag[0] || flag[1]) {
    ck->stopped = PETSC_TRUE;
    ck->signal  = (int)flag[0];
    PetscCall(TpCheckpointWrite(ck, flag[0] ? "signal" : "stop file"));
    PetscCall(TpStepperRequestStop(ck->st));
  } else if (flag[2] || (ck->interval > 0 && t >= ck->next)) {
    PetscCall(TpCheckpointWrite(ck, "interval"));
    while (ck->interval > 0 && ck->next <= t) ck->next += ck->interval;
    PetscCall(PetscTime(&ck->last_wall));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Hook(TpStepper st, TpHookPoint point, void *ctx)
{
  TpCheckpoint ck = ctx;
  PetscInt64 step;
  PetscReal t;

  PetscFunctionBegin;
  PetscCall(TpStepperGetStep(st, &step));
  PetscCall(TpStepperGetTime(st, &t));
  switch (point) {
  case TP_HOOK_START:
    ck->start_step = step;
    ck->next       = t + ck->interval;
    ck->stopped    = PETSC_FALSE;
    PetscCall(TpPollerStart(&ck->poll, ck->comm, step));
    PetscCall(PetscTime(&ck->last_wall));
    break;
  case TP_HOOK_STEP:
    if (step > ck->start_step && step > ck->checked_step) {
      ck->checked_step = step;
      PetscCall(Triggers(ck, step, t));
    }
    break;
  case TP_HOOK_END:
    if (!ck->stopped && ck->final) PetscCall(TpCheckpointWrite(ck, "final"));
    break;
  }
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointAttach - Makes the checkpoint's triggers a hook of its stepper

  Logically Collective

  Input Parameter:
. ck - the checkpoint

  Notes:
  Attach it after the recorder, so that a checkpoint holds the sample of the step it is written at.

.seealso: `TpStepperAddHook()`, `TpRecorderAttach()`
@*/
PetscErrorCode TpCheckpointAttach(TpCheckpoint ck)
{
  PetscFunctionBegin;
  PetscCall(TpStepperAddHook(ck->st, Hook, ck, 0));
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointGetStop - Whether the run was stopped by a signal or the stop file (with a checkpoint written)

  Not Collective

  Input Parameter:
. ck - the checkpoint

  Output Parameters:
+ stopped - true if it was
- signal  - the signal, or 0 for the stop file

.seealso: `TpCheckpointSetFromOptions()`
@*/
PetscErrorCode TpCheckpointGetStop(TpCheckpoint ck, PetscBool *stopped, int *signal)
{
  PetscFunctionBegin;
  *stopped = ck->stopped;
  if (signal) *signal = ck->signal;
  PetscFunctionReturn(0);
}

/* The checksum of the state: every checkpointed field, stream 1, 2, ... in declaration order. */
static PetscErrorCode StateChecksum(TpCheckpoint ck, void **bufs, uint64_t *sum)
{
  PetscInt nf, k = 0;

  PetscFunctionBegin;
  *sum = 0;
  PetscCall(TpModelGetNumFields(ck->model, &nf));
  for (PetscInt f = 0; f < nf; f++) {
    const TpFieldInfo *info;
    uint64_t h;
    void *a;
    PetscCall(TpModelGetField(ck->model, f, &info));
    if (!(info->flags & TP_FIELD_CHECKPOINT)) continue;
    k++;
    if (bufs)
      a = bufs[f];
    else
      PetscCall(TpModelGetFieldArray(ck->model, f, &a));
    PetscCall(TpFieldChecksum(ck->model, f, a, (uint64_t)k, &h));
    if (!bufs) PetscCall(TpModelRestoreFieldArray(ck->model, f, &a));
    *sum += h;
  }
  PetscFunctionReturn(0);
}

/* A hash of step, time, time step and the recorder's table (identical on every rank). */
static uint64_t MetaBase(double t, double dt, long long step)
{
  uint64_t h, b;
  memcpy(&b, &t, 8);
  h = TpHash(b, 11, 0, 0);
  memcpy(&b, &dt, 8);
  return h + TpHash(b, 12, 0, 0) + TpHash((uint64_t)step, 13, 0, 0);
}

/* What identifies the run: model, parameters, inputs, stepper. */
typedef struct {
  char model[64], desc[4096], stepper[128], trajectory[1024];
  uint64_t nhash, phash;
  PetscInt N, K;
  PetscCount nsyn;
  PetscInt seed;
  PetscBool patterns;
} Identity;

static PetscErrorCode GetIdentity(TpCheckpoint ck, Identity *id)
{
  const char *type;
  TpNetwork net;
  TpPatterns pat;
  TpNetworkRows r;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(id, sizeof(*id)));
  PetscCall(TpModelGetType(ck->model, &type));
  PetscCall(PetscStrncpy(id->model, type, sizeof(id->model)));
  PetscCall(TpModelDescribe(ck->model, id->desc, sizeof(id->desc)));
  PetscCall(TpStepperGetName(ck->st, id->stepper, sizeof(id->stepper)));
  PetscCall(TpStepperDescribeTrajectory(ck->st, id->trajectory, sizeof(id->trajectory)));
  PetscCall(TpModelGetNetwork(ck->model, &net));
  PetscCall(TpModelGetPatterns(ck->model, &pat));
  PetscCall(TpNetworkFingerprint(net, &id->nhash));
  PetscCall(TpNetworkGetRows(net, &r));
  PetscCall(TpNetworkGetSeed(net, &id->seed));
  id->N    = r.N;
  id->nsyn = r.nsyn;
  if (pat) {
    id->patterns = PETSC_TRUE;
    PetscCall(TpPatternsFingerprint(pat, &id->phash));
    PetscCall(TpPatternsGetSizes(pat, NULL, &id->K));
  }
  PetscFunctionReturn(0);
}

typedef struct {
  TpCheckpoint ck;
  const char *reason;
} WriteCtx;

static PetscErrorCode WriteCheckpoint(MPI_Comm comm, hid_t f, void *ctx)
{
  const WriteCtx *w = ctx;
  TpCheckpoint ck   = w->ck;
  Identity id;
  uint64_t sum, table;
  PetscInt64 step;
  PetscReal t, dt;
  PetscInt nf;
  char *opts;
  hid_t g;

  PetscFunctionBegin;
  PetscCall(GetIdentity(ck, &id));
  PetscCall(StateChecksum(ck, NULL, &sum));
  PetscCall(TpRecorderChecksum(ck->rec, &table));
  PetscCall(TpStepperGetStep(ck->st, &step));
  PetscCall(TpStepperGetTime(ck->st, &t));
  PetscCall(TpStepperGetTimeStep(ck->st, &dt));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(TpH5WriteSignature(f, &TP_FORMAT_CHECKPOINT));
  PetscCall(TpH5WriteAttrString(f, "model", id.model));
  PetscCall(TpH5WriteAttrString(f, "description", id.desc));
  PetscCall(TpH5WriteAttrInt(f, "network_hash", (long long)id.nhash));
  if (id.patterns) PetscCall(TpH5WriteAttrInt(f, "patterns_hash", (long long)id.phash));
  PetscCall(TpH5WriteAttrInt(f, "state_checksum", (long long)sum));
  PetscCall(TpH5WriteAttrInt(f, "neurons", id.N));
  PetscCall(TpH5WriteAttrInt(f, "synapses", (long long)id.nsyn));
  if (id.patterns) PetscCall(TpH5WriteAttrInt(f, "patterns", id.K));
  PetscCall(TpH5WriteAttrInt(f, "seed", id.seed));
  PetscCall(TpH5WriteAttrDouble(f, "time", t));
  PetscCall(TpH5WriteAttrDouble(f, "dt", dt));
  PetscCall(TpH5WriteAttrInt(f, "step", step));
  PetscCall(TpH5WriteAttrString(f, "stepper", id.stepper));
  PetscCall(TpH5WriteAttrString(f, "stepper_description", id.trajectory));
  PetscCall(TpH5WriteAttrString(f, "reason", w->reason));
  PetscCall(TpH5WriteAttrInt(f, "meta_checksum", (long long)(MetaBase(t, dt, step) + table)));
  PetscCall(TpH5WriteAttrString(f, "options", opts));
  PetscCall(PetscFree(opts));
  PetscCall(TpModelGetNumFields(ck->model, &nf));
  PetscCall(TpH5CreateGroup(f, "state", &g));
  for (PetscInt q = 0; q < nf; q++) {
    const TpFieldInfo *info;
    PetscCall(TpModelGetField(ck->model, q, &info));
    if (info->flags & TP_FIELD_CHECKPOINT) PetscCall(TpFieldWrite(ck->model, q, g));
  }
  PetscCallH5(H5Gclose(g));
  PetscCall(TpH5CreateGroup(f, "samples", &g));
  PetscCall(TpRecorderWriteSamples(ck->rec, g));
  PetscCallH5(H5Gclose(g));
  PetscCall(TpModelWriteEvents(ck->model, f));
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointWrite - Writes a checkpoint now

  Collective

  Input Parameters:
+ ck     - the checkpoint
- reason - why: "interval", "signal", "stop file", "final"

  Notes:
  Written as PATH.part, flushed to disk, then renamed over PATH; the checkpoint it replaces stays as
  PATH.prev.  When writing fails (no room, a full disk) the previous checkpoint is untouched and
  the message says so.

.seealso: `TpCheckpointLoad()`, `TpH5WriteFile()`
@*/
PetscErrorCode TpCheckpointWrite(TpCheckpoint ck, const char *reason)
{
  WriteCtx w        = {ck, reason};
  TpH5FileSpec spec = {"checkpoint", "-checkpoint", 0, PETSC_TRUE, PETSC_TRUE};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscCall(TpCheckpointEstimateBytes(ck, &spec.bytes));
  PetscCall(TpH5WriteFile(ck->comm, ck->path, &spec, WriteCheckpoint, &w));
  PetscCall(PetscLogEventEnd(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointEstimateBytes - Roughly the bytes a checkpoint of the run takes

  Not Collective

  Input Parameter:
. ck - the checkpoint

  Output Parameter:
. bytes - the fields flagged for checkpoints, the series so far and 64 KiB of metadata

.seealso: `TpCheckpointWrite()`, `TpCheckRoom()`
@*/
PetscErrorCode TpCheckpointEstimateBytes(TpCheckpoint ck, double *bytes)
{
  PetscInt nf;
  double b;

  PetscFunctionBegin;
  *bytes = 65536.0;
  PetscCall(TpModelGetNumFields(ck->model, &nf));
  for (PetscInt f = 0; f < nf; f++) {
    const TpFieldInfo *info;
    PetscCall(TpModelGetField(ck->model, f, &info));
    if (!(info->flags & TP_FIELD_CHECKPOINT)) continue;
    PetscCall(TpFieldBytes(ck->model, f, &b, NULL));
    *bytes += b;
  }
  PetscCall(TpRecorderEstimateBytes(ck->rec, &b));
  *bytes += b;
  PetscCall(TpModelEstimateEventBytes(ck->model, &b));
  *bytes += b;
  PetscFunctionReturn(0);
}

/* Every check collective: each rank reads the same attributes and reaches the same verdict. */
#define CheckAttr(cond, ...) PetscCheck(cond, comm, PETSC_ERR_FILE_UNEXPECTED, __VA_ARGS__)

static PetscErrorCode LoadCheckpoint(TpCheckpoint ck, hid_t f, const char *path)
{
  MPI_Comm comm = ck->comm;
  char s[4096], where[PETSC_MAX_PATH_LEN + 32];
  long long v, step, mc;
  double t, dt;
  uint64_t ckv, sum;
  PetscBool found, ok, has;
  Identity id;
  PetscInt nf;
  void **bufs;
  hid_t g;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(where, sizeof(where), "'%s' (option -restart)", path));
  PetscCall(TpH5CheckSignature(f, &TP_FORMAT_CHECKPOINT, where, s, sizeof(s)));
  CheckAttr(!s[0], "%s", s);
  PetscCall(GetIdentity(ck, &id));
  PetscCall(TpH5ReadAttrString(f, "model", s, sizeof(s), &found));
  CheckAttr(found && !strcmp(s, id.model), "Checkpoint '%s' is of model '%s', this run is of model '%s'", path,
            found ? s : "?", id.model);
  PetscCall(TpH5ReadAttrInt(f, "neurons", &v, &found));
  CheckAttr(found && v == id.N, "Checkpoint '%s' is for %lld neurons, this network has %" PetscInt_FMT, path,
            found ? v : -1, id.N);
  PetscCall(TpH5ReadAttrInt(f, "synapses", &v, &found));
  CheckAttr(found && v == (long long)id.nsyn, "Checkpoint '%s' is for %lld synapses, this network has %" PetscCount_FMT,
            path, found ? v : -1, id.nsyn);
  if (id.patterns) {
    PetscCall(TpH5ReadAttrInt(f, "patterns", &v, &found));
    CheckAttr(found && v == id.K, "Checkpoint '%s' stores %lld patterns, this run %" PetscInt_FMT, path, found ? v : -1,
              id.K);
  }
  PetscCall(TpH5ReadAttrInt(f, "network_hash", &v, &found));
  CheckAttr(
      found && (uint64_t)v == id.nhash,
      "Checkpoint '%s' is for another network (its synapses differ from this run's -connectivity, -degree, -seed)",
      path);
  if (id.patterns) {
    PetscCall(TpH5ReadAttrInt(f, "patterns_hash", &v, &found));
    CheckAttr(found && (uint64_t)v == id.phash,
              "Checkpoint '%s' holds other patterns or another cue than this run (-seed, -patterns_file, -cue_*)",
              path);
  }
  PetscCall(TpH5ReadAttrString(f, "description", s, sizeof(s), &found));
  CheckAttr(found && !strcmp(s, id.desc),
            "Checkpoint '%s' was made with other model parameters:\n  checkpoint: %s\n  this run:   %s", path,
            found ? s : "?", id.desc);
  PetscCall(TpH5ReadAttrString(f, "stepper", s, sizeof(s), &found));
  CheckAttr(found && !strcmp(s, id.stepper),
            "Checkpoint '%s' was made with stepper '%s', this run uses '%s' (-stepper_type, -ts_type)", path,
            found ? s : "?", id.stepper);
  PetscCall(TpH5ReadAttrString(f, "stepper_description", s, sizeof(s), &found));
  CheckAttr(found && !strcmp(s, id.trajectory),
            "Checkpoint '%s' was made with other stepper settings (a restart may change the end, the recording and "
            "the checkpoints, not the trajectory):\n  checkpoint: %s\n  this run:   %s",
            path, found ? s : "?", id.trajectory);
  PetscCall(TpH5ReadAttrDouble(f, "time", &t, &found));
  CheckAttr(found && (PetscIsNormalReal(t) || t == 0), "Checkpoint '%s' has no valid time", path);
  PetscCall(TpH5ReadAttrDouble(f, "dt", &dt, &found));
  CheckAttr(found && dt > 0 && PetscIsNormalReal(dt), "Checkpoint '%s' has no valid time step", path);
  PetscCall(TpH5ReadAttrInt(f, "step", &step, &found));
  CheckAttr(found && step >= 0, "Checkpoint '%s' has no valid step number", path);
  PetscCall(TpH5ReadAttrInt(f, "state_checksum", &v, &found));
  CheckAttr(found, "Checkpoint '%s' has no state checksum", path);
  {
    char what[PETSC_MAX_PATH_LEN + 32];
    PetscCall(PetscSNPrintf(what, sizeof(what), "checkpoint '%s'", path));
    PetscCall(TpStepperCheckEnd(ck->st, (PetscInt64)step, t, what));
  }
  PetscCall(TpH5ReadAttrInt(f, "meta_checksum", &mc, &has));
  CheckAttr(has, "Checkpoint '%s' has no checksum of its time series", path);

  /* the state, into buffers first: never half-loaded */
  PetscCall(TpModelGetNumFields(ck->model, &nf));
  PetscCall(PetscCalloc1(nf + 1, &bufs));
  ok = PETSC_TRUE;
  g  = H5Gopen2(f, "state", H5P_DEFAULT);
  for (PetscInt q = 0; q < nf && ok; q++) {
    const TpFieldInfo *info;
    PetscCount bytes;
    PetscCall(TpModelGetField(ck->model, q, &info));
    if (!(info->flags & TP_FIELD_CHECKPOINT)) continue;
    PetscCall(TpFieldBytes(ck->model, q, NULL, &bytes));
    PetscCall(PetscMalloc((size_t)bytes + 8, &bufs[q]));
    ok = g >= 0 ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(TpAllTrue(comm, &ok));
    if (ok) PetscCall(TpFieldRead(ck->model, q, g, bufs[q], &ok));
    if (!ok) PetscCall(PetscSNPrintf(s, sizeof(s), "/state/%s", info->name));
  }
  if (g >= 0) H5Gclose(g);
  if (ok) {
    PetscCall(StateChecksum(ck, bufs, &sum));
    ok = sum == (uint64_t)v ? PETSC_TRUE : PETSC_FALSE;
    if (!ok) PetscCall(PetscStrncpy(s, "", sizeof(s)));
  }
  if (!ok) {
    for (PetscInt q = 0; q < nf; q++) PetscCall(PetscFree(bufs[q]));
    PetscCall(PetscFree(bufs));
  }
  CheckAttr(ok || !s[0],
            "Checkpoint '%s': dataset %s is missing, unreadable or of the wrong size (truncated or corrupted file?)",
            path, s);
  CheckAttr(ok, "Checkpoint '%s' is corrupted: its state does not match its checksum", path);

  /* the time series so far, checked against the checksum of step, time, time step and table */
  g  = H5Gopen2(f, "samples", H5P_DEFAULT);
  ok = g >= 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(TpAllTrue(comm, &ok));
  if (ok) {
    ckv = (uint64_t)mc - MetaBase(t, dt, step);
    PetscCall(TpRecorderLoadSamples(ck->rec, g, step, t, ckv, &ok));
  }
  if (g >= 0) H5Gclose(g);
  if (!ok) {
    for (PetscInt q = 0; q < nf; q++) PetscCall(PetscFree(bufs[q]));
    PetscCall(PetscFree(bufs));
  }
  CheckAttr(ok,
            "Checkpoint '%s': its /samples time series is missing, unreadable or inconsistent with its time %.6g, "
            "step %lld and time step, or corrupted",
            path, t, step);

  /* the stepper may refuse the step, time and time step (a fixed grid of another dt): say which checkpoint */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TpStepperSetState(ck->st, (PetscInt64)step, t, dt);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    char *text = NULL;

    for (PetscInt q = 0; q < nf; q++) PetscCall(PetscFree(bufs[q]));
    PetscCall(PetscFree(bufs));
    PetscCall(PetscErrorMessage(ierr, NULL, &text));
    SETERRQ(comm, ierr, "Checkpoint '%s' cannot be continued: %s", path,
            text && text[0] ? text : "refused by the stepper");
  }

  /* the events so far (M4's spikes) */
  PetscCall(TpModelLoadEvents(ck->model, f, &ok));
  if (!ok) {
    for (PetscInt q = 0; q < nf; q++) PetscCall(PetscFree(bufs[q]));
    PetscCall(PetscFree(bufs));
  }
  CheckAttr(ok, "Checkpoint '%s': its /spikes are missing, unreadable or out of range", path);

  /* commit */
  for (PetscInt q = 0; q < nf; q++)
    if (bufs[q]) PetscCall(TpFieldCopy(ck->model, q, bufs[q], PETSC_TRUE));
  for (PetscInt q = 0; q < nf; q++) PetscCall(PetscFree(bufs[q]));
  PetscCall(PetscFree(bufs));
  PetscCall(TpModelStateLoaded(ck->model));
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointLoad - Continues from a checkpoint: checks that it belongs to this run, then loads state, step, time, time
step and time series

  Collective

  Input Parameters:
+ ck   - the checkpoint of the run, after set-up
- path - the checkpoint file (option -restart)

  Notes:
  Refused with a message naming what differs: not a checkpoint, another format version, model,
  parameters, network, patterns or stepper, a state or time series that does not match its
  checksum.  Nothing is loaded unless everything is right.  Any number of ranks and any partition
  may read it.

.seealso: `TpCheckpointWrite()`
@*/
PetscErrorCode TpCheckpointLoad(TpCheckpoint ck, const char *path)
{
  MPI_Comm comm = ck->comm;
  PetscMPIInt rank;
  int status                             = 0;
  char why[2 * PETSC_MAX_PATH_LEN + 256] = "";
  hid_t fapl, f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) status = access(path, R_OK) ? 1 : (H5Fis_hdf5(path) > 0 ? 0 : 2);
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, comm));
  PetscCheck(status != 1, comm, PETSC_ERR_FILE_OPEN,
             "Cannot read checkpoint '%s' (option -restart): no such readable file", path);
  PetscCheck(status != 2, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s' (option -restart) is not a valid HDF5 file (truncated or corrupted?)", path);
  PetscCallH5(fapl = H5Pcreate(H5P_FILE_ACCESS));
  PetscCallH5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  ierr = TpH5OpenShared(comm, path, fapl, "checkpoint", "-restart", why, sizeof(why), &f);
  PetscCallH5(H5Pclose(fapl));
  PetscCall(ierr);
  PetscCheck(!why[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", why);
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Cannot open checkpoint '%s' (option -restart) as HDF5 (truncated or corrupted?)", path);
  ierr = LoadCheckpoint(ck, f, path);
  H5Fclose(f);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/*@C
  TpCheckpointDestroy - Destroys a checkpoint object (not the file)

  Not Collective

  Input Parameter:
. ck - the checkpoint (may be NULL); set to NULL

.seealso: `TpCheckpointCreate()`
@*/
PetscErrorCode TpCheckpointDestroy(TpCheckpoint *ck)
{
  PetscFunctionBegin;
  if (!*ck) PetscFunctionReturn(0);
  PetscCall(PetscFree(*ck));
  PetscFunctionReturn(0);
}
