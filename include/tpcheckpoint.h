/* Checkpoints: one HDF5 file holding everything needed to continue a run as if it had never
   stopped, readable on any number of ranks.

   What it writes comes from the declarations: every field the model flags TP_FIELD_CHECKPOINT
   under /state (natural order), the stepper's step, time and time step, and the recorder's table
   under /samples; root attributes say what the run is (format signature, model, description of
   every parameter that changes results, fingerprints of the network and the patterns, sizes,
   stepper, checksums of the state and of the rest, reason, options).  The random streams are
   counter-based (a pure function of seed and global indices), so the seed is their whole state.

   Triggers are a stepper hook: simulated-time and wall-clock intervals go on after writing one;
   SIGTERM, SIGINT, SIGUSR1 and a stop file write one and stop the run.  Written through
   TpH5WriteFile() with fsync, the one it replaces kept as PATH.prev. */
#ifndef TPCHECKPOINT_H
#define TPCHECKPOINT_H
#include <tprecorder.h>

typedef struct _p_TpCheckpoint *TpCheckpoint;

/* Exit status of a run stopped early with a checkpoint written: run again with -restart. */
#define TP_EXIT_CHECKPOINTED 3

PetscErrorCode TpCheckpointCreate(TpModel model, TpStepper st, TpRecorder rec, TpCheckpoint *ck);
PetscErrorCode TpCheckpointSetPath(TpCheckpoint ck, const char *path);
PetscErrorCode TpCheckpointSetFromOptions(TpCheckpoint ck);
PetscErrorCode TpCheckpointAttach(TpCheckpoint ck);
PetscErrorCode TpCheckpointWrite(TpCheckpoint ck, const char *reason);
PetscErrorCode TpCheckpointEstimateBytes(TpCheckpoint ck, double *bytes);
PetscErrorCode TpCheckpointLoad(TpCheckpoint ck, const char *path);
PetscErrorCode TpCheckpointGetPath(TpCheckpoint ck, const char **path);
PetscErrorCode TpCheckpointGetStop(TpCheckpoint ck, PetscBool *stopped, int *signal);
PetscErrorCode TpCheckpointDestroy(TpCheckpoint *ck);
#endif
