/* Small collective helpers. */
#ifndef TPUTIL_H
#define TPUTIL_H
#include <petscsys.h>

/* Collective: rank 0 has checked something alone and left msg empty, or a message; every rank
   receives it, and a message becomes the same error `code` on every rank. */
PetscErrorCode TpRootCheck(MPI_Comm comm, PetscErrorCode code, char *msg, size_t len);
#endif
