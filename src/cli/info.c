/* tripart info: a dry run of the network alone.  It builds the distributed network the options
   describe, with its communication plans, and reports what each rank holds, what it receives per
   exchange, its set-up CPU time and its peak memory; nothing is allocated for a model's state and
   nothing is written. */
#include <tpcli.h>
#include <tpnetwork.h>
#include <tputil.h>
#include <time.h>

/* What one rank reports (doubles, gathered to rank 0). */
enum { INFO_NEURONS, INFO_SYNAPSES, INFO_GHOSTS, INFO_HALO, INFO_CPU, INFO_PEAK, INFO_N };

static double CpuSeconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Presynaptic neurons this rank reads from other ranks, and processes it reads across its border. */
static PetscErrorCode Receives(TpNetwork net, double *ghosts, double *halo)
{
  TpNetworkRows rows;
  TpNetworkMorphology m;
  PetscMPIInt rank, size;
  MPI_Comm comm;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetComm(net, &comm));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(TpNetworkGetRows(net, &rows));
  PetscCall(TpNetworkGetMorphology(net, &m));
  if (!rows.col) /* dense: every neuron is read */
    *ghosts = (double)(rows.N - rows.nloc);
  else {
    PetscSF sf;
    PetscInt nleaves;
    const PetscSFNode *remote;
    PetscCall(TpNetworkGetGhostSF(net, &sf));
    PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, NULL, &remote));
    *ghosts = 0;
    for (PetscInt c = 0; c < nleaves; c++) *ghosts += remote[c].rank != rank;
  }
  if (m.stencil) /* the sheet's 5-point stencil reads the row of processes above and below the block */
    *halo = rows.nloc > 0 ? (double)rows.N * ((rank > 0) + (rank < size - 1)) : 0;
  else
    *halo = (double)m.nhalo;
  PetscFunctionReturn(0);
}

/*@C
  TpCliInfo - The `tripart info` subcommand: builds the distributed network alone and reports, per rank,
  neurons, synapses, ghost neurons and halo processes received per exchange, set-up CPU time and peak memory

  Collective on PETSC_COMM_WORLD

  Output Parameter:
. status - the exit status

  Options Database Keys:
+ -seed <1>   - the seed of the network's streams
- the network's options (`TpNetSpecCreateFromOptions()`), -partition among them

  Notes:
  A dry run for scaling studies: the totals (64-bit), the fingerprint the run would print, and the
  bytes each rank would receive per exchange of doubles, with no model state allocated.

.seealso: `TpNetworkSetUp()`, `TpPartitionMain()`
@*/
PetscErrorCode TpCliInfo(int *status)
{
  MPI_Comm comm = PETSC_COMM_WORLD;
  PetscMPIInt size, rank;
  TpNetwork net;
  TpNetworkRows rows;
  PetscBool help;
  double mine[INFO_N], *all = NULL, t0, wall, cpu0;
  const char *kind;
  uint64_t hash;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(TpNetworkCreate(comm, &net));
  PetscCall(TpNetworkSetFromOptions(net));
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (help) {
    PetscCall(TpNetworkDestroy(&net));
    *status = 0;
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Barrier(comm));
  t0   = MPI_Wtime();
  cpu0 = CpuSeconds();
  PetscCall(TpNetworkSetUp(net));
  mine[INFO_CPU] = CpuSeconds() - cpu0;
  PetscCallMPI(MPI_Barrier(comm));
  wall = MPI_Wtime() - t0;
  PetscCall(TpOptionsCheckUnused(comm, "info", TpCliInfo));
  PetscCall(TpNetworkGetRows(net, &rows));
  mine[INFO_NEURONS]  = (double)rows.nloc;
  mine[INFO_SYNAPSES] = (double)rows.nsyn_loc;
  PetscCall(Receives(net, &mine[INFO_GHOSTS], &mine[INFO_HALO]));
  mine[INFO_PEAK] = TpPeakMemorySelf();
  if (!rank) PetscCall(PetscMalloc1((size_t)INFO_N * size, &all));
  PetscCallMPI(MPI_Gather(mine, INFO_N, MPI_DOUBLE, all, INFO_N, MPI_DOUBLE, 0, comm));
  PetscCall(TpNetworkGetConnectivity(net, &kind));
  PetscCall(TpNetworkFingerprint(net, &hash));
  {
    TpNetworkMorphology m;
    PetscCall(TpNetworkGetMorphology(net, &m));
    PetscCall(PetscPrintf(comm,
                          "tripart info: %s network of %" PetscInt_FMT " neurons, %" PetscCount_FMT
                          " synapses, %" PetscInt_FMT " astrocytes on %d ranks\n  fingerprint %016llx\n",
                          kind, rows.N, rows.nsyn, m.nastro, (int)size, (unsigned long long)hash));
  }
  if (!rank) {
    double tot[INFO_N] = {0}, max[INFO_N] = {0};
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %6s %10s %14s %12s %12s %14s %12s %10s\n", "rank", "neurons", "synapses",
                          "ghost_neur", "halo_proc", "bytes/exchange", "setup_cpu_s", "peak_MiB"));
    for (PetscMPIInt r = 0; r < size; r++) {
      const double *a = all + (size_t)INFO_N * r;
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %6d %10.0f %14.0f %12.0f %12.0f %14.0f %12.4f %10.1f\n", (int)r,
                            a[INFO_NEURONS], a[INFO_SYNAPSES], a[INFO_GHOSTS], a[INFO_HALO],
                            8 * (a[INFO_GHOSTS] + a[INFO_HALO]), a[INFO_CPU], a[INFO_PEAK] / 1048576.0));
      for (int k = 0; k < INFO_N; k++) {
        tot[k] += a[k];
        max[k] = PetscMax(max[k], a[k]);
      }
    }
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "  %6s %10.0f %14.0f %12.0f %12.0f %14.0f %12.4f %10.1f\n", "total",
                          tot[INFO_NEURONS], tot[INFO_SYNAPSES], tot[INFO_GHOSTS], tot[INFO_HALO],
                          8 * (tot[INFO_GHOSTS] + tot[INFO_HALO]), tot[INFO_CPU], tot[INFO_PEAK] / 1048576.0));
    PetscCall(PetscPrintf(PETSC_COMM_SELF,
                          "  set-up: %.3f s wall, %.3f s CPU on the slowest rank; peak memory %.1f MiB on the "
                          "largest rank, %.1f bytes per synapse over all ranks\n",
                          wall, max[INFO_CPU], max[INFO_PEAK] / 1048576.0,
                          tot[INFO_SYNAPSES] > 0 ? tot[INFO_PEAK] / tot[INFO_SYNAPSES] : 0.0));
    PetscCall(PetscFree(all));
  }
  PetscCall(TpNetworkDestroy(&net));
  *status = 0;
  PetscFunctionReturn(0);
}
