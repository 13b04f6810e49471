static const char help[] =
    "tripart: distributed simulation of neuron-astrocyte networks (PETSc, MPI, parallel HDF5).\n\n"
    "Usage: mpirun -n RANKS tripart [run|sweep|generate|partition|version] [options]\n"
    "  run       simulate a model and write one HDF5 file (default)\n"
    "  sweep     run many independent trials over a grid of models, K, flipped bits and seeds; one HDF5 table\n"
    "  generate  write a network (synapses, astrocytes, process morphology, gap junctions) to an HDF5 network file\n"
    "  partition assign neurons to ranks (blocks or PT-Scotch) and write a partition file for -partition\n"
    "  version   print the version\n\n";

#include <tpcli.h>
#include <tputil.h>
#include <tpvmath.h>
#include <tph5.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/* Errors a user can act on are printed as one message by the first rank of the failing
   communicator; -tripart_traceback restores PETSc's full traceback. */
static PetscBool tp_error_collective = PETSC_TRUE;

static PetscErrorCode ErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                   PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0, size = 1, wsize = 1;

  if (p != PETSC_ERROR_INITIAL) return n;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  MPI_Comm_size(PETSC_COMM_WORLD, &wsize);
  tp_error_collective = size == wsize ? PETSC_TRUE : PETSC_FALSE;
  if (!rank)
    fprintf(stderr,
            "tripart: error: %s\n  (in %s() at %s:%d; PETSc error %d; rerun with -tripart_traceback for details)\n",
            mess ? mess : "(no message)", fun, file, line, (int)n);
  fflush(stderr);
  return n;
}

int main(int argc, char **argv)
{
  const char *cmd = "run";
  PetscErrorCode ierr;
  PetscBool traceback = PETSC_FALSE;
  int status          = 0;

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
  if (!strcmp(cmd, "run") || !strcmp(cmd, "sweep"))
    TpCatchSignals(); /* a signal during start-up must not kill the run */
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  if (!strcmp(cmd, "run") || !strcmp(cmd, "sweep")) PetscCall(TpCatchSignalsPetsc()); /* over PETSc's own handlers */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-tripart_traceback", &traceback, NULL));
  if (!traceback) PetscCall(PetscPushErrorHandler(ErrorHandler, NULL));
  if (!strcmp(cmd, "run"))
    ierr = TpCliRun(&status);
  else if (!strcmp(cmd, "sweep"))
    ierr = TpSweepRun(&status);
  else if (!strcmp(cmd, "generate"))
    ierr = TpGenerateMain(&status);
  else if (!strcmp(cmd, "partition"))
    ierr = TpPartitionMain(&status);
  else if (!strcmp(cmd, "version"))
    ierr = PetscPrintf(PETSC_COMM_WORLD, "tripart %s (PETSc %d.%d.%d, tanh: %s)\n", TRIPART_VERSION,
                       PETSC_VERSION_MAJOR, PETSC_VERSION_MINOR, PETSC_VERSION_SUBMINOR, TpVecTanhImplementation());
  else {
    PetscCall(PetscPrintf(
        PETSC_COMM_WORLD,
        "tripart: error: unknown subcommand '%s'; available: run, sweep, generate, partition, version\n", cmd));
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
    PetscFinalize();
    return 1;
  }
  if (!traceback) PetscCall(PetscPopErrorHandler());
  H5close();
  PetscCall(PetscFinalize());
  return status;
}
