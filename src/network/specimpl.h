/* What the description's sources (spec.c: all, random, files; spatial.c) share: only src/network/ includes this. */
#ifndef TPSPECIMPL_H
#define TPSPECIMPL_H
#include <tpnetspec.h>

typedef struct {
  PetscInt n, cap, *a;
} IntList;

static inline PetscErrorCode ListPush(IntList *l, PetscInt v)
{
  PetscFunctionBegin;
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 1024;
    PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)l->cap, &l->a));
  }
  l->a[l->n++] = v;
  PetscFunctionReturn(0);
}

/* The rank whose block ranges[r] <= g < ranges[r+1] holds g. */
static inline PetscMPIInt BlockOwner(PetscMPIInt size, const PetscInt *ranges, PetscInt g)
{
  PetscMPIInt lo = 0, hi = size;
  while (hi - lo > 1) {
    PetscMPIInt mid = (lo + hi) / 2;
    if (ranges[mid] <= g)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* A link (row, neighbour) of a CSR being built, global ids. */
typedef struct {
  PetscInt row, nbr;
} Entry;

/* Collective (spatial.c): the CSR over this rank's n processes (ids synrange[rank] ..) from each row's
   chosen neighbours (K per row, nchosen[s] used; K = 0: none) and the entries `send` holds for each rank
   (cnt[q] for rank q, in rank order; freed here), symmetric for the chosen, each row sorted, duplicates merged. */
PETSC_INTERN PetscErrorCode TpSpecRowsCSR(MPI_Comm comm, const PetscInt *synrange, PetscInt n, PetscInt K,
                                          const PetscInt *nchosen, const PetscInt *chosen, const PetscCount *cnt,
                                          Entry *send, PetscInt **ptr, PetscInt **adj);
/* Sort each CSR row and merge its duplicates, compacting in place (spatial.c); *w: the entries left. */
PETSC_INTERN PetscErrorCode TpSpecMergeRows(PetscInt n, PetscInt *p, PetscInt *a, PetscInt *w);
/* Collective (file.c): the network file, whole on every rank or this rank's block of rows (sliced). */
PETSC_INTERN PetscErrorCode TpNetSpecReadFile(MPI_Comm comm, const char *file, PetscBool sliced, TpNetSpec *sp);

/* The spatial generator (spatial.c), collective on comm: this rank's block of rows (PETSC_COMM_SELF: all). */
PETSC_INTERN PetscErrorCode TpNetSpecGenerateSpatial(MPI_Comm comm, TpNetSpec *sp, PetscInt seed, double degree,
                                                     PetscInt dim, PetscInt tiles, PetscInt links, PetscInt gaps);
#endif
