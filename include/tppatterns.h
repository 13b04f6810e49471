/* Stored patterns xi^mu in {-1,+1}^N and the cue that starts a retrieval.

   Patterns are drawn from the counter-based stream (seed, pattern mu, neuron i), or read from an
   HDF5 file holding /patterns (K x N, values -1/+1) and optionally /cue (N).  Every rank holds the
   N x K pattern matrix (never anything of size N^2). */
#ifndef TPPATTERNS_H
#define TPPATTERNS_H
#include <petscsys.h>
#include <stdint.h>

typedef struct _p_TpPatterns *TpPatterns;

struct _p_TpPatterns {
  MPI_Comm comm;
  PetscInt N, K;
  PetscInt seed;
  char file[PETSC_MAX_PATH_LEN]; /* -patterns_file, "" when generated */
  PetscReal flip_fraction;       /* -cue_flip_fraction: each bit flipped with this probability */
  PetscInt flip_count;           /* -cue_flip_count: exactly this many bits flipped (-1: unused) */
  PetscInt target;               /* -cue_target: the pattern the cue is made from */
  PetscBool cue_from_file;
  PetscInt flipped;           /* bits in which the cue differs from the target */
  double *xi;                 /* N x K, row-major: xi[i*K + mu] */
  double *cue;                /* N, values -1/+1 */
  double *file_xi, *file_cue; /* loaded data, before SetUp */
};

PetscErrorCode TpPatternsCreate(MPI_Comm comm, TpPatterns *pat);
PetscErrorCode TpPatternsSetFromOptions(TpPatterns pat);
/* Collective: load /patterns (K x N) and /cue of an HDF5 file into pat->file_xi, pat->file_cue; *K = patterns. */
PetscErrorCode TpPatternsLoadFile(TpPatterns pat, const char *path, PetscInt *K);
PetscErrorCode TpPatternsGetFileSize(TpPatterns pat, PetscBool *fromfile, PetscInt *N);
PetscErrorCode TpPatternsSetUp(TpPatterns pat, PetscInt N, PetscInt seed);
/* A 64-bit hash of the patterns and the cue (computed locally; every rank holds them all). */
PetscErrorCode TpPatternsFingerprint(TpPatterns pat, uint64_t *hash);
PetscErrorCode TpPatternsDestroy(TpPatterns *pat);
#endif
