/* Collective parallel-HDF5 writes in the manner of SWIFT: one shared file, each rank writes its
   hyperslab at an offset from MPI_Exscan, and ranks with nothing to write still take part. */
#include <tph5.h>
#include <tputil.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

PetscBool TpH5Broken = PETSC_FALSE;

PetscErrorCode TpH5WriteDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype,
                                    PetscCount nloc, PetscInt ncols, const void *data)
{
  long long n = (long long)nloc, off = 0, total = 0;
  hsize_t dims[2], start[2], count[2];
  int rank = ncols > 0 ? 2 : 1;
  hid_t fspace, mspace, dset, xfer;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Exscan(&n, &off, 1, MPI_LONG_LONG, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(&n, &total, 1, MPI_LONG_LONG, MPI_SUM, comm));
  {
    PetscMPIInt r;
    PetscCallMPI(MPI_Comm_rank(comm, &r));
    if (!r) off = 0;
  }
  dims[0]  = (hsize_t)total;
  dims[1]  = (hsize_t)(ncols > 0 ? ncols : 1);
  start[0] = (hsize_t)off;
  start[1] = 0;
  count[0] = (hsize_t)n;
  count[1] = dims[1];
  PetscCallH5(fspace = H5Screate_simple(rank, dims, NULL));
  PetscCallH5(dset = H5Dcreate2(loc, name, filetype, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCallH5(mspace = H5Screate_simple(rank, count, NULL));
  if (n > 0)
    PetscCallH5(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  else {
    PetscCallH5(H5Sselect_none(fspace));
    PetscCallH5(H5Sselect_none(mspace));
  }
  PetscCallH5(xfer = H5Pcreate(H5P_DATASET_XFER));
  PetscCallH5(H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE));
  PetscCallH5(H5Dwrite(dset, memtype, mspace, fspace, xfer, data));
  PetscCallH5(H5Pclose(xfer));
  PetscCallH5(H5Sclose(mspace));
  PetscCallH5(H5Sclose(fspace));
  PetscCallH5(H5Dclose(dset));
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5WriteRoot(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, int rank,
                             const hsize_t dims[], const void *data)
{
  PetscMPIInt r;
  hid_t fspace, mspace, dset, xfer;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &r));
  PetscCallH5(fspace = H5Screate_simple(rank, dims, NULL));
  PetscCallH5(mspace = H5Screate_simple(rank, dims, NULL));
  PetscCallH5(dset = H5Dcreate2(loc, name, filetype, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (r) {
    PetscCallH5(H5Sselect_none(fspace));
    PetscCallH5(H5Sselect_none(mspace));
  }
  PetscCallH5(xfer = H5Pcreate(H5P_DATASET_XFER));
  PetscCallH5(H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE));
  PetscCallH5(H5Dwrite(dset, memtype, mspace, fspace, xfer, data));
  PetscCallH5(H5Pclose(xfer));
  PetscCallH5(H5Sclose(mspace));
  PetscCallH5(H5Sclose(fspace));
  PetscCallH5(H5Dclose(dset));
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5WriteAttrString(hid_t loc, const char *name, const char *value)
{
  hid_t type, space, attr;

  PetscFunctionBegin;
  /* variable-length UTF-8, which h5py reads back as str */
  PetscCallH5(type = H5Tcopy(H5T_C_S1));
  PetscCallH5(H5Tset_size(type, H5T_VARIABLE));
  PetscCallH5(H5Tset_cset(type, H5T_CSET_UTF8));
  PetscCallH5(space = H5Screate(H5S_SCALAR));
  PetscCallH5(attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
  PetscCallH5(H5Awrite(attr, type, &value));
  PetscCallH5(H5Aclose(attr));
  PetscCallH5(H5Sclose(space));
  PetscCallH5(H5Tclose(type));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttrScalar(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
  hid_t space, attr;

  PetscFunctionBegin;
  PetscCallH5(space = H5Screate(H5S_SCALAR));
  PetscCallH5(attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT));
  PetscCallH5(H5Awrite(attr, mtype, v));
  PetscCallH5(H5Aclose(attr));
  PetscCallH5(H5Sclose(space));
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5WriteAttrDouble(hid_t loc, const char *name, double value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttrScalar(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5WriteAttrInt(hid_t loc, const char *name, long long value)
{
  PetscFunctionBegin;
  PetscCall(WriteAttrScalar(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, &value));
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5ReadDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, PetscCount nloc,
                                   PetscInt ncols, long long total, void *data, PetscBool *ok)
{
  long long n = (long long)nloc, off = 0;
  int good = 1, rank = ncols > 0 ? 2 : 1;
  hid_t dset = -1, fspace = -1, mspace = -1;
  hsize_t dims[2] = {0, 0}, start[2], count[2];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Exscan(&n, &off, 1, MPI_LONG_LONG, MPI_SUM, comm));
  {
    PetscMPIInt r;
    PetscCallMPI(MPI_Comm_rank(comm, &r));
    if (!r) off = 0;
  }
  if (H5Lexists(loc, name, H5P_DEFAULT) <= 0 || (dset = H5Dopen2(loc, name, H5P_DEFAULT)) < 0) good = 0;
  if (good && ((fspace = H5Dget_space(dset)) < 0 || H5Sget_simple_extent_ndims(fspace) != rank)) good = 0;
  if (good) {
    H5Sget_simple_extent_dims(fspace, dims, NULL);
    if (dims[0] != (hsize_t)total || (ncols > 0 && dims[1] != (hsize_t)ncols)) good = 0;
  }
  if (good) {
    start[0] = (hsize_t)off;
    start[1] = 0;
    count[0] = (hsize_t)n;
    count[1] = ncols > 0 ? (hsize_t)ncols : 1;
    mspace   = H5Screate_simple(rank, count, NULL);
    if (n > 0)
      good = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0;
    else
      good = H5Sselect_none(fspace) >= 0 && H5Sselect_none(mspace) >= 0;
    if (good) good = H5Dread(dset, memtype, mspace, fspace, H5P_DEFAULT, data) >= 0;
  }
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (dset >= 0) H5Dclose(dset);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &good, 1, MPI_INT, MPI_MIN, comm));
  *ok = good ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5ReadAttrString(hid_t loc, const char *name, char *value, size_t len, PetscBool *found)
{
  hid_t attr, type, mem;

  PetscFunctionBegin;
  *found = PETSC_FALSE;
  if (H5Aexists(loc, name) <= 0 || (attr = H5Aopen(loc, name, H5P_DEFAULT)) < 0) PetscFunctionReturn(0);
  type = H5Aget_type(attr);
  if (type >= 0 && H5Tget_class(type) == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0) {
      char *v = NULL;
      mem     = H5Tcopy(H5T_C_S1);
      H5Tset_size(mem, H5T_VARIABLE);
      H5Tset_cset(mem, H5Tget_cset(type));
      if (H5Aread(attr, mem, &v) >= 0 && v) {
        PetscCall(PetscStrncpy(value, v, len));
        *found = PETSC_TRUE;
        H5free_memory(v);
      }
      H5Tclose(mem);
    } else {
      size_t sz = H5Tget_size(type);
      char *v;
      PetscCall(PetscCalloc1(sz + 1, &v));
      mem = H5Tcopy(H5T_C_S1);
      H5Tset_size(mem, sz + 1);
      H5Tset_cset(mem, H5Tget_cset(type));
      if (H5Aread(attr, mem, v) >= 0) {
        PetscCall(PetscStrncpy(value, v, len));
        *found = PETSC_TRUE;
      }
      H5Tclose(mem);
      PetscCall(PetscFree(v));
    }
  }
  if (type >= 0) H5Tclose(type);
  H5Aclose(attr);
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAttrScalar(hid_t loc, const char *name, hid_t mtype, H5T_class_t cls, void *v,
                                     PetscBool *found)
{
  hid_t attr, type, space;

  PetscFunctionBegin;
  *found = PETSC_FALSE;
  if (H5Aexists(loc, name) <= 0 || (attr = H5Aopen(loc, name, H5P_DEFAULT)) < 0) PetscFunctionReturn(0);
  type  = H5Aget_type(attr);
  space = H5Aget_space(attr);
  if (type >= 0 && space >= 0 && H5Tget_class(type) == cls && H5Sget_simple_extent_npoints(space) == 1 &&
      H5Aread(attr, mtype, v) >= 0)
    *found = PETSC_TRUE;
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  H5Aclose(attr);
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5ReadAttrDouble(hid_t loc, const char *name, double *value, PetscBool *found)
{
  PetscFunctionBegin;
  PetscCall(ReadAttrScalar(loc, name, H5T_NATIVE_DOUBLE, H5T_FLOAT, value, found));
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5ReadAttrInt(hid_t loc, const char *name, long long *value, PetscBool *found)
{
  PetscFunctionBegin;
  PetscCall(ReadAttrScalar(loc, name, H5T_NATIVE_LLONG, H5T_INTEGER, value, found));
  PetscFunctionReturn(0);
}

PetscErrorCode TpH5WriteFile(MPI_Comm comm, const char *path, const char *what,
                             PetscErrorCode (*write)(MPI_Comm, hid_t, void *), void *ctx)
{
  char tmp[PETSC_MAX_PATH_LEN + 8], msg[2 * PETSC_MAX_PATH_LEN + 64] = "";
  PetscMPIInt rank;
  PetscErrorCode ierr;
  hid_t fapl, f;
  int bad;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.part", path));
  PetscCallH5(fapl = H5Pcreate(H5P_FILE_ACCESS));
  PetscCallH5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  PetscCallH5(H5Pclose(fapl));
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN, "Cannot create %s '%s' (option -o)", what, tmp);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); /* one clear message below, not the HDF5 details */
  ierr = write(comm, f, ctx);
  PetscCall(PetscPopErrorHandler());
  if (H5Fclose(f) < 0) {
    TpH5Broken = PETSC_TRUE;
    if (!ierr) ierr = PETSC_ERR_FILE_WRITE;
  }
  bad = ierr != 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  if (bad) {
    if (!rank) unlink(tmp);
    SETERRQ(comm, ierr ? ierr : PETSC_ERR_FILE_WRITE, "Writing %s '%s' failed; nothing was left under that name", what,
            path);
  }
  PetscCallMPI(MPI_Barrier(comm));
  if (!rank && rename(tmp, path)) {
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "Cannot rename '%s' to '%s': %s", tmp, path, strerror(errno)));
    unlink(tmp);
  }
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_WRITE, msg, sizeof(msg)));
  PetscFunctionReturn(0);
}
