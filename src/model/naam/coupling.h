/* Process-to-process couplings T (where M1's memories live), applied without ever storing T.

   Every kind works in two phases over blocks of local rows, so that one MPI_Allreduce of a few
   numbers per right-hand side is all the global communication they need:
     accumulate: partial reductions from psi(p) of the block (hebbian: the K overlaps o_mu),
     apply:      (T psi)_ij for the block's synapses from the globally reduced numbers.
   Kinds with neighbours on other ranks (diffusion) also exchange a halo of psi between the two:
     accumulate (all blocks), exchange begin, the reduction, exchange end, apply.
   Kinds are registered by name and summed: -naam_coupling hebbian,constant,diffusion.  Their
   options carry the prefix of the model that owns them (naam_: -naam_c_T, -naam_diffusion, ...).
   Private to M1 (src/model/naam/); the diffusion test (tests/test_diffusion.c) drives it directly. */
#ifndef TPCOUPLING_H
#define TPCOUPLING_H
#include <tpnetwork.h>
#include <tppatterns.h>
#include <petscmat.h>

typedef struct _p_TpCoupling *TpCoupling;

/* Everything a kind sees of a block of rows: local rows [i0, i1) and their synapses. */
typedef struct {
  PetscInt i0, i1;
} TpBlock;

PetscErrorCode TpCouplingRegister(const char name[], PetscErrorCode (*create)(TpCoupling));
/* Collective: the sum of the kinds in list (comma-separated); prefix: the owning model's options prefix. */
PetscErrorCode TpCouplingCreate(MPI_Comm comm, const char *prefix, const char *list, TpNetwork net, TpPatterns pat,
                                TpCoupling *c);
PetscErrorCode TpCouplingSetFromOptions(TpCoupling c);
/* With -help: also list the options of the kinds that `list` does not name. */
PetscErrorCode TpCouplingHelpOthers(MPI_Comm comm, const char *prefix, const char *list, TpNetwork net, TpPatterns pat);
PetscErrorCode TpCouplingGetNumReductions(TpCoupling c, PetscInt *nred);
/* red has nred entries; accumulate adds the block's contribution to it. */
PetscErrorCode TpCouplingAccumulate(TpCoupling c, const TpBlock *blk, const double *psi, double *red);
/* out[q] = scale (T psi)_q for the block's synapses q, or out[q] += scale (T psi)_q when add is true.
   red: the globally reduced values. */
PetscErrorCode TpCouplingApply(TpCoupling c, const TpBlock *blk, const double *red, double scale, PetscBool add,
                               double *out);
/* Collective: the halo exchange of psi (no-ops for kinds without neighbours). */
PetscErrorCode TpCouplingExchangeBegin(TpCoupling c);
PetscErrorCode TpCouplingExchangeEnd(TpCoupling c);
/* After the exchange: the local parts of the quadratic form that need neighbours, into red (before reducing). */
PetscErrorCode TpCouplingLocalQuadratic(TpCoupling c, double *red);
/* Implicit steppers, after the exchange: J += scale d(T psi)/dp for psi = tanh(beta p), rows and columns of
   process q of rank r at pstart[r] + q.  Only kinds with neighbours (diffusion) support it. */
PetscErrorCode TpCouplingAddJacobian(TpCoupling c, Mat J, const PetscInt *pstart, double beta, double scale);
/* Refuses, naming the reason, a coupling that TpCouplingAddJacobian() cannot differentiate (before a stepper is built).
 */
PetscErrorCode TpCouplingCheckImplicit(TpCoupling c);
/* sum_ijkl T_ijkl psi_ij psi_kl from the globally reduced values. */
PetscErrorCode TpCouplingQuadratic(TpCoupling c, const double *red, double *q);
PetscErrorCode TpCouplingView(TpCoupling c, PetscViewer viewer);
/* Append a canonical description of the kinds and their parameters to buf. */
PetscErrorCode TpCouplingDescribe(TpCoupling c, char *buf, size_t len);
PetscErrorCode TpCouplingDestroy(TpCoupling *c);
/* Collective: the local synapses (or their processes) a lesion of fraction f removes, ascending, each
   drawn by the stream (seed, stream, post, pre) of its synapse (the same on any number of ranks);
   *cut and, if row is not NULL, *row (the local row of each) are PetscMalloc'd; *total over all ranks. */
PetscErrorCode TpLesionDraw(MPI_Comm comm, TpNetwork net, PetscInt seed, uint64_t stream, PetscReal f, PetscInt *n,
                            PetscInt **cut, PetscInt **row, PetscInt64 *total);
#endif
