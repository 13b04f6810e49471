/* Declared fields (tpmodel.h) to and from files, in natural order whatever the partition: what the
   output and the checkpoint share. */
#ifndef TPFIELDS_H
#define TPFIELDS_H
#include <tpmodel.h>
#include <hdf5.h>
#include <stdint.h>

PetscErrorCode TpFieldWrite(TpModel model, PetscInt f, hid_t group);
PetscErrorCode TpFieldRead(TpModel model, PetscInt f, hid_t group, void *local, PetscBool *ok);
PetscErrorCode TpFieldChecksum(TpModel model, PetscInt f, const void *local, uint64_t stream, uint64_t *hash);
PetscErrorCode TpFieldCopy(TpModel model, PetscInt f, const void *local, PetscBool tomodel);
PetscErrorCode TpFieldBytes(TpModel model, PetscInt f, double *bytes, PetscCount *local);
#endif
