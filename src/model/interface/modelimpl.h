/* The model's private struct and the operations a model implementation fills in (one table per
   model, see src/model/decay/decay.c for the smallest).  Included by the model interface and by the
   implementations under src/model/ only. */
#ifndef TPMODELIMPL_H
#define TPMODELIMPL_H
#include <tpmodel.h>
#include <hdf5.h>

typedef struct {
  /* every model */
  PetscErrorCode (*setfromoptions)(TpModel);
  PetscErrorCode (*setup)(TpModel); /* allocate, declare fields, series and summaries */
  PetscErrorCode (*initialstate)(TpModel);
  PetscErrorCode (*observe)(TpModel, double *);                                   /* one sample of every series */
  PetscErrorCode (*summarize)(TpModel, const double *, const double *, double *); /* first, last sample -> summary */
  PetscErrorCode (*viewresult)(TpModel, const double *, const double *, PetscViewer);
  PetscErrorCode (*progress)(TpModel, const double *, char *, size_t);
  PetscErrorCode (*view)(TpModel, PetscViewer);
  PetscErrorCode (*describe)(TpModel, char *, size_t); /* every parameter that changes results, canonically */
  PetscErrorCode (*cost)(TpModel, PetscInt, double *); /* relative cost of a run with K patterns (sweeps) */
  PetscErrorCode (*loaded)(TpModel);                   /* after a checkpoint set the fields: rebuild what derives */
  PetscErrorCode (*destroy)(TpModel);
  PetscErrorCode (*neurons)(TpModel, PetscInt *, PetscInt *,
                            const PetscInt **);    /* optional: it wires its own synapses; the neurons it simulates,
                                                      in groups to spread over the ranks (populations) */
  PetscErrorCode (*writeevents)(TpModel, hid_t);   /* optional, collective: its events into the output (spikes) */
  PetscErrorCode (*eventbytes)(TpModel, double *); /* optional: roughly the bytes writeevents (and writeoutput) take */
  PetscErrorCode (*writeoutput)(TpModel, hid_t);   /* optional, collective: datasets of its own in the run's output,
                                                      not in checkpoints (M5's trained W) */
  PetscErrorCode (*loadevents)(TpModel, hid_t, PetscBool *); /* optional, collective: read them back (restart) */
  PetscErrorCode (*sync)(TpModel, PetscInt); /* optional: bring declared field f up to date from a working layout of the
                                                model's own, before the field is read (loaded goes the other way) */
  PetscErrorCode (*finish)(
      TpModel); /* optional, collective: after a run that was not stopped early (M5's recall tests) */
  /* stepper type ts: an ODE on the state Vec */
  PetscErrorCode (*rhs)(TpModel, PetscReal, Vec, Vec);
  PetscErrorCode (*imex)(TpModel, TS); /* optional: hand the stiff part to ts as IFunction/IJacobian */
  /* stepper type fixed: windows of steps on a fixed grid, exchanges between them */
  PetscErrorCode (*window)(TpModel, PetscInt64 *);
  PetscErrorCode (*advance)(TpModel, PetscInt64, PetscInt64, PetscReal);
  PetscErrorCode (*exchange)(TpModel, PetscInt64);
  /* stepper type iterate: one epoch or map; *done when converged */
  PetscErrorCode (*iterate)(TpModel, PetscInt64, PetscBool *);
} TpModelOps;

/* A declared field and where its local values are: a slice of the state Vec, or an array. */
typedef struct {
  TpFieldInfo info;
  char name[64], help[256];
  PetscInt offset; /* in the state Vec, or -1 */
  void *array;     /* or the model's own array */
} TpField;

typedef struct {
  TpSeriesInfo info;
  char name[64], path[128], help[256];
  PetscInt offset; /* of its values in a sample */
} TpSeries;

typedef struct {
  TpSummaryInfo info;
  char name[64], zero_fraction[64], help[256];
} TpSummary;

struct _p_TpModel {
  MPI_Comm comm;
  char type[64];
  char prefix[64];          /* options prefix: "<type>_" unless the implementation sets another */
  char steppers[64];        /* stepper types it supports, comma-separated */
  char default_stepper[16]; /* the one it is advanced by unless -stepper_type says otherwise */
  PetscBool uses_patterns;  /* it stores patterns and starts from a cue (M1-M3) */
  PetscInt64 default_steps; /* set in ops.setup: the most steps or iterations unless options say (0: the stepper's) */
  PetscInt64 default_every; /* set in ops.setup: the recorder's interval unless -monitor_every says (0: 1) */
  PetscReal default_dt;     /* set in ops.setup: the fixed grid's step unless -stepper_dt says (0: the stepper's) */
  PetscCount synapses;      /* set in ops.setup by a model that wires its own synapses: how many (all ranks) */
  PetscReal default_tmax;   /* set in ops.setup: the final time unless -stepper_max_time says (0: the stepper's) */
  TpNetwork net;
  TpPatterns pat;
  PetscBool setup;
  Vec state;            /* ts models: the state the stepper advances */
  PetscInt64 nrhs;      /* right-hand-side evaluations so far */
  PetscInt64 nimplicit; /* IMEX: evaluations of the implicit part */
  PetscInt nfields, nseries, nsummaries, width;
  TpField *fields;
  TpSeries *series;
  TpSummary *summaries;
  TpModelOps ops;
  void *data;
};

/* For implementations: declarations (in ops.setup) and the state Vec of ts models. */
PetscErrorCode TpModelSetStepperTypes(TpModel model, const char *deflt, const char *supported);
PetscErrorCode TpModelCreateState(TpModel model, PetscInt nlocal);
PetscErrorCode TpModelDeclareStateField(TpModel model, const TpFieldInfo *info, PetscInt offset);
PetscErrorCode TpModelDeclareArrayField(TpModel model, const TpFieldInfo *info, void *array);
PetscErrorCode TpModelSetFieldArray(TpModel model, PetscInt f, void *array);
PetscErrorCode TpModelDeclareSeries(TpModel model, const TpSeriesInfo *info);
PetscErrorCode TpModelDeclareSummary(TpModel model, const TpSummaryInfo *info);

/* For the models that store patterns and retrieve them (M1-M3): they share the series, summary,
   result and progress of a retrieval (src/model/interface/retrieval.c). */
PetscErrorCode TpRetrievalDeclare(TpModel model);
/* Collective: the overlaps m_mu = (1/N) sum_i xi_i^mu phi_i and the Hamming errors of the local
   rows into sample; extra[nextra] are summed along in the same reduction. */
PetscErrorCode TpRetrievalObserve(TpModel model, const double *phi, const double *x, PetscInt nextra, double *extra,
                                  double *sample);
/* Where the retrieval's values sit in a sample. */
enum {
  TP_RETRIEVAL_ENERGY,
  TP_RETRIEVAL_HAMMING,
  TP_RETRIEVAL_SOFT_HAMMING,
  TP_RETRIEVAL_PERPLEXITY,
  TP_RETRIEVAL_OVERLAP
};
PetscErrorCode TpRetrievalSummarize(TpModel model, const double *first, const double *last, double *values);
PetscErrorCode TpRetrievalViewResult(TpModel model, const double *first, const double *last, PetscViewer viewer);
PetscErrorCode TpRetrievalProgress(TpModel model, const double *sample, char *buf, size_t len);
/* The pattern of largest overlap (the first of equals). */
PetscInt TpRetrieved(PetscInt K, const double *overlap);
#endif
