/* The network as one description: neurons, synapses, astrocytes, the morphology of their processes
   and the gap junctions between them.  Either whole (the same on every rank: all and random on one
   rank, `none`) or sliced: each rank holds only the rows of its block of natural ids (what
   TpPartitionBlock() gives it) and their processes, built from streams keyed by global ids, so that
   the network is the same on any number of ranks (all, random, spatial), or read by hyperslabs
   (files).  The morphology of a sliced description holds the rows of its processes, with global
   process ids in madj and gadj.  TpNetSpecMigrate() moves a sliced description's rows to the ranks
   of a partition (gid then lists the rows held).

   Generators (all, random, spatial) build it from a seed; a network file (the format `tripart
   generate` writes) brings a user's own.  Synapse s is the s-th entry of the CSR (post i <- pre j,
   rows by i, columns sorted); the astrocytic process that wraps synapse s has the same index s.
   A run distributes it (tpnetwork.h), the partitioner reads it, and it is then freed. */
#ifndef TPNETSPEC_H
#define TPNETSPEC_H
#include <petscsys.h>
#include <stdint.h>

typedef enum { TP_CONNECT_ALL, TP_CONNECT_RANDOM, TP_CONNECT_SPATIAL, TP_CONNECT_FILE, TP_CONNECT_NONE } TpConnectivity;
extern const char *const TpConnectivities[];

typedef struct {
  TpConnectivity kind;
  PetscInt N;             /* neurons */
  PetscBool sliced;       /* only the rows rstart .. rstart+nrows-1 are held (below); else all N */
  PetscInt rstart, nrows; /* the rows held: natural ids rstart .. (rstart = -1 after TpNetSpecMigrate()) */
  PetscInt *gid;          /* NULL, or after TpNetSpecMigrate() the natural ids of the rows held (ascending) */
  PetscCount sstart;      /* natural index of the first held synapse */
  PetscInt nsyn;          /* synapses = processes held (all of them unless sliced) */
  PetscCount nsyn_global; /* synapses in the network */
  PetscInt *rowptr;       /* nrows+1 offsets of the held rows' synapses (rowptr[0] = 0) */
  PetscInt *col;          /* nsyn presynaptic ids, sorted in each row; NULL: all-to-all (col = q - rowptr[i]) */
  PetscBool sheet;        /* all-to-all with one astrocyte whose processes form a sheet (no explicit graph) */
  PetscInt nastro;        /* astrocytes (0: the network has no morphology) */
  PetscInt *astro;        /* nsyn: the astrocyte of each process (NULL for the sheet) */
  PetscInt *mptr, *madj;  /* process adjacency inside astrocytes: nsyn+1 rows (held processes), global ids */
  PetscInt *gptr, *gadj;  /* gap junctions between processes of different astrocytes, likewise */
  PetscInt dim;           /* 0, 2 or 3 */
  double *pos;            /* nrows x dim positions of the held neurons (spatial), or NULL */
  uint64_t hash;          /* of N, the synapses, astrocytes, adjacency and gap junctions */
  char describe[256];     /* one line for the run's header */
} TpNetSpec;

/* Collective: from -connectivity all|random|spatial|file|none and their options; N is the default
   neuron count (a network file sets its own), kind the default generator (none: neurons only, for
   models that wire their own synapses, as spiking projections).  blocks: the caller distributes the
   network in blocks of natural ids, and a generator that can (all, random, spatial) builds only this rank's
   block (sliced); otherwise every rank builds the whole. */
PetscErrorCode TpNetSpecCreateFromOptions(MPI_Comm comm, PetscInt N, TpConnectivity kind, PetscInt seed,
                                          PetscBool blocks, TpNetSpec **spec);
PetscErrorCode TpNetSpecHelp(MPI_Comm comm, PetscInt N); /* -help: list the options above */
/* Collective: write the network file (FILE.part, renamed when complete). */
PetscErrorCode TpNetSpecWrite(MPI_Comm comm, const TpNetSpec *spec, const char *path);
PetscErrorCode TpNetSpecDestroy(TpNetSpec **spec);
/* Collective: the rows of a sliced description move to the ranks rankof[N] gives them (spec->gid). */
PetscErrorCode TpNetSpecMigrate(MPI_Comm comm, TpNetSpec *spec, const PetscMPIInt *rankof);
/* The neighbours of process s (global ids): nbr[0..n) inside its astrocyte, gap[0..ng) across gap junctions.
   s is the process's index in the description's arrays (of a sliced one: held processes from 0), but for
   the sheet, where it is the global id and nbr points into buf (room for 4). */
void TpNetSpecNeighbours(const TpNetSpec *spec, PetscInt s, PetscInt buf[4], const PetscInt **nbr, PetscInt *n,
                         const PetscInt **gap, PetscInt *ng);
/* Whole descriptions only: the neuron (row) of synapse s. */
PetscInt TpNetSpecRow(const TpNetSpec *spec, PetscInt s);
/* The presynaptic neuron of held synapse s (0 .. nsyn-1) of held row `row` (0 .. nrows-1). */
static inline PetscInt TpNetSpecCol(const TpNetSpec *spec, PetscInt s, PetscInt row)
{
  return spec->col ? spec->col[s] : s - spec->rowptr[row];
}
#endif
