/* TpRun (tprun.h): builds a run's objects in dependency order and drives them. */
#include <tprun.h>
#include <tputil.h>
#include <tpvmath.h>
#include <string.h>

struct _p_TpRun {
  MPI_Comm comm;
  char type[64];       /* the model type set by the caller, or "" (then -model, default naam) */
  PetscInt Ndefault;   /* neurons unless -N or a patterns file says otherwise */
  PetscInt seed;       /* the caller's seed, or -1 (then -seed) */
  PetscBool pat_given; /* the caller made the patterns: no patterns options are read */
  char ts_type[32];    /* stepper defaults from the caller */
  PetscReal dt, tmax;
  PetscInt64 max_steps;
  PetscBool rec_given; /* the caller set the recording: -monitor_every, -quiet not read */
  PetscInt64 every;
  PetscBool quiet;
  PetscBool checkpointing;
  char ckpt[PETSC_MAX_PATH_LEN], restart[PETSC_MAX_PATH_LEN];
  TpPatterns pat;
  TpNetwork net;
  TpModel model;
  TpStepper st;
  TpRecorder rec;
  TpCheckpoint ck;
  PetscLogDouble wall;
  double base_bytes, peak_bytes;
  PetscBool setup;
};

/*@C
  TpRunCreate - Creates a run (nothing is built until TpRunSetFromOptions())

  Collective

  Input Parameter:
. comm - the ranks of the run

  Output Parameter:
. run - the run

  Notes:
  Measures the memory at its creation, so that the summary can report the bytes per synapse the
  run added.

.seealso: `TpRunSetFromOptions()`, `TpRunSetUp()`, `TpRunSolve()`, `TpRunDestroy()`
@*/
PetscErrorCode TpRunCreate(MPI_Comm comm, TpRun *run)
{
  PetscFunctionBegin;
  PetscCall(TpInitializePackage());
  PetscCall(PetscNew(run));
  (*run)->comm     = comm;
  (*run)->Ndefault = 500;
  (*run)->seed     = -1;
  (*run)->dt       = -1;
  (*run)->tmax     = -1;
  PetscCall(TpPeakMemory(comm, &(*run)->base_bytes));
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetModelType - Sets the model type (otherwise -model, default naam)

  Logically Collective

  Input Parameters:
+ run  - the run
- type - a registered model

.seealso: `TpModelSetType()`
@*/
PetscErrorCode TpRunSetModelType(TpRun run, const char *type)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(run->type, type, sizeof(run->type)));
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetDefaultSize - Sets the number of neurons unless -N or a patterns file says otherwise (500)

  Logically Collective

  Input Parameters:
+ run - the run
- N   - neurons

.seealso: `TpNetworkSetSize()`
@*/
PetscErrorCode TpRunSetDefaultSize(TpRun run, PetscInt N)
{
  PetscFunctionBegin;
  run->Ndefault = N;
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetPatterns - Gives the run patterns made by the caller (not yet set up); no patterns options are read

  Logically Collective

  Input Parameters:
+ run - the run
- pat - the patterns; the run takes them over and destroys them

.seealso: `TpPatternsSetNumber()`, `TpPatternsSetCue()`, `TpPatternsSetData()`
@*/
PetscErrorCode TpRunSetPatterns(TpRun run, TpPatterns pat)
{
  PetscFunctionBegin;
  PetscCall(TpPatternsDestroy(&run->pat));
  run->pat       = pat;
  run->pat_given = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetSeed - Sets the seed of the run's random streams, over -seed

  Logically Collective

  Input Parameters:
+ run  - the run
- seed - the seed

.seealso: `TpNetworkSetSeed()`
@*/
PetscErrorCode TpRunSetSeed(TpRun run, PetscInt seed)
{
  PetscFunctionBegin;
  run->seed = seed;
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetStepperDefaults - Sets the defaults of a ts stepper (its options still override them; steppers of
  other types keep their model's defaults)

  Logically Collective

  Input Parameters:
+ run       - the run
. ts_type   - the TS type of a ts stepper, or NULL
. dt        - the time step, or a negative number for the stepper's own
. tmax      - the final time, or negative
- max_steps - the most steps, or 0

.seealso: `TpStepperSetTimeStep()`, `TpStepperSetMaxTime()`
@*/
PetscErrorCode TpRunSetStepperDefaults(TpRun run, const char *ts_type, PetscReal dt, PetscReal tmax,
                                       PetscInt64 max_steps)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(run->ts_type, ts_type ? ts_type : "", sizeof(run->ts_type)));
  run->dt        = dt;
  run->tmax      = tmax;
  run->max_steps = max_steps;
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetRecording - Sets how the recorder samples, instead of -monitor_every and -quiet

  Logically Collective

  Input Parameters:
+ run   - the run
. every - record every this many steps and the last; 0: the last only
- quiet - no progress lines

.seealso: `TpRecorderSetInterval()`
@*/
PetscErrorCode TpRunSetRecording(TpRun run, PetscInt64 every, PetscBool quiet)
{
  PetscFunctionBegin;
  run->rec_given = PETSC_TRUE;
  run->every     = every;
  run->quiet     = quiet;
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetCheckpointing - Lets the run write checkpoints (to path unless -checkpoint says otherwise) and be stopped by
signals with one

  Logically Collective

  Input Parameters:
+ run  - the run
- path - the default checkpoint file

.seealso: `TpCheckpointSetFromOptions()`
@*/
PetscErrorCode TpRunSetCheckpointing(TpRun run, const char *path)
{
  PetscFunctionBegin;
  run->checkpointing = PETSC_TRUE;
  PetscCall(PetscStrncpy(run->ckpt, path, sizeof(run->ckpt)));
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetRestart - Continues the run saved in a checkpoint instead of starting from the initial state

  Logically Collective

  Input Parameters:
+ run  - the run, with checkpointing
- path - the checkpoint

.seealso: `TpCheckpointLoad()`
@*/
PetscErrorCode TpRunSetRestart(TpRun run, const char *path)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(run->restart, path, sizeof(run->restart)));
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetFromOptions - Builds the run from the options database in dependency order: the model's
  type; its patterns; the network (set up: the model's options depend on it); the patterns (set
  up); the model (set up); the stepper, the recorder and the checkpoint

  Collective

  Input Parameter:
. run - the run

  Options Database Keys:
+ -model <naam>      - the model (TpModelSetTypeFromOptions())
. -N, -K, ...        - inputs (TpPatternsSetFromOptions(), TpNetworkSetFromOptions())
. -stepper_type, -ts_* - the stepper (TpStepperSetFromOptions())
. -monitor_every, -quiet, -progress_interval - the recorder
- -checkpoint*, -stop_file - checkpoints (with TpRunSetCheckpointing())

.seealso: `TpRunSetUp()`
@*/
PetscErrorCode TpRunSetFromOptions(TpRun run)
{
  MPI_Comm comm = run->comm;
  PetscBool uses, fromfile = PETSC_FALSE;
  PetscInt Nfile = 0, N, seed, Nown, ngroups;
  const PetscInt *groups;
  const char *file = "";

  PetscFunctionBegin;
  PetscCall(TpModelCreate(comm, &run->model));
  PetscCall(TpModelSetTypeFromOptions(run->model, run->type[0] ? run->type : "naam"));
  PetscCall(TpModelUsesPatterns(run->model, &uses));
  if (uses && !run->pat_given) {
    PetscCall(TpPatternsCreate(comm, &run->pat));
    PetscCall(TpPatternsSetFromOptions(run->pat));
  }
  if (run->pat) PetscCall(TpPatternsGetFileSize(run->pat, &fromfile, &Nfile));
  PetscCall(TpModelGetOwnNeurons(run->model, &Nown, &ngroups, &groups));
  PetscCall(TpNetworkCreate(comm, &run->net));
  PetscCall(TpNetworkSetSize(run->net, Nown > 0 ? Nown : run->Ndefault));
  if (Nown > 0) PetscCall(TpNetworkSetConnectivity(run->net, TP_CONNECT_NONE));
  if (Nown > 0) PetscCall(TpNetworkSetGroups(run->net, ngroups, groups));
  if (fromfile) PetscCall(TpPatternsGetFile(run->pat, &file));
  if (fromfile && !run->pat_given) {
    PetscInt Nopt;
    PetscBool nset;
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-N", &Nopt, &nset));
    PetscCheck(!nset || Nopt == Nfile, comm, PETSC_ERR_ARG_INCOMP,
               "Option -N %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " neurons of -patterns_file '%s'", Nopt,
               Nfile, file);
  }
  if (fromfile) PetscCall(TpNetworkSetSize(run->net, Nfile));
  PetscCall(TpNetworkSetFromOptions(run->net));
  if (run->seed >= 0) PetscCall(TpNetworkSetSeed(run->net, run->seed));
  PetscCall(TpNetworkSetUp(run->net));
  PetscCall(TpNetworkGetSize(run->net, &N));
  PetscCall(TpNetworkGetSeed(run->net, &seed));
  if (Nown > 0) {
    const char *conn, *type;
    PetscCall(TpNetworkGetConnectivity(run->net, &conn));
    PetscCall(TpModelGetType(run->model, &type));
    PetscCheck(!strcmp(conn, "none"), comm, PETSC_ERR_ARG_INCOMP,
               "Model %s wires its own synapses (-%s_projections); option -connectivity %s does not apply", type, type,
               conn);
    PetscCheck(N == Nown, comm, PETSC_ERR_ARG_INCOMP,
               "Option -N %" PetscInt_FMT " disagrees with the %" PetscInt_FMT
               " neurons of the populations of model %s (-%s_populations)",
               N, Nown, type, type);
  }
  PetscCheck(!fromfile || N == Nfile, comm, PETSC_ERR_ARG_INCOMP,
             "The network has %" PetscInt_FMT " neurons but -patterns_file '%s' has %" PetscInt_FMT, N, file, Nfile);
  if (run->pat) PetscCall(TpPatternsSetUp(run->pat, N, seed));
  PetscCall(TpModelSetInputs(run->model, run->net, uses ? run->pat : NULL));
  PetscCall(TpModelSetFromOptions(run->model));
  PetscCall(TpModelSetUp(run->model));

  PetscCall(TpStepperCreate(run->model, &run->st));
  { /* TpRunSetStepperDefaults() are a ts stepper's; the fixed grid and iteration keep their model's */
    const char *stype;
    PetscCall(TpStepperGetType(run->st, &stype));
    if (!strcmp(stype, "ts")) {
      if (run->ts_type[0]) PetscCall(TpStepperSetTSType(run->st, run->ts_type));
      if (run->dt > 0) PetscCall(TpStepperSetTimeStep(run->st, run->dt));
      if (run->tmax > 0) PetscCall(TpStepperSetMaxTime(run->st, run->tmax));
      if (run->max_steps > 0) PetscCall(TpStepperSetMaxSteps(run->st, run->max_steps));
    }
  }
  PetscCall(TpStepperSetFromOptions(run->st));

  PetscCall(TpRecorderCreate(run->model, &run->rec));
  if (run->rec_given) {
    PetscCall(TpRecorderSetInterval(run->rec, run->every));
    PetscCall(TpRecorderSetQuiet(run->rec, run->quiet));
  } else {
    /* the model's interval; on a fixed grid a whole number of windows (at least one: every step
       would shorten the windows to one step), unless -monitor_every says otherwise */
    const char *stype;
    PetscInt64 every;
    PetscCall(TpStepperGetType(run->st, &stype));
    PetscCall(TpModelGetDefaultSteps(run->model, NULL, &every));
    if (!strcmp(stype, "fixed")) {
      PetscInt64 w;
      PetscCall(TpModelGetWindow(run->model, &w));
      every = every > 0 ? (every + w - 1) / w * w : w;
    }
    if (every > 0) PetscCall(TpRecorderSetInterval(run->rec, every));
    PetscCall(TpRecorderSetFromOptions(run->rec));
  }
  if (run->checkpointing) {
    PetscCall(TpCheckpointCreate(run->model, run->st, run->rec, &run->ck));
    PetscCall(TpCheckpointSetPath(run->ck, run->ckpt));
    PetscCall(TpCheckpointSetFromOptions(run->ck));
  }
  PetscFunctionReturn(0);
}

/*@C
  TpRunSetUp - Attaches the recorder and the checkpoint triggers to the stepper and sets the state
  the run starts from: the model's initial state, or the checkpoint of TpRunSetRestart()

  Collective

  Input Parameter:
. run - the run, after TpRunSetFromOptions()

.seealso: `TpRunSolve()`
@*/
PetscErrorCode TpRunSetUp(TpRun run)
{
  PetscFunctionBegin;
  if (run->setup) PetscFunctionReturn(0);
  PetscCheck(run->st, run->comm, PETSC_ERR_ORDER, "TpRunSetUp() before TpRunSetFromOptions()");
  PetscCall(TpStepperSetUp(run->st));
  PetscCall(TpRecorderAttach(run->rec, run->st));
  if (run->ck) PetscCall(TpCheckpointAttach(run->ck));
  if (run->restart[0]) {
    PetscCheck(run->ck, run->comm, PETSC_ERR_ORDER, "TpRunSetRestart() needs TpRunSetCheckpointing()");
    PetscCall(TpCheckpointLoad(run->ck, run->restart));
  } else
    PetscCall(TpModelInitialState(run->model));
  run->setup = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TpRunSolve - Advances the run to its end (or until a signal or the stop file stops it with a checkpoint)

  Collective

  Input Parameter:
. run - the run, set up

.seealso: `TpRunGetStopped()`, `TpRunViewSummary()`
@*/
PetscErrorCode TpRunSolve(TpRun run)
{
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(TpRunSetUp(run));
  PetscCall(PetscTime(&t0));
  PetscCall(TpStepperSolve(run->st));
  PetscCall(PetscTime(&t1));
  run->wall = t1 - t0;
  PetscCall(TpPeakMemory(run->comm, &run->peak_bytes));
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetStopped - Whether the run was stopped early (by a signal or the stop file), with a checkpoint written

  Not Collective

  Input Parameter:
. run - the run, after TpRunSolve()

  Output Parameters:
+ stopped - true if it was
- signal  - the signal, or 0 for the stop file (may be NULL)

.seealso: `TpCheckpointGetStop()`
@*/
PetscErrorCode TpRunGetStopped(TpRun run, PetscBool *stopped, int *signal)
{
  PetscFunctionBegin;
  *stopped = PETSC_FALSE;
  if (signal) *signal = 0;
  if (run->ck) PetscCall(TpCheckpointGetStop(run->ck, stopped, signal));
  PetscFunctionReturn(0);
}

/*@C
  TpRunView - Prints what the run is: model, ranks, stepper, network, restart, parameters, patterns

  Collective

  Input Parameters:
+ run    - the run, set up
- viewer - an ASCII viewer

.seealso: `TpRunViewSummary()`
@*/
PetscErrorCode TpRunView(TpRun run, PetscViewer viewer)
{
  PetscMPIInt size;
  const char *type;
  char stepper[128];
  TpNetworkRows r;
  const char *conn;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(run->comm, &size));
  PetscCall(TpModelGetType(run->model, &type));
  PetscCall(TpStepperGetName(run->st, stepper, sizeof(stepper)));
  PetscCall(TpNetworkGetRows(run->net, &r));
  PetscCall(PetscViewerASCIIPrintf(viewer, "tripart %s: model %s on %d ranks, stepper %s\n", TRIPART_VERSION, type,
                                   size, stepper));
  PetscCall(TpNetworkGetConnectivity(run->net, &conn));
  if (!strcmp(conn, "none")) { /* neurons only: the synapses are the model's own */
    PetscCount nsyn;
    PetscCall(TpModelGetSynapseCount(run->model, &nsyn));
    PetscCall(PetscViewerASCIIPrintf(
        viewer, "  network  %" PetscInt_FMT " neurons, %" PetscCount_FMT " synapses of the model's projections\n", r.N,
        nsyn));
  } else
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  network  %" PetscInt_FMT " neurons, %" PetscCount_FMT
                                     " synapses, %" PetscCount_FMT " astrocytic processes\n",
                                     r.N, r.nsyn, r.nsyn));
  PetscCall(TpNetworkView(run->net, viewer));
  if (run->restart[0]) {
    PetscInt64 step;
    PetscReal t;
    PetscCall(TpStepperGetStep(run->st, &step));
    PetscCall(TpStepperGetTime(run->st, &t));
    PetscCall(PetscViewerASCIIPrintf(viewer, "  restart  from %s at t = %.6g, step %" PetscInt64_FMT "\n", run->restart,
                                     (double)t, step));
  }
  PetscCall(TpModelView(run->model, viewer));
  if (run->pat) PetscCall(TpPatternsView(run->pat, viewer));
  PetscFunctionReturn(0);
}

/*@C
  TpRunViewSummary - Prints how the run went: the stepper's work, the model's result, time and memory

  Collective

  Input Parameters:
+ run    - the run, after TpRunSolve()
- viewer - an ASCII viewer

.seealso: `TpRunView()`, `TpModelViewResult()`
@*/
PetscErrorCode TpRunViewSummary(TpRun run, PetscViewer viewer)
{
  PetscMPIInt size;
  PetscInt64 n;
  PetscCount nsyn;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(run->comm, &size));
  PetscCall(TpModelGetSynapseCount(run->model, &nsyn));
  PetscCall(TpStepperViewSummary(run->st, viewer));
  PetscCall(TpRecorderGetNumSamples(run->rec, &n));
  if (n > 0) {
    const double *first, *last;
    PetscCall(TpRecorderGetSample(run->rec, 0, NULL, NULL, &first));
    PetscCall(TpRecorderGetSample(run->rec, -1, NULL, NULL, &last));
    PetscCall(TpModelViewResult(run->model, first, last, viewer));
  }
  if (nsyn >= 10000) /* (below, what grows above start-up is buffers, not synapses) */
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  time     %.3f s wall; peak memory %.1f MiB on %d ranks, %.0f bytes per synapse "
                                     "above the %.1f MiB at start; tanh: %s\n",
                                     run->wall, run->peak_bytes / 1048576.0, size,
                                     (run->peak_bytes - run->base_bytes) / (double)nsyn, run->base_bytes / 1048576.0,
                                     TpVecTanhImplementation()));
  else /* (few or no synapses to divide by) */
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  time     %.3f s wall; peak memory %.1f MiB on %d ranks, %.1f MiB at start; "
                                     "tanh: %s\n",
                                     run->wall, run->peak_bytes / 1048576.0, size, run->base_bytes / 1048576.0,
                                     TpVecTanhImplementation()));
  PetscFunctionReturn(0);
}

/*@C
  TpRunWriteOutput - Writes the run's output file (tpoutput.h)

  Collective

  Input Parameters:
+ run    - the run, after TpRunSolve()
. path   - the file
. all    - also every field on request (-save_synapses)
- fields - or these fields on request, comma-separated (-save_fields), or NULL

.seealso: `TpOutputWrite()`
@*/
PetscErrorCode TpRunWriteOutput(TpRun run, const char *path, PetscBool all, const char *fields)
{
  TpOutputInfo info = {run->wall, run->peak_bytes, all, fields};

  PetscFunctionBegin;
  PetscCall(TpOutputWrite(path, run->model, run->st, run->rec, &info));
  PetscFunctionReturn(0);
}

/*@C
  TpRunSummarize - The model's summary scalars of the run (from its first and last samples)

  Not Collective

  Input Parameter:
. run - the run, after TpRunSolve()

  Output Parameter:
. values - one per summary scalar (TpModelGetNumSummaries())

.seealso: `TpModelSummarize()`
@*/
PetscErrorCode TpRunSummarize(TpRun run, double *values)
{
  const double *first, *last;

  PetscFunctionBegin;
  PetscCall(TpRecorderGetSample(run->rec, 0, NULL, NULL, &first));
  PetscCall(TpRecorderGetSample(run->rec, -1, NULL, NULL, &last));
  PetscCall(TpModelSummarize(run->model, first, last, values));
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetWallTime - Seconds the solve took

  Not Collective

  Input Parameter:
. run - the run

  Output Parameter:
. wall - the seconds

.seealso: `TpRunSolve()`
@*/
PetscErrorCode TpRunGetWallTime(TpRun run, PetscLogDouble *wall)
{
  PetscFunctionBegin;
  *wall = run->wall;
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetModel - The run's model

  Not Collective

  Input Parameter:
. run - the run, after TpRunSetFromOptions()

  Output Parameter:
. model - the model (owned by the run)

.seealso: `TpRunGetNetwork()`
@*/
PetscErrorCode TpRunGetModel(TpRun run, TpModel *model)
{
  PetscFunctionBegin;
  *model = run->model;
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetNetwork - The run's network

  Not Collective

  Input Parameter:
. run - the run, after TpRunSetFromOptions()

  Output Parameter:
. net - the network (owned by the run)

.seealso: `TpRunGetModel()`
@*/
PetscErrorCode TpRunGetNetwork(TpRun run, TpNetwork *net)
{
  PetscFunctionBegin;
  *net = run->net;
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetPatterns - The run's patterns, or NULL for models without

  Not Collective

  Input Parameter:
. run - the run, after TpRunSetFromOptions()

  Output Parameter:
. pat - the patterns (owned by the run)

.seealso: `TpRunSetPatterns()`
@*/
PetscErrorCode TpRunGetPatterns(TpRun run, TpPatterns *pat)
{
  PetscFunctionBegin;
  *pat = run->pat;
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetStepper - The run's stepper

  Not Collective

  Input Parameter:
. run - the run, after TpRunSetFromOptions()

  Output Parameter:
. st - the stepper (owned by the run)

.seealso: `TpRunGetRecorder()`
@*/
PetscErrorCode TpRunGetStepper(TpRun run, TpStepper *st)
{
  PetscFunctionBegin;
  *st = run->st;
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetRecorder - The run's recorder

  Not Collective

  Input Parameter:
. run - the run, after TpRunSetFromOptions()

  Output Parameter:
. rec - the recorder (owned by the run)

.seealso: `TpRunGetStepper()`
@*/
PetscErrorCode TpRunGetRecorder(TpRun run, TpRecorder *rec)
{
  PetscFunctionBegin;
  *rec = run->rec;
  PetscFunctionReturn(0);
}

/*@C
  TpRunGetCheckpoint - The run's checkpoint, or NULL without checkpointing

  Not Collective

  Input Parameter:
. run - the run, after TpRunSetFromOptions()

  Output Parameter:
. ck - the checkpoint (owned by the run)

.seealso: `TpRunSetCheckpointing()`
@*/
PetscErrorCode TpRunGetCheckpoint(TpRun run, TpCheckpoint *ck)
{
  PetscFunctionBegin;
  *ck = run->ck;
  PetscFunctionReturn(0);
}

/*@C
  TpRunDestroy - Destroys a run and everything it owns

  Collective

  Input Parameter:
. run - the run (may be NULL); set to NULL

.seealso: `TpRunCreate()`
@*/
PetscErrorCode TpRunDestroy(TpRun *run)
{
  PetscFunctionBegin;
  if (!*run) PetscFunctionReturn(0);
  PetscCall(TpCheckpointDestroy(&(*run)->ck));
  PetscCall(TpRecorderDestroy(&(*run)->rec));
  PetscCall(TpStepperDestroy(&(*run)->st));
  PetscCall(TpModelDestroy(&(*run)->model));
  PetscCall(TpNetworkDestroy(&(*run)->net));
  PetscCall(TpPatternsDestroy(&(*run)->pat));
  PetscCall(PetscFree(*run));
  PetscFunctionReturn(0);
}
