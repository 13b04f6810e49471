/* Collective helpers: one verdict reached on rank 0 (or on every rank) becomes every rank's. */
#include <tputil.h>
#include <string.h>

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

static PetscErrorCode CaptureError(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                   PetscErrorType p, const char *mess, void *ctx)
{
  TpCaught *c = ctx;
  if (p == PETSC_ERROR_INITIAL && !c->fun[0]) {
    PetscStrncpy(c->fun, fun ? fun : "", sizeof(c->fun));
    PetscStrncpy(c->msg, mess ? mess : "", sizeof(c->msg));
  }
  return n;
}

/*@C
  TpCatchBegin - Catches the errors of the calls that follow, silently, until TpCatchEnd()

  Not Collective

  Output Parameter:
. c - where the first error's function and message go

  Notes:
  For calls into PETSc that check their arguments on PETSC_COMM_SELF (as TSSetFromOptions() does
  the values of -ts_adapt_* options): every rank meets the same error, but each would print it and
  abort the job. TpCatchEnd() turns it into one collective error.

.seealso: `TpCatchEnd()`
@*/
PetscErrorCode TpCatchBegin(TpCaught *c)
{
  PetscFunctionBegin;
  c->fun[0] = c->msg[0] = 0;
  PetscCall(PetscPushErrorHandler(CaptureError, c));
  PetscFunctionReturn(0);
}

/*@C
  TpCatchEnd - Ends TpCatchBegin(); an error on any rank becomes the same error on every rank

  Collective

  Input Parameters:
+ comm    - the ranks that made the calls
. ierr    - what the calls returned on this rank
. c       - what TpCatchBegin() caught
- options - pairs {function, option names} (ending with NULL): the message of an error raised in
            one of those functions starts "Option NAMES: "; may be NULL

.seealso: `TpCatchBegin()`
@*/
PetscErrorCode TpCatchEnd(MPI_Comm comm, PetscErrorCode ierr, const TpCaught *c, const char *const *options)
{
  int mine = ierr ? 1 : 0, any;
  PetscMPIInt rank, root, cand;
  char msg[1400] = "";
  int code       = (int)ierr;

  PetscFunctionBegin;
  PetscCall(PetscPopErrorHandler());
  PetscCallMPI(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm));
  if (!any) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  cand = ierr ? rank : PETSC_MPI_INT_MAX;
  PetscCallMPI(MPI_Allreduce(&cand, &root, 1, MPI_INT, MPI_MIN, comm));
  if (rank == root) {
    const char *name = NULL;
    char named[512]  = "";
    for (int i = 0; options && options[i]; i += 2)
      if (!strcmp(options[i], c->fun)) name = options[i + 1];
    /* a value the options database could not read ("Input string abc has no numeric value"): its option */
    if (!name && !strncmp(c->fun, "PetscOptions", 12)) TpOptionsNameOfValue(c->msg, named, sizeof(named));
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "%s%s%s%s%s", named, name ? "Option " : "", name ? name : "",
                            name ? ": " : "", c->msg[0] ? c->msg : "refused"));
  }
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, root, comm));
  PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, root, comm));
  SETERRQ(comm, (PetscErrorCode)code, "%s", msg);
}
