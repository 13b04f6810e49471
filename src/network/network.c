/* Distribution of the network description (tpnetspec.h) over the ranks: owned rows, column slots
   and the ghost SF of presynaptic rates, natural-order SFs for files, and the morphology of the
   local processes as adjacency lists with a halo SF (or the sheet's stencil). */
#include "networkimpl.h"
#include <tppartition.h>
#include <tph5.h>
#include <tputil.h>
#include <petscis.h>

/*@C
  TpNetworkCreate - Creates a network (500 neurons, all-to-all, seed 1 until options or setters say otherwise)

  Collective

  Input Parameter:
. comm - the ranks that share the network

  Output Parameter:
. net - the network

.seealso: `TpNetworkSetFromOptions()`, `TpNetworkSetUp()`, `TpNetworkDestroy()`
@*/
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

/*@C
  TpNetworkSetSize - Sets the default number of neurons (-N overrides it; a network file sets its own)

  Logically Collective

  Input Parameters:
+ net - the network
- N   - neurons

.seealso: `TpNetworkGetSize()`
@*/
PetscErrorCode TpNetworkSetSize(TpNetwork net, PetscInt N)
{
  PetscFunctionBegin;
  net->N = N;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkSetGroups - Splits each of consecutive groups of neurons over the ranks, instead of the whole

  Logically Collective

  Input Parameters:
+ net   - the network, before TpNetworkSetUp()
. n     - groups (0: the whole network is one)
- sizes - neurons in each, natural ids in order; they add up to the network's size

  Notes:
  Without a partition file rank r then owns the r-th block of every group, so that groups whose
  neurons cost differently (M4's populations of different neuron types) are spread evenly.

.seealso: `TpNetworkSetUp()`, `TpModelGetOwnNeurons()`
@*/
PetscErrorCode TpNetworkSetGroups(TpNetwork net, PetscInt n, const PetscInt sizes[])
{
  PetscFunctionBegin;
  PetscCall(PetscFree(net->group));
  net->ngroups = n;
  if (n > 0) {
    PetscCall(PetscMalloc1(n, &net->group));
    PetscCall(PetscArraycpy(net->group, sizes, n));
  }
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkSetConnectivity - Sets the default generator (-connectivity overrides it)

  Logically Collective

  Input Parameters:
+ net  - the network, before TpNetworkSetUp()
- kind - the generator (TP_CONNECT_NONE: neurons only, for a model that wires its own synapses)

.seealso: `TpNetworkGetConnectivity()`
@*/
PetscErrorCode TpNetworkSetConnectivity(TpNetwork net, TpConnectivity kind)
{
  PetscFunctionBegin;
  net->kind = kind;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkSetSeed - Sets the seed of the random streams (wiring, positions; patterns take it too)

  Logically Collective

  Input Parameters:
+ net  - the network, before TpNetworkSetUp()
- seed - the seed; overrides -seed when called after TpNetworkSetFromOptions()

.seealso: `TpNetworkGetSeed()`
@*/
PetscErrorCode TpNetworkSetSeed(TpNetwork net, PetscInt seed)
{
  PetscFunctionBegin;
  PetscCheck(!net->setup, net->comm, PETSC_ERR_ORDER, "TpNetworkSetSeed() after TpNetworkSetUp()");
  net->seed = seed;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkSetFromOptions - Reads -seed and -partition; the description's own options (-N,
  -connectivity, -degree, -network_file, -spatial_*) are read at set-up

  Collective

  Input Parameter:
. net - the network

  Options Database Keys:
+ -seed <1>         - seed of the random streams (patterns, cue, wiring, positions)
- -partition <file> - partition file (`tripart partition`): which rank owns which neurons

.seealso: `TpNetworkSetUp()`, `TpNetSpecCreateFromOptions()`
@*/
PetscErrorCode TpNetworkSetFromOptions(TpNetwork net)
{
  PetscBool help;

  PetscFunctionBegin;
  PetscOptionsBegin(net->comm, NULL, "Network options", "TpNetwork");
  PetscCall(PetscOptionsInt("-seed", "Seed of the random streams (patterns, cue, wiring, positions)", "", net->seed,
                            &net->seed, NULL));
  PetscCall(PetscOptionsString("-partition", "Partition file (`tripart partition`): which rank owns which neurons", "",
                               net->partition, net->partition, sizeof(net->partition), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) PetscCall(TpNetSpecHelp(net->comm, net->N)); /* read at set-up, which -help does not reach */
  PetscFunctionReturn(0);
}

static PetscLogEvent TP_EVENT_NETWORK_SETUP; /* -log_view: the network's set-up (jobs/scaling.sbatch) */

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

/* The row of local row i in the description: blocks and whole ones by natural id, a migrated one by position. */
static inline PetscInt SpecRow(TpNetwork net, const TpNetSpec *sp, PetscInt i)
{
  return sp->gid ? i : TpNetworkGid(net, i) - sp->rstart;
}

/*@C
  TpNetworkSetUp - Builds the description, assigns neurons to ranks and builds the communication plans

  Collective

  Input Parameter:
. net - the network

  Notes:
  The all, random and spatial generators build only this rank's block of natural ids, and network files
  are read by hyperslabs of it; a partition file or groups then move the rows to their owners
  (TpNetSpecMigrate()), with arrays of N entries for who owns which neuron (O(N), not O(synapses)).
  Only `none`, and all or random on one rank, are built whole.

.seealso: `TpNetworkGetRows()`, `TpNetworkGetMorphology()`, `TpNetworkGetGhostSF()`
@*/
PetscErrorCode TpNetworkSetUp(TpNetwork net)
{
  MPI_Comm comm = net->comm;
  PetscMPIInt size, rank, *rankof = NULL;
  PetscInt *count, *lidx = NULL, *lsoff = NULL, *natrange, N;
  PetscInt64 *natptr = NULL; /* with rankof: the natural offset of every neuron's synapses (N+1) */
  PetscBool permuted = PETSC_FALSE;
  TpNetSpec *sp;

  PetscFunctionBegin;
  if (net->setup) PetscFunctionReturn(0);
  if (!TP_EVENT_NETWORK_SETUP)
    PetscCall(PetscLogEventRegister("TpNetworkSetUp", PETSC_OBJECT_CLASSID, &TP_EVENT_NETWORK_SETUP));
  PetscCall(PetscLogEventBegin(TP_EVENT_NETWORK_SETUP, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* the generators that can, and network files, build or read only this rank's block of rows (a
     sliced description); a partition file or groups then move them to their owners */
  PetscCall(TpNetSpecCreateFromOptions(comm, net->N, net->kind, net->seed, PETSC_TRUE, &sp));
  N           = sp->N;
  net->N      = N;
  net->kind   = sp->kind;
  net->nastro = sp->nastro;
  net->hash   = sp->hash;
  net->nsyn   = sp->nsyn_global;
  net->dense  = sp->col ? PETSC_FALSE : PETSC_TRUE;
  PetscCall(PetscStrncpy(net->describe, sp->describe, sizeof(net->describe)));

  /* who owns which neuron: blocks of natural ids (natrange), unless groups or a partition file
     permute them (rankof, lidx, lsoff and natptr: O(N), not O(synapses)) */
  PetscCall(PetscMalloc2(size + 1, &count, size + 1, &natrange));
  TpPartitionBlockRanges(N, size, natrange);
  if (sp->sliced && !net->partition[0] && net->ngroups <= 1) {
    net->nloc   = sp->nrows;
    net->rstart = sp->rstart;
  } else {
    PetscCall(PetscMalloc3(N, &rankof, N, &lidx, N, &lsoff));
    PetscCall(PetscMalloc1(N + 1, &natptr));
    if (sp->sliced) { /* the degrees of all neurons, from the blocks */
      PetscMPIInt *cnt, *dsp;
      PetscInt *deg, *mine;
      PetscCall(PetscMalloc4(size, &cnt, size, &dsp, N, &deg, sp->nrows + 1, &mine));
      for (PetscMPIInt r = 0; r < size; r++) {
        cnt[r] = (PetscMPIInt)(natrange[r + 1] - natrange[r]);
        dsp[r] = (PetscMPIInt)natrange[r];
      }
      for (PetscInt i = 0; i < sp->nrows; i++) mine[i] = sp->rowptr[i + 1] - sp->rowptr[i];
      PetscCallMPI(MPI_Allgatherv(mine, (PetscMPIInt)sp->nrows, MPIU_INT, deg, cnt, dsp, MPIU_INT, comm));
      natptr[0] = 0;
      for (PetscInt g = 0; g < N; g++) natptr[g + 1] = natptr[g] + deg[g];
      PetscCall(PetscFree4(cnt, dsp, deg, mine));
    } else
      for (PetscInt g = 0; g <= N; g++) natptr[g] = sp->rowptr[g];
    PetscCall(TpPartitionBlock(sp, size, rankof));
    if (!net->partition[0] && net->ngroups > 1) { /* the r-th block of each group (blocks if -N changed the size) */
      PetscInt total = 0;
      for (PetscInt q = 0; q < net->ngroups; q++) total += net->group[q];
      if (total == N) PetscCall(TpPartitionGroups(net->ngroups, net->group, size, rankof));
    }
    if (net->partition[0]) {
      PetscErrorCode ierr = TpPartitionLoad(comm, net->partition, sp, size, rankof);
      if (ierr) {
        PetscCall(PetscFree3(rankof, lidx, lsoff));
        PetscCall(PetscFree(natptr));
        PetscCall(PetscFree2(count, natrange));
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
        soff[r] += (PetscInt)(natptr[g + 1] - natptr[g]);
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
    if (sp->sliced) {
      if (permuted) /* this rank's rows of the partition, from the blocks that built them */
        PetscCall(TpNetSpecMigrate(comm, sp, rankof));
      else { /* the partition is the blocks */
        PetscCall(PetscFree3(rankof, lidx, lsoff));
        PetscCall(PetscFree(natptr));
        net->nloc   = sp->nrows;
        net->rstart = sp->rstart;
      }
    }
  }

  /* local rows and column slots (SpecRow: a local row's in the description) */
  PetscCall(PetscMalloc1(net->nloc + 1, &net->rowptr));
  net->rowptr[0] = 0;
  for (PetscInt i = 0; i < net->nloc; i++) {
    const PetscInt g   = SpecRow(net, sp, i);
    net->rowptr[i + 1] = net->rowptr[i] + sp->rowptr[g + 1] - sp->rowptr[g];
  }
  net->nsyn_loc = net->rowptr[net->nloc];
  if (net->dense) {
    net->ncol = N;
    PetscCall(PetscMalloc1(N, &net->colgid));
    for (PetscInt j = 0; j < N; j++) net->colgid[j] = j;
  } else {
    /* the distinct presynaptic ids, ascending, are the column slots: a bitmap over the ids (N/8 bytes)
       with a count per 64 ids, so that a slot is a count and a popcount (no sort, no search) */
    const PetscInt nw = N / 64 + 1;
    uint64_t *bits;
    PetscInt *before, slot = 0;
    PetscCall(PetscCalloc1(nw, &bits));
    PetscCall(PetscMalloc1(nw, &before));
    for (PetscInt i = 0; i < net->nloc; i++) {
      const PetscInt g = SpecRow(net, sp, i);
      for (PetscInt s = sp->rowptr[g]; s < sp->rowptr[g + 1]; s++) bits[sp->col[s] / 64] |= 1ULL << (sp->col[s] % 64);
    }
    for (PetscInt w = 0; w < nw; w++) {
      before[w] = slot;
      slot += __builtin_popcountll(bits[w]);
    }
    net->ncol = slot;
    PetscCall(PetscMalloc1(net->nsyn_loc + 1, &net->col));
    PetscCall(PetscMalloc1(net->ncol + 1, &net->colgid));
    for (PetscInt w = 0, c = 0; w < nw; w++)
      for (uint64_t b = bits[w]; b; b &= b - 1) net->colgid[c++] = 64 * w + __builtin_ctzll(b);
    for (PetscInt i = 0; i < net->nloc; i++) {
      const PetscInt g = SpecRow(net, sp, i);
      for (PetscInt k = 0; k < sp->rowptr[g + 1] - sp->rowptr[g]; k++) {
        const PetscInt j             = sp->col[sp->rowptr[g] + k];
        net->col[net->rowptr[i] + k] = before[j / 64] + __builtin_popcountll(bits[j / 64] & ((1ULL << (j % 64)) - 1));
      }
    }
    PetscCall(PetscFree(bits));
    PetscCall(PetscFree(before));
  }
  if (net->dense && !permuted) {
    PetscLayout layout;
    PetscCall(PetscSFCreate(comm, &net->sf));
    PetscCall(PetscLayoutCreateFromSizes(comm, net->nloc, N, 1, &layout));
    PetscCall(PetscSFSetGraphWithPattern(net->sf, layout, PETSCSF_PATTERN_ALLGATHER));
    PetscCall(PetscLayoutDestroy(&layout));
  } else if (!rankof) /* blocks: the owner of a column from the ranges */
    PetscCall(NaturalSF(comm, net->ncol, net->colgid, natrange, net->nloc, &net->sf));
  else {
    PetscSFNode *remote;
    PetscCall(PetscSFCreate(comm, &net->sf));
    PetscCall(PetscMalloc1(net->ncol, &remote));
    for (PetscInt c = 0; c < net->ncol; c++) {
      remote[c].rank  = rankof[net->colgid[c]];
      remote[c].index = lidx[net->colgid[c]];
    }
    PetscCall(PetscSFSetGraph(net->sf, net->nloc, net->ncol, NULL, PETSC_OWN_POINTER, remote, PETSC_OWN_POINTER));
  }
  PetscCall(PetscSFSetUp(net->sf));

  /* natural order: this rank's block of natural ids, and the SFs to it */
  net->nat_rstart = natrange[rank];
  net->nat_nloc   = natrange[rank + 1] - natrange[rank];
  if (!natptr) {
    net->nat_syn_start = sp->sstart;
    net->nat_nsyn      = sp->nsyn;
  } else {
    net->nat_syn_start = natptr[natrange[rank]];
    net->nat_nsyn      = natptr[natrange[rank + 1]] - natptr[natrange[rank]];
  }
  if (permuted) {
    PetscInt *idx, *synrange;
    PetscCall(PetscMalloc2(PetscMax(net->nloc, (PetscInt)net->nsyn_loc) + 1, &idx, size + 1, &synrange));
    for (PetscMPIInt r = 0; r <= size; r++) synrange[r] = (PetscInt)natptr[natrange[r]];
    for (PetscInt i = 0; i < net->nloc; i++) idx[i] = net->gid[i];
    PetscCall(NaturalSF(comm, net->nloc, idx, natrange, net->nat_nloc, &net->natrow));
    for (PetscInt i = 0; i < net->nloc; i++)
      for (PetscInt q = net->rowptr[i]; q < net->rowptr[i + 1]; q++)
        idx[q] = (PetscInt)natptr[net->gid[i]] + q - net->rowptr[i];
    PetscCall(NaturalSF(comm, (PetscInt)net->nsyn_loc, idx, synrange, (PetscInt)net->nat_nsyn, &net->natsyn));
    PetscCall(PetscFree2(idx, synrange));
  }

  /* morphology: the sheet in natural order is a stencil; anything else becomes adjacency lists */
  net->stencil = (PetscBool)(sp->sheet && !permuted);
  if (!natptr && sp->nastro > 0 && !net->stencil) {
    /* the rows of the held processes, global ids in madj and gadj: ours become t - sstart, the others
       halo slots in ascending order of their ids (the arrays are taken over and renumbered in place) */
    const PetscCount s0 = sp->sstart, s1 = sp->sstart + sp->nsyn;
    PetscInt *synrange, *remote, nremote = 0;
    net->mptr = sp->mptr;
    net->madj = sp->madj;
    net->gptr = sp->gptr;
    net->gadj = sp->gadj;
    sp->mptr = sp->madj = sp->gptr = sp->gadj = NULL;
    for (int pass = 0; pass < 2; pass++) { /* count, then list, the ids held elsewhere */
      if (pass) PetscCall(PetscMalloc1(nremote + 1, &remote));
      nremote = 0;
      for (int kind = 0; kind < 2; kind++) {
        const PetscInt n   = kind ? net->gptr[net->nsyn_loc] : net->mptr[net->nsyn_loc],
                       *in = kind ? net->gadj : net->madj;
        for (PetscInt q = 0; q < n; q++)
          if (in[q] < s0 || in[q] >= s1) {
            if (pass) remote[nremote] = in[q];
            nremote++;
          }
      }
    }
    PetscCall(PetscSortRemoveDupsInt(&nremote, remote));
    net->nhalo = nremote;
    for (int kind = 0; kind < 2; kind++) {
      const PetscInt n = kind ? net->gptr[net->nsyn_loc] : net->mptr[net->nsyn_loc];
      PetscInt *a      = kind ? net->gadj : net->madj;
      for (PetscInt q = 0; q < n; q++) {
        PetscInt h;
        if (a[q] >= s0 && a[q] < s1)
          a[q] = (PetscInt)(a[q] - s0);
        else {
          PetscCall(PetscFindInt(a[q], nremote, remote, &h));
          a[q] = (PetscInt)net->nsyn_loc + h;
        }
      }
    }
    /* the processes of rank r are synapses synrange[r] .. synrange[r+1]-1 (fewer than 2^31: spatial.c) */
    PetscCall(PetscMalloc1(size + 1, &synrange));
    {
      PetscInt mine = (PetscInt)s0;
      PetscCallMPI(MPI_Allgather(&mine, 1, MPIU_INT, synrange, 1, MPIU_INT, comm));
      synrange[size] = (PetscInt)sp->nsyn_global;
    }
    PetscCall(NaturalSF(comm, nremote, remote, synrange, (PetscInt)net->nsyn_loc, &net->halo));
    PetscCall(PetscFree(synrange));
    PetscCall(PetscFree(remote));
  } else if (sp->nastro > 0 && !net->stencil) {
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
          const PetscInt s = (PetscInt)natptr[g] + q - net->rowptr[i]; /* natural */
          const PetscInt *nb, *gp;
          PetscInt n, ngap;
          /* a migrated description's arrays are by held process (q), the whole one's and the sheet's natural */
          TpNetSpecNeighbours(sp, sp->gid && !sp->sheet ? q : s, buf, &nb, &n, &gp, &ngap);
          if (pass == 0) {
            net->mptr[q] = nm;
            net->gptr[q] = ng;
          }
          for (int kind = 0; kind < 2; kind++) {
            const PetscInt *list = kind ? gp : nb, len = kind ? ngap : n;
            for (PetscInt e = 0; e < len; e++) {
              const PetscInt t = list[e], row = (PetscInt)TpRangeFind(N, natptr, t);
              PetscInt slot;
              if (rankof[row] == rank)
                slot = lsoff[row] + t - (PetscInt)natptr[row];
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
      const PetscInt t = remote_nat[h], row = (PetscInt)TpRangeFind(N, natptr, t);
      iremote[h].rank  = rankof[row];
      iremote[h].index = lsoff[row] + t - (PetscInt)natptr[row];
    }
    PetscCall(PetscFree(remote_nat));
    PetscCall(PetscSFCreate(comm, &net->halo));
    PetscCall(PetscSFSetGraph(net->halo, (PetscInt)net->nsyn_loc, net->nhalo, NULL, PETSC_OWN_POINTER, iremote,
                              PETSC_OWN_POINTER));
    PetscCall(PetscSFSetUp(net->halo));
  }
  PetscCall(PetscFree3(rankof, lidx, lsoff));
  PetscCall(PetscFree(natptr));
  PetscCall(PetscFree2(count, natrange));
  PetscCall(TpNetSpecDestroy(&sp));
  net->setup = PETSC_TRUE;
  PetscCall(PetscLogEventEnd(TP_EVENT_NETWORK_SETUP, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetComm - The communicator of the network

  Not Collective

  Input Parameter:
. net - the network

  Output Parameter:
. comm - its communicator

.seealso: `TpNetworkCreate()`
@*/
PetscErrorCode TpNetworkGetComm(TpNetwork net, MPI_Comm *comm)
{
  PetscFunctionBegin;
  *comm = net->comm;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetSize - The number of neurons (after set-up: the network's own)

  Not Collective

  Input Parameter:
. net - the network

  Output Parameter:
. N - neurons

.seealso: `TpNetworkSetSize()`
@*/
PetscErrorCode TpNetworkGetSize(TpNetwork net, PetscInt *N)
{
  PetscFunctionBegin;
  *N = net->N;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetSeed - The seed of the random streams

  Not Collective

  Input Parameter:
. net - the network

  Output Parameter:
. seed - the seed

.seealso: `TpNetworkSetSeed()`
@*/
PetscErrorCode TpNetworkGetSeed(TpNetwork net, PetscInt *seed)
{
  PetscFunctionBegin;
  *seed = net->seed;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetRows - The local rows of the synapse matrix, as read-only views

  Not Collective

  Input Parameter:
. net - the network, set up

  Output Parameter:
. rows - sizes, row offsets, column slots and the natural ids of rows and column slots

  Notes:
  The arrays belong to the network and live as long as it does.

.seealso: `TpNetworkRows`, `TpNetworkGetGhostSF()`, `TpNetworkGetMorphology()`
@*/
PetscErrorCode TpNetworkGetRows(TpNetwork net, TpNetworkRows *rows)
{
  PetscFunctionBegin;
  PetscCheck(net->setup, net->comm, PETSC_ERR_ORDER, "TpNetworkGetRows() before TpNetworkSetUp()");
  rows->N        = net->N;
  rows->nloc     = net->nloc;
  rows->rstart   = net->rstart;
  rows->gid      = net->gid;
  rows->rowptr   = net->rowptr;
  rows->col      = net->dense ? NULL : net->col;
  rows->ncol     = net->ncol;
  rows->colgid   = net->colgid;
  rows->nsyn_loc = net->nsyn_loc;
  rows->nsyn     = net->nsyn;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetMorphology - The links between the local processes and to the halo, as read-only views

  Not Collective

  Input Parameter:
. net - the network, set up

  Output Parameter:
. morph - astrocyte count, stencil flag, adjacency lists and the halo SF

.seealso: `TpNetworkMorphology`, `TpNetworkGetRows()`
@*/
PetscErrorCode TpNetworkGetMorphology(TpNetwork net, TpNetworkMorphology *morph)
{
  PetscFunctionBegin;
  PetscCheck(net->setup, net->comm, PETSC_ERR_ORDER, "TpNetworkGetMorphology() before TpNetworkSetUp()");
  morph->nastro  = net->nastro;
  morph->stencil = net->stencil;
  morph->mptr    = net->mptr;
  morph->madj    = net->madj;
  morph->gptr    = net->gptr;
  morph->gadj    = net->gadj;
  morph->nhalo   = net->nhalo;
  morph->halo    = net->halo;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetGhostSF - The star forest that brings presynaptic values to the column slots

  Not Collective

  Input Parameter:
. net - the network, set up

  Output Parameter:
. sf - roots: the owned rows; leaves: the column slots (`TpNetworkRows`); owned by the network

.seealso: `TpNetworkGetRows()`
@*/
PetscErrorCode TpNetworkGetGhostSF(TpNetwork net, PetscSF *sf)
{
  PetscFunctionBegin;
  *sf = net->sf;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetConnectivity - How the network was made: "all", "random", "spatial", "file" or "none"

  Not Collective

  Input Parameter:
. net - the network, set up

  Output Parameter:
. name - the generator's name

.seealso: `TpNetSpecCreateFromOptions()`
@*/
PetscErrorCode TpNetworkGetConnectivity(TpNetwork net, const char **name)
{
  PetscFunctionBegin;
  *name = TpConnectivities[net->kind];
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetPartition - The partition file the neurons are distributed by, or "" for blocks

  Not Collective

  Input Parameter:
. net - the network

  Output Parameter:
. file - the -partition file or ""

.seealso: `TpPartitionLoad()`
@*/
PetscErrorCode TpNetworkGetPartition(TpNetwork net, const char **file)
{
  PetscFunctionBegin;
  *file = net->partition;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkFingerprint - A 64-bit hash of the whole network (synapses and morphology), the same on any number of ranks

  Not Collective

  Input Parameter:
. net - the network, set up

  Output Parameter:
. hash - the fingerprint

.seealso: `TpPatternsFingerprint()`
@*/
PetscErrorCode TpNetworkFingerprint(TpNetwork net, uint64_t *hash)
{
  PetscFunctionBegin;
  *hash = net->hash;
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkGetNaturalSizes - This rank's slice of natural order, for files

  Not Collective

  Input Parameters:
+ net - the network
- per - `TP_PER_NEURON` or `TP_PER_SYNAPSE`

  Output Parameters:
+ nloc  - entities in this rank's slice
- start - natural index of its first

.seealso: `TpNetworkToNatural()`, `TpNetworkFromNatural()`
@*/
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
    if (!size) PetscFunctionReturn(0);
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

/*@C
  TpNetworkToNatural - Moves per-neuron or per-synapse values from engine order to natural order

  Collective

  Input Parameters:
+ net  - the network
. per  - `TP_PER_NEURON` or `TP_PER_SYNAPSE`
. type - the MPI type of one entity's values (e.g. MPI_DOUBLE, or a contiguous type of several)
- loc  - the local values, engine order

  Output Parameter:
. nat - this rank's slice of natural order (`TpNetworkGetNaturalSizes()` entities)

.seealso: `TpNetworkFromNatural()`
@*/
PetscErrorCode TpNetworkToNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *loc, void *nat)
{
  PetscFunctionBegin;
  PetscCall(Reorder(net, per, type, PETSC_TRUE, loc, nat));
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkFromNatural - Moves per-neuron or per-synapse values from natural order to engine order

  Collective

  Input Parameters:
+ net  - the network
. per  - `TP_PER_NEURON` or `TP_PER_SYNAPSE`
. type - the MPI type of one entity's values
- nat  - this rank's slice of natural order

  Output Parameter:
. loc - the local values, engine order

.seealso: `TpNetworkToNatural()`
@*/
PetscErrorCode TpNetworkFromNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *nat, void *loc)
{
  PetscFunctionBegin;
  PetscCall(Reorder(net, per, type, PETSC_FALSE, nat, loc));
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkWriteAttributes - Writes what identifies the network as root attributes of a file:
  `neurons`, `synapses`, `processes`, `seed`, `connectivity`, `network_hash` (`TpNetworkFingerprint()`,
  as a signed 64-bit integer)

  Collective

  Input Parameters:
+ net - the network
- loc - the file (or group)

.seealso: `TpNetworkWriteSynapses()`
@*/
PetscErrorCode TpNetworkWriteAttributes(TpNetwork net, hid_t loc)
{
  PetscFunctionBegin;
  PetscCall(TpH5WriteAttrInt(loc, "neurons", net->N));
  PetscCall(TpH5WriteAttrInt(loc, "synapses", (long long)net->nsyn));
  PetscCall(TpH5WriteAttrInt(loc, "processes", (long long)net->nsyn));
  PetscCall(TpH5WriteAttrInt(loc, "seed", net->seed));
  PetscCall(TpH5WriteAttrString(loc, "connectivity", TpConnectivities[net->kind]));
  {
    uint64_t h;
    PetscCall(TpNetworkFingerprint(net, &h));
    PetscCall(TpH5WriteAttrInt(loc, "network_hash", (long long)h));
  }
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkWriteSynapses - Writes the synapse set as /network/indptr and /network/indices (a CSR of
  natural ids, as scipy.sparse.csr_matrix takes it); nothing for all-to-all networks

  Collective

  Input Parameters:
+ net  - the network
- file - the open file

.seealso: `TpNetworkWriteAttributes()`
@*/
PetscErrorCode TpNetworkWriteSynapses(TpNetwork net, hid_t file)
{
  PetscMPIInt rank, size;
  PetscInt *len, *natlen, *cols, *natcols;
  long long *indptr, *indices;
  PetscCount nn, ns, s0, n;
  hid_t g;

  PetscFunctionBegin;
  if (net->dense) PetscFunctionReturn(0);
  PetscCall(TpNetworkGetNaturalSizes(net, TP_PER_NEURON, &nn, NULL));
  PetscCall(TpNetworkGetNaturalSizes(net, TP_PER_SYNAPSE, &ns, &s0));
  PetscCallMPI(MPI_Comm_rank(net->comm, &rank));
  PetscCallMPI(MPI_Comm_size(net->comm, &size));
  PetscCall(PetscMalloc4(net->nloc + 1, &len, nn + 1, &natlen, net->nsyn_loc + 1, &cols, ns + 1, &natcols));
  for (PetscInt i = 0; i < net->nloc; i++) len[i] = net->rowptr[i + 1] - net->rowptr[i];
  for (PetscCount q = 0; q < net->nsyn_loc; q++) cols[q] = net->colgid[net->col[q]];
  PetscCall(TpNetworkToNatural(net, TP_PER_NEURON, MPIU_INT, len, natlen));
  PetscCall(TpNetworkToNatural(net, TP_PER_SYNAPSE, MPIU_INT, cols, natcols));
  n = nn + (rank == size - 1 ? 1 : 0);
  PetscCall(PetscMalloc2(n + 1, &indptr, ns + 1, &indices));
  indptr[0] = (long long)s0;
  for (PetscCount i = 1; i < n; i++) indptr[i] = indptr[i - 1] + natlen[i - 1];
  for (PetscCount q = 0; q < ns; q++) indices[q] = natcols[q];
  PetscCall(TpH5CreateGroup(file, "network", &g));
  PetscCall(TpH5WriteDistributed(net->comm, g, "indptr", H5T_NATIVE_LLONG, H5T_STD_I64LE, n, 0, indptr));
  PetscCall(TpH5WriteDistributed(net->comm, g, "indices", H5T_NATIVE_LLONG, H5T_STD_I64LE, ns, 0, indices));
  PetscCallH5(H5Gclose(g));
  PetscCall(PetscFree2(indptr, indices));
  PetscCall(PetscFree4(len, natlen, cols, natcols));
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkView - Prints the wiring and, with a partition file, how neurons are assigned

  Collective

  Input Parameters:
+ net    - the network
- viewer - an ASCII viewer

.seealso: `TpNetworkCreate()`
@*/
PetscErrorCode TpNetworkView(TpNetwork net, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "  wiring   %s\n", net->describe));
  if (net->partition[0])
    PetscCall(PetscViewerASCIIPrintf(viewer, "  ranks    neurons as partition file %s assigns\n", net->partition));
  else if (net->ngroups > 1)
    PetscCall(PetscViewerASCIIPrintf(viewer, "  ranks    each population split into blocks over the ranks\n"));
  PetscFunctionReturn(0);
}

/*@C
  TpNetworkDestroy - Destroys a network

  Collective

  Input Parameter:
. net - the network (may be NULL); set to NULL

.seealso: `TpNetworkCreate()`
@*/
PetscErrorCode TpNetworkDestroy(TpNetwork *net)
{
  PetscFunctionBegin;
  if (!*net) PetscFunctionReturn(0);
  PetscCall(PetscFree((*net)->gid));
  PetscCall(PetscFree((*net)->group));
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
