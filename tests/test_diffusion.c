/* The diffusion coupling, on whatever number of ranks the test runs with:
   - it conserves calcium: sum over all processes of (T psi) is 0 to round-off, for random psi, across
     rank borders, territory borders and gap junctions (-connectivity spatial; the sheet otherwise);
   on the sheet (-connectivity all) also:
   - a Fourier mode psi_ij = cos(pi k (i + 1/2) / N) cos(pi l (j + 1/2) / N) is an eigenvector with
     eigenvalue -D (4 - 2 cos(pi k / N) - 2 cos(pi l / N)): under pure diffusion it decays at that rate;
   - the quadratic form sum psi (T psi) is the eigenvalue times sum psi^2
   (not with -naam_ablate_processes: the processes left then conserve calcium among themselves).
   Usage: test_diffusion [-N 12] [-naam_diffusion 0.3] [-naam_ablate_processes f] */
#include "../src/model/naam/coupling.h"
#include <tprandom.h>
#include <tpmodel.h>

int main(int argc, char **argv)
{
  MPI_Comm comm;
  TpNetwork network;
  TpNetworkRows rows, *net = &rows;
  TpNetworkMorphology morph;
  const char *kind;
  TpCoupling T;
  PetscReal D = 0.3;
  double *psi, *out, red[4], sums[3], err[2];
  const PetscInt k = 3, l = 5;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCall(TpInitializePackage());
  {
    PetscBool set;
    PetscCall(PetscOptionsGetReal(NULL, NULL, "-naam_diffusion", &D, &set));
    if (!set) PetscCall(PetscOptionsSetValue(NULL, "-naam_diffusion", "0.3"));
    PetscCall(PetscOptionsSetValue(NULL, "-naam_gap_diffusion", "0.7"));
  }
  PetscCall(TpNetworkCreate(comm, &network));
  PetscCall(TpNetworkSetSize(network, 12));
  PetscCall(TpNetworkSetFromOptions(network));
  PetscCall(TpNetworkSetUp(network));
  PetscCall(TpNetworkGetRows(network, &rows));
  PetscCall(TpNetworkGetMorphology(network, &morph));
  PetscCall(TpNetworkGetConnectivity(network, &kind));
  PetscCall(TpCouplingCreate(comm, "naam_", "diffusion", network, NULL, &T));
  PetscCall(TpCouplingSetFromOptions(T));
  PetscCall(PetscMalloc2(net->nsyn_loc + 1, &psi, net->nsyn_loc + 1, &out));
  {
    const PetscInt N      = net->N;
    const TpBlock all     = {0, net->nloc};
    const double lambda   = -D * (4 - 2 * cos(PETSC_PI * k / N) - 2 * cos(PETSC_PI * l / N));
    const PetscBool sheet = strcmp(kind, "all") ? PETSC_FALSE : PETSC_TRUE;
    PetscBool ablated;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-naam_ablate_processes", &ablated));
    const int passes = sheet && !ablated ? 2 : 1;
    if (!sheet) { /* the spatial network must have gap junctions, and halos on > 1 rank */
      PetscInt ng = morph.gptr[net->nsyn_loc], nh = morph.nhalo;
      PetscMPIInt size;
      PetscCallMPI(MPI_Comm_size(comm, &size));
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &ng, 1, MPIU_INT, MPI_SUM, comm));
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &nh, 1, MPIU_INT, MPI_SUM, comm));
      PetscCheck(ng > 0 && (size == 1 || nh > 0), comm, PETSC_ERR_PLIB,
                 "no gap junctions (%" PetscInt_FMT ") or no halo (%" PetscInt_FMT ")", ng, nh);
    }
    for (int pass = 0; pass < passes; pass++) {
      for (PetscInt i = 0; i < net->nloc; i++)
        for (PetscInt q = net->rowptr[i]; q < net->rowptr[i + 1]; q++) {
          const PetscInt gi = net->rstart + i, j = q - net->rowptr[i];
          psi[q] = pass == 0 ? 2 * TpUniform(5, 9, (uint64_t)gi, (uint64_t)j) - 1
                             : cos(PETSC_PI * k * (gi + 0.5) / N) * cos(PETSC_PI * l * (j + 0.5) / N);
        }
      red[0] = 0;
      PetscCall(TpCouplingAccumulate(T, &all, psi, red));
      PetscCall(TpCouplingExchangeBegin(T));
      PetscCall(TpCouplingExchangeEnd(T));
      PetscCall(TpCouplingApply(T, &all, red, 1.0, PETSC_FALSE, out));
      PetscCall(TpCouplingLocalQuadratic(T, red));
      sums[0] = sums[1] = sums[2] = 0;
      err[0] = err[1] = 0;
      for (PetscCount q = 0; q < net->nsyn_loc; q++) {
        sums[0] += out[q];
        sums[1] += PetscAbsReal(out[q]);
        sums[2] += psi[q] * psi[q];
        err[0] = PetscMax(err[0], PetscAbsReal(out[q] - lambda * psi[q]));
        err[1] = PetscMax(err[1], PetscAbsReal(out[q]));
      }
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, sums, 3, MPI_DOUBLE, MPI_SUM, comm));
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, red, 1, MPI_DOUBLE, MPI_SUM, comm));
      PetscCall(MPIU_Allreduce(MPI_IN_PLACE, err, 2, MPI_DOUBLE, MPI_MAX, comm));
      if (pass == 0) {
        PetscCheck(sums[1] > 0 && PetscAbsReal(sums[0]) <= 1e-14 * sums[1], comm, PETSC_ERR_PLIB,
                   "diffusion does not conserve calcium: sum of T psi = %g (sum of |T psi| = %g)", sums[0], sums[1]);
      } else {
        PetscCheck(err[0] <= 1e-13 * err[1], comm, PETSC_ERR_PLIB,
                   "Fourier mode (%" PetscInt_FMT ", %" PetscInt_FMT ") is not an eigenvector with eigenvalue %.17g: "
                   "max error %g of %g",
                   k, l, lambda, err[0], err[1]);
        PetscCheck(PetscAbsReal(red[0] - lambda * sums[2]) <= 1e-12 * PetscAbsReal(red[0]), comm, PETSC_ERR_PLIB,
                   "quadratic form %.17g, expected %.17g", red[0], lambda * sums[2]);
      }
    }
  }
  PetscCall(PetscFree2(psi, out));
  PetscCall(TpCouplingDestroy(&T));
  PetscCall(TpNetworkDestroy(&network));
  PetscCall(PetscFinalize());
  return 0;
}
