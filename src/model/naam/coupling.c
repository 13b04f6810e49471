/* The process-to-process couplings T of M1 (hebbian, constant, diffusion, file), summed; see coupling.h.

   Ablation (-PREFIX_ablate_processes f): a fraction f of the processes, each drawn by a stream
   keyed by its synapse's (post, pre) neurons (the same on any number of ranks), is cut off from
   the coupling, as if calcium transport through them were blocked: T becomes P T P with P the
   diagonal of the kept processes (their psi is masked before the kinds accumulate, and the cut-off
   processes receive nothing), and for diffusion the links to cut-off processes disappear from the
   morphology: the Laplacian of the graph of kept processes, P L P plus a diagonal that gives back
   each kept process's links to cut-off ones (so that calcium stays conserved). */
#include "coupling.h"
#include <tpmodel.h> /* log events */
#include <tputil.h>
#include <tph5.h>
#include <tprandom.h>
#include <petscblaslapack.h>

#define TP_MAX_KINDS 8

typedef struct _TpKind TpKind;
struct _TpKind {
  char name[32];
  PetscInt nred, redoff;
  void *data;
  PetscErrorCode (*setfromoptions)(TpCoupling, TpKind *);
  PetscErrorCode (*accumulate)(TpCoupling, TpKind *, const TpBlock *, const double *, double *);
  PetscErrorCode (*apply)(TpCoupling, TpKind *, const TpBlock *, const double *, double, PetscBool, double *);
  double (*quadratic)(TpKind *, const double *);
  PetscErrorCode (*view)(TpKind *, PetscViewer);
  double (*parameter)(TpKind *);  /* the kind's scale, for descriptions */
  double (*parameter2)(TpKind *); /* optional second parameter */
  /* optional, for kinds with neighbours on other ranks: halo exchange of psi, and the local part
     of sum_ijkl T_ijkl psi_ij psi_kl into red (after the exchange, before the reduction) */
  PetscErrorCode (*exchangebegin)(TpCoupling, TpKind *);
  PetscErrorCode (*exchangeend)(TpCoupling, TpKind *);
  PetscErrorCode (*localquadratic)(TpCoupling, TpKind *, double *);
  /* optional, for implicit steppers: add scale d(T psi)/dp into J (after the exchange) */
  PetscErrorCode (*jacobian)(TpCoupling, TpKind *, Mat, const PetscInt *, double, double);
  /* optional, for kinds whose T is more than its entries between kept processes (diffusion): after
     c->keep is set */
  PetscErrorCode (*ablate)(TpCoupling, TpKind *);
  PetscErrorCode (*destroy)(TpKind *);
};

/* What the kinds read of the network, gathered once from its views (tpnetwork.h). */
typedef struct {
  PetscInt N, nloc, rstart, ncol, nastro, nhalo;
  const PetscInt *gid, *rowptr, *col, *colgid, *mptr, *madj, *gptr, *gadj;
  PetscCount nsyn_loc, nsyn;
  PetscBool dense, stencil;
  PetscSF halo;
  const char *connectivity;
} NetView;

static inline PetscInt NetGid(const NetView *net, PetscInt i)
{
  return net->gid ? net->gid[i] : net->rstart + i;
}

struct _p_TpCoupling {
  MPI_Comm comm;
  TpNetwork network; /* for the natural order of processes (kind file) */
  NetView view, *net;
  TpPatterns pat;
  char prefix[64];
  char list[256];
  PetscInt nkinds, nred;
  TpKind kinds[TP_MAX_KINDS];
  TpKind *current;    /* the kind being created by a registered constructor */
  PetscReal ablate;   /* -PREFIX_ablate_processes: the fraction of processes cut off from T */
  PetscInt seed;      /* -PREFIX_ablate_seed */
  PetscInt64 ncut;    /* processes cut off, over all ranks */
  double *keep;       /* local processes: 1 coupled, 0 cut off; NULL: none cut off */
  double *mpsi, *out; /* psi times keep; the coupling's outputs of the cut-off processes, kept */
};

static PetscFunctionList TpCouplingList;

PetscErrorCode TpCouplingRegister(const char name[], PetscErrorCode (*create)(TpCoupling))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&TpCouplingList, name, create));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- hebbian
   T_ijkl = c_T sum_mu xi_i xi_j xi_k xi_l.  Reductions: o_mu = sum_kl xi_k xi_l psi_kl.
   All-to-all rows are two BLAS products per block: Y = Psi Xi (b x K), then Xi_b diag(w) Xi^T. */
typedef struct {
  PetscReal c_T;
  PetscInt K;
  double *xrow; /* local rows of Xi (nloc x K) */
  double *xcol; /* Xi for the column slots (ncol x K) */
  double *work; /* max block rows x K */
  PetscInt wrows;
} Hebbian;

static PetscErrorCode HebbianSetFromOptions(TpCoupling c, TpKind *k)
{
  Hebbian *h = k->data;

  PetscFunctionBegin;
  PetscOptionsBegin(c->comm, c->prefix, "Hebbian coupling", "TpCoupling");
  PetscCall(PetscOptionsReal("-c_T",
                             "Scale c_T of the hebbian coupling T_ijkl = c_T sum_mu xi_i xi_j xi_k xi_l (default 1/N^3 "
                             "all-to-all, N/S^2 for S synapses)",
                             "TpCouplingSetFromOptions", h->c_T, &h->c_T, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode HebbianWork(Hebbian *h, PetscInt rows)
{
  PetscFunctionBegin;
  if (rows > h->wrows) {
    PetscCall(PetscFree(h->work));
    PetscCall(PetscMalloc1((size_t)rows * h->K, &h->work));
    h->wrows = rows;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HebbianAccumulate(TpCoupling c, TpKind *k, const TpBlock *blk, const double *psi, double *red)
{
  Hebbian *h         = k->data;
  const NetView *net = c->net;
  const PetscInt K = h->K, b = blk->i1 - blk->i0;

  PetscFunctionBegin;
  PetscCall(HebbianWork(h, b));
  if (net->dense) {
    PetscBLASInt m, n, kk;
    const double one = 1.0, zero = 0.0;
    PetscCall(PetscBLASIntCast(K, &m));
    PetscCall(PetscBLASIntCast(b, &n));
    PetscCall(PetscBLASIntCast(net->ncol, &kk));
    /* Y^T (K x b) = Xi_col^T (K x N) Psi_b^T (N x b), all column-major views of row-major arrays */
    if (b > 0)
      PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &m, &n, &kk, &one, h->xcol, &m, psi, &kk, &zero, h->work, &m));
  } else {
    const PetscInt *rp = net->rowptr, *col = net->col, q0 = rp[blk->i0];
    for (PetscInt i = blk->i0; i < blk->i1; i++) {
      double *y = h->work + (size_t)(i - blk->i0) * K;
      for (PetscInt mu = 0; mu < K; mu++) y[mu] = 0;
      for (PetscInt q = rp[i]; q < rp[i + 1]; q++) {
        const double v  = psi[q - q0];
        const double *x = h->xcol + (size_t)col[q] * K;
        for (PetscInt mu = 0; mu < K; mu++) y[mu] += v * x[mu];
      }
    }
  }
  for (PetscInt i = 0; i < b; i++) {
    const double *y = h->work + (size_t)i * K, *x = h->xrow + (size_t)(blk->i0 + i) * K;
    for (PetscInt mu = 0; mu < K; mu++) red[mu] += x[mu] * y[mu];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode HebbianApply(TpCoupling c, TpKind *k, const TpBlock *blk, const double *red, double scale,
                                   PetscBool add, double *out)
{
  Hebbian *h         = k->data;
  const NetView *net = c->net;
  const PetscInt K = h->K, b = blk->i1 - blk->i0;

  PetscFunctionBegin;
  PetscCall(HebbianWork(h, b));
  /* A = scale c_T Xi_b diag(o) */
  for (PetscInt i = 0; i < b; i++) {
    const double *x = h->xrow + (size_t)(blk->i0 + i) * K;
    double *a       = h->work + (size_t)i * K;
    for (PetscInt mu = 0; mu < K; mu++) a[mu] = scale * h->c_T * red[mu] * x[mu];
  }
  if (net->dense) {
    PetscBLASInt m, n, kk;
    const double one = 1.0, beta = add ? 1.0 : 0.0;
    PetscCall(PetscBLASIntCast(net->ncol, &m));
    PetscCall(PetscBLASIntCast(b, &n));
    PetscCall(PetscBLASIntCast(K, &kk));
    /* Out^T (N x b) = Xi_col (N x K) A^T (K x b) */
    if (b > 0)
      PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &m, &n, &kk, &one, h->xcol, &kk, h->work, &kk, &beta, out, &m));
  } else {
    const PetscInt *rp = net->rowptr, *col = net->col, q0 = rp[blk->i0];
    for (PetscInt i = blk->i0; i < blk->i1; i++) {
      const double *a = h->work + (size_t)(i - blk->i0) * K;
      PetscInt q      = rp[i];
      /* four synapses at a time: four independent sums, each over mu in order (the same bits as one at a time),
         so that the latency of one sum's chain of multiply-adds no longer sets the pace */
      for (; q + 4 <= rp[i + 1]; q += 4) {
        const double *x0 = h->xcol + (size_t)col[q] * K, *x1 = h->xcol + (size_t)col[q + 1] * K;
        const double *x2 = h->xcol + (size_t)col[q + 2] * K, *x3 = h->xcol + (size_t)col[q + 3] * K;
        double v0 = 0, v1 = 0, v2 = 0, v3 = 0, *o = out + (q - q0);
        for (PetscInt mu = 0; mu < K; mu++) {
          v0 += a[mu] * x0[mu];
          v1 += a[mu] * x1[mu];
          v2 += a[mu] * x2[mu];
          v3 += a[mu] * x3[mu];
        }
        if (add)
          o[0] += v0, o[1] += v1, o[2] += v2, o[3] += v3;
        else
          o[0] = v0, o[1] = v1, o[2] = v2, o[3] = v3;
      }
      for (; q < rp[i + 1]; q++) {
        const double *x = h->xcol + (size_t)col[q] * K;
        double v        = 0;
        for (PetscInt mu = 0; mu < K; mu++) v += a[mu] * x[mu];
        out[q - q0] = add ? out[q - q0] + v : v;
      }
    }
  }
  PetscFunctionReturn(0);
}

static double HebbianQuadratic(TpKind *k, const double *red)
{
  Hebbian *h = k->data;
  double s   = 0;
  for (PetscInt mu = 0; mu < h->K; mu++) s += red[mu] * red[mu];
  return h->c_T * s;
}

static double HebbianScale(TpKind *k)
{
  return ((Hebbian *)k->data)->c_T;
}

static PetscErrorCode HebbianView(TpKind *k, PetscViewer v)
{
  Hebbian *h = k->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "  coupling hebbian, c_T = %.6g over K = %" PetscInt_FMT " patterns\n",
                                   (double)h->c_T, h->K));
  PetscFunctionReturn(0);
}

static PetscErrorCode HebbianDestroy(TpKind *k)
{
  Hebbian *h = k->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(h->xrow));
  PetscCall(PetscFree(h->xcol));
  PetscCall(PetscFree(h->work));
  PetscCall(PetscFree(k->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode TpCouplingCreate_Hebbian(TpCoupling c)
{
  TpKind *k = c->current;
  Hebbian *h;
  const NetView *net = c->net;
  const double N     = (double)net->N;
  const double *xi;
  PetscInt K;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetSizes(c->pat, NULL, &K));
  PetscCall(TpPatternsGetPatterns(c->pat, &xi));
  PetscCall(PetscNew(&h));
  h->K = K;
  /* MODELS.md's 1/N^3 for all-to-all; N / S^2 for S synapses keeps the drive of a process per synapse the same
     on sparse networks (1/N^3 leaves a degree-20 network without memory) */
  h->c_T = net->dense ? 1.0 / (N * N * N) : net->nsyn ? N / ((double)net->nsyn * (double)net->nsyn) : 0;
  PetscCall(PetscMalloc1((size_t)net->nloc * K, &h->xrow));
  PetscCall(PetscMalloc1((size_t)net->ncol * K, &h->xcol));
  for (PetscInt i = 0; i < net->nloc; i++)
    PetscCall(PetscArraycpy(h->xrow + (size_t)i * K, xi + (size_t)NetGid(net, i) * K, K));
  for (PetscInt s = 0; s < net->ncol; s++)
    PetscCall(PetscArraycpy(h->xcol + (size_t)s * K, xi + (size_t)net->colgid[s] * K, K));
  k->data           = h;
  k->nred           = K;
  k->setfromoptions = HebbianSetFromOptions;
  k->accumulate     = HebbianAccumulate;
  k->apply          = HebbianApply;
  k->quadratic      = HebbianQuadratic;
  k->view           = HebbianView;
  k->parameter      = HebbianScale;
  k->destroy        = HebbianDestroy;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- constant
   T_ijkl = c (the transformer limit): (T psi)_ij = c sum_kl psi_kl, one global sum. */
typedef struct {
  PetscReal c;
} Constant;

static PetscErrorCode ConstantSetFromOptions(TpCoupling c, TpKind *k)
{
  Constant *t = k->data;

  PetscFunctionBegin;
  PetscOptionsBegin(c->comm, c->prefix, "Constant coupling", "TpCoupling");
  PetscCall(PetscOptionsReal("-T_constant", "Value c of the constant coupling T_ijkl = c (default 1/N^2)",
                             "TpCouplingSetFromOptions", t->c, &t->c, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode ConstantAccumulate(TpCoupling c, TpKind *k, const TpBlock *blk, const double *psi, double *red)
{
  const PetscInt n = c->net->rowptr[blk->i1] - c->net->rowptr[blk->i0];
  double s         = 0;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < n; q++) s += psi[q];
  red[0] += s;
  PetscFunctionReturn(0);
}

static PetscErrorCode ConstantApply(TpCoupling c, TpKind *k, const TpBlock *blk, const double *red, double scale,
                                    PetscBool add, double *out)
{
  const PetscInt n = c->net->rowptr[blk->i1] - c->net->rowptr[blk->i0];
  const double v   = scale * ((Constant *)k->data)->c * red[0];

  PetscFunctionBegin;
  if (add)
    for (PetscInt q = 0; q < n; q++) out[q] += v;
  else
    for (PetscInt q = 0; q < n; q++) out[q] = v;
  PetscFunctionReturn(0);
}

static double ConstantQuadratic(TpKind *k, const double *red)
{
  return ((Constant *)k->data)->c * red[0] * red[0];
}

static double ConstantValue(TpKind *k)
{
  return ((Constant *)k->data)->c;
}

static PetscErrorCode ConstantView(TpKind *k, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "  coupling constant, c = %.6g\n", (double)((Constant *)k->data)->c));
  PetscFunctionReturn(0);
}

static PetscErrorCode ConstantDestroy(TpKind *k)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(k->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode TpCouplingCreate_Constant(TpCoupling c)
{
  TpKind *k = c->current;
  Constant *t;

  PetscFunctionBegin;
  PetscCall(PetscNew(&t));
  t->c              = 1.0 / ((double)c->net->N * (double)c->net->N);
  k->data           = t;
  k->nred           = 1;
  k->setfromoptions = ConstantSetFromOptions;
  k->accumulate     = ConstantAccumulate;
  k->apply          = ConstantApply;
  k->quadratic      = ConstantQuadratic;
  k->view           = ConstantView;
  k->parameter      = ConstantValue;
  k->destroy        = ConstantDestroy;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- diffusion
   Calcium diffusion between adjacent processes of an astrocyte, and across gap junctions between
   astrocytes with its own coefficient:
     (T psi)_ij = D sum_{kl in nbr(ij)} (psi_kl - psi_ij) + D_gap sum_{kl in gap(ij)} (psi_kl - psi_ij)
   The kind keeps the whole local psi (its accumulate copies each block) followed by the halo: the
   processes of other ranks adjacent to local ones, which a PetscSF brings from their owners.
   Two forms: the sheet of an all-to-all network in natural order (process (i, j) adjacent to
   (i +- 1, j) and (i, j +- 1); the halo is the rows above and below the rank's rows) as a stencil,
   and adjacency lists (tpnetwork.h) for every other morphology or partition.
   The adjacency lists are also kept in slices of TP_SLICE consecutive processes (sliced ELLPACK):
   slice s holds, for e below its width (its longest list), the e-th neighbour of each of its
   processes lane by lane, shorter lists padded with the slot of a -0.0 (x + -0.0 is x, bit for
   bit, for every x). A slice's sums then run as TP_SLICE independent chains (vector gathers where
   the CPU has them) with no branch per list, each in the order of its list: the same bits as one
   list at a time, about twice as fast on the spatial generator's morphologies. */
#define TP_SLICE 8
typedef struct {
  PetscReal D, Dgap;
  PetscInt N;
  double *psi;        /* local processes, then the halo: [local | halo] */
  PetscBool up, down; /* stencil: the halo holds the row above (global rstart - 1) / below (rstart + nloc) */
  PetscSF sf;         /* local psi (roots) -> halo (leaves) */
  double *row;        /* stencil: one row of scratch */
  PetscInt *halocol;  /* global column of each halo slot (implicit steppers), or NULL */
  PetscInt *sptr;     /* adjacency lists: slice s's entries are scol[sptr[s] .. sptr[s + 1]) */
  PetscInt *scol;     /* ... lane by lane, each a slot of psi; padding: the slot after the halo (-0.0) */
  double *cut;        /* ablation: sum of the weights of each local process's links to cut-off ones, or NULL */
} Diffusion;

static PetscErrorCode DiffusionSetFromOptions(TpCoupling c, TpKind *k)
{
  Diffusion *d = k->data;

  PetscFunctionBegin;
  PetscOptionsBegin(c->comm, c->prefix, "Diffusion coupling", "TpCoupling");
  PetscCall(PetscOptionsReal("-diffusion",
                             "Diffusion coefficient D of calcium between adjacent processes (default 0.01/N "
                             "all-to-all, 0.01 N/S for S synapses)",
                             "TpCouplingSetFromOptions", d->D, &d->D, NULL));
  PetscCheck(d->D >= 0 && PetscIsNormalReal(d->D + 1), c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sdiffusion must be a non-negative number; got %.6g", c->prefix, (double)d->D);
  d->Dgap = d->D;
  PetscCall(PetscOptionsReal("-gap_diffusion",
                             "Coefficient of calcium exchange through gap junctions between astrocytes (default D)",
                             "TpCouplingSetFromOptions", d->Dgap, &d->Dgap, NULL));
  PetscOptionsEnd();
  PetscCheck(d->Dgap >= 0 && PetscIsNormalReal(d->Dgap + 1), c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sgap_diffusion must be a non-negative number; got %.6g", c->prefix, (double)d->Dgap);
  PetscFunctionReturn(0);
}

/* Kinds that need every local psi at once (diffusion, file) keep a copy: the block's psi into all[] at its offset. */
static PetscErrorCode KeepBlock(TpCoupling c, const TpBlock *blk, const double *psi, double *all)
{
  const PetscInt *rp = c->net->rowptr;

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(all + rp[blk->i0], psi, rp[blk->i1] - rp[blk->i0]));
  PetscFunctionReturn(0);
}

static PetscErrorCode DiffusionAccumulate(TpCoupling c, TpKind *k, const TpBlock *blk, const double *psi, double *red)
{
  PetscFunctionBegin;
  PetscCall(KeepBlock(c, blk, psi, ((Diffusion *)k->data)->psi));
  PetscFunctionReturn(0);
}

static PetscErrorCode DiffusionExchangeBegin(TpCoupling c, TpKind *k)
{
  Diffusion *d = k->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_HALO, 0, 0, 0, 0));
  PetscCall(PetscSFBcastBegin(d->sf, MPI_DOUBLE, d->psi, d->psi + c->net->nsyn_loc, MPI_REPLACE));
  PetscCall(PetscLogEventEnd(TP_EVENT_HALO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode DiffusionExchangeEnd(TpCoupling c, TpKind *k)
{
  Diffusion *d = k->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_HALO, 0, 0, 0, 0));
  PetscCall(PetscSFBcastEnd(d->sf, MPI_DOUBLE, d->psi, d->psi + c->net->nsyn_loc, MPI_REPLACE));
  PetscCall(PetscLogEventEnd(TP_EVENT_HALO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Adjacency lists: (T psi)_q for the local processes q in [q0, q1), times scale, into out[q - q0] (or added). */
static void DiffusionGraph(const Diffusion *d, const NetView *net, PetscInt q0, PetscInt q1, double scale,
                           PetscBool add, double *restrict out)
{
  const PetscInt *mp = net->mptr, *gp = net->gptr, *ga = net->gadj;
  const double *psi = d->psi, fD = scale * d->D, fG = scale * d->Dgap;
  for (PetscInt s = q0 / TP_SLICE; s * TP_SLICE < q1; s++) {
    const PetscInt *col = d->scol + d->sptr[s], w = (d->sptr[s + 1] - d->sptr[s]) / TP_SLICE;
    double a[TP_SLICE], a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0; /* in registers */
    for (const PetscInt *c = col; c < col + w * TP_SLICE; c += TP_SLICE) {
      a0 += psi[c[0]], a1 += psi[c[1]], a2 += psi[c[2]], a3 += psi[c[3]];
      a4 += psi[c[4]], a5 += psi[c[5]], a6 += psi[c[6]], a7 += psi[c[7]];
    }
    a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3, a[4] = a4, a[5] = a5, a[6] = a6, a[7] = a7;
    for (PetscInt l = 0; l < TP_SLICE; l++) {
      const PetscInt q = s * TP_SLICE + l;
      double c0, v;
      if (q < q0 || q >= q1) continue;
      c0 = psi[q];
      v  = fD * (a[l] - (mp[q + 1] - mp[q]) * c0);
      if (gp[q + 1] > gp[q]) {
        double b = 0;
        for (PetscInt e = gp[q]; e < gp[q + 1]; e++) b += psi[ga[e]];
        v += fG * (b - (gp[q + 1] - gp[q]) * c0);
      }
      out[q - q0] = add ? out[q - q0] + v : v;
    }
  }
}

/* The slices of the adjacency lists (see Diffusion); psi needs the padding slot pad = nsyn_loc + nhalo. */
static PetscErrorCode DiffusionSlice(Diffusion *d, const NetView *net, MPI_Comm comm)
{
  const PetscInt nq = (PetscInt)net->nsyn_loc, ns = (nq + TP_SLICE - 1) / TP_SLICE, pad = nq + net->nhalo;
  const PetscInt *mp = net->mptr, *ma = net->madj;
  PetscCount total = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(ns + 1, &d->sptr));
  d->sptr[0] = 0;
  for (PetscInt s = 0; s < ns; s++) {
    PetscInt w = 0;
    for (PetscInt q = s * TP_SLICE; q < PetscMin(nq, (s + 1) * TP_SLICE); q++) w = PetscMax(w, mp[q + 1] - mp[q]);
    total += (PetscCount)w * TP_SLICE;
    PetscCheck(total <= PETSC_MAX_INT, comm, PETSC_ERR_SUP,
               "The local processes' links, padded in slices of %d, number more than %" PetscInt_FMT
               " (this build's PetscInt): use more ranks or a PETSc with 64-bit indices",
               TP_SLICE, PETSC_MAX_INT);
    d->sptr[s + 1] = (PetscInt)total;
  }
  PetscCall(PetscMalloc1(total + 1, &d->scol));
  for (PetscInt s = 0; s < ns; s++) {
    const PetscInt w = (d->sptr[s + 1] - d->sptr[s]) / TP_SLICE;
    PetscInt *col    = d->scol + d->sptr[s];
    for (PetscInt l = 0; l < TP_SLICE; l++) {
      const PetscInt q = s * TP_SLICE + l, n = q < nq ? mp[q + 1] - mp[q] : 0;
      for (PetscInt e = 0; e < w; e++) col[e * TP_SLICE + l] = e < n ? ma[mp[q] + e] : pad;
    }
  }
  d->psi[pad] = -0.0;
  PetscFunctionReturn(0);
}

/* lap[j] = sum over the neighbours of (i, j) of psi_nbr - psi_ij, for one local row i */
static void DiffusionRow(const Diffusion *d, const NetView *net, PetscInt i, double *restrict lap)
{
  const PetscInt N = d->N;
  const double *c = d->psi + net->rowptr[i], *a = NULL, *b = NULL;
  const double *halo = d->psi + net->nsyn_loc;
  if (i > 0)
    a = c - N;
  else if (d->up)
    a = halo;
  if (i < net->nloc - 1)
    b = c + N;
  else if (d->down)
    b = halo + (d->up ? N : 0);
  lap[0] = N > 1 ? c[1] - c[0] : 0;
  if (N > 1) lap[N - 1] = c[N - 2] - c[N - 1];
#pragma omp simd
  for (PetscInt j = 1; j < N - 1; j++) lap[j] = c[j - 1] + c[j + 1] - 2 * c[j];
  if (a)
#pragma omp simd
    for (PetscInt j = 0; j < N; j++) lap[j] += a[j] - c[j];
  if (b)
#pragma omp simd
    for (PetscInt j = 0; j < N; j++) lap[j] += b[j] - c[j];
}

static PetscErrorCode DiffusionApply(TpCoupling c, TpKind *k, const TpBlock *blk, const double *red, double scale,
                                     PetscBool add, double *out)
{
  Diffusion *d       = k->data;
  const PetscInt *rp = c->net->rowptr, N = d->N;
  const double f = scale * d->D;

  PetscFunctionBegin;
  if (!c->net->stencil) {
    const NetView *net = c->net;
    const PetscInt q0 = rp[blk->i0], q1 = rp[blk->i1];
    DiffusionGraph(d, net, q0, q1, scale, add, out);
    PetscCall(PetscLogFlops(2.0 * (net->mptr[q1] - net->mptr[q0] + net->gptr[q1] - net->gptr[q0])));
  } else {
    for (PetscInt i = blk->i0; i < blk->i1; i++) {
      double *o = out + (rp[i] - rp[blk->i0]);
      DiffusionRow(d, c->net, i, d->row);
      if (add)
        for (PetscInt j = 0; j < N; j++) o[j] += f * d->row[j];
      else
        for (PetscInt j = 0; j < N; j++) o[j] = f * d->row[j];
    }
    PetscCall(PetscLogFlops(6.0 * (rp[blk->i1] - rp[blk->i0])));
  }
  if (d->cut) /* the links to cut-off processes (whose masked psi is 0) are not links */
    for (PetscInt q = rp[blk->i0]; q < rp[blk->i1]; q++) out[q - rp[blk->i0]] += scale * d->cut[q] * d->psi[q];
  PetscFunctionReturn(0);
}

/* red[0] = the local part of sum_ij psi_ij (T psi)_ij (after the exchange) */
static PetscErrorCode DiffusionLocalQuadratic(TpCoupling c, TpKind *k, double *red)
{
  Diffusion *d = k->data;
  double s     = 0;

  PetscFunctionBegin;
  if (!c->net->stencil) {
    for (PetscInt q0 = 0; q0 < (PetscInt)c->net->nsyn_loc; q0 += d->N) {
      const PetscInt q1 = PetscMin((PetscInt)c->net->nsyn_loc, q0 + d->N);
      DiffusionGraph(d, c->net, q0, q1, 1.0, PETSC_FALSE, d->row);
      for (PetscInt q = q0; q < q1; q++) s += d->psi[q] * d->row[q - q0];
    }
    red[0] = s;
  } else {
    for (PetscInt i = 0; i < c->net->nloc; i++) {
      const double *ps = d->psi + c->net->rowptr[i];
      DiffusionRow(d, c->net, i, d->row);
      for (PetscInt j = 0; j < d->N; j++) s += ps[j] * d->row[j];
    }
    red[0] = d->D * s;
  }
  if (d->cut)
    for (PetscInt q = 0; q < (PetscInt)c->net->nsyn_loc; q++) red[0] += d->cut[q] * d->psi[q] * d->psi[q];
  PetscFunctionReturn(0);
}

/* The neighbours of local process q as slots of [local | halo] and their weights. */
static PetscInt DiffusionNeighbours(const Diffusion *d, const NetView *net, PetscInt q, PetscInt *slot, double *w)
{
  PetscInt n = 0;
  if (!net->stencil) {
    for (PetscInt e = net->mptr[q]; e < net->mptr[q + 1]; e++, n++) slot[n] = net->madj[e], w[n] = d->D;
    for (PetscInt e = net->gptr[q]; e < net->gptr[q + 1]; e++, n++) slot[n] = net->gadj[e], w[n] = d->Dgap;
    return n;
  } else {
    const PetscInt N = d->N, i = q / N, j = q % N, halo = (PetscInt)net->nsyn_loc;
    if (j > 0) slot[n] = q - 1, w[n++] = d->D;
    if (j < N - 1) slot[n] = q + 1, w[n++] = d->D;
    if (i > 0)
      slot[n] = q - N, w[n++] = d->D;
    else if (d->up)
      slot[n] = halo + j, w[n++] = d->D;
    if (i < net->nloc - 1)
      slot[n] = q + N, w[n++] = d->D;
    else if (d->down)
      slot[n] = halo + (d->up ? N : 0) + j, w[n++] = d->D;
    return n;
  }
}

/* J += scale d(T psi)/dp with psi = tanh(beta p): d/dp_q = -sum w psi'(p_q), d/dp_nbr = w psi'(p_nbr). */
static PetscErrorCode DiffusionJacobian(TpCoupling c, TpKind *k, Mat J, const PetscInt *pstart, double beta,
                                        double scale)
{
  Diffusion *d       = k->data;
  const NetView *net = c->net;
  PetscMPIInt rank;
  PetscInt slot[256], cols[257];
  double w[256], vals[257];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(c->comm, &rank));
  if (!d->halocol) {
    PetscInt nleaves;
    const PetscInt *ilocal;
    const PetscSFNode *iremote;
    PetscCall(PetscSFGetGraph(d->sf, NULL, &nleaves, &ilocal, &iremote));
    PetscCall(PetscMalloc1(nleaves + 1, &d->halocol));
    for (PetscInt h = 0; h < nleaves; h++)
      d->halocol[ilocal ? ilocal[h] : h] = pstart[iremote[h].rank] + iremote[h].index;
  }
  for (PetscInt q = 0; q < (PetscInt)net->nsyn_loc; q++) {
    const PetscInt n = DiffusionNeighbours(d, net, q, slot, w), row = pstart[rank] + q;
    double diag = 0;
    PetscCheck(n <= 256, PETSC_COMM_SELF, PETSC_ERR_SUP, "Process %" PetscInt_FMT " has more than 256 neighbours", q);
    for (PetscInt e = 0; e < n; e++) {
      const PetscInt s = slot[e];
      const double ps  = d->psi[s];
      cols[e + 1]      = s < (PetscInt)net->nsyn_loc ? pstart[rank] + s : d->halocol[s - net->nsyn_loc];
      vals[e + 1]      = scale * w[e] * beta * (1 - ps * ps);
      diag -= w[e];
    }
    cols[0] = row;
    vals[0] = scale * diag * beta * (1 - d->psi[q] * d->psi[q]);
    PetscCall(MatSetValues(J, 1, &row, n + 1, cols, vals, ADD_VALUES));
  }
  PetscFunctionReturn(0);
}

/* Ablation: the cut-off processes' mask reaches the halo through the exchange's PetscSF; each kept
   process then sums the weights of its links to cut-off ones (which DiffusionApply gives back). */
static PetscErrorCode DiffusionAblate(TpCoupling c, TpKind *k)
{
  Diffusion *d       = k->data;
  const NetView *net = c->net;
  const PetscInt nq  = (PetscInt)net->nsyn_loc;
  PetscInt slot[256];
  double w[256];

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(d->psi, c->keep, nq));
  PetscCall(PetscSFBcastBegin(d->sf, MPI_DOUBLE, d->psi, d->psi + nq, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(d->sf, MPI_DOUBLE, d->psi, d->psi + nq, MPI_REPLACE));
  PetscCall(PetscCalloc1(nq + 1, &d->cut));
  for (PetscInt q = 0; q < nq; q++) {
    const PetscInt n = DiffusionNeighbours(d, net, q, slot, w);
    PetscCheck(n <= 256, PETSC_COMM_SELF, PETSC_ERR_SUP, "Process %" PetscInt_FMT " has more than 256 neighbours", q);
    if (c->keep[q] != 0)
      for (PetscInt e = 0; e < n; e++)
        if (d->psi[slot[e]] == 0) d->cut[q] += w[e];
  }
  PetscFunctionReturn(0);
}

static double DiffusionQuadratic(TpKind *k, const double *red)
{
  return red[0];
}

static double DiffusionCoefficient(TpKind *k)
{
  return ((Diffusion *)k->data)->D;
}

static double DiffusionGapCoefficient(TpKind *k)
{
  return ((Diffusion *)k->data)->Dgap;
}

static PetscErrorCode DiffusionView(TpKind *k, PetscViewer v)
{
  Diffusion *d = k->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(
      v, "  coupling diffusion, D = %.6g between adjacent processes, %.6g across gap junctions\n", (double)d->D,
      (double)d->Dgap));
  PetscFunctionReturn(0);
}

static PetscErrorCode DiffusionDestroy(TpKind *k)
{
  Diffusion *d = k->data;

  PetscFunctionBegin;
  PetscCall(PetscSFDestroy(&d->sf));
  PetscCall(PetscFree(d->halocol));
  PetscCall(PetscFree(d->sptr));
  PetscCall(PetscFree(d->scol));
  PetscCall(PetscFree(d->psi));
  PetscCall(PetscFree(d->row));
  PetscCall(PetscFree(d->cut));
  PetscCall(PetscFree(k->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode TpCouplingCreate_Diffusion(TpCoupling c)
{
  TpKind *k          = c->current;
  const NetView *net = c->net;
  const PetscInt N   = net->N;
  PetscMPIInt size, rank;
  PetscInt *start, *count, nleaves = 0;
  PetscInt *ilocal;
  PetscSFNode *iremote;
  Diffusion *d;

  PetscFunctionBegin;
  PetscCheck(net->nastro > 0, c->comm, PETSC_ERR_SUP,
             "Coupling diffusion needs astrocytes whose processes are linked: -connectivity all (one sheet astrocyte), "
             "spatial, or file with /processes; got -connectivity %s",
             net->connectivity);
  PetscCallMPI(MPI_Comm_size(c->comm, &size));
  PetscCallMPI(MPI_Comm_rank(c->comm, &rank));
  PetscCall(PetscNew(&d));
  /* no published value: the hebbian drive of a process is O(1/N), and from D ~ 0.1/N on diffusion blurs
     retrieval (N = 60 and 1000, K = 5 and 100); the default stays well below */
  d->D    = net->dense ? 0.01 / (double)N : net->nsyn ? 0.01 * N / (double)net->nsyn : 0; /* 0.01 N/S: c_T S */
  d->Dgap = d->D;
  d->N    = N;
  PetscCall(PetscMalloc1(N, &d->row));
  if (!net->stencil) {                                                        /* adjacency lists: the network's halo */
    PetscCall(PetscMalloc1((size_t)net->nsyn_loc + net->nhalo + 1, &d->psi)); /* [local | halo | -0.0] */
    PetscCall(DiffusionSlice(d, net, c->comm));
    PetscCall(PetscObjectReference((PetscObject)net->halo));
    d->sf = net->halo;
    goto done;
  }
  /* who owns which rows */
  PetscCall(PetscMalloc2(size, &start, size, &count));
  PetscCallMPI(MPI_Allgather(&net->rstart, 1, MPIU_INT, start, 1, MPIU_INT, c->comm));
  PetscCallMPI(MPI_Allgather(&net->nloc, 1, MPIU_INT, count, 1, MPIU_INT, c->comm));
  d->up   = (PetscBool)(net->nloc > 0 && net->rstart > 0);
  d->down = (PetscBool)(net->nloc > 0 && net->rstart + net->nloc < N);
  PetscCall(PetscMalloc1((size_t)net->nsyn_loc + 2 * N, &d->psi));
  PetscCall(PetscMalloc2(2 * N, &ilocal, 2 * N, &iremote));
  for (int side = 0; side < 2; side++) {
    const PetscInt g  = side ? net->rstart + net->nloc : net->rstart - 1; /* the halo row's global id */
    PetscMPIInt owner = -1;
    if (!(side ? d->down : d->up)) continue;
    for (PetscMPIInt r = 0; r < size; r++)
      if (count[r] > 0 && start[r] <= g && g < start[r] + count[r]) owner = r;
    PetscCheck(owner >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "No rank owns row %" PetscInt_FMT, g);
    for (PetscInt j = 0; j < N; j++) {
      ilocal[nleaves]        = nleaves;
      iremote[nleaves].rank  = owner;
      iremote[nleaves].index = (g - start[owner]) * N + j;
      nleaves++;
    }
  }
  PetscCall(PetscSFCreate(c->comm, &d->sf));
  PetscCall(
      PetscSFSetGraph(d->sf, (PetscInt)net->nsyn_loc, nleaves, ilocal, PETSC_COPY_VALUES, iremote, PETSC_COPY_VALUES));
  PetscCall(PetscSFSetUp(d->sf));
  PetscCall(PetscFree2(ilocal, iremote));
  PetscCall(PetscFree2(start, count));
done:
  k->data           = d;
  k->nred           = 1;
  k->setfromoptions = DiffusionSetFromOptions;
  k->accumulate     = DiffusionAccumulate;
  k->apply          = DiffusionApply;
  k->quadratic      = DiffusionQuadratic;
  k->view           = DiffusionView;
  k->parameter      = DiffusionCoefficient;
  k->parameter2     = DiffusionGapCoefficient;
  k->destroy        = DiffusionDestroy;
  k->exchangebegin  = DiffusionExchangeBegin;
  k->exchangeend    = DiffusionExchangeEnd;
  k->localquadratic = DiffusionLocalQuadratic;
  k->jacobian       = DiffusionJacobian;
  k->ablate         = DiffusionAblate;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- file
   An explicit sparse T over process pairs, read from HDF5 (learned couplings):
     (T psi)_q = sum_e data[e] psi_indices[e],  e in [indptr[q], indptr[q + 1])
   with processes numbered in natural order (process q is synapse q of the network's CSR, as in
   /network/indptr and /network/indices of an output written with -save_synapses, or /synapses of a
   network file). Each rank reads the rows of its slice of natural order (hyperslabs, nothing on one
   rank is O(T)); psi moves to natural order, the columns other ranks own arrive through a PetscSF,
   and T psi moves back to engine order. */
typedef struct {
  char path[PETSC_MAX_PATH_LEN];
  PetscInt n, nhalo;  /* natural slice: rows; columns owned elsewhere */
  PetscInt *ptr, *ix; /* the slice's rows: entries index [slice | halo] */
  double *val;
  double *psi;  /* engine order, copied block by block */
  double *nat;  /* [natural slice | halo] */
  double *tnat; /* T psi, natural slice */
  double *tpsi; /* T psi, engine order */
  PetscSF sf;   /* natural slices (roots) -> halo (leaves) */
  PetscBool symmetric;
  uint64_t hash; /* of every entry, order-independent: the same T on any number of ranks */
  long long nnz;
} FileT;

/* One hyperslab [start, start + count) of a 1-D dataset, read by this rank alone. */
static PetscBool ReadSlab(hid_t f, const char *name, hid_t memtype, long long start, long long count, void *buf)
{
  hid_t d = -1, fs = -1, ms = -1;
  hsize_t st = (hsize_t)start, ct = (hsize_t)count;
  PetscBool ok = PETSC_FALSE;
  if ((d = H5Dopen2(f, name, H5P_DEFAULT)) < 0) return PETSC_FALSE;
  if ((fs = H5Dget_space(d)) >= 0 && (ms = H5Screate_simple(1, &ct, NULL)) >= 0) {
    if (!count)
      ok = (PetscBool)(H5Sselect_none(fs) >= 0 && H5Sselect_none(ms) >= 0 && TpH5Read(d, memtype, ms, fs, buf) >= 0);
    else
      ok = (PetscBool)(H5Sselect_hyperslab(fs, H5S_SELECT_SET, &st, NULL, &ct, NULL) >= 0 &&
                       TpH5Read(d, memtype, ms, fs, buf) >= 0);
  }
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  H5Dclose(d);
  return ok;
}

/* An order-independent hash of one entry (q, t, v): summed over all entries it is the same for T and its
   transpose exactly when (with overwhelming probability) T is symmetric. */
static uint64_t EntryHash(uint64_t q, uint64_t t, double v)
{
  uint64_t h, b;
  memcpy(&b, &v, sizeof(b));
  h = q * 0x9E3779B97F4A7C15ULL ^ (t + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL ^ b;
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 29;
  return h;
}

static PetscErrorCode FileLoad(TpCoupling c, FileT *ft)
{
  const char *opt = "coupling_file";
  PetscCount nloc, start;
  long long nsyn = (long long)c->net->nsyn, nnz = 0, lo, hi, *ptr = NULL, *ix = NULL;
  char why[2 * PETSC_MAX_PATH_LEN + 256];
  hid_t f;
  int bad = 0, ndims;
  hsize_t dims[2];
  uint64_t sym[2] = {0, 0};
  PetscInt *cols  = NULL;

  PetscFunctionBegin;
  PetscCheck(ft->path[0], c->comm, PETSC_ERR_ARG_WRONG,
             "Coupling file needs its T: give -%s%s FILE (HDF5: /coupling/indptr, /coupling/indices, /coupling/data "
             "over the network's processes in natural order)",
             c->prefix, opt);
  PetscCall(TpNetworkGetNaturalSizes(c->network, TP_PER_SYNAPSE, &nloc, &start));
  ft->n = (PetscInt)nloc;
  {
    char option[96];
    PetscCall(PetscSNPrintf(option, sizeof(option), "-%s%s", c->prefix, opt));
    PetscCall(TpH5OpenShared(c->comm, ft->path, H5P_DEFAULT, "coupling file", option, why, sizeof(why), &f));
  }
  PetscCheck(!why[0], c->comm, PETSC_ERR_FILE_UNEXPECTED, "%s", why);
  PetscCheck(f >= 0, c->comm, PETSC_ERR_FILE_OPEN, "Option -%s%s: cannot open '%s' as an HDF5 file", c->prefix, opt,
             ft->path);
  { /* the network it was made for, when the file says (the network_hash of an output or a checkpoint) */
    long long v;
    PetscBool found;
    uint64_t h;
    PetscCall(TpH5ReadAttrInt(f, "network_hash", &v, &found));
    PetscCall(TpNetworkFingerprint(c->network, &h));
    if (found && (uint64_t)v != h) H5Fclose(f);
    PetscCheck(!found || (uint64_t)v == h, c->comm, PETSC_ERR_FILE_UNEXPECTED,
               "Coupling file '%s' (option -%s%s) was made for another network: its network_hash is %lld, this run's "
               "network's %lld",
               ft->path, c->prefix, opt, v, (long long)h);
  }
  /* shapes, the same on every rank */
  for (int q = 0; q < 3 && !bad; q++) {
    /* (an array, not nested conditionals: GCC 12.2 at -O2 -march=native on a Rocket Lake Xeon gave the second
       iteration the third name) */
    static const char *const names[3] = {"/coupling/indptr", "/coupling/indices", "/coupling/data"};
    const char *name                  = names[q];
    if (!TpH5GetExtent(f, name, &ndims, dims) || ndims != 1) {
      bad = 1 + q;
      break;
    }
    if (q == 0 && (long long)dims[0] != nsyn + 1) bad = 4;
    if (q == 1) nnz = (long long)dims[0];
    if (q == 2 && (long long)dims[0] != nnz) bad = 5;
  }
  if (bad) H5Fclose(f);
  PetscCheck(bad < 1 || bad > 3, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Coupling file '%s' (option -%s%s) has no 1-D dataset %s", ft->path, c->prefix, opt,
             bad == 1   ? "/coupling/indptr"
             : bad == 2 ? "/coupling/indices"
                        : "/coupling/data");
  PetscCheck(bad != 4, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Coupling file '%s' (option -%s%s): /coupling/indptr has %llu entries, but the network has %lld processes "
             "(synapses), so it needs %lld",
             ft->path, c->prefix, opt, (unsigned long long)dims[0], nsyn, nsyn + 1);
  PetscCheck(bad != 5, c->comm, PETSC_ERR_FILE_UNEXPECTED,
             "Coupling file '%s' (option -%s%s): /coupling/data has %llu entries and /coupling/indices %lld; they must "
             "be the same",
             ft->path, c->prefix, opt, (unsigned long long)dims[0], nnz);
  /* this rank's rows: indptr[start .. start + n], validated before anything is indexed */
  PetscCall(PetscMalloc1(ft->n + 1, &ptr));
  if (!ReadSlab(f, "/coupling/indptr", H5T_NATIVE_LLONG, (long long)start, ft->n + 1, ptr)) bad = 1;
  lo = bad ? 0 : ptr[0];
  hi = bad ? 0 : ptr[ft->n];
  for (PetscInt q = 0; q < ft->n && !bad; q++)
    if (ptr[q + 1] < ptr[q]) bad = 2;
  if (!bad && (lo < 0 || hi > nnz)) bad = 3;
  if (!bad && start == 0 && lo != 0) bad = 4;
  if (!bad && (long long)(start + nloc) == nsyn && hi != nnz) bad = 5;
  if (!bad && hi - lo > PETSC_MAX_INT) bad = 6;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, c->comm));
  if (bad) {
    H5Fclose(f);
    PetscCall(PetscFree(ptr));
  }
  PetscCheck(!bad, c->comm, PETSC_ERR_FILE_UNEXPECTED, "Coupling file '%s' (option -%s%s): /coupling/indptr %s",
             ft->path, c->prefix, opt,
             bad == 1   ? "cannot be read"
             : bad == 2 ? "decreases somewhere (row offsets must not)"
             : bad == 3 ? "has an offset outside [0, the length of /coupling/indices]"
             : bad == 4 ? "does not start at 0"
             : bad == 5 ? "does not end at the length of /coupling/indices"
                        : "gives one rank more entries than this build's PetscInt can count: use more ranks");
  PetscCall(PetscMalloc1(hi - lo + 1, &ix));
  PetscCall(PetscMalloc1(hi - lo + 1, &ft->val));
  PetscCall(PetscMalloc1(hi - lo + 1, &cols));
  if (!ReadSlab(f, "/coupling/indices", H5T_NATIVE_LLONG, lo, hi - lo, ix) ||
      !ReadSlab(f, "/coupling/data", H5T_NATIVE_DOUBLE, lo, hi - lo, ft->val))
    bad = 1;
  for (long long e = 0; e < hi - lo && !bad; e++) {
    if (ix[e] < 0 || ix[e] >= nsyn)
      bad = 2;
    else if (!PetscIsNormalReal(ft->val[e]) && ft->val[e] != 0)
      bad = 3;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, c->comm));
  H5Fclose(f);
  if (bad) {
    PetscCall(PetscFree(ptr));
    PetscCall(PetscFree(ix));
    PetscCall(PetscFree(ft->val));
    PetscCall(PetscFree(cols));
  }
  PetscCheck(!bad, c->comm, PETSC_ERR_FILE_UNEXPECTED, "Coupling file '%s' (option -%s%s): /coupling/%s", ft->path,
             c->prefix, opt,
             bad == 1   ? "indices or /coupling/data cannot be read"
             : bad == 2 ? "indices has a process outside [0, the network's synapse count)"
                        : "data has a value that is not a finite number");
  /* symmetry (T_ijkl = T_klij, which the energy needs): one reduction of two order-independent hashes */
  for (PetscInt q = 0; q < ft->n; q++)
    for (long long e = ptr[q] - lo; e < ptr[q + 1] - lo; e++) {
      sym[0] += EntryHash((uint64_t)(start + q), (uint64_t)ix[e], ft->val[e]);
      sym[1] += EntryHash((uint64_t)ix[e], (uint64_t)(start + q), ft->val[e]);
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sym, 2, MPI_UINT64_T, MPI_SUM, c->comm));
  ft->symmetric = (PetscBool)(sym[0] == sym[1]);
  ft->hash      = sym[0];
  ft->nnz       = nnz;
  /* columns: the natural slice's own, then the halo (sorted, unique) */
  {
    PetscInt nh = 0;
    PetscLayout map;
    PetscCall(PetscMalloc2(ft->n + 1, &ft->ptr, hi - lo + 1, &ft->ix));
    for (PetscInt q = 0; q <= ft->n; q++) ft->ptr[q] = (PetscInt)(ptr[q] - lo);
    for (long long e = 0; e < hi - lo; e++)
      if (ix[e] < (long long)start || ix[e] >= (long long)(start + nloc)) cols[nh++] = (PetscInt)ix[e];
    PetscCall(PetscSortRemoveDupsInt(&nh, cols));
    ft->nhalo = nh;
    for (long long e = 0; e < hi - lo; e++) {
      PetscInt slot;
      if (ix[e] >= (long long)start && ix[e] < (long long)(start + nloc))
        ft->ix[e] = (PetscInt)(ix[e] - (long long)start);
      else {
        PetscCall(PetscFindInt((PetscInt)ix[e], nh, cols, &slot));
        ft->ix[e] = ft->n + slot;
      }
    }
    PetscCall(PetscLayoutCreateFromSizes(c->comm, ft->n, PETSC_DECIDE, 1, &map));
    PetscCall(PetscSFCreate(c->comm, &ft->sf));
    PetscCall(PetscSFSetGraphLayout(ft->sf, map, nh, NULL, PETSC_COPY_VALUES, cols));
    PetscCall(PetscLayoutDestroy(&map));
  }
  PetscCall(PetscFree(ptr));
  PetscCall(PetscFree(ix));
  PetscCall(PetscFree(cols));
  PetscCall(PetscMalloc4((size_t)c->net->nsyn_loc + 1, &ft->psi, (size_t)ft->n + ft->nhalo + 1, &ft->nat,
                         (size_t)ft->n + 1, &ft->tnat, (size_t)c->net->nsyn_loc + 1, &ft->tpsi));
  if (!ft->symmetric)
    PetscCall(PetscPrintf(c->comm,
                          "tripart: warning: the coupling of '%s' (option -%s%s) is not symmetric (T_ijkl != T_klij): "
                          "the energy is then not a Lyapunov function\n",
                          ft->path, c->prefix, opt));
  PetscFunctionReturn(0);
}

static PetscErrorCode FileSetFromOptions(TpCoupling c, TpKind *k)
{
  FileT *ft = k->data;
  PetscBool help;

  PetscFunctionBegin;
  PetscOptionsBegin(c->comm, c->prefix, "File coupling", "TpCoupling");
  PetscCall(
      PetscOptionsString("-coupling_file",
                         "HDF5 file of T over process pairs in natural order: /coupling/indptr, /coupling/indices, "
                         "/coupling/data",
                         "TpCouplingSetFromOptions", ft->path, ft->path, sizeof(ft->path), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!ft->ptr && !(help && !ft->path[0])) PetscCall(FileLoad(c, ft));
  PetscFunctionReturn(0);
}

static PetscErrorCode FileAccumulate(TpCoupling c, TpKind *k, const TpBlock *blk, const double *psi, double *red)
{
  PetscFunctionBegin;
  PetscCall(KeepBlock(c, blk, psi, ((FileT *)k->data)->psi));
  PetscFunctionReturn(0);
}

static PetscErrorCode FileExchangeBegin(TpCoupling c, TpKind *k)
{
  FileT *ft = k->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_HALO, 0, 0, 0, 0));
  PetscCall(TpNetworkToNatural(c->network, TP_PER_SYNAPSE, MPI_DOUBLE, ft->psi, ft->nat));
  PetscCall(PetscSFBcastBegin(ft->sf, MPI_DOUBLE, ft->nat, ft->nat + ft->n, MPI_REPLACE));
  PetscCall(PetscLogEventEnd(TP_EVENT_HALO, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* After the halo: T psi on the natural slice, then back to engine order. */
static PetscErrorCode FileExchangeEnd(TpCoupling c, TpKind *k)
{
  FileT *ft = k->data;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_HALO, 0, 0, 0, 0));
  PetscCall(PetscSFBcastEnd(ft->sf, MPI_DOUBLE, ft->nat, ft->nat + ft->n, MPI_REPLACE));
  PetscCall(PetscLogEventEnd(TP_EVENT_HALO, 0, 0, 0, 0));
  for (PetscInt q = 0; q < ft->n; q++) {
    double v = 0;
    for (PetscInt e = ft->ptr[q]; e < ft->ptr[q + 1]; e++) v += ft->val[e] * ft->nat[ft->ix[e]];
    ft->tnat[q] = v;
  }
  PetscCall(PetscLogFlops(2.0 * ft->ptr[ft->n]));
  PetscCall(TpNetworkFromNatural(c->network, TP_PER_SYNAPSE, MPI_DOUBLE, ft->tnat, ft->tpsi));
  PetscFunctionReturn(0);
}

static PetscErrorCode FileApply(TpCoupling c, TpKind *k, const TpBlock *blk, const double *red, double scale,
                                PetscBool add, double *out)
{
  FileT *ft          = k->data;
  const PetscInt *rp = c->net->rowptr, q0 = rp[blk->i0], nq = rp[blk->i1] - q0;

  PetscFunctionBegin;
  for (PetscInt q = 0; q < nq; q++) out[q] = add ? out[q] + scale * ft->tpsi[q0 + q] : scale * ft->tpsi[q0 + q];
  PetscFunctionReturn(0);
}

/* red[0] = the local part of sum_q psi_q (T psi)_q (after the exchange) */
static PetscErrorCode FileLocalQuadratic(TpCoupling c, TpKind *k, double *red)
{
  FileT *ft = k->data;
  double s  = 0;

  PetscFunctionBegin;
  for (PetscCount q = 0; q < c->net->nsyn_loc; q++) s += ft->psi[q] * ft->tpsi[q];
  red[0] = s;
  PetscFunctionReturn(0);
}

static double FileQuadratic(TpKind *k, const double *red)
{
  return red[0];
}

/* For descriptions (checkpoints, sweep tables): a hash of every entry, exact in a double, and the entry count. */
static double FileHash(TpKind *k)
{
  return (double)(((FileT *)k->data)->hash >> 11);
}

static double FileEntries(TpKind *k)
{
  return (double)((FileT *)k->data)->nnz;
}

static PetscErrorCode FileView(TpKind *k, PetscViewer v)
{
  FileT *ft = k->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "  coupling file '%s', %lld entries, %s\n", ft->path, ft->nnz,
                                   ft->symmetric ? "symmetric" : "not symmetric"));
  PetscFunctionReturn(0);
}

static PetscErrorCode FileDestroy(TpKind *k)
{
  FileT *ft = k->data;

  PetscFunctionBegin;
  PetscCall(PetscSFDestroy(&ft->sf));
  PetscCall(PetscFree2(ft->ptr, ft->ix));
  PetscCall(PetscFree(ft->val));
  PetscCall(PetscFree4(ft->psi, ft->nat, ft->tnat, ft->tpsi));
  PetscCall(PetscFree(k->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode TpCouplingCreate_File(TpCoupling c)
{
  TpKind *k = c->current;
  FileT *ft;

  PetscFunctionBegin;
  PetscCall(PetscNew(&ft));
  k->data           = ft;
  k->nred           = 1;
  k->setfromoptions = FileSetFromOptions;
  k->accumulate     = FileAccumulate;
  k->apply          = FileApply;
  k->quadratic      = FileQuadratic;
  k->view           = FileView;
  k->parameter      = FileHash;
  k->parameter2     = FileEntries;
  k->destroy        = FileDestroy;
  k->exchangebegin  = FileExchangeBegin;
  k->exchangeend    = FileExchangeEnd;
  k->localquadratic = FileLocalQuadratic;
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- composite */
static PetscErrorCode TpCouplingRegisterAll(void);

/* The registered kinds, comma-separated, for messages. */
static PetscErrorCode ListKinds(char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(TpListNames(TpCouplingList, buf, len));
  PetscFunctionReturn(0);
}

/* With -help, list the options of the registered kinds that `list` does not name. */
PetscErrorCode TpCouplingHelpOthers(MPI_Comm comm, const char *prefix, const char *list, TpNetwork network,
                                    TpPatterns pat)
{
  TpNetworkMorphology morph;
  const char **kinds;
  int nk;
  PetscBool help;

  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!help) PetscFunctionReturn(0);
  PetscCall(TpCouplingRegisterAll());
  PetscCall(TpNetworkGetMorphology(network, &morph));
  PetscCall(PetscFunctionListGet(TpCouplingList, &kinds, &nk));
  for (int q = 0; q < nk && kinds[q]; q++) {
    PetscBool in;
    TpCoupling c;
    PetscCall(PetscStrInList(kinds[q], list, ',', &in));
    if (in || (!morph.nastro && !strcmp(kinds[q], "diffusion"))) continue;
    PetscCall(TpCouplingCreate(comm, prefix, kinds[q], network, pat, &c));
    PetscCall(TpCouplingSetFromOptions(c));
    PetscCall(TpCouplingDestroy(&c));
  }
  PetscCall(PetscFree(kinds));
  PetscFunctionReturn(0);
}

static PetscBool TpCouplingRegistered = PETSC_FALSE;

static PetscErrorCode TpCouplingFinalizePackage(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&TpCouplingList));
  TpCouplingRegistered = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode TpCouplingRegisterAll(void)
{
  PetscFunctionBegin;
  if (TpCouplingRegistered) PetscFunctionReturn(0);
  TpCouplingRegistered = PETSC_TRUE;
  PetscCall(PetscRegisterFinalize(TpCouplingFinalizePackage));
  PetscCall(TpCouplingRegister("hebbian", TpCouplingCreate_Hebbian));
  PetscCall(TpCouplingRegister("constant", TpCouplingCreate_Constant));
  PetscCall(TpCouplingRegister("diffusion", TpCouplingCreate_Diffusion));
  PetscCall(TpCouplingRegister("file", TpCouplingCreate_File));
  PetscFunctionReturn(0);
}

/* Collective: create the sum of the comma-separated kinds in list (e.g. "hebbian,constant"). */
PetscErrorCode TpCouplingCreate(MPI_Comm comm, const char *prefix, const char *list, TpNetwork network, TpPatterns pat,
                                TpCoupling *out)
{
  TpCoupling c;
  TpNetworkRows rows;
  TpNetworkMorphology morph;
  char buf[256], *tok, *save = NULL;

  PetscFunctionBegin;
  PetscCall(TpCouplingRegisterAll());
  PetscCall(PetscNew(&c));
  c->comm    = comm;
  c->seed    = 1;
  c->pat     = pat;
  c->network = network;
  PetscCall(PetscStrncpy(c->prefix, prefix, sizeof(c->prefix)));
  PetscCall(TpNetworkGetRows(network, &rows));
  PetscCall(TpNetworkGetMorphology(network, &morph));
  c->view = (NetView){.N        = rows.N,
                      .nloc     = rows.nloc,
                      .rstart   = rows.rstart,
                      .ncol     = rows.ncol,
                      .nastro   = morph.nastro,
                      .nhalo    = morph.nhalo,
                      .gid      = rows.gid,
                      .rowptr   = rows.rowptr,
                      .col      = rows.col,
                      .colgid   = rows.colgid,
                      .mptr     = morph.mptr,
                      .madj     = morph.madj,
                      .gptr     = morph.gptr,
                      .gadj     = morph.gadj,
                      .nsyn_loc = rows.nsyn_loc,
                      .nsyn     = rows.nsyn,
                      .dense    = rows.col ? PETSC_FALSE : PETSC_TRUE,
                      .stencil  = morph.stencil,
                      .halo     = morph.halo};
  PetscCall(TpNetworkGetConnectivity(network, &c->view.connectivity));
  c->net = &c->view;
  PetscCall(PetscStrncpy(c->list, list, sizeof(c->list)));
  PetscCall(PetscStrncpy(buf, list, sizeof(buf)));
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    PetscErrorCode (*create)(TpCoupling) = NULL;
    PetscCall(PetscFunctionListFind(TpCouplingList, tok, &create));
    if (!create) {
      char names[256];
      PetscCall(ListKinds(names, sizeof(names)));
      PetscCall(TpCouplingDestroy(&c));
      SETERRQ(comm, PETSC_ERR_ARG_UNKNOWN_TYPE,
              "Unknown coupling kind '%s' in option -%scoupling '%s'; available kinds: %s", tok, prefix, list, names);
    }
    for (PetscInt q = 0; q < c->nkinds; q++) {
      PetscBool same;
      PetscCall(PetscStrcmp(c->kinds[q].name, tok, &same));
      PetscCheck(!same, comm, PETSC_ERR_ARG_WRONG, "Coupling kind '%s' appears twice in option -%scoupling '%s'", tok,
                 prefix, list);
    }
    PetscCheck(c->nkinds < TP_MAX_KINDS, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Too many coupling kinds in option -%scoupling '%s'", prefix, list);
    c->current = &c->kinds[c->nkinds++];
    PetscCall(PetscStrncpy(c->current->name, tok, sizeof(c->current->name)));
    PetscCall((*create)(c));
    c->current->redoff = c->nred;
    c->nred += c->current->nred;
  }
  if (!c->nkinds) {
    char names[256];
    PetscCall(ListKinds(names, sizeof(names)));
    PetscCall(TpCouplingDestroy(&c));
    SETERRQ(comm, PETSC_ERR_ARG_WRONG, "Option -%scoupling is empty; give one or more of: %s", prefix, names);
  }
  *out = c;
  PetscFunctionReturn(0);
}

PetscErrorCode TpLesionDraw(MPI_Comm comm, TpNetwork network, PetscInt seed, uint64_t stream, PetscReal f, PetscInt *n,
                            PetscInt **cut, PetscInt **row, PetscInt64 *total)
{
  TpNetworkRows r;
  PetscInt64 mine;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(network, &r));
  for (int pass = 0; pass < 2; pass++) {
    *n = 0;
    for (PetscInt i = 0; i < r.nloc; i++)
      for (PetscInt q = r.rowptr[i]; q < r.rowptr[i + 1]; q++) {
        const PetscInt pre = r.col ? r.colgid[r.col[q]] : q - r.rowptr[i];
        if (f <= 0 || TpUniform((uint64_t)seed, stream, (uint64_t)TpRowGid(&r, i), (uint64_t)pre) >= f) continue;
        if (pass) {
          (*cut)[*n] = q;
          if (row) (*row)[*n] = i;
        }
        (*n)++;
      }
    if (pass) break;
    PetscCall(PetscMalloc1(*n + 1, cut));
    if (row) PetscCall(PetscMalloc1(*n + 1, row));
  }
  mine = *n;
  PetscCallMPI(MPIU_Allreduce(&mine, total, 1, MPIU_INT64, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

/* The processes cut off from T (TpLesionDraw()), as a mask of the local ones. */
static PetscErrorCode AblateSetUp(TpCoupling c)
{
  const PetscCount nq = c->net->nsyn_loc;
  PetscInt n = 0, *cut = NULL;

  PetscFunctionBegin;
  PetscCall(PetscFree3(c->keep, c->mpsi, c->out));
  c->ncut = 0;
  if (c->ablate <= 0) PetscFunctionReturn(0);
  PetscCall(
      TpLesionDraw(c->comm, c->network, c->seed, TP_STREAM_ABLATE_PROCESSES, c->ablate, &n, &cut, NULL, &c->ncut));
  PetscCall(PetscMalloc3(nq + 1, &c->keep, nq + 1, &c->mpsi, nq + 1, &c->out));
  for (PetscCount q = 0; q < nq; q++) c->keep[q] = 1;
  for (PetscInt e = 0; e < n; e++) c->keep[cut[e]] = 0;
  PetscCall(PetscFree(cut));
  for (PetscInt q = 0; q < c->nkinds; q++)
    if (c->kinds[q].ablate) PetscCall(c->kinds[q].ablate(c, &c->kinds[q]));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingSetFromOptions(TpCoupling c)
{
  PetscFunctionBegin;
  for (PetscInt q = 0; q < c->nkinds; q++)
    if (c->kinds[q].setfromoptions) PetscCall(c->kinds[q].setfromoptions(c, &c->kinds[q]));
  PetscOptionsBegin(c->comm, c->prefix, "Ablation of the astrocytic coupling", "TpCoupling");
  PetscCall(PetscOptionsReal("-ablate_processes",
                             "Fraction of the processes cut off from the coupling T (calcium transport blocked)",
                             "TpCouplingSetFromOptions", c->ablate, &c->ablate, NULL));
  PetscCall(PetscOptionsInt("-ablate_seed", "Seed of the stream that draws the cut-off processes",
                            "TpCouplingSetFromOptions", c->seed, &c->seed, NULL));
  PetscOptionsEnd();
  PetscCheck(c->ablate >= 0 && c->ablate <= 1, c->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -%sablate_processes must lie in [0, 1]; got %.6g", c->prefix, (double)c->ablate);
  PetscCall(AblateSetUp(c));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingGetNumReductions(TpCoupling c, PetscInt *nred)
{
  PetscFunctionBegin;
  *nred = c->nred;
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingAccumulate(TpCoupling c, const TpBlock *blk, const double *psi, double *red)
{
  PetscFunctionBegin;
  if (c->keep) { /* P psi */
    const PetscInt q0 = c->net->rowptr[blk->i0], q1 = c->net->rowptr[blk->i1];
    for (PetscInt q = q0; q < q1; q++) c->mpsi[q] = psi[q - q0] * c->keep[q];
    psi = c->mpsi + q0;
  }
  for (PetscInt q = 0; q < c->nkinds; q++)
    PetscCall(c->kinds[q].accumulate(c, &c->kinds[q], blk, psi, red + c->kinds[q].redoff));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingApply(TpCoupling c, const TpBlock *blk, const double *red, double scale, PetscBool add,
                               double *out)
{
  const PetscInt q0 = c->net->rowptr[blk->i0], q1 = c->net->rowptr[blk->i1];

  PetscFunctionBegin;
  if (c->keep) /* the cut-off processes receive nothing: their outputs are kept through the kinds' */
    for (PetscInt q = q0; q < q1; q++)
      if (c->keep[q] == 0) c->out[q] = add ? out[q - q0] : 0;
  for (PetscInt q = 0; q < c->nkinds; q++)
    PetscCall(c->kinds[q].apply(c, &c->kinds[q], blk, red + c->kinds[q].redoff, scale, (PetscBool)(add || q > 0), out));
  if (c->keep)
    for (PetscInt q = q0; q < q1; q++)
      if (c->keep[q] == 0) out[q - q0] = c->out[q];
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingExchangeBegin(TpCoupling c)
{
  PetscFunctionBegin;
  for (PetscInt q = 0; q < c->nkinds; q++)
    if (c->kinds[q].exchangebegin) PetscCall(c->kinds[q].exchangebegin(c, &c->kinds[q]));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingExchangeEnd(TpCoupling c)
{
  PetscFunctionBegin;
  for (PetscInt q = 0; q < c->nkinds; q++)
    if (c->kinds[q].exchangeend) PetscCall(c->kinds[q].exchangeend(c, &c->kinds[q]));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingLocalQuadratic(TpCoupling c, double *red)
{
  PetscFunctionBegin;
  for (PetscInt q = 0; q < c->nkinds; q++)
    if (c->kinds[q].localquadratic) PetscCall(c->kinds[q].localquadratic(c, &c->kinds[q], red + c->kinds[q].redoff));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingCheckImplicit(TpCoupling c)
{
  PetscFunctionBegin;
  PetscCheck(!c->keep, c->comm, PETSC_ERR_SUP,
             "Option -%sablate_processes %g cannot be stepped implicitly (IMEX); use an explicit -ts_type", c->prefix,
             (double)c->ablate);
  for (PetscInt q = 0; q < c->nkinds; q++)
    PetscCheck(c->kinds[q].jacobian, c->comm, PETSC_ERR_SUP, "Coupling kind '%s' cannot be stepped implicitly",
               c->kinds[q].name);
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingAddJacobian(TpCoupling c, Mat J, const PetscInt *pstart, double beta, double scale)
{
  PetscFunctionBegin;
  PetscCall(TpCouplingCheckImplicit(c));
  for (PetscInt q = 0; q < c->nkinds; q++) PetscCall(c->kinds[q].jacobian(c, &c->kinds[q], J, pstart, beta, scale));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingQuadratic(TpCoupling c, const double *red, double *quad)
{
  PetscFunctionBegin;
  *quad = 0;
  for (PetscInt q = 0; q < c->nkinds; q++) *quad += c->kinds[q].quadratic(&c->kinds[q], red + c->kinds[q].redoff);
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingView(TpCoupling c, PetscViewer v)
{
  PetscFunctionBegin;
  for (PetscInt q = 0; q < c->nkinds; q++) PetscCall(c->kinds[q].view(&c->kinds[q], v));
  if (c->keep)
    PetscCall(PetscViewerASCIIPrintf(v,
                                     "  ablation %" PetscInt64_FMT " of %" PetscCount_FMT
                                     " processes cut off from the coupling (-%sablate_processes %g, seed %" PetscInt_FMT
                                     ")\n",
                                     c->ncut, c->net->nsyn, c->prefix, (double)c->ablate, c->seed));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingDescribe(TpCoupling c, char *buf, size_t len)
{
  PetscFunctionBegin;
  for (PetscInt q = 0; q < c->nkinds; q++) {
    size_t n;
    PetscCall(PetscStrlen(buf, &n));
    PetscCall(
        PetscSNPrintf(buf + n, len - n, "coupling.%s=%.17g", c->kinds[q].name, c->kinds[q].parameter(&c->kinds[q])));
    PetscCall(PetscStrlen(buf, &n));
    if (c->kinds[q].parameter2)
      PetscCall(PetscSNPrintf(buf + n, len - n, ",%.17g", c->kinds[q].parameter2(&c->kinds[q])));
    PetscCall(PetscStrlcat(buf, ";", len));
  }
  if (c->keep) {
    size_t n;
    PetscCall(PetscStrlen(buf, &n));
    PetscCall(PetscSNPrintf(buf + n, len - n, "ablate_processes=%.17g,%" PetscInt_FMT ";", (double)c->ablate, c->seed));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TpCouplingDestroy(TpCoupling *c)
{
  PetscFunctionBegin;
  if (!*c) PetscFunctionReturn(0);
  for (PetscInt q = 0; q < (*c)->nkinds; q++)
    if ((*c)->kinds[q].destroy) PetscCall((*c)->kinds[q].destroy(&(*c)->kinds[q]));
  PetscCall(PetscFree3((*c)->keep, (*c)->mpsi, (*c)->out));
  PetscCall(PetscFree(*c));
  PetscFunctionReturn(0);
}
