/* Small helpers over parallel HDF5: error checking, collective distributed writes, attributes, the
   one way every tripart file is written (FILE.part, renamed when complete), and file signatures. */
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

/* What a kind of tripart file is: its signature (root attributes `format` and `format_version`),
   its name in messages, and how a user makes one. */
typedef struct {
  const char *format; /* e.g. "tripart-checkpoint" */
  int version;        /* the version this build writes and reads */
  const char *what;   /* e.g. "checkpoint", for messages */
  const char *hint;   /* how to make one, for messages (may be "") */
} TpFileFormat;
extern const TpFileFormat TP_FORMAT_RUN, TP_FORMAT_CHECKPOINT, TP_FORMAT_NETWORK, TP_FORMAT_PARTITION, TP_FORMAT_SWEEP;

/* How TpH5WriteFile writes one file. */
typedef struct {
  const char *what;    /* what the file is, for messages: "output file", "checkpoint", ... */
  const char *option;  /* the option that named it, for messages: "-o", "-checkpoint", ... */
  double bytes;        /* room it needs, roughly; checked before anything is written (0: not checked) */
  PetscBool fsync;     /* flushed to the disk before it replaces PATH */
  PetscBool keep_prev; /* the file it replaces is kept as PATH.prev */
} TpH5FileSpec;

PetscErrorCode TpH5WriteFile(MPI_Comm comm, const char *path, const TpH5FileSpec *spec,
                             PetscErrorCode (*write)(MPI_Comm, hid_t, void *), void *ctx);
PetscErrorCode TpH5WriteSignature(hid_t f, const TpFileFormat *fmt);
PetscErrorCode TpH5CheckSignature(hid_t f, const TpFileFormat *fmt, const char *where, char *msg, size_t len);

PetscErrorCode TpH5WriteDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype,
                                    PetscCount nloc, PetscInt ncols, const void *data);
PetscErrorCode TpH5WriteRoot(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, hid_t filetype, int rank,
                             const hsize_t dims[], const void *data);
PetscErrorCode TpH5ReadDistributed(MPI_Comm comm, hid_t loc, const char *name, hid_t memtype, PetscCount nloc,
                                   PetscInt ncols, long long total, void *data, PetscBool *ok);
PetscBool TpH5ReadWhole(hid_t loc, const char *name, hid_t memtype, void *buf, long long n);
PetscBool TpH5GetExtent(hid_t loc, const char *name, int *ndims, hsize_t dims[2]);
PetscErrorCode TpH5CreateGroup(hid_t loc, const char *path, hid_t *g);
/* H5Dread() after checking that a compact or contiguous dataset's recorded size is what its dataspace
   and type need (HDF5 1.10 trusts it and copies past its buffer on a corrupt file); < 0 on failure. */
herr_t TpH5Read(hid_t d, hid_t memtype, hid_t mspace, hid_t fspace, void *buf);
/* Open a file to read after a child process has read it without crashing (HDF5 1.10 crashes on some
   corrupt files): msg says why not, *f is -1 then; kind ("network file") and option name it.  f NULL:
   only the probe. */
PetscErrorCode TpH5Open(const char *path, hid_t fapl, const char *kind, const char *option, char *msg, size_t len,
                        hid_t *f);
/* TpH5Open() on every rank of comm (collective with an MPI-IO fapl), with one probe, on rank 0, whose
   verdict all ranks share. */
PetscErrorCode TpH5OpenShared(MPI_Comm comm, const char *path, hid_t fapl, const char *kind, const char *option,
                              char *msg, size_t len, hid_t *f);
hid_t TpH5NativeType(PetscDataType type);
hid_t TpH5FileType(PetscDataType type);

PetscErrorCode TpH5ReadAttrString(hid_t loc, const char *name, char *value, size_t len, PetscBool *found);
PetscErrorCode TpH5ReadAttrDouble(hid_t loc, const char *name, double *value, PetscBool *found);
PetscErrorCode TpH5ReadAttrInt(hid_t loc, const char *name, long long *value, PetscBool *found);
PetscErrorCode TpH5WriteAttrString(hid_t loc, const char *name, const char *value);
PetscErrorCode TpH5WriteAttrDouble(hid_t loc, const char *name, double value);
PetscErrorCode TpH5WriteAttrInt(hid_t loc, const char *name, long long value);
PetscErrorCode TpH5WriteAttrInts(hid_t loc, const char *name, int n, const long long *values);
#endif
