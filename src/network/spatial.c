/* The spatial generator, built in slices.

   Neurons are uniform in the unit box, numbered along a Z-order curve; a synapse joins every pair
   closer than r (N V(r) = degree); the process of synapse i <- j sits at x_i + (x_j - x_i)/3 and
   belongs to the astrocyte whose tile holds it; each process is linked to its `links` nearest
   processes of the same astrocyte, and across each face between territories the `gaps` closest pairs
   of processes (within two process spacings) form gap junctions.

   Each rank holds the rows of its block of ids.  It draws the positions of a block of raw ids, the
   points move to the rank of their Z-order key range and then, sorted, to the rank of their id; a
   rank then fetches from the others only the neurons within r of its own (their synapses), and the
   processes whose neurons lie within reach of its own (their links and gap junctions), by key
   ranges of Z-order cells.  A nearest-process search is exact when what it found lies within the
   distance up to which every process is known; if any rank cannot say so, the processes are fetched
   again from twice as far.  The network is the same on any number of ranks, and PETSC_COMM_SELF
   builds it whole. */
#include "specimpl.h"
#include <tppartition.h>
#include <tprandom.h>
#include <tputil.h>
#include <petscsys.h>
#include <stdlib.h>

enum { TP_STREAM_POSITION = 4 };

/* ------------------------------------------------------------------ cell grids over a box of points */
/* Points in two arrays (ours, then the others'), with their ids and, for processes, territories. */
typedef struct {
  PetscInt dim, na;     /* points 0 .. na-1 are in a (dim coordinates each), the others in b */
  const double *a, *b;  /* b: dim+1 doubles each, the id then the coordinates */
  PetscCount id0;       /* the id of a's k-th point: id0 + k */
  const PetscInt *aast; /* a's territories (processes) */
  PetscInt tiles;       /* b's territories from their coordinates */
} Points;

static inline const double *PointAt(const Points *P, PetscInt k)
{
  return k < P->na ? P->a + (size_t)k * P->dim : P->b + (size_t)(k - P->na) * (P->dim + 1) + 1;
}
static inline PetscInt PointId(const Points *P, PetscInt k)
{
  return k < P->na ? (PetscInt)(P->id0 + k) : (PetscInt)P->b[(size_t)(k - P->na) * (P->dim + 1)];
}
static PetscInt Territory(PetscInt dim, PetscInt tiles, const double *p);
static inline PetscInt PointAstro(const Points *P, PetscInt k)
{
  return k < P->na ? P->aast[k] : Territory(P->dim, P->tiles, PointAt(P, k));
}

typedef struct {
  PetscInt dim, n;       /* n cells per unit length, side h = 1/n */
  PetscInt off[3], m[3]; /* the box: cells off[d] .. off[d]+m[d]-1 along d */
  PetscInt mmax;
  double h;
  PetscInt *start, *idx; /* counting sort: points of cell c are idx[start[c] .. start[c+1]) */
} Grid;

static PetscInt GridCoord(const Grid *g, double x, PetscInt d)
{
  PetscInt c = (PetscInt)(x * g->n);
  return (c < 0 ? 0 : (c >= g->n ? g->n - 1 : c)) - g->off[d];
}

static PetscInt GridCell(const Grid *g, const PetscInt *c)
{
  PetscInt cell = 0;
  for (PetscInt d = g->dim - 1; d >= 0; d--) cell = cell * g->m[d] + c[d];
  return cell;
}

static PetscInt PointCell(const Grid *g, const Points *P, PetscInt q)
{
  PetscInt c[3] = {0, 0, 0};
  for (PetscInt d = 0; d < g->dim; d++) c[d] = GridCoord(g, PointAt(P, q)[d], d);
  return GridCell(g, c);
}

/* Cells of side >= hmin (searches look at neighbouring cells), at most 1024 per unit length and not
   many more than points over their bounding box (a tiny hmin would otherwise ask for 1024^3 cells). */
static PetscErrorCode GridBuild(double hmin, const Points *P, PetscInt np, Grid *g)
{
  const PetscInt dim = P->dim;
  double lo[3] = {1, 1, 1}, hi[3] = {0, 0, 0}, frac = 1;
  PetscInt ncell = 1;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < np; q++)
    for (PetscInt d = 0; d < dim; d++) {
      lo[d] = PetscMin(lo[d], PointAt(P, q)[d]);
      hi[d] = PetscMax(hi[d], PointAt(P, q)[d]);
    }
  for (PetscInt d = 0; d < dim; d++) frac *= np ? PetscMin(1.0, PetscMax(hi[d] - lo[d], 1e-3)) : 1.0;
  g->dim  = dim;
  g->n    = PetscMax(1, PetscMin(PetscMin(1024, (PetscInt)(1.0 / hmin)),
                                 (PetscInt)PetscCeilReal(PetscPowReal(PetscMax(np, 1) / frac, 1.0 / dim))));
  g->h    = 1.0 / g->n;
  g->mmax = 1;
  for (PetscInt d = 0; d < 3; d++) {
    g->off[d] = 0;
    g->m[d]   = 1;
    if (d < dim && np) {
      const PetscInt clo = GridCoord(g, lo[d], d), chi = GridCoord(g, hi[d], d); /* off[d] = 0 here */
      g->off[d] = clo;
      g->m[d]   = chi - clo + 1;
    }
    g->mmax = PetscMax(g->mmax, g->m[d]);
    ncell *= g->m[d];
  }
  PetscCall(PetscCalloc1(ncell + 1, &g->start));
  PetscCall(PetscMalloc1(np + 1, &g->idx));
  for (PetscInt q = 0; q < np; q++) g->start[PointCell(g, P, q) + 1]++;
  for (PetscInt c = 0; c < ncell; c++) g->start[c + 1] += g->start[c];
  /* counting sort (ascending within each cell): start[c] runs to the end of cell c, then back */
  for (PetscInt q = 0; q < np; q++) g->idx[g->start[PointCell(g, P, q)]++] = q;
  for (PetscInt c = ncell; c > 0; c--) g->start[c] = g->start[c - 1];
  g->start[0] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode GridDestroy(Grid *g)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(g->start));
  PetscCall(PetscFree(g->idx));
  PetscFunctionReturn(0);
}

static double Dist2(PetscInt dim, const double *a, const double *b)
{
  double s = 0;
  for (PetscInt d = 0; d < dim; d++) s += (a[d] - b[d]) * (a[d] - b[d]);
  return s;
}

/* The k points nearest to point q (excluding q) that pass keep(), by rings of cells until what was
   found is closer than the cells not yet searched; ties by id.  Only points closer than rmax count.  box
   (lo[dim], hi[dim]) or NULL: only the cells that meet it (inside) or that are not within it (!inside)
   can hold what keep() accepts.  Returns how many were found in *nfound. */
typedef PetscBool (*KeepFn)(const void *ctx, PetscInt q, PetscInt cand);

static void Nearest(const Grid *g, const Points *P, PetscInt q, PetscInt k, double rmax, KeepFn keep, const void *ctx,
                    const double *box, PetscBool inside, PetscInt *best, double *bd, PetscInt *nfound)
{
  const PetscInt dim = g->dim;
  PetscInt c0[3] = {0, 0, 0}, nf = 0;
  const double *xq = PointAt(P, q);
  for (PetscInt d = 0; d < dim; d++) c0[d] = GridCoord(g, xq[d], d);
  for (PetscInt R = 0; R <= g->mmax; R++) {
    const PetscInt lo[3] = {-R, dim > 1 ? -R : 0, dim > 2 ? -R : 0}, hi[3] = {R, dim > 1 ? R : 0, dim > 2 ? R : 0};
    for (PetscInt dz = lo[2]; dz <= hi[2]; dz++)
      for (PetscInt dy = lo[1]; dy <= hi[1]; dy++)
        for (PetscInt dx = lo[0]; dx <= hi[0]; dx++) {
          const PetscInt off[3] = {dx, dy, dz};
          PetscInt cc[3] = {0, 0, 0}, ring = 0, c;
          PetscBool in = PETSC_TRUE;
          for (PetscInt d = 0; d < dim; d++) {
            ring  = PetscMax(ring, PetscAbsInt(off[d]));
            cc[d] = c0[d] + off[d];
            if (cc[d] < 0 || cc[d] >= g->m[d]) in = PETSC_FALSE;
          }
          if (ring != R || !in) continue;
          { /* a cell wholly farther than rmax, or than the k-th found, holds nothing for us */
            double dmin2 = 0;
            for (PetscInt d = 0; d < dim; d++) {
              const double x = xq[d], lo = (cc[d] + g->off[d]) * g->h, hi = lo + g->h;
              const double e = x < lo ? lo - x : (x > hi ? x - hi : 0);
              dmin2 += e * e;
            }
            if (dmin2 >= rmax * rmax || (nf == k && dmin2 > bd[k - 1])) continue;
          }
          if (box) { /* the cell against q's territory (with a margin for rounding) */
            PetscBool meets = PETSC_TRUE, within = PETSC_TRUE;
            for (PetscInt d = 0; d < dim; d++) {
              const double lo = (cc[d] + g->off[d]) * g->h, hi = lo + g->h, eps = 1e-12;
              if (hi < box[d] - eps || lo > box[dim + d] + eps) meets = PETSC_FALSE;
              if (lo < box[d] + eps || hi > box[dim + d] - eps) within = PETSC_FALSE;
            }
            if (inside ? !meets : within) continue;
          }
          c = GridCell(g, cc);
          for (PetscInt t = g->start[c]; t < g->start[c + 1]; t++) {
            const PetscInt p = g->idx[t];
            const double d2  = Dist2(dim, xq, PointAt(P, p));
            PetscInt pos;
            if (p == q || d2 >= rmax * rmax || !keep(ctx, q, p)) continue;
            if (nf == k && (d2 > bd[k - 1] || (d2 == bd[k - 1] && PointId(P, p) > PointId(P, best[k - 1])))) continue;
            pos = nf < k ? nf++ : k - 1;
            while (pos > 0 && (bd[pos - 1] > d2 || (bd[pos - 1] == d2 && PointId(P, best[pos - 1]) > PointId(P, p)))) {
              bd[pos]   = bd[pos - 1];
              best[pos] = best[pos - 1];
              pos--;
            }
            bd[pos]   = d2;
            best[pos] = p;
          }
        }
    {
      /* every point not yet seen lies outside the cube of cells searched: at least b away */
      double b = PETSC_MAX_REAL;
      for (PetscInt d = 0; d < dim; d++) {
        const double x = xq[d], lo = (c0[d] + g->off[d] - R) * g->h, hi = (c0[d] + g->off[d] + R + 1) * g->h;
        b = PetscMin(b, PetscMin(x - lo, hi - x));
      }
      if ((nf == k && bd[k - 1] <= b * b) || b >= rmax) break;
    }
  }
  *nfound = nf;
}

/* Nearest() by looking at every point: for the few searches left after the first round. */
static void NearestAll(const Points *P, PetscInt np, PetscInt q, PetscInt k, KeepFn keep, const void *ctx,
                       PetscInt *best, double *bd, PetscInt *nfound)
{
  const double *xq = PointAt(P, q);
  PetscInt nf      = 0;
  for (PetscInt p = 0; p < np; p++) {
    const double d2 = Dist2(P->dim, xq, PointAt(P, p));
    PetscInt pos;
    if (p == q || !keep(ctx, q, p)) continue;
    if (nf == k && (d2 > bd[k - 1] || (d2 == bd[k - 1] && PointId(P, p) > PointId(P, best[k - 1])))) continue;
    pos = nf < k ? nf++ : k - 1;
    while (pos > 0 && (bd[pos - 1] > d2 || (bd[pos - 1] == d2 && PointId(P, best[pos - 1]) > PointId(P, p)))) {
      bd[pos]   = bd[pos - 1];
      best[pos] = best[pos - 1];
      pos--;
    }
    bd[pos]   = d2;
    best[pos] = p;
  }
  *nfound = nf;
}

/* ------------------------------------------------------------------ Z-order keys and cells */
/* bits per dimension, interleaved from the top: 30 bits in 2-D and 3-D */
static PetscInt ZKey(PetscInt dim, PetscInt bits, const double *x)
{
  PetscInt key = 0;
  for (PetscInt b = bits - 1; b >= 0; b--)
    for (PetscInt d = 0; d < dim; d++) {
      const PetscInt c = (PetscInt)(x[d] * (1 << bits));
      key              = (key << 1) | ((c >> b) & 1);
    }
  return key;
}

/* the coordinates c of the cell with Z-order prefix p at level L (2^L cells per side) */
static void Deinterleave(PetscInt dim, PetscInt L, PetscInt p, PetscInt *c)
{
  for (PetscInt d = 0; d < dim; d++) {
    c[d] = 0;
    for (PetscInt l = L - 1; l >= 0; l--) c[d] = (c[d] << 1) | ((p >> (l * dim + dim - 1 - d)) & 1);
  }
}

typedef struct {
  int64_t z; /* key << 32 | raw id */
  double x[3];
} ZPoint;

static int CompareZ(const void *a, const void *b)
{
  const int64_t u = ((const ZPoint *)a)->z, v = ((const ZPoint *)b)->z;
  return (u > v) - (u < v);
}

/* The positions of this rank's block of ids (ids along the Z-order curve, ties by raw id) and their keys. */
static PetscErrorCode Positions(MPI_Comm comm, PetscInt N, PetscInt dim, PetscInt bits, PetscInt seed,
                                const PetscInt *ranges, double *pos, PetscInt *key)
{
  PetscMPIInt size, rank;
  PetscInt lo, n;
  PetscCount *count, nb, nmine, off = 0;
  ZPoint *mine, *send, *bucket;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  lo = ranges[rank];
  n  = ranges[rank + 1] - lo;
  PetscCall(PetscCalloc1(size + 1, &count));
  PetscCall(PetscMalloc2(n + 1, &mine, n + 1, &send));
  /* the raw ids of the block, each to the rank of its key range (uniform positions: even buckets) */
  for (PetscInt i = 0; i < n; i++) {
    PetscInt k;
    for (PetscInt d = 0; d < 3; d++)
      mine[i].x[d] = d < dim ? TpUniform((uint64_t)seed, TP_STREAM_POSITION, lo + i, d) : 0;
    k         = ZKey(dim, bits, mine[i].x);
    mine[i].z = ((int64_t)k << 32) | (int64_t)(lo + i);
    count[((int64_t)k * size) >> (bits * dim)]++;
  }
  {
    PetscCount *fill;
    PetscCall(PetscCalloc1(size + 1, &fill));
    for (PetscMPIInt r = 1; r <= size; r++) fill[r] = fill[r - 1] + count[r - 1];
    for (PetscInt i = 0; i < n; i++) send[fill[((int64_t)(mine[i].z >> 32) * size) >> (bits * dim)]++] = mine[i];
    PetscCall(PetscFree(fill));
  }
  PetscCall(TpExchange(comm, sizeof(ZPoint), count, send, &nb, (void **)&bucket, NULL));
  PetscCall(PetscFree2(mine, send));
  qsort(bucket, (size_t)nb, sizeof(ZPoint), CompareZ);
  /* sorted, they are ids off .. off+nb-1: to the ranks of those ids */
  PetscCallMPI(MPI_Exscan(&nb, &off, 1, MPIU_INT64, MPI_SUM, comm));
  if (rank == 0) off = 0;
  for (PetscMPIInt r = 0; r < size; r++) count[r] = 0;
  for (PetscCount t = 0; t < nb; t++) count[BlockOwner(size, ranges, (PetscInt)(off + t))]++;
  PetscCall(TpExchange(comm, sizeof(ZPoint), count, bucket, &nmine, (void **)&mine, NULL));
  PetscCheck(nmine == n, PETSC_COMM_SELF, PETSC_ERR_PLIB,
             "Spatial positions: %" PetscCount_FMT " for %" PetscInt_FMT " rows", nmine, n);
  for (PetscInt i = 0; i < n; i++) {
    key[i] = (PetscInt)(mine[i].z >> 32);
    for (PetscInt d = 0; d < dim; d++) pos[i * dim + d] = mine[i].x[d];
  }
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree(bucket));
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}

/* What the other ranks hold near this rank's neurons. */
typedef struct {
  PetscCount n;      /* items received */
  double *v;         /* m doubles each */
  PetscMPIInt *from; /* size+1 offsets: the items of rank r are from[r] .. from[r+1]-1 */
  double reach;      /* every item whose point is within this distance of one of ours was sent */
  PetscBool all;     /* every item of the network was sent */
} Fetched;

/* Collective.  The items of the other ranks whose points lie within `reach` of this rank's points
   (keys okey, any order), each as 1+dim doubles: its id and its point.  A rank's items, in the order
   of their keys ikey, are id0 + perm[k] at pts[perm[k] dim ..] (perm NULL: k).  The region is a set of
   Z-order cells of side c >= reach/8 (no finer than 2^21 cells in all): the cells of our points,
   dilated by ceil(reach/c); each cell is a range of keys, asked of the ranks whose item keys
   [kmin, kmax] meet it (an empty rank: kmin = PETSC_MAX_INT, kmax = -1). */
static PetscErrorCode FetchNear(MPI_Comm comm, PetscInt dim, PetscInt bits, double reach, PetscInt nown,
                                const PetscInt *okey, const PetscInt *kmin, const PetscInt *kmax, PetscInt nitem,
                                const PetscInt *ikey, const PetscInt *perm, PetscCount id0, const double *pts,
                                Fetched *f)
{
  const PetscInt m    = dim + 1;
  const PetscInt Lmax = PetscMin(bits, 21 / dim);
  PetscMPIInt size, rank;
  PetscInt L = 0, M, K, ncell = 1, sh, *req = NULL, *rreq, nint = 0;
  PetscCount *cnt, nrq;
  unsigned char *mark, *line;
  double c;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (size == 1) { /* nothing elsewhere */
    f->n     = 0;
    f->reach = PETSC_MAX_REAL;
    f->all   = PETSC_TRUE;
    PetscCall(PetscMalloc1(1, &f->v));
    PetscCall(PetscCalloc1(2, &f->from));
    PetscFunctionReturn(0);
  }
  while (L < Lmax && reach * (double)(1 << (L + 1)) <= 8.0) L++;
  M = 1 << L;
  c = 1.0 / M;
  K = (PetscInt)PetscCeilReal(reach / c);
  for (PetscInt d = 0; d < dim; d++) ncell *= M;
  sh       = (bits - L) * dim;
  f->reach = K * c;
  f->all   = (PetscBool)(K >= M - 1);
  /* our cells, dilated by K along each dimension in turn */
  PetscCall(PetscCalloc2(ncell, &mark, M, &line));
  for (PetscInt i = 0; i < nown; i++) {
    PetscInt cc[3] = {0, 0, 0}, idx = 0;
    Deinterleave(dim, L, okey[i] >> sh, cc);
    for (PetscInt d = dim - 1; d >= 0; d--) idx = idx * M + cc[d];
    mark[idx] = 1;
  }
  for (PetscInt d = 0, stride = 1; d < dim; d++, stride *= M)
    for (PetscInt base = 0; base < ncell; base++) {
      if ((base / stride) % M) continue; /* a line along d starts where coordinate d is 0 */
      for (PetscInt x = 0; x < M; x++) line[x] = mark[base + x * stride];
      for (PetscInt x = 0; x < M; x++) {
        unsigned char v = 0;
        for (PetscInt y = PetscMax(0, x - K); y <= PetscMin(M - 1, x + K) && !v; y++) v = line[y];
        mark[base + x * stride] = v;
      }
    }
  /* key intervals [lo, hi): the marked cells in Z-order, consecutive ones merged (two passes: count, fill) */
  for (int pass = 0; pass < 2; pass++) {
    if (pass) PetscCall(PetscMalloc1(2 * nint + 2, &req));
    nint = 0;
    for (PetscInt p = 0, prev = -2; p < ncell; p++) {
      PetscInt cc[3] = {0, 0, 0}, idx = 0;
      Deinterleave(dim, L, p, cc);
      for (PetscInt d = dim - 1; d >= 0; d--) idx = idx * M + cc[d];
      if (!mark[idx]) continue;
      if (p == prev + 1 && nint) {
        if (pass) req[2 * nint - 1] = (p + 1) << sh;
      } else {
        if (pass) {
          req[2 * nint]     = p << sh;
          req[2 * nint + 1] = (p + 1) << sh;
        }
        nint++;
      }
      prev = p;
    }
  }
  PetscCall(PetscFree2(mark, line));
  /* each interval to the other ranks whose keys meet it */
  {
    PetscCount *off;
    PetscInt *send;
    PetscCall(PetscCalloc2(size + 1, &cnt, size + 1, &off));
    for (int pass = 0; pass < 2; pass++) {
      if (pass) {
        for (PetscMPIInt q = 0; q < size; q++) off[q + 1] = off[q] + cnt[q];
        PetscCall(PetscMalloc1(2 * off[size] + 1, &send));
        for (PetscMPIInt q = 0; q < size; q++) cnt[q] = 0;
      }
      for (PetscInt e = 0; e < nint; e++) {
        const PetscInt lo = req[2 * e], hi = req[2 * e + 1];
        for (PetscMPIInt q = 0; q < size; q++) {
          if (q == rank || kmax[q] < lo || kmin[q] >= hi) continue;
          if (pass) {
            send[2 * (off[q] + cnt[q])]     = lo;
            send[2 * (off[q] + cnt[q]) + 1] = hi;
          }
          cnt[q]++;
        }
      }
    }
    PetscCall(TpExchange(comm, 2 * sizeof(PetscInt), cnt, send, &nrq, (void **)&rreq, &f->from));
    PetscCall(PetscFree(send));
    PetscCall(PetscFree2(cnt, off));
  }
  PetscCall(PetscFree(req));
  /* answers: the items in each interval asked for (sorted keys: a contiguous run each) */
  {
    PetscCount *acnt;
    double *ans;
    PetscMPIInt *rfrom = f->from;
    PetscCount nans = 0, w = 0;
    PetscCall(PetscCalloc1(size + 1, &acnt));
    for (int pass = 0; pass < 2; pass++) {
      if (pass) PetscCall(PetscMalloc1(nans * m + 1, &ans));
      for (PetscMPIInt q = 0; q < size; q++)
        for (PetscMPIInt e = rfrom[q]; e < rfrom[q + 1]; e++) {
          PetscInt a = 0, b = nitem;
          while (a < b) { /* the first item whose key is >= lo */
            const PetscInt mid = a + (b - a) / 2;
            if (ikey[mid] < rreq[2 * e])
              a = mid + 1;
            else
              b = mid;
          }
          for (b = a; b < nitem && ikey[b] < rreq[2 * e + 1]; b++)
            if (pass) {
              const PetscInt it = perm ? perm[b] : b;
              ans[w * m]        = (double)(id0 + it);
              for (PetscInt d = 0; d < dim; d++) ans[w * m + 1 + d] = pts[(size_t)it * dim + d];
              w++;
            }
          if (!pass) {
            acnt[q] += b - a;
            nans += b - a;
          }
        }
    }
    PetscCall(PetscFree(rreq));
    PetscCall(PetscFree(f->from));
    PetscCall(TpExchange(comm, (size_t)m * sizeof(double), acnt, ans, &f->n, (void **)&f->v, &f->from));
    PetscCall(PetscFree(ans));
    PetscCall(PetscFree(acnt));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FetchedFree(Fetched *f)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(f->v));
  PetscCall(PetscFree(f->from));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ astrocytes */
typedef struct {
  const Points *P;      /* the known processes */
  const PetscInt *tile; /* tile coordinates (dim per astrocyte) */
  PetscInt dim;
} SpatialCtx;

static PetscBool SameAstrocyte(const void *ctx, PetscInt q, PetscInt p)
{
  const SpatialCtx *c = ctx;
  return PointAstro(c->P, q) == PointAstro(c->P, p) ? PETSC_TRUE : PETSC_FALSE;
}

/* territories sharing a face: tile coordinates differ by one in exactly one dimension */
static PetscBool NeighbourAstrocyte(const void *ctx, PetscInt q, PetscInt p)
{
  const SpatialCtx *c = ctx;
  const PetscInt *a = c->tile + PointAstro(c->P, q) * c->dim, *b = c->tile + PointAstro(c->P, p) * c->dim;
  PetscInt diff = 0;
  for (PetscInt d = 0; d < c->dim; d++) diff += PetscAbsInt(a[d] - b[d]);
  return diff == 1 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscInt Territory(PetscInt dim, PetscInt tiles, const double *p)
{
  PetscInt a = 0;
  for (PetscInt d = dim - 1; d >= 0; d--) {
    PetscInt t = (PetscInt)(p[d] * tiles);
    a          = a * tiles + (t < 0 ? 0 : (t >= tiles ? tiles - 1 : t));
  }
  return a;
}

/* the box of a territory: its tile, the outer faces of the outer tiles extended past the unit box */
static void TileBox(PetscInt dim, PetscInt tiles, const PetscInt *t, double *box)
{
  for (PetscInt d = 0; d < dim; d++) {
    box[d]       = t[d] > 0 ? (double)t[d] / tiles : -1.0;
    box[dim + d] = t[d] < tiles - 1 ? (double)(t[d] + 1) / tiles : 2.0;
  }
}

typedef struct {
  PetscInt a, b; /* astrocytes, a < b */
  double d2;     /* squared distance */
  PetscInt p, q; /* processes, p < q */
} GapCandidate;

static int CompareGap(const void *x, const void *y)
{
  const GapCandidate *u = x, *v = y;
  if (u->a != v->a) return u->a < v->a ? -1 : 1;
  if (u->b != v->b) return u->b < v->b ? -1 : 1;
  if (u->d2 != v->d2) return u->d2 < v->d2 ? -1 : 1;
  if (u->p != v->p) return u->p < v->p ? -1 : 1;
  return u->q < v->q ? -1 : (u->q > v->q);
}

/* pairs (row, neighbour): rows are this rank's processes (local), neighbours global ids */
/* Collective.  The CSR over this rank's n processes (ids synrange[rank] ..): each row's chosen
   neighbours (nchosen[s] of them at chosen[s K ..]; none if K = 0) and, for those that are ours, the
   row back, and the entries (row, neighbour), global ids, that `send` holds for each rank (cnt[q] for
   rank q, in rank order; freed here), each row sorted and its duplicates merged. */
/* Sort each row of the CSR (p, a) over n rows and merge its duplicates, compacting in place; *w: entries left. */
PetscErrorCode TpSpecMergeRows(PetscInt n, PetscInt *p, PetscInt *a, PetscInt *w)
{
  PetscInt start = 0;

  PetscFunctionBegin;
  *w = 0;
  for (PetscInt v = 0; v < n; v++) {
    PetscInt len = p[v + 1] - start;
    PetscCall(PetscSortRemoveDupsInt(&len, a + start));
    for (PetscInt q = 0; q < len; q++) a[*w + q] = a[start + q];
    start    = p[v + 1];
    p[v + 1] = *w + len;
    *w += len;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TpSpecRowsCSR(MPI_Comm comm, const PetscInt *synrange, PetscInt n, PetscInt K, const PetscInt *nchosen,
                             const PetscInt *chosen, const PetscCount *cnt, Entry *send, PetscInt **ptr, PetscInt **adj)
{
  PetscMPIInt rank;
  PetscInt *p, *a, *fill, w = 0, s0;
  PetscCount nin;
  Entry *in;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  s0 = synrange[rank];
  PetscCall(TpExchange(comm, sizeof(Entry), cnt, send, &nin, (void **)&in, NULL));
  PetscCall(PetscFree(send));
  PetscCall(PetscCalloc1(n + 1, &p));
  for (PetscInt v = 0; v < n && K; v++) {
    p[v + 1] += nchosen[v];
    for (PetscInt t = 0; t < nchosen[v]; t++) {
      const PetscInt T = chosen[(size_t)v * K + t];
      if (T >= s0 && T < s0 + n) p[T - s0 + 1]++;
    }
  }
  for (PetscCount t = 0; t < nin; t++) p[in[t].row - s0 + 1]++;
  for (PetscInt v = 0; v < n; v++) {
    PetscCheck((PetscCount)p[v] + p[v + 1] < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "Too many links on one rank: use more ranks");
    p[v + 1] += p[v];
  }
  PetscCall(PetscMalloc1(p[n] + 1, &a));
  PetscCall(PetscMalloc1(n + 1, &fill));
  for (PetscInt v = 0; v < n; v++) fill[v] = p[v];
  for (PetscInt v = 0; v < n && K; v++)
    for (PetscInt t = 0; t < nchosen[v]; t++) {
      const PetscInt T = chosen[(size_t)v * K + t];
      a[fill[v]++]     = T;
      if (T >= s0 && T < s0 + n) a[fill[T - s0]++] = s0 + v;
    }
  for (PetscCount t = 0; t < nin; t++) a[fill[in[t].row - s0]++] = in[t].nbr;
  PetscCall(PetscFree(in));
  PetscCall(TpSpecMergeRows(n, p, a, &w));
  PetscCall(PetscFree(fill));
  PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)(w + 1), &a)); /* the duplicates gone */
  *ptr = p;
  *adj = a;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the generator */
PetscErrorCode TpNetSpecGenerateSpatial(MPI_Comm comm, TpNetSpec *sp, PetscInt seed, double degree, PetscInt dim,
                                        PetscInt tiles, PetscInt links, PetscInt gaps)
{
  const PetscInt N = sp->N, bits = 30 / dim;
  const double vol = dim == 2 ? PETSC_PI : 4.0 * PETSC_PI / 3.0;
  const double r   = PetscPowReal(degree / (vol * N), 1.0 / dim);
  PetscMPIInt size, rank;
  PetscInt *ranges, *okey, *kmin, *kmax, *tile, nastro = 1, nk, ko;
  PetscInt *kgid, *ikey, *pkey, *perm, *synrange;
  double *kpos, *ppos;
  PetscCount nsyn_global, nsl;
  IntList cols = {0}, kix = {0};
  Fetched fn;
  Grid g;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc3(size + 1, &ranges, size, &kmin, size, &kmax));
  TpPartitionBlockRanges(N, size, ranges);
  sp->dim    = dim;
  sp->rstart = ranges[rank];
  sp->nrows  = ranges[rank + 1] - ranges[rank];
  PetscCall(PetscMalloc1((size_t)sp->nrows * dim + 1, &sp->pos));
  PetscCall(PetscMalloc1(sp->nrows + 1, &okey));
  PetscCall(Positions(comm, N, dim, bits, seed, ranges, sp->pos, okey));
  {
    PetscInt mine[2] = {sp->nrows ? okey[0] : PETSC_MAX_INT, sp->nrows ? okey[sp->nrows - 1] : -1}, *all;
    PetscCall(PetscMalloc1(2 * size, &all));
    PetscCallMPI(MPI_Allgather(mine, 2, MPIU_INT, all, 2, MPIU_INT, comm));
    for (PetscMPIInt q = 0; q < size; q++) {
      kmin[q] = all[2 * q];
      kmax[q] = all[2 * q + 1];
    }
    PetscCall(PetscFree(all));
  }

  /* the neurons within r of ours, and ours, in the order of their ids */
  PetscCall(
      FetchNear(comm, dim, bits, r, sp->nrows, okey, kmin, kmax, sp->nrows, okey, NULL, sp->rstart, sp->pos, &fn));
  PetscCheck(fn.n + sp->nrows < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP, "Too many neurons near one rank");
  nk = (PetscInt)fn.n + sp->nrows;
  ko = fn.from[rank];
  PetscCall(PetscMalloc2((size_t)nk * dim + 1, &kpos, nk + 1, &kgid));
  for (PetscInt k = 0; k < nk; k++) {
    const PetscBool own = (PetscBool)(k >= ko && k < ko + sp->nrows);
    const PetscInt f    = k < ko ? k : k - sp->nrows;
    kgid[k]             = own ? sp->rstart + k - ko : (PetscInt)fn.v[f * (dim + 1)];
    for (PetscInt d = 0; d < dim; d++)
      kpos[k * dim + d] = own ? sp->pos[(k - ko) * dim + d] : fn.v[f * (dim + 1) + 1 + d];
  }
  PetscCall(FetchedFree(&fn));

  /* synapses: pairs closer than r, by a grid of cells of side >= r */
  {
    const Points kn = {dim, nk, kpos, NULL, 0, NULL, 0};
    PetscCall(GridBuild(r, &kn, nk, &g));
  }
  PetscCall(PetscMalloc1(sp->nrows + 1, &sp->rowptr));
  sp->rowptr[0] = 0;
  for (PetscInt i = 0; i < sp->nrows; i++) {
    const PetscInt k = ko + i;
    PetscInt c[3] = {0, 0, 0}, start = cols.n;
    for (PetscInt d = 0; d < dim; d++) c[d] = GridCoord(&g, kpos[k * dim + d], d);
    for (PetscInt dz = (dim > 2 ? -1 : 0); dz <= (dim > 2 ? 1 : 0); dz++)
      for (PetscInt dy = -1; dy <= 1; dy++)
        for (PetscInt dx = -1; dx <= 1; dx++) {
          const PetscInt cc[3] = {c[0] + dx, c[1] + dy, c[2] + dz};
          PetscBool in         = PETSC_TRUE;
          PetscInt cell;
          for (PetscInt d = 0; d < dim; d++)
            if (cc[d] < 0 || cc[d] >= g.m[d]) in = PETSC_FALSE;
          if (!in) continue;
          cell = GridCell(&g, cc);
          for (PetscInt t = g.start[cell]; t < g.start[cell + 1]; t++) {
            const PetscInt j = g.idx[t];
            if (j != k && Dist2(dim, kpos + k * dim, kpos + j * dim) < r * r) {
              PetscCall(ListPush(&cols, kgid[j]));
              PetscCall(ListPush(&kix, j));
            }
          }
        }
    PetscCall(PetscSortIntWithArray(cols.n - start, cols.a + start, kix.a + start));
    sp->rowptr[i + 1] = cols.n;
  }
  PetscCall(GridDestroy(&g));
  sp->col  = cols.a;
  sp->nsyn = cols.n;
  nsl      = sp->nsyn;
  PetscCallMPI(MPI_Exscan(&nsl, &sp->sstart, 1, MPIU_INT64, MPI_SUM, comm));
  if (rank == 0) sp->sstart = 0;
  PetscCallMPI(MPI_Allreduce(&nsl, &nsyn_global, 1, MPIU_INT64, MPI_SUM, comm));
  PetscCheck(nsyn_global < PETSC_MAX_INT, comm, PETSC_ERR_SUP,
             "A spatial network of %" PetscCount_FMT " synapses: its process ids are 32-bit (fewer than 2^31 synapses)",
             nsyn_global);

  /* processes: the position and territory of each, its Z-order key (pkey), and the processes in the
     order of their keys (perm; keys ikey), in which other ranks fetch them */
  for (PetscInt d = 0; d < dim; d++) nastro *= tiles;
  sp->nastro = nastro;
  PetscCall(PetscMalloc1(sp->nsyn + 1, &sp->astro));
  PetscCall(PetscMalloc1(nastro * dim, &tile));
  for (PetscInt a = 0; a < nastro; a++)
    for (PetscInt d = 0, t = a; d < dim; d++, t /= tiles) tile[a * dim + d] = t % tiles;
  PetscCall(PetscMalloc3(sp->nsyn + 1, &pkey, sp->nsyn + 1, &ikey, sp->nsyn + 1, &perm));
  PetscCall(PetscMalloc1((size_t)sp->nsyn * dim + 1, &ppos)); /* grows into the known processes' positions */
  for (PetscInt i = 0; i < sp->nrows; i++)
    for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) {
      const double *xi = kpos + (ko + i) * dim, *xj = kpos + kix.a[s] * dim;
      double *p = ppos + (size_t)s * dim;
      for (PetscInt d = 0; d < dim; d++) p[d] = xi[d] + (xj[d] - xi[d]) / 3.0;
      sp->astro[s] = Territory(dim, tiles, p);
      pkey[s] = ikey[s] = ZKey(dim, bits, p);
      perm[s]           = s;
    }
  PetscCall(PetscFree(kix.a));
  PetscCall(PetscFree2(kpos, kgid));
  PetscCall(PetscSortIntWithArray(sp->nsyn, ikey, perm));
  {
    PetscInt mine[2] = {sp->nsyn ? ikey[0] : PETSC_MAX_INT, sp->nsyn ? ikey[sp->nsyn - 1] : -1}, *all;
    PetscCall(PetscMalloc1(2 * size, &all));
    PetscCallMPI(MPI_Allgather(mine, 2, MPIU_INT, all, 2, MPIU_INT, comm));
    for (PetscMPIInt q = 0; q < size; q++) { /* the key ranges of the processes now (they overlap) */
      kmin[q] = all[2 * q];
      kmax[q] = all[2 * q + 1];
    }
    PetscCall(PetscFree(all));
  }
  PetscCall(PetscMalloc1(size + 1, &synrange)); /* the processes of rank q: synrange[q] .. synrange[q+1]-1 */
  {
    PetscInt mine = (PetscInt)sp->sstart;
    PetscCallMPI(MPI_Allgather(&mine, 1, MPIU_INT, synrange, 1, MPIU_INT, comm));
    synrange[size] = (PetscInt)nsyn_global;
  }

  if (nsyn_global > 0) {
    /* the gap junction search radius: two cells of the grid a whole network of processes would have */
    const double hp = PetscPowReal(2.0 / (double)nsyn_global, 1.0 / dim);
    const PetscInt np =
        PetscMax(1, PetscMin(PetscMin(1024, (PetscInt)(1.0 / hp)),
                             (PetscInt)PetscCeilReal(2.0 * PetscPowReal((PetscReal)nsyn_global, 1.0 / dim))));
    const double w = 2 * (1.0 / np);
    /* how far to fetch: the gap search radius, and a guess at the links' (a half ball holding 2 links) */
    double want = PetscMax(1.01 * w, 1.5 * PetscPowReal(4.0 * links / ((double)nsyn_global * vol), 1.0 / dim));
    PetscInt *best, *chosen, *nchosen, *pend, npend = sp->nsyn, *pk, *fid = NULL, ng = 0;
    double *bd, *gv = NULL;
    GapCandidate *cand = NULL;
    PetscCount ncand = 0, capcand = 0;

    PetscCall(PetscMalloc2(links, &best, links, &bd));
    PetscCall(PetscMalloc2((size_t)sp->nsyn * links + 1, &chosen, sp->nsyn + 1, &nchosen));
    PetscCall(PetscMalloc2(sp->nsyn + 1, &pend, sp->nsyn + 1, &pk));
    for (PetscInt s = 0; s < sp->nsyn; s++) {
      pend[s] = s;
      pk[s]   = pkey[s];
    }
    /* rounds: fetch the processes near those of ours still pending; a process whose search found what
       lies closer than everything unknown is done; the others try again from twice as far */
    for (PetscInt round = 0;; round++, want *= 2) {
      Fetched fp;
      PetscInt nnew = 0, npend_all;
      double rho;
      Points P;

      PetscCall(FetchNear(comm, dim, bits, want, npend, pk, kmin, kmax, sp->nsyn, ikey, perm, sp->sstart, ppos, &fp));
      rho = (size == 1 || fp.all) ? PETSC_MAX_REAL : 0.999 * fp.reach; /* every process this near ours is known */
      /* the known processes: ours, then the others' (gv: id and position), each once (fid: their ids sorted) */
      PetscCheck(fp.n + ng + sp->nsyn < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "Too many processes near one rank");
      if (round == 0) { /* what came is new, each once (the intervals asked for are disjoint) */
        gv   = fp.v;
        ng   = (PetscInt)fp.n;
        fp.v = NULL;
      } else {
        if (round == 1) {
          PetscCall(PetscMalloc1(ng + 1, &fid));
          for (PetscInt k = 0; k < ng; k++) fid[k] = (PetscInt)gv[(size_t)k * (dim + 1)];
          PetscCall(PetscSortInt(ng, fid));
        }
        PetscCall(PetscRealloc(sizeof(double) * ((size_t)(ng + fp.n) * (dim + 1) + 1), &gv));
        PetscCall(PetscRealloc(sizeof(PetscInt) * (size_t)(ng + fp.n + 1), &fid));
        for (PetscCount f = 0; f < fp.n; f++) {
          const double *v = fp.v + (size_t)f * (dim + 1);
          PetscInt loc;
          PetscCall(PetscFindInt((PetscInt)v[0], ng, fid, &loc));
          if (loc >= 0) continue; /* fetched in an earlier round */
          for (PetscInt d = 0; d <= dim; d++) gv[(size_t)(ng + nnew) * (dim + 1) + d] = v[d];
          fid[ng + nnew++] = (PetscInt)v[0];
        }
        ng += nnew;
        PetscCall(PetscSortInt(ng, fid));
      }
      PetscCall(FetchedFree(&fp));
      PetscCheck(gaps == 0 || w < rho, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "Gap junction search beyond the processes fetched");
      P.dim   = dim;
      P.na    = sp->nsyn;
      P.a     = ppos;
      P.b     = gv;
      P.id0   = sp->sstart;
      P.aast  = sp->astro;
      P.tiles = tiles;
      if (round == 0) PetscCall(GridBuild(hp, &P, sp->nsyn + ng, &g)); /* later rounds: few searches, no grid */
      {
        const SpatialCtx cx = {&P, tile, dim};
        PetscInt nf, still = 0;
        double box[6];
        /* links: the nearest processes of the same astrocyte */
        for (PetscInt e = 0; e < npend; e++) {
          const PetscInt s = pend[e];
          TileBox(dim, tiles, tile + sp->astro[s] * dim, box);
          if (round == 0)
            Nearest(&g, &P, s, links, PETSC_MAX_REAL, SameAstrocyte, &cx, box, PETSC_TRUE, best, bd, &nf);
          else
            NearestAll(&P, sp->nsyn + ng, s, links, SameAstrocyte, &cx, best, bd, &nf);
          if (rho < PETSC_MAX_REAL && (nf < links || bd[links - 1] >= rho * rho)) {
            pend[still] = s;
            pk[still++] = pkey[s];
            continue;
          }
          nchosen[s] = nf;
          for (PetscInt t = 0; t < nf; t++) chosen[(size_t)s * links + t] = PointId(&P, best[t]);
        }
        npend = still;
        /* gap junction candidates (the first round: w < rho): processes within w of a face of their
           tile, and the nearest process of a neighbouring astrocyte within w */
        for (PetscInt s = 0; s < sp->nsyn && gaps > 0 && round == 0; s++) {
          PetscBool near = PETSC_FALSE;
          for (PetscInt d = 0; d < dim; d++) {
            const double x = ppos[(size_t)s * dim + d] * tiles, fr = x - PetscFloorReal(x);
            const PetscInt t = tile[sp->astro[s] * dim + d];
            if ((fr * 1.0 / tiles < w && t > 0) || ((1 - fr) * 1.0 / tiles < w && t < tiles - 1)) near = PETSC_TRUE;
          }
          if (!near) continue;
          TileBox(dim, tiles, tile + sp->astro[s] * dim, box);
          Nearest(&g, &P, s, 1, w, NeighbourAstrocyte, &cx, box, PETSC_FALSE, best, bd, &nf);
          if (!nf) continue;
          if (ncand == capcand) {
            capcand = capcand ? 2 * capcand : 1024;
            PetscCall(PetscRealloc(sizeof(GapCandidate) * (size_t)capcand, &cand));
          }
          cand[ncand].a  = PetscMin(sp->astro[s], PointAstro(&P, best[0]));
          cand[ncand].b  = PetscMax(sp->astro[s], PointAstro(&P, best[0]));
          cand[ncand].d2 = bd[0];
          cand[ncand].p  = PetscMin(PointId(&P, s), PointId(&P, best[0]));
          cand[ncand].q  = PetscMax(PointId(&P, s), PointId(&P, best[0]));
          ncand++;
        }
      }
      if (round == 0) PetscCall(GridDestroy(&g));
      PetscCallMPI(MPI_Allreduce(&npend, &npend_all, 1, MPIU_INT, MPI_SUM, comm));
      if (!npend_all) break;
      PetscCall(
          PetscInfo(NULL, "Spatial network: %" PetscInt_FMT " processes search again, from %g\n", npend_all, 2 * want));
    }
    PetscCall(PetscFree2(pend, pk));
    PetscCall(PetscFree(gv));
    PetscCall(PetscFree(fid));

    PetscCall(PetscFree(ppos));
    ppos = NULL;
    PetscCall(PetscFree3(pkey, ikey, perm));

    /* links both ways: each chosen pair also to the rank of the process chosen, when not ours */
    {
      PetscCount *cnt, *fill;
      Entry *send;
      PetscCall(PetscCalloc2(size + 1, &cnt, size + 1, &fill));
      for (PetscInt s = 0; s < sp->nsyn; s++)
        for (PetscInt t = 0; t < nchosen[s]; t++) {
          const PetscMPIInt q = BlockOwner(size, synrange, chosen[(size_t)s * links + t]);
          if (q != rank) cnt[q]++;
        }
      for (PetscMPIInt q = 0; q < size; q++) fill[q + 1] = fill[q] + cnt[q];
      PetscCall(PetscMalloc1(fill[size] + 1, &send));
      for (PetscInt s = 0; s < sp->nsyn; s++)
        for (PetscInt t = 0; t < nchosen[s]; t++) {
          const PetscInt T    = chosen[(size_t)s * links + t];
          const PetscMPIInt q = BlockOwner(size, synrange, T);
          if (q == rank) continue;
          send[fill[q]].row   = T;
          send[fill[q]++].nbr = (PetscInt)(sp->sstart + s);
        }
      PetscCall(TpSpecRowsCSR(comm, synrange, sp->nsyn, links, nchosen, chosen, cnt, send, &sp->mptr, &sp->madj));
      PetscCall(PetscFree2(cnt, fill));
    }
    PetscCall(PetscFree2(chosen, nchosen));

    /* gap junctions: the candidates of each pair of astrocytes meet on one rank, which takes the
       `gaps` closest distinct pairs and sends each to the ranks of its two processes */
    {
      PetscCount *cnt, *fill, nin;
      GapCandidate *send, *in;
      Entry *pick, *out;
      PetscInt npick = 0;
      PetscCall(PetscCalloc2(size + 1, &cnt, size + 1, &fill));
      for (PetscCount e = 0; e < ncand; e++) cnt[((int64_t)cand[e].a * nastro + cand[e].b) % size]++;
      for (PetscMPIInt q = 0; q < size; q++) fill[q + 1] = fill[q] + cnt[q];
      PetscCall(PetscMalloc1(ncand + 1, &send));
      for (PetscCount e = 0; e < ncand; e++) send[fill[((int64_t)cand[e].a * nastro + cand[e].b) % size]++] = cand[e];
      PetscCall(PetscFree(cand));
      PetscCall(TpExchange(comm, sizeof(GapCandidate), cnt, send, &nin, (void **)&in, NULL));
      PetscCall(PetscFree(send));
      qsort(in, (size_t)nin, sizeof(GapCandidate), CompareGap);
      PetscCall(PetscMalloc1(2 * nin + 1, &pick));
      for (PetscCount e = 0, taken = 0; e < nin; e++) {
        if (e > 0 && (in[e].a != in[e - 1].a || in[e].b != in[e - 1].b)) taken = 0;
        if (e > 0 && in[e].p == in[e - 1].p && in[e].q == in[e - 1].q) continue;
        if (taken++ >= gaps) continue;
        pick[npick].row   = in[e].p;
        pick[npick++].nbr = in[e].q;
        pick[npick].row   = in[e].q;
        pick[npick++].nbr = in[e].p;
      }
      PetscCall(PetscFree(in));
      for (PetscMPIInt q = 0; q <= size; q++) cnt[q] = fill[q] = 0;
      for (PetscInt e = 0; e < npick; e++) cnt[BlockOwner(size, synrange, pick[e].row)]++;
      for (PetscMPIInt q = 0; q < size; q++) fill[q + 1] = fill[q] + cnt[q];
      PetscCall(PetscMalloc1(npick + 1, &out));
      for (PetscInt e = 0; e < npick; e++) out[fill[BlockOwner(size, synrange, pick[e].row)]++] = pick[e];
      PetscCall(PetscFree(pick));
      PetscCall(TpSpecRowsCSR(comm, synrange, sp->nsyn, 0, NULL, NULL, cnt, out, &sp->gptr, &sp->gadj));
      PetscCall(PetscFree2(cnt, fill));
    }
    PetscCall(PetscFree2(best, bd));
  } else { /* no synapses: an empty morphology */
    PetscCall(PetscFree3(pkey, ikey, perm));
    PetscCall(PetscCalloc1(1, &sp->mptr));
    PetscCall(PetscCalloc1(1, &sp->madj));
    PetscCall(PetscCalloc1(1, &sp->gptr));
    PetscCall(PetscCalloc1(1, &sp->gadj));
  }
  PetscCall(PetscFree(ppos));
  PetscCall(PetscFree(synrange));
  PetscCall(PetscFree(tile));
  PetscCall(PetscFree(okey));
  PetscCall(PetscFree3(ranges, kmin, kmax));
  PetscFunctionReturn(0);
}
