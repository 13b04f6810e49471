/* Neurons and synapses, and their distribution over ranks.

   A synapse i <- j (and the astrocytic process that wraps it) lives on the rank that owns the
   post-synaptic neuron i, in the local rows of a CSR structure.  Neurons are owned in blocks of
   natural ids, or as a partition file (tppartition.h) assigns them.  Presynaptic rates phi(x_j)
   reach a rank through a PetscSF from the owners of j to the rank's column slots; the calcium of
   neighbouring processes on other ranks through a second PetscSF (the halo). */
#ifndef TPNETWORK_H
#define TPNETWORK_H
#include <petscsys.h>
#include <stdint.h>
#include <tpnetspec.h>

typedef struct _p_TpNetwork *TpNetwork;

PetscErrorCode TpNetworkCreate(MPI_Comm comm, TpNetwork *net);
PetscErrorCode TpNetworkSetSize(TpNetwork net, PetscInt N);
/* Options: -N, -connectivity, -degree, -seed, -network_file, -spatial_*, -partition. */
PetscErrorCode TpNetworkSetFromOptions(TpNetwork net);
PetscErrorCode TpNetworkSetUp(TpNetwork net);
PetscErrorCode TpNetworkGetSizes(TpNetwork net, PetscInt *N, PetscInt *nloc, PetscCount *nsyn);
/* A 64-bit hash of the whole network (synapses and morphology), the same on any number of ranks. */
PetscErrorCode TpNetworkFingerprint(TpNetwork net, uint64_t *hash);
PetscErrorCode TpNetworkView(TpNetwork net, PetscViewer viewer);
PetscErrorCode TpNetworkDestroy(TpNetwork *net);

/* Files hold natural order (neurons by id, synapses by the CSR of natural ids).  Collective:
   move per-neuron (synapses = false) or per-synapse values between the local engine-ordered arrays
   and this rank's slice of natural order (TpNetworkGetNaturalSizes entries). */
typedef enum { TP_PER_NEURON, TP_PER_SYNAPSE } TpPer;
PetscErrorCode TpNetworkGetNaturalSizes(TpNetwork net, TpPer per, PetscCount *nloc, PetscCount *start);
PetscErrorCode TpNetworkToNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *loc, void *nat);
PetscErrorCode TpNetworkFromNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *nat, void *loc);
#endif
