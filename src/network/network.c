#include "networkimpl.h"
#include <tprandom.h>
#include <petscis.h>

const char *const TpConnectivities[] = {"all", "random", "TpConnectivity", "TP_CONNECT_", NULL};

PetscErrorCode TpNetworkCreate(MPI_Comm comm, TpNetwork *net)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(net));
  (*net)->comm   = comm;
  (*net)->N      = 500;
  (*net)->kind   = TP_CONNECT_ALL;
  (*net)->degree = 50;
  (*net)->seed   = 1;
  PetscFunctionReturn(0);
}

/* Set the number of neurons, e.g. from a patterns file, before TpNetworkSetFromOptions. */
PetscErrorCode TpNetworkSetSize(TpNetwork net, PetscInt N)
{
  PetscFunctionBegin;
  net->N = N;
  PetscFunctionReturn(0);
}

/* Options: -N, -connectivity all|random, -degree, -seed. */
PetscErrorCode TpNetworkSetFromOptions(TpNetwork net)
{
  PetscBool set;
  PetscInt N = net->N;

  PetscFunctionBegin;
  PetscOptionsBegin(net->comm, NULL, "Network options", "TpNetwork");
  PetscCall(PetscOptionsInt("-N", "Number of neurons", "TpNetworkSetSize", N, &N, &set));
  PetscCall(PetscOptionsEnum("-connectivity", "Synapses: all (all-to-all, N^2 synapses) or random (symmetric, seeded)",
                             "TpNetworkSetFromOptions", TpConnectivities, (PetscEnum)net->kind, (PetscEnum *)&net->kind,
                             NULL));
  PetscCall(PetscOptionsReal("-degree", "Mean number of synapses per neuron for -connectivity random",
                             "TpNetworkSetFromOptions", net->degree, &net->degree, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the random streams (patterns, cue, wiring)", "TpNetworkSetFromOptions",
                            net->seed, &net->seed, NULL));
  PetscOptionsEnd();
  PetscCheck(N > 0, net->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -N (number of neurons) must be positive; got %" PetscInt_FMT, N);
  net->N = N;
  PetscCheck(net->degree > 0, net->comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -degree must be positive; got %.6g",
             (double)net->degree);
  PetscFunctionReturn(0);
}

/* Synapse i <- j of a random symmetric network: decided once per unordered pair {i, j}. */
static inline PetscBool RandomEdge(PetscInt seed, double prob, PetscInt i, PetscInt j)
{
  uint64_t a = (uint64_t)(i < j ? i : j), b = (uint64_t)(i < j ? j : i);
  return TpUniform((uint64_t)seed, TP_STREAM_WIRING, a, b) < prob ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode TpNetworkSetUp(TpNetwork net)
{
  PetscLayout layout;
  PetscSFNode *remote;
  PetscInt N = net->N;

  PetscFunctionBegin;
  if (net->setup) PetscFunctionReturn(0);
  PetscCall(PetscLayoutCreateFromSizes(net->comm, PETSC_DECIDE, N, 1, &layout));
  PetscCall(PetscLayoutGetRange(layout, &net->rstart, NULL));
  PetscCall(PetscLayoutGetLocalSize(layout, &net->nloc));
  PetscCall(PetscMalloc1(net->nloc + 1, &net->rowptr));
  PetscCall(PetscSFCreate(net->comm, &net->sf));
  if (net->kind == TP_CONNECT_ALL) {
    net->dense = PETSC_TRUE;
    net->ncol  = N;
    for (PetscInt i = 0; i <= net->nloc; i++) net->rowptr[i] = i * N;
    PetscCall(PetscMalloc1(N, &net->colgid));
    for (PetscInt j = 0; j < N; j++) net->colgid[j] = j;
    PetscCall(PetscSFSetGraphWithPattern(net->sf, layout, PETSCSF_PATTERN_ALLGATHER));
  } else {
    const double prob = PetscMin(1.0, net->degree / (double)N);
    PetscInt *slot, nnz = 0, k = 0;

    net->dense = PETSC_FALSE;
    /* Count, then fill: each row visits all N candidates once (O(N^2 / ranks) hashes). */
    net->rowptr[0] = 0;
    for (PetscInt i = 0; i < net->nloc; i++) {
      for (PetscInt j = 0; j < N; j++) nnz += RandomEdge(net->seed, prob, net->rstart + i, j);
      net->rowptr[i + 1] = nnz;
    }
    PetscCall(PetscMalloc1(nnz, &net->col));
    PetscCall(PetscMalloc1(N, &slot));
    for (PetscInt j = 0; j < N; j++) slot[j] = -1;
    for (PetscInt i = 0; i < net->nloc; i++)
      for (PetscInt j = 0; j < N; j++)
        if (RandomEdge(net->seed, prob, net->rstart + i, j)) {
          net->col[k++] = j;
          slot[j]       = 0;
        }
    net->ncol = 0;
    for (PetscInt j = 0; j < N; j++)
      if (!slot[j]) slot[j] = net->ncol++;
    PetscCall(PetscMalloc1(net->ncol, &net->colgid));
    for (PetscInt j = 0; j < N; j++)
      if (slot[j] >= 0) net->colgid[slot[j]] = j;
    for (PetscInt q = 0; q < nnz; q++) net->col[q] = slot[net->col[q]];
    PetscCall(PetscFree(slot));
    PetscCall(PetscMalloc1(net->ncol, &remote));
    for (PetscInt c = 0; c < net->ncol; c++) {
      PetscMPIInt owner;
      const PetscInt *range;
      PetscCall(PetscLayoutFindOwner(layout, net->colgid[c], &owner));
      PetscCall(PetscLayoutGetRanges(layout, &range));
      remote[c].rank  = owner;
      remote[c].index = net->colgid[c] - range[owner];
    }
    PetscCall(PetscSFSetGraph(net->sf, net->nloc, net->ncol, NULL, PETSC_OWN_POINTER, remote, PETSC_OWN_POINTER));
  }
  PetscCall(PetscSFSetUp(net->sf));
  net->nsyn_loc    = net->rowptr[net->nloc];
  net->max_row_nnz = 0;
  for (PetscInt i = 0; i < net->nloc; i++)
    net->max_row_nnz = PetscMax(net->max_row_nnz, net->rowptr[i + 1] - net->rowptr[i]);
  {
    long long n = (long long)net->nsyn_loc, off = 0, tot = 0;
    PetscMPIInt r;
    PetscCallMPI(MPI_Comm_rank(net->comm, &r));
    PetscCallMPI(MPI_Exscan(&n, &off, 1, MPI_LONG_LONG, MPI_SUM, net->comm));
    PetscCallMPI(MPI_Allreduce(&n, &tot, 1, MPI_LONG_LONG, MPI_SUM, net->comm));
    net->syn_start = r ? (PetscCount)off : 0;
    net->nsyn      = (PetscCount)tot;
  }
  PetscCall(PetscLayoutDestroy(&layout));
  net->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkGetSizes(TpNetwork net, PetscInt *N, PetscInt *nloc, PetscCount *nsyn)
{
  PetscFunctionBegin;
  if (N) *N = net->N;
  if (nloc) *nloc = net->nloc;
  if (nsyn) *nsyn = net->nsyn;
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkFingerprint(TpNetwork net, uint64_t *hash)
{
  uint64_t h = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < net->nloc; i++)
    for (PetscInt q = net->rowptr[i]; q < net->rowptr[i + 1]; q++) {
      const uint64_t j = (uint64_t)(net->dense ? q - net->rowptr[i] : net->colgid[net->col[q]]);
      h += TpHash(0x6e6574, 0, (uint64_t)(net->rstart + i), j);
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &h, 1, MPI_UINT64_T, MPI_SUM, net->comm));
  *hash = h ^ TpMix64((uint64_t)net->N);
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkView(TpNetwork net, PetscViewer viewer)
{
  PetscFunctionBegin;
  if (net->kind == TP_CONNECT_ALL)
    PetscCall(PetscViewerASCIIPrintf(viewer, "  wiring   all-to-all (synapse i <- j for every pair, self included)\n"));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "  wiring   random symmetric, mean degree %.6g (seed %" PetscInt_FMT ")\n",
                                     (double)net->degree, net->seed));
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkDestroy(TpNetwork *net)
{
  PetscFunctionBegin;
  if (!*net) PetscFunctionReturn(0);
  PetscCall(PetscFree((*net)->rowptr));
  PetscCall(PetscFree((*net)->col));
  PetscCall(PetscFree((*net)->colgid));
  PetscCall(PetscSFDestroy(&(*net)->sf));
  PetscCall(PetscFree(*net));
  PetscFunctionReturn(0);
}
