/* Collective parallel-HDF5 writes in the manner of SWIFT: one shared file, each rank writes its
   hyperslab at an offset from MPI_Exscan, and ranks with nothing to write still take part. */
#include <tph5.h>
#include <tputil.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define TP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_ASAN 1
#endif
#endif
#if defined(TP_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

PetscBool TpH5Broken = PETSC_FALSE;

const TpFileFormat TP_FORMAT_RUN        = {"tripart-run", 1, "run output file", ""};
const TpFileFormat TP_FORMAT_CHECKPOINT = {"tripart-checkpoint", 2, "checkpoint", ""};
const TpFileFormat TP_FORMAT_NETWORK    = {"tripart-network", 1, "network file", "make one with `tripart generate`"};
const TpFileFormat TP_FORMAT_PARTITION  = {"tripart-partition", 1, "partition file",
                                           "make one with `tripart partition`"};
const TpFileFormat TP_FORMAT_SWEEP      = {"tripart-sweep", 1, "sweep table", ""};

/* Ranks that select nothing still pass a buffer: HDF5 refuses a NULL one. */
static const double tp_h5_dummy[1] = {0};

/* Fault injection for tests (tests/robust_checks.py, never set in use): TRIPART_FAULT_WRITE=RANK:N makes
   the N-th dataset write (from 1) of rank RANK fail as a full disk would, on that rank only. */
static PetscBool FaultInjected(MPI_Comm comm)
{
  static int count = 0;
  const char *f    = getenv("TRIPART_FAULT_WRITE");
  int r, n, wr;
  if (!f || sscanf(f, "%d:%d", &r, &n) != 2) return PETSC_FALSE;
  MPI_Comm_rank(MPI_COMM_WORLD, &wr);
  (void)comm;
  return wr == r && ++count == n ? PETSC_TRUE : PETSC_FALSE;
}

/* Collective: create dataset `name` (global extent dims) and write this rank's block (start, count;
   count[0] = 0 for none).  Every call is made on every rank whatever failed before, and the ranks
   agree on the outcome, so that a write failing on one rank (a full disk seen by one MPI-IO
   aggregator) fails on all of them at the same point instead of leaving the others waiting in the
   next collective call. */
static PetscErrorCode WriteSlab(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, int rank,
                                const hsize_t dims[], const hsize_t start[], const hsize_t count[], const void *data)
{
  hid_t fspace = -1, mspace = -1, dset = -1, xfer = -1;
  hssize_t total = 0;
  int ok         = 1;

  PetscFunctionBegin;
  ok = ok && (fspace = H5Screate_simple(rank, dims, NULL)) >= 0;
  ok = ok && (mspace = H5Screate_simple(rank, count, NULL)) >= 0;
  ok = ok && (dset = H5Dcreate2(loc, name, filetype, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) >= 0;
  if (ok && count[0] > 0)
    ok = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
  else if (ok)
    ok = H5Sselect_none(fspace) >= 0 && H5Sselect_none(mspace) >= 0;
  if (ok) total = H5Sget_simple_extent_npoints(fspace);
  /* every rank enters the collective write, or none */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm));
  if (ok && total > 0) { /* an empty dataset is only created: HDF5 1.10 refuses a collective write of nothing */
    ok = (xfer = H5Pcreate(H5P_DATASET_XFER)) >= 0 && H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE) >= 0;
    if (H5Dwrite(dset, memtype, mspace, fspace, ok ? xfer : H5P_DEFAULT, data ? data : (const void *)tp_h5_dummy) < 0)
      ok = 0;
  }
  if (FaultInjected(comm)) ok = 0;
  if (xfer >= 0) H5Pclose(xfer);
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (dset >= 0 && H5Dclose(dset) < 0) ok = 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm));
  PetscCheck(ok, comm, PETSC_ERR_FILE_WRITE, "Writing dataset %s failed (disk full or unwritable?)", name);
  PetscFunctionReturn(0);
}

/*@C
  TpH5WriteDistributed - Writes each rank's contiguous block of rows of a 1-D or 2-D dataset

  Collective

  Input Parameters:
+ comm     - the communicator of the file
. loc      - the group (or file) the dataset goes in
. name     - its name
. memtype  - the HDF5 type in memory
. filetype - the HDF5 type in the file
. nloc     - this rank's rows (may be 0)
. ncols    - columns of a 2-D dataset, or 0 for 1-D
- data     - nloc x ncols values

  Notes:
  Rows go in rank order; offsets come from MPI_Exscan, as SWIFT does it.  Every rank calls it, also
  those with nothing to write.  A write that fails on any rank fails on all.

.seealso: `TpH5WriteRoot()`, `TpH5ReadDistributed()`
@*/
PetscErrorCode TpH5WriteDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype,
                                    PetscCount nloc, PetscInt ncols, const void *data)
{
  long long n = (long long)nloc, off = 0, total = 0;
  hsize_t dims[2], start[2], count[2];
  PetscMPIInt r;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Exscan(&n, &off, 1, MPI_LONG_LONG, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(&n, &total, 1, MPI_LONG_LONG, MPI_SUM, comm));
  PetscCallMPI(MPI_Comm_rank(comm, &r));
  if (!r) off = 0;
  dims[0]  = (hsize_t)total;
  dims[1]  = (hsize_t)(ncols > 0 ? ncols : 1);
  start[0] = (hsize_t)off;
  start[1] = 0;
  count[0] = (hsize_t)n;
  count[1] = dims[1];
  PetscCall(WriteSlab(comm, loc, name, memtype, filetype, ncols > 0 ? 2 : 1, dims, start, count, data));
  PetscFunctionReturn(0);
}

/*@C
  TpH5WriteRoot - Writes a dataset whose data lives on rank 0

  Collective

  Input Parameters:
+ comm     - the communicator of the file
. loc      - the group (or file)
. name     - the dataset's name
. memtype  - the HDF5 type in memory
. filetype - the HDF5 type in the file
. rank     - its dimensions (1 to 8)
. dims     - the extent
- data     - the values, read on rank 0 only (the others may pass NULL)

  Notes:
  A write that fails on any rank fails on all.

.seealso: `TpH5WriteDistributed()`
@*/
PetscErrorCode TpH5WriteRoot(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, int rank,
                             const hsize_t dims[], const void *data)
{
  hsize_t start[8] = {0}, count[8];
  PetscMPIInt r;

  PetscFunctionBegin;
  PetscCheck(rank >= 1 && rank <= 8, comm, PETSC_ERR_ARG_OUTOFRANGE, "Dataset %s: rank %d", name, rank);
  PetscCallMPI(MPI_Comm_rank(comm, &r));
  for (int d = 0; d < rank; d++) count[d] = dims[d];
  if (r) count[0] = 0;
  PetscCall(WriteSlab(comm, loc, name, memtype, filetype, rank, dims, start, count, data));
  PetscFunctionReturn(0);
}

/*@C
  TpH5WriteAttrString - Writes a string attribute (variable-length UTF-8, which h5py reads as str)

  Not Collective (collective on the file's communicator in parallel HDF5: every rank calls it with the same value)

  Input Parameters:
+ loc   - the object
. name  - the attribute
- value - its value

.seealso: `TpH5ReadAttrString()`, `TpH5WriteAttrInt()`, `TpH5WriteAttrDouble()`
@*/
PetscErrorCode TpH5WriteAttrString(hid_t loc, const char *name, const char *value)
{
  hid_t type, space, attr;

  PetscFunctionBegin;
  /* variable-length UTF-8, which h5py reads back as str */
  PetscCallH5(type = H5Tcopy(H5T_C_S1));
  PetscCallH5(H5Tset_size(type, H5T_VARIABLE));
  PetscCallH5(H5Tset_cset(type, H5T_CSET_UTF8));
  PetscCallH5(space = H5Screate(H5S_SCALAR));
  PetscCallH5(attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
  PetscCallH5(H5Awrite(attr, type, &value));
  PetscCallH5(H5Aclose(attr));
  PetscCallH5(H5Sclose(space));
  PetscCallH5(H5Tclose(type));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttrScalar(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
  hid_t space, attr;

  PetscFunctionBegin;
  PetscCallH5(space = H5Screate(H5S_SCALAR));
  PetscCallH5(attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT));
  PetscCallH5(H5Awrite(attr, mtype, v));
  PetscCallH5(H5Aclose(attr));
  PetscCallH5(H5Sclose(space));
  PetscFunctionReturn(0);
}

/*@C
  TpH5WriteAttrDouble - Writes a float64 attribute

  Not Collective (every rank of the file calls it with the same value)

  Input Parameters:
+ loc   - the object
. name  - the attribute
- value - its value

.seealso: `TpH5ReadAttrDouble()`
@*/
PetscErrorCode TpH5WriteAttrDouble(hid_t loc, const char *name, double value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttrScalar(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(0);
}

/*@C
  TpH5WriteAttrInt - Writes an int64 attribute

  Not Collective (every rank of the file calls it with the same value)

  Input Parameters:
+ loc   - the object
. name  - the attribute
- value - its value

.seealso: `TpH5ReadAttrInt()`
@*/
PetscErrorCode TpH5WriteAttrInt(hid_t loc, const char *name, long long value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttrScalar(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &value));
  PetscFunctionReturn(0);
}

/*@C
  TpH5WriteAttrInts - Writes an int64 array attribute (a shape, say)

  Not Collective (every rank of the file calls it with the same values)

  Input Parameters:
+ loc    - the object
. name   - the attribute
. n      - how many values
- values - they

.seealso: `TpH5WriteAttrInt()`
@*/
PetscErrorCode TpH5WriteAttrInts(hid_t loc, const char *name, int n, const long long *values)
{
  const hsize_t dim = (hsize_t)n;
  hid_t space, attr;

  PetscFunctionBegin;
  PetscCallH5(space = H5Screate_simple(1, &dim, NULL));
  PetscCallH5(attr = H5Acreate2(loc, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT));
  PetscCallH5(H5Awrite(attr, H5T_NATIVE_LLONG, values));
  PetscCallH5(H5Aclose(attr));
  PetscCallH5(H5Sclose(space));
  PetscFunctionReturn(0);
}

/* The probe's child: open the file and read everything HDF5 would parse for a loader (every object
   header, every attribute, the data of every dataset up to 64 MiB); exits 0, or 1 where HDF5 refused
   something (the parent's own open then says what). */
static herr_t ProbeAttr(hid_t loc, const char *name, const H5A_info_t *info, void *ctx)
{
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1, s = a >= 0 ? H5Aget_space(a) : -1;
  hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
  size_t ts   = t >= 0 ? H5Tget_size(t) : 0;
  int *bad    = ctx;

  if (a < 0 || t < 0 || s < 0 || np < 0)
    *bad = 1;
  else if (H5Tis_variable_str(t) > 0 && (hsize_t)np <= (1u << 16)) { /* as TpH5ReadAttrString() reads them */
    hid_t m     = H5Tcopy(H5T_C_S1);
    char **strs = calloc((size_t)np + 1, sizeof(char *));
    if (H5Tget_cset(t) >= 0) H5Tset_cset(m, H5Tget_cset(t)); /* (whatever the cset, read as the loaders would) */
    if (m < 0 || !strs || H5Tset_size(m, H5T_VARIABLE) < 0 || H5Aread(a, m, strs) < 0)
      *bad = 1;
    else
      for (hssize_t i = 0; i < np; i++) H5free_memory(strs[i]);
    free(strs);
    if (m >= 0) H5Tclose(m);
  } else if (H5Tdetect_class(t, H5T_VLEN) <= 0 && !H5Tis_variable_str(t) && ts > 0 && (hsize_t)np <= (1u << 20) / ts) {
    void *buf = malloc((size_t)np * ts + 1);
    if (!buf || H5Aread(a, t, buf) < 0) *bad = 1;
    free(buf);
  }
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return 0;
}

/* Every attribute of an object: those tripart reads by name (the signature), then each by index,
   going on past those HDF5 refuses (an iteration would stop at the first). */
static void ProbeAttrs(hid_t o, int *bad)
{
  static const char *const named[] = {"format", "format_version", "version", "neurons", "nparts", "network_hash"};
  H5O_info_t info;

  for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
    if (H5Aexists(o, named[i]) > 0) ProbeAttr(o, named[i], NULL, bad);
  if (H5Oget_info2(o, &info, H5O_INFO_NUM_ATTRS) < 0) {
    *bad = 1;
    return;
  }
  for (hsize_t i = 0; i < info.num_attrs && i < 4096; i++) {
    char name[256];
    if (H5Aget_name_by_idx(o, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof(name), H5P_DEFAULT) < 0)
      *bad = 1;
    else
      ProbeAttr(o, name, NULL, bad);
  }
}

static herr_t ProbeObject(hid_t root, const char *name, const H5O_info_t *info, void *ctx)
{
  int *bad = ctx;
  hid_t o  = H5Oopen(root, name, H5P_DEFAULT);

  if (o < 0) {
    *bad = 1;
    return 0;
  }
  ProbeAttrs(o, bad);
  if (info->type == H5O_TYPE_DATASET) {
    hid_t s = H5Dget_space(o), t = H5Dget_type(o), n = t >= 0 ? H5Tget_native_type(t, H5T_DIR_DEFAULT) : -1;
    hssize_t np = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    size_t ts   = n >= 0 ? H5Tget_size(n) : 0;
    if (s < 0 || t < 0 || n < 0 || np < 0)
      *bad = 1;
    else if (H5Tdetect_class(t, H5T_VLEN) <= 0 && !H5Tis_variable_str(t) && ts > 0 && np > 0 &&
             (hsize_t)np <= ((hsize_t)64 << 20) / ts) {
      void *buf = malloc((size_t)np * ts);
      if (!buf || TpH5Read(o, n, H5S_ALL, H5S_ALL, buf) < 0) *bad = 1;
      free(buf);
    }
    if (n >= 0) H5Tclose(n);
    if (t >= 0) H5Tclose(t);
    if (s >= 0) H5Sclose(s);
  }
  H5Oclose(o);
  return 0;
}

/*@C
  TpH5Open - Opens an HDF5 file for reading, after a child process has read it without crashing

  Not Collective

  Input Parameters:
+ path - the file
. fapl - its file access list (H5P_DEFAULT, or an MPI-IO one: then every rank of it calls this)
. kind - what it is, for the message: "patterns file"
- option - the option that named it: "-patterns_file"

  Output Parameters:
+ msg - "" when the file opened, else why not
- f   - the file, or -1 (NULL: only the probe, for a collective open that follows)

  Notes:
  HDF5 1.10 (the version Debian 12 ships) crashes on some corrupt files while it parses their
  metadata (local heaps, B-trees, the metadata accumulator), before any check of tripart's can run;
  the fuzzer of tests/fuzz finds such files in seconds.  So a child process (fork(), no MPI, no
  PETSc) first opens the file and reads what a loader would: every object header and attribute and
  the data of every dataset up to 64 MiB.  If the child dies of a signal, or has not finished
  after 60 s (or TRIPART_PROBE_TIMEOUT seconds), the file is refused as corrupt; if it ends, the
  file is opened here and the loader's own checks give their messages.  Datasets over 64 MiB are
  read by the loader only (their headers are probed).  Costs one fork() per file a loader opens;
  `TpH5OpenShared()` for a file every rank opens.

.seealso: `TpH5Read()`
@*/
PetscErrorCode TpH5Open(const char *path, hid_t fapl, const char *kind, const char *option, char *msg, size_t len,
                        hid_t *f)
{
  pid_t pid;
  int st = 0;

  PetscFunctionBegin;
  msg[0] = 0;
  if (f) *f = -1;
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid == 0) { /* the child: HDF5 only, and out with _exit(): 0 read, 3 refused by HDF5 */
    const int deadly[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
    int bad            = 0;
    hid_t g;
    /* a crash must kill the child, not run PETSc's handler (which would MPI_Abort the job) nor a
       sanitizer's or the fuzzer's report of it */
    for (size_t i = 0; i < sizeof(deadly) / sizeof(deadly[0]); i++) signal(deadly[i], SIG_DFL);
    { /* nothing it prints is wanted (HDF5's or a sanitizer's report of HDF5's fault): the parent says what happened */
      int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, 1);
        dup2(null, 2);
      }
    }
#if defined(TP_ASAN)
    __sanitizer_set_death_callback(NULL);
#endif
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    g = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (g < 0) _exit(3);
    /* the root's attributes (the signature) first: a visit stops at the first object HDF5 refuses */
    ProbeAttrs(g, &bad);
    if (H5Ovisit2(g, H5_INDEX_NAME, H5_ITER_NATIVE, ProbeObject, &bad, H5O_INFO_BASIC) < 0) bad = 1;
    _exit(bad ? 3 : 0);
  }
  if (pid > 0) {
    struct timespec nap = {0, 2000000};
    const char *env     = getenv("TRIPART_PROBE_TIMEOUT");
    const double limit  = env && atof(env) > 0 ? atof(env) : 60.0; /* seconds */
    int waited          = 0;
    pid_t r;
    while ((r = waitpid(pid, &st, WNOHANG)) == 0 && waited < limit * 500) {
      nanosleep(&nap, NULL);
      waited++;
    }
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      PetscCall(PetscSNPrintf(msg, len,
                              "The %s '%s' (option %s) is corrupt: HDF5 was still reading it after %.0f s "
                              "(TRIPART_PROBE_TIMEOUT gives it longer)",
                              kind, path, option, limit));
      PetscFunctionReturn(0);
    }
    if (r == pid && (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 3))) {
      PetscCall(PetscSNPrintf(msg, len,
                              "The %s '%s' (option %s) is corrupt: HDF5 crashed reading it (%s %d, in a process "
                              "of its own)",
                              kind, path, option, WIFSIGNALED(st) ? "signal" : "exit status",
                              WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st)));
      PetscFunctionReturn(0);
    }
  } /* (fork() failed: open without the probe) */
  if (f) *f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  PetscFunctionReturn(0);
}

/*@C
  TpH5OpenShared - `TpH5Open()` for a file every rank of a communicator reads: one probe, on rank 0

  Collective

  Input Parameters:
+ comm - the ranks that open the file
. path - the file
. fapl - its file access list
. kind - what it is, for the message
- option - the option that named it

  Output Parameters:
+ msg - "" when the file opened, else why not (the same on every rank)
- f   - the file on each rank, or -1

  Notes:
  Rank 0's child reads the file (see `TpH5Open()`) and its verdict is broadcast, so a job of P ranks
  forks once per file, not P times, and every rank refuses a corrupt file with the same message.

.seealso: `TpH5Open()`
@*/
PetscErrorCode TpH5OpenShared(MPI_Comm comm, const char *path, hid_t fapl, const char *kind, const char *option,
                              char *msg, size_t len, hid_t *f)
{
  PetscMPIInt rank;
  int n;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  msg[0] = 0;
  *f     = -1;
  if (!rank) PetscCall(TpH5Open(path, fapl, kind, option, msg, len, NULL));
  n = (int)strlen(msg);
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_INT, 0, comm));
  if (n)
    PetscCallMPI(MPI_Bcast(msg, n + 1, MPI_CHAR, 0, comm));
  else
    *f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  PetscFunctionReturn(0);
}

/*@C
  TpH5Read - H5Dread() of a whole dataset or a selection, after checking the dataset's recorded size

  Not Collective (collective as H5Dread() is, with a collective transfer list)

  Input Parameters:
+ d       - the dataset
. memtype - the type in memory
. mspace  - the memory dataspace, or H5S_ALL
- fspace  - the file selection, or H5S_ALL

  Output Parameter:
. buf - the data

  Notes:
  A compact dataset holds its data in its header, a contiguous one in one block of the file: both
  record a size, which HDF5 1.10 trusts; a corrupt file whose recorded size is below what the
  dataspace and type need makes H5Dread() copy past the end of its buffer (found by the fuzzer).
  The size must be exactly that (a contiguous dataset never written may have none: it reads as its
  fill value).  Returns a negative value, as HDF5 does, on failure; not a PETSc function.

.seealso: `TpH5ReadDistributed()`
@*/
herr_t TpH5Read(hid_t d, hid_t memtype, hid_t mspace, hid_t fspace, void *buf)
{
  hid_t dcpl = H5Dget_create_plist(d), s = H5Dget_space(d), t = H5Dget_type(d);
  H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
  hssize_t np         = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
  size_t ts           = t >= 0 ? H5Tget_size(t) : 0;
  int ok              = layout != H5D_LAYOUT_ERROR && np >= 0 && ts > 0 && (hsize_t)np <= (hsize_t)-1 / ts;

  if (ok && (layout == H5D_COMPACT || layout == H5D_CONTIGUOUS)) {
    hsize_t have = H5Dget_storage_size(d), need = (hsize_t)np * ts;
    ok = have == need || (layout == H5D_CONTIGUOUS && have == 0);
  }
  if (dcpl >= 0) H5Pclose(dcpl);
  if (s >= 0) H5Sclose(s);
  if (t >= 0) H5Tclose(t);
  if (!ok) return -1;
  return H5Dread(d, memtype, mspace, fspace, H5P_DEFAULT, buf);
}

/*@C
  TpH5ReadDistributed - Reads each rank's contiguous block of rows of a 1-D or 2-D dataset

  Collective

  Input Parameters:
+ comm    - the communicator
. loc     - the group (or file)
. name    - the dataset
. memtype - the HDF5 type in memory
. nloc    - this rank's rows
. ncols   - columns of a 2-D dataset, 0 for 1-D
- total   - the row count the dataset must have

  Output Parameters:
+ data - nloc x ncols values
- ok   - false on every rank if the dataset is missing, of another shape, or unreadable on any rank

.seealso: `TpH5WriteDistributed()`
@*/
PetscErrorCode TpH5ReadDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, PetscCount nloc,
                                   PetscInt ncols, long long total, void *data, PetscBool *ok)
{
  long long n = (long long)nloc, off = 0;
  int good = 1, rank = ncols > 0 ? 2 : 1;
  hid_t dset = -1, fspace = -1, mspace = -1;
  hsize_t dims[2] = {0, 0}, start[2], count[2];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Exscan(&n, &off, 1, MPI_LONG_LONG, MPI_SUM, comm));
  {
    PetscMPIInt r;
    PetscCallMPI(MPI_Comm_rank(comm, &r));
    if (!r) off = 0;
  }
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0 || (dset = H5Dopen2(loc, name, H5P_DEFAULT)) < 0) good = 0;
  if (good && ((fspace = H5Dget_space(dset)) < 0 || H5Sget_simple_extent_ndims(fspace) != rank)) good = 0;
  if (good) {
    H5Sget_simple_extent_dims(fspace, dims, NULL);
    if (dims[0] != (hsize_t)total || (ncols > 0 && dims[1] != (hsize_t)ncols)) good = 0;
  }
  if (good) {
    start[0] = (hsize_t)off;
    start[1] = 0;
    count[0] = (hsize_t)n;
    count[1] = ncols > 0 ? (hsize_t)ncols : 1;
    mspace   = H5Screate_simple(rank, count, NULL);
    if (n > 0)
      good = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
    else
      good = H5Sselect_none(fspace) >= 0 && H5Sselect_none(mspace) >= 0;
    if (good && total > 0) good = TpH5Read(dset, memtype, mspace, fspace, data) >= 0;
  }
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (dset >= 0) H5Dclose(dset);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &good, 1, MPI_INT, MPI_MIN, comm));
  *ok = good ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  TpH5ReadAttrString - Reads a string attribute (fixed or variable length)

  Not Collective

  Input Parameters:
+ loc  - the object
. name - the attribute
- len  - room in value

  Output Parameters:
+ value - the string (untouched when not found)
- found - false when the attribute is missing or not a string

.seealso: `TpH5WriteAttrString()`
@*/
PetscErrorCode TpH5ReadAttrString(hid_t loc, const char *name, char *value, size_t len, PetscBool *found)
{
  hid_t attr, type, mem;

  PetscFunctionBegin;
  *found = PETSC_FALSE;
  if (H5Aexists(loc, name) <= 0 || (attr = H5Aopen(loc, name, H5P_DEFAULT)) < 0) PetscFunctionReturn(0);
  type = H5Aget_type(attr);
  /* (a character set HDF5 cannot name is a corrupt type: reading it through a conversion can loop) */
  if (type >= 0 && H5Tget_class(type) == H5T_STRING && H5Tget_cset(type) >= 0) {
    if (H5Tis_variable_str(type) > 0) {
      char *v = NULL;
      mem     = H5Tcopy(H5T_C_S1);
      H5Tset_size(mem, H5T_VARIABLE);
      H5Tset_cset(mem, H5Tget_cset(type));
      if (H5Aread(attr, mem, &v) >= 0 && v) {
        PetscCall(PetscStrncpy(value, v, len));
        *found = PETSC_TRUE;
        H5free_memory(v);
      }
      H5Tclose(mem);
    } else {
      size_t sz = H5Tget_size(type);
      char *v;
      PetscCall(PetscCalloc1(sz + 1, &v));
      mem = H5Tcopy(H5T_C_S1);
      H5Tset_size(mem, sz + 1);
      H5Tset_cset(mem, H5Tget_cset(type));
      if (H5Aread(attr, mem, v) >= 0) {
        PetscCall(PetscStrncpy(value, v, len));
        *found = PETSC_TRUE;
      }
      H5Tclose(mem);
      PetscCall(PetscFree(v));
    }
  }
  if (type >= 0) H5Tclose(type);
  H5Aclose(attr);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAttrScalar(hid_t loc, const char *name, hid_t mtype, H5T_class_t cls, void *v,
                                     PetscBool *found)
{
  hid_t attr, type, space;

  PetscFunctionBegin;
  *found = PETSC_FALSE;
  if (H5Aexists(loc, name) <= 0 || (attr = H5Aopen(loc, name, H5P_DEFAULT)) < 0) PetscFunctionReturn(0);
  type  = H5Aget_type(attr);
  space = H5Aget_space(attr);
  if (type >= 0 && space >= 0 && H5Tget_class(type) == cls && H5Sget_simple_extent_npoints(space) == 1 &&
      H5Aread(attr, mtype, v) >= 0)
    *found = PETSC_TRUE;
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  H5Aclose(attr);
  PetscFunctionReturn(0);
}

/*@C
  TpH5ReadAttrDouble - Reads a scalar float attribute

  Not Collective

  Input Parameters:
+ loc  - the object
- name - the attribute

  Output Parameters:
+ value - its value (untouched when not found)
- found - false when the attribute is missing, not a float or not a scalar

.seealso: `TpH5WriteAttrDouble()`
@*/
PetscErrorCode TpH5ReadAttrDouble(hid_t loc, const char *name, double *value, PetscBool *found)
{
  PetscFunctionBegin;
  PetscCall(ReadAttrScalar(loc, name, H5T_NATIVE_DOUBLE, H5T_FLOAT, value, found));
  PetscFunctionReturn(0);
}

/*@C
  TpH5ReadAttrInt - Reads a scalar integer attribute

  Not Collective

  Input Parameters:
+ loc  - the object
- name - the attribute

  Output Parameters:
+ value - its value (untouched when not found)
- found - false when the attribute is missing, not an integer or not a scalar

.seealso: `TpH5WriteAttrInt()`
@*/
PetscErrorCode TpH5ReadAttrInt(hid_t loc, const char *name, long long *value, PetscBool *found)
{
  PetscFunctionBegin;
  PetscCall(ReadAttrScalar(loc, name, H5T_NATIVE_LLONG, H5T_INTEGER, value, found));
  PetscFunctionReturn(0);
}

/*@C
  TpH5ReadWhole - Reads a whole small dataset of exactly n elements (any shape)

  Not Collective

  Input Parameters:
+ loc     - the group
. name    - the dataset
. memtype - the HDF5 type in memory
- n       - the number of elements it must have

  Output Parameter:
. buf - the values

  Notes:
  Returns false (and leaves buf undefined) when the dataset is missing, of another size or unreadable.

.seealso: `TpH5GetExtent()`
@*/
PetscBool TpH5ReadWhole(hid_t loc, const char *name, hid_t memtype, void *buf, long long n)
{
  PetscBool ok = PETSC_FALSE;
  hid_t d, sp;

  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0 || (d = H5Dopen2(loc, name, H5P_DEFAULT)) < 0) return PETSC_FALSE;
  if ((sp = H5Dget_space(d)) >= 0) {
    if (H5Sget_simple_extent_npoints(sp) == n) ok = n == 0 || TpH5Read(d, memtype, H5S_ALL, H5S_ALL, buf) >= 0;
    H5Sclose(sp);
  }
  H5Dclose(d);
  return ok;
}

/*@C
  TpH5GetExtent - The dimensions of a dataset of rank 1 or 2

  Not Collective

  Input Parameters:
+ loc  - the group
- name - the dataset

  Output Parameters:
+ ndims - 1 or 2
- dims  - the extent (dims[1] = 1 for rank 1)

  Notes:
  Returns false when the dataset is missing or of another rank.

.seealso: `TpH5ReadWhole()`
@*/
PetscBool TpH5GetExtent(hid_t loc, const char *name, int *ndims, hsize_t dims[2])
{
  PetscBool ok = PETSC_FALSE;
  hid_t d, sp;

  dims[0] = 0;
  dims[1] = 1;
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0 || (d = H5Dopen2(loc, name, H5P_DEFAULT)) < 0) return PETSC_FALSE;
  if ((sp = H5Dget_space(d)) >= 0) {
    *ndims = H5Sget_simple_extent_ndims(sp);
    if (*ndims == 1 || *ndims == 2) {
      H5Sget_simple_extent_dims(sp, dims, NULL);
      if (*ndims == 1) dims[1] = 1;
      ok = PETSC_TRUE;
    }
    H5Sclose(sp);
  }
  H5Dclose(d);
  return ok;
}

/*@C
  TpH5CreateGroup - Opens a group, creating it (and the groups above it) when missing

  Not Collective (every rank of the file calls it)

  Input Parameters:
+ loc  - the file or a group
- path - e.g. "observables" or "state" (relative to loc); "." or "" for loc itself, "/" for the root

  Output Parameter:
. g - the open group; close it with H5Gclose()

.seealso: `TpH5WriteRoot()`
@*/
PetscErrorCode TpH5CreateGroup(hid_t loc, const char *path, hid_t *g)
{
  PetscFunctionBegin;
  if (!path[0] || !strcmp(path, ".") || !strcmp(path, "/")) {
    PetscCallH5(*g = H5Gopen2(loc, path[0] ? path : ".", H5P_DEFAULT));
    PetscFunctionReturn(0);
  }
  if (H5Lexists(loc, path, H5P_DEFAULT) > 0) {
    PetscCallH5(*g = H5Gopen2(loc, path, H5P_DEFAULT));
  } else {
    hid_t lcpl;
    PetscCallH5(lcpl = H5Pcreate(H5P_LINK_CREATE));
    PetscCallH5(H5Pset_create_intermediate_group(lcpl, 1));
    PetscCallH5(*g = H5Gcreate2(loc, path, lcpl, H5P_DEFAULT, H5P_DEFAULT));
    PetscCallH5(H5Pclose(lcpl));
  }
  PetscFunctionReturn(0);
}

/*@C
  TpH5NativeType - The HDF5 memory type of a PETSc data type

  Not Collective

  Input Parameter:
. type - `PETSC_DOUBLE`, `PETSC_INT`, `PETSC_INT64` or `PETSC_CHAR` (signed bytes)

.seealso: `TpH5FileType()`
@*/
hid_t TpH5NativeType(PetscDataType type)
{
  switch (type) {
  case PETSC_DOUBLE:
    return H5T_NATIVE_DOUBLE;
  case PETSC_INT:
    return sizeof(PetscInt) == 8 ? H5T_NATIVE_LLONG : H5T_NATIVE_INT;
  case PETSC_INT64:
    return H5T_NATIVE_LLONG;
  case PETSC_CHAR:
    return H5T_NATIVE_SCHAR;
  default:
    return -1;
  }
}

/*@C
  TpH5FileType - The little-endian HDF5 file type of a PETSc data type

  Not Collective

  Input Parameter:
. type - `PETSC_DOUBLE`, `PETSC_INT`, `PETSC_INT64` or `PETSC_CHAR`

.seealso: `TpH5NativeType()`
@*/
hid_t TpH5FileType(PetscDataType type)
{
  switch (type) {
  case PETSC_DOUBLE:
    return H5T_IEEE_F64LE;
  case PETSC_INT:
    return sizeof(PetscInt) == 8 ? H5T_STD_I64LE : H5T_STD_I32LE;
  case PETSC_INT64:
    return H5T_STD_I64LE;
  case PETSC_CHAR:
    return H5T_STD_I8LE;
  default:
    return -1;
  }
}

/*@C
  TpH5WriteSignature - Writes the signature of a tripart file: root attributes `format`,
  `format_version` and `version` (of tripart)

  Not Collective (every rank of the file calls it)

  Input Parameters:
+ f   - the file
- fmt - the kind of file (`TP_FORMAT_RUN`, `TP_FORMAT_CHECKPOINT`, ...)

.seealso: `TpH5CheckSignature()`, `TpH5WriteFile()`
@*/
PetscErrorCode TpH5WriteSignature(hid_t f, const TpFileFormat *fmt)
{
  PetscFunctionBegin;
  PetscCall(TpH5WriteAttrString(f, "format", fmt->format));
  PetscCall(TpH5WriteAttrInt(f, "format_version", fmt->version));
  PetscCall(TpH5WriteAttrString(f, "version", TRIPART_VERSION));
  PetscFunctionReturn(0);
}

/*@C
  TpH5CheckSignature - Checks that a file is a tripart file of the given kind and version

  Not Collective

  Input Parameters:
+ f     - the open file
. fmt   - the kind it must be
. where - how to name the file in a message, e.g. "Option -network_file: 'net.h5'"
- len   - room in msg

  Output Parameter:
. msg - empty when the signature matches; otherwise the message to raise

  Notes:
  Every reader of a tripart file calls it before reading anything else, so that a file of another
  kind or written by another format version is refused with a message that says which.

.seealso: `TpH5WriteSignature()`
@*/
PetscErrorCode TpH5CheckSignature(hid_t f, const TpFileFormat *fmt, const char *where, char *msg, size_t len)
{
  char s[128] = "", by[64] = "?";
  long long v = -1;
  PetscBool found, has;

  PetscFunctionBegin;
  msg[0] = 0;
  PetscCall(TpH5ReadAttrString(f, "format", s, sizeof(s), &found));
  if (!found || strcmp(s, fmt->format)) {
    PetscCall(PetscSNPrintf(msg, len, "%s is not a tripart %s (no format attribute '%s'%s%s)", where, fmt->what,
                            fmt->format, fmt->hint[0] ? "; " : "", fmt->hint));
    PetscFunctionReturn(0);
  }
  PetscCall(TpH5ReadAttrInt(f, "format_version", &v, &found));
  PetscCall(TpH5ReadAttrString(f, "version", by, sizeof(by), &has));
  if (!found || v != fmt->version)
    PetscCall(PetscSNPrintf(msg, len,
                            "%s has format version %lld (written by tripart %s); this tripart %s reads version %d",
                            where, found ? v : -1, by, TRIPART_VERSION, fmt->version));
  PetscFunctionReturn(0);
}

/*@C
  TpH5WriteFile - Writes a whole file the way every tripart file is written

  Collective

  Input Parameters:
+ comm  - the ranks that write it
. path  - the final name
. spec  - what the file is (for messages), the room it needs, whether to fsync and keep PATH.prev
. write - fills the open file: write(comm, file, ctx), collectively
- ctx   - passed to write

  Notes:
  The file is created collectively as PATH.part, filled, closed, (flushed to disk), and renamed to
  PATH only when complete; with keep_prev the file it replaces stays as PATH.prev (a hard link).
  On any failure (no room, a failed write, a full disk at close) nothing is left under PATH.part,
  PATH is what it was, and every rank gets one error that names the file and says whether a
  previous one is untouched.

.seealso: `TpH5WriteSignature()`, `TpCheckRoom()`
@*/
PetscErrorCode TpH5WriteFile(MPI_Comm comm, const char *path, const TpH5FileSpec *spec,
                             PetscErrorCode (*write)(MPI_Comm, hid_t, void *), void *ctx)
{
  char tmp[PETSC_MAX_PATH_LEN + 8], prev[PETSC_MAX_PATH_LEN + 8], note[PETSC_MAX_PATH_LEN + 128];
  char msg[2 * PETSC_MAX_PATH_LEN + 128] = "";
  PetscMPIInt rank;
  PetscErrorCode ierr;
  hid_t fapl, f;
  int bad, existed = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.part", path));
  PetscCall(PetscSNPrintf(prev, sizeof(prev), "%s.prev", path));
  if (!rank) existed = access(path, F_OK) == 0;
  PetscCallMPI(MPI_Bcast(&existed, 1, MPI_INT, 0, comm));
  if (existed)
    PetscCall(PetscSNPrintf(note, sizeof(note), "; the previous %s '%s' is untouched", spec->what, path));
  else
    PetscCall(PetscSNPrintf(note, sizeof(note), "; nothing was left under that name"));
  if (spec->bytes > 0) PetscCall(TpCheckRoom(comm, path, spec->bytes, spec->what));
  PetscCallH5(fapl = H5Pcreate(H5P_FILE_ACCESS));
  PetscCallH5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  PetscCallH5(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)); /* closed at once, also with objects a failure left open */
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  PetscCallH5(H5Pclose(fapl));
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "Cannot create %s '%s' (option %s)%s", spec->what, tmp, spec->option,
             existed ? note : "");
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); /* one clear message below, not the HDF5 details */
  ierr = write(comm, f, ctx);
  PetscCall(PetscPopErrorHandler());
  if (H5Fclose(f) < 0) {
    TpH5Broken = PETSC_TRUE;
    if (!ierr) ierr = PETSC_ERR_FILE_WRITE;
  }
  bad = ierr != 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  if (!rank) {
    if (!bad && spec->fsync) {
      int fd = open(tmp, O_RDONLY);
      if (fd < 0 || fsync(fd))
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Cannot flush %s '%s' to disk: %s%s", spec->what, tmp,
                                strerror(errno), note));
      if (fd >= 0) close(fd);
    }
    if (bad || msg[0])
      unlink(tmp);
    else {
      if (spec->keep_prev) unlink(prev);
      if (spec->keep_prev && existed && link(path, prev))
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Cannot keep the previous %s as '%s': %s%s", spec->what, prev,
                                strerror(errno), note));
      else if (rename(tmp, path))
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Cannot rename '%s' to '%s': %s", tmp, path, strerror(errno)));
      if (msg[0]) unlink(tmp);
    }
  }
  PetscCheck(!bad, comm, ierr ? ierr : PETSC_ERR_FILE_WRITE, "Writing %s '%s' failed (disk full or unwritable?)%s",
             spec->what, path, note);
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_WRITE, msg, sizeof(msg)));
  PetscFunctionReturn(0);
}
