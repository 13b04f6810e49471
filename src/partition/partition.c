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

/* ------------------------------------------------------------------ the rows a rank holds */
/* Records (key, val) for the owner of their key (a neuron's natural id, a process id, a part), each
   one 64-bit code key * base + val (val < base), so that they sort as integers. */
typedef struct {
  PetscCount n, cap;
  PetscInt64 *a;
  PetscInt64 base;
  PetscBool set; /* only distinct records matter: repeated ones are dropped whenever the list is full */
} Codes;

static PetscErrorCode CodeUnique(Codes *);

static inline PetscErrorCode CodePush(Codes *l, PetscInt64 key, PetscInt64 val)
{
  PetscFunctionBegin;
  if (l->n == l->cap && l->set && l->n) PetscCall(CodeUnique(l));
  if (l->n >= l->cap / 2 + (l->set ? 0 : l->cap / 2)) { /* a set grows only when half full of distinct records */
    l->cap = l->cap ? 2 * l->cap : 1024;
    PetscCall(PetscRealloc(sizeof(PetscInt64) * (size_t)l->cap, &l->a));
  }
  l->a[l->n++] = key * l->base + val;
  PetscFunctionReturn(0);
}

/* Sort and drop repeated records. */
static PetscErrorCode CodeUnique(Codes *l)
{
  PetscCount w = 0;

  PetscFunctionBegin;
  PetscCheck(l->n < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%" PetscCount_FMT " partition records on one rank: use more ranks", l->n);
  PetscCall(PetscSortInt64((PetscInt)l->n, l->a));
  for (PetscCount q = 0; q < l->n; q++)
    if (!w || l->a[q] != l->a[w - 1]) l->a[w++] = l->a[q];
  l->n = w;
  PetscFunctionReturn(0);
}

/* Collective: each record to the rank whose range[r] <= key < range[r+1]; *in (emptied first, of the
   same base) gets those that came here.  The list sent is emptied. */
static PetscErrorCode SendToOwners(MPI_Comm comm, const PetscInt64 *range, Codes *out, Codes *in)
{
  PetscMPIInt size;
  PetscCount *count, *fill, nrecv;
  PetscInt64 *send;
  void *recv;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscCalloc2(size + 1, &count, size + 1, &fill));
  for (PetscCount q = 0; q < out->n; q++) count[TpRangeFind(size, range, out->a[q] / out->base)]++;
  for (PetscMPIInt r = 0; r < size; r++) fill[r + 1] = fill[r] + count[r];
  PetscCall(PetscMalloc1(out->n + 1, &send));
  for (PetscCount q = 0; q < out->n; q++) send[fill[TpRangeFind(size, range, out->a[q] / out->base)]++] = out->a[q];
  PetscCall(PetscFree(out->a));
  out->n = out->cap = 0;
  PetscCall(TpExchange(comm, sizeof(PetscInt64), count, send, &nrecv, &recv, NULL));
  PetscCall(PetscFree(send));
  PetscCall(PetscFree2(count, fill));
  PetscCall(PetscFree(in->a));
  in->a    = recv;
  in->n    = nrecv;
  in->cap  = nrecv;
  in->base = out->base;
  in->set  = out->set;
  PetscFunctionReturn(0);
}

/* Codes of keys below nkeys and values below base, refused where they would not fit 64 bits. */
static PetscErrorCode CodesInit(Codes *l, PetscInt64 nkeys, PetscInt64 base)
{
  PetscFunctionBegin;
  PetscCheck((double)nkeys * (double)base < 9.0e18, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "A partition of %" PetscInt64_FMT " x %" PetscInt64_FMT " records does not fit 64-bit codes", nkeys, base);
  l->n = l->cap = 0;
  l->a          = NULL;
  l->base       = PetscMax(base, 1);
  l->set        = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Drop repeated records whose keys are key0 .. key0+nkeys-1 (a rank's own): a counting sort by value
   and a stamp per key, O(records + base + nkeys), no comparison sort. */
static PetscErrorCode CodeDistinct(Codes *l, PetscInt64 key0, PetscInt nkeys)
{
  PetscCount *start, w = 0;
  PetscInt64 *by;
  PetscInt *stamp;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(l->base + 1, &start));
  PetscCall(PetscMalloc2(l->n + 1, &by, nkeys + 1, &stamp));
  for (PetscCount q = 0; q < l->n; q++) start[l->a[q] % l->base + 1]++;
  for (PetscInt64 v = 0; v < l->base; v++) start[v + 1] += start[v];
  for (PetscCount q = 0; q < l->n; q++) by[start[l->a[q] % l->base]++] = l->a[q];
  for (PetscInt k = 0; k < nkeys; k++) stamp[k] = -1;
  for (PetscCount q = 0; q < l->n; q++) {
    const PetscInt k = (PetscInt)(by[q] / l->base - key0), v = (PetscInt)(by[q] % l->base);
    if (stamp[k] != v) {
      stamp[k]  = v;
      l->a[w++] = by[q];
    }
  }
  l->n = w;
  PetscCall(PetscFree2(by, stamp));
  PetscCall(PetscFree(start));
  PetscFunctionReturn(0);
}

/* The rows a rank holds: a sliced description's own, or of a whole one its block of comm's block
   partition; neurons and processes of rank r are range[r] .. and prange[r] .. (global ids). */
typedef struct {
  const TpNetSpec *sp;
  PetscMPIInt size;
  PetscInt r0, n;             /* natural ids r0 .. r0+n-1 */
  PetscInt soff;              /* the index in sp's arrays of the first held synapse */
  PetscInt64 s0;              /* the global id of the first held synapse (process) */
  PetscInt64 *range, *prange; /* size+1 each */
} Held;

static PetscErrorCode HeldCreate(MPI_Comm comm, const TpNetSpec *sp, Held *h)
{
  PetscMPIInt rank;
  PetscInt *ranges;
  PetscInt64 s0;

  PetscFunctionBegin;
  h->sp = sp;
  PetscCallMPI(MPI_Comm_size(comm, &h->size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(h->size + 1, &ranges));
  PetscCall(PetscMalloc2(h->size + 1, &h->range, h->size + 1, &h->prange));
  TpPartitionBlockRanges(sp->N, h->size, ranges);
  for (PetscMPIInt r = 0; r <= h->size; r++) h->range[r] = ranges[r];
  if (sp->sliced) {
    h->r0   = sp->rstart;
    h->n    = sp->nrows;
    h->soff = 0;
    s0      = (PetscInt64)sp->sstart;
  } else {
    h->r0   = ranges[rank];
    h->n    = ranges[rank + 1] - ranges[rank];
    h->soff = sp->rowptr[h->r0];
    s0      = h->soff;
  }
  PetscCall(PetscFree(ranges));
  h->s0 = s0;
  PetscCallMPI(MPI_Allgather(&s0, 1, MPIU_INT64, h->prange, 1, MPIU_INT64, comm));
  h->prange[h->size] = (PetscInt64)sp->nsyn_global;
  PetscFunctionReturn(0);
}

static PetscErrorCode HeldDestroy(Held *h)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(h->range, h->prange));
  PetscFunctionReturn(0);
}

/* Held row i's synapses are held indices q = Ptr(i) .. Ptr(i+1)-1 (global ids s0 + q). */
static inline PetscInt Ptr(const Held *h, PetscInt i)
{
  return h->sp->rowptr[(h->sp->sliced ? 0 : h->r0) + i] - h->soff;
}

/* The held row of held process q. */
static PetscInt HeldRow(const Held *h, PetscInt q)
{
  PetscInt lo = 0, hi = h->n; /* Ptr(lo) <= q < Ptr(hi) */
  while (hi - lo > 1) {
    const PetscInt mid = (lo + hi) / 2;
    if (Ptr(h, mid) <= q)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* The processes linked to held process q (inside its astrocyte and across gap junctions), global ids. */
static inline void HeldNeighbours(const Held *h, PetscInt q, PetscInt buf[4], const PetscInt **nb, PetscInt *n,
                                  const PetscInt **gp, PetscInt *ng)
{
  TpNetSpecNeighbours(h->sp, h->sp->sheet ? (PetscInt)(h->s0 + q) : h->soff + q, buf, nb, n, gp, ng);
}

/* The neuron graph over the held rows (global columns): a and b are linked when a synapse joins them
   or processes of their rows are adjacent; the weight counts such links (what would cross ranks if
   a and b were apart).  A synapse i <- j is also an entry of row j, and a link from a process of row
   i to process t an entry i of the row of t (its reverse comes from t's own list): those of rows
   held elsewhere travel to their owners in one exchange each. */
static PetscErrorCode NeuronGraph(MPI_Comm comm, const Held *h, PetscInt **ptr, PetscInt **adj, PetscInt **wgt)
{
  const TpNetSpec *sp = h->sp;
  const PetscInt64 N  = sp->N;
  Codes mine, syn, link, in = {0};
  PetscInt *p, *a, *w, *fill, buf[4];

  PetscFunctionBegin;
  PetscCall(CodesInit(&mine, N, N));
  PetscCall(CodesInit(&syn, N, N));
  PetscCall(CodesInit(&link, (PetscInt64)sp->nsyn_global, N));
  for (PetscInt i = 0; i < h->n; i++) {
    const PetscInt gi = h->r0 + i;
    for (PetscInt q = Ptr(h, i); q < Ptr(h, i + 1); q++) {
      const PetscInt j = TpNetSpecCol(sp, h->soff + q, (sp->sliced ? 0 : h->r0) + i), *nb, *gp;
      PetscInt n, ng;
      if (j != gi) {
        PetscCall(CodePush(&mine, gi, j));
        if (j >= h->r0 && j < h->r0 + h->n)
          PetscCall(CodePush(&mine, j, gi));
        else
          PetscCall(CodePush(&syn, j, gi));
      }
      HeldNeighbours(h, q, buf, &nb, &n, &gp, &ng);
      for (int kind = 0; kind < 2; kind++)
        for (PetscInt e = 0; e < (kind ? ng : n); e++) {
          const PetscInt64 t = kind ? gp[e] : nb[e];
          if (t >= h->s0 && t < h->s0 + Ptr(h, h->n)) {
            const PetscInt row = h->r0 + HeldRow(h, (PetscInt)(t - h->s0));
            if (row != gi) PetscCall(CodePush(&mine, row, gi));
          } else
            PetscCall(CodePush(&link, t, gi));
        }
    }
  }
  PetscCall(SendToOwners(comm, h->range, &syn, &in));
  for (PetscCount q = 0; q < in.n; q++) PetscCall(CodePush(&mine, in.a[q] / N, in.a[q] % N));
  PetscCall(SendToOwners(comm, h->prange, &link, &in));
  for (PetscCount q = 0; q < in.n; q++) {
    const PetscInt row = h->r0 + HeldRow(h, (PetscInt)(in.a[q] / N - h->s0)), from = (PetscInt)(in.a[q] % N);
    if (row != from) PetscCall(CodePush(&mine, row, from));
  }
  PetscCall(PetscFree(in.a));
  PetscCheck(mine.n < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "The neuron graph of this rank's rows has %" PetscCount_FMT " entries: use more ranks", mine.n);
  /* rows by a counting sort, then each sorted with its repeated neighbours merged into weights */
  PetscCall(PetscCalloc1(h->n + 1, &p));
  PetscCall(PetscMalloc3(mine.n + 1, &a, mine.n + 1, &w, h->n + 1, &fill));
  for (PetscCount q = 0; q < mine.n; q++) p[mine.a[q] / N - h->r0 + 1]++;
  for (PetscInt i = 0; i < h->n; i++) p[i + 1] += p[i];
  for (PetscInt i = 0; i <= h->n; i++) fill[i] = p[i];
  for (PetscCount q = 0; q < mine.n; q++) a[fill[mine.a[q] / N - h->r0]++] = (PetscInt)(mine.a[q] % N);
  PetscCall(PetscFree(mine.a));
  {
    PetscInt k = 0, start = 0;
    for (PetscInt i = 0; i < h->n; i++) {
      const PetscInt end = p[i + 1];
      PetscCall(PetscSortInt(end - start, a + start));
      p[i] = k;
      for (PetscInt q = start; q < end; q++) {
        if (q > start && a[q] == a[q - 1])
          w[k - 1]++;
        else {
          a[k]   = a[q];
          w[k++] = 1;
        }
      }
      start = end;
    }
    p[h->n] = k;
  }
  PetscCall(PetscMalloc1(p[h->n] + 1, adj));
  PetscCall(PetscMalloc1(p[h->n] + 1, wgt));
  PetscCall(PetscArraycpy(*adj, a, p[h->n]));
  PetscCall(PetscArraycpy(*wgt, w, p[h->n]));
  PetscCall(PetscFree3(a, w, fill));
  *ptr = p;
  PetscFunctionReturn(0);
}

/*@C
  TpPartitionGraph - A graph partition of the neurons (MatPartitioning, PT-Scotch by default), computed
  from the rows each rank holds

  Collective

  Input Parameters:
+ comm   - the ranks
. sp     - the description: sliced, or whole (each rank then takes its block of rows)
- nparts - the parts

  Output Parameter:
. part - the part of each held row

  Options Database Key:
. -partitioner_mat_partitioning_type <ptscotch> - the MatPartitioning type (and its own options, as
-partitioner_mat_partitioning_ptscotch_imbalance)

  Notes:
  The graph is a MatMPIAdj of the held rows.  Vertices are weighted by their synapses; edges by what
  crosses ranks when their ends are apart: a presynaptic rate per synapse, a calcium value per process
  link or gap junction.

.seealso: `TpPartitionBlock()`, `TpPartitionStatistics()`
@*/
PetscErrorCode TpPartitionGraph(MPI_Comm comm, const TpNetSpec *sp, PetscInt nparts, PetscMPIInt *part)
{
  PetscInt *ia = NULL, *ja = NULL, *val = NULL, *vw;
  MatPartitioning mp;
  Mat adj;
  IS is;
  const PetscInt *parts;
  Held h;

  PetscFunctionBegin;
  PetscCall(HeldCreate(comm, sp, &h));
  if (nparts == 1) {
    for (PetscInt i = 0; i < h.n; i++) part[i] = 0;
    PetscCall(HeldDestroy(&h));
    PetscFunctionReturn(0);
  }
  PetscCall(NeuronGraph(comm, &h, &ia, &ja, &val)); /* arrays MatMPIAdj takes over */
  PetscCall(PetscMalloc1(h.n + 1, &vw));
  for (PetscInt i = 0; i < h.n; i++) vw[i] = 1 + Ptr(&h, i + 1) - Ptr(&h, i); /* work ~ synapses */
  PetscCall(MatCreateMPIAdj(comm, h.n, sp->N, ia, ja, val, &adj));
  PetscCall(MatPartitioningCreate(comm, &mp));
  PetscCall(MatPartitioningSetAdjacency(mp, adj));
  PetscCall(MatPartitioningSetNParts(mp, nparts));
  PetscCall(MatPartitioningSetVertexWeights(mp, vw));
  PetscCall(MatPartitioningSetUseEdgeWeights(mp, PETSC_TRUE));
  PetscCall(MatPartitioningSetType(mp, MATPARTITIONINGPTSCOTCH));
  PetscCall(PetscObjectSetOptionsPrefix((PetscObject)mp, "partitioner_"));
  PetscCall(MatPartitioningSetFromOptions(mp));
  PetscCall(MatPartitioningApply(mp, &is));
  PetscCall(ISGetIndices(is, &parts));
  for (PetscInt i = 0; i < h.n; i++) part[i] = (PetscMPIInt)parts[i];
  PetscCall(ISRestoreIndices(is, &parts));
  PetscCall(ISDestroy(&is));
  PetscCall(MatPartitioningDestroy(&mp));
  PetscCall(MatDestroy(&adj));
  PetscCall(HeldDestroy(&h));
  PetscFunctionReturn(0);
}

/*@C
  TpPartitionStatistics - What each part of a partition owns and receives per right-hand side, from the
  rows each rank holds

  Collective

  Input Parameters:
+ comm   - the ranks
. sp     - the description: sliced, or whole (each rank then takes its block of rows)
. nparts - the parts
- part   - the part of each held row

  Output Parameter:
. st - nparts entries, the same on every rank: neurons, synapses, ghost neurons, halo processes, peers

  Notes:
  A ghost is a presynaptic neuron of another part, counted once per part that needs it; a halo
  process one linked to a process of the part, likewise; peers the parts it receives from.  Each
  (neuron or process, part) pair is counted by the rank that holds the neuron or process, after one
  exchange, so nothing is O(network) on a rank.

.seealso: `TpPartitionGraph()`
@*/
PetscErrorCode TpPartitionStatistics(MPI_Comm comm, const TpNetSpec *sp, PetscInt nparts, const PetscMPIInt *part,
                                     TpPartStats *st)
{
  Codes ghost, halo, peer, in = {0};
  PetscInt buf[4], *ranges, *count;
  PetscInt64 *prange;
  Held h;

  PetscFunctionBegin;
  PetscCall(HeldCreate(comm, sp, &h));
  PetscCall(CodesInit(&ghost, sp->N, nparts));
  PetscCall(CodesInit(&halo, (PetscInt64)sp->nsyn_global, nparts));
  PetscCall(CodesInit(&peer, nparts, nparts));
  halo.set = peer.set = PETSC_TRUE;            /* ghost: distinct as made */
  PetscCall(PetscCalloc1(5 * nparts, &count)); /* neurons, synapses, ghosts, halo, peers of each part */
  /* the presynaptic neurons of each part's held rows, once each (a bit per neuron id, part after part) */
  {
    PetscInt *start, *order;
    uint64_t *bits;
    PetscCall(PetscCalloc2(nparts + 1, &start, h.n + 1, &order));
    PetscCall(PetscCalloc1(sp->N / 64 + 1, &bits));
    for (PetscInt i = 0; i < h.n; i++) start[part[i] + 1]++;
    for (PetscInt r = 0; r < nparts; r++) start[r + 1] += start[r];
    for (PetscInt i = 0; i < h.n; i++) order[start[part[i]]++] = i;
    for (PetscInt k = 0, r = 0; k < h.n; r++) { /* start[r] is now where part r+1 begins */
      const PetscInt k0 = k;
      for (; k < start[r]; k++) {
        const PetscInt i = order[k];
        count[5 * r]++;
        count[5 * r + 1] += Ptr(&h, i + 1) - Ptr(&h, i);
        for (PetscInt q = Ptr(&h, i); q < Ptr(&h, i + 1); q++) {
          const PetscInt j = TpNetSpecCol(sp, h.soff + q, (sp->sliced ? 0 : h.r0) + i);
          if (!(bits[j / 64] >> (j % 64) & 1)) {
            bits[j / 64] |= 1ULL << (j % 64);
            PetscCall(CodePush(&ghost, j, r));
          }
        }
      }
      for (PetscInt kk = k0; kk < k; kk++)
        for (PetscInt q = Ptr(&h, order[kk]); q < Ptr(&h, order[kk] + 1); q++) {
          const PetscInt j = TpNetSpecCol(sp, h.soff + q, (sp->sliced ? 0 : h.r0) + order[kk]);
          bits[j / 64]     = 0;
        }
    }
    PetscCall(PetscFree(bits));
    PetscCall(PetscFree2(start, order));
  }
  /* the processes linked to each part's, but for those held here in the same part */
  for (PetscInt i = 0; i < h.n; i++) {
    const PetscInt r = part[i];
    for (PetscInt q = Ptr(&h, i); q < Ptr(&h, i + 1); q++) {
      const PetscInt *nb, *gp;
      PetscInt n, ng;
      HeldNeighbours(&h, q, buf, &nb, &n, &gp, &ng);
      for (int kind = 0; kind < 2; kind++)
        for (PetscInt e = 0; e < (kind ? ng : n); e++) {
          const PetscInt64 t = kind ? gp[e] : nb[e];
          if (t >= h.s0 && t < h.s0 + Ptr(&h, h.n) && part[HeldRow(&h, (PetscInt)(t - h.s0))] == r) continue;
          PetscCall(CodePush(&halo, t, r));
        }
    }
  }
  /* each distinct (neuron, part) and (process, part) pair at the owner of the neuron or process */
  PetscCall(SendToOwners(comm, h.range, &ghost, &in));
  PetscCall(CodeDistinct(&in, h.r0, h.n));
  for (PetscCount q = 0; q < in.n; q++) {
    const PetscInt r = (PetscInt)(in.a[q] % nparts), p = part[in.a[q] / nparts - h.r0];
    if (p != r) {
      count[5 * r + 2]++;
      PetscCall(CodePush(&peer, r, p));
    }
  }
  PetscCall(CodeUnique(&halo));
  PetscCall(SendToOwners(comm, h.prange, &halo, &in));
  PetscCall(CodeDistinct(&in, h.s0, Ptr(&h, h.n)));
  for (PetscCount q = 0; q < in.n; q++) {
    const PetscInt r = (PetscInt)(in.a[q] % nparts), p = part[HeldRow(&h, (PetscInt)(in.a[q] / nparts - h.s0))];
    if (p != r) {
      count[5 * r + 3]++;
      PetscCall(CodePush(&peer, r, p));
    }
  }
  /* the parts each part receives from, at a rank of a block of the parts */
  PetscCall(PetscMalloc2(h.size + 1, &ranges, h.size + 1, &prange));
  TpPartitionBlockRanges(nparts, h.size, ranges);
  for (PetscMPIInt r = 0; r <= h.size; r++) prange[r] = ranges[r];
  PetscCall(CodeUnique(&peer));
  PetscCall(SendToOwners(comm, prange, &peer, &in));
  PetscCall(CodeUnique(&in));
  for (PetscCount q = 0; q < in.n; q++) count[5 * (in.a[q] / nparts) + 4]++;
  PetscCall(PetscFree(in.a));
  PetscCall(PetscFree2(ranges, prange));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, count, (PetscMPIInt)(5 * nparts), MPIU_INT, MPI_SUM, comm));
  for (PetscInt r = 0; r < nparts; r++) {
    st[r].neurons  = count[5 * r];
    st[r].synapses = count[5 * r + 1];
    st[r].ghosts   = count[5 * r + 2];
    st[r].halo     = count[5 * r + 3];
    st[r].peers    = count[5 * r + 4];
  }
  PetscCall(PetscFree(count));
  PetscCall(HeldDestroy(&h));
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
  PetscInt nheld;            /* rows of this rank (its block of the ranks' block partition) */
  const PetscMPIInt *rankof; /* their parts */
  const TpPartStats *st;
} PartitionFile;

static PetscErrorCode WritePartition(MPI_Comm comm, hid_t f, void *ctx)
{
  const PartitionFile *p = ctx;
  const char *names[5]   = {"stats_neurons", "stats_synapses", "stats_ghost_neurons", "stats_halo_processes",
                            "stats_peers"};
  const hsize_t dims[1]  = {(hsize_t)p->nparts};
  int *buf;

  PetscFunctionBegin;
  PetscCall(TpH5WriteSignature(f, &TP_FORMAT_PARTITION));
  PetscCall(TpH5WriteAttrInt(f, "nparts", p->nparts));
  PetscCall(TpH5WriteAttrInt(f, "neurons", p->sp->N));
  PetscCall(TpH5WriteAttrInt(f, "synapses", (long long)p->sp->nsyn_global));
  PetscCall(TpH5WriteAttrInt(f, "network_hash", (long long)p->sp->hash));
  PetscCall(TpH5WriteAttrString(f, "partitioner", p->method));
  PetscCall(TpH5WriteAttrString(f, "network", p->sp->describe));
  /* the ranks of the neurons by hyperslabs from the rows each rank holds; the statistics from rank 0 */
  PetscCall(TpH5WriteDistributed(comm, f, "rank", H5T_NATIVE_INT, H5T_STD_I32LE, p->nheld, 0, p->rankof));
  PetscCall(PetscMalloc1(p->nparts, &buf));
  for (int k = 0; k < 5; k++) {
    for (PetscInt q = 0; q < p->nparts; q++) {
      const TpPartStats *s = &p->st[q];
      buf[q] = k == 0 ? s->neurons : k == 1 ? s->synapses : k == 2 ? s->ghosts : k == 3 ? s->halo : s->peers;
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
  PetscInt nheld;

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
  /* in slices: each rank builds or reads its block of rows, and the graph, the partition and its
     statistics are computed from them (nothing on a rank is O(synapses of the network)) */
  PetscCall(TpNetSpecCreateFromOptions(comm, 500, TP_CONNECT_ALL, seed, PETSC_TRUE, &sp));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) {
    PetscCall(TpNetSpecDestroy(&sp));
    PetscFunctionReturn(0);
  }
  if (method ==
      TP_PART_GRAPH) { /* its own options (-partitioner_mat_partitioning_type, ...) read now, before the check */
    MatPartitioning mp;
    PetscCall(MatPartitioningCreate(comm, &mp));
    PetscCall(MatPartitioningSetType(mp, MATPARTITIONINGPTSCOTCH));
    PetscCall(PetscObjectSetOptionsPrefix((PetscObject)mp, "partitioner_"));
    PetscCall(MatPartitioningSetFromOptions(mp));
    PetscCall(MatPartitioningDestroy(&mp));
  }
  PetscCall(TpOptionsCheckUnused(comm, "partition", TpPartitionMain));
  PetscCheck(nparts <= sp->N, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -nparts %" PetscInt_FMT " exceeds the %" PetscInt_FMT " neurons", nparts, sp->N);
  {
    PetscInt *ranges, rstart, nrows;
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(PetscMalloc1(PetscMax(size, nparts) + 1, &ranges));
    TpPartitionBlockRanges(sp->N, size, ranges); /* the rows held (as TpPartitionGraph() takes them) */
    rstart = ranges[rank];
    nrows  = ranges[rank + 1] - rstart;
    PetscCall(PetscMalloc2(nrows + 1, &rankof, nrows + 1, &block));
    TpPartitionBlockRanges(sp->N, nparts, ranges); /* the block partition over nparts */
    for (PetscInt i = 0, r = 0; i < nrows; i++) {
      while (rstart + i >= ranges[r + 1]) r++;
      block[i] = (PetscMPIInt)r;
    }
    PetscCall(PetscFree(ranges));
    PetscCall(PetscMalloc2(nparts, &st, nparts, &bst));
    if (method == TP_PART_BLOCK)
      PetscCall(PetscArraycpy(rankof, block, nrows));
    else
      PetscCall(TpPartitionGraph(comm, sp, nparts, rankof));
    PetscCall(TpPartitionStatistics(comm, sp, nparts, rankof, st));
    PetscCall(TpPartitionStatistics(comm, sp, nparts, block, bst));
    nheld = nrows;
  }
  PetscCall(PetscPrintf(comm,
                        "tripart partition: %s\n  %" PetscInt_FMT " neurons, %lld synapses, %" PetscInt_FMT
                        " astrocytes, %s partition over %" PetscInt_FMT " ranks\n",
                        sp->describe, sp->N, (long long)sp->nsyn_global, sp->nastro, TpPartMethods[method], nparts));
  PetscCall(PrintStats(comm, nparts, st));
  if (method != TP_PART_BLOCK)
    PetscCall(PetscPrintf(
        comm, "  the block partition would exchange %.0f bytes per right-hand side; this one %.0f (%.3g x)\n",
        TotalBytes(nparts, bst), TotalBytes(nparts, st),
        TotalBytes(nparts, bst) > 0 ? TotalBytes(nparts, st) / TotalBytes(nparts, bst) : 1.0));
  {
    PartitionFile file      = {sp, nparts, TpPartMethods[method], nheld, rankof, st};
    const TpH5FileSpec spec = {"partition file", "-o", 0, PETSC_FALSE, PETSC_FALSE};
    PetscCall(TpH5WriteFile(comm, out, &spec, WritePartition, &file));
  }
  {
    double peak = TpPeakMemorySelf() / 1048576.0, lo, hi; /* this command's own ranks, not the parts' */
    PetscCallMPI(MPI_Allreduce(&peak, &lo, 1, MPI_DOUBLE, MPI_MIN, comm));
    PetscCallMPI(MPI_Allreduce(&peak, &hi, 1, MPI_DOUBLE, MPI_MAX, comm));
    PetscCall(
        PetscPrintf(comm, "  peak memory per rank of this command: %.1f to %.1f MiB on %d ranks\n", lo, hi, (int)size));
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
