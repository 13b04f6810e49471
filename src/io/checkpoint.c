#include <tpcheckpoint.h>
#include <tpoutput.h>
#include <tph5.h>
#include <tputil.h>
#include <tprandom.h>
#include "../network/networkimpl.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The state [x | s | p] in natural order: this rank's slice [x | s | p] of nn + 2 ns values. */
static PetscErrorCode NaturalSizes(TpNetwork net, PetscCount *nn, PetscCount *ns, PetscCount *x0, PetscCount *s0)
{
  PetscFunctionBegin;
  PetscCall(TpNetworkGetNaturalSizes(net, TP_PER_NEURON, nn, x0));
  PetscCall(TpNetworkGetNaturalSizes(net, TP_PER_SYNAPSE, ns, s0));
  PetscFunctionReturn(0);
}

/* Collective: an order-free hash of the natural-order state by natural position, the same on any
   number of ranks and with any partition. */
static PetscErrorCode StateChecksum(TpModel m, const double *nat, uint64_t *sum)
{
  PetscCount nn, ns, x0, s0;
  uint64_t h = 0;

  PetscFunctionBegin;
  PetscCall(NaturalSizes(m->net, &nn, &ns, &x0, &s0));
  for (PetscCount i = 0; i < nn; i++) {
    uint64_t b;
    memcpy(&b, &nat[i], 8);
    h += TpHash(b, 1, (uint64_t)(x0 + i), 0);
  }
  for (PetscCount q = 0; q < ns; q++) {
    uint64_t b, c;
    memcpy(&b, &nat[nn + q], 8);
    memcpy(&c, &nat[nn + ns + q], 8);
    h += TpHash(b, 2, (uint64_t)(s0 + q), 0) + TpHash(c, 3, (uint64_t)(s0 + q), 0);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &h, 1, MPI_UINT64_T, MPI_SUM, m->comm));
  *sum = h;
  PetscFunctionReturn(0);
}

/* A hash of time, step, time step and the recorded samples (identical on every rank). */
static uint64_t MetaChecksum(double t, double dt, long long step, PetscInt n, PetscInt K, const PetscReal *tm,
                             const PetscReal *en, const PetscReal *hm, const PetscReal *sh, const PetscReal *ov,
                             const PetscInt *sp)
{
  const PetscReal *arr[5] = {tm, en, hm, sh, ov};
  const PetscInt len[5]   = {n, n, n, n, n * K};
  uint64_t h, b;

  memcpy(&b, &t, 8);
  h = TpHash(b, 11, 0, 0);
  memcpy(&b, &dt, 8);
  h += TpHash(b, 12, 0, 0) + TpHash((uint64_t)step, 13, (uint64_t)n, 0);
  for (int a = 0; a < 5; a++)
    for (PetscInt q = 0; q < len[a]; q++) {
      memcpy(&b, &arr[a][q], 8);
      h += TpHash(b, 20 + (uint64_t)a, (uint64_t)q, 0);
    }
  for (PetscInt q = 0; q < n; q++) h += TpHash((uint64_t)sp[q], 30, (uint64_t)q, 0);
  return h;
}

static PetscErrorCode WriteCheckpoint(hid_t f, TpStepper st, Vec u, const char *reason)
{
  TpModel m        = st->model;
  TpNetwork net    = m->net;
  const PetscInt K = m->pat->K;
  char desc[2048], stepper[128], *opts;
  uint64_t nh, ph, ck;
  PetscReal t, dt;
  PetscInt step;
  const double *a;
  hsize_t dims[2];
  hid_t g;

  PetscFunctionBegin;
  PetscCall(TpModelDescribe(m, desc, sizeof(desc)));
  PetscCall(TpNetworkFingerprint(net, &nh));
  PetscCall(TpPatternsFingerprint(m->pat, &ph));
  {
    PetscCount nn, ns;
    double *nat;
    PetscCall(NaturalSizes(net, &nn, &ns, NULL, NULL));
    PetscCall(PetscMalloc1(nn + 2 * ns + 1, &nat));
    PetscCall(VecGetArrayRead(u, &a));
    PetscCall(TpNetworkToNatural(net, TP_PER_NEURON, MPI_DOUBLE, a, nat));
    PetscCall(TpNetworkToNatural(net, TP_PER_SYNAPSE, MPI_DOUBLE, a + net->nloc, nat + nn));
    PetscCall(TpNetworkToNatural(net, TP_PER_SYNAPSE, MPI_DOUBLE, a + net->nloc + net->nsyn_loc, nat + nn + ns));
    PetscCall(VecRestoreArrayRead(u, &a));
    PetscCall(StateChecksum(m, nat, &ck));
    PetscCall(PetscFree(nat));
  }
  PetscCall(TpTSGetName(st->ts, stepper, sizeof(stepper)));
  PetscCall(TSGetTime(st->ts, &t));
  PetscCall(TSGetTimeStep(st->ts, &dt));
  PetscCall(TSGetStepNumber(st->ts, &step));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(TpH5WriteAttrString(f, "format", TP_CHECKPOINT_FORMAT));
  PetscCall(TpH5WriteAttrInt(f, "format_version", TP_CHECKPOINT_FORMAT_VERSION));
  PetscCall(TpH5WriteAttrString(f, "version", TRIPART_VERSION));
  PetscCall(TpH5WriteAttrString(f, "model", m->type));
  PetscCall(TpH5WriteAttrString(f, "description", desc));
  PetscCall(TpH5WriteAttrInt(f, "network_hash", (long long)nh));
  PetscCall(TpH5WriteAttrInt(f, "patterns_hash", (long long)ph));
  PetscCall(TpH5WriteAttrInt(f, "state_checksum", (long long)ck));
  PetscCall(TpH5WriteAttrInt(f, "neurons", net->N));
  PetscCall(TpH5WriteAttrInt(f, "synapses", (long long)net->nsyn));
  PetscCall(TpH5WriteAttrInt(f, "patterns", K));
  PetscCall(TpH5WriteAttrInt(f, "seed", net->seed));
  PetscCall(TpH5WriteAttrDouble(f, "time", t));
  PetscCall(TpH5WriteAttrDouble(f, "dt", dt));
  PetscCall(TpH5WriteAttrInt(f, "step", step));
  PetscCall(TpH5WriteAttrString(f, "stepper", stepper));
  PetscCall(TpH5WriteAttrString(f, "reason", reason));
  PetscCall(TpH5WriteAttrInt(f, "meta_checksum",
                             (long long)MetaChecksum(t, dt, step, st->nsamples, K, st->time, st->energy, st->hamming,
                                                     st->soft_hamming, st->overlap, st->step)));
  PetscCall(TpH5WriteAttrString(f, "options", opts));
  PetscCall(PetscFree(opts));
  PetscCall(TpModelWriteState(m, u, f, PETSC_TRUE));
  PetscCallH5(g = H5Gcreate2(f, "samples", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  dims[0] = (hsize_t)st->nsamples;
  dims[1] = (hsize_t)K;
  PetscCall(TpH5WriteRoot(m->comm, g, "time", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->time));
  PetscCall(TpH5WriteRoot(m->comm, g, "step", H5T_NATIVE_INT, H5T_STD_I32LE, 1, dims, st->step));
  PetscCall(TpH5WriteRoot(m->comm, g, "energy", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->energy));
  PetscCall(TpH5WriteRoot(m->comm, g, "hamming_error", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->hamming));
  PetscCall(
      TpH5WriteRoot(m->comm, g, "soft_hamming_error", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, st->soft_hamming));
  PetscCall(TpH5WriteRoot(m->comm, g, "overlap", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, dims, st->overlap));
  PetscCallH5(H5Gclose(g));
  PetscFunctionReturn(0);
}

PetscErrorCode TpCheckpointWrite(const char *path, TpStepper st, Vec u, const char *reason)
{
  MPI_Comm comm = st->comm;
  char tmp[PETSC_MAX_PATH_LEN + 8], prev[PETSC_MAX_PATH_LEN + 8], msg[2 * PETSC_MAX_PATH_LEN + 64] = "";
  PetscMPIInt rank;
  hid_t fapl, f;
  PetscErrorCode ierr;
  int bad;

  PetscFunctionBegin;
  PetscCheck(st->model->checkpoints, comm, PETSC_ERR_SUP,
             "Cannot write a checkpoint: model '%s' has none (only naam does; rerun its short runs instead)",
             st->model->type);
  PetscCall(PetscLogEventBegin(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.part", path));
  PetscCall(PetscSNPrintf(prev, sizeof(prev), "%s.prev", path));
  PetscCall(PetscSNPrintf(msg, sizeof(msg), "; the previous checkpoint '%s' is untouched", path));
  PetscCall(TpOutputCheckRoom(comm, tmp, TpOutputEstimateBytes(st, PETSC_TRUE), "checkpoint", msg));
  msg[0] = 0;
  PetscCallH5(fapl = H5Pcreate(H5P_FILE_ACCESS));
  PetscCallH5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  PetscCallH5(H5Pclose(fapl));
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_OPEN,
             "Cannot create checkpoint '%s' (option -checkpoint); the previous checkpoint '%s' is untouched", tmp,
             path);
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); /* one clear message below, not the HDF5 details */
  ierr = WriteCheckpoint(f, st, u, reason);
  PetscCall(PetscPopErrorHandler());
  if (H5Fclose(f) < 0) {
    TpH5Broken = PETSC_TRUE;
    if (!ierr) ierr = PETSC_ERR_FILE_WRITE;
  }
  bad = ierr != 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  if (!rank) {
    int fd = bad ? -1 : open(tmp, O_RDONLY);
    if (!bad && (fd < 0 || fsync(fd)))
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "Cannot flush checkpoint '%s' to disk: %s", tmp, strerror(errno)));
    if (fd >= 0) close(fd);
    if (bad || msg[0])
      unlink(tmp);
    else {
      /* keep the previous checkpoint as PATH.prev (a hard link), then replace PATH atomically */
      unlink(prev);
      if (access(path, F_OK) == 0 && link(path, prev))
        PetscCall(
            PetscSNPrintf(msg, sizeof(msg), "Cannot keep the previous checkpoint as '%s': %s", prev, strerror(errno)));
      else if (rename(tmp, path))
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "Cannot rename '%s' to '%s': %s", tmp, path, strerror(errno)));
    }
  }
  PetscCheck(!bad, comm, PETSC_ERR_FILE_WRITE,
             "Writing checkpoint '%s' failed (disk full or unwritable?); the previous checkpoint '%s' is untouched",
             tmp, path);
  PetscCall(TpRootCheck(comm, PETSC_ERR_FILE_WRITE, msg, sizeof(msg)));
  PetscCall(PetscLogEventEnd(TP_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Collective: *ok becomes true only if it is true on every rank. */
static PetscErrorCode AllTrue(MPI_Comm comm, PetscBool *ok)
{
  int good = *ok ? 1 : 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &good, 1, MPI_INT, MPI_MIN, comm));
  *ok = good ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Read a whole small dataset of exactly n elements (any shape). */
static PetscBool ReadWhole(hid_t g, const char *name, hid_t memtype, void *buf, long long n)
{
  PetscBool ok = PETSC_FALSE;
  hid_t d, sp;

  if (H5Lexists(g, name, H5P_DEFAULT) <= 0 || (d = H5Dopen2(g, name, H5P_DEFAULT)) < 0) return PETSC_FALSE;
  if ((sp = H5Dget_space(d)) >= 0) {
    if (H5Sget_simple_extent_npoints(sp) == n)
      ok = n == 0 || H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    H5Sclose(sp);
  }
  H5Dclose(d);
  return ok;
}

/* Every check collective: each rank reads the same attributes and reaches the same verdict. */
#define CheckAttr(cond, ...) PetscCheck(cond, comm, PETSC_ERR_FILE_UNEXPECTED, __VA_ARGS__)

static PetscErrorCode LoadCheckpoint(hid_t f, const char *path, TpStepper st, Vec u)
{
  MPI_Comm comm    = st->comm;
  TpModel m        = st->model;
  TpNetwork net    = m->net;
  const PetscInt K = m->pat->K;
  char s[4096], mine[4096];
  long long v, step, ns = 0;
  double t, dt;
  uint64_t h, ck;
  PetscBool found, ok;
  double *buf;
  hid_t g;

  PetscFunctionBegin;
  PetscCall(TpH5ReadAttrString(f, "format", s, sizeof(s), &found));
  CheckAttr(found && !strcmp(s, TP_CHECKPOINT_FORMAT),
            "'%s' (option -restart) is not a tripart checkpoint (no format signature '%s')", path,
            TP_CHECKPOINT_FORMAT);
  PetscCall(TpH5ReadAttrInt(f, "format_version", &v, &found));
  PetscCall(TpH5ReadAttrString(f, "version", s, sizeof(s), &ok));
  CheckAttr(found && v == TP_CHECKPOINT_FORMAT_VERSION,
            "Checkpoint '%s' has format version %lld (written by tripart %s); this tripart %s reads version %d", path,
            found ? v : -1, ok ? s : "?", TRIPART_VERSION, TP_CHECKPOINT_FORMAT_VERSION);
  PetscCall(TpH5ReadAttrString(f, "model", s, sizeof(s), &found));
  CheckAttr(found && !strcmp(s, m->type), "Checkpoint '%s' is of model '%s', this run is of model '%s'", path,
            found ? s : "?", m->type);
  PetscCall(TpH5ReadAttrInt(f, "neurons", &v, &found));
  CheckAttr(found && v == net->N, "Checkpoint '%s' is for %lld neurons, this network has %" PetscInt_FMT, path,
            found ? v : -1, net->N);
  PetscCall(TpH5ReadAttrInt(f, "synapses", &v, &found));
  CheckAttr(found && v == (long long)net->nsyn,
            "Checkpoint '%s' is for %lld synapses, this network has %" PetscCount_FMT, path, found ? v : -1, net->nsyn);
  PetscCall(TpH5ReadAttrInt(f, "patterns", &v, &found));
  CheckAttr(found && v == K, "Checkpoint '%s' stores %lld patterns, this run %" PetscInt_FMT, path, found ? v : -1, K);
  PetscCall(TpH5ReadAttrInt(f, "network_hash", &v, &found));
  PetscCall(TpNetworkFingerprint(net, &h));
  CheckAttr(
      found && (uint64_t)v == h,
      "Checkpoint '%s' is for another network (its synapses differ from this run's -connectivity, -degree, -seed)",
      path);
  PetscCall(TpH5ReadAttrInt(f, "patterns_hash", &v, &found));
  PetscCall(TpPatternsFingerprint(m->pat, &h));
  CheckAttr(found && (uint64_t)v == h,
            "Checkpoint '%s' holds other patterns or another cue than this run (-seed, -patterns_file, -cue_*)", path);
  PetscCall(TpH5ReadAttrString(f, "description", s, sizeof(s), &found));
  PetscCall(TpModelDescribe(m, mine, sizeof(mine)));
  CheckAttr(found && !strcmp(s, mine),
            "Checkpoint '%s' was made with other model parameters:\n  checkpoint: %s\n  this run:   %s", path,
            found ? s : "?", mine);
  PetscCall(TpH5ReadAttrString(f, "stepper", s, sizeof(s), &found));
  PetscCall(TpTSGetName(st->ts, mine, sizeof(mine)));
  CheckAttr(found && !strcmp(s, mine), "Checkpoint '%s' was made with stepper '%s', this run uses '%s' (-ts_type)",
            path, found ? s : "?", mine);
  PetscCall(TpH5ReadAttrDouble(f, "time", &t, &found));
  CheckAttr(found && (PetscIsNormalReal(t) || t == 0), "Checkpoint '%s' has no valid time", path);
  PetscCall(TpH5ReadAttrDouble(f, "dt", &dt, &found));
  CheckAttr(found && dt > 0 && PetscIsNormalReal(dt), "Checkpoint '%s' has no valid time step", path);
  PetscCall(TpH5ReadAttrInt(f, "step", &step, &found));
  CheckAttr(found && step >= 0 && step <= PETSC_MAX_INT, "Checkpoint '%s' has no valid step number", path);
  PetscCall(TpH5ReadAttrInt(f, "state_checksum", &v, &found));
  CheckAttr(found, "Checkpoint '%s' has no state checksum", path);

  /* the state, into a buffer first: never half-loaded */
  {
    PetscCount nn, ns;
    double *nat;
    PetscCall(NaturalSizes(net, &nn, &ns, NULL, NULL));
    PetscCall(PetscMalloc1(nn + 2 * ns + 1, &nat));
    PetscCall(TpH5ReadDistributed(comm, f, "state/x", H5T_NATIVE_DOUBLE, nn, 0, net->N, nat, &ok));
    if (ok)
      PetscCall(TpH5ReadDistributed(comm, f, "state/s", H5T_NATIVE_DOUBLE, ns, 0, (long long)net->nsyn, nat + nn, &ok));
    if (ok)
      PetscCall(
          TpH5ReadDistributed(comm, f, "state/p", H5T_NATIVE_DOUBLE, ns, 0, (long long)net->nsyn, nat + nn + ns, &ok));
    if (!ok) PetscCall(PetscFree(nat));
    CheckAttr(ok,
              "Checkpoint '%s': datasets /state/x, /state/s, /state/p are missing, unreadable or of the wrong size "
              "(truncated or corrupted file?)",
              path);
    PetscCall(StateChecksum(m, nat, &ck));
    if (ck != (uint64_t)v) PetscCall(PetscFree(nat));
    CheckAttr(ck == (uint64_t)v, "Checkpoint '%s' is corrupted: its state does not match its checksum", path);
    PetscCall(PetscMalloc1(m->nlocal, &buf));
    PetscCall(TpNetworkFromNatural(net, TP_PER_NEURON, MPI_DOUBLE, nat, buf));
    PetscCall(TpNetworkFromNatural(net, TP_PER_SYNAPSE, MPI_DOUBLE, nat + nn, buf + net->nloc));
    PetscCall(TpNetworkFromNatural(net, TP_PER_SYNAPSE, MPI_DOUBLE, nat + nn + ns, buf + net->nloc + net->nsyn_loc));
    PetscCall(PetscFree(nat));
  }

  /* the time series so far */
  g  = H5Gopen2(f, "samples", H5P_DEFAULT);
  ok = PETSC_FALSE;
  if (g >= 0) {
    hid_t d = H5Dopen2(g, "time", H5P_DEFAULT);
    if (d >= 0) {
      hid_t sp  = H5Dget_space(d);
      hsize_t n = 0;
      if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1) {
        H5Sget_simple_extent_dims(sp, &n, NULL);
        ns = (long long)n;
        ok = ns < (1LL << 31) ? PETSC_TRUE : PETSC_FALSE;
      }
      if (sp >= 0) H5Sclose(sp);
      H5Dclose(d);
    }
  }
  PetscCall(AllTrue(comm, &ok));
  if (!ok) {
    PetscCall(PetscFree(buf));
    if (g >= 0) H5Gclose(g);
  }
  CheckAttr(ok, "Checkpoint '%s' has no readable /samples time series", path);
  {
    /* read the series on every rank (small) into fresh arrays, then swap them in */
    PetscReal *tm, *en, *hm, *sh, *ov;
    PetscInt *sp;
    PetscBool r1, r2, r3, r4, r5, r6;
    PetscCall(PetscMalloc6(ns, &tm, ns, &en, ns, &hm, ns, &sh, ns * K, &ov, ns, &sp));
    r1 = ReadWhole(g, "time", H5T_NATIVE_DOUBLE, tm, ns);
    r2 = ReadWhole(g, "energy", H5T_NATIVE_DOUBLE, en, ns);
    r3 = ReadWhole(g, "hamming_error", H5T_NATIVE_DOUBLE, hm, ns);
    r4 = ReadWhole(g, "soft_hamming_error", H5T_NATIVE_DOUBLE, sh, ns);
    r5 = ReadWhole(g, "overlap", H5T_NATIVE_DOUBLE, ov, ns * K);
    r6 = ReadWhole(g, "step", H5T_NATIVE_INT, sp, ns);
    H5Gclose(g);
    {
      long long mc;
      PetscBool has;
      PetscCall(TpH5ReadAttrInt(f, "meta_checksum", &mc, &has));
      ok = r1 && r2 && r3 && r4 && r5 && r6 && (ns == 0 || (sp[ns - 1] <= step && tm[ns - 1] <= t));
      ok = ok && has && (uint64_t)mc == MetaChecksum(t, dt, step, (PetscInt)ns, K, tm, en, hm, sh, ov, sp);
    }
    PetscCall(AllTrue(comm, &ok));
    if (!ok) {
      PetscCall(PetscFree6(tm, en, hm, sh, ov, sp));
      PetscCall(PetscFree(buf));
    }
    CheckAttr(ok,
              "Checkpoint '%s': its /samples time series is unreadable or inconsistent with its time %.6g and step "
              "%lld, or corrupted",
              path, t, step);
    /* commit */
    st->nsamples = 0;
    PetscCall(TpStepperReserve(st, (PetscInt)ns));
    for (PetscInt q = 0; q < ns; q++) {
      st->time[q]         = tm[q];
      st->energy[q]       = en[q];
      st->hamming[q]      = hm[q];
      st->soft_hamming[q] = sh[q];
      st->perplexity[q]   = NAN;
      st->step[q]         = sp[q];
      PetscCall(PetscArraycpy(st->overlap + q * K, ov + q * K, K));
      st->nsamples++;
    }
    st->last_step = ns ? sp[ns - 1] : -1;
    PetscCall(PetscFree6(tm, en, hm, sh, ov, sp));
  }
  {
    double *a;
    PetscCall(VecGetArray(u, &a));
    PetscCall(PetscArraycpy(a, buf, m->nlocal));
    PetscCall(VecRestoreArray(u, &a));
  }
  PetscCall(PetscFree(buf));
  PetscCall(TSSetTime(st->ts, t));
  PetscCall(TSSetStepNumber(st->ts, (PetscInt)step));
  PetscCall(TSSetTimeStep(st->ts, dt));
  st->restart_step = (PetscInt)step;
  PetscFunctionReturn(0);
}

PetscErrorCode TpCheckpointLoad(const char *path, TpStepper st, Vec u)
{
  MPI_Comm comm = st->comm;
  PetscMPIInt rank;
  int status = 0;
  hid_t fapl, f;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCheck(st->model->checkpoints, st->comm, PETSC_ERR_SUP,
             "Option -restart: model '%s' has no checkpoints (only naam does)", st->model->type);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) status = access(path, R_OK) ? 1 : (H5Fis_hdf5(path) > 0 ? 0 : 2);
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, comm));
  PetscCheck(status != 1, comm, PETSC_ERR_FILE_OPEN,
             "Cannot read checkpoint '%s' (option -restart): no such readable file", path);
  PetscCheck(status != 2, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Checkpoint '%s' (option -restart) is not a valid HDF5 file (truncated or corrupted?)", path);
  PetscCallH5(fapl = H5Pcreate(H5P_FILE_ACCESS));
  PetscCallH5(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  PetscCallH5(H5Pclose(fapl));
  PetscCheck(f >= 0, comm, PETSC_ERR_FILE_UNEXPECTED,
             "Cannot open checkpoint '%s' (option -restart) as HDF5 (truncated or corrupted?)", path);
  ierr = LoadCheckpoint(f, path, st, u);
  H5Fclose(f);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
