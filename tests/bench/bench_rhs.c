/* Benchmark of M1 right-hand-side evaluations: N all-to-all (N^2 synapses and processes), K patterns.
   Prints one line: ranks, N, K, seconds per RHS (slowest rank, best of -repeat rounds), synapse
   updates per second per core.

     mpirun -n R bench_rhs -N 1000 -K 16 [-evals 20] [-repeat 3] */
#include <tprun.h>
#include <tprandom.h>
#include <tpvmath.h>

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
  PetscCall(PetscPrintf(comm,
                        "engine ranks %d N %" PetscInt_FMT " K %" PetscInt_FMT
                        " seconds_per_rhs %.6e synapse_updates_per_s_per_core %.6e\n",
                        size, net->N, K, best, (double)net->nsyn / best / size));
  PetscCall(VecDestroy(&F));
  PetscCall(TpRunDestroy(&run));
  PetscCall(PetscFinalize());
  return 0;
}
