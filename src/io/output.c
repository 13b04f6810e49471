#include <tpoutput.h>
#include <tputil.h>
#include <tph5.h>
#include "../network/networkimpl.h"
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/resource.h>

PetscErrorCode TpOutputCheckPath(MPI_Comm comm, const char *path)
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
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Option -o (output file) is empty"));
    else if (stat(d, &sb) || !S_ISDIR(sb.st_mode))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Output directory '%s' of -o '%s' does not exist", d, path));
    else if (access(d, W_OK))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Output directory '%s' of -o '%s' is not writable", d, path));
    else if (!stat(path, &sb) && S_ISDIR(sb.st_mode))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Output path -o '%s' is a directory", path));
  }
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_OPEN, msg, sizeof(msg)));
  PetscFunctionReturn(0);
}

PetscErrorCode TpOutputCheckRoom(MPI_Comm comm, const char *path, double bytes, const char *what, const char *note)
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

double TpOutputEstimateBytes(TpStepper st, PetscBool synapses)
{
  TpModel m     = st->model;
  TpNetwork net = m->net;
  double b      = 8.0 * net->N + (double)m->pat->K * net->N + net->N + 65536.0;
  b += 8.0 * (4 + m->pat->K) * st->nsamples + 4.0 * st->nsamples;
  if (synapses) b += 16.0 * (double)net->nsyn + (net->dense ? 0 : 8.0 * ((double)net->nsyn + net->N));
  return b;
}

typedef struct {
  TpStepper st;
  Vec u;
  PetscBool synapses;
  const TpRunInfo *info;
} OutputCtx;

static PetscErrorCode WriteOutput(MPI_Comm comm, hid_t f, void *ctx)
{
  const OutputCtx *c    = ctx;
  TpStepper st          = c->st;
  Vec u                 = c->u;
  PetscBool synapses    = c->synapses;
  const TpRunInfo *info = c->info;
  TpModel m             = st->model;
  TpNetwork net         = m->net;
  TpPatterns pat        = m->pat;
  const PetscInt K = pat->K, N = net->N, last = st->nsamples - 1;
  PetscMPIInt size;
  char *opts;
  char stepper[128];
  hid_t g;
  hsize_t dims[2];
  signed char *buf;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(TpTSGetName(st->ts, stepper, sizeof(stepper)));
  PetscCall(TpH5WriteAttrString(f, "program", "tripart"));
  PetscCall(TpH5WriteAttrString(f, "version", TRIPART_VERSION));
  PetscCall(TpH5WriteAttrString(f, "model", m->type));
  PetscCall(TpH5WriteAttrInt(f, "ranks", size));
  PetscCall(TpH5WriteAttrString(f, "options", opts));
  PetscCall(TpH5WriteAttrInt(f, "neurons", N));
  PetscCall(TpH5WriteAttrInt(f, "synapses", (long long)net->nsyn));
  PetscCall(TpH5WriteAttrInt(f, "processes", (long long)net->nsyn));
  PetscCall(TpH5WriteAttrInt(f, "patterns", K));
  PetscCall(TpH5WriteAttrInt(f, "seed", net->seed));
  PetscCall(TpH5WriteAttrString(f, "connectivity", net->dense ? "all" : "random"));
  PetscCall(TpH5WriteAttrString(f, "stepper", stepper));
  PetscCall(TpH5WriteAttrInt(f, "steps", info->steps));
  PetscCall(TpH5WriteAttrInt(f, "rhs_evaluations", info->rhs_evals));
  PetscCall(TpH5WriteAttrDouble(f, "final_time", info->final_time));
  PetscCall(TpH5WriteAttrDouble(f, "wall_time", info->wall));
  PetscCall(TpH5WriteAttrDouble(f, "peak_memory_bytes", info->peak_bytes));
  PetscCall(PetscFree(opts));

  dims[0] = (hsize_t)st->nsamples;
  dims[1] = (hsize_t)K;
  PetscCall(TpH5WriteRoot(m->comm, f, "time", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->time));
  PetscCall(TpH5WriteRoot(m->comm, f, "energy", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->energy));
  PetscCall(TpH5WriteRoot(m->comm, f, "step", H5T_NATIVE_INT, H5T_STD_I32LE, 1, dims, st->step));
  PetscCallH5(g = H5Gcreate2(f, "observables", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(TpH5WriteRoot(m->comm, g, "overlap", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, dims, st->overlap));
  PetscCall(TpH5WriteRoot(m->comm, g, "hamming_error", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->hamming));
  PetscCall(
      TpH5WriteRoot(m->comm, g, "soft_hamming_error", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->soft_hamming));
  PetscCall(TpH5WriteRoot(m->comm, g, "perplexity", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->perplexity));
  PetscCall(TpH5WriteAttrInt(g, "target", pat->target));
  PetscCall(TpH5WriteAttrDouble(g, "perplexity", st->perplexity[last]));
  PetscCall(TpH5WriteAttrDouble(g, "hamming_error", st->hamming[last]));
  PetscCall(TpH5WriteAttrDouble(g, "soft_hamming_error", st->soft_hamming[last]));
  PetscCall(TpH5WriteAttrDouble(g, "overlap", st->overlap[last * K + pat->target]));
  PetscCall(TpH5WriteAttrInt(g, "retrieved", TpStepperRetrieved(st)));
  PetscCall(TpH5WriteAttrInt(g, "cue_flipped_bits", pat->flipped));
  PetscCallH5(H5Gclose(g));

  PetscCall(PetscMalloc1((size_t)K * N, &buf));
  for (PetscInt mu = 0; mu < K; mu++)
    for (PetscInt i = 0; i < N; i++) buf[(size_t)mu * N + i] = (signed char)pat->xi[(size_t)i * K + mu];
  dims[0] = (hsize_t)K;
  dims[1] = (hsize_t)N;
  PetscCall(TpH5WriteRoot(m->comm, f, "patterns", H5T_NATIVE_SCHAR, H5T_STD_I8LE, 2, dims, buf));
  for (PetscInt i = 0; i < N; i++) buf[i] = (signed char)pat->cue[i];
  dims[0] = (hsize_t)N;
  PetscCall(TpH5WriteRoot(m->comm, f, "cue", H5T_NATIVE_SCHAR, H5T_STD_I8LE, 1, dims, buf));
  PetscCall(PetscFree(buf));
  PetscCall(TpModelWriteState(m, u, f, synapses));
  PetscFunctionReturn(0);
}

/* Collective: write the run's output file. */
PetscErrorCode TpOutputWrite(const char *path, TpStepper st, Vec u, PetscBool synapses, const TpRunInfo *info)
{
  OutputCtx ctx = {st, u, synapses, info};

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscCall(TpOutputCheckRoom(st->comm, path, TpOutputEstimateBytes(st, synapses), "output file", ""));
  PetscCall(TpH5WriteFile(st->comm, path, "output file", WriteOutput, &ctx));
  PetscCall(PetscLogEventEnd(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
