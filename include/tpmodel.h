/* Models behind one interface, chosen by name (-model naam) from a registry.

   A model declares what it has, and the rest of the engine walks the declarations:
     fields    its state: name, the entity each value lives on (global, neuron, synapse, process),
               values per entity, type, and whether output and checkpoints hold it;
     series    what a recorder samples during a run (energy, overlaps, ...), with their place in the output;
     summary   the scalars that say how the run ended (attributes of /observables, columns of a sweep).
   It supplies the operations of the stepper type it is advanced by (tpstepper.h): a right-hand
   side for `ts`, windows of fixed steps for `fixed`, one map for `iterate`, nothing for `none`.
   Output, checkpoints, the CLI and sweeps never name a model or a field. */
#ifndef TPMODEL_H
#define TPMODEL_H
#include <petscts.h>
#include <tpnetwork.h>
#include <tppatterns.h>
#include <hdf5.h>

typedef struct _p_TpModel *TpModel;

/* The entity a field's values live on. */
typedef enum { TP_ENTITY_GLOBAL, TP_ENTITY_NEURON, TP_ENTITY_SYNAPSE, TP_ENTITY_PROCESS, TP_ENTITY_ASTROCYTE } TpEntity;
extern const char *const TpEntities[];

/* Where a field goes. */
#define TP_FIELD_OUTPUT 1u     /* written to the run's output under /state */
#define TP_FIELD_REQUEST 2u    /* written to the output only on request (-save_fields, -save_synapses) */
#define TP_FIELD_CHECKPOINT 4u /* saved and restored by checkpoints */

typedef struct {
  const char *name;   /* dataset /state/<name> */
  TpEntity entity;    /* what each row is */
  PetscInt width;     /* values per entity (columns); for TP_ENTITY_GLOBAL the length, held by rank 0 */
  PetscDataType type; /* PETSC_DOUBLE, PETSC_INT, PETSC_INT64 or PETSC_CHAR */
  unsigned flags;     /* TP_FIELD_* */
  const char *help;
} TpFieldInfo;

typedef struct {
  const char *name; /* checkpoints keep it as /samples/<name> */
  const char *path; /* where the output writes it, from the root: "energy", "observables/overlap" */
  PetscInt width;   /* values per sample */
  PetscBool matrix; /* written as (samples x width) even when width is 1; otherwise 1-D when width is 1 */
  const char *help;
} TpSeriesInfo;

#define TP_SUMMARY_MEAN 1u /* a sweep also gives its mean over the trials of each grid point */
typedef struct {
  const char *name;          /* attribute of /observables; column of a sweep table */
  PetscDataType type;        /* PETSC_DOUBLE or PETSC_INT64 */
  unsigned flags;            /* TP_SUMMARY_* */
  const char *zero_fraction; /* a sweep also gives, under this name, the fraction of trials where it is 0 (or NULL) */
  const char *help;
} TpSummaryInfo;

PetscErrorCode TpInitializePackage(void);
PetscErrorCode TpModelRegister(const char name[], PetscErrorCode (*create)(TpModel));
PetscErrorCode TpModelTypeExists(const char *type, PetscBool *exists);
PetscErrorCode TpModelListTypes(char *buf, size_t len);

PetscErrorCode TpModelCreate(MPI_Comm comm, TpModel *model);
PetscErrorCode TpModelSetType(TpModel model, const char *type);
PetscErrorCode TpModelSetTypeFromOptions(TpModel model, const char *deflt);
PetscErrorCode TpModelGetType(TpModel model, const char **type);
PetscErrorCode TpModelGetComm(TpModel model, MPI_Comm *comm);
PetscErrorCode TpModelGetOptionsPrefix(TpModel model, const char **prefix);
PetscErrorCode TpModelUsesPatterns(TpModel model, PetscBool *uses);
PetscErrorCode TpModelSetInputs(TpModel model, TpNetwork net, TpPatterns pat);
PetscErrorCode TpModelGetNetwork(TpModel model, TpNetwork *net);
PetscErrorCode TpModelGetPatterns(TpModel model, TpPatterns *pat);
PetscErrorCode TpModelSetFromOptions(TpModel model);
PetscErrorCode TpModelSetUp(TpModel model);
PetscErrorCode TpModelView(TpModel model, PetscViewer viewer);
PetscErrorCode TpModelDescribe(TpModel model, char *buf, size_t len);
PetscErrorCode TpModelEstimateCost(TpModel model, PetscInt K, double *cost);
PetscErrorCode TpModelFinish(TpModel model);
PetscErrorCode TpModelGetOwnNeurons(TpModel model, PetscInt *N, PetscInt *ngroups, const PetscInt **sizes);
PetscErrorCode TpModelGetSynapseCount(TpModel model, PetscCount *nsyn);
PetscErrorCode TpModelWriteEvents(TpModel model, hid_t file);
PetscErrorCode TpModelWriteOutput(TpModel model, hid_t file);
PetscErrorCode TpModelLoadEvents(TpModel model, hid_t file, PetscBool *ok);
PetscErrorCode TpModelEstimateEventBytes(TpModel model, double *bytes);
PetscErrorCode TpModelDestroy(TpModel *model);

/* How the model is advanced. */
PetscErrorCode TpModelGetStepperTypes(TpModel model, const char **deflt, const char **supported);
PetscErrorCode TpModelGetDefaultSteps(TpModel model, PetscInt64 *steps, PetscInt64 *every);
PetscErrorCode TpModelGetDefaultGrid(TpModel model, PetscReal *dt, PetscReal *tmax);
PetscErrorCode TpModelInitialState(TpModel model);
PetscErrorCode TpModelStateLoaded(TpModel model);
PetscErrorCode TpModelGetEvaluations(TpModel model, PetscInt64 *nrhs, PetscInt64 *nimplicit);
/* stepper type ts */
PetscErrorCode TpModelGetSolution(TpModel model, Vec *u);
PetscErrorCode TpModelComputeRHS(TpModel model, PetscReal t, Vec U, Vec F);
PetscErrorCode TpModelSetUpIMEX(TpModel model, TS ts);
/* stepper type fixed */
PetscErrorCode TpModelGetWindow(TpModel model, PetscInt64 *steps);
PetscErrorCode TpModelAdvance(TpModel model, PetscInt64 step, PetscInt64 nsteps, PetscReal dt);
PetscErrorCode TpModelExchange(TpModel model, PetscInt64 step);
/* stepper type iterate */
PetscErrorCode TpModelIterate(TpModel model, PetscInt64 iteration, PetscBool *done);

/* What the model declared. */
PetscErrorCode TpModelGetNumFields(TpModel model, PetscInt *n);
PetscErrorCode TpModelGetField(TpModel model, PetscInt f, const TpFieldInfo **info);
PetscErrorCode TpModelGetFieldLocalSize(TpModel model, PetscInt f, PetscCount *rows);
PetscErrorCode TpModelGetFieldArray(TpModel model, PetscInt f, void **array);
PetscErrorCode TpModelRestoreFieldArray(TpModel model, PetscInt f, void **array);
PetscErrorCode TpModelGetNumSeries(TpModel model, PetscInt *n, PetscInt *width);
PetscErrorCode TpModelGetSeries(TpModel model, PetscInt s, const TpSeriesInfo **info, PetscInt *offset);
PetscErrorCode TpModelObserve(TpModel model, double *sample);
PetscErrorCode TpModelProgress(TpModel model, const double *sample, char *buf, size_t len);
PetscErrorCode TpModelGetNumSummaries(TpModel model, PetscInt *n);
PetscErrorCode TpModelGetSummary(TpModel model, PetscInt k, const TpSummaryInfo **info);
PetscErrorCode TpModelSummarize(TpModel model, const double *first, const double *last, double *values);
PetscErrorCode TpModelViewResult(TpModel model, const double *first, const double *last, PetscViewer viewer);

/* Log events of the engine's phases, for -log_view. */
extern PetscLogEvent TP_EVENT_RHS, TP_EVENT_GHOST, TP_EVENT_HALO, TP_EVENT_REDUCE, TP_EVENT_OBSERVE, TP_EVENT_OUTPUT,
    TP_EVENT_SETUP;
#endif
