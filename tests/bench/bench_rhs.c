/* Benchmark of M1 right-hand-side evaluations: N all-to-all (N^2 synapses and processes), K patterns.
   Prints one line: ranks, N, K, seconds per RHS (slowest rank, best of -repeat rounds), synapse
   updates per second per core, and the roofline: the bytes a right-hand side must move (read s and
   p, write ds and dp: 32 per synapse, STREAM's convention, no write-allocate), the bandwidth that
   achieves, a STREAM triad measured in the same run on every rank at once (a[i] = b[i] + q c[i],
   24 bytes per element, 3 x 64 MiB per rank) and their ratio; the tanh rate of the kernels in cache
   (their peak) and the share of the RHS time the activations would take at that peak; a DGEMM's
   rate (1000^3, the same BLAS, every rank at once), and the bound a right-hand side cannot beat:
   the larger of its bytes at the triad's bandwidth and its compute (two tanh per synapse at the
   kernels' peak plus the hebbian products' 4 K flops per synapse at the DGEMM's rate).

     mpirun -n R bench_rhs -N 1000 -K 16 [-evals 20] [-repeat 3] */
#include <tprun.h>
#include <tprandom.h>
#include <tpvmath.h>
#include <petscblaslapack.h>

/* Best STREAM triad of this rank, while every rank runs one: bytes per second (24 per element) */
static double Triad(MPI_Comm comm)
{
  const size_t n = (size_t)8 << 20;
  double *a = malloc(sizeof(double) * n), *b = malloc(sizeof(double) * n), *c = malloc(sizeof(double) * n), best = 0;
  if (!a || !b || !c) return 0;
  for (size_t i = 0; i < n; i++) a[i] = 0, b[i] = 1, c[i] = 2;
  for (int r = 0; r < 6; r++) {
    double t0, t;
    MPI_Barrier(comm);
    t0 = MPI_Wtime();
#pragma omp simd
    for (size_t i = 0; i < n; i++) a[i] = b[i] + 0.5 * c[i];
    t = MPI_Wtime() - t0;
    if (24.0 * n / t > best) best = 24.0 * n / t;
  }
  if (a[n / 2] != 2) best = 0; /* (keeps the loop) */
  free(a);
  free(b);
  free(c);
  return best;
}

/* flops per second of a 1000^3 DGEMM of this rank, while every rank runs one */
static double DgemmPeak(MPI_Comm comm)
{
  const PetscBLASInt n = 1000;
  const double one = 1, zero = 0;
  double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n);
  double best = 0;
  if (!a || !b || !c) return 0;
  for (PetscBLASInt i = 0; i < n * n; i++) a[i] = 1e-3 * (i % 7), b[i] = 1e-3 * (i % 5), c[i] = 0;
  for (int r = 0; r < 3; r++) {
    double t0, t;
    MPI_Barrier(comm);
    t0 = MPI_Wtime();
    BLASgemm_("N", "N", &n, &n, &n, &one, a, &n, b, &n, &zero, c, &n);
    t = MPI_Wtime() - t0;
    if (2.0 * n * n * n / t > best) best = 2.0 * n * n * n / t;
  }
  free(a);
  free(b);
  free(c);
  return best;
}

/* tanh per second of the chosen kernels on 4096 values in cache */
static double TanhPeak(void)
{
  enum { n = 4096 };
  static double in[n], out[n];
  double best = 0;
  for (int i = 0; i < n; i++) in[i] = 0.8 * (TpUniform(4, 1, 0, (uint64_t)i) - 0.5);
  for (int r = 0; r < 5; r++) {
    const double t0 = MPI_Wtime();
    double t;
    for (int e = 0; e < 200; e++) TpVecTanh(n, 5.0, in, out);
    t = MPI_Wtime() - t0;
    if (200.0 * n / t > best) best = 200.0 * n / t;
  }
  return best;
}

int main(int argc, char **argv)
{
  MPI_Comm comm;
  TpRun run;
  TpNetwork network;
  TpNetworkRows rows, *net = &rows;
  TpPatterns pat;
  TpModel model;
  PetscInt K;
  Vec U, F;
  PetscInt evals = 20, repeat = 3;
  PetscMPIInt size;
  double best = 1e300;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-evals", &evals, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeat", &repeat, NULL));
  TpBlasSetThreads(1);
  PetscCall(TpRunCreate(comm, &run));
  PetscCall(TpRunSetDefaultSize(run, 1000));
  PetscCall(TpRunSetFromOptions(run));
  PetscCall(TpRunGetModel(run, &model));
  PetscCall(TpRunGetNetwork(run, &network));
  PetscCall(TpRunGetPatterns(run, &pat));
  PetscCall(TpNetworkGetRows(network, &rows));
  PetscCall(TpPatternsGetSizes(pat, NULL, &K));
  PetscCall(TpModelGetSolution(model, &U));
  PetscCall(VecDuplicate(U, &F));
  {
    /* a state in the dynamic range of the activations, keyed by global indices */
    double *u, *s, *p;
    PetscCall(VecGetArray(U, &u));
    s = u + net->nloc;
    p = s + net->nsyn_loc;
    for (PetscInt i = 0; i < net->nloc; i++) {
      u[i] = TpUniform(3, 1, 0, net->rstart + i) - 0.5;
      for (PetscInt q = net->rowptr[i]; q < net->rowptr[i + 1]; q++) {
        s[q] = 0.4 * (TpUniform(3, 2, net->rstart + i, q - net->rowptr[i]) - 0.5);
        p[q] = 0.4 * (TpUniform(3, 3, net->rstart + i, q - net->rowptr[i]) - 0.5);
      }
    }
    PetscCall(VecRestoreArray(U, &u));
  }
  PetscCall(TpModelComputeRHS(model, 0, U, F));
  for (PetscInt r = 0; r < repeat; r++) {
    double t0, t;
    PetscCallMPI(MPI_Barrier(comm));
    t0 = MPI_Wtime();
    for (PetscInt e = 0; e < evals; e++) PetscCall(TpModelComputeRHS(model, 0, U, F));
    t = (MPI_Wtime() - t0) / evals;
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, comm));
    best = PetscMin(best, t);
  }
  {
    /* the roofline, per rank: the slowest rank's time, the rank's own share of bytes and bandwidth */
    double triad = Triad(comm), peak = TanhPeak(), gemm = DgemmPeak(comm);
    double bytes = 32.0 * (double)net->nsyn / size + 16.0 * net->N / size;
    double tanhs = (2.0 * (double)net->nsyn + net->N) / size, flops = 4.0 * K * (double)net->nsyn / size, bound;
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &triad, 1, MPI_DOUBLE, MPI_MIN, comm));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &peak, 1, MPI_DOUBLE, MPI_MIN, comm));
    PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &gemm, 1, MPI_DOUBLE, MPI_MIN, comm));
    bound = PetscMax(bytes / triad, tanhs / peak + flops / gemm);
    PetscCall(PetscPrintf(
        comm,
        "engine ranks %d N %" PetscInt_FMT " K %" PetscInt_FMT
        " seconds_per_rhs %.6e synapse_updates_per_s_per_core %.6e bytes_per_rhs_per_rank %.6e"
        " achieved_GBps_per_rank %.4g triad_GBps_per_rank %.4g roofline_fraction %.3f"
        " tanh_peak_per_s %.4g tanh_share %.3f dgemm_GFlops %.4g bound_s %.4e of_bound %.3f kernels %s\n",
        size, net->N, K, best, (double)net->nsyn / best / size, bytes, bytes / best / 1e9, triad / 1e9,
        bytes / best / triad, peak, tanhs / peak / best, gemm / 1e9, bound, bound / best, TpVecTanhImplementation()));
  }
  PetscCall(VecDestroy(&F));
  PetscCall(TpRunDestroy(&run));
  PetscCall(PetscFinalize());
  return 0;
}
