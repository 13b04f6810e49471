/* Models behind one interface, chosen by name (-model naam) from a registry.

   A model owns the layout of the state Vec on each rank, its right-hand side, its energy (or
   Lyapunov function) and observables, and how its state is written to the output file. */
#ifndef TPMODEL_H
#define TPMODEL_H
#include <petscts.h>
#include <hdf5.h>
#include <tpnetwork.h>
#include <tppatterns.h>

typedef struct _p_TpModel *TpModel;

/* What a monitor records about a state. */
typedef struct {
  PetscReal energy;       /* energy (Lyapunov function) of the state */
  PetscReal *overlap;     /* K overlaps m_mu = (1/N) sum_i xi_i^mu phi(x_i); caller-owned */
  PetscReal hamming;      /* 1/2 sum_i |xi_i^target - sign(x_i)| */
  PetscReal soft_hamming; /* 1/2 sum_i |xi_i^target - phi(x_i)| */
  PetscReal perplexity;   /* exp(entropy) of the pattern gains or attention weights; NaN where none */
} TpObservation;

typedef struct {
  PetscErrorCode (*setfromoptions)(TpModel);
  PetscErrorCode (*setup)(TpModel);
  PetscErrorCode (*initialstate)(TpModel, Vec);
  PetscErrorCode (*rhs)(TS, PetscReal, Vec, Vec, void *);
  PetscErrorCode (*observe)(TpModel, Vec, TpObservation *);
  PetscErrorCode (*writestate)(TpModel, Vec, hid_t, PetscBool);
  PetscErrorCode (*view)(TpModel, PetscViewer);
  PetscErrorCode (*describe)(TpModel, char *, size_t); /* every parameter that changes results, canonically */
  PetscErrorCode (*destroy)(TpModel);
  /* optional: split the right-hand side for IMEX steppers (TSARKIMEX): give the stiff linear-in-time part
     (leaks, diffusion) to ts as IFunction/IJacobian; the RHS function then returns the rest */
  PetscErrorCode (*imex)(TpModel, TS);
} TpModelOps;

struct _p_TpModel {
  MPI_Comm comm;
  char type[64];
  TpNetwork net;
  TpPatterns pat;
  PetscInt nlocal;       /* local length of the state Vec */
  PetscInt64 nrhs;       /* right-hand-side evaluations so far */
  PetscInt64 nimplicit;  /* IMEX: evaluations of the implicit part */
  PetscBool stationary;  /* no dynamics (the oracle): the initial state is the answer */
  PetscBool checkpoints; /* the checkpoint format (tpcheckpoint.h) holds this model's state */
  TpModelOps ops;
  void *data;
};

extern PetscLogEvent TP_EVENT_RHS, TP_EVENT_GHOST, TP_EVENT_HALO, TP_EVENT_REDUCE, TP_EVENT_OBSERVE, TP_EVENT_OUTPUT,
    TP_EVENT_SETUP;

PetscErrorCode TpInitializePackage(void);
/* Collective: patterns (-K, -patterns_file, -cue_*), network (-N, default Ndefault unless a patterns
   file fixes it; -connectivity, -degree, -seed) and model (-model and its options), all set up. */
PetscErrorCode TpSetUpFromOptions(MPI_Comm comm, PetscInt Ndefault, TpPatterns *pat, TpNetwork *net, TpModel *model);
PetscErrorCode TpModelRegister(const char name[], PetscErrorCode (*create)(TpModel));
PetscErrorCode TpModelTypeExists(const char *type, PetscBool *exists);
PetscErrorCode TpModelCreate(MPI_Comm comm, TpNetwork net, TpPatterns pat, TpModel *model);
PetscErrorCode TpModelSetType(TpModel model, const char *type);
PetscErrorCode TpModelSetFromOptions(TpModel model);
PetscErrorCode TpModelSetUp(TpModel model);
PetscErrorCode TpModelCreateState(TpModel model, Vec *u);
PetscErrorCode TpModelInitialState(TpModel model, Vec u);
PetscErrorCode TpModelRHSFunction(TS ts, PetscReal t, Vec u, Vec f, void *ctx);
PetscErrorCode TpModelObserve(TpModel model, Vec u, TpObservation *obs);
PetscErrorCode TpModelWriteState(TpModel model, Vec u, hid_t file, PetscBool synapses);
PetscErrorCode TpModelView(TpModel model, PetscViewer viewer);
PetscErrorCode TpModelDescribe(TpModel model, char *buf, size_t len);
PetscErrorCode TpModelDestroy(TpModel *model);

/* The pattern of largest overlap (the first of equals). */
PetscInt TpRetrieved(PetscInt K, const PetscReal *overlap);

/* Shared by models whose neurons are rates x with phi = tanh(beta x): reduce overlaps and the
   Hamming errors of the local rows into obs (collective). extra[nextra] are summed along. */
PetscErrorCode TpModelNeuronObservables(TpModel model, const double *phi_loc, const double *x_loc, PetscInt nextra,
                                        double *extra, TpObservation *obs);

/* The names -model accepts, for messages. */
#define TP_MODEL_NAMES "naam, gated, hopfield, dam, modern, oracle"

PETSC_EXTERN PetscErrorCode TpModelCreate_Naam(TpModel);
PETSC_EXTERN PetscErrorCode TpModelCreate_Gated(TpModel);
PETSC_EXTERN PetscErrorCode TpModelCreate_Hopfield(TpModel);
PETSC_EXTERN PetscErrorCode TpModelCreate_Dam(TpModel);
PETSC_EXTERN PetscErrorCode TpModelCreate_Modern(TpModel);
PETSC_EXTERN PetscErrorCode TpModelCreate_Oracle(TpModel);
#endif
