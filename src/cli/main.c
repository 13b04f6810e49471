static const char help[] =
    "tripart: distributed simulation of neuron-astrocyte networks (PETSc, MPI, parallel HDF5).\n\n"
    "Usage: mpirun -n RANKS tripart [run|sweep|generate|partition|info|version] [options]\n"
    "  run       simulate a model and write one HDF5 file (default)\n"
    "  sweep     run many independent trials over a grid of models, K, flipped bits and seeds; one HDF5 table\n"
    "  generate  write a network (synapses, astrocytes, process morphology, gap junctions) to an HDF5 network file\n"
    "  partition assign neurons to ranks (blocks or PT-Scotch) and write a partition file for -partition\n"
    "  info      build the distributed network alone (a dry run): per-rank rows, synapses, ghosts, halo, set-up CPU,\n"
    "            peak memory\n"
    "  version   print the version\n\n";

#include <tpcli.h>
#include <tputil.h>
#include <tpvmath.h>
#include <tph5.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Errors a user can act on are printed as one message by the first rank of the failing
   communicator; -tripart_traceback restores PETSc's full traceback. */
static PetscBool tp_error_collective = PETSC_TRUE;

/* A message fit for a terminal and a UTF-8 log: valid UTF-8 (names with accents) is kept, control characters and
   bytes that are not UTF-8 (a name read from a corrupted file) are written as \xNN. */
static void Printable(const char *in, char *out, size_t len)
{
  const unsigned char *s = (const unsigned char *)in;
  size_t k               = 0;

  while (*s && k + 5 < len) {
    int n  = *s < 0x80 ? 1 : (*s >> 5) == 6 ? 2 : (*s >> 4) == 14 ? 3 : (*s >> 3) == 30 ? 4 : 0;
    int ok = n > 0 && (*s >= 0x20 || *s == '\n') && *s != 0x7f;
    for (int q = 1; ok && q < n; q++) ok = (s[q] & 0xc0) == 0x80;
    if (ok) {
      for (int q = 0; q < n; q++) out[k++] = (char)s[q];
      s += n;
    } else
      k += (size_t)snprintf(out + k, len - k, "\\x%02x", *s++);
  }
  out[k] = 0;
}

static PetscErrorCode ErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                   PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0, size = 1, wsize = 1;

  char named[1024] = "";

  if (p != PETSC_ERROR_INITIAL) return n;
  if (!strncmp(fun, "PetscOptions", 12)) {
    /* a value the options database cannot read: every rank holds the same options and meets it, but PETSc
       raises it on PETSC_COMM_SELF, and without the option's name */
    comm = PETSC_COMM_WORLD;
    TpOptionsNameOfValue(mess, named, sizeof(named));
  }
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  MPI_Comm_size(PETSC_COMM_WORLD, &wsize);
  tp_error_collective = size == wsize ? PETSC_TRUE : PETSC_FALSE;
  if (!rank) {
    static char text[8192];
    Printable(mess ? mess : "(no message)", text, sizeof(text));
    fprintf(stderr,
            "tripart: error: %s%s\n  (in %s() at %s:%d; PETSc error %d; rerun with -tripart_traceback for details)\n",
            named, text, fun, file, line, (int)n);
  }
  fflush(stderr);
  return n;
}

/* A kernel choice (TRIPART_VMATH) that cannot be honoured is refused, not silently replaced. */
static PetscErrorCode CheckKernels(void)
{
  char msg[256];

  PetscFunctionBegin;
  TpVecCheckEnvironment(msg, sizeof(msg));
  PetscCheck(!msg[0], PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "%s", msg);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  const char *cmd = "run";
  PetscErrorCode ierr;
  PetscBool traceback = PETSC_FALSE, helpmode = PETSC_FALSE;
  int status = 0, catching;

  if (argc > 1 && argv[1][0] != '-') {
    cmd = argv[1];
    for (int i = 1; i < argc - 1; i++) argv[i] = argv[i + 1];
    argc--;
  }
  H5dont_atexit(); /* HDF5 is closed by hand on success, and left alone after an I/O failure */
  /* Open MPI's MPI-IO (OMPIO) makes the name of a lock file (sharedfp lockedfile, sm) from the file's
     name in a fixed buffer and crashes on names over about 220 characters; tripart never uses shared
     file pointers, so only the component that needs no side file is allowed (unless the user chose) */
  setenv("OMPI_MCA_sharedfp", "individual", 0);
  if (TpOptionsFilesCheck(argc, argv)) return 1; /* before PETSc reads them */
  catching = !strcmp(cmd, "run") || !strcmp(cmd, "sweep");
  if (catching) TpCatchSignals(); /* a signal during start-up must not kill the run */
  /* MPI is started and ended here, not by PETSc: PetscFinalize() gives SIGTERM its default action
     back, and a rank still in MPI_Finalize() when another has exited with status 3 is sent SIGTERM
     by mpirun; it must go on exiting with 3, not die of the signal */
  if (MPI_Init(&argc, &argv)) return 1;
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  if (catching) PetscCall(TpCatchSignalsPetsc()); /* over PETSc's own handlers */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-tripart_traceback", &traceback, NULL));
  PetscCall(PetscOptionsHasHelp(NULL, &helpmode));
  if (!traceback) PetscCall(PetscPushErrorHandler(ErrorHandler, NULL));
  ierr = TpOptionsCheckValues(PETSC_COMM_WORLD);
  if (!ierr) ierr = CheckKernels();
  if (ierr)
    ;
  else if (!strcmp(cmd, "run"))
    ierr = TpCliRun(&status);
  else if (!strcmp(cmd, "sweep"))
    ierr = TpSweepRun(&status);
  else if (!strcmp(cmd, "generate"))
    ierr = TpGenerateMain(&status);
  else if (!strcmp(cmd, "partition"))
    ierr = TpPartitionMain(&status);
  else if (!strcmp(cmd, "info"))
    ierr = TpCliInfo(&status);
  else if (!strcmp(cmd, "version"))
    ierr = PetscPrintf(PETSC_COMM_WORLD, "tripart %s (PETSc %d.%d.%d, tanh: %s)\n", TRIPART_VERSION,
                       PETSC_VERSION_MAJOR, PETSC_VERSION_MINOR, PETSC_VERSION_SUBMINOR, TpVecTanhImplementation());
  else {
    PetscCall(PetscPrintf(
        PETSC_COMM_WORLD,
        "tripart: error: unknown subcommand '%s'; available: run, sweep, generate, partition, info, version\n", cmd));
    ierr = PETSC_ERR_ARG_UNKNOWN_TYPE;
  }
  if (ierr) {
    /* every rank met a collective error: leave cleanly; otherwise take the whole job down */
    if (!tp_error_collective) MPI_Abort(PETSC_COMM_WORLD, 1);
    if (TpH5Broken) { /* see tph5.h: leave without touching HDF5 or MPI again */
      fflush(stdout);
      fflush(stderr);
      _exit(1);
    }
    H5close();
    PetscOptionsClear(NULL);
    if (catching) TpHoldSignals(1); /* see below */
    PetscFinalize();
    if (catching) TpCatchSignals(), TpHoldSignals(0);
    MPI_Finalize();
    if (catching) TpHoldSignals(1); /* see below */
    return 1;
  }
  if (!traceback) PetscCall(PetscPopErrorHandler());
  if (!helpmode && strcmp(cmd, "version")) PetscCall(TpOptionsWarnUnread(PETSC_COMM_WORLD));
  H5close();
  /* PetscFinalize() gives the signals their default action back: held until they are caught again */
  if (catching) TpHoldSignals(1);
  PetscCall(PetscFinalize());
  if (catching) TpCatchSignals(), TpHoldSignals(0); /* see MPI_Init() above */
  MPI_Finalize();
  /* nothing is left to stop: a late signal (mpirun's SIGTERM to a rank whose peer has exited with
     status 3) waits, held, while the libraries' exit handlers run, some of which may give the
     signals their default action back, and goes with the process */
  if (catching) TpHoldSignals(1);
  return status;
}
