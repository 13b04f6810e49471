/* Declared fields to and from files (tpfields.h).  Per-neuron, per-synapse and per-process fields
   move between engine order and natural order through the network's SFs (one MPI type of `width`
   values per entity); a global field lives on rank 0. */
#include <tpfields.h>
#include <tph5.h>
#include <tprandom.h>
#include <string.h>

typedef struct {
  const TpFieldInfo *info;
  TpPer per;
  PetscBool global;
  PetscCount nloc, nnat, start, total; /* engine rows, natural rows and the first, rows in the file */
  size_t esize;                        /* bytes of one value */
  MPI_Datatype type;                   /* one entity's values */
} Layout;

static PetscErrorCode GetLayout(TpModel model, PetscInt f, Layout *L)
{
  TpNetwork net;
  MPI_Datatype base;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(TpModelGetField(model, f, &L->info));
  PetscCall(TpModelGetNetwork(model, &net));
  PetscCall(TpModelGetFieldLocalSize(model, f, &L->nloc));
  PetscCall(PetscDataTypeGetSize(L->info->type, &L->esize));
  PetscCall(PetscDataTypeToMPIDataType(L->info->type, &base));
  L->global = L->info->entity == TP_ENTITY_GLOBAL;
  L->per    = L->info->entity == TP_ENTITY_NEURON ? TP_PER_NEURON : TP_PER_SYNAPSE;
  if (L->global) {
    MPI_Comm comm;
    PetscCall(TpModelGetComm(model, &comm));
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    L->nnat  = L->nloc;
    L->start = 0;
    L->total = 1;
  } else {
    PetscCall(TpNetworkGetNaturalSizes(net, L->per, &L->nnat, &L->start));
    if (L->per == TP_PER_NEURON) {
      PetscInt N;
      PetscCall(TpNetworkGetSize(net, &N));
      L->total = N;
    } else {
      TpNetworkRows r;
      PetscCall(TpNetworkGetRows(net, &r));
      L->total = r.nsyn;
    }
  }
  if (L->info->width > 1) {
    PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)L->info->width, base, &L->type));
    PetscCallMPI(MPI_Type_commit(&L->type));
  } else
    L->type = base;
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeLayout(Layout *L)
{
  PetscFunctionBegin;
  if (L->info->width > 1) PetscCallMPI(MPI_Type_free(&L->type));
  PetscFunctionReturn(0);
}

/* Local (engine order) -> natural slice, or back. */
static PetscErrorCode Reorder(TpModel model, const Layout *L, PetscBool tonatural, const void *from, void *to)
{
  TpNetwork net;

  PetscFunctionBegin;
  PetscCall(TpModelGetNetwork(model, &net));
  if (L->global)
    PetscCall(PetscMemcpy(to, from, (size_t)L->nloc * L->info->width * L->esize));
  else if (tonatural)
    PetscCall(TpNetworkToNatural(net, L->per, L->type, from, to));
  else
    PetscCall(TpNetworkFromNatural(net, L->per, L->type, from, to));
  PetscFunctionReturn(0);
}

/*@C
  TpFieldWrite - Writes field f as /state-like dataset <name> of group, natural order

  Collective

  Input Parameters:
+ model - the model, set up
. f     - the field
- group - the open group

  Notes:
  1-D for width 1, (entities x width) otherwise; a global field is 1-D of its width values.

.seealso: `TpFieldRead()`
@*/
PetscErrorCode TpFieldWrite(TpModel model, PetscInt f, hid_t group)
{
  Layout L;
  MPI_Comm comm;
  void *loc, *nat;

  PetscFunctionBegin;
  PetscCall(TpModelGetComm(model, &comm));
  PetscCall(GetLayout(model, f, &L));
  PetscCall(PetscMalloc((size_t)(L.nnat * L.info->width + 1) * L.esize, &nat));
  PetscCall(TpModelGetFieldArray(model, f, &loc));
  PetscCall(Reorder(model, &L, PETSC_TRUE, loc, nat));
  PetscCall(TpModelRestoreFieldArray(model, f, &loc));
  if (L.global)
    PetscCall(TpH5WriteDistributed(comm, group, L.info->name, TpH5NativeType(L.info->type), TpH5FileType(L.info->type),
                                   L.nnat * L.info->width, 0, nat));
  else
    PetscCall(TpH5WriteDistributed(comm, group, L.info->name, TpH5NativeType(L.info->type), TpH5FileType(L.info->type),
                                   L.nnat, L.info->width > 1 ? L.info->width : 0, nat));
  PetscCall(PetscFree(nat));
  PetscCall(FreeLayout(&L));
  PetscFunctionReturn(0);
}

/*@C
  TpFieldRead - Reads field f from dataset <name> of group into a buffer in engine order

  Collective

  Input Parameters:
+ model - the model, set up
. f     - the field
- group - the open group

  Output Parameters:
+ local - room for the field's local values (TpFieldBytes()); filled in engine order
- ok    - false on every rank when the dataset is missing, of another shape or unreadable

  Notes:
  The model's own values are untouched: TpFieldCopy() installs them once everything is checked.

.seealso: `TpFieldWrite()`, `TpFieldCopy()`
@*/
PetscErrorCode TpFieldRead(TpModel model, PetscInt f, hid_t group, void *local, PetscBool *ok)
{
  Layout L;
  MPI_Comm comm;
  void *nat;

  PetscFunctionBegin;
  PetscCall(TpModelGetComm(model, &comm));
  PetscCall(GetLayout(model, f, &L));
  PetscCall(PetscMalloc((size_t)(L.nnat * L.info->width + 1) * L.esize, &nat));
  if (L.global)
    PetscCall(TpH5ReadDistributed(comm, group, L.info->name, TpH5NativeType(L.info->type), L.nnat * L.info->width, 0,
                                  L.info->width, nat, ok));
  else
    PetscCall(TpH5ReadDistributed(comm, group, L.info->name, TpH5NativeType(L.info->type), L.nnat,
                                  L.info->width > 1 ? L.info->width : 0, (long long)L.total, nat, ok));
  if (*ok) PetscCall(Reorder(model, &L, PETSC_FALSE, nat, local));
  PetscCall(PetscFree(nat));
  PetscCall(FreeLayout(&L));
  PetscFunctionReturn(0);
}

/*@C
  TpFieldChecksum - An order-free hash of a field's values by their natural positions, the same on
  any number of ranks and with any partition

  Collective

  Input Parameters:
+ model  - the model
. f      - the field
. local  - its local values in engine order (the model's, or a buffer TpFieldRead() filled)
- stream - a number that tells fields apart

  Output Parameter:
. hash - the sum over all values of TpHash(bits, stream, position, 0)

.seealso: `TpCheckpointWrite()`
@*/
PetscErrorCode TpFieldChecksum(TpModel model, PetscInt f, const void *local, uint64_t stream, uint64_t *hash)
{
  Layout L;
  MPI_Comm comm;
  unsigned char *nat;
  uint64_t h = 0;

  PetscFunctionBegin;
  PetscCall(TpModelGetComm(model, &comm));
  PetscCall(GetLayout(model, f, &L));
  PetscCall(PetscMalloc((size_t)(L.nnat * L.info->width + 1) * L.esize, &nat));
  PetscCall(Reorder(model, &L, PETSC_TRUE, local, nat));
  for (PetscCount q = 0; q < L.nnat * L.info->width; q++) {
    uint64_t b = 0;
    if (L.info->type == PETSC_CHAR)
      b = (uint64_t)(int64_t)((signed char *)nat)[q];
    else
      memcpy(&b, nat + (size_t)q * L.esize, L.esize);
    h += TpHash(b, stream, (uint64_t)(L.start * L.info->width + q), 0);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &h, 1, MPI_UINT64_T, MPI_SUM, comm));
  *hash = h;
  PetscCall(PetscFree(nat));
  PetscCall(FreeLayout(&L));
  PetscFunctionReturn(0);
}

/*@C
  TpFieldCopy - Copies a buffer into the model's field f, or the field into the buffer

  Not Collective

  Input Parameters:
+ model   - the model
. f       - the field
. local   - local values, engine order
- tomodel - true: buffer -> model; false: model -> buffer

.seealso: `TpFieldRead()`
@*/
PetscErrorCode TpFieldCopy(TpModel model, PetscInt f, const void *local, PetscBool tomodel)
{
  Layout L;
  void *a;

  PetscFunctionBegin;
  PetscCall(GetLayout(model, f, &L));
  PetscCall(TpModelGetFieldArray(model, f, &a));
  if (tomodel)
    PetscCall(PetscMemcpy(a, local, (size_t)L.nloc * L.info->width * L.esize));
  else
    PetscCall(PetscMemcpy((void *)local, a, (size_t)L.nloc * L.info->width * L.esize));
  PetscCall(TpModelRestoreFieldArray(model, f, &a));
  PetscCall(FreeLayout(&L));
  PetscFunctionReturn(0);
}

/*@C
  TpFieldBytes - The bytes field f takes in a file, and its local values' bytes

  Not Collective

  Input Parameters:
+ model - the model
- f     - the field

  Output Parameters:
+ bytes - in a file, all ranks together (may be NULL)
- local - bytes of this rank's values (may be NULL)

.seealso: `TpFieldWrite()`
@*/
PetscErrorCode TpFieldBytes(TpModel model, PetscInt f, double *bytes, PetscCount *local)
{
  Layout L;

  PetscFunctionBegin;
  PetscCall(GetLayout(model, f, &L));
  if (bytes) *bytes = (double)L.total * L.info->width * L.esize;
  if (local) *local = L.nloc * L.info->width * (PetscCount)L.esize;
  PetscCall(FreeLayout(&L));
  PetscFunctionReturn(0);
}
