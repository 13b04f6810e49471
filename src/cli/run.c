/* tripart run: option handling around one TpRun, and the summary each part writes about itself. */
#include <tpcli.h>
#include <tprun.h>
#include <tputil.h>
#include <tpvmath.h>

/*@C
  TpCliRun - The `tripart run` subcommand

  Collective on PETSC_COMM_WORLD

  Output Parameter:
. status - the exit status: 0, or TP_EXIT_CHECKPOINTED when a signal or the stop file ended the run with a checkpoint

  Options Database Keys:
+ -o <tripart-run.h5>  - the output file
. -save_synapses       - also write every field on request (s and p of M1) and the synapse CSR
. -save_fields <list>  - or only these fields on request
. -restart <ckpt>      - continue the run saved in this checkpoint
- -blas_threads <1>    - BLAS threads per rank

.seealso: `TpRunCreate()`
@*/
PetscErrorCode TpCliRun(int *status)
{
  MPI_Comm comm                = PETSC_COMM_WORLD;
  char out[PETSC_MAX_PATH_LEN] = "tripart-run.h5", restart[PETSC_MAX_PATH_LEN] = "", ckpt[PETSC_MAX_PATH_LEN + 8];
  char fields[256]   = "";
  PetscBool synapses = PETSC_FALSE, help = PETSC_FALSE, quiet, stopped;
  PetscInt blas_threads = 1;
  PetscViewer v         = PETSC_VIEWER_STDOUT_(comm);
  TpRecorder rec;
  TpRun run;
  int sig;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscOptionsBegin(comm, NULL, "Run options", "tripart");
  PetscCall(PetscOptionsString("-o", "Output HDF5 file (written as FILE.part, renamed when complete)", "", out, out,
                               sizeof(out), NULL));
  PetscCall(PetscOptionsBool("-save_synapses",
                             "Also write every field written on request (/state/s and /state/p of M1) and the synapses",
                             "", synapses, &synapses, NULL));
  PetscCall(PetscOptionsString("-save_fields", "Fields written on request to write, comma-separated (e.g. s,p)", "",
                               fields, fields, sizeof(fields), NULL));
  PetscCall(PetscOptionsInt("-blas_threads", "BLAS threads per MPI rank", "", blas_threads, &blas_threads, NULL));
  PetscCall(PetscOptionsString("-restart", "Continue the run saved in this checkpoint", "", restart, restart,
                               sizeof(restart), NULL));
  PetscOptionsEnd();
  PetscCheck(blas_threads >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -blas_threads must be at least 1; got %" PetscInt_FMT, blas_threads);
  TpBlasSetThreads((int)blas_threads);
  PetscCall(PetscSNPrintf(ckpt, sizeof(ckpt), "%s.ckpt", out));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-checkpoint", ckpt, sizeof(ckpt), NULL));
  if (!help) { /* before anything is computed: the outputs can be written and destroy no input */
    const TpOutputPath outputs[] = {{"-o", out, PETSC_FALSE, NULL}, {"-checkpoint", ckpt, PETSC_TRUE, "-restart"}};
    PetscCall(TpCheckPaths(comm, 2, outputs));
  }

  PetscCall(TpRunCreate(comm, &run));
  PetscCall(TpRunSetCheckpointing(run, ckpt));
  if (restart[0]) PetscCall(TpRunSetRestart(run, restart));
  PetscCall(TpRunSetFromOptions(run));
  PetscCall(TpRunGetRecorder(run, &rec));
  PetscCall(TpRecorderGetQuiet(rec, &quiet));
  if (help) goto cleanup;
  { /* room for the output and a checkpoint, before the run */
    TpModel model;
    TpCheckpoint ck;
    TpOutputInfo info = {0, 0, synapses, fields};
    double bytes;
    PetscCall(TpRunGetModel(run, &model));
    PetscCall(TpRunGetCheckpoint(run, &ck));
    PetscCall(TpOutputEstimateBytes(model, NULL, &info, &bytes));
    PetscCall(TpCheckRoom(comm, out, bytes, "output file"));
    PetscCall(TpCheckpointEstimateBytes(ck, &bytes));
    PetscCall(TpCheckRoom(comm, ckpt, bytes, "checkpoint"));
  }
  PetscCall(TpRunSetUp(run));
  PetscCall(TpOptionsCheckUnused(comm, "run", TpCliRun)); /* every option is read by now */
  PetscCall(TpStopMarkerClear(comm, ckpt));
  if (!quiet) PetscCall(TpRunView(run, v));
  PetscCall(TpRunSolve(run));
  PetscCall(TpRunGetStopped(run, &stopped, &sig));
  if (stopped) {
    TpStepper st;
    TpCheckpoint ck;
    const char *path;
    PetscInt64 step;
    PetscReal t;
    PetscCall(TpRunGetStepper(run, &st));
    PetscCall(TpRunGetCheckpoint(run, &ck));
    PetscCall(TpCheckpointGetPath(ck, &path));
    PetscCall(TpStepperGetStep(st, &step));
    PetscCall(TpStepperGetTime(st, &t));
    PetscCall(PetscPrintf(comm,
                          "tripart: stopped by %s at t = %.6g, step %" PetscInt64_FMT
                          "; checkpoint written to %s; continue with -restart %s\n",
                          sig ? TpSignalName(sig) : "the stop file", (double)t, step, path, path));
    PetscCall(TpStopMarkerWrite(comm, path, sig, step));
    *status = TP_EXIT_CHECKPOINTED;
    goto cleanup;
  }
  PetscCall(TpRunWriteOutput(run, out, synapses, fields));
  if (!quiet) {
    PetscCall(TpRunViewSummary(run, v));
    PetscCall(PetscPrintf(comm, "  output   %s\n", out));
  }
cleanup:
  PetscCall(TpRunDestroy(&run));
  PetscFunctionReturn(0);
}
