/* Small helpers over parallel HDF5: error checking, collective distributed writes, attributes. */
#ifndef TPH5_H
#define TPH5_H
#include <petscsys.h>
#include <hdf5.h>

/* Check an HDF5 call that returns negative on failure; the message names the call. */
#define PetscCallH5(...)                                                                                               \
  do {                                                                                                                 \
    if ((__VA_ARGS__) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 call failed: %s", #__VA_ARGS__);              \
  } while (0)

/* Set when closing a file failed (a full disk): HDF5 1.10 then crashes if it is closed again, at
   H5close() or MPI_Finalize(), so the program leaves without either. */
extern PetscBool TpH5Broken;

/* Collective: write a rank's contiguous block of a 1-D or 2-D (rows x ncols) dataset.
   Every rank calls it; nloc may be 0.  The global row count and offsets come from MPI_Exscan. */
PetscErrorCode TpH5WriteDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype,
                                    PetscCount nloc, PetscInt ncols, const void *data);
/* Collective: write a dataset whose data lives on rank 0 only (dims of rank 1 or 2). */
PetscErrorCode TpH5WriteRoot(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, int rank,
                             const hsize_t dims[], const void *data);
/* Collective: read a rank's contiguous block (nloc rows of ncols, 0 for 1-D) of a dataset whose
   global row count must be `total`; *ok is set false on every rank if anything is off. */
PetscErrorCode TpH5ReadDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, PetscCount nloc,
                                   PetscInt ncols, long long total, void *data, PetscBool *ok);
/* Collective: write a whole file the way every tripart file is written: created on comm as PATH.part,
   filled by write(comm, f, ctx), closed, then renamed to PATH.  On any failure nothing is left under
   PATH or PATH.part and every rank gets one error naming `what` (e.g. "output file") and the path. */
PetscErrorCode TpH5WriteFile(MPI_Comm comm, const char *path, const char *what,
                             PetscErrorCode (*write)(MPI_Comm, hid_t, void *), void *ctx);
/* Read attributes; *found is false (and nothing is written) when the attribute is missing or unreadable. */
PetscErrorCode TpH5ReadAttrString(hid_t loc, const char *name, char *value, size_t len, PetscBool *found);
PetscErrorCode TpH5ReadAttrDouble(hid_t loc, const char *name, double *value, PetscBool *found);
PetscErrorCode TpH5ReadAttrInt(hid_t loc, const char *name, long long *value, PetscBool *found);
PetscErrorCode TpH5WriteAttrString(hid_t loc, const char *name, const char *value);
PetscErrorCode TpH5WriteAttrDouble(hid_t loc, const char *name, double value);
PetscErrorCode TpH5WriteAttrInt(hid_t loc, const char *name, long long value);
#endif
