/* File-system checks made before anything is written: the directory exists and is writable, and
   there is room for what will be written.  Rank 0 looks, every rank gets the verdict. */
#include <tputil.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/resource.h>

/*@C
  TpCheckOutputPath - Refuses an output path that cannot be written

  Collective

  Input Parameters:
+ comm   - the communicator
. path   - the file that will be written (as PATH.part, then renamed)
- option - the option that named it, for the message (e.g. "-o")

  Notes:
  Refused: an empty path, a directory that does not exist or is not writable, a path that is a
  directory.  Called before any work, so that a run never computes for hours and then fails.

.seealso: `TpCheckRoom()`, `TpH5WriteFile()`
@*/
PetscErrorCode TpCheckOutputPath(MPI_Comm comm, const char *path, const char *option)
{
  char msg[2 * PETSC_MAX_PATH_LEN] = "";
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    char dir[PETSC_MAX_PATH_LEN];
    struct stat sb;
    PetscCall(PetscStrncpy(dir, path, sizeof(dir)));
    const char *d = dirname(dir);
    if (!path[0])
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option %s (output file) is empty", option));
    else if (stat(d, &sb) || !S_ISDIR(sb.st_mode))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Output directory '%s' of %s '%s' does not exist", d, option, path));
    else if (access(d, W_OK))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Output directory '%s' of %s '%s' is not writable", d, option, path));
    else if (!stat(path, &sb) && S_ISDIR(sb.st_mode))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Output path %s '%s' is a directory", option, path));
  }
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_OPEN, msg, sizeof(msg)));
  PetscFunctionReturn(0);
}

/*@C
  TpCheckRoom - Refuses to start a write that cannot fit

  Collective

  Input Parameters:
+ comm  - the communicator
. path  - the file to be written
. bytes - about how many bytes it takes
- what  - what the file is, for the message ("output file", "checkpoint")

  Notes:
  Compares with the free space of the file system holding path and with the file-size limit
  (`ulimit -f`); both make writes fail half-way otherwise.  When the file exists the message says that it is
  untouched.

.seealso: `TpCheckOutputPath()`, `TpH5WriteFile()`
@*/
PetscErrorCode TpCheckRoom(MPI_Comm comm, const char *path, double bytes, const char *what)
{
  char msg[2 * PETSC_MAX_PATH_LEN + 256] = "";
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    char dir[PETSC_MAX_PATH_LEN];
    struct statvfs fs;
    struct rlimit rl;
    PetscCall(PetscStrncpy(dir, path, sizeof(dir)));
    const char *d = dirname(dir);
    if (!statvfs(d, &fs) && (double)fs.f_bavail * (double)fs.f_frsize < bytes)
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "Not enough room for %s '%s': it needs about %.1f MiB and %s has %.1f MiB free", what,
                              path, bytes / 1048576.0, d, (double)fs.f_bavail * (double)fs.f_frsize / 1048576.0));
    else if (!getrlimit(RLIMIT_FSIZE, &rl) && rl.rlim_cur != RLIM_INFINITY && (double)rl.rlim_cur < bytes)
      PetscCall(PetscSNPrintf(msg, sizeof(msg),
                              "The file-size limit (ulimit -f) of %.1f MiB is below the %.1f MiB that %s '%s' needs",
                              (double)rl.rlim_cur / 1048576.0, bytes / 1048576.0, what, path));
    if (msg[0] && !access(path, F_OK)) {
      size_t l;
      PetscCall(PetscStrlen(msg, &l));
      PetscCall(PetscSNPrintf(msg + l, sizeof(msg) - l, "; the previous %s '%s' is untouched", what, path));
    }
  }
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_WRITE, msg, sizeof(msg)));
  PetscFunctionReturn(0);
}

/*@C
  TpPeakMemorySelf - The peak resident memory of this process

  Not Collective

  Output Parameter:
. bytes - its peak resident set (VmHWM on Linux, else getrusage)

.seealso: `TpPeakMemory()`
@*/
double TpPeakMemorySelf(void)
{
  struct rusage ru;
  double mine = -1;
  FILE *f;

  /* Linux's VmHWM belongs to this program's memory; getrusage's ru_maxrss survives exec, so a
     program started by a large one (Python, say) would report its parent's peak */
  if ((f = fopen("/proc/self/status", "r"))) {
    char line[256];
    long long kb;
    while (fgets(line, sizeof(line), f))
      if (sscanf(line, "VmHWM: %lld kB", &kb) == 1) mine = 1024.0 * (double)kb;
    fclose(f);
  }
  if (mine < 0) {
    getrusage(RUSAGE_SELF, &ru);
    mine = 1024.0 * (double)ru.ru_maxrss;
  }
  return mine;
}

/*@C
  TpPeakMemory - The peak resident memory, summed over the ranks

  Collective

  Input Parameter:
. comm - the communicator

  Output Parameter:
. bytes - the sum over the ranks of each process's peak resident set (`TpPeakMemorySelf()`)

.seealso: `TpRunViewSummary()`
@*/
PetscErrorCode TpPeakMemory(MPI_Comm comm, double *bytes)
{
  double mine = TpPeakMemorySelf();

  PetscFunctionBegin;
  PetscCall(MPIU_Allreduce(&mine, bytes, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

/*@C
  TpNodeMemory - This node's physical memory and how many ranks of a communicator share it

  Collective

  Input Parameter:
. comm - the communicator

  Output Parameters:
+ node  - the node's physical memory in bytes (<= 0 if unknown), or NULL
- ranks - the ranks of comm on this node, or NULL

  Notes:
  For refusing, before allocating, what the ranks of one node cannot hold together.

.seealso: `TpPeakMemory()`
@*/
PetscErrorCode TpNodeMemory(MPI_Comm comm, double *node, PetscMPIInt *ranks)
{
  MPI_Comm shm;
  PetscMPIInt n;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shm));
  PetscCallMPI(MPI_Comm_size(shm, &n));
  PetscCallMPI(MPI_Comm_free(&shm));
  if (ranks) *ranks = n;
  if (node) *node = (double)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
  PetscFunctionReturn(0);
}

/* The options that name files tripart reads; an output may be none of them. */
const char *const TpInputOptions[] = {"-patterns_file", "-network_file", "-partition", "-restart", NULL};

/* A name for a file that may not exist yet: the real path of its directory and its base name. */
static void Canonical(const char *path, char *out, size_t len)
{
  char dir[PETSC_MAX_PATH_LEN], base[PETSC_MAX_PATH_LEN], real[PATH_MAX];
  snprintf(dir, sizeof(dir), "%s", path);
  snprintf(base, sizeof(base), "%s", path);
  if (realpath(dirname(dir), real))
    snprintf(out, len, "%s/%s", real, basename(base));
  else
    snprintf(out, len, "%s", path);
}

/*@C
  TpCheckPaths - Refuses, before anything is computed, every output that cannot be written or would destroy an input

  Collective

  Input Parameters:
+ comm    - the communicator
. nout    - the outputs
- outputs - (option, path, keep_prev, may_be) of each file the command may write

  Notes:
  Each output (and its PATH.part, and PATH.prev for files kept that way) must be in an existing,
  writable directory, must not be a directory, must be a regular file if it exists (never a device,
  a pipe or a socket, which a rename would replace), must not be the same file as any input (by
  device and inode, so hard links and symbolic links are caught), and no two outputs may name the
  same file.  The inputs are the files the options in TpInputOptions name (patterns, network,
  partition, checkpoint to restart from); a checkpoint may be the one it continues (-restart): that
  one is read whole before anything is written, and kept as PATH.prev.  Each refusal names both
  options and both paths.

.seealso: `TpCheckOutputPath()`, `TpCheckRoom()`
@*/
PetscErrorCode TpCheckPaths(MPI_Comm comm, PetscInt nout, const TpOutputPath *outputs)
{
  char msg[4 * PETSC_MAX_PATH_LEN] = "";
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (PetscInt o = 0; o < nout; o++) PetscCall(TpCheckOutputPath(comm, outputs[o].path, outputs[o].option));
  if (!rank) {
    struct stat in[8], sb;
    char inpath[8][PETSC_MAX_PATH_LEN];
    const char *inopt[8];
    PetscInt nin = 0;
    for (PetscInt k = 0; TpInputOptions[k] && nin < 8; k++) {
      PetscBool set;
      PetscCall(PetscOptionsGetString(NULL, NULL, TpInputOptions[k], inpath[nin], sizeof(inpath[nin]), &set));
      if (set && inpath[nin][0] && !stat(inpath[nin], &in[nin])) inopt[nin++] = TpInputOptions[k];
    }
    for (PetscInt o = 0; o < nout && !msg[0]; o++) {
      char variant[3][PETSC_MAX_PATH_LEN + 8];
      const int nv = outputs[o].keep_prev ? 3 : 2;
      snprintf(variant[0], sizeof(variant[0]), "%s", outputs[o].path);
      snprintf(variant[1], sizeof(variant[1]), "%s.part", outputs[o].path);
      snprintf(variant[2], sizeof(variant[2]), "%s.prev", outputs[o].path);
      for (int v = 0; v < nv && !msg[0]; v++) {
        if (stat(variant[v], &sb)) continue; /* not there yet: nothing to destroy */
        if (!S_ISREG(sb.st_mode))
          PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                  "Option %s: '%s' is not a regular file (a device, a pipe or a socket, which "
                                  "writing it would replace); choose a file",
                                  outputs[o].option, variant[v]));
        for (PetscInt i = 0; i < nin && !msg[0]; i++)
          if (sb.st_dev == in[i].st_dev && sb.st_ino == in[i].st_ino &&
              !(outputs[o].may_be && !strcmp(outputs[o].may_be, inopt[i])))
            PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                    "Option %s '%s' is the same file as option %s '%s': writing it would destroy "
                                    "that input; choose another %s",
                                    outputs[o].option, variant[v], inopt[i], inpath[i], outputs[o].option));
      }
      for (PetscInt p = 0; p < o && !msg[0]; p++) {
        char a[PETSC_MAX_PATH_LEN + 8], b[PETSC_MAX_PATH_LEN + 8];
        Canonical(outputs[o].path, a, sizeof(a));
        Canonical(outputs[p].path, b, sizeof(b));
        if (!strcmp(a, b))
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "Options %s and %s name the same file '%s'; choose two",
                                  outputs[p].option, outputs[o].option, outputs[o].path));
      }
    }
  }
  PetscCall(TpRootCheck(comm, PETSC_ERR_ARG_INCOMP, msg, sizeof(msg)));
  PetscFunctionReturn(0);
}
