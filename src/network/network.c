#include "networkimpl.h"
#include <tppartition.h>
#include <petscis.h>

PetscErrorCode TpNetworkCreate(MPI_Comm comm, TpNetwork *net)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(net));
  (*net)->comm = comm;
  (*net)->N    = 500;
  (*net)->kind = TP_CONNECT_ALL;
  (*net)->seed = 1;
  PetscFunctionReturn(0);
}

/* Set the default number of neurons, e.g. from a patterns file, before TpNetworkSetFromOptions. */
PetscErrorCode TpNetworkSetSize(TpNetwork net, PetscInt N)
{
  PetscFunctionBegin;
  net->N = N;
  PetscFunctionReturn(0);
}

/* Options: -seed and -partition here; the network's own (-N, -connectivity, ...) at set-up (tpnetspec.h). */
PetscErrorCode TpNetworkSetFromOptions(TpNetwork net)
{
  PetscFunctionBegin;
  PetscOptionsBegin(net->comm, NULL, "Network options", "TpNetwork");
  PetscCall(PetscOptionsInt("-seed", "Seed of the random streams (patterns, cue, wiring, positions)", "", net->seed,
                            &net->seed, NULL));
  PetscCall(PetscOptionsString("-partition", "Partition file (`tripart partition`): which rank owns which neurons", "",
                               net->partition, net->partition, sizeof(net->partition), NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/* An SF whose leaves are the given natural indices of an array laid out in ranges over the ranks. */
static PetscErrorCode NaturalSF(MPI_Comm comm, PetscInt nleaves, const PetscInt *natidx, const PetscInt *ranges,
                                PetscInt nroots, PetscSF *sf)
{
  PetscLayout map;
  PetscSFNode *remote;

  PetscFunctionBegin;
  PetscCall(PetscLayoutCreateFromRanges(comm, ranges, PETSC_COPY_VALUES, 1, &map));
  PetscCall(PetscMalloc1(nleaves, &remote));
  for (PetscInt q = 0; q < nleaves; q++) {
    PetscMPIInt owner;
    PetscCall(PetscLayoutFindOwnerIndex(map, natidx[q], &owner, &remote[q].index));
    remote[q].rank = owner;
  }
  PetscCall(PetscLayoutDestroy(&map));
  PetscCall(PetscSFCreate(comm, sf));
  PetscCall(PetscSFSetGraph(*sf, nroots, nleaves, NULL, PETSC_OWN_POINTER, remote, PETSC_OWN_POINTER));
  PetscCall(PetscSFSetUp(*sf));
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkSetUp(TpNetwork net)
{
  MPI_Comm comm = net->comm;
  PetscMPIInt size, rank, *rankof;
  PetscInt *count, *lidx, *lsoff, *natrange, N;
  PetscBool permuted = PETSC_FALSE;
  TpNetSpec *sp;

  PetscFunctionBegin;
  if (net->setup) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(TpNetSpecCreateFromOptions(comm, net->N, net->seed, &sp));
  N           = sp->N;
  net->N      = N;
  net->kind   = sp->kind;
  net->nastro = sp->nastro;
  net->hash   = sp->hash;
  net->nsyn   = sp->nsyn;
  net->dense  = sp->col ? PETSC_FALSE : PETSC_TRUE;
  PetscCall(PetscStrncpy(net->describe, sp->describe, sizeof(net->describe)));

  /* who owns which neuron */
  PetscCall(PetscMalloc1(N, &rankof));
  PetscCall(PetscMalloc4(size + 1, &count, N, &lidx, N, &lsoff, size + 1, &natrange));
  PetscCall(TpPartitionBlock(sp, size, rankof));
  for (PetscMPIInt r = 0; r <= size; r++) natrange[r] = 0;
  for (PetscInt g = 0; g < N; g++) natrange[rankof[g] + 1]++;
  for (PetscMPIInt r = 0; r < size; r++) natrange[r + 1] += natrange[r];
  if (net->partition[0]) {
    PetscErrorCode ierr = TpPartitionLoad(comm, net->partition, sp, size, rankof);
    if (ierr) {
      PetscCall(PetscFree(rankof));
      PetscCall(PetscFree4(count, lidx, lsoff, natrange));
      PetscCall(TpNetSpecDestroy(&sp));
      PetscCall(ierr);
    }
  }
  for (PetscMPIInt r = 0; r <= size; r++) count[r] = 0;
  {
    PetscInt *soff;
    PetscCall(PetscCalloc1(size, &soff));
    for (PetscInt g = 0; g < N; g++) {
      const PetscMPIInt r = rankof[g];
      lidx[g]             = count[r]++;
      lsoff[g]            = soff[r];
      soff[r] += sp->rowptr[g + 1] - sp->rowptr[g];
      if (g < natrange[r] || g >= natrange[r + 1]) permuted = PETSC_TRUE;
    }
    PetscCall(PetscFree(soff));
  }
  net->nloc   = count[rank];
  net->rstart = 0;
  for (PetscMPIInt r = 0; r < rank; r++) net->rstart += count[r];
  if (permuted) {
    PetscCall(PetscMalloc1(net->nloc, &net->gid));
    for (PetscInt g = 0; g < N; g++)
      if (rankof[g] == rank) net->gid[lidx[g]] = g;
  }

  /* local rows and column slots */
  PetscCall(PetscMalloc1(net->nloc + 1, &net->rowptr));
  net->rowptr[0] = 0;
  for (PetscInt i = 0; i < net->nloc; i++) {
    const PetscInt g   = TpNetworkGid(net, i);
    net->rowptr[i + 1] = net->rowptr[i] + sp->rowptr[g + 1] - sp->rowptr[g];
  }
  net->nsyn_loc = net->rowptr[net->nloc];
  if (net->dense) {
    net->ncol = N;
    PetscCall(PetscMalloc1(N, &net->colgid));
    for (PetscInt j = 0; j < N; j++) net->colgid[j] = j;
  } else {
    PetscInt n = (PetscInt)net->nsyn_loc;
    PetscCall(PetscMalloc1(net->nsyn_loc + 1, &net->col));
    PetscCall(PetscMalloc1(net->nsyn_loc + 1, &net->colgid));
    for (PetscInt i = 0; i < net->nloc; i++) {
      const PetscInt g = TpNetworkGid(net, i);
      PetscCall(
          PetscArraycpy(net->colgid + net->rowptr[i], sp->col + sp->rowptr[g], sp->rowptr[g + 1] - sp->rowptr[g]));
    }
    PetscCall(PetscSortRemoveDupsInt(&n, net->colgid));
    net->ncol = n;
    for (PetscInt i = 0; i < net->nloc; i++) {
      const PetscInt g = TpNetworkGid(net, i);
      for (PetscInt k = 0; k < sp->rowptr[g + 1] - sp->rowptr[g]; k++) {
        PetscInt slot;
        PetscCall(PetscFindInt(sp->col[sp->rowptr[g] + k], n, net->colgid, &slot));
        net->col[net->rowptr[i] + k] = slot;
      }
    }
  }
  PetscCall(PetscSFCreate(comm, &net->sf));
  if (net->dense && !permuted) {
    PetscLayout layout;
    PetscCall(PetscLayoutCreateFromSizes(comm, net->nloc, N, 1, &layout));
    PetscCall(PetscSFSetGraphWithPattern(net->sf, layout, PETSCSF_PATTERN_ALLGATHER));
    PetscCall(PetscLayoutDestroy(&layout));
  } else {
    PetscSFNode *remote;
    PetscCall(PetscMalloc1(net->ncol, &remote));
    for (PetscInt c = 0; c < net->ncol; c++) {
      remote[c].rank  = rankof[net->colgid[c]];
      remote[c].index = lidx[net->colgid[c]];
    }
    PetscCall(PetscSFSetGraph(net->sf, net->nloc, net->ncol, NULL, PETSC_OWN_POINTER, remote, PETSC_OWN_POINTER));
  }
  PetscCall(PetscSFSetUp(net->sf));
  net->max_row_nnz = 0;
  for (PetscInt i = 0; i < net->nloc; i++)
    net->max_row_nnz = PetscMax(net->max_row_nnz, net->rowptr[i + 1] - net->rowptr[i]);
  {
    long long n = (long long)net->nsyn_loc, off = 0;
    PetscCallMPI(MPI_Exscan(&n, &off, 1, MPI_LONG_LONG, MPI_SUM, comm));
    net->syn_start = rank ? (PetscCount)off : 0;
  }

  /* natural order: this rank's block of natural ids, and the SFs to it */
  net->nat_rstart    = natrange[rank];
  net->nat_nloc      = natrange[rank + 1] - natrange[rank];
  net->nat_syn_start = sp->rowptr[natrange[rank]];
  net->nat_nsyn      = sp->rowptr[natrange[rank + 1]] - sp->rowptr[natrange[rank]];
  if (permuted) {
    PetscInt *idx, *synrange;
    PetscCall(PetscMalloc2(PetscMax(net->nloc, (PetscInt)net->nsyn_loc) + 1, &idx, size + 1, &synrange));
    for (PetscMPIInt r = 0; r <= size; r++) synrange[r] = sp->rowptr[natrange[r]];
    for (PetscInt i = 0; i < net->nloc; i++) idx[i] = net->gid[i];
    PetscCall(NaturalSF(comm, net->nloc, idx, natrange, net->nat_nloc, &net->natrow));
    for (PetscInt i = 0; i < net->nloc; i++)
      for (PetscInt q = net->rowptr[i]; q < net->rowptr[i + 1]; q++)
        idx[q] = sp->rowptr[net->gid[i]] + q - net->rowptr[i];
    PetscCall(NaturalSF(comm, (PetscInt)net->nsyn_loc, idx, synrange, (PetscInt)net->nat_nsyn, &net->natsyn));
    PetscCall(PetscFree2(idx, synrange));
  }

  /* morphology: the sheet in natural order is a stencil; anything else becomes adjacency lists */
  net->stencil = (PetscBool)(sp->sheet && !permuted);
  if (sp->nastro > 0 && !net->stencil) {
    PetscInt *remote_nat = NULL, nremote = 0, cap = 0, buf[4];
    PetscSFNode *iremote;
    PetscCall(PetscMalloc1(net->nsyn_loc + 1, &net->mptr));
    PetscCall(PetscMalloc1(net->nsyn_loc + 1, &net->gptr));
    /* pass 1: count, and collect the natural ids of remote neighbours */
    for (int pass = 0; pass < 2; pass++) {
      PetscInt nm = 0, ng = 0;
      for (PetscInt i = 0; i < net->nloc; i++) {
        const PetscInt g = TpNetworkGid(net, i);
        for (PetscInt q = net->rowptr[i]; q < net->rowptr[i + 1]; q++) {
          const PetscInt s = sp->rowptr[g] + q - net->rowptr[i];
          const PetscInt *nb, *gp;
          PetscInt n, ngap;
          TpNetSpecNeighbours(sp, s, buf, &nb, &n, &gp, &ngap);
          if (pass == 0) {
            net->mptr[q] = nm;
            net->gptr[q] = ng;
          }
          for (int kind = 0; kind < 2; kind++) {
            const PetscInt *list = kind ? gp : nb, len = kind ? ngap : n;
            for (PetscInt e = 0; e < len; e++) {
              const PetscInt t = list[e], row = TpNetSpecRow(sp, t);
              PetscInt slot;
              if (rankof[row] == rank)
                slot = lsoff[row] + t - sp->rowptr[row];
              else if (pass == 0) {
                if (nremote == cap) {
                  cap = cap ? 2 * cap : 1024;
                  PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)cap, &remote_nat));
                }
                remote_nat[nremote++] = t;
                slot                  = -1;
              } else {
                PetscCall(PetscFindInt(t, net->nhalo, remote_nat, &slot));
                slot += (PetscInt)net->nsyn_loc;
              }
              if (pass == 1) {
                if (kind)
                  net->gadj[ng] = slot;
                else
                  net->madj[nm] = slot;
              }
              if (kind)
                ng++;
              else
                nm++;
            }
          }
        }
      }
      if (pass == 0) {
        net->mptr[net->nsyn_loc] = nm;
        net->gptr[net->nsyn_loc] = ng;
        PetscCall(PetscMalloc1(nm + 1, &net->madj));
        PetscCall(PetscMalloc1(ng + 1, &net->gadj));
        net->nhalo = nremote;
        PetscCall(PetscSortRemoveDupsInt(&net->nhalo, remote_nat));
      }
    }
    PetscCall(PetscMalloc1(net->nhalo, &iremote));
    for (PetscInt h = 0; h < net->nhalo; h++) {
      const PetscInt t = remote_nat[h], row = TpNetSpecRow(sp, t);
      iremote[h].rank  = rankof[row];
      iremote[h].index = lsoff[row] + t - sp->rowptr[row];
    }
    PetscCall(PetscFree(remote_nat));
    PetscCall(PetscSFCreate(comm, &net->halo));
    PetscCall(PetscSFSetGraph(net->halo, (PetscInt)net->nsyn_loc, net->nhalo, NULL, PETSC_OWN_POINTER, iremote,
                              PETSC_OWN_POINTER));
    PetscCall(PetscSFSetUp(net->halo));
  }
  PetscCall(PetscFree(rankof));
  PetscCall(PetscFree4(count, lidx, lsoff, natrange));
  PetscCall(TpNetSpecDestroy(&sp));
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
  PetscFunctionBegin;
  *hash = net->hash;
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkGetNaturalSizes(TpNetwork net, TpPer per, PetscCount *nloc, PetscCount *start)
{
  PetscFunctionBegin;
  if (nloc) *nloc = per == TP_PER_NEURON ? net->nat_nloc : net->nat_nsyn;
  if (start) *start = per == TP_PER_NEURON ? net->nat_rstart : net->nat_syn_start;
  PetscFunctionReturn(0);
}

/* Engine order -> natural order (a reduction onto the natural slices) or back (a broadcast from them). */
static PetscErrorCode Reorder(TpNetwork net, TpPer per, MPI_Datatype type, PetscBool tonatural, const void *from,
                              void *to)
{
  PetscSF sf = per == TP_PER_NEURON ? net->natrow : net->natsyn;
  int size;

  PetscFunctionBegin;
  if (!sf) { /* engine order is natural order */
    PetscCallMPI(MPI_Type_size(type, &size));
    PetscCall(PetscMemcpy(to, from, (size_t)size * (per == TP_PER_NEURON ? (size_t)net->nloc : (size_t)net->nsyn_loc)));
  } else if (tonatural) {
    PetscCall(PetscSFReduceBegin(sf, type, from, to, MPI_REPLACE));
    PetscCall(PetscSFReduceEnd(sf, type, from, to, MPI_REPLACE));
  } else {
    PetscCall(PetscSFBcastBegin(sf, type, from, to, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(sf, type, from, to, MPI_REPLACE));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkToNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *loc, void *nat)
{
  PetscFunctionBegin;
  PetscCall(Reorder(net, per, type, PETSC_TRUE, loc, nat));
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkFromNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *nat, void *loc)
{
  PetscFunctionBegin;
  PetscCall(Reorder(net, per, type, PETSC_FALSE, nat, loc));
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkView(TpNetwork net, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "  wiring   %s\n", net->describe));
  if (net->partition[0])
    PetscCall(PetscViewerASCIIPrintf(viewer, "  ranks    neurons as partition file %s assigns\n", net->partition));
  PetscFunctionReturn(0);
}

PetscErrorCode TpNetworkDestroy(TpNetwork *net)
{
  PetscFunctionBegin;
  if (!*net) PetscFunctionReturn(0);
  PetscCall(PetscFree((*net)->gid));
  PetscCall(PetscFree((*net)->rowptr));
  PetscCall(PetscFree((*net)->col));
  PetscCall(PetscFree((*net)->colgid));
  PetscCall(PetscSFDestroy(&(*net)->sf));
  PetscCall(PetscSFDestroy(&(*net)->natrow));
  PetscCall(PetscSFDestroy(&(*net)->natsyn));
  PetscCall(PetscFree((*net)->mptr));
  PetscCall(PetscFree((*net)->madj));
  PetscCall(PetscFree((*net)->gptr));
  PetscCall(PetscFree((*net)->gadj));
  PetscCall(PetscSFDestroy(&(*net)->halo));
  PetscCall(PetscFree(*net));
  PetscFunctionReturn(0);
}
