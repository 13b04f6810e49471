/* TpRun, the composition root: it owns one run's inputs (patterns, network), model, stepper,
   recorder and checkpoint, builds them in order from options and setters, and drives them.
   `tripart run` and each trial of `tripart sweep` are a TpRun.

     TpRunCreate(comm, &run);                 setters: TpRunSetModelType(), TpRunSetPatterns(), ...
     TpRunSetFromOptions(run);                inputs, network (set up), model (set up), stepper, recorder
     TpRunSetUp(run);                         hooks; the initial state, or the state of -restart
     TpRunSolve(run);
     TpRunWriteOutput(run, path, ...);        TpRunViewSummary(run, viewer);
     TpRunDestroy(&run); */
#ifndef TPRUN_H
#define TPRUN_H
#include <tpcheckpoint.h>
#include <tpoutput.h>

typedef struct _p_TpRun *TpRun;

PetscErrorCode TpRunCreate(MPI_Comm comm, TpRun *run);
PetscErrorCode TpRunSetModelType(TpRun run, const char *type);
PetscErrorCode TpRunSetDefaultSize(TpRun run, PetscInt N);
PetscErrorCode TpRunSetPatterns(TpRun run, TpPatterns pat);
PetscErrorCode TpRunSetSeed(TpRun run, PetscInt seed);
PetscErrorCode TpRunSetStepperDefaults(TpRun run, const char *ts_type, PetscReal dt, PetscReal tmax,
                                       PetscInt64 max_steps);
PetscErrorCode TpRunSetRecording(TpRun run, PetscInt64 every, PetscBool quiet);
PetscErrorCode TpRunSetCheckpointing(TpRun run, const char *path);
PetscErrorCode TpRunSetRestart(TpRun run, const char *path);
PetscErrorCode TpRunSetFromOptions(TpRun run);
PetscErrorCode TpRunSetUp(TpRun run);
PetscErrorCode TpRunSolve(TpRun run);
PetscErrorCode TpRunGetStopped(TpRun run, PetscBool *stopped, int *signal);
PetscErrorCode TpRunView(TpRun run, PetscViewer viewer);
PetscErrorCode TpRunViewSummary(TpRun run, PetscViewer viewer);
PetscErrorCode TpRunWriteOutput(TpRun run, const char *path, PetscBool all, const char *fields);
PetscErrorCode TpRunSummarize(TpRun run, double *values);
PetscErrorCode TpRunGetWallTime(TpRun run, PetscLogDouble *wall);
PetscErrorCode TpRunGetModel(TpRun run, TpModel *model);
PetscErrorCode TpRunGetNetwork(TpRun run, TpNetwork *net);
PetscErrorCode TpRunGetPatterns(TpRun run, TpPatterns *pat);
PetscErrorCode TpRunGetStepper(TpRun run, TpStepper *st);
PetscErrorCode TpRunGetRecorder(TpRun run, TpRecorder *rec);
PetscErrorCode TpRunGetCheckpoint(TpRun run, TpCheckpoint *ck);
PetscErrorCode TpRunDestroy(TpRun *run);
#endif
