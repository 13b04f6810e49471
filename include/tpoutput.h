/* The run's HDF5 output: one file written collectively by all ranks, under PATH.part, renamed to
   PATH when complete (nothing half-written is ever left under the final name).

   Layout: root attributes (signature, program, version, model, ranks, options, the network's
   identity, the patterns' count, the stepper, steps, right-hand sides, final time, wall time, peak
   memory); the recorder's series (/time, /step and each series at its declared path, e.g. /energy,
   /observables/overlap); the model's summary as attributes of /observables (with the cue's target
   and flipped bits); /patterns and /cue; the fields flagged for output under /state, natural
   order, and those on request; /network (the synapse CSR) with them. */
#ifndef TPOUTPUT_H
#define TPOUTPUT_H
#include <tprecorder.h>

typedef struct {
  PetscLogDouble wall; /* seconds the solve took */
  double peak_bytes;   /* peak resident memory summed over ranks */
  PetscBool all;       /* write every field on request (-save_synapses) */
  const char *fields;  /* or these, comma-separated (-save_fields) */
} TpOutputInfo;

PetscErrorCode TpOutputWrite(const char *path, TpModel model, TpStepper st, TpRecorder rec, const TpOutputInfo *info);
PetscErrorCode TpOutputEstimateBytes(TpModel model, TpRecorder rec, const TpOutputInfo *info, double *bytes);
#endif
