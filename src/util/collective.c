/* Collective helpers: one verdict reached on rank 0 (or on every rank) becomes every rank's. */
#include <tputil.h>

/*@C
  TpRootCheck - Turns a check made on rank 0 alone into the same error on every rank

  Collective

  Input Parameters:
+ comm - the communicator
. code - the PETSc error code to raise
. msg  - on rank 0: empty when the check passed, otherwise the message; overwritten on the others
- len  - the size of msg on every rank

  Notes:
  Every rank calls it after rank 0 has looked at a file or a directory alone; the message travels
  to all ranks, so that all raise the same error and leave the same way.

.seealso: `TpAllTrue()`
@*/
PetscErrorCode TpRootCheck(MPI_Comm comm, PetscErrorCode code, char *msg, size_t len)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)len, MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, code, "%s", msg);
  PetscFunctionReturn(0);
}

/*@C
  TpAllTrue - Logical and of a flag over the ranks

  Collective

  Input Parameters:
+ comm - the communicator
- ok   - this rank's flag

  Output Parameter:
. ok - true on every rank only if it was true on every rank

.seealso: `TpRootCheck()`
@*/
PetscErrorCode TpAllTrue(MPI_Comm comm, PetscBool *ok)
{
  int good = *ok ? 1 : 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &good, 1, MPI_INT, MPI_MIN, comm));
  *ok = good ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}
