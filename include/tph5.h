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

/* Collective: write a rank's contiguous block of a 1-D or 2-D (rows x ncols) dataset.
   Every rank calls it; nloc may be 0.  The global row count and offsets come from MPI_Exscan. */
PetscErrorCode TpH5WriteDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype,
                                    PetscCount nloc, PetscInt ncols, const void *data);
/* Collective: write a dataset whose data lives on rank 0 only (dims of rank 1 or 2). */
PetscErrorCode TpH5WriteRoot(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, int rank,
                             const hsize_t dims[], const void *data);
PetscErrorCode TpH5WriteAttrString(hid_t loc, const char *name, const char *value);
PetscErrorCode TpH5WriteAttrDouble(hid_t loc, const char *name, double value);
PetscErrorCode TpH5WriteAttrInt(hid_t loc, const char *name, long long value);
#endif
