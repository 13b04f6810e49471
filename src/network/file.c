/* The network file: read whole (every rank the same) or in slices (each rank a hyperslab of rows and
   of their processes, checked together), written from a whole description or collectively by
   hyperslabs from a sliced one. */
#include "specimpl.h"
#include <tppartition.h>
#include <tph5.h>
#include <tputil.h>
#include <tprandom.h>
#include <petscsys.h>
#include <string.h>
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
    PetscInt w;
    PetscCall(TpSpecMergeRows(n, p, a, &w));
  }
  PetscCall(PetscFree(fill));
  *ptr = p;
  *adj = a;
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

/* ------------------------------------------------------------------ the network file in slices
   Each rank reads its block of rows of /synapses (a hyperslab of indptr, then of indices), the same
   rows of /processes/astrocyte and /morphology, and a block of /gap_junctions; what a check needs
   from another rank (the astrocyte and the row of a linked process) travels to it, so that nothing
   on any rank is O(network).  Every check ends in one verdict for all ranks: the message of the
   lowest rank that found something. */
/* The message of the lowest rank that has one, on every rank (empty: all fine). */
static PetscErrorCode Agree(MPI_Comm comm, char *msg, size_t len)
{
  PetscMPIInt rank, size, first;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  first = msg[0] ? rank : size;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm));
  if (first < size) PetscCallMPI(MPI_Bcast(msg, (PetscMPIInt)len, MPI_CHAR, first, comm));
  PetscFunctionReturn(0);
}

/* The rows of an integer dataset of `cols` columns (0: 1-D); -1 when absent; msg when malformed. */
static long long SlabExtent(hid_t f, const char *file, const char *name, PetscInt cols, char *msg, size_t len)
{
  hid_t d, s, t;
  hsize_t dims[2] = {0, 0};
  int nd, ok;

  if (!PathExists(f, name)) return -1;
  if ((d = H5Dopen2(f, name, H5P_DEFAULT)) < 0) {
    snprintf(msg, len, "Network file '%s': dataset %s cannot be opened", file, name);
    return -1;
  }
  s  = H5Dget_space(d);
  nd = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
  if (nd >= 1 && nd <= 2) H5Sget_simple_extent_dims(s, dims, NULL);
  ok = nd == (cols ? 2 : 1) && (!cols || dims[1] == (hsize_t)cols) && dims[0] < ((hsize_t)1 << 62);
  t  = H5Dget_type(d);
  ok = ok && t >= 0 && H5Tget_class(t) == H5T_INTEGER;
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  H5Dclose(d);
  if (!ok)
    snprintf(msg, len, "Network file '%s': dataset %s must be a readable %s integer array%s", file, name,
             cols ? "2-D" : "1-D", cols == 2 ? " of pairs (G x 2)" : "");
  return ok ? (long long)dims[0] : -1;
}

/* Rows [lo, hi) of a dataset whose extent was checked, as 64-bit integers (independent I/O). */
static PetscErrorCode ReadSlab(hid_t f, const char *file, const char *name, PetscInt cols, long long lo, long long hi,
                               long long **buf, char *msg, size_t len)
{
  const int rank        = cols ? 2 : 1;
  const hsize_t start[] = {(hsize_t)lo, 0}, count[] = {(hsize_t)(hi - lo), (hsize_t)(cols ? cols : 1)};
  hid_t d = -1, fs = -1, ms = -1;
  int ok;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1((size_t)(hi - lo) * count[1] + 1, buf));
  if (hi == lo) PetscFunctionReturn(0);
  ok = (d = H5Dopen2(f, name, H5P_DEFAULT)) >= 0 && (fs = H5Dget_space(d)) >= 0 &&
       (ms = H5Screate_simple(rank, count, NULL)) >= 0 &&
       H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
       TpH5Read(d, H5T_NATIVE_LLONG, ms, fs, *buf) >= 0;
  if (ms >= 0) H5Sclose(ms);
  if (fs >= 0) H5Sclose(fs);
  if (d >= 0) H5Dclose(d);
  if (!ok && !msg[0])
    snprintf(msg, len, "Network file '%s': dataset %s must be a readable %s integer array%s", file, name,
             cols ? "2-D" : "1-D", cols == 2 ? " of pairs (G x 2)" : "");
  PetscFunctionReturn(0);
}

/* Entries [lo, hi) of a 1-D dataset into PetscInt, read by chunks of 2^20 (no 64-bit copy of the
   slab); an entry outside [0, bound) is stored as -1, and the first such one's position (from lo) and
   value are *badq (-1: none) and *badv. */
static PetscErrorCode ReadSlabInt(hid_t f, const char *file, const char *name, long long lo, long long hi,
                                  long long bound, PetscInt *out, long long *badq, long long *badv, char *msg,
                                  size_t len)
{
  const long long chunk = 1 << 20;
  long long *buf;

  PetscFunctionBegin;
  *badq = -1;
  for (long long c = lo; c < hi && !msg[0]; c += chunk) {
    const long long e = PetscMin(hi, c + chunk);
    PetscCall(ReadSlab(f, file, name, 0, c, e, &buf, msg, len));
    for (long long q = 0; q < e - c && !msg[0]; q++) {
      const long long v = buf[q];
      if (v < 0 || v >= bound) {
        if (*badq < 0) {
          *badq = c - lo + q;
          *badv = v;
        }
        out[c - lo + q] = -1;
      } else
        out[c - lo + q] = (PetscInt)v;
    }
    PetscCall(PetscFree(buf));
  }
  PetscFunctionReturn(0);
}

/* This rank's rows r0 .. r0+n-1 of a CSR whose indptr has n_all+1 entries and whose indices nent:
   ptr (n+1 offsets, read) checked as CheckCSR() does, with first/last the whole array's ends. */
static void CheckSlabOffsets(const char *file, const char *what, long long n_all, long long r0, long long n,
                             const long long *ptr, long long first, long long last, long long nent, char *msg,
                             size_t len)
{
  if (msg[0]) return;
  if (first != 0 || last != nent) {
    snprintf(msg, len,
             "Network file '%s': %s/indptr must start at 0 and end at the length of %s/indices (%lld); got %lld and "
             "%lld",
             file, what, what, nent, first, last);
    return;
  }
  for (long long r = 0; r < n; r++)
    if (!(ptr[r] <= ptr[r + 1] && ptr[r + 1] <= nent && ptr[r] >= 0)) {
      snprintf(msg, len,
               "Network file '%s': %s/indptr must not decrease nor pass the %lld entries of %s/indices; got %lld then "
               "%lld at row %lld",
               file, what, nent, what, ptr[r], ptr[r + 1], r0 + r);
      return;
    }
  (void)n_all;
}

/* The entries of rows r0 .. r0+n-1 (at ptr - ptr[0], read by ReadSlabInt(): badq/badv its first
   entry out of [0, ncol)): each row sorted and checked, without repeats (nor r itself when noself). */
static PetscErrorCode SlabIndices(const char *file, const char *what, long long r0, long long n, const long long *ptr,
                                  long long badq, long long badv, long long ncol, PetscBool noself, PetscInt *out,
                                  char *msg, size_t len)
{
  PetscFunctionBegin;
  for (long long r = 0; r < n && !msg[0]; r++) {
    const long long a = ptr[r] - ptr[0], b = ptr[r + 1] - ptr[0];
    if (badq >= a && badq < b) {
      snprintf(msg, len, "Network file '%s': %s/indices holds %lld in row %lld, out of range [0, %lld)", file, what,
               badv, r0 + r, ncol);
      break;
    }
    PetscCall(PetscSortInt((PetscInt)(b - a), out + a));
    for (long long q = a; q < b && !msg[0]; q++) {
      if (q > a && out[q] == out[q - 1])
        snprintf(msg, len, "Network file '%s': %s/indices repeats %" PetscInt_FMT " in row %lld", file, what, out[q],
                 r0 + r);
      else if (noself && out[q] == r0 + r)
        snprintf(msg, len, "Network file '%s': /morphology links process %lld to itself", file, r0 + r);
    }
  }
  PetscFunctionReturn(0);
}

typedef struct {
  PetscInt t, s, a; /* process s (of astrocyte a) lists process t */
} LinkCheck;

/* The owner of t checks the link s -> t that s lists: the same astrocyte, and t lists s back. */
static void LinkVerdict(const char *file, const TpNetSpec *sp, PetscInt s0, LinkCheck c, char *msg, size_t len)
{
  const PetscInt t = c.t - s0;
  if (sp->astro[t] != c.a)
    snprintf(msg, len,
             "Network file '%s': /morphology links processes %" PetscInt_FMT " and %" PetscInt_FMT
             " of different astrocytes (%" PetscInt_FMT ", %" PetscInt_FMT "); links between astrocytes are "
             "/gap_junctions",
             file, c.s, c.t, c.a, sp->astro[t]);
  else if (!InRow(sp->mptr, sp->madj, t, c.s))
    snprintf(msg, len,
             "Network file '%s': /morphology is not symmetric: process %" PetscInt_FMT " lists %" PetscInt_FMT
             " but not the reverse (diffusion needs a symmetric adjacency to conserve calcium)",
             file, c.s, c.t);
}

typedef struct {
  PetscInt a, b, e, x; /* gap junction e joins processes a and b; x: the astrocyte of a */
} GapCheck;

static PetscErrorCode ReadNetworkFileSliced(MPI_Comm comm, const char *file, TpNetSpec *sp)
{
  hid_t f;
  PetscMPIInt size, rank;
  char msg[2 * PETSC_MAX_PATH_LEN + 512] = "";
  const size_t len                       = sizeof(msg);
  long long n, S, nast, nmptr, nmadj, ngap, r0, nr, e0 = 0, ng = 0, ends[2] = {0, 0};
  long long *ptr = NULL, *buf = NULL, badq, badv = 0;
  PetscInt *ranges = NULL, *synrange = NULL;
  PetscCount *cnt = NULL;
  GapCheck *in = NULL, *in2 = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  {
    char why[2 * PETSC_MAX_PATH_LEN + 256];
    PetscCall(TpH5OpenShared(comm, file, H5P_DEFAULT, "network file", "-network_file", why, sizeof(why), &f));
    PetscCheck(!why[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", why);
  }
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "Option -network_file: cannot open '%s' as an HDF5 file", file);
  {
    char where[PETSC_MAX_PATH_LEN + 32];
    PetscCall(PetscSNPrintf(where, sizeof(where), "Option -network_file: '%s'", file));
    PetscCall(TpH5CheckSignature(f, &TP_FORMAT_NETWORK, where, msg, len));
  }
  /* the verdict of every rank, then the error on all (the file closed and this rank's buffers freed) */
#define Verdict()                                                                                                      \
  do {                                                                                                                 \
    PetscCall(Agree(comm, msg, len));                                                                                  \
    if (msg[0]) {                                                                                                      \
      H5Fclose(f);                                                                                                     \
      PetscCall(PetscFree(ptr));                                                                                       \
      PetscCall(PetscFree(buf));                                                                                       \
      PetscCall(PetscFree2(ranges, synrange));                                                                         \
      PetscCall(PetscFree(cnt));                                                                                       \
      PetscCall(PetscFree(in));                                                                                        \
      PetscCall(PetscFree(in2));                                                                                       \
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);                                                             \
    }                                                                                                                  \
  } while (0)
  Verdict();
  n     = SlabExtent(f, file, "/synapses/indptr", 0, msg, len);
  S     = msg[0] ? 0 : SlabExtent(f, file, "/synapses/indices", 0, msg, len);
  nast  = msg[0] ? 0 : SlabExtent(f, file, "/processes/astrocyte", 0, msg, len);
  nmptr = msg[0] ? 0 : SlabExtent(f, file, "/morphology/indptr", 0, msg, len);
  nmadj = msg[0] ? 0 : SlabExtent(f, file, "/morphology/indices", 0, msg, len);
  ngap  = msg[0] ? 0 : SlabExtent(f, file, "/gap_junctions", 2, msg, len);
  if (!msg[0] && (n < 0 || S < 0))
    snprintf(msg, len,
             "Network file '%s': dataset %s is missing (the synapses are a CSR: /synapses/indptr, /synapses/indices)",
             file, n >= 0 ? "/synapses/indices" : "/synapses/indptr");
  if (!msg[0] && n < 2)
    snprintf(msg, len, "Network file '%s': /synapses/indptr has %lld entries; it needs N+1 >= 2", file, n);
  if (!msg[0] && n - 1 >= PETSC_MAX_INT)
    snprintf(msg, len, "Network file '%s': %lld neurons; at most 2^31 - 1 with this build's indices", file, n - 1);
  Verdict();
  sp->N = (PetscInt)(n - 1);
  PetscCall(PetscMalloc2(size + 1, &ranges, size + 1, &synrange));
  TpPartitionBlockRanges(sp->N, size, ranges);
  r0 = ranges[rank];
  nr = ranges[rank + 1] - ranges[rank];

  /* the synapses: indptr of our rows, then their indices */
  PetscCall(ReadSlab(f, file, "/synapses/indptr", 0, r0, r0 + nr + 1, &ptr, msg, len));
  PetscCall(ReadSlab(f, file, "/synapses/indptr", 0, 0, 1, &buf, msg, len));
  ends[0] = buf[0];
  PetscCall(PetscFree(buf));
  PetscCall(ReadSlab(f, file, "/synapses/indptr", 0, n - 1, n, &buf, msg, len));
  ends[1] = buf[0];
  PetscCall(PetscFree(buf));
  CheckSlabOffsets(file, "/synapses", n - 1, r0, nr, ptr, ends[0], ends[1], S, msg, len);
  if (!msg[0] && ptr[nr] - ptr[0] >= PETSC_MAX_INT)
    snprintf(msg, len, "Network file '%s': %lld synapses in the rows of one rank; use more ranks", file,
             ptr[nr] - ptr[0]);
  Verdict();
  sp->rstart = (PetscInt)r0;
  sp->nrows  = (PetscInt)nr;
  sp->sstart = (PetscCount)ptr[0];
  sp->nsyn   = (PetscInt)(ptr[nr] - ptr[0]);
  PetscCall(PetscMalloc1(nr + 1, &sp->rowptr));
  for (long long r = 0; r <= nr; r++) sp->rowptr[r] = (PetscInt)(ptr[r] - ptr[0]);
  PetscCall(PetscMalloc1((size_t)sp->nsyn + 1, &sp->col));
  PetscCall(ReadSlabInt(f, file, "/synapses/indices", ptr[0], ptr[nr], n - 1, sp->col, &badq, &badv, msg, len));
  if (!msg[0])
    PetscCall(SlabIndices(file, "/synapses", r0, nr, ptr, badq, badv, n - 1, PETSC_FALSE, sp->col, msg, len));
  PetscCall(PetscFree(ptr));
  Verdict();

  if (nast >= 0 || nmptr >= 0 || nmadj >= 0 || ngap >= 0) {
    const long long s0 = sp->sstart, ns = sp->nsyn;
    if (nast != S)
      snprintf(msg, len,
               "Network file '%s': dataset /processes/astrocyte %s (it needs one astrocyte id per process, %lld)", file,
               nast >= 0 ? "has the wrong length" : "is missing", S);
    else if (S >= PETSC_MAX_INT)
      snprintf(msg, len, "Network file '%s': %lld processes with a morphology; at most 2^31 - 1 with this build", file,
               S);
    Verdict();
    {
      PetscInt mine = (PetscInt)s0;
      PetscCallMPI(MPI_Allgather(&mine, 1, MPIU_INT, synrange, 1, MPIU_INT, comm));
      synrange[size] = (PetscInt)S;
    }
    PetscCall(PetscMalloc1(ns + 1, &sp->astro));
    PetscCall(
        ReadSlabInt(f, file, "/processes/astrocyte", s0, s0 + ns, PETSC_MAX_INT, sp->astro, &badq, &badv, msg, len));
    if (!msg[0] && badq >= 0)
      snprintf(msg, len, "Network file '%s': /processes/astrocyte[%lld] = %lld is out of range", file, s0 + badq, badv);
    for (long long s = 0; s < ns && !msg[0]; s++) sp->nastro = PetscMax(sp->nastro, sp->astro[s] + 1);
    Verdict();
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sp->nastro, 1, MPIU_INT, MPI_MAX, comm));
    if ((nmptr >= 0) != (nmadj >= 0))
      snprintf(msg, len,
               "Network file '%s': dataset %s is missing (the morphology is a CSR: /morphology/indptr and "
               "/morphology/indices)",
               file, nmptr >= 0 ? "/morphology/indices" : "/morphology/indptr");
    else if (nmptr >= 0 && nmptr != S + 1)
      snprintf(msg, len, "Network file '%s': /morphology/indptr has %lld entries; it needs processes + 1 = %lld", file,
               nmptr, S + 1);
    Verdict();
    PetscCall(PetscCalloc1(size, &cnt));
    if (nmptr >= 0) { /* our processes' rows of /morphology, then each link checked by the other end's owner */
      LinkCheck *send, *lin;
      PetscCount nin;
      PetscCall(ReadSlab(f, file, "/morphology/indptr", 0, s0, s0 + ns + 1, &ptr, msg, len));
      PetscCall(ReadSlab(f, file, "/morphology/indptr", 0, 0, 1, &buf, msg, len));
      ends[0] = buf[0];
      PetscCall(PetscFree(buf));
      PetscCall(ReadSlab(f, file, "/morphology/indptr", 0, S, S + 1, &buf, msg, len));
      ends[1] = buf[0];
      PetscCall(PetscFree(buf));
      CheckSlabOffsets(file, "/morphology", S, s0, ns, ptr, ends[0], ends[1], nmadj, msg, len);
      if (!msg[0] && ptr[ns] - ptr[0] >= PETSC_MAX_INT)
        snprintf(msg, len, "Network file '%s': %lld process links on one rank; use more ranks", file, ptr[ns] - ptr[0]);
      Verdict();
      PetscCall(PetscMalloc1(ns + 1, &sp->mptr));
      for (long long s = 0; s <= ns; s++) sp->mptr[s] = (PetscInt)(ptr[s] - ptr[0]);
      PetscCall(PetscMalloc1((size_t)sp->mptr[ns] + 1, &sp->madj));
      PetscCall(ReadSlabInt(f, file, "/morphology/indices", ptr[0], ptr[ns], S, sp->madj, &badq, &badv, msg, len));
      if (!msg[0])
        PetscCall(SlabIndices(file, "/morphology", s0, ns, ptr, badq, badv, S, PETSC_TRUE, sp->madj, msg, len));
      PetscCall(PetscFree(ptr));
      Verdict();
      /* each link s -> t is checked by the owner of t (here, or sent): t's astrocyte, and t lists s */
      for (PetscInt s = 0; s < ns; s++)
        for (PetscInt q = sp->mptr[s]; q < sp->mptr[s + 1]; q++) {
          const PetscInt t = sp->madj[q];
          if (t >= s0 && t < s0 + ns) {
            if (!msg[0])
              LinkVerdict(file, sp, (PetscInt)s0, (LinkCheck){t, (PetscInt)(s0 + s), sp->astro[s]}, msg, len);
          } else
            cnt[BlockOwner(size, synrange, t)]++;
        }
      {
        PetscCount *fill, nsend = 0;
        for (PetscMPIInt r = 0; r < size; r++) nsend += cnt[r];
        PetscCall(PetscMalloc1(nsend + 1, &send));
        PetscCall(PetscMalloc1(size, &fill));
        fill[0] = 0;
        for (PetscMPIInt r = 1; r < size; r++) fill[r] = fill[r - 1] + cnt[r - 1];
        for (PetscInt s = 0; s < ns; s++)
          for (PetscInt q = sp->mptr[s]; q < sp->mptr[s + 1]; q++) {
            const PetscInt t = sp->madj[q];
            if (t < s0 || t >= s0 + ns)
              send[fill[BlockOwner(size, synrange, t)]++] = (LinkCheck){t, (PetscInt)(s0 + s), sp->astro[s]};
          }
        PetscCall(PetscFree(fill));
      }
      PetscCall(TpExchange(comm, sizeof(LinkCheck), cnt, send, &nin, (void **)&lin, NULL));
      PetscCall(PetscFree(send));
      for (PetscCount k = 0; k < nin && !msg[0]; k++) LinkVerdict(file, sp, (PetscInt)s0, lin[k], msg, len);
      PetscCall(PetscFree(lin));
      Verdict();
    } else {
      PetscCall(PetscCalloc1(ns + 1, &sp->mptr)); /* astrocytes without inner links */
      PetscCall(PetscMalloc1(1, &sp->madj));
    }
    /* gap junctions: a block of pairs per rank; each goes to the owner of a, then (with a's astrocyte)
       to the owner of b, who checks that the astrocytes differ; both ends keep it */
    {
      GapCheck *send;
      PetscCount nin = 0, nin2 = 0;
      Entry *ent;
      PetscInt *gr;
      PetscCall(PetscMalloc1(size + 1, &gr));
      if (ngap < 0) ngap = 0;
      if (ngap >= PETSC_MAX_INT)
        snprintf(msg, len, "Network file '%s': %lld gap junctions; at most 2^31 - 1", file, ngap);
      if (msg[0]) PetscCall(PetscFree(gr));
      Verdict();
      TpPartitionBlockRanges((PetscInt)ngap, size, gr);
      e0 = gr[rank];
      ng = gr[rank + 1] - gr[rank];
      PetscCall(PetscFree(gr));
      PetscCall(ReadSlab(f, file, "/gap_junctions", 2, e0, e0 + ng, &buf, msg, len));
      for (long long e = 0; e < ng && !msg[0]; e++)
        if (buf[2 * e] < 0 || buf[2 * e] >= S || buf[2 * e + 1] < 0 || buf[2 * e + 1] >= S)
          snprintf(msg, len, "Network file '%s': /gap_junctions[%lld] = (%lld, %lld) is out of range [0, %lld)", file,
                   e0 + e, buf[2 * e], buf[2 * e + 1], S);
      Verdict();
      PetscCall(PetscMalloc1(ng + 1, &send));
      for (PetscMPIInt r = 0; r < size; r++) cnt[r] = 0;
      for (long long e = 0; e < ng; e++) cnt[BlockOwner(size, synrange, (PetscInt)buf[2 * e])]++;
      {
        PetscCount *fill;
        PetscCall(PetscMalloc1(size, &fill));
        fill[0] = 0;
        for (PetscMPIInt r = 1; r < size; r++) fill[r] = fill[r - 1] + cnt[r - 1];
        for (long long e = 0; e < ng; e++) {
          const PetscInt a = (PetscInt)buf[2 * e], b = (PetscInt)buf[2 * e + 1];
          send[fill[BlockOwner(size, synrange, a)]++] = (GapCheck){a, b, (PetscInt)(e0 + e), -1};
        }
        PetscCall(PetscFree(buf));
        PetscCall(TpExchange(comm, sizeof(GapCheck), cnt, send, &nin, (void **)&in, NULL));
        PetscCall(PetscFree(send));
        PetscCall(PetscMalloc1(nin + 1, &send));
        for (PetscMPIInt r = 0; r < size; r++) cnt[r] = 0;
        for (PetscCount k = 0; k < nin; k++) {
          in[k].x = sp->astro[in[k].a - s0];
          cnt[BlockOwner(size, synrange, in[k].b)]++;
        }
        fill[0] = 0;
        for (PetscMPIInt r = 1; r < size; r++) fill[r] = fill[r - 1] + cnt[r - 1];
        for (PetscCount k = 0; k < nin; k++) send[fill[BlockOwner(size, synrange, in[k].b)]++] = in[k];
        PetscCall(PetscFree(fill));
        PetscCall(TpExchange(comm, sizeof(GapCheck), cnt, send, &nin2, (void **)&in2, NULL));
        PetscCall(PetscFree(send));
      }
      for (PetscCount k = 0; k < nin2 && !msg[0]; k++)
        if (sp->astro[in2[k].b - s0] == in2[k].x)
          snprintf(msg, len,
                   "Network file '%s': /gap_junctions[%" PetscInt_FMT "] links processes %" PetscInt_FMT
                   " and %" PetscInt_FMT " of the same astrocyte %" PetscInt_FMT "; links inside an astrocyte are "
                   "/morphology",
                   file, in2[k].e, in2[k].a, in2[k].b, in2[k].x);
      Verdict();
      /* both ends' entries, kept here: a row's list sorted, duplicates merged */
      PetscCall(PetscMalloc1(nin + nin2 + 1, &ent));
      for (PetscCount k = 0; k < nin; k++) ent[k] = (Entry){in[k].a, in[k].b};
      for (PetscCount k = 0; k < nin2; k++) ent[nin + k] = (Entry){in2[k].b, in2[k].a};
      PetscCall(PetscFree(in));
      PetscCall(PetscFree(in2));
      for (PetscMPIInt r = 0; r < size; r++) cnt[r] = r == rank ? nin + nin2 : 0;
      PetscCall(TpSpecRowsCSR(comm, synrange, (PetscInt)ns, 0, NULL, NULL, cnt, ent, &sp->gptr, &sp->gadj));
    }
    PetscCall(PetscFree(cnt));
  }
#undef Verdict
  H5Fclose(f);
  PetscCall(PetscFree2(ranges, synrange));
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecReadFile - Reads a network file: whole on every rank, or this rank's block of rows

  Collective

  Input Parameters:
+ comm   - the ranks
. file   - the network file
- sliced - read only this rank's block of rows (TpPartitionBlockRanges()) and their processes

  Output Parameter:
. sp - the description's N, rows, synapses, astrocytes, morphology and gap junctions (global ids)

  Notes:
  Every check (signature, missing datasets, offsets, indices out of range, repeats, asymmetric links,
  links across astrocytes, gap junctions inside one) gives the same message on every rank.

.seealso: `TpNetSpecCreateFromOptions()`, `TpNetSpecWrite()`
@*/
PetscErrorCode TpNetSpecReadFile(MPI_Comm comm, const char *file, PetscBool sliced, TpNetSpec *sp)
{
  PetscFunctionBegin;
  if (sliced)
    PetscCall(ReadNetworkFileSliced(comm, file, sp));
  else
    PetscCall(ReadNetworkFile(comm, file, sp));
  PetscFunctionReturn(0);
}

/* One 64-bit integer dataset written by slabs: this rank's n values (n x 2 when pairs) after those of
   the lower ranks. */
static PetscErrorCode WriteSlab64(MPI_Comm comm, hid_t f, const char *name, PetscCount n, PetscBool pairs,
                                  const long long *v)
{
  PetscFunctionBegin;
  PetscCall(TpH5WriteDistributed(comm, f, name, H5T_NATIVE_LLONG, H5T_STD_I64LE, n, pairs ? 2 : 0, v));
  PetscFunctionReturn(0);
}

/* A whole description is written from rank 0; a sliced one by every rank, its rows after the lower
   ranks' (global ids throughout). */
static PetscErrorCode WriteNetwork(MPI_Comm comm, hid_t f, void *ctx)
{
  const TpNetSpec *sp = ctx;
  PetscMPIInt rank, size;
  PetscBool held, last;
  PetscInt nr, S;
  long long s0, *buf, off = 0, mine;
  PetscCount nbuf;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  held = (PetscBool)(sp->sliced || rank == 0);                   /* this rank writes its rows */
  last = (PetscBool)(sp->sliced ? rank == size - 1 : rank == 0); /* and the closing offsets */
  nr   = held ? sp->nrows : 0;
  S    = held ? sp->nsyn : 0;
  s0   = (long long)sp->sstart;
  nbuf = PetscMax((PetscCount)nr, (PetscCount)S) + 2; /* room for each dataset of this rank's slab */
  if (held && sp->mptr) nbuf = PetscMax(nbuf, (PetscCount)sp->mptr[S] + 1);
  if (held && sp->gptr) nbuf = PetscMax(nbuf, 2 * (PetscCount)sp->gptr[S] + 2);
  PetscCall(PetscMalloc1(nbuf, &buf));
  PetscCall(TpH5WriteSignature(f, &TP_FORMAT_NETWORK));
  PetscCall(TpH5WriteAttrInt(f, "neurons", sp->N));
  PetscCall(TpH5WriteAttrInt(f, "synapses", (long long)sp->nsyn_global));
  PetscCall(TpH5WriteAttrInt(f, "astrocytes", sp->nastro));
  PetscCall(TpH5WriteAttrString(f, "generator", sp->describe));
  PetscCallH5(H5Gclose(H5Gcreate2(f, "synapses", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
  for (PetscInt i = 0; i <= nr; i++) buf[i] = s0 + sp->rowptr[i];
  PetscCall(WriteSlab64(comm, f, "/synapses/indptr", nr + (last ? 1 : 0), PETSC_FALSE, buf));
  for (PetscInt i = 0; i < nr; i++)
    for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) buf[s] = TpNetSpecCol(sp, s, i);
  PetscCall(WriteSlab64(comm, f, "/synapses/indices", S, PETSC_FALSE, buf));
  if (sp->nastro > 0) {
    PetscCount nl = 0, ng = 0;
    PetscCallH5(H5Gclose(H5Gcreate2(f, "processes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    PetscCallH5(H5Gclose(H5Gcreate2(f, "morphology", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    for (PetscInt s = 0; s < S; s++) buf[s] = sp->astro ? sp->astro[s] : 0;
    PetscCall(WriteSlab64(comm, f, "/processes/astrocyte", S, PETSC_FALSE, buf));
    /* the links: offsets after the lower ranks' links, then the neighbours (the sheet's made explicit:
       the grid neighbours of synapse i <- j, 64-bit as N^2 may pass 2^31) */
    if (sp->sheet) {
      const long long N = sp->N;
      for (PetscInt s = 0; s < S; s++) {
        const long long g = s0 + s, i = g / N, j = g % N;
        nl += (i > 0) + (j > 0) + (j < N - 1) + (i < N - 1);
      }
    } else
      nl = sp->mptr[S];
    PetscCallMPI(MPI_Exscan(&nl, &off, 1, MPI_LONG_LONG, MPI_SUM, comm));
    if (!rank) off = 0;
    buf[0] = off;
    for (PetscInt s = 0; s < S; s++) {
      if (sp->sheet) {
        const long long N = sp->N, g = s0 + s, i = g / N, j = g % N;
        buf[s + 1] = buf[s] + (i > 0) + (j > 0) + (j < N - 1) + (i < N - 1);
      } else
        buf[s + 1] = off + sp->mptr[s + 1];
    }
    PetscCall(WriteSlab64(comm, f, "/morphology/indptr", S + (last ? 1 : 0), PETSC_FALSE, buf));
    if (sp->sheet) {
      PetscCall(PetscFree(buf));
      PetscCall(PetscMalloc1(nl + 1, &buf));
      nl = 0;
      for (PetscInt s = 0; s < S; s++) {
        const long long N = sp->N, g = s0 + s, i = g / N, j = g % N;
        if (i > 0) buf[nl++] = g - N;
        if (j > 0) buf[nl++] = g - 1;
        if (j < N - 1) buf[nl++] = g + 1;
        if (i < N - 1) buf[nl++] = g + N;
      }
    } else
      for (PetscCount q = 0; q < nl; q++) buf[q] = sp->madj[q];
    PetscCall(WriteSlab64(comm, f, "/morphology/indices", nl, PETSC_FALSE, buf));
    if (sp->gptr) { /* each gap junction once, by its lower process */
      for (PetscInt s = 0; s < S; s++)
        for (PetscInt q = sp->gptr[s]; q < sp->gptr[s + 1]; q++)
          if (s0 + s < sp->gadj[q]) {
            buf[2 * ng]     = s0 + s;
            buf[2 * ng + 1] = sp->gadj[q];
            ng++;
          }
      PetscCall(WriteSlab64(comm, f, "/gap_junctions", ng, PETSC_TRUE, buf));
    }
  }
  PetscCall(PetscFree(buf));
  mine = sp->pos ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mine, 1, MPI_LONG_LONG, MPI_MAX, comm));
  if (mine) {
    PetscCallH5(H5Gclose(H5Gcreate2(f, "neurons", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    PetscCall(
        TpH5WriteDistributed(comm, f, "/neurons/position", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, nr, sp->dim, sp->pos));
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

/*@C
  TpNetworkReadMorphology - Rows of the process links (`/morphology`) of a network file, read in a slab and checked

  Collective

  Input Parameters:
+ comm   - the communicator
. file   - the HDF5 file: `/morphology/indptr` (nproc + 1 entries) and `/morphology/indices`, as `tripart generate`
           writes them (any file with those two datasets will do)
. option - the option that named it (for the messages)
. nproc  - the processes the file must have
. r0     - the first row this rank reads
- n      - how many

  Output Parameters:
+ ptr  - n + 1 offsets into idx (from 0)
. idx  - each row's linked processes, ascending
- hash - an order-independent hash of every link of the file, the same on every rank

  Notes:
  The file is checked as the network reader checks it: the extents, the offsets, every index in [0, nproc), no
  repeat in a row, no process linked to itself, and the links symmetric (s -> t listed back as t -> s: a sum of
  hashes over every rank's rows). A bad file gives one error on every rank naming the option, the file, the dataset
  and the value.

.seealso: `TpNetSpecReadFile()`
@*/
PetscErrorCode TpNetworkReadMorphology(MPI_Comm comm, const char *file, const char *option, PetscInt64 nproc,
                                       PetscInt64 r0, PetscInt64 n, PetscInt64 **ptr, PetscInt **idx, uint64_t *hash)
{
  char msg[2 * PETSC_MAX_PATH_LEN + 512] = "", why[2 * PETSC_MAX_PATH_LEN + 256];
  const size_t len                       = sizeof(msg);
  hid_t f                                = -1;
  long long np1, nent, *raw = NULL, first = 0, last = 0, badq = -1, badv = 0;
  uint64_t sym[2] = {0, 0};

  PetscFunctionBegin;
  *ptr = NULL, *idx = NULL, *hash = 0;
  PetscCall(TpH5OpenShared(comm, file, H5P_DEFAULT, "morphology file", option, why, sizeof(why), &f));
  PetscCheck(!why[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", why);
  {
    PetscBool ok = (PetscBool)(f >= 0);
    PetscCall(TpAllTrue(comm, &ok));
    if (!ok && f >= 0) H5Fclose(f);
    PetscCheck(ok, comm, PETSC_ERR_FILE_OPEN, "Option %s: cannot open '%s' as an HDF5 file", option, file);
  }
  np1  = SlabExtent(f, file, "/morphology/indptr", 0, msg, len);
  nent = msg[0] ? 0 : SlabExtent(f, file, "/morphology/indices", 0, msg, len);
  if (!msg[0] && (np1 < 0 || nent < 0))
    snprintf(msg, len, "Option %s: file '%s' has no /morphology/indptr and /morphology/indices", option, file);
  else if (!msg[0] && np1 != nproc + 1)
    snprintf(msg, len,
             "Option %s: /morphology/indptr of '%s' has %lld entries; its population has %lld members, one per "
             "process (%lld entries expected)",
             option, file, np1, (long long)nproc, (long long)nproc + 1);
  if (!msg[0]) PetscCall(ReadSlab(f, file, "/morphology/indptr", 0, r0, r0 + n + 1, &raw, msg, len));
  if (!msg[0]) {
    long long *e0 = NULL, *e1 = NULL;
    PetscCall(ReadSlab(f, file, "/morphology/indptr", 0, 0, 1, &e0, msg, len));
    PetscCall(ReadSlab(f, file, "/morphology/indptr", 0, nproc, nproc + 1, &e1, msg, len));
    if (!msg[0]) first = e0[0], last = e1[0];
    PetscCall(PetscFree(e0));
    PetscCall(PetscFree(e1));
  }
  if (!msg[0]) CheckSlabOffsets(file, "/morphology", nproc, r0, n, raw, first, last, nent, msg, len);
  PetscCall(Agree(comm, msg, len));
  if (!msg[0]) {
    const long long a = raw[0], b = raw[n];
    PetscCall(PetscMalloc1(n + 1, ptr));
    for (PetscInt64 r = 0; r <= n; r++) (*ptr)[r] = raw[r] - a;
    PetscCall(PetscMalloc1(b - a + 1, idx));
    PetscCall(ReadSlabInt(f, file, "/morphology/indices", a, b, nproc, *idx, &badq, &badv, msg, len));
    if (!msg[0]) PetscCall(SlabIndices(file, "/morphology", r0, n, raw, badq, badv, nproc, PETSC_TRUE, *idx, msg, len));
    for (PetscInt64 r = 0; r < n && !msg[0];
         r++) /* each link both ways: the sums agree when every link is listed back */
      for (PetscInt64 q = (*ptr)[r]; q < (*ptr)[r + 1]; q++) {
        sym[0] += TpHash(0x6d6f7270686f6cULL, 1, (uint64_t)(r0 + r), (uint64_t)(*idx)[q]);
        sym[1] += TpHash(0x6d6f7270686f6cULL, 1, (uint64_t)(*idx)[q], (uint64_t)(r0 + r));
      }
  }
  PetscCall(Agree(comm, msg, len));
  if (!msg[0]) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sym, 2, MPI_UINT64_T, MPI_SUM, comm));
    if (sym[0] != sym[1])
      snprintf(msg, len,
               "Option %s: the links of '%s' (/morphology) are not symmetric: some process s lists t but t does "
               "not list s",
               option, file);
    *hash = sym[0];
  }
  if (f >= 0) H5Fclose(f);
  PetscCall(PetscFree(raw));
  if (msg[0]) {
    PetscCall(PetscFree(*ptr));
    PetscCall(PetscFree(*idx));
  }
  PetscCheck(!msg[0], comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscFunctionReturn(0);
}
