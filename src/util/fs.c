/* File-system checks made before anything is written: the directory exists and is writable, and
   there is room for what will be written.  Rank 0 looks, every rank gets the verdict. */
#include <tputil.h>
#include <libgen.h>
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
. what  - what the file is, for the message ("output file", "checkpoint")
- note  - appended to the message (e.g. "; the previous checkpoint 'x' is untouched"), or ""

  Notes:
  Compares with the free space of the file system holding path and with the file-size limit
  (`ulimit -f`); both make writes fail half-way otherwise.

.seealso: `TpCheckOutputPath()`, `TpH5WriteFile()`
@*/
PetscErrorCode TpCheckRoom(MPI_Comm comm, const char *path, double bytes, const char *what, const char *note)
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
    if (msg[0]) PetscCall(PetscStrlcat(msg, note, sizeof(msg)));
  }
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_WRITE, msg, sizeof(msg)));
  PetscFunctionReturn(0);
}

/*@C
  TpPeakMemory - The peak resident memory, summed over the ranks

  Collective

  Input Parameter:
. comm - the communicator

  Output Parameter:
. bytes - the sum over the ranks of each process's peak resident set (getrusage)

.seealso: `TpRunViewSummary()`
@*/
PetscErrorCode TpPeakMemory(MPI_Comm comm, double *bytes)
{
  struct rusage ru;
  double mine;

  PetscFunctionBegin;
  getrusage(RUSAGE_SELF, &ru);
  mine = 1024.0 * (double)ru.ru_maxrss;
  PetscCall(MPIU_Allreduce(&mine, bytes, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscFunctionReturn(0);
}
