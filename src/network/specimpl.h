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

/* The spatial generator (spatial.c), collective on comm: this rank's block of rows (PETSC_COMM_SELF: all). */
PETSC_INTERN PetscErrorCode TpNetSpecGenerateSpatial(MPI_Comm comm, TpNetSpec *sp, PetscInt seed, double degree,
                                                     PetscInt dim, PetscInt tiles, PetscInt links, PetscInt gaps);
#endif
