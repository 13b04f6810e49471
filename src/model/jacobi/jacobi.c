/* The jacobi test model: a contraction map iterated to its fixed point, for the iterate stepper.

     x <- b + w (1/n_i) sum_{j in row i} x_j        (n_i: the synapses of neuron i, 0 < w < 1)

   over the network's synapses (presynaptic values through the ghost SF, as M5's epochs will
   read them), a contraction of factor w in the max norm.  Its fixed point is chosen,
   x*_g = sin(g + 1), and b made for it; the model is done when an iteration changes no value by
   more than -jacobi_tol.  Field: x (neuron; output, checkpoint).  Series: residual (the last
   change), error (max |x - x*|).  Summary: the same two. */
#include "../interface/modelimpl.h"
#include <tpvmath.h>

typedef struct {
  TpNetworkRows r;
  PetscSF ghost;
  PetscReal w, tol;     /* -jacobi_weight, -jacobi_tol */
  double *x, *b, *xcol; /* owned x, right-hand side b, x of the column slots */
  double residual[1];   /* global: the max change of the last iteration (rank 0 holds it) */
  double last;          /* the same, on every rank */
} Jacobi;

static double FixedPoint(PetscInt g)
{
  return sin((double)g + 1.0);
}

static PetscErrorCode JacobiSetFromOptions(TpModel m)
{
  Jacobi *J = m->data;

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, m->prefix, "Jacobi test model: x <- b + w mean_{j in row i} x_j", "TpModel");
  PetscCall(PetscOptionsReal("-weight", "Weight w of the mean, in (0, 1): the map's contraction factor", "", J->w,
                             &J->w, NULL));
  PetscCall(PetscOptionsReal("-tol", "Done when no value changes by more than this", "", J->tol, &J->tol, NULL));
  PetscOptionsEnd();
  PetscCheck(J->w > 0 && J->w < 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -jacobi_weight must lie in (0, 1); got %.6g", (double)J->w);
  PetscCheck(J->tol > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -jacobi_tol must be positive; got %.6g",
             (double)J->tol);
  PetscFunctionReturn(0);
}

/* the mean over the row of i of values v of the column slots */
static double RowMean(const TpNetworkRows *r, PetscInt i, const double *v)
{
  const PetscInt n = r->rowptr[i + 1] - r->rowptr[i];
  double s         = 0;
  for (PetscInt q = r->rowptr[i]; q < r->rowptr[i + 1]; q++) s += v[r->col ? r->col[q] : q - r->rowptr[i]];
  return n ? s / n : 0;
}

static PetscErrorCode JacobiSetUp(TpModel m)
{
  Jacobi *J            = m->data;
  const TpFieldInfo xf = {"x", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "the iterate"};
  const TpFieldInfo rf = {"residual",   TP_ENTITY_GLOBAL,    1,
                          PETSC_DOUBLE, TP_FIELD_CHECKPOINT, "the largest change of the last iteration"};
  const TpSeriesInfo se[]  = {{"residual", "observables/residual", 1, PETSC_FALSE, "max |x_new - x_old|"},
                              {"error", "observables/error", 1, PETSC_FALSE, "max |x - x*|"}};
  const TpSummaryInfo su[] = {{"residual", PETSC_DOUBLE, 0, NULL, "the last change"},
                              {"error", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "the distance to the fixed point"}};
  double *star;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(m->net, &J->r));
  PetscCall(TpNetworkGetGhostSF(m->net, &J->ghost));
  PetscCall(PetscMalloc3(J->r.nloc + 1, &J->x, J->r.nloc + 1, &J->b, J->r.ncol + 1, &J->xcol));
  PetscCall(PetscMalloc1(J->r.ncol + 1, &star));
  for (PetscInt c = 0; c < J->r.ncol; c++) star[c] = FixedPoint(J->r.colgid[c]);
  for (PetscInt i = 0; i < J->r.nloc; i++) J->b[i] = FixedPoint(TpRowGid(&J->r, i)) - J->w * RowMean(&J->r, i, star);
  PetscCall(PetscFree(star));
  PetscCall(TpModelDeclareArrayField(m, &xf, J->x));
  PetscCall(TpModelDeclareArrayField(m, &rf, J->residual));
  for (size_t q = 0; q < 2; q++) PetscCall(TpModelDeclareSeries(m, &se[q]));
  for (size_t q = 0; q < 2; q++) PetscCall(TpModelDeclareSummary(m, &su[q]));
  PetscFunctionReturn(0);
}

static PetscErrorCode JacobiInitialState(TpModel m)
{
  Jacobi *J = m->data;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(J->x, J->r.nloc));
  J->residual[0] = J->last = PETSC_INFINITY;
  PetscFunctionReturn(0);
}

/* after a checkpoint: every rank learns the last residual from rank 0 */
static PetscErrorCode JacobiLoaded(TpModel m)
{
  Jacobi *J = m->data;

  PetscFunctionBegin;
  J->last = J->residual[0];
  PetscCallMPI(MPI_Bcast(&J->last, 1, MPI_DOUBLE, 0, m->comm));
  PetscFunctionReturn(0);
}

/* one map: the ghost exchange of x, the update, one reduction of the largest change */
static PetscErrorCode JacobiIterate(TpModel m, PetscInt64 it, PetscBool *done)
{
  Jacobi *J  = m->data;
  double big = 0;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_GHOST, 0, 0, 0, 0));
  PetscCall(PetscSFBcastBegin(J->ghost, MPI_DOUBLE, J->x, J->xcol, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(J->ghost, MPI_DOUBLE, J->x, J->xcol, MPI_REPLACE));
  PetscCall(PetscLogEventEnd(TP_EVENT_GHOST, 0, 0, 0, 0));
  for (PetscInt i = 0; i < J->r.nloc; i++) {
    const double xn = J->b[i] + J->w * RowMean(&J->r, i, J->xcol);
    big             = PetscMax(big, PetscAbsReal(xn - J->x[i]));
    J->x[i]         = xn;
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &big, 1, MPI_DOUBLE, MPI_MAX, m->comm));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  J->last = big;
  if (!rank) J->residual[0] = big;
  *done = big <= J->tol ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode JacobiObserve(TpModel m, double *sample)
{
  Jacobi *J  = m->data;
  double err = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < J->r.nloc; i++) err = PetscMax(err, PetscAbsReal(J->x[i] - FixedPoint(TpRowGid(&J->r, i))));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &err, 1, MPI_DOUBLE, MPI_MAX, m->comm));
  sample[0] = J->last;
  sample[1] = err;
  PetscFunctionReturn(0);
}

static PetscErrorCode JacobiSummarize(TpModel m, const double *first, const double *last, double *values)
{
  PetscFunctionBegin;
  values[0] = last[0];
  values[1] = last[1];
  PetscFunctionReturn(0);
}

static PetscErrorCode JacobiViewResult(TpModel m, const double *first, const double *last, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(
      PetscViewerASCIIPrintf(v, "  result   last change %.3g, distance to the fixed point %.3g\n", last[0], last[1]));
  PetscFunctionReturn(0);
}

static PetscErrorCode JacobiDescribe(TpModel m, char *buf, size_t len)
{
  Jacobi *J = m->data;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "model=jacobi;w=%.17g;tol=%.17g;", (double)J->w, (double)J->tol));
  PetscFunctionReturn(0);
}

static PetscErrorCode JacobiView(TpModel m, PetscViewer v)
{
  Jacobi *J = m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "  params   w %.6g, tol %.3g; fixed point x*_g = sin(g + 1)\n", (double)J->w,
                                   (double)J->tol));
  PetscFunctionReturn(0);
}

static PetscErrorCode JacobiDestroy(TpModel m)
{
  Jacobi *J = m->data;

  PetscFunctionBegin;
  PetscCall(PetscFree3(J->x, J->b, J->xcol));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static const TpModelOps JacobiOps = {.setfromoptions = JacobiSetFromOptions,
                                     .setup          = JacobiSetUp,
                                     .initialstate   = JacobiInitialState,
                                     .observe        = JacobiObserve,
                                     .summarize      = JacobiSummarize,
                                     .viewresult     = JacobiViewResult,
                                     .view           = JacobiView,
                                     .describe       = JacobiDescribe,
                                     .loaded         = JacobiLoaded,
                                     .destroy        = JacobiDestroy,
                                     .iterate        = JacobiIterate};

PetscErrorCode TpModelCreate_Jacobi(TpModel m)
{
  Jacobi *J;

  PetscFunctionBegin;
  PetscCall(PetscNew(&J));
  J->w    = 0.5;
  J->tol  = 1e-12;
  m->data = J;
  m->ops  = JacobiOps;
  PetscCall(TpModelSetStepperTypes(m, "iterate", "iterate"));
  PetscFunctionReturn(0);
}
