/* Stored patterns and the cue: drawn from the counter-based stream or read from a patterns file;
   every rank holds all N x K of them (never anything of size N^2). */
#include <tppatterns.h>
#include <tputil.h>
#include <tprandom.h>
#include <tph5.h>
#include <petscviewer.h>
#include <math.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

struct _p_TpPatterns {
  MPI_Comm comm;
  PetscInt N, K;
  PetscInt seed;
  char file[PETSC_MAX_PATH_LEN]; /* -patterns_file (or the source of TpPatternsSetData), "" when generated */
  PetscReal flip_fraction;       /* -cue_flip_fraction: each bit flipped with this probability */
  PetscInt flip_count;           /* -cue_flip_count: exactly this many bits flipped (-1: unused) */
  PetscInt target;               /* -cue_target: the pattern the cue is made from */
  PetscBool cue_from_file;
  PetscBool setup;
  PetscInt flipped;           /* bits in which the cue differs from the target */
  double *xi;                 /* N x K, row-major: xi[i*K + mu] */
  double *cue;                /* N, values -1/+1 */
  double *file_xi, *file_cue; /* loaded data (file_K x N), before SetUp */
  PetscInt file_K;
};

/*@C
  TpPatternsCreate - Creates a set of patterns and a cue (10 random patterns, 10 % of the cue's bits flipped)

  Collective

  Input Parameter:
. comm - the ranks (every one holds all patterns)

  Output Parameter:
. pat - the patterns

.seealso: `TpPatternsSetFromOptions()`, `TpPatternsSetUp()`
@*/
PetscErrorCode TpPatternsCreate(MPI_Comm comm, TpPatterns *pat)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(pat));
  (*pat)->comm          = comm;
  (*pat)->K             = 10;
  (*pat)->flip_fraction = 0.1;
  (*pat)->flip_count    = -1;
  PetscFunctionReturn(0);
}

/* Read /patterns (and /cue if present) on rank 0; a failure is described in msg, never half-loaded. */
/* What a patterns file holds: its option, its values (-1/+1 or 0/1), and whether it may carry /cue. */
typedef struct {
  const char *option;
  double lo, hi;
  const char *values; /* "-1/+1" */
  const char *only;   /* "-1 and +1" */
  PetscBool cue;
} PatternsFileKind;

static const PatternsFileKind SignedPatterns = {"-patterns_file", -1.0, 1.0, "-1/+1", "-1 and +1", PETSC_TRUE};

static PetscErrorCode ReadPatternsFile(const char *path, const PatternsFileKind *kind, PetscInt *K, PetscInt *N,
                                       double **xi, double **cue, char msg[], size_t len)
{
  hid_t f = -1, d = -1, s = -1, t = -1;
  hsize_t dims[2];
  int ndims;
  H5T_class_t cls;

  PetscFunctionBegin;
  *xi    = NULL;
  *cue   = NULL;
  msg[0] = 0;
  if (access(path, R_OK)) {
    PetscCall(
        PetscSNPrintf(msg, len, "Cannot read patterns file '%s' (option %s): %s", path, kind->option, strerror(errno)));
    PetscFunctionReturn(0);
  }
  if (H5Fis_hdf5(path) <= 0) {
    PetscCall(PetscSNPrintf(msg, len, "Patterns file '%s' (option %s) is not an HDF5 file", path, kind->option));
    PetscFunctionReturn(0);
  }
  PetscCall(TpH5Open(path, H5P_DEFAULT, "patterns file", kind->option, msg, len, &f));
  if (msg[0]) PetscFunctionReturn(0);
  if (f < 0) {
    PetscCall(PetscSNPrintf(msg, len, "Cannot open patterns file '%s' (option %s) as HDF5", path, kind->option));
    PetscFunctionReturn(0);
  }
  if (H5Lexists(f, "patterns", H5P_DEFAULT) <= 0 || (d = H5Dopen2(f, "patterns", H5P_DEFAULT)) < 0) {
    PetscCall(
        PetscSNPrintf(msg, len, "Patterns file '%s' has no dataset /patterns (K x N, values %s)", path, kind->values));
    goto done;
  }
  s     = H5Dget_space(d);
  t     = H5Dget_type(d);
  ndims = H5Sget_simple_extent_ndims(s);
  cls   = H5Tget_class(t);
  if (ndims != 2) {
    PetscCall(
        PetscSNPrintf(msg, len, "Dataset /patterns in '%s' must be 2-D (K x N); it has %d dimensions", path, ndims));
    goto done;
  }
  H5Sget_simple_extent_dims(s, dims, NULL);
  if (dims[0] < 1 || dims[1] < 1 || dims[0] > PETSC_MAX_INT || dims[1] > PETSC_MAX_INT ||
      dims[0] * dims[1] > (hsize_t)1 << 34) {
    PetscCall(PetscSNPrintf(msg, len, "Dataset /patterns in '%s' has unusable shape %llu x %llu", path,
                            (unsigned long long)dims[0], (unsigned long long)dims[1]));
    goto done;
  }
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    PetscCall(PetscSNPrintf(msg, len,
                            "Dataset /patterns in '%s' must hold integers or floats (%s); its type class is %d", path,
                            kind->values, (int)cls));
    goto done;
  }
  *K = (PetscInt)dims[0];
  *N = (PetscInt)dims[1];
  PetscCall(PetscMalloc1((size_t)dims[0] * dims[1], xi));
  if (TpH5Read(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, *xi) < 0) {
    PetscCall(PetscSNPrintf(msg, len, "Cannot read dataset /patterns of '%s'", path));
    goto done;
  }
  for (size_t q = 0; q < (size_t)dims[0] * dims[1]; q++)
    if ((*xi)[q] != kind->hi && (*xi)[q] != kind->lo) {
      PetscCall(PetscSNPrintf(msg, len,
                              "Dataset /patterns in '%s' must hold only %s; found %.6g at pattern %zu, neuron %zu",
                              path, kind->only, (*xi)[q], (size_t)(q / dims[1]), (size_t)(q % dims[1])));
      goto done;
    }
  H5Tclose(t);
  H5Sclose(s);
  H5Dclose(d);
  t = s = d = -1;
  if (kind->cue && H5Lexists(f, "cue", H5P_DEFAULT) > 0) {
    hsize_t cd[2];
    if ((d = H5Dopen2(f, "cue", H5P_DEFAULT)) < 0) {
      PetscCall(PetscSNPrintf(msg, len, "Cannot open dataset /cue of '%s'", path));
      goto done;
    }
    s   = H5Dget_space(d);
    t   = H5Dget_type(d);
    cls = H5Tget_class(t);
    if (H5Sget_simple_extent_ndims(s) != 1 || (H5Sget_simple_extent_dims(s, cd, NULL), cd[0] != dims[1]) ||
        (cls != H5T_INTEGER && cls != H5T_FLOAT)) {
      PetscCall(PetscSNPrintf(msg, len, "Dataset /cue in '%s' must be a 1-D array of N = %llu values -1/+1", path,
                              (unsigned long long)dims[1]));
      goto done;
    }
    PetscCall(PetscMalloc1(dims[1], cue));
    if (TpH5Read(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, *cue) < 0) {
      PetscCall(PetscSNPrintf(msg, len, "Cannot read dataset /cue of '%s'", path));
      goto done;
    }
    for (size_t i = 0; i < dims[1]; i++)
      if ((*cue)[i] != 1.0 && (*cue)[i] != -1.0) {
        PetscCall(PetscSNPrintf(msg, len, "Dataset /cue in '%s' must hold only -1 and +1; found %.6g at neuron %zu",
                                path, (*cue)[i], i));
        goto done;
      }
  }
done:
  if (t >= 0) H5Tclose(t);
  if (s >= 0) H5Sclose(s);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  if (msg[0]) {
    PetscCall(PetscFree(*xi));
    PetscCall(PetscFree(*cue));
  }
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsLoadFile - Reads /patterns (K x N, values -1/+1) and /cue (N, optional) of an HDF5 file

  Collective

  Input Parameters:
+ pat  - the patterns
- path - the file

  Output Parameter:
. K - the patterns in the file

  Notes:
  Rank 0 reads and checks the file, every rank receives it; a bad file is refused with a message
  naming the file and dataset, and nothing is half-loaded.

.seealso: `TpPatternsGetFileData()`, `TpPatternsSetFromOptions()`
@*/
PetscErrorCode TpPatternsLoadFile(TpPatterns pat, const char *path, PetscInt *K)
{
  char msg[PETSC_MAX_PATH_LEN + 256] = "";
  PetscInt dims[2]                   = {0, 0};
  int hascue                         = 0;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(pat->comm, &rank));
  if (path != pat->file) PetscCall(PetscStrncpy(pat->file, path, sizeof(pat->file)));
  PetscCall(PetscFree(pat->file_xi));
  PetscCall(PetscFree(pat->file_cue));
  if (!rank) {
    PetscCall(ReadPatternsFile(pat->file, &SignedPatterns, &dims[0], &dims[1], &pat->file_xi, &pat->file_cue, msg,
                               sizeof(msg)));
    hascue = pat->file_cue != NULL;
  }
  PetscCall(TpRootCheck(pat->comm, PETSC_ERR_FILE_UNEXPECTED, msg, sizeof(msg)));
  PetscCallMPI(MPI_Bcast(dims, 2, MPIU_INT, 0, pat->comm));
  PetscCallMPI(MPI_Bcast(&hascue, 1, MPI_INT, 0, pat->comm));
  *K          = dims[0];
  pat->file_K = dims[0];
  pat->N      = dims[1];
  if (rank) {
    PetscCall(PetscMalloc1((size_t)dims[0] * dims[1], &pat->file_xi));
    if (hascue) PetscCall(PetscMalloc1(pat->N, &pat->file_cue));
  }
  PetscCallMPI(MPI_Bcast(pat->file_xi, (PetscMPIInt)(dims[0] * dims[1]), MPI_DOUBLE, 0, pat->comm));
  if (hascue) PetscCallMPI(MPI_Bcast(pat->file_cue, (PetscMPIInt)pat->N, MPI_DOUBLE, 0, pat->comm));
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsReadBinary - Reads /patterns (K x N, values 0/1) of an HDF5 file onto every rank, for the
  models that learn binary patterns (M5)

  Collective

  Input Parameters:
+ comm   - the ranks that read it
. path   - the file
- option - the option that named it, for messages

  Output Parameters:
+ K  - the patterns
. N  - their length
- xi - K x N values 0 or 1, row mu is pattern mu (PetscFree() it)

  Notes:
  Rank 0 reads and checks the file, every rank receives it; a bad file is refused with a message
  naming the file, the option and the dataset.

.seealso: `TpPatternsLoadFile()`
@*/
PetscErrorCode TpPatternsReadBinary(MPI_Comm comm, const char *path, const char *option, PetscInt *K, PetscInt *N,
                                    double **xi)
{
  const PatternsFileKind kind        = {option, 0.0, 1.0, "0/1", "0 and 1", PETSC_FALSE};
  char msg[PETSC_MAX_PATH_LEN + 256] = "";
  PetscInt dims[2]                   = {0, 0};
  double *cue                        = NULL;
  PetscMPIInt rank;

  PetscFunctionBegin;
  *xi = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) PetscCall(ReadPatternsFile(path, &kind, &dims[0], &dims[1], xi, &cue, msg, sizeof(msg)));
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_UNEXPECTED, msg, sizeof(msg)));
  PetscCallMPI(MPI_Bcast(dims, 2, MPIU_INT, 0, comm));
  if (rank) PetscCall(PetscMalloc1((size_t)dims[0] * dims[1], xi));
  for (size_t off = 0, n = (size_t)dims[0] * dims[1]; off < n; off += (size_t)1 << 28)
    PetscCallMPI(MPI_Bcast(*xi + off, (PetscMPIInt)PetscMin(n - off, (size_t)1 << 28), MPI_DOUBLE, 0, comm));
  *K = dims[0];
  *N = dims[1];
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsSetFromOptions - Reads the number of patterns, the patterns file and how the cue is made

  Collective

  Input Parameter:
. pat - the patterns

  Options Database Keys:
+ -K <10>                   - stored random patterns
. -patterns_file <file>     - HDF5 file with /patterns (K x N, -1/+1) and optional /cue (N)
. -cue_flip_fraction <0.1>  - each bit of the target flipped with this probability
. -cue_flip_count <n>       - exactly this many bits flipped (instead of the fraction)
- -cue_target <0>           - the stored pattern the cue is made from

.seealso: `TpPatternsSetUp()`
@*/
PetscErrorCode TpPatternsSetFromOptions(TpPatterns pat)
{
  PetscBool fset, cset, kset;

  PetscFunctionBegin;
  PetscOptionsBegin(pat->comm, NULL, "Patterns and cue options", "TpPatterns");
  PetscCall(
      PetscOptionsInt("-K", "Number of stored random patterns", "TpPatternsSetFromOptions", pat->K, &pat->K, &kset));
  PetscCall(PetscOptionsString("-patterns_file", "HDF5 file with /patterns (K x N, -1/+1) and optional /cue (N)",
                               "TpPatternsSetFromOptions", pat->file, pat->file, sizeof(pat->file), NULL));
  PetscCall(PetscOptionsReal("-cue_flip_fraction",
                             "Probability with which each bit of the target is flipped to make the cue",
                             "TpPatternsSetFromOptions", pat->flip_fraction, &pat->flip_fraction, &fset));
  PetscCall(PetscOptionsInt("-cue_flip_count",
                            "Exact number of target bits flipped to make the cue (overrides the fraction)",
                            "TpPatternsSetFromOptions", pat->flip_count, &pat->flip_count, &cset));
  PetscCall(PetscOptionsInt("-cue_target", "Index of the stored pattern the cue is made from",
                            "TpPatternsSetFromOptions", pat->target, &pat->target, NULL));
  PetscOptionsEnd();
  PetscCheck(pat->flip_fraction >= 0 && pat->flip_fraction <= 1, pat->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -cue_flip_fraction must lie in [0, 1]; got %.6g", (double)pat->flip_fraction);
  PetscCheck(!(fset && cset), pat->comm, PETSC_ERR_ARG_INCOMP,
             "Give either -cue_flip_fraction or -cue_flip_count, not both");
  PetscCheck(!cset || pat->flip_count >= 0, pat->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -cue_flip_count must be non-negative; got %" PetscInt_FMT, pat->flip_count);
  if (pat->file[0]) {
    PetscInt Kfile;
    PetscCall(TpPatternsLoadFile(pat, pat->file, &Kfile));
    PetscCheck(!kset || pat->K == Kfile, pat->comm, PETSC_ERR_ARG_INCOMP,
               "Option -K %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " patterns in '%s'", pat->K, Kfile,
               pat->file);
    pat->K = Kfile;
  }
  PetscCheck(pat->K > 0, pat->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -K (number of patterns) must be positive; got %" PetscInt_FMT, pat->K);
  PetscCheck(pat->target >= 0 && pat->target < pat->K, pat->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -cue_target must lie in [0, %" PetscInt_FMT "] (K = %" PetscInt_FMT
             " patterns); got %" PetscInt_FMT,
             pat->K - 1, pat->K, pat->target);
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsSetNumber - Sets the number of random patterns (or of the first patterns of the data)

  Logically Collective

  Input Parameters:
+ pat - the patterns, before set-up
- K   - the number

.seealso: `TpPatternsSetCue()`, `TpPatternsSetData()`
@*/
PetscErrorCode TpPatternsSetNumber(TpPatterns pat, PetscInt K)
{
  PetscFunctionBegin;
  PetscCheck(K > 0, pat->comm, PETSC_ERR_ARG_OUTOFRANGE, "Number of patterns must be positive; got %" PetscInt_FMT, K);
  pat->K = K;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsSetCue - Makes the cue from a stored pattern with exactly `flips` bits flipped

  Logically Collective

  Input Parameters:
+ pat    - the patterns, before set-up
. target - the pattern the cue is made from
- flips  - how many of its bits are flipped (chosen by the stream keyed by the seed)

.seealso: `TpPatternsSetNumber()`
@*/
PetscErrorCode TpPatternsSetCue(TpPatterns pat, PetscInt target, PetscInt flips)
{
  PetscFunctionBegin;
  pat->target     = target;
  pat->flip_count = flips;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsSetData - Stores the first K of given patterns instead of random ones

  Collective

  Input Parameters:
+ pat    - the patterns, before set-up
. source - where they come from (a file name, for descriptions and outputs)
. K      - how many to store
. N      - neurons
- xi     - at least K x N values -1/+1, row-major (pattern by pattern); copied

.seealso: `TpPatternsLoadFile()`, `TpPatternsGetFileData()`
@*/
PetscErrorCode TpPatternsSetData(TpPatterns pat, const char *source, PetscInt K, PetscInt N, const double *xi)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(pat->file_xi));
  PetscCall(PetscMalloc1((size_t)K * N, &pat->file_xi));
  PetscCall(PetscArraycpy(pat->file_xi, xi, (size_t)K * N));
  PetscCall(PetscStrncpy(pat->file, source, sizeof(pat->file)));
  pat->K      = K;
  pat->file_K = K;
  pat->N      = N;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsGetFileData - The patterns a file brought, before set-up

  Not Collective

  Input Parameter:
. pat - the patterns, after TpPatternsLoadFile()

  Output Parameters:
+ K  - patterns in the file
. N  - neurons
- xi - K x N values, row-major; owned by pat

.seealso: `TpPatternsLoadFile()`, `TpPatternsSetData()`
@*/
PetscErrorCode TpPatternsGetFileData(TpPatterns pat, PetscInt *K, PetscInt *N, const double **xi)
{
  PetscFunctionBegin;
  PetscCheck(pat->file_xi, pat->comm, PETSC_ERR_ORDER, "TpPatternsGetFileData(): no file loaded");
  *K  = pat->file_K;
  *N  = pat->N;
  *xi = pat->file_xi;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsGetFileSize - Whether the patterns come from a file, and its number of neurons

  Not Collective

  Input Parameter:
. pat - the patterns, after TpPatternsSetFromOptions()

  Output Parameters:
+ fromfile - true when a file was given
- N        - its neurons

.seealso: `TpPatternsSetFromOptions()`
@*/
PetscErrorCode TpPatternsGetFileSize(TpPatterns pat, PetscBool *fromfile, PetscInt *N)
{
  PetscFunctionBegin;
  *fromfile = pat->file[0] ? PETSC_TRUE : PETSC_FALSE;
  *N        = pat->N;
  PetscFunctionReturn(0);
}

typedef struct {
  double key;
  PetscInt i;
} KeyIndex;

static int CompareKey(const void *a, const void *b)
{
  const KeyIndex *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}

/*@C
  TpPatternsGetFile - The patterns file (or the source given to TpPatternsSetData()), or "" for random patterns

  Not Collective

  Input Parameter:
. pat - the patterns

  Output Parameter:
. file - the name

.seealso: `TpPatternsGetFileSize()`
@*/
PetscErrorCode TpPatternsGetFile(TpPatterns pat, const char **file)
{
  PetscFunctionBegin;
  *file = pat->file;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsSetUp - Draws or installs the patterns and makes the cue, identically on every rank

  Collective

  Input Parameters:
+ pat  - the patterns
. N    - neurons
- seed - the seed of the pattern and cue streams

.seealso: `TpPatternsGetPatterns()`, `TpPatternsGetCue()`
@*/
PetscErrorCode TpPatternsSetUp(TpPatterns pat, PetscInt N, PetscInt seed)
{
  const PetscInt K = pat->K;

  PetscFunctionBegin;
  pat->N    = N;
  pat->seed = seed;
  PetscCheck((double)N * K <= 268435456.0, pat->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -K: %" PetscInt_FMT " patterns of N = %" PetscInt_FMT
             " neurons are more than 2^28 values (every rank holds them all, 8 bytes each)",
             K, N);
  PetscCall(PetscMalloc1((size_t)N * K, &pat->xi));
  PetscCall(PetscMalloc1(N, &pat->cue));
  if (pat->file_xi) {
    for (PetscInt mu = 0; mu < K; mu++)
      for (PetscInt i = 0; i < N; i++) pat->xi[(size_t)i * K + mu] = pat->file_xi[(size_t)mu * N + i];
    PetscCall(PetscFree(pat->file_xi));
  } else {
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt mu = 0; mu < K; mu++)
        pat->xi[(size_t)i * K + mu] =
            (TpHash((uint64_t)seed, TP_STREAM_PATTERN, (uint64_t)mu, (uint64_t)i) >> 63) ? 1.0 : -1.0;
  }
  for (PetscInt i = 0; i < N; i++) pat->cue[i] = pat->xi[(size_t)i * K + pat->target];
  if (pat->file_cue) {
    pat->cue_from_file = PETSC_TRUE;
    PetscCall(PetscArraycpy(pat->cue, pat->file_cue, N));
    PetscCall(PetscFree(pat->file_cue));
  } else if (pat->flip_count >= 0) {
    KeyIndex *k;
    PetscCheck(pat->flip_count <= N, pat->comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -cue_flip_count must be at most N = %" PetscInt_FMT "; got %" PetscInt_FMT, N, pat->flip_count);
    PetscCall(PetscMalloc1(N, &k));
    for (PetscInt i = 0; i < N; i++) {
      k[i].key = TpUniform((uint64_t)seed, TP_STREAM_CUE, 1, (uint64_t)i);
      k[i].i   = i;
    }
    qsort(k, (size_t)N, sizeof(*k), CompareKey);
    for (PetscInt q = 0; q < pat->flip_count; q++) pat->cue[k[q].i] = -pat->cue[k[q].i];
    PetscCall(PetscFree(k));
  } else {
    for (PetscInt i = 0; i < N; i++)
      if (TpUniform((uint64_t)seed, TP_STREAM_CUE, 0, (uint64_t)i) < pat->flip_fraction) pat->cue[i] = -pat->cue[i];
  }
  pat->flipped = 0;
  for (PetscInt i = 0; i < N; i++) pat->flipped += pat->cue[i] != pat->xi[(size_t)i * K + pat->target];
  pat->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsGetSizes - Neurons and stored patterns

  Not Collective

  Input Parameter:
. pat - the patterns

  Output Parameters:
+ N - neurons (after set-up)
- K - patterns

.seealso: `TpPatternsGetPatterns()`
@*/
PetscErrorCode TpPatternsGetSizes(TpPatterns pat, PetscInt *N, PetscInt *K)
{
  PetscFunctionBegin;
  if (N) *N = pat->N;
  if (K) *K = pat->K;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsGetPatterns - The stored patterns, N x K row-major: xi[i*K + mu]

  Not Collective

  Input Parameter:
. pat - the patterns, set up

  Output Parameter:
. xi - the values -1/+1; owned by pat

.seealso: `TpPatternsGetCue()`
@*/
PetscErrorCode TpPatternsGetPatterns(TpPatterns pat, const double **xi)
{
  PetscFunctionBegin;
  PetscCheck(pat->setup, pat->comm, PETSC_ERR_ORDER, "TpPatternsGetPatterns() before TpPatternsSetUp()");
  *xi = pat->xi;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsGetCue - The cue (N values -1/+1), its target and how many of its bits differ from it

  Not Collective

  Input Parameter:
. pat - the patterns, set up

  Output Parameters:
+ cue     - N values; owned by pat (may be NULL)
. target  - the pattern it was made from (may be NULL)
- flipped - bits in which it differs from the target (may be NULL)

.seealso: `TpPatternsGetPatterns()`
@*/
PetscErrorCode TpPatternsGetCue(TpPatterns pat, const double **cue, PetscInt *target, PetscInt *flipped)
{
  PetscFunctionBegin;
  PetscCheck(pat->setup, pat->comm, PETSC_ERR_ORDER, "TpPatternsGetCue() before TpPatternsSetUp()");
  if (cue) *cue = pat->cue;
  if (target) *target = pat->target;
  if (flipped) *flipped = pat->flipped;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsView - Prints the patterns and the cue in one line

  Collective

  Input Parameters:
+ pat    - the patterns, set up
- viewer - an ASCII viewer

.seealso: `TpPatternsSetUp()`
@*/
PetscErrorCode TpPatternsView(TpPatterns pat, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  memory   %" PetscInt_FMT " patterns%s; cue = pattern %" PetscInt_FMT
                                   " with %" PetscInt_FMT " of %" PetscInt_FMT " bits flipped%s\n",
                                   pat->K, pat->file[0] ? " from file" : " (random)", pat->target, pat->flipped, pat->N,
                                   pat->cue_from_file ? " (cue from file)" : ""));
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsWrite - Writes /patterns (K x N, int8), /cue (N, int8) and the root attribute `patterns` (K)

  Collective

  Input Parameters:
+ pat - the patterns, set up
- f   - the open file

.seealso: `TpPatternsWriteCueAttributes()`
@*/
PetscErrorCode TpPatternsWrite(TpPatterns pat, hid_t f)
{
  const PetscInt K = pat->K, N = pat->N;
  signed char *buf;
  hsize_t dims[2];

  PetscFunctionBegin;
  PetscCall(TpH5WriteAttrInt(f, "patterns", K));
  PetscCall(PetscMalloc1((size_t)K * N, &buf));
  for (PetscInt mu = 0; mu < K; mu++)
    for (PetscInt i = 0; i < N; i++) buf[(size_t)mu * N + i] = (signed char)pat->xi[(size_t)i * K + mu];
  dims[0] = (hsize_t)K;
  dims[1] = (hsize_t)N;
  PetscCall(TpH5WriteRoot(pat->comm, f, "patterns", H5T_NATIVE_SCHAR, H5T_STD_I8LE, 2, dims, buf));
  for (PetscInt i = 0; i < N; i++) buf[i] = (signed char)pat->cue[i];
  dims[0] = (hsize_t)N;
  PetscCall(TpH5WriteRoot(pat->comm, f, "cue", H5T_NATIVE_SCHAR, H5T_STD_I8LE, 1, dims, buf));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsWriteCueAttributes - Writes the attributes `target` and `cue_flipped_bits` on a group

  Collective

  Input Parameters:
+ pat - the patterns, set up
- g   - the group (the output's /observables)

.seealso: `TpPatternsWrite()`
@*/
PetscErrorCode TpPatternsWriteCueAttributes(TpPatterns pat, hid_t g)
{
  PetscFunctionBegin;
  PetscCall(TpH5WriteAttrInt(g, "target", pat->target));
  PetscCall(TpH5WriteAttrInt(g, "cue_flipped_bits", pat->flipped));
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsFingerprint - A 64-bit hash of the patterns and the cue

  Not Collective (every rank holds them all and computes the same)

  Input Parameter:
. pat - the patterns, set up

  Output Parameter:
. hash - the fingerprint

.seealso: `TpNetworkFingerprint()`
@*/
PetscErrorCode TpPatternsFingerprint(TpPatterns pat, uint64_t *hash)
{
  uint64_t h = TpMix64((uint64_t)pat->K) ^ TpMix64((uint64_t)pat->N + 1);

  PetscFunctionBegin;
  for (size_t q = 0; q < (size_t)pat->N * pat->K; q++) h += TpHash(0x706174, 1, q, pat->xi[q] > 0);
  for (PetscInt i = 0; i < pat->N; i++) h += TpHash(0x706174, 2, (uint64_t)i, pat->cue[i] > 0);
  h += TpMix64((uint64_t)pat->target + 7);
  *hash = h;
  PetscFunctionReturn(0);
}

/*@C
  TpPatternsDestroy - Destroys a set of patterns

  Collective

  Input Parameter:
. pat - the patterns (may be NULL); set to NULL

.seealso: `TpPatternsCreate()`
@*/
PetscErrorCode TpPatternsDestroy(TpPatterns *pat)
{
  PetscFunctionBegin;
  if (!*pat) PetscFunctionReturn(0);
  PetscCall(PetscFree((*pat)->xi));
  PetscCall(PetscFree((*pat)->cue));
  PetscCall(PetscFree((*pat)->file_xi));
  PetscCall(PetscFree((*pat)->file_cue));
  PetscCall(PetscFree(*pat));
  PetscFunctionReturn(0);
}
