/* Neurons and synapses, and their distribution over ranks.

   Neurons have global ids 0..N-1 and are owned in contiguous blocks.  A synapse i <- j (and the
   astrocytic process that wraps it) lives on the rank that owns the post-synaptic neuron i, in the
   local rows of a CSR structure.  Presynaptic rates phi(x_j) reach a rank through a PetscSF from
   the owners of j to the rank's column slots (an allgather for all-to-all connectivity). */
#ifndef TPNETWORK_H
#define TPNETWORK_H
#include <petscsys.h>
#include <stdint.h>

typedef struct _p_TpNetwork *TpNetwork;

typedef enum { TP_CONNECT_ALL, TP_CONNECT_RANDOM } TpConnectivity;
extern const char *const TpConnectivities[];

PetscErrorCode TpNetworkCreate(MPI_Comm comm, TpNetwork *net);
PetscErrorCode TpNetworkSetSize(TpNetwork net, PetscInt N);
PetscErrorCode TpNetworkSetFromOptions(TpNetwork net);
PetscErrorCode TpNetworkSetUp(TpNetwork net);
PetscErrorCode TpNetworkGetSizes(TpNetwork net, PetscInt *N, PetscInt *nloc, PetscCount *nsyn);
/* Collective: a 64-bit hash of N and the synapse set, the same on any number of ranks. */
PetscErrorCode TpNetworkFingerprint(TpNetwork net, uint64_t *hash);
PetscErrorCode TpNetworkView(TpNetwork net, PetscViewer viewer);
PetscErrorCode TpNetworkDestroy(TpNetwork *net);
#endif
