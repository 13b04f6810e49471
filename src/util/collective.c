#include <tputil.h>

PetscErrorCode TpRootCheck(MPI_Comm comm, PetscErrorCode code, char *msg, size_t len)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)len, MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, code, "%s", msg);
  PetscFunctionReturn(0);
}
