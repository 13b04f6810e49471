#include <tpmodel.h>
#include "../network/networkimpl.h"
#include <tpcoupling.h>

PetscLogEvent TP_EVENT_RHS, TP_EVENT_GHOST, TP_EVENT_HALO, TP_EVENT_REDUCE, TP_EVENT_OBSERVE, TP_EVENT_OUTPUT,
    TP_EVENT_SETUP;
static PetscFunctionList TpModelList;
static PetscClassId TP_CLASSID;

PetscErrorCode TpModelRegister(const char name[], PetscErrorCode (*create)(TpModel))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&TpModelList, name, create));
  PetscFunctionReturn(0);
}

static PetscBool TpPackageInitialized = PETSC_FALSE;

static PetscErrorCode TpFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&TpModelList));
  PetscCall(TpCouplingFinalizePackage());
  TpPackageInitialized = PETSC_FALSE;
  PetscFunctionReturn(0);
}

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
  PetscCall(TpModelRegister("naam", TpModelCreate_Naam));
  PetscCall(TpModelRegister("gated", TpModelCreate_Gated));
  PetscCall(TpModelRegister("hopfield", TpModelCreate_Hopfield));
  PetscCall(TpModelRegister("dam", TpModelCreate_Dam));
  PetscCall(TpModelRegister("modern", TpModelCreate_Modern));
  PetscCall(TpModelRegister("oracle", TpModelCreate_Oracle));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelTypeExists(const char *type, PetscBool *exists)
{
  PetscErrorCode (*create)(TpModel) = NULL;

  PetscFunctionBegin;
  PetscCall(TpInitializePackage());
  PetscCall(PetscFunctionListFind(TpModelList, type, &create));
  *exists = create ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelCreate(MPI_Comm comm, TpNetwork net, TpPatterns pat, TpModel *model)
{
  PetscFunctionBegin;
  PetscCall(TpInitializePackage());
  PetscCall(PetscNew(model));
  (*model)->comm = comm;
  (*model)->net  = net;
  (*model)->pat  = pat;
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelSetType(TpModel model, const char *type)
{
  PetscErrorCode (*create)(TpModel) = NULL;
  PetscBool same;

  PetscFunctionBegin;
  PetscCheck(type && type[0], model->comm, PETSC_ERR_ARG_WRONG,
             "Option -model is empty; available models: " TP_MODEL_NAMES);
  PetscCall(PetscStrcmp(model->type, type, &same));
  if (same) PetscFunctionReturn(0);
  PetscCall(PetscFunctionListFind(TpModelList, type, &create));
  PetscCheck(create, model->comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
             "Unknown model '%s' for option -model; available models: " TP_MODEL_NAMES, type);
  if (model->ops.destroy) PetscCall(model->ops.destroy(model));
  PetscCall(PetscMemzero(&model->ops, sizeof(model->ops)));
  model->stationary  = PETSC_FALSE;
  model->checkpoints = PETSC_FALSE;
  PetscCall(PetscStrncpy(model->type, type, sizeof(model->type)));
  PetscCall((*create)(model));
  PetscFunctionReturn(0);
}

/* Options: -model NAME, then the model's own options. */
PetscErrorCode TpModelSetFromOptions(TpModel model)
{
  char type[64] = "naam";
  PetscBool set;

  PetscFunctionBegin;
  if (model->type[0]) PetscCall(PetscStrncpy(type, model->type, sizeof(type)));
  PetscOptionsBegin(model->comm, NULL, "Model options", "TpModel");
  PetscCall(PetscOptionsFList("-model", "Model: naam (M1), gated (M2), hopfield, dam, modern, oracle (M3)",
                              "TpModelSetType", TpModelList, type, type, sizeof(type), &set));
  PetscOptionsEnd();
  PetscCall(TpModelSetType(model, type));
  if (model->ops.setfromoptions) PetscCall(model->ops.setfromoptions(model));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelSetUp(TpModel model)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_SETUP, 0, 0, 0, 0));
  PetscCall(model->ops.setup(model));
  PetscCall(PetscLogEventEnd(TP_EVENT_SETUP, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelCreateState(TpModel model, Vec *u)
{
  PetscFunctionBegin;
  PetscCall(VecCreateMPI(model->comm, model->nlocal, PETSC_DETERMINE, u));
  PetscCall(PetscObjectSetName((PetscObject)*u, "state"));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelInitialState(TpModel model, Vec u)
{
  PetscFunctionBegin;
  PetscCall(model->ops.initialstate(model, u));
  PetscFunctionReturn(0);
}

/* The TS right-hand side: ctx is the TpModel. */
PetscErrorCode TpModelRHSFunction(TS ts, PetscReal t, Vec u, Vec f, void *ctx)
{
  TpModel model = ctx;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscCall(model->ops.rhs(ts, t, u, f, ctx));
  model->nrhs++;
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelObserve(TpModel model, Vec u, TpObservation *obs)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_OBSERVE, 0, 0, 0, 0));
  PetscCall(model->ops.observe(model, u, obs));
  PetscCall(PetscLogEventEnd(TP_EVENT_OBSERVE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelWriteState(TpModel model, Vec u, hid_t file, PetscBool synapses)
{
  PetscFunctionBegin;
  PetscCall(model->ops.writestate(model, u, file, synapses));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelView(TpModel model, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (model->ops.view) PetscCall(model->ops.view(model, viewer));
  PetscFunctionReturn(0);
}

/* A canonical text of the model and every parameter that changes its results (for checkpoints). */
PetscErrorCode TpModelDescribe(TpModel model, char *buf, size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  if (model->ops.describe) PetscCall(model->ops.describe(model, buf, len));
  PetscFunctionReturn(0);
}

PetscErrorCode TpModelDestroy(TpModel *model)
{
  PetscFunctionBegin;
  if (!*model) PetscFunctionReturn(0);
  if ((*model)->ops.destroy) PetscCall((*model)->ops.destroy(*model));
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(0);
}

PetscInt TpRetrieved(PetscInt K, const PetscReal *overlap)
{
  PetscInt best = 0;

  for (PetscInt mu = 1; mu < K; mu++)
    if (overlap[mu] > overlap[best]) best = mu;
  return best;
}

PetscErrorCode TpModelNeuronObservables(TpModel model, const double *phi, const double *x, PetscInt nextra,
                                        double *extra, TpObservation *obs)
{
  TpNetwork net    = model->net;
  TpPatterns pat   = model->pat;
  const PetscInt K = pat->K, t = pat->target, n = K + 2 + nextra;
  double *buf;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n, &buf));
  for (PetscInt i = 0; i < net->nloc; i++) {
    const double *xi = pat->xi + (size_t)TpNetworkGid(net, i) * K;
    const double sg  = x[i] > 0 ? 1.0 : (x[i] < 0 ? -1.0 : 0.0);
    for (PetscInt mu = 0; mu < K; mu++) buf[mu] += xi[mu] * phi[i];
    buf[K] += 0.5 * PetscAbsReal(xi[t] - sg);
    buf[K + 1] += 0.5 * PetscAbsReal(xi[t] - phi[i]);
  }
  for (PetscInt q = 0; q < nextra; q++) buf[K + 2 + q] = extra[q];
  PetscCall(PetscLogEventBegin(TP_EVENT_REDUCE, 0, 0, 0, 0));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, buf, (PetscMPIInt)n, MPI_DOUBLE, MPI_SUM, model->comm));
  PetscCall(PetscLogEventEnd(TP_EVENT_REDUCE, 0, 0, 0, 0));
  for (PetscInt mu = 0; mu < K; mu++) obs->overlap[mu] = buf[mu] / (double)net->N;
  obs->hamming      = buf[K];
  obs->soft_hamming = buf[K + 1];
  for (PetscInt q = 0; q < nextra; q++) extra[q] = buf[K + 2 + q];
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

PetscErrorCode TpSetUpFromOptions(MPI_Comm comm, PetscInt Ndefault, TpPatterns *pat, TpNetwork *net, TpModel *model)
{
  PetscBool fromfile, nset;
  PetscInt Nfile, Nopt;

  PetscFunctionBegin;
  PetscCall(TpPatternsCreate(comm, pat));
  PetscCall(TpPatternsSetFromOptions(*pat));
  PetscCall(TpPatternsGetFileSize(*pat, &fromfile, &Nfile));
  PetscCall(TpNetworkCreate(comm, net));
  PetscCall(TpNetworkSetSize(*net, Ndefault));
  if (fromfile) {
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-N", &Nopt, &nset));
    PetscCheck(!nset || Nopt == Nfile, comm, PETSC_ERR_ARG_INCOMP,
               "Option -N %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " neurons of -patterns_file '%s'", Nopt,
               Nfile, (*pat)->file);
    PetscCall(TpNetworkSetSize(*net, Nfile));
  }
  PetscCall(TpNetworkSetFromOptions(*net));
  PetscCall(TpNetworkSetUp(*net));
  PetscCheck(!fromfile || (*net)->N == Nfile, comm, PETSC_ERR_ARG_INCOMP,
             "The network has %" PetscInt_FMT " neurons but -patterns_file '%s' has %" PetscInt_FMT, (*net)->N,
             (*pat)->file, Nfile);
  PetscCall(TpPatternsSetUp(*pat, (*net)->N, (*net)->seed));
  PetscCall(TpModelCreate(comm, *net, *pat, model));
  PetscCall(TpModelSetFromOptions(*model));
  PetscCall(TpModelSetUp(*model));
  PetscFunctionReturn(0);
}
