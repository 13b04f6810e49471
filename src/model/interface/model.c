/* The model interface: registry and lifecycle, the declarations of fields, series and summaries,
   and the dispatch to the operations of each stepper type. */
#include "modelimpl.h"
#include <tputil.h>

PetscLogEvent TP_EVENT_RHS, TP_EVENT_GHOST, TP_EVENT_HALO, TP_EVENT_REDUCE, TP_EVENT_OBSERVE, TP_EVENT_OUTPUT,
    TP_EVENT_SETUP;
const char *const TpEntities[] = {"global",    "neuron",   "synapse",    "process",
                                  "astrocyte", "TpEntity", "TP_ENTITY_", NULL};

static PetscFunctionList TpModelList;
static PetscClassId TP_CLASSID;
static PetscBool TpPackageInitialized = PETSC_FALSE;

PETSC_INTERN PetscErrorCode TpModelRegisterAll(void);

static PetscErrorCode TpFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&TpModelList));
  TpPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  TpInitializePackage - Registers the models and the log events (once)

  Not Collective

  Notes:
  Called by every creator; PETSc finalises it at PetscFinalize().

.seealso: `TpModelRegister()`
@*/
PetscErrorCode TpInitializePackage(void)
{
  PetscFunctionBegin;
  if (TpPackageInitialized) PetscFunctionReturn(0);
  TpPackageInitialized = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(TpFinalizePackage));
  PetscCall(PetscClassIdRegister("Tripart", &TP_CLASSID));
  PetscCall(PetscLogEventRegister("TpSetUp", TP_CLASSID, &TP_EVENT_SETUP));
  PetscCall(PetscLogEventRegister("TpRHS", TP_CLASSID, &TP_EVENT_RHS));
  PetscCall(PetscLogEventRegister("TpGhostExchange", TP_CLASSID, &TP_EVENT_GHOST));
  PetscCall(PetscLogEventRegister("TpHaloExchange", TP_CLASSID, &TP_EVENT_HALO));
  PetscCall(PetscLogEventRegister("TpReduce", TP_CLASSID, &TP_EVENT_REDUCE));
  PetscCall(PetscLogEventRegister("TpObserve", TP_CLASSID, &TP_EVENT_OBSERVE));
  PetscCall(PetscLogEventRegister("TpOutput", TP_CLASSID, &TP_EVENT_OUTPUT));
  PetscCall(TpModelRegisterAll());
  PetscFunctionReturn(0);
}

/*@C
  TpModelRegister - Adds a model type

  Not Collective

  Input Parameters:
+ name   - the name -model selects it by
- create - its constructor, which fills the model's operations and defaults

  Notes:
  The models of tripart register in src/model/interface/modelreg.c, one line each.

.seealso: `TpModelSetType()`, `TpModelListTypes()`
@*/
PetscErrorCode TpModelRegister(const char name[], PetscErrorCode (*create)(TpModel))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&TpModelList, name, create));
  PetscFunctionReturn(0);
}

/*@C
  TpModelTypeExists - Whether a model type is registered

  Not Collective

  Input Parameter:
. type - the name

  Output Parameter:
. exists - whether it is

.seealso: `TpModelListTypes()`
@*/
PetscErrorCode TpModelTypeExists(const char *type, PetscBool *exists)
{
  PetscErrorCode (*create)(TpModel) = NULL;

  PetscFunctionBegin;
  PetscCall(TpInitializePackage());
  PetscCall(PetscFunctionListFind(TpModelList, type, &create));
  *exists = create ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  TpModelListTypes - The registered model types, comma-separated, for messages and help

  Not Collective

  Input Parameter:
. len - room in buf

  Output Parameter:
. buf - e.g. "naam, gated, hopfield, ..."

.seealso: `TpModelRegister()`
@*/
PetscErrorCode TpModelListTypes(char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(TpInitializePackage());
  PetscCall(TpListNames(TpModelList, buf, len));
  PetscFunctionReturn(0);
}

/*@C
  TpModelCreate - Creates a model of no type yet

  Collective

  Input Parameter:
. comm - the ranks that share it

  Output Parameter:
. model - the model

.seealso: `TpModelSetType()`, `TpModelSetInputs()`, `TpModelSetUp()`, `TpModelDestroy()`
@*/
PetscErrorCode TpModelCreate(MPI_Comm comm, TpModel *model)
{
  PetscFunctionBegin;
  PetscCall(TpInitializePackage());
  PetscCall(PetscNew(model));
  (*model)->comm = comm;
  PetscFunctionReturn(0);
}

/*@C
  TpModelSetType - Sets the model type, calling its constructor

  Collective

  Input Parameters:
+ model - the model
- type  - a registered name: naam, gated, hopfield, dam, modern, oracle, decay, jacobi, ...

.seealso: `TpModelSetTypeFromOptions()`, `TpModelRegister()`
@*/
PetscErrorCode TpModelSetType(TpModel model, const char *type)
{
  PetscErrorCode (*create)(TpModel) = NULL;
  char names[512];
  PetscBool same;

  PetscFunctionBegin;
  PetscCall(TpModelListTypes(names, sizeof(names)));
  PetscCheck(type && type[0], model->comm, PETSC_ERR_ARG_WRONG, "Option -model is empty; available models: %s", names);
  PetscCall(PetscStrcmp(model->type, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCheck(!model->setup, model->comm, PETSC_ERR_ORDER, "TpModelSetType() after TpModelSetUp()");
  PetscCall(PetscFunctionListFind(TpModelList, type, &create));
  PetscCheck(create, model->comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
             "Unknown model '%s' for option -model; available models: %s", type, names);
  if (model->ops.destroy) PetscCall(model->ops.destroy(model));
  PetscCall(PetscMemzero(&model->ops, sizeof(model->ops)));
  model->uses_patterns = PETSC_FALSE;
  PetscCall(PetscStrncpy(model->type, type, sizeof(model->type)));
  PetscCall(PetscSNPrintf(model->prefix, sizeof(model->prefix), "%s_", type));
  PetscCall(TpModelSetStepperTypes(model, "ts", "ts"));
  PetscCall((*create)(model));
  PetscFunctionReturn(0);
}

/*@C
  TpModelSetTypeFromOptions - Sets the type from -model

  Collective

  Input Parameters:
+ model - the model
- deflt - the type when -model is not given (and the model has none yet)

  Options Database Key:
. -model <naam> - the model: naam (M1), gated (M2), hopfield, dam, modern, oracle (M3), decay, jacobi (test models)

.seealso: `TpModelSetType()`, `TpModelSetFromOptions()`
@*/
PetscErrorCode TpModelSetTypeFromOptions(TpModel model, const char *deflt)
{
  char type[64], names[512], help[640];

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(type, model->type[0] ? model->type : deflt, sizeof(type)));
  PetscCall(TpModelListTypes(names, sizeof(names)));
  PetscCall(PetscSNPrintf(help, sizeof(help), "Model: %s", names));
  PetscOptionsBegin(model->comm, NULL, "Model options", "TpModel");
  PetscCall(PetscOptionsFList("-model", help, "TpModelSetType", TpModelList, type, type, sizeof(type), NULL));
  PetscOptionsEnd();
  PetscCall(TpModelSetType(model, type));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetType - The model's type

  Not Collective

  Input Parameter:
. model - the model

  Output Parameter:
. type - its registered name

.seealso: `TpModelSetType()`
@*/
PetscErrorCode TpModelGetType(TpModel model, const char **type)
{
  PetscFunctionBegin;
  *type = model->type;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetComm - The model's communicator

  Not Collective

  Input Parameter:
. model - the model

  Output Parameter:
. comm - the communicator

.seealso: `TpModelCreate()`
@*/
PetscErrorCode TpModelGetComm(TpModel model, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = model->comm;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetOptionsPrefix - The prefix of the model's own options ("naam_", "attractor_", ...)

  Not Collective

  Input Parameter:
. model - the model, with a type

  Output Parameter:
. prefix - the prefix, without the dash

.seealso: `TpModelSetFromOptions()`
@*/
PetscErrorCode TpModelGetOptionsPrefix(TpModel model, const char **prefix)
{
  PetscFunctionBegin;
  *prefix = model->prefix;
  PetscFunctionReturn(0);
}

/*@C
  TpModelUsesPatterns - Whether the model stores patterns and starts from a cue

  Not Collective

  Input Parameter:
. model - the model, with a type

  Output Parameter:
. uses - true for M1-M3

.seealso: `TpModelSetInputs()`
@*/
PetscErrorCode TpModelUsesPatterns(TpModel model, PetscBool *uses)
{
  PetscFunctionBegin;
  *uses = model->uses_patterns;
  PetscFunctionReturn(0);
}

/*@C
  TpModelSetInputs - Gives the model its network and (if it uses them) its patterns

  Logically Collective

  Input Parameters:
+ model - the model, before set-up
. net   - the network, set up
- pat   - the patterns, set up, or NULL for models without

  Notes:
  The model keeps references; the caller (TpRun) owns and destroys them after the model.

.seealso: `TpModelGetNetwork()`, `TpModelGetPatterns()`
@*/
PetscErrorCode TpModelSetInputs(TpModel model, TpNetwork net, TpPatterns pat)
{
  PetscFunctionBegin;
  PetscCheck(!model->setup, model->comm, PETSC_ERR_ORDER, "TpModelSetInputs() after TpModelSetUp()");
  PetscCheck(pat || !model->uses_patterns, model->comm, PETSC_ERR_ARG_NULL, "Model %s needs patterns", model->type);
  model->net = net;
  model->pat = pat;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetNetwork - The model's network

  Not Collective

  Input Parameter:
. model - the model

  Output Parameter:
. net - the network (owned by the caller of TpModelSetInputs())

.seealso: `TpModelSetInputs()`
@*/
PetscErrorCode TpModelGetNetwork(TpModel model, TpNetwork *net)
{
  PetscFunctionBegin;
  *net = model->net;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetPatterns - The model's patterns, or NULL

  Not Collective

  Input Parameter:
. model - the model

  Output Parameter:
. pat - the patterns

.seealso: `TpModelSetInputs()`
@*/
PetscErrorCode TpModelGetPatterns(TpModel model, TpPatterns *pat)
{
  PetscFunctionBegin;
  *pat = model->pat;
  PetscFunctionReturn(0);
}

/*@C
  TpModelSetFromOptions - Reads the model's own options (under its prefix, see the README)

  Collective

  Input Parameter:
. model - the model, with a type and its inputs

.seealso: `TpModelSetTypeFromOptions()`, `TpModelGetOptionsPrefix()`
@*/
PetscErrorCode TpModelSetFromOptions(TpModel model)
{
  PetscFunctionBegin;
  PetscCheck(model->type[0], model->comm, PETSC_ERR_ORDER, "TpModelSetFromOptions() before TpModelSetType()");
  PetscCheck(model->net, model->comm, PETSC_ERR_ORDER, "TpModelSetFromOptions() before TpModelSetInputs()");
  if (model->ops.setfromoptions) PetscCall(model->ops.setfromoptions(model));
  PetscFunctionReturn(0);
}

/*@C
  TpModelSetUp - Allocates the model's state and declares its fields, series and summaries

  Collective

  Input Parameter:
. model - the model

.seealso: `TpModelGetNumFields()`, `TpModelGetNumSeries()`, `TpModelGetNumSummaries()`
@*/
PetscErrorCode TpModelSetUp(TpModel model)
{
  PetscFunctionBegin;
  if (model->setup) PetscFunctionReturn(0);
  PetscCheck(model->net, model->comm, PETSC_ERR_ORDER, "TpModelSetUp() before TpModelSetInputs()");
  PetscCall(PetscLogEventBegin(TP_EVENT_SETUP, 0, 0, 0, 0));
  PetscCall(model->ops.setup(model));
  PetscCall(PetscLogEventEnd(TP_EVENT_SETUP, 0, 0, 0, 0));
  model->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TpModelView - Prints the model's parameters

  Collective

  Input Parameters:
+ model  - the model
- viewer - an ASCII viewer

.seealso: `TpModelDescribe()`
@*/
PetscErrorCode TpModelView(TpModel model, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (model->ops.view) PetscCall(model->ops.view(model, viewer));
  PetscFunctionReturn(0);
}

/*@C
  TpModelDescribe - A canonical text of the model and every parameter that changes its results

  Not Collective

  Input Parameters:
+ model - the model, set up
- len   - room in buf

  Output Parameter:
. buf - e.g. "model=gated;sigma=5;..."; checkpoints and sweep tables must match it to be resumed

.seealso: `TpModelView()`
@*/
PetscErrorCode TpModelDescribe(TpModel model, char *buf, size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  if (model->ops.describe)
    PetscCall(model->ops.describe(model, buf, len));
  else
    PetscCall(PetscSNPrintf(buf, len, "model=%s;", model->type));
  PetscFunctionReturn(0);
}

/*@C
  TpModelEstimateCost - The relative cost of one run of this model with K patterns, for sweep scheduling

  Not Collective

  Input Parameters:
+ model - the model, set up
- K     - the patterns of the run

  Output Parameter:
. cost - a relative cost (only ratios between trials matter)

.seealso: `TpSweepRun()`
@*/
PetscErrorCode TpModelEstimateCost(TpModel model, PetscInt K, double *cost)
{
  PetscFunctionBegin;
  if (model->ops.cost)
    PetscCall(model->ops.cost(model, K, cost));
  else {
    PetscInt N;
    PetscCall(TpNetworkGetSize(model->net, &N));
    *cost = (double)N * (2.0 * K + 40) + 200;
  }
  PetscFunctionReturn(0);
}

/*@C
  TpModelDestroy - Destroys a model

  Collective

  Input Parameter:
. model - the model (may be NULL); set to NULL

.seealso: `TpModelCreate()`
@*/
PetscErrorCode TpModelDestroy(TpModel *model)
{
  PetscFunctionBegin;
  if (!*model) PetscFunctionReturn(0);
  if ((*model)->ops.destroy) PetscCall((*model)->ops.destroy(*model));
  PetscCall(VecDestroy(&(*model)->state));
  PetscCall(PetscFree((*model)->fields));
  PetscCall(PetscFree((*model)->series));
  PetscCall(PetscFree((*model)->summaries));
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- for implementations */

/*@C
  TpModelSetStepperTypes - Says which stepper types can advance the model (in its constructor)

  Not Collective

  Input Parameters:
+ model     - the model
. deflt     - the type it is advanced by unless -stepper_type says otherwise
- supported - every type it supplies the operations of, comma-separated ("ts", "fixed,ts", ...)

.seealso: `TpModelGetStepperTypes()`, `TpStepperSetUp()`
@*/
PetscErrorCode TpModelSetStepperTypes(TpModel model, const char *deflt, const char *supported)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(model->default_stepper, deflt, sizeof(model->default_stepper)));
  PetscCall(PetscStrncpy(model->steppers, supported, sizeof(model->steppers)));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetStepperTypes - The stepper type that advances the model by default, and all it supports

  Not Collective

  Input Parameter:
. model - the model, with a type

  Output Parameters:
+ deflt     - the default type
- supported - the types, comma-separated

.seealso: `TpModelSetStepperTypes()`
@*/
PetscErrorCode TpModelGetStepperTypes(TpModel model, const char **deflt, const char **supported)
{
  PetscFunctionBegin;
  if (deflt) *deflt = model->default_stepper;
  if (supported) *supported = model->steppers;
  PetscFunctionReturn(0);
}

/*@C
  TpModelFinish - What the model does once a run has reached its end (not when it was stopped early
  for a checkpoint): M5's recall tests, for one

  Collective

  Input Parameter:
. model - the model

.seealso: `TpStepperSolve()`
@*/
PetscErrorCode TpModelFinish(TpModel model)
{
  PetscFunctionBegin;
  if (model->ops.finish) PetscCall(model->ops.finish(model));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetOwnNeurons - Whether the model wires its own synapses, and how many neurons it simulates

  Collective

  Input Parameter:
. model - the model, its type set (before TpModelSetInputs())

  Output Parameters:
+ N       - the neurons its options describe (M4's populations), or 0: it takes the network it is given
. ngroups - consecutive groups of them (M4's populations), each to be spread over the ranks
- sizes   - neurons in each group (owned by the model)

  Notes:
  A run gives such a model a network of neurons only (-connectivity none) of this size, with each
  group split over the ranks (TpNetworkSetGroups()).

.seealso: `TpRunSetFromOptions()`, `TpNetworkSetConnectivity()`
@*/
PetscErrorCode TpModelGetOwnNeurons(TpModel model, PetscInt *N, PetscInt *ngroups, const PetscInt **sizes)
{
  PetscFunctionBegin;
  *N = 0, *ngroups = 0, *sizes = NULL;
  if (model->ops.neurons) PetscCall(model->ops.neurons(model, N, ngroups, sizes));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetSynapseCount - The synapses of the model: the network's, or those it wired itself

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. nsyn - synapses in all

.seealso: `TpModelGetOwnNeurons()`
@*/
PetscErrorCode TpModelGetSynapseCount(TpModel model, PetscCount *nsyn)
{
  TpNetworkRows r;

  PetscFunctionBegin;
  if (model->synapses > 0)
    *nsyn = model->synapses;
  else {
    PetscCall(TpNetworkGetRows(model->net, &r));
    *nsyn = r.nsyn;
  }
  PetscFunctionReturn(0);
}

/*@C
  TpModelWriteEvents - Writes the model's events (M4's spikes) into the run's output

  Collective

  Input Parameters:
+ model - the model, after the solve
- file  - the output file

.seealso: `TpOutputWrite()`
@*/
PetscErrorCode TpModelWriteEvents(TpModel model, hid_t file)
{
  PetscFunctionBegin;
  if (model->ops.writeevents) PetscCall(model->ops.writeevents(model, file));
  PetscFunctionReturn(0);
}

/*@C
  TpModelWriteOutput - Writes what the model adds to the run's output only (M5's trained W as a CSR), not to
  checkpoints

  Collective

  Input Parameters:
+ model - the model, after the solve
- file  - the output file

.seealso: `TpOutputWrite()`, `TpModelWriteEvents()`
@*/
PetscErrorCode TpModelWriteOutput(TpModel model, hid_t file)
{
  PetscFunctionBegin;
  if (model->ops.writeoutput) PetscCall(model->ops.writeoutput(model, file));
  PetscFunctionReturn(0);
}

/*@C
  TpModelLoadEvents - Reads back the events a checkpoint holds (M4's spikes so far)

  Collective

  Input Parameters:
+ model - the model, set up
- file  - the checkpoint

  Output Parameter:
. ok - whether they were there and sound (the same on every rank)

.seealso: `TpCheckpointLoad()`, `TpModelWriteEvents()`
@*/
PetscErrorCode TpModelLoadEvents(TpModel model, hid_t file, PetscBool *ok)
{
  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (model->ops.loadevents) PetscCall(model->ops.loadevents(model, file, ok));
  PetscFunctionReturn(0);
}

/*@C
  TpModelEstimateEventBytes - Roughly the bytes TpModelWriteEvents() takes

  Not Collective

  Input Parameter:
. model - the model

  Output Parameter:
. bytes - the estimate (0 for a model without events)

.seealso: `TpOutputEstimateBytes()`
@*/
PetscErrorCode TpModelEstimateEventBytes(TpModel model, double *bytes)
{
  PetscFunctionBegin;
  *bytes = 0;
  if (model->ops.eventbytes) PetscCall(model->ops.eventbytes(model, bytes));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetDefaultGrid - The fixed grid's step and final time the model suggests

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameters:
+ dt   - the step, or 0: the stepper's default (-stepper_dt overrides it)
- tmax - the final time, or 0: the stepper's default (-stepper_max_time overrides it)

  Notes:
  M4's spiking networks run on 0.1 ms for 1000 ms unless told otherwise.

.seealso: `TpStepperCreate()`
@*/
PetscErrorCode TpModelGetDefaultGrid(TpModel model, PetscReal *dt, PetscReal *tmax)
{
  PetscFunctionBegin;
  if (dt) *dt = model->default_dt;
  if (tmax) *tmax = model->default_tmax;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetDefaultSteps - The most steps (or iterations) and the recording interval the model suggests

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameters:
+ steps - the most steps, or 0: the stepper's own default (-stepper_max_steps, -ts_max_steps override it)
- every - record every this many steps, or 0: every step (-monitor_every overrides it)

  Notes:
  M5's training, for one, is capped by the published epoch budget and records its series every
  10^3 epochs.

.seealso: `TpStepperCreate()`, `TpRecorderSetInterval()`
@*/
PetscErrorCode TpModelGetDefaultSteps(TpModel model, PetscInt64 *steps, PetscInt64 *every)
{
  PetscFunctionBegin;
  if (steps) *steps = model->default_steps;
  if (every) *every = model->default_every;
  PetscFunctionReturn(0);
}

/*@C
  TpModelCreateState - Creates the state Vec of a model advanced by the ts stepper

  Collective

  Input Parameters:
+ model  - the model (in its set-up)
- nlocal - this rank's length

.seealso: `TpModelGetSolution()`, `TpModelDeclareStateField()`
@*/
PetscErrorCode TpModelCreateState(TpModel model, PetscInt nlocal)
{
  PetscFunctionBegin;
  PetscCall(VecDestroy(&model->state));
  PetscCall(VecCreateMPI(model->comm, nlocal, PETSC_DETERMINE, &model->state));
  PetscCall(PetscObjectSetName((PetscObject)model->state, "state"));
  PetscFunctionReturn(0);
}

static PetscErrorCode AddField(TpModel model, const TpFieldInfo *info, PetscInt offset, void *array)
{
  TpField *f;

  PetscFunctionBegin;
  PetscCheck(info->width >= 1, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "Field %s: width %" PetscInt_FMT " < 1",
             info->name, info->width);
  PetscCheck(info->type == PETSC_DOUBLE || info->type == PETSC_INT || info->type == PETSC_INT64 ||
                 info->type == PETSC_CHAR,
             model->comm, PETSC_ERR_SUP, "Field %s: unsupported type %d", info->name, (int)info->type);
  PetscCheck(info->entity != TP_ENTITY_ASTROCYTE, model->comm, PETSC_ERR_SUP,
             "Field %s: astrocyte fields are not distributed yet", info->name);
  for (PetscInt q = 0; q < model->nfields; q++) {
    PetscBool same;
    PetscCall(PetscStrcmp(model->fields[q].name, info->name, &same));
    PetscCheck(!same, model->comm, PETSC_ERR_ARG_WRONG, "Field %s declared twice", info->name);
  }
  PetscCall(PetscRealloc(sizeof(TpField) * (size_t)(model->nfields + 1), &model->fields));
  f = &model->fields[model->nfields++];
  PetscCall(PetscMemzero(f, sizeof(*f)));
  f->info = *info;
  PetscCall(PetscStrncpy(f->name, info->name, sizeof(f->name)));
  PetscCall(PetscStrncpy(f->help, info->help ? info->help : "", sizeof(f->help)));
  f->offset = offset;
  f->array  = array;
  /* the declarations point at the copies: they outlive the caller's strings */
  for (PetscInt q = 0; q < model->nfields; q++) {
    model->fields[q].info.name = model->fields[q].name;
    model->fields[q].info.help = model->fields[q].help;
  }
  PetscFunctionReturn(0);
}

/*@C
  TpModelDeclareStateField - Declares a field that is a slice of the state Vec (ts models)

  Not Collective

  Input Parameters:
+ model  - the model (in its set-up, after TpModelCreateState())
. info   - name, entity, width, type (PETSC_DOUBLE), flags, help; copied
- offset - where its local values start in the local part of the state Vec

.seealso: `TpModelDeclareArrayField()`, `TpModelGetFieldArray()`
@*/
PetscErrorCode TpModelDeclareStateField(TpModel model, const TpFieldInfo *info, PetscInt offset)
{
  PetscFunctionBegin;
  PetscCheck(model->state, model->comm, PETSC_ERR_ORDER, "TpModelDeclareStateField() before TpModelCreateState()");
  PetscCheck(info->type == PETSC_DOUBLE, model->comm, PETSC_ERR_ARG_WRONG, "State field %s must be PETSC_DOUBLE",
             info->name);
  PetscCall(AddField(model, info, offset, NULL));
  PetscFunctionReturn(0);
}

/*@C
  TpModelDeclareArrayField - Declares a field whose local values are an array the model owns

  Not Collective

  Input Parameters:
+ model - the model (in its set-up)
. info  - name, entity, width, type, flags, help; copied
- array - local rows x width values, in engine order; must live as long as the model

.seealso: `TpModelDeclareStateField()`
@*/
PetscErrorCode TpModelDeclareArrayField(TpModel model, const TpFieldInfo *info, void *array)
{
  PetscFunctionBegin;
  PetscCall(AddField(model, info, -1, array));
  PetscFunctionReturn(0);
}

/*@C
  TpModelSetFieldArray - Points an array field at another array (a model that makes its array when first asked for it)

  Not Collective

  Input Parameters:
+ model - the model
. f     - the field, declared by TpModelDeclareArrayField()
- array - local rows x width values, in engine order; must live as long as the model (or until set again)

  Notes:
  A model may declare an array field with a NULL array and set it in its sync operation, which
  TpModelGetFieldArray() calls first: fields read only by checkpoints then cost nothing in runs that write none.

.seealso: `TpModelDeclareArrayField()`, `TpModelGetFieldArray()`
@*/
PetscErrorCode TpModelSetFieldArray(TpModel model, PetscInt f, void *array)
{
  PetscFunctionBegin;
  PetscCheck(f >= 0 && f < model->nfields && model->fields[f].offset < 0, model->comm, PETSC_ERR_ARG_WRONG,
             "Field %" PetscInt_FMT " is not an array field", f);
  model->fields[f].array = array;
  PetscFunctionReturn(0);
}

/*@C
  TpModelDeclareSeries - Declares a series the recorder samples

  Not Collective

  Input Parameters:
+ model - the model (in its set-up)
- info  - name, output path, width, help; copied

  Notes:
  A sample holds every series in declaration order; ops.observe fills one.

.seealso: `TpModelObserve()`, `TpRecorderCreate()`
@*/
PetscErrorCode TpModelDeclareSeries(TpModel model, const TpSeriesInfo *info)
{
  TpSeries *s;

  PetscFunctionBegin;
  PetscCheck(info->width >= 1, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "Series %s: width %" PetscInt_FMT " < 1",
             info->name, info->width);
  PetscCall(PetscRealloc(sizeof(TpSeries) * (size_t)(model->nseries + 1), &model->series));
  s = &model->series[model->nseries++];
  PetscCall(PetscMemzero(s, sizeof(*s)));
  s->info = *info;
  PetscCall(PetscStrncpy(s->name, info->name, sizeof(s->name)));
  PetscCall(PetscStrncpy(s->path, info->path ? info->path : info->name, sizeof(s->path)));
  PetscCall(PetscStrncpy(s->help, info->help ? info->help : "", sizeof(s->help)));
  s->offset = model->width;
  model->width += info->width;
  for (PetscInt q = 0; q < model->nseries; q++) {
    model->series[q].info.name = model->series[q].name;
    model->series[q].info.path = model->series[q].path;
    model->series[q].info.help = model->series[q].help;
  }
  PetscFunctionReturn(0);
}

/*@C
  TpModelDeclareSummary - Declares a scalar that says how a run ended

  Not Collective

  Input Parameters:
+ model - the model (in its set-up)
- info  - name, type (PETSC_DOUBLE or PETSC_INT64), flags, zero_fraction, help; copied

  Notes:
  The output writes it as an attribute of /observables; a sweep makes it a column of its table.

.seealso: `TpModelSummarize()`
@*/
PetscErrorCode TpModelDeclareSummary(TpModel model, const TpSummaryInfo *info)
{
  TpSummary *s;

  PetscFunctionBegin;
  PetscCheck(info->type == PETSC_DOUBLE || info->type == PETSC_INT64, model->comm, PETSC_ERR_ARG_WRONG,
             "Summary %s must be PETSC_DOUBLE or PETSC_INT64", info->name);
  PetscCall(PetscRealloc(sizeof(TpSummary) * (size_t)(model->nsummaries + 1), &model->summaries));
  s = &model->summaries[model->nsummaries++];
  PetscCall(PetscMemzero(s, sizeof(*s)));
  s->info = *info;
  PetscCall(PetscStrncpy(s->name, info->name, sizeof(s->name)));
  PetscCall(PetscStrncpy(s->zero_fraction, info->zero_fraction ? info->zero_fraction : "", sizeof(s->zero_fraction)));
  PetscCall(PetscStrncpy(s->help, info->help ? info->help : "", sizeof(s->help)));
  for (PetscInt q = 0; q < model->nsummaries; q++) {
    model->summaries[q].info.name = model->summaries[q].name;
    model->summaries[q].info.zero_fraction =
        model->summaries[q].zero_fraction[0] ? model->summaries[q].zero_fraction : NULL;
    model->summaries[q].info.help = model->summaries[q].help;
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- declarations, read */

/*@C
  TpModelGetNumFields - How many fields the model declared

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. n - the number

.seealso: `TpModelGetField()`
@*/
PetscErrorCode TpModelGetNumFields(TpModel model, PetscInt *n)
{
  PetscFunctionBegin;
  *n = model->nfields;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetField - The declaration of field f

  Not Collective

  Input Parameters:
+ model - the model, set up
- f     - 0 .. TpModelGetNumFields()-1

  Output Parameter:
. info - the declaration; owned by the model

.seealso: `TpModelGetFieldArray()`, `TpModelGetFieldLocalSize()`
@*/
PetscErrorCode TpModelGetField(TpModel model, PetscInt f, const TpFieldInfo **info)
{
  PetscFunctionBegin;
  PetscCheck(f >= 0 && f < model->nfields, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "No field %" PetscInt_FMT, f);
  *info = &model->fields[f].info;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetFieldLocalSize - The local rows of field f (each of width values)

  Not Collective

  Input Parameters:
+ model - the model, set up
- f     - the field

  Output Parameter:
. rows - owned neurons, local synapses or processes; for a global field 1 on rank 0 and 0 elsewhere

.seealso: `TpModelGetFieldArray()`
@*/
PetscErrorCode TpModelGetFieldLocalSize(TpModel model, PetscInt f, PetscCount *rows)
{
  TpNetworkRows r;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCheck(f >= 0 && f < model->nfields, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "No field %" PetscInt_FMT, f);
  PetscCall(TpNetworkGetRows(model->net, &r));
  switch (model->fields[f].info.entity) {
  case TP_ENTITY_GLOBAL:
    PetscCallMPI(MPI_Comm_rank(model->comm, &rank));
    *rows = rank ? 0 : 1;
    break;
  case TP_ENTITY_NEURON:
    *rows = r.nloc;
    break;
  case TP_ENTITY_SYNAPSE:
  case TP_ENTITY_PROCESS:
    *rows = r.nsyn_loc;
    break;
  default:
    SETERRQ(model->comm, PETSC_ERR_SUP, "Field %s: entity %s is not distributed yet", model->fields[f].name,
            TpEntities[model->fields[f].info.entity]);
  }
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetFieldArray - The local values of field f (rows x width, engine order), for reading or writing

  Not Collective

  Input Parameters:
+ model - the model, set up
- f     - the field

  Output Parameter:
. array - the values; give them back with TpModelRestoreFieldArray()

.seealso: `TpModelRestoreFieldArray()`, `TpModelGetFieldLocalSize()`
@*/
PetscErrorCode TpModelGetFieldArray(TpModel model, PetscInt f, void **array)
{
  TpField *fd;

  PetscFunctionBegin;
  PetscCheck(f >= 0 && f < model->nfields, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "No field %" PetscInt_FMT, f);
  fd = &model->fields[f];
  if (model->ops.sync) PetscCall(model->ops.sync(model, f));
  if (fd->offset >= 0) {
    PetscScalar *a;
    PetscCall(VecGetArray(model->state, &a));
    *array = a + fd->offset;
  } else
    *array = fd->array;
  PetscFunctionReturn(0);
}

/*@C
  TpModelRestoreFieldArray - Gives back what TpModelGetFieldArray() gave

  Not Collective

  Input Parameters:
+ model - the model
. f     - the field
- array - the values; set to NULL

.seealso: `TpModelGetFieldArray()`
@*/
PetscErrorCode TpModelRestoreFieldArray(TpModel model, PetscInt f, void **array)
{
  TpField *fd = &model->fields[f];

  PetscFunctionBegin;
  if (fd->offset >= 0) {
    PetscScalar *a = (PetscScalar *)*array - fd->offset;
    PetscCall(VecRestoreArray(model->state, &a));
  }
  *array = NULL;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetNumSeries - How many series the model declared, and the width of one sample of all

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameters:
+ n     - the series
- width - values per sample (the sum of their widths)

.seealso: `TpModelGetSeries()`, `TpModelObserve()`
@*/
PetscErrorCode TpModelGetNumSeries(TpModel model, PetscInt *n, PetscInt *width)
{
  PetscFunctionBegin;
  if (n) *n = model->nseries;
  if (width) *width = model->width;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetSeries - The declaration of series s and where its values sit in a sample

  Not Collective

  Input Parameters:
+ model - the model, set up
- s     - the series

  Output Parameters:
+ info   - its declaration; owned by the model
- offset - of its first value in a sample

.seealso: `TpModelGetNumSeries()`
@*/
PetscErrorCode TpModelGetSeries(TpModel model, PetscInt s, const TpSeriesInfo **info, PetscInt *offset)
{
  PetscFunctionBegin;
  PetscCheck(s >= 0 && s < model->nseries, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "No series %" PetscInt_FMT, s);
  if (info) *info = &model->series[s].info;
  if (offset) *offset = model->series[s].offset;
  PetscFunctionReturn(0);
}

/*@C
  TpModelObserve - One sample of every series at the current state

  Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. sample - width values (TpModelGetNumSeries()), the same on every rank

.seealso: `TpRecorderCreate()`
@*/
PetscErrorCode TpModelObserve(TpModel model, double *sample)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_OBSERVE, 0, 0, 0, 0));
  if (model->ops.observe) PetscCall(model->ops.observe(model, sample));
  PetscCall(PetscLogEventEnd(TP_EVENT_OBSERVE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TpModelProgress - A few words about a sample for the progress line ("energy ... best overlap ...")

  Not Collective

  Input Parameters:
+ model  - the model
. sample - a sample
- len    - room in buf

  Output Parameter:
. buf - the words, or ""

.seealso: `TpRecorderSetFromOptions()`
@*/
PetscErrorCode TpModelProgress(TpModel model, const double *sample, char *buf, size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  if (model->ops.progress) PetscCall(model->ops.progress(model, sample, buf, len));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetNumSummaries - How many summary scalars the model declared

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. n - the number

.seealso: `TpModelGetSummary()`, `TpModelSummarize()`
@*/
PetscErrorCode TpModelGetNumSummaries(TpModel model, PetscInt *n)
{
  PetscFunctionBegin;
  *n = model->nsummaries;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetSummary - The declaration of summary scalar k

  Not Collective

  Input Parameters:
+ model - the model, set up
- k     - the scalar

  Output Parameter:
. info - its declaration; owned by the model

.seealso: `TpModelGetNumSummaries()`
@*/
PetscErrorCode TpModelGetSummary(TpModel model, PetscInt k, const TpSummaryInfo **info)
{
  PetscFunctionBegin;
  PetscCheck(k >= 0 && k < model->nsummaries, model->comm, PETSC_ERR_ARG_OUTOFRANGE, "No summary %" PetscInt_FMT, k);
  *info = &model->summaries[k].info;
  PetscFunctionReturn(0);
}

/*@C
  TpModelSummarize - The summary scalars of a run from its first and last samples

  Not Collective

  Input Parameters:
+ model - the model, set up
. first - the first sample
- last  - the last sample

  Output Parameter:
. values - one value per summary scalar (integers as doubles)

.seealso: `TpModelDeclareSummary()`
@*/
PetscErrorCode TpModelSummarize(TpModel model, const double *first, const double *last, double *values)
{
  PetscFunctionBegin;
  if (model->ops.summarize) PetscCall(model->ops.summarize(model, first, last, values));
  PetscFunctionReturn(0);
}

/*@C
  TpModelViewResult - The model's own words about how a run ended (the run summary's "result" lines)

  Collective

  Input Parameters:
+ model  - the model
. first  - the first sample
. last   - the last sample
- viewer - an ASCII viewer

.seealso: `TpRunViewSummary()`
@*/
PetscErrorCode TpModelViewResult(TpModel model, const double *first, const double *last, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (model->ops.viewresult) PetscCall(model->ops.viewresult(model, first, last, viewer));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- stepping */

/*@C
  TpModelInitialState - Sets the state the run starts from

  Collective

  Input Parameter:
. model - the model, set up

.seealso: `TpModelStateLoaded()`
@*/
PetscErrorCode TpModelInitialState(TpModel model)
{
  PetscFunctionBegin;
  PetscCall(model->ops.initialstate(model));
  PetscFunctionReturn(0);
}

/*@C
  TpModelStateLoaded - Tells the model that a checkpoint has set its fields

  Collective

  Input Parameter:
. model - the model

.seealso: `TpCheckpointLoad()`
@*/
PetscErrorCode TpModelStateLoaded(TpModel model)
{
  PetscFunctionBegin;
  if (model->ops.loaded) PetscCall(model->ops.loaded(model));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetEvaluations - Right-hand-side evaluations so far, and those of an implicit part

  Not Collective

  Input Parameter:
. model - the model

  Output Parameters:
+ nrhs      - evaluations of the right-hand side (the explicit part under IMEX)
- nimplicit - evaluations of the implicit part (IMEX), or 0

.seealso: `TpModelComputeRHS()`
@*/
PetscErrorCode TpModelGetEvaluations(TpModel model, PetscInt64 *nrhs, PetscInt64 *nimplicit)
{
  PetscFunctionBegin;
  if (nrhs) *nrhs = model->nrhs;
  if (nimplicit) *nimplicit = model->nimplicit;
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetSolution - The state Vec a ts stepper advances

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. u - the state; owned by the model

.seealso: `TpModelComputeRHS()`
@*/
PetscErrorCode TpModelGetSolution(TpModel model, Vec *u)
{
  PetscFunctionBegin;
  PetscCheck(model->state, model->comm, PETSC_ERR_SUP, "Model %s has no state Vec (it is not advanced by ts)",
             model->type);
  *u = model->state;
  PetscFunctionReturn(0);
}

/*@C
  TpModelComputeRHS - F = f(t, U), the model's right-hand side

  Collective

  Input Parameters:
+ model - the model, set up
. t     - the time
- U     - a state (any Vec laid out like the solution)

  Output Parameter:
. F - the right-hand side

.seealso: `TpModelGetSolution()`, `TpModelSetUpIMEX()`
@*/
PetscErrorCode TpModelComputeRHS(TpModel model, PetscReal t, Vec U, Vec F)
{
  PetscFunctionBegin;
  PetscCheck(model->ops.rhs, model->comm, PETSC_ERR_SUP, "Model %s has no right-hand side", model->type);
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscCall(model->ops.rhs(model, t, U, F));
  model->nrhs++;
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TpModelSetUpIMEX - Hands the stiff part of the model to an IMEX TS (its IFunction and IJacobian)

  Collective

  Input Parameters:
+ model - the model, set up
- ts    - a TSARKIMEX

  Notes:
  Models without an implicit part do nothing: the whole right-hand side stays explicit.

.seealso: `TpModelComputeRHS()`
@*/
PetscErrorCode TpModelSetUpIMEX(TpModel model, TS ts)
{
  PetscFunctionBegin;
  if (model->ops.imex) PetscCall(model->ops.imex(model, ts));
  PetscFunctionReturn(0);
}

/*@C
  TpModelGetWindow - Steps the model advances between two exchanges (fixed stepper), e.g. its minimum delay

  Not Collective

  Input Parameter:
. model - the model, set up

  Output Parameter:
. steps - at least 1

.seealso: `TpModelAdvance()`, `TpModelExchange()`
@*/
PetscErrorCode TpModelGetWindow(TpModel model, PetscInt64 *steps)
{
  PetscFunctionBegin;
  *steps = 1;
  if (model->ops.window) PetscCall(model->ops.window(model, steps));
  PetscCheck(*steps >= 1, model->comm, PETSC_ERR_PLIB, "Model %s: window of %" PetscInt64_FMT " steps", model->type,
             *steps);
  PetscFunctionReturn(0);
}

/*@C
  TpModelAdvance - Advances the local state nsteps steps of dt from step `step` (fixed stepper)

  Not Collective (no communication inside a window)

  Input Parameters:
+ model  - the model, set up
. step   - the first step
. nsteps - how many (at most the window)
- dt     - the step

.seealso: `TpModelExchange()`, `TpModelGetWindow()`
@*/
PetscErrorCode TpModelAdvance(TpModel model, PetscInt64 step, PetscInt64 nsteps, PetscReal dt)
{
  PetscFunctionBegin;
  PetscCheck(model->ops.advance, model->comm, PETSC_ERR_SUP, "Model %s cannot be advanced on a fixed grid",
             model->type);
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscCall(model->ops.advance(model, step, nsteps, dt));
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TpModelExchange - The communication between two windows (spikes, astrocyte signals), at step `step`

  Collective

  Input Parameters:
+ model - the model
- step  - the step the window ended at

.seealso: `TpModelAdvance()`
@*/
PetscErrorCode TpModelExchange(TpModel model, PetscInt64 step)
{
  PetscFunctionBegin;
  if (model->ops.exchange) PetscCall(model->ops.exchange(model, step));
  PetscFunctionReturn(0);
}

/*@C
  TpModelIterate - One epoch or map of the model (iterate stepper)

  Collective

  Input Parameters:
+ model     - the model
- iteration - its number, from 0

  Output Parameter:
. done - true when the model has converged (or otherwise finished)

.seealso: `TpStepperSetType()`
@*/
PetscErrorCode TpModelIterate(TpModel model, PetscInt64 iteration, PetscBool *done)
{
  PetscFunctionBegin;
  PetscCheck(model->ops.iterate, model->comm, PETSC_ERR_SUP, "Model %s cannot be iterated", model->type);
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscCall(model->ops.iterate(model, iteration, done));
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
