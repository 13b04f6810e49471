/* Checkpoints: one HDF5 file holding everything needed to continue a run as if it had never
   stopped, readable on any number of ranks.

   Layout: root attributes `format` ("tripart-checkpoint"), `format_version`, `version`, `model`,
   `description` (every parameter that changes results), `network_hash`, `patterns_hash`, `neurons`,
   `synapses`, `patterns`, `seed`, `time`, `step`, `dt`, `stepper`, `state_checksum`, `reason`,
   `options`; the state by global index in /state/x, /state/s, /state/p; the time series so far in
   /samples.  The random streams are counter-based (a pure function of seed and global indices),
   so the seed is their whole state.

   Written collectively under PATH.part, flushed, then renamed over PATH; the checkpoint it
   replaces is kept as PATH.prev. */
#ifndef TPCHECKPOINT_H
#define TPCHECKPOINT_H
#include <tpstepper.h>

#define TP_CHECKPOINT_FORMAT "tripart-checkpoint"
#define TP_CHECKPOINT_FORMAT_VERSION 1

/* Collective. reason: "interval", "signal", "stop file", "final". */
PetscErrorCode TpCheckpointWrite(const char *path, TpStepper st, Vec u, const char *reason);
/* Collective: validate the checkpoint against the run set up in st (model, parameters, network,
   patterns, stepper) and only then load state, time, step, time step and samples. */
PetscErrorCode TpCheckpointLoad(const char *path, TpStepper st, Vec u);
#endif
