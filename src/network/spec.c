/* The network description: the all and random generators (in slices of rows), the network file, and what they
   share with the spatial generator (spatial.c). */
#include "specimpl.h"
#include <tppartition.h>
#include <tprandom.h>
#include <tph5.h>
#include <tputil.h>
#include <petscsys.h>
#include <stdio.h>

const char *const TpConnectivities[] = {"all",  "random",         "spatial",     "file",
                                        "none", "TpConnectivity", "TP_CONNECT_", NULL};

/*@C
  TpNetSpecRow - The neuron (row) of synapse s

  Not Collective

  Input Parameters:
+ spec - the description
- s    - a synapse, 0 .. nsyn-1

.seealso: `TpNetSpecCol()`, `TpNetSpecNeighbours()`
@*/
PetscInt TpNetSpecRow(const TpNetSpec *spec, PetscInt s)
{
  PetscInt lo = 0, hi = spec->N; /* rowptr[lo] <= s < rowptr[hi] */
  while (hi - lo > 1) {
    PetscInt mid = (lo + hi) / 2;
    if (spec->rowptr[mid] <= s)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/*@C
  TpNetSpecNeighbours - The processes linked to process s: inside its astrocyte and across gap junctions

  Not Collective

  Input Parameters:
+ spec - the description
. s    - a process (= synapse)
- buf  - room for 4 entries (the sheet's neighbours are made in it)

  Output Parameters:
+ nbr - the linked processes of the same astrocyte
. n   - how many
. gap - the processes across gap junctions
- ng  - how many

.seealso: `TpNetSpecRow()`
@*/
void TpNetSpecNeighbours(const TpNetSpec *spec, PetscInt s, PetscInt buf[4], const PetscInt **nbr, PetscInt *n,
                         const PetscInt **gap, PetscInt *ng)
{
  *n   = 0;
  *ng  = 0;
  *nbr = *gap = NULL;
  if (spec->sheet) {
    const PetscInt N = spec->N, i = s / N, j = s % N;
    if (i > 0) buf[(*n)++] = s - N;
    if (j > 0) buf[(*n)++] = s - 1;
    if (j < N - 1) buf[(*n)++] = s + 1;
    if (i < N - 1) buf[(*n)++] = s + N;
    *nbr = buf;
    return;
  }
  if (spec->mptr) {
    *nbr = spec->madj + spec->mptr[s];
    *n   = spec->mptr[s + 1] - spec->mptr[s];
  }
  if (spec->gptr) {
    *gap = spec->gadj + spec->gptr[s];
    *ng  = spec->gptr[s + 1] - spec->gptr[s];
  }
}

/* ------------------------------------------------------------------ growable arrays and CSR */
/* A symmetric CSR over n vertices from undirected pairs (a, b), a != b; duplicates merged. */
static PetscErrorCode SymmetricCSR(PetscInt n, PetscInt npairs, const PetscInt *pairs, PetscInt **ptr, PetscInt **adj)
{
  PetscInt *p, *a, *fill;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n + 1, &p));
  for (PetscInt e = 0; e < npairs; e++) {
    p[pairs[2 * e] + 1]++;
    p[pairs[2 * e + 1] + 1]++;
  }
  for (PetscInt v = 0; v < n; v++) p[v + 1] += p[v];
  PetscCall(PetscMalloc1(p[n], &a));
  PetscCall(PetscMalloc1(n, &fill));
  for (PetscInt v = 0; v < n; v++) fill[v] = p[v];
  for (PetscInt e = 0; e < npairs; e++) {
    a[fill[pairs[2 * e]]++]     = pairs[2 * e + 1];
    a[fill[pairs[2 * e + 1]]++] = pairs[2 * e];
  }
  /* sort and merge duplicates row by row, compacting in place (no pairs: nothing to do, and a is NULL) */
  if (p[n]) {
    PetscInt w = 0, start = 0;
    for (PetscInt v = 0; v < n; v++) {
      PetscInt len = p[v + 1] - start;
      PetscCall(PetscSortRemoveDupsInt(&len, a + start));
      for (PetscInt q = 0; q < len; q++) a[w + q] = a[start + q];
      start    = p[v + 1];
      p[v + 1] = w + len;
      w += len;
    }
  }
  PetscCall(PetscFree(fill));
  *ptr = p;
  *adj = a;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ generators */
/* The random symmetric network (Erdos-Renyi with self-synapses): each pair {i, j} is a synapse of
   both rows with probability p, decided once, by the row from which the other lies within half the
   ring ahead: row i decides j = i + k mod N for k = 0 .. floor(N/2) (k = N/2 of an even N only for
   i < N/2), so that every row decides as many pairs, whichever rank holds it.  The stream keyed by
   (i, draw) gives the gaps between its synapses as geometric skips: O(synapses), not O(N^2), work.
   The rows held are this rank's block of comm's block partition (PETSC_COMM_SELF: all of them);
   each decided pair (i, j) is also synapse j <- i of row j, sent to its owner. */
static PetscErrorCode GenerateRandom(MPI_Comm comm, TpNetSpec *sp, PetscInt seed, double degree)
{
  const PetscInt N  = sp->N;
  const double prob = PetscMin(1.0, degree / (double)N), lq = log1p(-prob); /* -inf when prob = 1 */
  PetscMPIInt size, rank, *scount, *rcount, *sdisp, *rdisp;
  PetscInt *ranges, *uptr, *fill, *send = NULL, *recv = NULL, nrecv;
  IntList up       = {0};
  PetscCount nsend = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(size + 1, &ranges));
  TpPartitionBlockRanges(N, size, ranges);
  sp->rstart = ranges[rank];
  sp->nrows  = ranges[rank + 1] - ranges[rank];
  /* the pairs the held rows decide */
  PetscCall(PetscMalloc1(sp->nrows + 1, &uptr));
  uptr[0] = 0;
  for (PetscInt i = 0; i < sp->nrows; i++) {
    const PetscInt g   = sp->rstart + i;
    const double len   = (double)((N - 1) / 2 + 1 + (N % 2 == 0 && g < N / 2)); /* offsets k decided */
    const uint64_t pre = TpHashPrefix((uint64_t)seed, TP_STREAM_WIRING, (uint64_t)g);
    double k           = -1;
    for (uint64_t draw = 0;; draw++) {
      const double u = TpUniformAt(pre, draw);
      k += 1 + (prob < 1 ? PetscFloorReal(log1p(-u) / lq) : 0);
      if (k >= len) break;
      PetscCall(ListPush(&up, (PetscInt)(((double)g + k) < (double)N ? g + (PetscInt)k : g + (PetscInt)k - N)));
      nsend += k > 0;
    }
    uptr[i + 1] = up.n;
  }
  /* each pair (i, j), j != i, is also synapse j <- i: to the owner of row j as (j, i) */
  PetscCheck(2 * nsend < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "A random network of %" PetscCount_FMT " synapses to send from one rank: use more ranks", nsend);
  PetscCall(PetscCalloc4(size, &scount, size, &rcount, size + 1, &sdisp, size + 1, &rdisp));
  for (PetscInt i = 0; i < sp->nrows; i++)
    for (PetscInt q = uptr[i]; q < uptr[i + 1]; q++)
      if (up.a[q] != sp->rstart + i) scount[BlockOwner(size, ranges, up.a[q])] += 2;
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (PetscMPIInt r = 0; r < size; r++) {
    sdisp[r + 1] = sdisp[r] + scount[r];
    PetscCheck((PetscCount)rdisp[r] + rcount[r] < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "A random network of more than 2^30 synapses to receive on one rank: use more ranks");
    rdisp[r + 1] = rdisp[r] + rcount[r];
  }
  nrecv = rdisp[size] / 2;
  PetscCall(PetscMalloc1(sdisp[size] + 1, &send));
  for (PetscMPIInt r = 0; r < size; r++) scount[r] = 0;
  for (PetscInt i = 0; i < sp->nrows; i++)
    for (PetscInt q = uptr[i]; q < uptr[i + 1]; q++) {
      const PetscInt g = sp->rstart + i, j = up.a[q];
      if (j != g) {
        const PetscMPIInt r          = BlockOwner(size, ranges, j);
        send[sdisp[r] + scount[r]++] = j;
        send[sdisp[r] + scount[r]++] = g;
      }
    }
  PetscCall(PetscMalloc1(rdisp[size] + 1, &recv));
  PetscCallMPI(MPI_Alltoallv(send, scount, sdisp, MPIU_INT, recv, rcount, rdisp, MPIU_INT, comm));
  PetscCall(PetscFree(send));
  /* the rows: the pairs they decided and the transposes received, each row sorted */
  PetscCall(PetscCalloc1(sp->nrows + 1, &fill));
  for (PetscInt e = 0; e < nrecv; e++) fill[recv[2 * e] - sp->rstart]++;
  PetscCall(PetscMalloc1(sp->nrows + 1, &sp->rowptr));
  sp->rowptr[0] = 0;
  for (PetscInt i = 0; i < sp->nrows; i++) {
    sp->rowptr[i + 1] = sp->rowptr[i] + uptr[i + 1] - uptr[i] + fill[i];
    fill[i]           = sp->rowptr[i] + uptr[i + 1] - uptr[i];
  }
  sp->nsyn = sp->rowptr[sp->nrows];
  PetscCall(PetscMalloc1(sp->nsyn + 1, &sp->col));
  for (PetscInt i = 0; i < sp->nrows; i++)
    PetscCall(PetscArraycpy(sp->col + sp->rowptr[i], up.a + uptr[i], uptr[i + 1] - uptr[i]));
  PetscCall(PetscFree(up.a));
  PetscCall(PetscFree(uptr));
  for (PetscInt e = 0; e < nrecv; e++) sp->col[fill[recv[2 * e] - sp->rstart]++] = recv[2 * e + 1];
  for (PetscInt i = 0; i < sp->nrows; i++)
    PetscCall(PetscSortInt(sp->rowptr[i + 1] - sp->rowptr[i], sp->col + sp->rowptr[i]));
  PetscCall(PetscFree(recv));
  PetscCall(PetscFree(fill));
  PetscCall(PetscFree4(scount, rcount, sdisp, rdisp));
  PetscCall(PetscFree(ranges));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ the network file
   /synapses/indptr (N+1), /synapses/indices (S): CSR of synapses i <- j (scipy.sparse.csr_matrix)
   /processes/astrocyte (S): astrocyte of the process of each synapse
   /morphology/indptr (S+1), /morphology/indices: process adjacency inside astrocytes (symmetric)
   /gap_junctions (G x 2): pairs of processes of different astrocytes
   /neurons/position (N x dim): optional
   Integers are 64-bit; every rank reads the whole file and reaches the same verdict. */
static PetscBool PathExists(hid_t f, const char *path)
{
  char buf[256];
  size_t n = strlen(path);
  if (n >= sizeof(buf)) return PETSC_FALSE;
  strcpy(buf, path);
  for (size_t q = 1; q <= n; q++)
    if (buf[q] == '/' || buf[q] == 0) {
      const char c = buf[q];
      buf[q]       = 0;
      if (H5Lexists(f, buf, H5P_DEFAULT) <= 0) return PETSC_FALSE;
      buf[q] = c;
    }
  return PETSC_TRUE;
}

/* A whole integer dataset of `cols` columns (0: 1-D) into PetscInt; *n rows; NULL when absent. */
static PetscErrorCode ReadInts(MPI_Comm comm, hid_t f, const char *file, const char *name, PetscInt cols,
                               PetscInt **data, PetscInt *n)
{
  hid_t d, s;
  hsize_t dims[2] = {0, 0};
  int nd, ok;
  long long *buf = NULL;
  size_t count;

  PetscFunctionBegin;
  *data = NULL;
  *n    = 0;
  if (!PathExists(f, name)) PetscFunctionReturn(0);
  PetscCheck((d = H5Dopen2(f, name, H5P_DEFAULT)) >= 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Network file '%s': dataset %s cannot be opened", file, name);
  s  = H5Dget_space(d);
  nd = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
  if (nd >= 1 && nd <= 2) H5Sget_simple_extent_dims(s, dims, NULL);
  ok = nd == (cols ? 2 : 1) && (!cols || dims[1] == (hsize_t)cols) && dims[0] < (hsize_t)PETSC_MAX_INT / 4;
  {
    hid_t t = H5Dget_type(d);
    ok      = ok && t >= 0 && H5Tget_class(t) == H5T_INTEGER;
    if (t >= 0) H5Tclose(t);
  }
  count = (size_t)dims[0] * (cols ? (size_t)cols : 1);
  if (ok) {
    PetscCall(PetscMalloc1(count + 1, &buf));
    ok = count == 0 || TpH5Read(d, H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, buf) >= 0;
  }
  if (s >= 0) H5Sclose(s);
  H5Dclose(d);
  if (!ok) PetscCall(PetscFree(buf));
  PetscCheck(ok, comm, PETSC_ERR_FILE_UNEXPECTED, "Network file '%s': dataset %s must be a readable %s integer array%s",
             file, name, cols ? "2-D" : "1-D", cols == 2 ? " of pairs (G x 2)" : "");
  PetscCall(PetscMalloc1(count + 1, data));
  for (size_t q = 0; q < count; q++) {
    if (buf[q] < 0 || buf[q] >= PETSC_MAX_INT) {
      const long long v = buf[q];
      PetscCall(PetscFree(buf));
      PetscCall(PetscFree(*data));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "Network file '%s': %s[%zu] = %lld is out of range", file, name, q, v);
    }
    (*data)[q] = (PetscInt)buf[q];
  }
  PetscCall(PetscFree(buf));
  *n = (PetscInt)dims[0];
  PetscFunctionReturn(0);
}

/* Check a CSR (n rows, entries in [0, ncol)), sorting each row; duplicates are refused.  Every offset
   is checked (monotonic, within the entries) before any row is walked. */
static PetscErrorCode CheckCSR(MPI_Comm comm, const char *file, const char *what, PetscInt n, PetscInt *ptr,
                               PetscInt nent, PetscInt *idx, PetscInt ncol)
{
  PetscFunctionBegin;
  PetscCheck(ptr[0] == 0 && ptr[n] == nent, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Network file '%s': %s/indptr must start at 0 and end at the length of %s/indices (%" PetscInt_FMT
             "); got %" PetscInt_FMT " and %" PetscInt_FMT,
             file, what, what, nent, ptr[0], ptr[n]);
  for (PetscInt r = 0; r < n; r++)
    PetscCheck(ptr[r] <= ptr[r + 1] && ptr[r + 1] <= nent, comm, PETSC_ERR_FILE_UNEXPECTED,
               "Network file '%s': %s/indptr must not decrease nor pass the %" PetscInt_FMT
               " entries of %s/indices; got %" PetscInt_FMT " then %" PetscInt_FMT " at row %" PetscInt_FMT,
               file, what, nent, what, ptr[r], ptr[r + 1], r);
  for (PetscInt r = 0; r < n; r++) {
    PetscCall(PetscSortInt(ptr[r + 1] - ptr[r], idx + ptr[r]));
    for (PetscInt q = ptr[r]; q < ptr[r + 1]; q++) {
      PetscCheck(idx[q] < ncol, comm, PETSC_ERR_FILE_UNEXPECTED,
                 "Network file '%s': %s/indices holds %" PetscInt_FMT " in row %" PetscInt_FMT
                 ", out of range [0, %" PetscInt_FMT ")",
                 file, what, idx[q], r, ncol);
      PetscCheck(q == ptr[r] || idx[q] != idx[q - 1], comm, PETSC_ERR_FILE_UNEXPECTED,
                 "Network file '%s': %s/indices repeats %" PetscInt_FMT " in row %" PetscInt_FMT, file, what, idx[q],
                 r);
    }
  }
  PetscFunctionReturn(0);
}

static PetscBool InRow(const PetscInt *ptr, const PetscInt *idx, PetscInt r, PetscInt v)
{
  PetscInt loc;
  PetscFindInt(v, ptr[r + 1] - ptr[r], idx + ptr[r], &loc);
  return loc >= 0 ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode ReadNetworkFile(MPI_Comm comm, const char *file, TpNetSpec *sp)
{
  hid_t f;
  PetscInt n, nsyn, nmptr = 0, nmadj = 0, nast = 0, ngap = 0, *pairs = NULL;

  PetscFunctionBegin;
  {
    char why[2 * PETSC_MAX_PATH_LEN + 256];
    PetscCall(TpH5OpenShared(comm, file, H5P_DEFAULT, "network file", "-network_file", why, sizeof(why), &f));
    PetscCheck(!why[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", why);
  }
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "Option -network_file: cannot open '%s' as an HDF5 file", file);
  {
    char where[PETSC_MAX_PATH_LEN + 32], msg[2 * PETSC_MAX_PATH_LEN + 256];
    PetscCall(PetscSNPrintf(where, sizeof(where), "Option -network_file: '%s'", file));
    PetscCall(TpH5CheckSignature(f, &TP_FORMAT_NETWORK, where, msg, sizeof(msg)));
    if (msg[0]) H5Fclose(f);
    PetscCheck(!msg[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  }
  { /* a refused dataset still closes the file */
    PetscErrorCode ierr = ReadInts(comm, f, file, "/synapses/indptr", 0, &sp->rowptr, &n);
    if (!ierr) ierr = ReadInts(comm, f, file, "/synapses/indices", 0, &sp->col, &nsyn);
    if (!ierr) ierr = ReadInts(comm, f, file, "/processes/astrocyte", 0, &sp->astro, &nast);
    if (!ierr) ierr = ReadInts(comm, f, file, "/morphology/indptr", 0, &sp->mptr, &nmptr);
    if (!ierr) ierr = ReadInts(comm, f, file, "/morphology/indices", 0, &sp->madj, &nmadj);
    if (!ierr) ierr = ReadInts(comm, f, file, "/gap_junctions", 2, &pairs, &ngap);
    H5Fclose(f);
    PetscCall(ierr);
  }
  sp->nsyn = nsyn;
  sp->N    = n - 1;
  /* from here on errors leave allocations to TpNetSpecDestroy; pairs is freed first */
#define Refuse(cond, ...)                                                                                              \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      PetscCall(PetscFree(pairs));                                                                                     \
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, __VA_ARGS__);                                                           \
    }                                                                                                                  \
  } while (0)
  Refuse(sp->rowptr && sp->col,
         "Network file '%s': dataset %s is missing (the synapses are a CSR: /synapses/indptr, /synapses/indices)", file,
         sp->rowptr ? "/synapses/indices" : "/synapses/indptr");
  Refuse(n >= 2, "Network file '%s': /synapses/indptr has %" PetscInt_FMT " entries; it needs N+1 >= 2", file, n);
  PetscCall(CheckCSR(comm, file, "/synapses", sp->N, sp->rowptr, sp->nsyn, sp->col, sp->N));
  if (sp->astro || sp->mptr || sp->madj || pairs) {
    Refuse(sp->astro && nast == nsyn,
           "Network file '%s': dataset /processes/astrocyte %s (it needs one astrocyte id per process, %" PetscInt_FMT
           ")",
           file, sp->astro ? "has the wrong length" : "is missing", nsyn);
    for (PetscInt s = 0; s < nsyn; s++) sp->nastro = PetscMax(sp->nastro, sp->astro[s] + 1);
    Refuse(!sp->mptr == !sp->madj,
           "Network file '%s': dataset %s is missing (the morphology is a CSR: /morphology/indptr and "
           "/morphology/indices)",
           file, sp->mptr ? "/morphology/indices" : "/morphology/indptr");
    if (sp->mptr) {
      Refuse(nmptr == nsyn + 1,
             "Network file '%s': /morphology/indptr has %" PetscInt_FMT
             " entries; it needs processes + 1 = %" PetscInt_FMT,
             file, nmptr, nsyn + 1);
      PetscCall(CheckCSR(comm, file, "/morphology", nsyn, sp->mptr, nmadj, sp->madj, nsyn));
      for (PetscInt s = 0; s < nsyn; s++)
        for (PetscInt q = sp->mptr[s]; q < sp->mptr[s + 1]; q++) {
          const PetscInt t = sp->madj[q];
          Refuse(t != s, "Network file '%s': /morphology links process %" PetscInt_FMT " to itself", file, s);
          Refuse(sp->astro[t] == sp->astro[s],
                 "Network file '%s': /morphology links processes %" PetscInt_FMT " and %" PetscInt_FMT
                 " of different astrocytes (%" PetscInt_FMT ", %" PetscInt_FMT "); links between astrocytes are "
                 "/gap_junctions",
                 file, s, t, sp->astro[s], sp->astro[t]);
          Refuse(InRow(sp->mptr, sp->madj, t, s),
                 "Network file '%s': /morphology is not symmetric: process %" PetscInt_FMT " lists %" PetscInt_FMT
                 " but not the reverse (diffusion needs a symmetric adjacency to conserve calcium)",
                 file, s, t);
        }
    } else {
      PetscCall(PetscCalloc1(nsyn + 1, &sp->mptr)); /* astrocytes without inner links */
      PetscCall(PetscMalloc1(1, &sp->madj));
    }
    for (PetscInt e = 0; e < ngap; e++) {
      const PetscInt a = pairs[2 * e], b = pairs[2 * e + 1];
      Refuse(a < nsyn && b < nsyn,
             "Network file '%s': /gap_junctions[%" PetscInt_FMT "] = (%" PetscInt_FMT ", %" PetscInt_FMT
             ") is out of range [0, %" PetscInt_FMT ")",
             file, e, a, b, nsyn);
      Refuse(sp->astro[a] != sp->astro[b],
             "Network file '%s': /gap_junctions[%" PetscInt_FMT "] links processes %" PetscInt_FMT " and %" PetscInt_FMT
             " of the same astrocyte %" PetscInt_FMT "; links inside an astrocyte are /morphology",
             file, e, a, b, sp->astro[a]);
    }
    PetscCall(SymmetricCSR(nsyn, ngap, pairs, &sp->gptr, &sp->gadj));
  }
#undef Refuse
  PetscCall(PetscFree(pairs));
  PetscFunctionReturn(0);
}

/* One 1-D 64-bit integer dataset of n values v(q), or n x 2 when pairs; every rank holds the same. */
static PetscErrorCode WriteInts(MPI_Comm comm, hid_t f, const char *name, PetscInt n, PetscBool pairs,
                                const PetscInt *v)
{
  const hsize_t dims[2] = {(hsize_t)n, 2};
  const size_t len      = (size_t)n * (pairs ? 2 : 1);
  long long *buf;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(len + 1, &buf));
  for (size_t q = 0; q < len; q++) buf[q] = v[q];
  PetscCall(TpH5WriteRoot(comm, f, name, H5T_NATIVE_LLONG, H5T_STD_I64LE, pairs ? 2 : 1, dims, buf));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteNetwork(MPI_Comm comm, hid_t f, void *ctx)
{
  const TpNetSpec *sp = ctx;
  const PetscInt S    = sp->nsyn;
  PetscInt *cols, *ptr = NULL, *adj = NULL, *pairs, ng = 0;

  PetscFunctionBegin;
  PetscCall(TpH5WriteSignature(f, &TP_FORMAT_NETWORK));
  PetscCall(TpH5WriteAttrInt(f, "neurons", sp->N));
  PetscCall(TpH5WriteAttrInt(f, "synapses", S));
  PetscCall(TpH5WriteAttrInt(f, "astrocytes", sp->nastro));
  PetscCall(TpH5WriteAttrString(f, "generator", sp->describe));
  PetscCallH5(H5Gclose(H5Gcreate2(f, "synapses", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
  PetscCall(WriteInts(comm, f, "/synapses/indptr", sp->N + 1, PETSC_FALSE, sp->rowptr));
  PetscCall(PetscMalloc1(S + 1, &cols));
  for (PetscInt i = 0; i < sp->N; i++)
    for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) cols[s] = TpNetSpecCol(sp, s, i);
  PetscCall(WriteInts(comm, f, "/synapses/indices", S, PETSC_FALSE, cols));
  PetscCall(PetscFree(cols));
  if (sp->nastro > 0) {
    PetscInt buf[4], n, nb_gap;
    const PetscInt *nb, *gp;
    PetscCallH5(H5Gclose(H5Gcreate2(f, "processes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    PetscCallH5(H5Gclose(H5Gcreate2(f, "morphology", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    if (sp->astro)
      PetscCall(WriteInts(comm, f, "/processes/astrocyte", S, PETSC_FALSE, sp->astro));
    else {
      PetscInt *zero;
      PetscCall(PetscCalloc1(S + 1, &zero));
      PetscCall(WriteInts(comm, f, "/processes/astrocyte", S, PETSC_FALSE, zero));
      PetscCall(PetscFree(zero));
    }
    if (sp->sheet) { /* the sheet made explicit */
      PetscCall(PetscMalloc2(S + 1, &ptr, 4 * (size_t)S + 1, &adj));
      ptr[0] = 0;
      for (PetscInt s = 0; s < S; s++) {
        TpNetSpecNeighbours(sp, s, buf, &nb, &n, &gp, &nb_gap);
        for (PetscInt t = 0; t < n; t++) adj[ptr[s] + t] = nb[t];
        ptr[s + 1] = ptr[s] + n;
      }
    }
    PetscCall(WriteInts(comm, f, "/morphology/indptr", S + 1, PETSC_FALSE, sp->sheet ? ptr : sp->mptr));
    PetscCall(WriteInts(comm, f, "/morphology/indices", sp->sheet ? ptr[S] : sp->mptr[S], PETSC_FALSE,
                        sp->sheet ? adj : sp->madj));
    PetscCall(PetscFree2(ptr, adj));
    if (sp->gptr) { /* each gap junction once */
      PetscCall(PetscMalloc1((size_t)sp->gptr[S] + 2, &pairs));
      for (PetscInt s = 0; s < S; s++)
        for (PetscInt q = sp->gptr[s]; q < sp->gptr[s + 1]; q++)
          if (s < sp->gadj[q]) {
            pairs[2 * ng]     = s;
            pairs[2 * ng + 1] = sp->gadj[q];
            ng++;
          }
      PetscCall(WriteInts(comm, f, "/gap_junctions", ng, PETSC_TRUE, pairs));
      PetscCall(PetscFree(pairs));
    }
  }
  if (sp->pos) {
    const hsize_t dims[2] = {(hsize_t)sp->N, (hsize_t)sp->dim};
    PetscCallH5(H5Gclose(H5Gcreate2(f, "neurons", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    PetscCall(TpH5WriteRoot(comm, f, "/neurons/position", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, dims, sp->pos));
  }
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecWrite - Writes the network file (the format -network_file reads), as every tripart file is written

  Collective

  Input Parameters:
+ comm - the ranks (each holds the same description)
. sp   - the description
- path - the file

  Notes:
  /synapses/indptr and /synapses/indices (scipy CSR, natural ids), /processes/astrocyte,
  /morphology/indptr and /morphology/indices, /gap_junctions (G x 2), /neurons/position.

.seealso: `TpNetSpecCreateFromOptions()`, `TpGenerateMain()`
@*/
PetscErrorCode TpNetSpecWrite(MPI_Comm comm, const TpNetSpec *sp, const char *path)
{
  PetscFunctionBegin;
  {
    const TpH5FileSpec spec = {"network file", "-o", 0, PETSC_FALSE, PETSC_FALSE};
    PetscCall(TpH5WriteFile(comm, path, &spec, WriteNetwork, (void *)sp));
  }
  PetscFunctionReturn(0);
}

/* Order-free hash of N, synapses (natural ids), astrocytes and links: a sum of one hash per entry,
   so that the sums of the slices, added over the ranks, give the hash of the whole. */
static uint64_t SpecHashSum(const TpNetSpec *sp)
{
  uint64_t h = 0;
  for (PetscInt i = 0; i < sp->nrows; i++) {
    const uint64_t pre = TpHashPrefix(0x6e6574, 0, (uint64_t)(sp->rstart + i));
    for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) {
      h += TpMix64(pre ^ (uint64_t)TpNetSpecCol(sp, s, i));
      if (sp->astro) h += TpHash(0x617374, (uint64_t)sp->astro[s], (uint64_t)(sp->sstart + s), 0);
    }
  }
  if (!sp->sheet && sp->mptr)
    for (PetscInt s = 0; s < sp->nsyn; s++)
      for (PetscInt q = sp->mptr[s]; q < sp->mptr[s + 1]; q++)
        h += TpHash(0x6d6f72, 1, (uint64_t)(sp->sstart + s), (uint64_t)sp->madj[q]);
  if (sp->gptr)
    for (PetscInt s = 0; s < sp->nsyn; s++)
      for (PetscInt q = sp->gptr[s]; q < sp->gptr[s + 1]; q++)
        h += TpHash(0x6d6f72, 2, (uint64_t)(sp->sstart + s), (uint64_t)sp->gadj[q]);
  return h;
}

/* The description's options, as read (also listed by -help through TpNetSpecHelp()). */
typedef struct {
  PetscInt N, dim, tiles, links, gaps;
  PetscReal degree;
  char file[PETSC_MAX_PATH_LEN];
  TpConnectivity kind;
  PetscBool Nset, fileset, kindset;
} SpecOptions;

static PetscErrorCode ReadSpecOptions(MPI_Comm comm, SpecOptions *o)
{
  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "Network description options (read at set-up)", "TpNetwork");
  PetscCall(PetscOptionsInt("-N", "Number of neurons", "", o->N, &o->N, &o->Nset));
  PetscCall(
      PetscOptionsEnum("-connectivity",
                       "Synapses: all (all-to-all, one sheet astrocyte), random (symmetric), spatial (neurons in a "
                       "box, astrocytes tiling it), file (-network_file), none (neurons only: the model wires them)",
                       "", TpConnectivities, (PetscEnum)o->kind, (PetscEnum *)&o->kind, &o->kindset));
  PetscCall(PetscOptionsString("-network_file", "Network file (the format `tripart generate` writes)", "", o->file,
                               o->file, sizeof(o->file), &o->fileset));
  PetscCall(PetscOptionsReal("-degree", "Mean number of synapses per neuron (random, spatial)", "", o->degree,
                             &o->degree, NULL));
  PetscCall(PetscOptionsInt("-spatial_dim", "Dimension of the box of -connectivity spatial (2 or 3)", "", o->dim,
                            &o->dim, NULL));
  PetscCall(
      PetscOptionsInt("-spatial_tiles", "Astrocyte territories per side of the box", "", o->tiles, &o->tiles, NULL));
  PetscCall(PetscOptionsInt("-spatial_links", "Each process is linked to its nearest processes of its astrocyte", "",
                            o->links, &o->links, NULL));
  PetscCall(PetscOptionsInt("-spatial_gap_junctions", "Gap junctions between each pair of neighbouring astrocytes", "",
                            o->gaps, &o->gaps, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecHelp - Lists the description's options under -help (they are read at set-up, which -help skips)

  Collective

  Input Parameters:
+ comm - the communicator
- N    - the default number of neurons

.seealso: `TpNetSpecCreateFromOptions()`
@*/
PetscErrorCode TpNetSpecHelp(MPI_Comm comm, PetscInt N)
{
  SpecOptions o = {N, 3, 2, 4, 16, 50, "", TP_CONNECT_ALL, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE};

  PetscFunctionBegin;
  PetscCall(ReadSpecOptions(comm, &o));
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecCreateFromOptions - Builds the description of the network: whole on every rank, or this rank's block of rows

  Collective

  Input Parameters:
+ comm   - the ranks
. N      - the default number of neurons (a network file sets its own)
. deflt  - the generator unless -connectivity says otherwise
. seed   - the seed of the wiring and position streams
- blocks - the caller distributes the rows in blocks of natural ids (`TpPartitionBlock()`): all and
           random then build only this rank's block (a sliced description)

  Output Parameter:
. out - the description; free it with TpNetSpecDestroy()

  Options Database Keys:
+ -N <n>                  - neurons
. -connectivity <deflt>   - all, random, spatial, file or none
. -degree <d>             - mean synapses per neuron (random, spatial)
. -network_file <file>    - a network file (implies file)
- -spatial_dim, -spatial_tiles, -spatial_links, -spatial_gap_junctions - the spatial generator

  Notes:
  Files are checked (signature, missing datasets, indices out of range, repeated entries,
  asymmetric links, links across astrocytes) with messages naming the file and the dataset.

.seealso: `TpNetworkSetUp()`, `TpNetSpecWrite()`
@*/
PetscErrorCode TpNetSpecCreateFromOptions(MPI_Comm comm, PetscInt N, TpConnectivity deflt, PetscInt seed,
                                          PetscBool blocks, TpNetSpec **out)
{
  TpNetSpec *sp;
  PetscMPIInt size, rank;
  PetscBool sliced;
  SpecOptions o = {N, 3, 2, 4, 16, 50, "", deflt, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE};
  PetscBool Nset, fileset, kindset;
  PetscReal degree;
  PetscInt dim, tiles, links, gaps, Nopt;
  char *file = o.file;
  TpConnectivity kind;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ReadSpecOptions(comm, &o));
  Nset    = o.Nset;
  fileset = o.fileset;
  kindset = o.kindset;
  degree  = o.degree;
  dim     = o.dim;
  tiles   = o.tiles;
  links   = o.links;
  gaps    = o.gaps;
  Nopt    = o.N;
  kind    = o.kind;
  if (fileset && !kindset) kind = TP_CONNECT_FILE;
  PetscCheck(kind != TP_CONNECT_FILE || fileset, comm, PETSC_ERR_ARG_WRONG,
             "Option -connectivity file needs -network_file FILE");
  PetscCheck(!fileset || kind == TP_CONNECT_FILE, comm, PETSC_ERR_ARG_INCOMP,
             "Option -network_file '%s' contradicts -connectivity %s", file, TpConnectivities[kind]);
  PetscCheck(Nopt > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -N (number of neurons) must be positive; got %" PetscInt_FMT, Nopt);
  PetscCheck(degree > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -degree must be positive; got %.6g", (double)degree);
  if (kind == TP_CONNECT_SPATIAL) {
    PetscCheck(dim == 2 || dim == 3, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_dim must be 2 or 3; got %" PetscInt_FMT, dim);
    PetscCheck(tiles >= 1 && tiles <= 64, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_tiles must be in [1, 64]; got %" PetscInt_FMT, tiles);
    PetscCheck(links >= 1 && links <= 64, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_links must be in [1, 64]; got %" PetscInt_FMT, links);
    PetscCheck(gaps >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_gap_junctions must be non-negative; got %" PetscInt_FMT, gaps);
  }
  /* spatial also on one rank: the sliced morphology's plans are cheaper to build than the whole's */
  sliced = (PetscBool)(blocks && (((kind == TP_CONNECT_ALL || kind == TP_CONNECT_RANDOM) && size > 1) ||
                                  kind == TP_CONNECT_SPATIAL));
  if (kind == TP_CONNECT_ALL) { /* the largest block's synapses must index with PetscInt */
    const double rows = sliced ? PetscCeilReal((double)Nopt / size) : (double)Nopt;
    PetscCheck(rows * Nopt < PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -N %" PetscInt_FMT ": an all-to-all network of %.0f synapses, %.0f on a rank of %d, needs more "
               "ranks (fewer than 2^31 synapses each) or 64-bit indices",
               Nopt, (double)Nopt * Nopt, rows * Nopt, (int)(sliced ? size : 1));
  }

  PetscCall(PetscNew(&sp));
  sp->kind   = kind;
  sp->N      = Nopt;
  sp->sliced = sliced;
  sp->nrows  = Nopt;
  switch (kind) {
  case TP_CONNECT_ALL: {
    PetscInt *ranges;
    PetscCall(PetscMalloc1(size + 1, &ranges));
    TpPartitionBlockRanges(sp->N, sliced ? size : 1, ranges);
    sp->rstart = ranges[sliced ? rank : 0];
    sp->nrows  = ranges[(sliced ? rank : 0) + 1] - sp->rstart;
    PetscCall(PetscFree(ranges));
    PetscCall(PetscMalloc1(sp->nrows + 1, &sp->rowptr));
    for (PetscInt i = 0; i <= sp->nrows; i++) sp->rowptr[i] = i * sp->N;
    sp->nsyn   = sp->nrows * sp->N;
    sp->sheet  = PETSC_TRUE;
    sp->nastro = 1;
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe),
                            "all-to-all (synapse i <- j for every pair, self included), one sheet astrocyte"));
  } break;
  case TP_CONNECT_NONE:
    PetscCall(PetscCalloc1(sp->N + 1, &sp->rowptr));
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe), "neurons only (the model wires its own synapses)"));
    break;
  case TP_CONNECT_RANDOM:
    PetscCall(GenerateRandom(sliced ? comm : PETSC_COMM_SELF, sp, seed, degree));
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe),
                            "random symmetric, mean degree %.6g (seed %" PetscInt_FMT ")", (double)degree, seed));
    break;
  case TP_CONNECT_SPATIAL:
    PetscCall(TpNetSpecGenerateSpatial(sliced ? comm : PETSC_COMM_SELF, sp, seed, degree, dim, tiles, links, gaps));
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe),
                            "spatial %" PetscInt_FMT "-D, degree %.6g, %" PetscInt_FMT " astrocytes (%" PetscInt_FMT
                            " per side), %" PetscInt_FMT " links per process, %" PetscInt_FMT
                            " gap junctions per border (seed %" PetscInt_FMT ")",
                            dim, (double)degree, sp->nastro, tiles, links, gaps, seed));
    break;
  case TP_CONNECT_FILE: {
    PetscErrorCode ierr = ReadNetworkFile(comm, file, sp);
    if (ierr) {
      PetscCall(TpNetSpecDestroy(&sp));
      PetscCall(ierr);
    }
  }
    PetscCheck(!Nset || Nopt == sp->N, comm, PETSC_ERR_ARG_INCOMP,
               "Option -N %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " neurons of -network_file '%s'", Nopt,
               sp->N, file);
    PetscCall(
        PetscSNPrintf(sp->describe, sizeof(sp->describe), "from %s (%" PetscInt_FMT " astrocytes)", file, sp->nastro));
    break;
  }
  if (sp->kind != TP_CONNECT_ALL && !sp->col)
    PetscCall(PetscMalloc1(1, &sp->col)); /* no synapse at all, still sparse */
  if (!sliced) sp->nrows = sp->N;         /* a network file sets N */
  if (sliced) {
    PetscCount n = sp->nsyn;
    PetscCallMPI(MPI_Exscan(&n, &sp->sstart, 1, MPIU_INT64, MPI_SUM, comm));
    if (rank == 0) sp->sstart = 0;
    PetscCallMPI(MPI_Allreduce(&n, &sp->nsyn_global, 1, MPIU_INT64, MPI_SUM, comm));
  } else
    sp->nsyn_global = sp->nsyn;
  sp->hash = SpecHashSum(sp); /* summed over synapses: the same for any slicing */
  if (sliced) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sp->hash, 1, MPI_UINT64_T, MPI_SUM, comm));
  sp->hash ^= TpMix64((uint64_t)sp->N);
  *out = sp;
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecDestroy - Frees a network description

  Not Collective

  Input Parameter:
. sp - the description (may be NULL); set to NULL

.seealso: `TpNetSpecCreateFromOptions()`
@*/
PetscErrorCode TpNetSpecDestroy(TpNetSpec **sp)
{
  PetscFunctionBegin;
  if (!*sp) PetscFunctionReturn(0);
  PetscCall(PetscFree((*sp)->rowptr));
  PetscCall(PetscFree((*sp)->col));
  PetscCall(PetscFree((*sp)->astro));
  PetscCall(PetscFree((*sp)->mptr));
  PetscCall(PetscFree((*sp)->madj));
  PetscCall(PetscFree((*sp)->gptr));
  PetscCall(PetscFree((*sp)->gadj));
  PetscCall(PetscFree((*sp)->pos));
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(0);
}
