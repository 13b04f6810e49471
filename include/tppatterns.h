/* Stored patterns xi^mu in {-1,+1}^N and the cue that starts a retrieval.

   Patterns are drawn from the counter-based stream (seed, pattern mu, neuron i), or read from an
   HDF5 file holding /patterns (K x N, values -1/+1) and optionally /cue (N).  Every rank holds the
   N x K pattern matrix (never anything of size N^2). */
#ifndef TPPATTERNS_H
#define TPPATTERNS_H
#include <petscsys.h>
#include <hdf5.h>
#include <stdint.h>

typedef struct _p_TpPatterns *TpPatterns;

PetscErrorCode TpPatternsCreate(MPI_Comm comm, TpPatterns *pat);
PetscErrorCode TpPatternsSetFromOptions(TpPatterns pat);
PetscErrorCode TpPatternsSetNumber(TpPatterns pat, PetscInt K);
PetscErrorCode TpPatternsSetCue(TpPatterns pat, PetscInt target, PetscInt flips);
PetscErrorCode TpPatternsSetData(TpPatterns pat, const char *source, PetscInt K, PetscInt N, const double *xi);
PetscErrorCode TpPatternsLoadFile(TpPatterns pat, const char *path, PetscInt *K);
PetscErrorCode TpPatternsGetFileData(TpPatterns pat, PetscInt *K, PetscInt *N, const double **xi);
PetscErrorCode TpPatternsGetFileSize(TpPatterns pat, PetscBool *fromfile, PetscInt *N);
PetscErrorCode TpPatternsGetFile(TpPatterns pat, const char **file);
PetscErrorCode TpPatternsSetUp(TpPatterns pat, PetscInt N, PetscInt seed);
PetscErrorCode TpPatternsGetSizes(TpPatterns pat, PetscInt *N, PetscInt *K);
PetscErrorCode TpPatternsGetPatterns(TpPatterns pat, const double **xi);
PetscErrorCode TpPatternsGetCue(TpPatterns pat, const double **cue, PetscInt *target, PetscInt *flipped);
PetscErrorCode TpPatternsFingerprint(TpPatterns pat, uint64_t *hash);
PetscErrorCode TpPatternsView(TpPatterns pat, PetscViewer viewer);
PetscErrorCode TpPatternsWrite(TpPatterns pat, hid_t f);
PetscErrorCode TpPatternsWriteCueAttributes(TpPatterns pat, hid_t g);
PetscErrorCode TpPatternsDestroy(TpPatterns *pat);
/* The binary patterns of M5: /patterns (K x N, values 0/1) of an HDF5 file, on every rank. */
PetscErrorCode TpPatternsReadBinary(MPI_Comm comm, const char *path, const char *option, PetscInt *K, PetscInt *N,
                                    double **xi);
#endif
