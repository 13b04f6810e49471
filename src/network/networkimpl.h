/* The network's private struct: only src/network/ includes this; every other component reads the
   network through the accessors and views of tpnetwork.h. */
#ifndef TPNETWORKIMPL_H
#define TPNETWORKIMPL_H
#include <tpnetwork.h>
#include <tpnetspec.h>
#include <petscsf.h>

struct _p_TpNetwork {
  MPI_Comm comm;
  PetscInt N;          /* neurons in the network */
  TpConnectivity kind; /* how it was made */
  PetscInt seed;       /* seed of the random streams */
  PetscInt nastro;     /* astrocytes (0: no morphology) */
  uint64_t hash;       /* of the whole network (tpnetspec.h) */
  char describe[256];
  char partition[PETSC_MAX_PATH_LEN]; /* -partition file, or empty: blocks of neurons */
  PetscInt ngroups, *group;           /* without a partition file: consecutive groups of natural ids (M4's
                                         populations), each split into blocks over the ranks (0: one group) */
  PetscBool setup;

  /* Engine order: rank r owns a contiguous range of engine rows; with a partition file the rows are
     the neurons the file gives the rank, ascending, otherwise blocks of natural ids. */
  PetscInt rstart, nloc; /* owned rows: engine rows rstart .. rstart+nloc-1 */
  PetscInt *gid;         /* natural id of each owned row; NULL: rstart + i */
  PetscBool dense;       /* every row holds all N columns in order: col == NULL */
  PetscInt *rowptr;      /* nloc+1 offsets of each row's synapses in the local synapse arrays */
  PetscInt *col;         /* column slot of each local synapse (NULL when dense) */
  PetscInt ncol;         /* column slots: presynaptic neurons this rank reads */
  PetscInt *colgid;      /* natural id of each column slot */
  PetscCount nsyn_loc;   /* local synapses (= local processes) */
  PetscCount nsyn;       /* global synapse count */
  PetscSF sf;            /* roots: owned neurons; leaves: column slots (ghost rates) */

  /* Natural order, for files: this rank's slice of neurons and synapses in natural order, and the
     SFs from the owned rows and synapses to it (NULL when engine order is natural order). */
  PetscInt nat_rstart, nat_nloc;
  PetscCount nat_syn_start, nat_nsyn;
  PetscSF natrow, natsyn;

  /* Morphology of the local processes (when the network has astrocytes).  stencil: the sheet in
     natural block order, applied as a 5-point stencil; otherwise adjacency lists whose entries
     index [local processes | halo processes], the halo brought by `halo` from the owners. */
  PetscBool stencil;
  PetscInt *mptr, *madj; /* inside astrocytes: nsyn_loc+1, entries */
  PetscInt *gptr, *gadj; /* gap junctions */
  PetscInt nhalo;
  PetscSF halo; /* roots: local processes; leaves: halo slots 0..nhalo-1 */
};

static inline PetscInt TpNetworkGid(const struct _p_TpNetwork *net, PetscInt i)
{
  return net->gid ? net->gid[i] : net->rstart + i;
}
#endif
