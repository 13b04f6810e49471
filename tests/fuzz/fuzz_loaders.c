/* Coverage-guided fuzzing of every loader tripart has: patterns files, network files, partition
   files, checkpoints and sweep tables.  Each input is written to a file of its own under
   TP_FUZZ_DIR (default /dev/shm) and handed to the loader the program itself uses, on one rank;
   a loader may refuse it (a PETSc error, silent here) but must never read or write out of
   bounds, overflow or hang; HDF5 objects left open are reported, and the input kept as
   TP_FUZZ_DIR/leak-PID-N.h5.

   Built two ways from this one file:
   - with libFuzzer (tests/fuzz/run_fuzzer.sh: clang, -fsanitize=fuzzer,address,undefined), one
     program per kind, `tripart-fuzz-KIND CORPUS_DIR ...`; the kind is TP_FUZZ_KIND;
   - without it (every build, `tripart-fuzz-replay KIND FILE...`): the ctest `fuzz_replay` runs the
     kept corpus tests/fuzz/corpus/KIND through it, and under the sanitizers in tests/sanitize.sh. */
#include <tpcli.h>
#include <tph5.h>
#include <tpnetspec.h>
#include <tppartition.h>
#include <tppatterns.h>
#include <tprun.h>
#include <tputil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef PetscErrorCode (*Loader)(const char *path);

static TpNetSpec *fuzz_spec; /* the network partition files are checked against */

/* The options each kind runs with (the seeds in tests/fuzz/corpus were made with the same). */
static const char *net_opts   = "-connectivity spatial -N 100 -degree 6 -spatial_dim 2 -spatial_tiles 2";
static const char *ckpt_opts  = "-N 30 -K 4 -ts_max_time 2 -quiet";
static const char *table_opts = "-models hopfield -N 16 -K 2,3 -flips 1 -trials 2 -quiet -ts_max_time 0.5";

static PetscErrorCode Options(const char *opts)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadPatterns(const char *path)
{
  TpPatterns pat;
  PetscInt K;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(TpPatternsCreate(PETSC_COMM_WORLD, &pat));
  ierr = TpPatternsLoadFile(pat, path, &K);
  PetscCall(TpPatternsDestroy(&pat));
  PetscFunctionReturn(ierr);
}

static PetscErrorCode LoadNetwork(const char *path)
{
  TpNetSpec *spec = NULL;
  char opts[PETSC_MAX_PATH_LEN + 64];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "-connectivity file -network_file %s", path));
  PetscCall(Options(opts));
  PetscCall(TpNetSpecCreateFromOptions(PETSC_COMM_WORLD, 30, TP_CONNECT_ALL, 1, PETSC_FALSE, &spec));
  PetscCall(TpNetSpecDestroy(&spec));
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadPartition(const char *path)
{
  PetscMPIInt *rankof;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  if (!fuzz_spec) {
    PetscCall(Options(net_opts));
    PetscCall(TpNetSpecCreateFromOptions(PETSC_COMM_WORLD, 100, TP_CONNECT_ALL, 1, PETSC_FALSE, &fuzz_spec));
  }
  PetscCall(PetscMalloc1(fuzz_spec->N, &rankof));
  ierr = TpPartitionLoad(PETSC_COMM_WORLD, path, fuzz_spec, 2, rankof);
  PetscCall(PetscFree(rankof));
  PetscFunctionReturn(ierr);
}

static PetscErrorCode LoadCheckpoint(const char *path)
{
  TpRun run;
  PetscErrorCode ierr;
  char next[PETSC_MAX_PATH_LEN + 8];

  PetscFunctionBegin;
  PetscCall(Options(ckpt_opts));
  PetscCall(PetscSNPrintf(next, sizeof(next), "%s.next", path)); /* never written: the run is not solved */
  PetscCall(TpRunCreate(PETSC_COMM_WORLD, &run));
  PetscCall(TpRunSetCheckpointing(run, next));
  PetscCall(TpRunSetRestart(run, path));
  ierr = TpRunSetFromOptions(run);
  if (!ierr) ierr = TpRunSetUp(run); /* loads the checkpoint */
  PetscCall(TpRunDestroy(&run));
  PetscFunctionReturn(ierr);
}

static PetscErrorCode LoadTable(const char *path)
{
  char opts[PETSC_MAX_PATH_LEN + 256];
  int status;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opts, sizeof(opts), "%s -o %s", table_opts, path));
  PetscCall(Options(opts));
  PetscCall(TpSweepRun(&status)); /* resumes the table (runs what it lacks) or refuses it */
  PetscFunctionReturn(0);
}

static const struct {
  const char *kind;
  Loader load;
} loaders[] = {{"patterns", LoadPatterns},
               {"network", LoadNetwork},
               {"partition", LoadPartition},
               {"checkpoint", LoadCheckpoint},
               {"table", LoadTable}};

static Loader KindLoader(const char *kind)
{
  for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]); i++)
    if (!strcmp(kind, loaders[i].kind)) return loaders[i].load;
  return NULL;
}

/* HDF5 objects left open after a loader: reported, then closed by force, so that the next input
   starts clean (a loader that forgets one is a bug; HDF5 1.10 may also fail to close what it could
   not read in a corrupt file). */
static int OpenObjects(void)
{
  ssize_t n = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (n > 0) {
    hid_t *ids = malloc((size_t)n * sizeof(hid_t));
    if (ids) {
      n = H5Fget_obj_ids(H5F_OBJ_ALL, H5F_OBJ_ALL, (size_t)n, ids);
      for (ssize_t i = 0; i < n; i++) {
        char name[256] = "";
        H5Iget_name(ids[i], name, sizeof(name));
        fprintf(stderr, "fuzz_loaders: HDF5 object left open: type %d, '%s'\n", (int)H5Iget_type(ids[i]), name);
      }
      for (ssize_t i = 0; i < n; i++)
        while (H5Iis_valid(ids[i]) > 0 && H5Idec_ref(ids[i]) > 0) {
        }
      free(ids);
    }
  }
  return (int)n;
}

static int Setup(int *argc, char ***argv)
{
  static int done = 0;
  if (done) return 0;
  done = 1;
  setenv("OMPI_MCA_sharedfp", "individual", 0);
  H5dont_atexit();
  if (PetscInitializeNoArguments()) return 1;
  PetscPopSignalHandler(); /* a crash is the sanitizers' and the fuzzer's to report, not PETSc's */
  /* TP_FUZZ_VERBOSE: PETSc's messages too, to see why an input was refused */
  PetscPushErrorHandler(getenv("TP_FUZZ_VERBOSE") ? PetscTraceBackErrorHandler : PetscReturnErrorHandler, NULL);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  (void)argc;
  (void)argv;
  return 0;
}

/* One input: written to a new file (HDF5 shares an open file by name, so never the same name
   twice while one could be open), loaded, removed. */
static int RunOne(Loader load, const uint8_t *data, size_t size)
{
  static unsigned long count = 0;
  const char *dir            = getenv("TP_FUZZ_DIR") ? getenv("TP_FUZZ_DIR") : "/dev/shm";
  char path[PETSC_MAX_PATH_LEN];
  FILE *f;
  int left;
  PetscErrorCode ierr;

  snprintf(path, sizeof(path), "%s/tripart-fuzz-%d-%lu.h5", dir, (int)getpid(), count++);
  f = fopen(path, "wb");
  if (!f) {
    perror(path);
    abort();
  }
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);
  ierr = load(path);
  if (getenv("TP_FUZZ_VERBOSE"))
    fprintf(stderr, "fuzz_loaders: %zu bytes: %s (%d)\n", size, ierr ? "refused" : "accepted", (int)ierr);
  left = OpenObjects();
  if (left > 0) { /* kept for a look: DIR/leak-PID-N.h5 */
    char keep[PETSC_MAX_PATH_LEN + 32];
    snprintf(keep, sizeof(keep), "%s/leak-%d-%lu.h5", dir, (int)getpid(), count);
    rename(path, keep);
  }
  unlink(path);
  {
    char side[PETSC_MAX_PATH_LEN + 16];
    snprintf(side, sizeof(side), "%s.part", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s.stopped", path);
    unlink(side);
  }
  return 0;
}

#if defined(TP_FUZZ_KIND)
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  return Setup(argc, argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static Loader load = NULL;
  if (!load) load = KindLoader(TP_FUZZ_KIND);
  if (!load) abort();
  return RunOne(load, data, size);
}
#else
/* tripart-fuzz-replay KIND FILE...: every file through the loader of KIND; exit 0 unless one
   crashed (a refusal is fine: the replay checks for crashes, leaks of HDF5 objects and sanitizer
   reports, not for acceptance). */
int main(int argc, char **argv)
{
  Loader load;
  int n = 0;

  if (argc < 2 || !(load = KindLoader(argv[1]))) {
    fprintf(stderr, "usage: tripart-fuzz-replay patterns|network|partition|checkpoint|table FILE...\n");
    return 2;
  }
  if (Setup(&argc, &argv)) return 1;
  for (int i = 2; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    long size;
    uint8_t *data;
    if (!f) {
      perror(argv[i]);
      return 1;
    }
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)size + 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) return 1;
    fclose(f);
    RunOne(load, data, (size_t)size);
    free(data);
    n++;
  }
  PetscPopErrorHandler();
  H5close();
  PetscFinalize();
  printf("%s: %d inputs replayed\n", argv[1], n);
  return 0;
}
#endif
