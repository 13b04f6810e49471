#ifndef TPNETWORKIMPL_H
#define TPNETWORKIMPL_H
#include <tpnetwork.h>
#include <petscsf.h>

struct _p_TpNetwork {
  MPI_Comm comm;
  PetscInt N;          /* neurons in the network */
  TpConnectivity kind; /* all-to-all or random symmetric */
  PetscReal degree;    /* mean degree of random connectivity */
  PetscInt seed;       /* wiring stream seed */
  PetscBool setup;

  PetscInt rstart, nloc;      /* owned neurons: global ids rstart .. rstart+nloc-1 */
  PetscBool dense;            /* every row holds all N columns in order: col == NULL */
  PetscInt *rowptr;           /* nloc+1 offsets of each row's synapses in the local synapse arrays */
  PetscInt *col;              /* column slot of each local synapse (NULL when dense) */
  PetscInt ncol;              /* column slots: presynaptic neurons this rank reads */
  PetscInt *colgid;           /* global id of each column slot */
  PetscCount nsyn_loc;        /* local synapses (= local processes) */
  PetscCount nsyn, syn_start; /* global synapse count, global index of the first local synapse */
  PetscSF sf;                 /* roots: owned neurons; leaves: column slots */
  PetscInt max_row_nnz;
};
#endif
