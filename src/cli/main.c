static const char help[] =
    "tripart: distributed simulation of neuron-astrocyte networks (PETSc, MPI, parallel HDF5).\n\n"
    "Usage: mpirun -n RANKS tripart [run|sweep|generate|partition|version] [options]\n"
    "  run       simulate a model and write one HDF5 file (default)\n"
    "  sweep     run many independent trials over a grid of models, K, flipped bits and seeds; one HDF5 table\n"
    "  generate  write a network (synapses, astrocytes, process morphology, gap junctions) to an HDF5 network file\n"
    "  partition assign neurons to ranks (blocks or PT-Scotch) and write a partition file for -partition\n"
    "  version   print the version\n\n";

#include <tpnetwork.h>
#include <tppatterns.h>
#include <tpmodel.h>
#include <tpstepper.h>
#include <tpoutput.h>
#include <tpcheckpoint.h>
#include <tpsweep.h>
#include <tppartition.h>
#include <tpvmath.h>
#include <sys/resource.h>
#include <signal.h>
#include <unistd.h>
#include <tph5.h>
#include "../network/networkimpl.h"

static PetscErrorCode PeakMemory(MPI_Comm comm, double *bytes)
{
  struct rusage ru;
  double mine;

  PetscFunctionBegin;
  getrusage(RUSAGE_SELF, &ru);
  mine = 1024.0 * (double)ru.ru_maxrss;
  PetscCall(MPIU_Allreduce(&mine, bytes, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(int *status)
{
  MPI_Comm comm                = PETSC_COMM_WORLD;
  char out[PETSC_MAX_PATH_LEN] = "tripart-run.h5", restart[PETSC_MAX_PATH_LEN] = "";
  PetscBool synapses = PETSC_FALSE, help = PETSC_FALSE, quiet;
  PetscInt blas_threads = 1;
  PetscMPIInt size;
  TpPatterns pat;
  TpNetwork net;
  TpModel model;
  TpStepper st;
  Vec u;
  TpRunInfo info = {0};
  PetscLogDouble t0, t1;
  double base_bytes;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PeakMemory(comm, &base_bytes));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, NULL, "Run options", "tripart");
  PetscCall(PetscOptionsString("-o", "Output HDF5 file (written as FILE.part, renamed when complete)", "", out, out,
                               sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-save_synapses", "Also write /state/s and /state/p (and the CSR of a random network)", "",
                             synapses, &synapses, NULL));
  PetscCall(PetscOptionsInt("-blas_threads", "BLAS threads per MPI rank", "", blas_threads, &blas_threads, NULL));
  PetscCall(PetscOptionsString("-restart", "Continue the run saved in this checkpoint", "", restart, restart,
                               sizeof(restart), NULL));
  PetscOptionsEnd();
  TpBlasSetThreads(blas_threads);
  if (!help) PetscCall(TpOutputCheckPath(comm, out));

  PetscCall(TpSetUpFromOptions(comm, 500, &pat, &net, &model));
  PetscCall(TpModelCreateState(model, &u));
  PetscCall(TpStepperCreate(model, &st));
  PetscCall(PetscSNPrintf(st->ckpt, sizeof(st->ckpt), "%s.ckpt", out));
  PetscCall(TpStepperSetFromOptions(st));
  if (!st->stopfile[0]) PetscCall(PetscSNPrintf(st->stopfile, sizeof(st->stopfile), "%s.stop", st->ckpt));
  quiet = st->quiet;
  if (help) goto cleanup;
  if (restart[0])
    PetscCall(TpCheckpointLoad(restart, st, u));
  else
    PetscCall(TpModelInitialState(model, u));
  if (!quiet) {
    PetscViewer v = PETSC_VIEWER_STDOUT_(comm);
    TSType type;
    PetscCall(TSGetType(st->ts, &type));
    PetscCall(
        PetscPrintf(comm, "tripart %s: model %s on %d ranks, stepper %s\n", TRIPART_VERSION, model->type, size, type));
    PetscCall(PetscPrintf(comm,
                          "  network  %" PetscInt_FMT " neurons, %" PetscCount_FMT " synapses, %" PetscCount_FMT
                          " astrocytic processes\n",
                          net->N, net->nsyn, net->nsyn));
    PetscCall(TpNetworkView(net, v));
    if (restart[0]) {
      PetscReal t;
      PetscInt n;
      PetscCall(TSGetTime(st->ts, &t));
      PetscCall(TSGetStepNumber(st->ts, &n));
      PetscCall(PetscPrintf(comm, "  restart  from %s at t = %.6g, step %" PetscInt_FMT "\n", restart, (double)t, n));
    }
    PetscCall(TpModelView(model, v));
    PetscCall(PetscPrintf(comm,
                          "  memory   %" PetscInt_FMT " patterns%s; cue = pattern %" PetscInt_FMT " with %" PetscInt_FMT
                          " of %" PetscInt_FMT " bits flipped%s\n",
                          pat->K, pat->file[0] ? " from file" : " (random)", pat->target, pat->flipped, net->N,
                          pat->cue_from_file ? " (cue from file)" : ""));
  }
  PetscCall(PetscTime(&t0));
  PetscCall(TpStepperSolve(st, u));
  PetscCall(PetscTime(&t1));
  info.wall = t1 - t0;
  if (st->stopped) {
    PetscReal t;
    PetscInt n;
    PetscCall(TSGetTime(st->ts, &t));
    PetscCall(TSGetStepNumber(st->ts, &n));
    PetscCall(PetscPrintf(comm,
                          "tripart: stopped by %s at t = %.6g, step %" PetscInt_FMT
                          "; checkpoint written to %s; continue with -restart %s\n",
                          st->stop_signal ? (st->stop_signal == SIGTERM  ? "SIGTERM"
                                             : st->stop_signal == SIGINT ? "SIGINT"
                                                                         : "SIGUSR1")
                                          : "the stop file",
                          (double)t, n, st->ckpt, st->ckpt));
    *status = TP_EXIT_CHECKPOINTED;
    goto cleanup;
  }
  PetscCall(TSGetStepNumber(st->ts, &info.steps));
  PetscCall(TSGetSolveTime(st->ts, &info.final_time));
  {
    TSConvergedReason reason;
    PetscCall(TSGetConvergedReason(st->ts, &reason));
    PetscCheck(reason >= 0, comm, PETSC_ERR_NOT_CONVERGED,
               "Time stepping failed: %s at t = %.6g after %" PetscInt_FMT " steps", TSConvergedReasons[reason],
               (double)info.final_time, info.steps);
  }
  info.rhs_evals = model->nrhs;
  PetscCall(PeakMemory(comm, &info.peak_bytes));
  PetscCall(TpOutputWrite(out, st, u, synapses, &info));
  if (!quiet) {
    const PetscInt K = pat->K, last = st->nsamples - 1;
    const PetscInt best = TpStepperRetrieved(st);
    PetscCall(PetscPrintf(comm, "  steps    %" PetscInt_FMT " to t = %.6g, %" PetscInt64_FMT " right-hand sides",
                          info.steps, (double)info.final_time, info.rhs_evals));
    if (model->nimplicit) {
      PetscInt its;
      PetscCall(TSGetKSPIterations(st->ts, &its));
      PetscCall(PetscPrintf(
          comm, " (explicit part), %" PetscInt64_FMT " implicit-part evaluations, %" PetscInt_FMT " linear iterations",
          model->nimplicit, its));
    }
    PetscCall(PetscPrintf(comm, "\n"));
    PetscCall(PetscPrintf(comm,
                          "  result   retrieved pattern %" PetscInt_FMT
                          " (overlap %.6f); Hamming error to target %" PetscInt_FMT ": %.6g\n",
                          best, (double)st->overlap[last * K + best], pat->target, (double)st->hamming[last]));
    PetscCall(PetscPrintf(comm, "  energy   %.10g at start, %.10g at end\n", (double)st->energy[0],
                          (double)st->energy[last]));
    PetscCall(PetscPrintf(comm,
                          "  time     %.3f s wall; peak memory %.1f MiB on %d ranks, %.0f bytes per synapse above the "
                          "%.1f MiB at start; tanh: %s\n",
                          info.wall, info.peak_bytes / 1048576.0, size,
                          (info.peak_bytes - base_bytes) / (double)net->nsyn, base_bytes / 1048576.0,
                          TpVecTanhImplementation()));
    PetscCall(PetscPrintf(comm, "  output   %s\n", out));
  }
cleanup:
  PetscCall(VecDestroy(&u));
  PetscCall(TpStepperDestroy(&st));
  PetscCall(TpModelDestroy(&model));
  PetscCall(TpNetworkDestroy(&net));
  PetscCall(TpPatternsDestroy(&pat));
  PetscFunctionReturn(0);
}

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
  if (!strcmp(cmd, "run") || !strcmp(cmd, "sweep"))
    TpCatchSignals(); /* a signal during start-up must not kill the run */
  PetscCall(PetscInitialize(&argc, &argv, NULL, help));
  if (!strcmp(cmd, "run") || !strcmp(cmd, "sweep")) PetscCall(TpStepperCatchSignals()); /* over PETSc's own handlers */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-tripart_traceback", &traceback, NULL));
  if (!traceback) PetscCall(PetscPushErrorHandler(ErrorHandler, NULL));
  if (!strcmp(cmd, "run"))
    ierr = Run(&status);
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
