/* The run's output file (tpoutput.h): identity, series, summary, inputs and fields, all from the
   declarations of the model and what the stepper and recorder hold. */
#include <tpoutput.h>
#include <tpfields.h>
#include <tph5.h>
#include <tputil.h>

typedef struct {
  TpModel model;
  TpStepper st;
  TpRecorder rec;
  const TpOutputInfo *info;
} OutputCtx;

/* Is field f written: always (TP_FIELD_OUTPUT), or on request and requested. */
static PetscErrorCode Wanted(const TpOutputInfo *info, const TpFieldInfo *f, PetscBool *yes)
{
  PetscFunctionBegin;
  *yes = (f->flags & TP_FIELD_OUTPUT) ? PETSC_TRUE : PETSC_FALSE;
  if (!*yes && (f->flags & TP_FIELD_REQUEST)) {
    *yes = info->all;
    if (!*yes && info->fields && info->fields[0]) PetscCall(PetscStrInList(f->name, info->fields, ',', yes));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteOutput(MPI_Comm comm, hid_t f, void *ctx)
{
  const OutputCtx *c = ctx;
  TpModel m          = c->model;
  TpNetwork net;
  TpPatterns pat;
  PetscMPIInt size;
  PetscInt64 step, nrhs, nsamples;
  PetscReal t;
  PetscInt nf, ns;
  PetscBool synapses = PETSC_FALSE;
  const char *type;
  char *opts, stepper[128];
  const double *first, *last;
  double *summary;
  hid_t g;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(TpModelGetType(m, &type));
  PetscCall(TpModelGetNetwork(m, &net));
  PetscCall(TpModelGetPatterns(m, &pat));
  PetscCall(TpStepperGetName(c->st, stepper, sizeof(stepper)));
  PetscCall(TpStepperGetStep(c->st, &step));
  PetscCall(TpStepperGetTime(c->st, &t));
  PetscCall(TpModelGetEvaluations(m, &nrhs, NULL));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(TpH5WriteSignature(f, &TP_FORMAT_RUN));
  PetscCall(TpH5WriteAttrString(f, "program", "tripart"));
  PetscCall(TpH5WriteAttrString(f, "model", type));
  PetscCall(TpH5WriteAttrInt(f, "ranks", size));
  PetscCall(TpH5WriteAttrString(f, "options", opts));
  PetscCall(PetscFree(opts));
  PetscCall(TpNetworkWriteAttributes(net, f));
  PetscCall(TpH5WriteAttrString(f, "stepper", stepper));
  PetscCall(TpH5WriteAttrInt(f, "steps", step));
  PetscCall(TpH5WriteAttrInt(f, "rhs_evaluations", nrhs));
  PetscCall(TpH5WriteAttrDouble(f, "final_time", t));
  PetscCall(TpH5WriteAttrDouble(f, "wall_time", c->info->wall));
  PetscCall(TpH5WriteAttrDouble(f, "peak_memory_bytes", c->info->peak_bytes));

  /* series, and the summary as attributes of /observables */
  PetscCall(TpRecorderWrite(c->rec, f));
  PetscCall(TpModelWriteEvents(c->model, f));
  PetscCall(TpModelWriteOutput(c->model, f));
  PetscCall(TpH5CreateGroup(f, "observables", &g));
  PetscCall(TpRecorderGetNumSamples(c->rec, &nsamples));
  PetscCall(TpModelGetNumSummaries(m, &ns));
  if (nsamples > 0 && ns > 0) {
    PetscCall(TpRecorderGetSample(c->rec, 0, NULL, NULL, &first));
    PetscCall(TpRecorderGetSample(c->rec, -1, NULL, NULL, &last));
    PetscCall(PetscMalloc1(ns, &summary));
    PetscCall(TpModelSummarize(m, first, last, summary));
    for (PetscInt k = 0; k < ns; k++) {
      const TpSummaryInfo *info;
      PetscCall(TpModelGetSummary(m, k, &info));
      if (info->type == PETSC_INT64)
        PetscCall(TpH5WriteAttrInt(g, info->name, (long long)summary[k]));
      else
        PetscCall(TpH5WriteAttrDouble(g, info->name, summary[k]));
    }
    PetscCall(PetscFree(summary));
  }
  if (pat) PetscCall(TpPatternsWriteCueAttributes(pat, g));
  PetscCallH5(H5Gclose(g));
  if (pat) PetscCall(TpPatternsWrite(pat, f));

  /* fields */
  PetscCall(TpModelGetNumFields(m, &nf));
  PetscCall(TpH5CreateGroup(f, "state", &g));
  for (PetscInt q = 0; q < nf; q++) {
    const TpFieldInfo *info;
    PetscBool yes;
    PetscCall(TpModelGetField(m, q, &info));
    PetscCall(Wanted(c->info, info, &yes));
    if (!yes) continue;
    PetscCall(TpFieldWrite(m, q, g));
    if (info->entity == TP_ENTITY_SYNAPSE || info->entity == TP_ENTITY_PROCESS) synapses = PETSC_TRUE;
  }
  PetscCallH5(H5Gclose(g));
  if (synapses) PetscCall(TpNetworkWriteSynapses(net, f));
  PetscFunctionReturn(0);
}

/*@C
  TpOutputWrite - Writes the run's output file

  Collective

  Input Parameters:
+ path  - the file (option -o)
. model - the model, after the solve
. st    - its stepper
. rec   - its recorder
- info  - wall time, peak memory, and which fields on request to write

  Notes:
  Refused before anything is written when the file system has no room for it; on any failure
  nothing is left under path.

.seealso: `TpH5WriteFile()`, `TpRunWriteOutput()`
@*/
PetscErrorCode TpOutputWrite(const char *path, TpModel model, TpStepper st, TpRecorder rec, const TpOutputInfo *info)
{
  OutputCtx ctx     = {model, st, rec, info};
  TpH5FileSpec spec = {"output file", "-o", 0, PETSC_FALSE, PETSC_FALSE};
  MPI_Comm comm;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscCall(TpModelGetComm(model, &comm));
  PetscCall(TpOutputEstimateBytes(model, rec, info, &spec.bytes));
  PetscCall(TpH5WriteFile(comm, path, &spec, WriteOutput, &ctx));
  PetscCall(PetscLogEventEnd(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TpOutputEstimateBytes - Roughly the bytes a run's output file takes

  Not Collective

  Input Parameters:
+ model - the model, set up
. rec   - its recorder, or NULL before the run (the series are then not counted)
- info  - which fields on request are written

  Output Parameter:
. bytes - the estimate (fields, patterns, series, 64 KiB of metadata)

.seealso: `TpOutputWrite()`, `TpCheckRoom()`
@*/
PetscErrorCode TpOutputEstimateBytes(TpModel model, TpRecorder rec, const TpOutputInfo *info, double *bytes)
{
  TpPatterns pat;
  PetscInt nf;

  PetscFunctionBegin;
  *bytes = 65536.0;
  PetscCall(TpModelGetPatterns(model, &pat));
  if (pat) {
    PetscInt N, K;
    PetscCall(TpPatternsGetSizes(pat, &N, &K));
    *bytes += (double)N * (K + 1);
  }
  PetscCall(TpModelGetNumFields(model, &nf));
  for (PetscInt q = 0; q < nf; q++) {
    const TpFieldInfo *fi;
    PetscBool yes;
    double b;
    PetscCall(TpModelGetField(model, q, &fi));
    PetscCall(Wanted(info, fi, &yes));
    if (!yes) continue;
    PetscCall(TpFieldBytes(model, q, &b, NULL));
    *bytes += b + (fi->entity == TP_ENTITY_GLOBAL || fi->entity == TP_ENTITY_NEURON ? 0 : b); /* and the CSR */
  }
  {
    double b;
    PetscCall(TpModelEstimateEventBytes(model, &b));
    *bytes += b;
  }
  if (rec) {
    double b;
    PetscCall(TpRecorderEstimateBytes(rec, &b));
    *bytes += b;
  }
  PetscFunctionReturn(0);
}
