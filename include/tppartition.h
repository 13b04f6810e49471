/* Assigning neurons (and with them their synapses and processes) to ranks.

   Blocks of natural ids, or a graph partition (PT-Scotch through PETSc's MatPartitioning) of the
   neurons weighted by their synapses, whose edges are what crosses ranks when the two ends are
   apart: presynaptic rates (synapses) and process calcium (morphology and gap junctions).  A
   partition file holds the rank of every neuron and is tied to one network and one rank count. */
#ifndef TPPARTITION_H
#define TPPARTITION_H
#include <tpnetspec.h>

/* Per rank of a partition: what it owns, what it receives per right-hand side, and from how many ranks. */
typedef struct {
  PetscInt neurons, synapses, ghosts, halo, peers;
} TpPartStats;

/* Collective: rankof[N] of the block partition over nparts. */
PetscErrorCode TpPartitionBlock(const TpNetSpec *spec, PetscInt nparts, PetscMPIInt *rankof);
/* ranges[nparts+1] of the block partition: part r holds natural ids ranges[r] .. ranges[r+1]-1. */
void TpPartitionBlockRanges(PetscInt N, PetscInt nparts, PetscInt ranges[]);
/* rankof of the block partition of each of ngroups consecutive groups of natural ids (M4's populations). */
PetscErrorCode TpPartitionGroups(PetscInt ngroups, const PetscInt sizes[], PetscInt nparts, PetscMPIInt *rankof);
/* The rows a rank holds of a description: a sliced one's own, of a whole one its block of comm's
   block partition.  Both below work from them alone (one exchange or two), nothing O(network). */
/* Collective: a graph partition over nparts with MatPartitioning (type from -partitioner_mat_partitioning_type, default
   ptscotch) of a MatMPIAdj of the held rows; part[] of the held rows. */
PetscErrorCode TpPartitionGraph(MPI_Comm comm, const TpNetSpec *spec, PetscInt nparts, PetscMPIInt *part);
/* Collective: stats[nparts] (the same on every rank) of the partition that gives the held rows part[]. */
PetscErrorCode TpPartitionStatistics(MPI_Comm comm, const TpNetSpec *spec, PetscInt nparts, const PetscMPIInt *part,
                                     TpPartStats *stats);
/* Collective: read a partition file for this network and `nparts` ranks into rankof[N]; refused with a
   message naming the file when it is for another network or rank count. */
PetscErrorCode TpPartitionLoad(MPI_Comm comm, const char *path, const TpNetSpec *spec, PetscInt nparts,
                               PetscMPIInt *rankof);
#endif
