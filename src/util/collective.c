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

/*@C
  TpExchange - One all-to-all exchange of fixed-size records

  Collective

  Input Parameters:
+ comm   - the ranks
. rec    - bytes per record
. scount - records to each rank
- send   - the records, rank after rank

  Output Parameters:
+ nrecv  - records received
. recv   - them, rank after rank (free with PetscFree())
- rdispl - where those of rank r start (size+1 entries; may be NULL)

  Notes:
  More than 2 GiB to or from one rank is refused (MPI counts are int).

.seealso: `TpRootCheck()`
@*/
PetscErrorCode TpExchange(MPI_Comm comm, size_t rec, const PetscCount *scount, const void *send, PetscCount *nrecv,
                          void **recv, PetscMPIInt **rdispl)
{
  PetscMPIInt size, *sc, *sd, *rc, *rd;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc4(size, &sc, size + 1, &sd, size, &rc, size + 1, &rd));
  sd[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscCheck((PetscCount)sd[r] + scount[r] * (PetscCount)rec < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "A network with more than 2 GiB to send from one rank: use more ranks");
    sc[r]     = (PetscMPIInt)(scount[r] * (PetscCount)rec);
    sd[r + 1] = sd[r] + sc[r];
  }
  PetscCallMPI(MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, comm));
  rd[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscCheck((PetscCount)rd[r] + rc[r] < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "A network with more than 2 GiB to receive on one rank: use more ranks");
    rd[r + 1] = rd[r] + rc[r];
  }
  PetscCall(PetscMalloc(rd[size] + 1, recv));
  PetscCallMPI(MPI_Alltoallv(send, sc, sd, MPI_BYTE, *recv, rc, rd, MPI_BYTE, comm));
  *nrecv = rd[size] / (PetscCount)rec;
  if (rdispl) {
    PetscCall(PetscMalloc1(size + 1, rdispl));
    for (PetscMPIInt r = 0; r <= size; r++) (*rdispl)[r] = (PetscMPIInt)(rd[r] / (PetscMPIInt)rec);
  }
  PetscCall(PetscFree4(sc, sd, rc, rd));
  PetscFunctionReturn(0);
}
