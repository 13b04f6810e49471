/* Partitions of a network over ranks: blocks, or a graph partition through MatPartitioning. */
#include <tppartition.h>
#include <tpcli.h>
#include <tph5.h>
#include <tputil.h>
#include <petscmat.h>

/*@C
  TpPartitionBlock - The block partition: neuron g to the rank of its block of natural ids

  Not Collective

  Input Parameters:
+ spec   - the description
- nparts - ranks

  Output Parameter:
. rankof - N ranks

.seealso: `TpPartitionGraph()`
@*/
PetscErrorCode TpPartitionBlock(const TpNetSpec *spec, PetscInt nparts, PetscMPIInt *rankof)
{
  PetscFunctionBegin;
  PetscCall(TpPartitionGroups(1, &spec->N, nparts, rankof));
  PetscFunctionReturn(0);
}

/*@C
  TpPartitionBlockRanges - The block partition as ranges of natural ids, without an array over the neurons

  Not Collective

  Input Parameters:
+ N      - neurons
- nparts - ranks

  Output Parameter:
. ranges - nparts+1 entries: part r holds natural ids ranges[r] .. ranges[r+1]-1 (as `TpPartitionBlock()`)

.seealso: `TpPartitionBlock()`
@*/
void TpPartitionBlockRanges(PetscInt N, PetscInt nparts, PetscInt ranges[])
{
  ranges[0] = 0;
  for (PetscInt r = 0; r < nparts; r++) ranges[r + 1] = ranges[r] + N / nparts + (r < N % nparts);
}

/*@C
  TpPartitionGroups - The block partition of each of consecutive groups of natural ids: rank r owns the
  r-th block of every group

  Not Collective

  Input Parameters:
+ ngroups - groups
. sizes   - neurons in each
- nparts  - ranks

  Output Parameter:
. rankof - the sum of sizes ranks

.seealso: `TpPartitionBlock()`, `TpNetworkSetGroups()`
@*/
PetscErrorCode TpPartitionGroups(PetscInt ngroups, const PetscInt sizes[], PetscInt nparts, PetscMPIInt *rankof)
{
  PetscFunctionBegin;
  for (PetscInt q = 0, g = 0; q < ngroups; q++) {
    const PetscInt base = sizes[q] / nparts, extra = sizes[q] % nparts;
    for (PetscInt r = 0; r < nparts; r++)
      for (PetscInt k = 0; k < base + (r < extra); k++) rankof[g++] = (PetscMPIInt)r;
  }
  PetscFunctionReturn(0);
}

/* The neuron graph: a and b are linked when a synapse joins them or processes of their rows are
   adjacent; the weight counts such links (what would cross ranks if a and b were apart). */
static PetscErrorCode NeuronGraph(const TpNetSpec *sp, PetscInt **ptr, PetscInt **adj, PetscInt **wgt)
{
  const PetscInt N = sp->N;
  PetscInt *p, *a, *fill, buf[4];

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(N + 1, &p));
  for (int pass = 0; pass < 2; pass++) {
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) {
        const PetscInt j = TpNetSpecCol(sp, s, i), *nb, *gp;
        PetscInt n, ng;
        if (j != i) {
          if (pass == 0) {
            p[i + 1]++;
            p[j + 1]++;
          } else {
            a[fill[i]++] = j;
            a[fill[j]++] = i;
          }
        }
        TpNetSpecNeighbours(sp, s, buf, &nb, &n, &gp, &ng);
        for (int kind = 0; kind < 2; kind++)
          for (PetscInt e = 0; e < (kind ? ng : n); e++) {
            const PetscInt t = kind ? gp[e] : nb[e], row = TpNetSpecRow(sp, t);
            if (row == i) continue;
            if (pass == 0)
              p[i + 1]++;
            else
              a[fill[i]++] = row; /* the reverse link comes from t's own list */
          }
      }
    if (pass == 0) {
      for (PetscInt i = 0; i < N; i++) p[i + 1] += p[i];
      PetscCall(PetscMalloc1(p[N] + 1, &a));
      PetscCall(PetscMalloc1(N, &fill));
      for (PetscInt i = 0; i < N; i++) fill[i] = p[i];
    }
  }
  PetscCall(PetscFree(fill));
  /* merge repeated neighbours into weights */
  PetscCall(PetscMalloc1(p[N] + 1, wgt));
  {
    PetscInt w = 0, start = 0;
    for (PetscInt i = 0; i < N; i++) {
      const PetscInt end = p[i + 1];
      PetscCall(PetscSortInt(end - start, a + start));
      p[i] = w;
      for (PetscInt q = start; q < end; q++) {
        if (q > start && a[q] == a[q - 1])
          (*wgt)[w - 1]++;
        else {
          a[w]        = a[q];
          (*wgt)[w++] = 1;
        }
      }
      start = end;
    }
    p[N] = w;
  }
  *ptr = p;
  *adj = a;
  PetscFunctionReturn(0);
}

/*@C
  TpPartitionGraph - A graph partition of the neurons (MatPartitioning, PT-Scotch by default)

  Collective

  Input Parameters:
+ comm   - the ranks
. sp     - the description
- nparts - the parts

  Output Parameter:
. rankof - N ranks

  Options Database Key:
. -partitioner_type <ptscotch> - the MatPartitioning type

  Notes:
  Vertices are weighted by their synapses; edges by what crosses ranks when their ends are apart: a
  presynaptic rate per synapse, a calcium value per process link or gap junction.

.seealso: `TpPartitionBlock()`, `TpPartitionStatistics()`
@*/
PetscErrorCode TpPartitionGraph(MPI_Comm comm, const TpNetSpec *sp, PetscInt nparts, PetscMPIInt *rankof)
{
  PetscInt *p = NULL, *a = NULL, *w = NULL, *ia, *ja, *val, *vw, rstart, nloc;
  PetscMPIInt size, rank;
  PetscLayout layout;
  MatPartitioning part;
  Mat adj;
  IS is, all;
  const PetscInt *parts;

  PetscFunctionBegin;
  if (nparts == 1) {
    for (PetscInt g = 0; g < sp->N; g++) rankof[g] = 0;
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(NeuronGraph(sp, &p, &a, &w));
  PetscCall(PetscLayoutCreateFromSizes(comm, PETSC_DECIDE, sp->N, 1, &layout));
  PetscCall(PetscLayoutGetRange(layout, &rstart, NULL));
  PetscCall(PetscLayoutGetLocalSize(layout, &nloc));
  /* this rank's rows of the graph, in arrays MatMPIAdj takes over */
  PetscCall(PetscMalloc1(nloc + 1, &ia));
  PetscCall(PetscMalloc1(p[rstart + nloc] - p[rstart] + 1, &ja));
  PetscCall(PetscMalloc1(p[rstart + nloc] - p[rstart] + 1, &val));
  PetscCall(PetscMalloc1(nloc + 1, &vw));
  for (PetscInt i = 0; i <= nloc; i++) ia[i] = p[rstart + i] - p[rstart];
  for (PetscInt q = p[rstart]; q < p[rstart + nloc]; q++) {
    ja[q - p[rstart]]  = a[q];
    val[q - p[rstart]] = w[q];
  }
  for (PetscInt i = 0; i < nloc; i++)
    vw[i] = 1 + sp->rowptr[rstart + i + 1] - sp->rowptr[rstart + i]; /* work ~ synapses */
  PetscCall(PetscFree(p));
  PetscCall(PetscFree(a));
  PetscCall(PetscFree(w));
  PetscCall(MatCreateMPIAdj(comm, nloc, sp->N, ia, ja, val, &adj));
  PetscCall(MatPartitioningCreate(comm, &part));
  PetscCall(MatPartitioningSetAdjacency(part, adj));
  PetscCall(MatPartitioningSetNParts(part, nparts));
  PetscCall(MatPartitioningSetVertexWeights(part, vw));
  PetscCall(MatPartitioningSetUseEdgeWeights(part, PETSC_TRUE));
  PetscCall(MatPartitioningSetType(part, MATPARTITIONINGPTSCOTCH));
  PetscCall(PetscObjectSetOptionsPrefix((PetscObject)part, "partitioner_"));
  PetscCall(MatPartitioningSetFromOptions(part));
  PetscCall(MatPartitioningApply(part, &is));
  PetscCall(ISAllGather(is, &all));
  PetscCall(ISGetIndices(all, &parts));
  for (PetscInt g = 0; g < sp->N; g++) rankof[g] = (PetscMPIInt)parts[g];
  PetscCall(ISRestoreIndices(all, &parts));
  PetscCall(ISDestroy(&all));
  PetscCall(ISDestroy(&is));
  PetscCall(MatPartitioningDestroy(&part));
  PetscCall(MatDestroy(&adj));
  PetscCall(PetscLayoutDestroy(&layout));
  PetscFunctionReturn(0);
}

/*@C
  TpPartitionStatistics - What each rank of a partition owns and receives per right-hand side

  Not Collective

  Input Parameters:
+ sp     - the description
. nparts - the parts
- rankof - the rank of each neuron

  Output Parameter:
. st - nparts entries: neurons, synapses, ghost neurons, halo processes

.seealso: `TpPartitionGraph()`
@*/
PetscErrorCode TpPartitionStatistics(const TpNetSpec *sp, PetscInt nparts, const PetscMPIInt *rankof, TpPartStats *st)
{
  PetscMPIInt *gstamp, *hstamp, *prow, *pstamp;
  PetscInt buf[4], *start, *order;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(st, nparts));
  PetscCall(PetscMalloc3(sp->N, &gstamp, sp->nsyn + 1, &hstamp, sp->nsyn + 1, &prow));
  PetscCall(PetscMalloc1(nparts, &pstamp));
  for (PetscInt r = 0; r < nparts; r++) pstamp[r] = -1;
  PetscCall(PetscCalloc2(nparts + 1, &start, sp->N, &order));
  /* the neurons rank after rank (a counting sort), so that one stamp array serves all ranks */
  for (PetscInt i = 0; i < sp->N; i++) start[rankof[i] + 1]++;
  for (PetscInt r = 0; r < nparts; r++) start[r + 1] += start[r];
  for (PetscInt i = 0; i < sp->N; i++) order[start[rankof[i]]++] = i;
  for (PetscInt g = 0; g < sp->N; g++) gstamp[g] = -1;
  for (PetscInt s = 0; s < sp->nsyn; s++) hstamp[s] = -1;
  for (PetscInt i = 0; i < sp->N; i++)
    for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) prow[s] = rankof[i];
  /* a stamp per (neuron or process, rank) pair: each is counted once per receiving rank */
  for (PetscInt k = 0; k < sp->N; k++) {
    const PetscInt i = order[k], r = rankof[i];
    st[r].neurons++;
    st[r].synapses += sp->rowptr[i + 1] - sp->rowptr[i];
    for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) {
      const PetscInt j = TpNetSpecCol(sp, s, i), *nb, *gp;
      PetscInt n, ng;
      if (rankof[j] != r && gstamp[j] != r) {
        gstamp[j] = (PetscMPIInt)r;
        st[r].ghosts++;
        if (pstamp[rankof[j]] != r) pstamp[rankof[j]] = (PetscMPIInt)r, st[r].peers++;
      }
      TpNetSpecNeighbours(sp, s, buf, &nb, &n, &gp, &ng);
      for (int kind = 0; kind < 2; kind++)
        for (PetscInt e = 0; e < (kind ? ng : n); e++) {
          const PetscInt t = kind ? gp[e] : nb[e];
          if (prow[t] != r && hstamp[t] != r) {
            hstamp[t] = (PetscMPIInt)r;
            st[r].halo++;
            if (pstamp[prow[t]] != r) pstamp[prow[t]] = (PetscMPIInt)r, st[r].peers++;
          }
        }
    }
  }
  PetscCall(PetscFree3(gstamp, hstamp, prow));
  PetscCall(PetscFree(pstamp));
  PetscCall(PetscFree2(start, order));
  PetscFunctionReturn(0);
}

/*@C
  TpPartitionLoad - Reads a partition file for this network and rank count

  Collective

  Input Parameters:
+ comm   - the ranks
. path   - the file (option -partition)
. sp     - the network's description
- nparts - the ranks of this run

  Output Parameter:
. rankof - N ranks

  Notes:
  Refused with a message naming the file when it is not a partition file (or of another format
  version), or was made for another network or another rank count.

.seealso: `TpPartitionMain()`
@*/
PetscErrorCode TpPartitionLoad(MPI_Comm comm, const char *path, const TpNetSpec *sp, PetscInt nparts,
                               PetscMPIInt *rankof)
{
  hid_t f, d, s;
  long long v;
  PetscBool found;
  int ok;
  hsize_t n = 0;

  PetscFunctionBegin;
  {
    char why[2 * PETSC_MAX_PATH_LEN + 256];
    PetscCall(TpH5OpenShared(comm, path, H5P_DEFAULT, "partition file", "-partition", why, sizeof(why), &f));
    PetscCheck(!why[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", why);
  }
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "Option -partition: cannot open '%s' as an HDF5 file", path);
#define Refuse(cond, ...)                                                                                              \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      H5Fclose(f);                                                                                                     \
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, __VA_ARGS__);                                                           \
    }                                                                                                                  \
  } while (0)
  {
    char where[PETSC_MAX_PATH_LEN + 32], msg[2 * PETSC_MAX_PATH_LEN + 256];
    PetscCall(PetscSNPrintf(where, sizeof(where), "Option -partition: '%s'", path));
    PetscCall(TpH5CheckSignature(f, &TP_FORMAT_PARTITION, where, msg, sizeof(msg)));
    Refuse(!msg[0], "%s", msg);
  }
  PetscCall(TpH5ReadAttrInt(f, "nparts", &v, &found));
  Refuse(found && v == nparts,
         "Partition file '%s' is for %lld ranks; this run has %" PetscInt_FMT " (make one with `tripart partition "
         "-nparts %" PetscInt_FMT "`)",
         path, found ? v : -1, nparts, nparts);
  PetscCall(TpH5ReadAttrInt(f, "neurons", &v, &found));
  Refuse(found && v == sp->N, "Partition file '%s' is for a network of %lld neurons; this one has %" PetscInt_FMT, path,
         found ? v : -1, sp->N);
  PetscCall(TpH5ReadAttrInt(f, "network_hash", &v, &found));
  Refuse(found && (uint64_t)v == sp->hash,
         "Partition file '%s' was made for another network (its synapses, astrocytes or links differ from this run's "
         "network options)",
         path);
  ok = H5Lexists(f, "rank", H5P_DEFAULT) > 0 && (d = H5Dopen2(f, "rank", H5P_DEFAULT)) >= 0;
  Refuse(ok, "Partition file '%s': dataset /rank is missing", path);
  s  = H5Dget_space(d);
  ok = s >= 0 && H5Sget_simple_extent_ndims(s) == 1;
  if (ok) H5Sget_simple_extent_dims(s, &n, NULL);
  {
    hid_t t = H5Dget_type(d); /* ranks are integers: a float dataset would be rounded without a word */
    ok      = ok && t >= 0 && H5Tget_class(t) == H5T_INTEGER;
    if (t >= 0) H5Tclose(t);
  }
  ok = ok && n == (hsize_t)sp->N && TpH5Read(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, rankof) >= 0;
  if (s >= 0) H5Sclose(s);
  H5Dclose(d);
  Refuse(ok, "Partition file '%s': dataset /rank must hold one rank per neuron (%" PetscInt_FMT " integers)", path,
         sp->N);
  for (PetscInt g = 0; g < sp->N; g++)
    Refuse(rankof[g] >= 0 && rankof[g] < nparts,
           "Partition file '%s': /rank[%" PetscInt_FMT "] = %d is not a rank in [0, %" PetscInt_FMT ")", path, g,
           rankof[g], nparts);
#undef Refuse
  H5Fclose(f);
  PetscFunctionReturn(0);
}

typedef struct {
  const TpNetSpec *sp;
  PetscInt nparts;
  const char *method;
  const PetscMPIInt *rankof;
  const TpPartStats *st;
} PartitionFile;

static PetscErrorCode WritePartition(MPI_Comm comm, hid_t f, void *ctx)
{
  const PartitionFile *p = ctx;
  const char *names[6]   = {
        "rank", "stats_neurons", "stats_synapses", "stats_ghost_neurons", "stats_halo_processes", "stats_peers"};
  int *buf;

  PetscFunctionBegin;
  PetscCall(TpH5WriteSignature(f, &TP_FORMAT_PARTITION));
  PetscCall(TpH5WriteAttrInt(f, "nparts", p->nparts));
  PetscCall(TpH5WriteAttrInt(f, "neurons", p->sp->N));
  PetscCall(TpH5WriteAttrInt(f, "synapses", p->sp->nsyn));
  PetscCall(TpH5WriteAttrInt(f, "network_hash", (long long)p->sp->hash));
  PetscCall(TpH5WriteAttrString(f, "partitioner", p->method));
  PetscCall(TpH5WriteAttrString(f, "network", p->sp->describe));
  PetscCall(PetscMalloc1(PetscMax(p->sp->N, p->nparts), &buf));
  for (int k = 0; k < 6; k++) {
    const hsize_t dims[1] = {(hsize_t)(k ? p->nparts : p->sp->N)};
    for (hsize_t q = 0; q < dims[0]; q++) {
      const TpPartStats *s = &p->st[k ? q : 0];
      buf[q]               = k == 0   ? p->rankof[q]
                             : k == 1 ? s->neurons
                             : k == 2 ? s->synapses
                             : k == 3 ? s->ghosts
                             : k == 4 ? s->halo
                                      : s->peers;
    }
    PetscCall(TpH5WriteRoot(comm, f, names[k], H5T_NATIVE_INT, H5T_STD_I32LE, 1, dims, buf));
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static double TotalBytes(PetscInt nparts, const TpPartStats *st)
{
  double b = 0;
  for (PetscInt r = 0; r < nparts; r++) b += 8.0 * (st[r].ghosts + st[r].halo);
  return b;
}

static PetscErrorCode PrintStats(MPI_Comm comm, PetscInt nparts, const TpPartStats *st)
{
  double maxsyn = 0, sumsyn = 0;

  PetscFunctionBegin;
  PetscCall(PetscPrintf(comm, "  %6s %10s %12s %12s %12s %12s %6s\n", "rank", "neurons", "synapses", "ghost_neur",
                        "halo_proc", "bytes/RHS", "peers"));
  for (PetscInt r = 0; r < nparts; r++) {
    PetscCall(PetscPrintf(comm,
                          "  %6" PetscInt_FMT " %10" PetscInt_FMT " %12" PetscInt_FMT " %12" PetscInt_FMT
                          " %12" PetscInt_FMT " %12.0f %6" PetscInt_FMT "\n",
                          r, st[r].neurons, st[r].synapses, st[r].ghosts, st[r].halo, 8.0 * (st[r].ghosts + st[r].halo),
                          st[r].peers));
    maxsyn = PetscMax(maxsyn, (double)st[r].synapses);
    sumsyn += st[r].synapses;
  }
  {
    PetscInt nn = 0, ns = 0, ng = 0, nh = 0, np = 0;
    for (PetscInt r = 0; r < nparts; r++) {
      nn += st[r].neurons;
      ns += st[r].synapses;
      ng += st[r].ghosts;
      nh += st[r].halo;
      np += st[r].peers;
    }
    PetscCall(PetscPrintf(comm,
                          "  %6s %10" PetscInt_FMT " %12" PetscInt_FMT " %12" PetscInt_FMT " %12" PetscInt_FMT
                          " %12.0f %6" PetscInt_FMT "\n",
                          "total", nn, ns, ng, nh, TotalBytes(nparts, st), np));
  }
  PetscCall(PetscPrintf(comm, "  load imbalance (max / mean synapses) %.4f\n",
                        sumsyn > 0 ? maxsyn / (sumsyn / nparts) : 1.0));
  PetscFunctionReturn(0);
}

typedef enum { TP_PART_GRAPH, TP_PART_BLOCK } TpPartMethod;
static const char *const TpPartMethods[] = {"graph", "block", "TpPartMethod", "TP_PART_", NULL};

/*@C
  TpPartitionMain - The `tripart partition` subcommand: a block or graph partition, its statistics, the file

  Collective on PETSC_COMM_WORLD

  Output Parameter:
. status - the exit status

  Options Database Keys:
+ -nparts <ranks>        - the ranks the partition is for
. -partitioner <graph>   - graph (PT-Scotch) or block
. -o <partition.h5>      - the file
- the network's options (TpNetSpecCreateFromOptions())

.seealso: `TpPartitionLoad()`
@*/
PetscErrorCode TpPartitionMain(int *status)
{
  MPI_Comm comm = PETSC_COMM_WORLD;
  PetscMPIInt size, *rankof, *block;
  PetscInt nparts, seed = 1;
  TpPartMethod method          = TP_PART_GRAPH;
  char out[PETSC_MAX_PATH_LEN] = "partition.h5";
  TpNetSpec *sp;
  TpPartStats *st, *bst;
  PetscBool help;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  nparts = size;
  PetscOptionsBegin(comm, NULL, "Partition options", "tripart partition");
  PetscCall(PetscOptionsInt("-nparts", "Number of ranks the partition is for", "", nparts, &nparts, NULL));
  PetscCall(PetscOptionsEnum("-partitioner", "graph (PT-Scotch through MatPartitioning) or block", "", TpPartMethods,
                             (PetscEnum)method, (PetscEnum *)&method, NULL));
  PetscCall(PetscOptionsString("-o", "Partition file to write", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the network's random streams", "", seed, &seed, NULL));
  PetscOptionsEnd();
  PetscCheck(nparts >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -nparts must be positive; got %" PetscInt_FMT,
             nparts);
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!help) {
    const TpOutputPath outputs[] = {{"-o", out, PETSC_FALSE, NULL}};
    PetscCall(TpCheckPaths(comm, 1, outputs));
  }
  PetscCall(TpNetSpecCreateFromOptions(comm, 500, TP_CONNECT_ALL, seed, PETSC_FALSE, &sp));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) {
    PetscCall(TpNetSpecDestroy(&sp));
    PetscFunctionReturn(0);
  }
  PetscCall(TpOptionsCheckUnused(comm, "partition", TpPartitionMain));
  PetscCheck(nparts <= sp->N, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -nparts %" PetscInt_FMT " exceeds the %" PetscInt_FMT " neurons", nparts, sp->N);
  PetscCall(PetscMalloc2(sp->N, &rankof, sp->N, &block));
  PetscCall(PetscMalloc2(nparts, &st, nparts, &bst));
  PetscCall(TpPartitionBlock(sp, nparts, block));
  if (method == TP_PART_BLOCK)
    PetscCall(PetscArraycpy(rankof, block, sp->N));
  else
    PetscCall(TpPartitionGraph(comm, sp, nparts, rankof));
  PetscCall(TpPartitionStatistics(sp, nparts, rankof, st));
  PetscCall(TpPartitionStatistics(sp, nparts, block, bst));
  PetscCall(PetscPrintf(comm,
                        "tripart partition: %s\n  %" PetscInt_FMT " neurons, %" PetscInt_FMT " synapses, %" PetscInt_FMT
                        " astrocytes, %s partition over %" PetscInt_FMT " ranks\n",
                        sp->describe, sp->N, sp->nsyn, sp->nastro, TpPartMethods[method], nparts));
  PetscCall(PrintStats(comm, nparts, st));
  if (method != TP_PART_BLOCK)
    PetscCall(PetscPrintf(
        comm, "  the block partition would exchange %.0f bytes per right-hand side; this one %.0f (%.3g x)\n",
        TotalBytes(nparts, bst), TotalBytes(nparts, st),
        TotalBytes(nparts, bst) > 0 ? TotalBytes(nparts, st) / TotalBytes(nparts, bst) : 1.0));
  {
    PartitionFile file      = {sp, nparts, TpPartMethods[method], rankof, st};
    const TpH5FileSpec spec = {"partition file", "-o", 0, PETSC_FALSE, PETSC_FALSE};
    PetscCall(TpH5WriteFile(comm, out, &spec, WritePartition, &file));
  }
  PetscCall(PetscPrintf(comm, "  wrote %s (run with -partition %s on %" PetscInt_FMT " ranks)\n", out, out, nparts));
  PetscCall(PetscFree2(st, bst));
  PetscCall(PetscFree2(rankof, block));
  PetscCall(TpNetSpecDestroy(&sp));
  *status = 0;
  PetscFunctionReturn(0);
}

/*@C
  TpGenerateMain - The `tripart generate` subcommand: writes the network the options describe to a network file

  Collective on PETSC_COMM_WORLD

  Output Parameter:
. status - the exit status

  Options Database Keys:
+ -o <network.h5> - the file
- the network's options (TpNetSpecCreateFromOptions())

.seealso: `TpNetSpecWrite()`
@*/
PetscErrorCode TpGenerateMain(int *status)
{
  MPI_Comm comm                = PETSC_COMM_WORLD;
  char out[PETSC_MAX_PATH_LEN] = "network.h5";
  PetscInt seed                = 1;
  TpNetSpec *sp;
  PetscBool help;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "Generate options", "tripart generate");
  PetscCall(PetscOptionsString("-o", "Network file to write", "", out, out, sizeof(out), NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of the network's random streams", "", seed, &seed, NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!help) {
    const TpOutputPath outputs[] = {{"-o", out, PETSC_FALSE, NULL}};
    PetscCall(TpCheckPaths(comm, 1, outputs));
  }
  /* in slices: each rank builds its block of rows and writes it (hyperslabs of one collective file) */
  PetscCall(TpNetSpecCreateFromOptions(comm, 500, TP_CONNECT_ALL, seed, PETSC_TRUE, &sp));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!help) {
    PetscMPIInt rank;
    long long counts[2] = {0, 0}; /* process links, gap junctions */
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(TpOptionsCheckUnused(comm, "generate", TpGenerateMain));
    if (sp->sliced || rank == 0) {
      if (sp->mptr) counts[0] = sp->mptr[sp->nsyn];
      if (sp->gptr) counts[1] = sp->gptr[sp->nsyn];
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_LONG_LONG, MPI_SUM, comm));
    if (sp->sheet) counts[0] = 4 * (long long)sp->N * (sp->N - 1);
    PetscCall(TpNetSpecWrite(comm, sp, out));
    PetscCall(PetscPrintf(
        comm,
        "tripart generate: %s\n  %" PetscInt_FMT " neurons, %lld synapses (mean degree %.4g), %" PetscInt_FMT
        " astrocytes, %lld process links, %lld gap junctions\n  wrote %s (run with -network_file %s)\n",
        sp->describe, sp->N, (long long)sp->nsyn_global, (double)sp->nsyn_global / sp->N, sp->nastro, counts[0] / 2,
        counts[1] / 2, out, out));
  }
  PetscCall(TpNetSpecDestroy(&sp));
  *status = 0;
  PetscFunctionReturn(0);
}
