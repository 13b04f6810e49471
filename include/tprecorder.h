/* The recorder: a stepper hook that samples the series a model declares (tpmodel.h) every
   -monitor_every steps (and at the last), keeps them identical on every rank, prints progress
   lines, and writes them to the output (each at its declared path) or to a checkpoint (/samples). */
#ifndef TPRECORDER_H
#define TPRECORDER_H
#include <tpstepper.h>
#include <hdf5.h>
#include <stdint.h>

typedef struct _p_TpRecorder *TpRecorder;

PetscErrorCode TpRecorderCreate(TpModel model, TpRecorder *rec);
PetscErrorCode TpRecorderSetFromOptions(TpRecorder rec);
PetscErrorCode TpRecorderSetInterval(TpRecorder rec, PetscInt64 every);
PetscErrorCode TpRecorderSetQuiet(TpRecorder rec, PetscBool quiet);
PetscErrorCode TpRecorderGetQuiet(TpRecorder rec, PetscBool *quiet);
PetscErrorCode TpRecorderAttach(TpRecorder rec, TpStepper st);
PetscErrorCode TpRecorderGetNumSamples(TpRecorder rec, PetscInt64 *n);
PetscErrorCode TpRecorderGetSample(TpRecorder rec, PetscInt64 i, PetscReal *t, PetscInt64 *step, const double **values);
PetscErrorCode TpRecorderWrite(TpRecorder rec, hid_t file);
PetscErrorCode TpRecorderWriteSamples(TpRecorder rec, hid_t group);
PetscErrorCode TpRecorderChecksum(TpRecorder rec, uint64_t *hash);
PetscErrorCode TpRecorderLoadSamples(TpRecorder rec, hid_t group, PetscInt64 step, PetscReal t, uint64_t hash,
                                     PetscBool *ok);
PetscErrorCode TpRecorderEstimateBytes(TpRecorder rec, double *bytes);
PetscErrorCode TpRecorderDestroy(TpRecorder *rec);
#endif
