/* The distributed network: which rank owns which neurons (with their synapses and astrocytic
   processes), and the communication plans a model needs (ghost rates of presynaptic neurons, the
   halo of neighbouring processes), built from one description (tpnetspec.h).

   Engine order: rank r owns a contiguous range of engine rows (blocks of natural ids, or the
   neurons a partition file gives it, ascending).  Files always hold natural order; the network
   converts. */
#ifndef TPNETWORK_H
#define TPNETWORK_H
#include <petscsf.h>
#include <hdf5.h>
#include <stdint.h>
#include <tpnetspec.h>

typedef struct _p_TpNetwork *TpNetwork;

/* The local rows of the synapse matrix: read-only views into the network, what a model sweeps over. */
typedef struct {
  PetscInt N;             /* neurons in the network */
  PetscInt nloc;          /* owned neurons: local rows 0 .. nloc-1 */
  PetscInt rstart;        /* engine index of the first owned row */
  const PetscInt *gid;    /* natural id of each owned row; NULL: rstart + i */
  const PetscInt *rowptr; /* nloc+1 offsets of each row's synapses in the local synapse arrays */
  const PetscInt *col;    /* column slot of each local synapse; NULL when dense (every row holds all N in order) */
  PetscInt ncol;          /* column slots: presynaptic neurons this rank reads (N when dense) */
  const PetscInt *colgid; /* natural id of each column slot */
  PetscCount nsyn_loc;    /* local synapses (= local processes) */
  PetscCount nsyn;        /* synapses (= processes) in the network */
} TpNetworkRows;

/* The natural id of local row i. */
static inline PetscInt TpRowGid(const TpNetworkRows *r, PetscInt i)
{
  return r->gid ? r->gid[i] : r->rstart + i;
}

/* The morphology of the local processes (when the network has astrocytes). */
typedef struct {
  PetscInt nastro;             /* astrocytes in the network (0: no morphology) */
  PetscBool stencil;           /* the sheet of an all-to-all network in natural block order: a 5-point stencil */
  const PetscInt *mptr, *madj; /* links inside astrocytes: nsyn_loc+1 offsets; entries index [local | halo] */
  const PetscInt *gptr, *gadj; /* gap junctions between astrocytes, the same way */
  PetscInt nhalo;              /* processes of other ranks linked to local ones */
  PetscSF halo;                /* roots: local processes; leaves: halo slots 0..nhalo-1 (NULL for the stencil) */
} TpNetworkMorphology;

PetscErrorCode TpNetworkCreate(MPI_Comm comm, TpNetwork *net);
PetscErrorCode TpNetworkSetSize(TpNetwork net, PetscInt N);
PetscErrorCode TpNetworkSetSeed(TpNetwork net, PetscInt seed);
PetscErrorCode TpNetworkSetConnectivity(TpNetwork net, TpConnectivity kind);
PetscErrorCode TpNetworkSetGroups(TpNetwork net, PetscInt n, const PetscInt sizes[]);
PetscErrorCode TpNetworkSetFromOptions(TpNetwork net);
PetscErrorCode TpNetworkSetUp(TpNetwork net);
PetscErrorCode TpNetworkView(TpNetwork net, PetscViewer viewer);
PetscErrorCode TpNetworkDestroy(TpNetwork *net);

PetscErrorCode TpNetworkGetComm(TpNetwork net, MPI_Comm *comm);
PetscErrorCode TpNetworkGetSize(TpNetwork net, PetscInt *N);
PetscErrorCode TpNetworkGetSeed(TpNetwork net, PetscInt *seed);
PetscErrorCode TpNetworkGetRows(TpNetwork net, TpNetworkRows *rows);
PetscErrorCode TpNetworkReadMorphology(MPI_Comm comm, const char *file, const char *option, PetscInt64 nproc,
                                       PetscInt64 r0, PetscInt64 n, PetscInt64 **ptr, PetscInt **idx, uint64_t *hash);
PetscErrorCode TpNetworkGetMorphology(TpNetwork net, TpNetworkMorphology *morph);
PetscErrorCode TpNetworkGetGhostSF(TpNetwork net, PetscSF *sf);
PetscErrorCode TpNetworkGetConnectivity(TpNetwork net, const char **name);
PetscErrorCode TpNetworkGetPartition(TpNetwork net, const char **file);
PetscErrorCode TpNetworkFingerprint(TpNetwork net, uint64_t *hash);

/* Files hold natural order (neurons by id, synapses by the CSR of natural ids).  Collective:
   move per-neuron or per-synapse values (of any MPI type, e.g. several per entity) between the
   local engine-ordered arrays and this rank's slice of natural order. */
typedef enum { TP_PER_NEURON, TP_PER_SYNAPSE } TpPer;
PetscErrorCode TpNetworkGetNaturalSizes(TpNetwork net, TpPer per, PetscCount *nloc, PetscCount *start);
PetscErrorCode TpNetworkToNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *loc, void *nat);
PetscErrorCode TpNetworkFromNatural(TpNetwork net, TpPer per, MPI_Datatype type, const void *nat, void *loc);

PetscErrorCode TpNetworkWriteAttributes(TpNetwork net, hid_t loc);
PetscErrorCode TpNetworkWriteSynapses(TpNetwork net, hid_t file);
#endif
