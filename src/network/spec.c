/* The network description: the all and random generators (in slices of rows), the network file, and what they
   share with the spatial generator (spatial.c). */
#include "specimpl.h"
#include <tppartition.h>
#include <tprandom.h>
#include <tph5.h>
#include <tputil.h>
#include <petscsys.h>
#include <stdio.h>

const char *const TpConnectivities[] = {"all",  "random",         "spatial",     "file",
                                        "none", "TpConnectivity", "TP_CONNECT_", NULL};

/*@C
  TpNetSpecRow - The neuron (row) of synapse s

  Not Collective

  Input Parameters:
+ spec - the description
- s    - a synapse, 0 .. nsyn-1

.seealso: `TpNetSpecCol()`, `TpNetSpecNeighbours()`
@*/
PetscInt TpNetSpecRow(const TpNetSpec *spec, PetscInt s)
{
  PetscInt lo = 0, hi = spec->N; /* rowptr[lo] <= s < rowptr[hi] */
  while (hi - lo > 1) {
    PetscInt mid = (lo + hi) / 2;
    if (spec->rowptr[mid] <= s)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/*@C
  TpNetSpecNeighbours - The processes linked to process s: inside its astrocyte and across gap junctions

  Not Collective

  Input Parameters:
+ spec - the description
. s    - a process (= synapse)
- buf  - room for 4 entries (the sheet's neighbours are made in it)

  Output Parameters:
+ nbr - the linked processes of the same astrocyte
. n   - how many
. gap - the processes across gap junctions
- ng  - how many

.seealso: `TpNetSpecRow()`
@*/
void TpNetSpecNeighbours(const TpNetSpec *spec, PetscInt s, PetscInt buf[4], const PetscInt **nbr, PetscInt *n,
                         const PetscInt **gap, PetscInt *ng)
{
  *n   = 0;
  *ng  = 0;
  *nbr = *gap = NULL;
  if (spec->sheet) {
    const PetscInt N = spec->N, i = s / N, j = s % N;
    if (i > 0) buf[(*n)++] = s - N;
    if (j > 0) buf[(*n)++] = s - 1;
    if (j < N - 1) buf[(*n)++] = s + 1;
    if (i < N - 1) buf[(*n)++] = s + N;
    *nbr = buf;
    return;
  }
  if (spec->mptr) {
    *nbr = spec->madj + spec->mptr[s];
    *n   = spec->mptr[s + 1] - spec->mptr[s];
  }
  if (spec->gptr) {
    *gap = spec->gadj + spec->gptr[s];
    *ng  = spec->gptr[s + 1] - spec->gptr[s];
  }
}

/* ------------------------------------------------------------------ generators */
/* The random symmetric network (Erdos-Renyi with self-synapses): each pair {i, j} is a synapse of
   both rows with probability p, decided once, by the row from which the other lies within half the
   ring ahead: row i decides j = i + k mod N for k = 0 .. floor(N/2) (k = N/2 of an even N only for
   i < N/2), so that every row decides as many pairs, whichever rank holds it.  The stream keyed by
   (i, draw) gives the gaps between its synapses as geometric skips: O(synapses), not O(N^2), work.
   The rows held are this rank's block of comm's block partition (PETSC_COMM_SELF: all of them);
   each decided pair (i, j) is also synapse j <- i of row j, sent to its owner. */
static PetscErrorCode GenerateRandom(MPI_Comm comm, TpNetSpec *sp, PetscInt seed, double degree)
{
  const PetscInt N  = sp->N;
  const double prob = PetscMin(1.0, degree / (double)N), lq = log1p(-prob); /* -inf when prob = 1 */
  PetscMPIInt size, rank, *scount, *rcount, *sdisp, *rdisp;
  PetscInt *ranges, *uptr, *fill, *send = NULL, *recv = NULL, nrecv;
  IntList up       = {0};
  PetscCount nsend = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(size + 1, &ranges));
  TpPartitionBlockRanges(N, size, ranges);
  sp->rstart = ranges[rank];
  sp->nrows  = ranges[rank + 1] - ranges[rank];
  /* the pairs the held rows decide */
  PetscCall(PetscMalloc1(sp->nrows + 1, &uptr));
  uptr[0] = 0;
  for (PetscInt i = 0; i < sp->nrows; i++) {
    const PetscInt g   = sp->rstart + i;
    const double len   = (double)((N - 1) / 2 + 1 + (N % 2 == 0 && g < N / 2)); /* offsets k decided */
    const uint64_t pre = TpHashPrefix((uint64_t)seed, TP_STREAM_WIRING, (uint64_t)g);
    double k           = -1;
    for (uint64_t draw = 0;; draw++) {
      const double u = TpUniformAt(pre, draw);
      k += 1 + (prob < 1 ? PetscFloorReal(log1p(-u) / lq) : 0);
      if (k >= len) break;
      PetscCall(ListPush(&up, (PetscInt)(((double)g + k) < (double)N ? g + (PetscInt)k : g + (PetscInt)k - N)));
      nsend += k > 0;
    }
    uptr[i + 1] = up.n;
  }
  /* each pair (i, j), j != i, is also synapse j <- i: to the owner of row j as (j, i) */
  PetscCheck(2 * nsend < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "A random network of %" PetscCount_FMT " synapses to send from one rank: use more ranks", nsend);
  PetscCall(PetscCalloc4(size, &scount, size, &rcount, size + 1, &sdisp, size + 1, &rdisp));
  for (PetscInt i = 0; i < sp->nrows; i++)
    for (PetscInt q = uptr[i]; q < uptr[i + 1]; q++)
      if (up.a[q] != sp->rstart + i) scount[BlockOwner(size, ranges, up.a[q])] += 2;
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (PetscMPIInt r = 0; r < size; r++) {
    sdisp[r + 1] = sdisp[r] + scount[r];
    PetscCheck((PetscCount)rdisp[r] + rcount[r] < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "A random network of more than 2^30 synapses to receive on one rank: use more ranks");
    rdisp[r + 1] = rdisp[r] + rcount[r];
  }
  nrecv = rdisp[size] / 2;
  PetscCall(PetscMalloc1(sdisp[size] + 1, &send));
  for (PetscMPIInt r = 0; r < size; r++) scount[r] = 0;
  for (PetscInt i = 0; i < sp->nrows; i++)
    for (PetscInt q = uptr[i]; q < uptr[i + 1]; q++) {
      const PetscInt g = sp->rstart + i, j = up.a[q];
      if (j != g) {
        const PetscMPIInt r          = BlockOwner(size, ranges, j);
        send[sdisp[r] + scount[r]++] = j;
        send[sdisp[r] + scount[r]++] = g;
      }
    }
  PetscCall(PetscMalloc1(rdisp[size] + 1, &recv));
  PetscCallMPI(MPI_Alltoallv(send, scount, sdisp, MPIU_INT, recv, rcount, rdisp, MPIU_INT, comm));
  PetscCall(PetscFree(send));
  /* the rows: the pairs they decided and the transposes received, each row sorted */
  PetscCall(PetscCalloc1(sp->nrows + 1, &fill));
  for (PetscInt e = 0; e < nrecv; e++) fill[recv[2 * e] - sp->rstart]++;
  PetscCall(PetscMalloc1(sp->nrows + 1, &sp->rowptr));
  sp->rowptr[0] = 0;
  for (PetscInt i = 0; i < sp->nrows; i++) {
    sp->rowptr[i + 1] = sp->rowptr[i] + uptr[i + 1] - uptr[i] + fill[i];
    fill[i]           = sp->rowptr[i] + uptr[i + 1] - uptr[i];
  }
  sp->nsyn = sp->rowptr[sp->nrows];
  PetscCall(PetscMalloc1(sp->nsyn + 1, &sp->col));
  for (PetscInt i = 0; i < sp->nrows; i++)
    PetscCall(PetscArraycpy(sp->col + sp->rowptr[i], up.a + uptr[i], uptr[i + 1] - uptr[i]));
  PetscCall(PetscFree(up.a));
  PetscCall(PetscFree(uptr));
  for (PetscInt e = 0; e < nrecv; e++) sp->col[fill[recv[2 * e] - sp->rstart]++] = recv[2 * e + 1];
  for (PetscInt i = 0; i < sp->nrows; i++)
    PetscCall(PetscSortInt(sp->rowptr[i + 1] - sp->rowptr[i], sp->col + sp->rowptr[i]));
  PetscCall(PetscFree(recv));
  PetscCall(PetscFree(fill));
  PetscCall(PetscFree4(scount, rcount, sdisp, rdisp));
  PetscCall(PetscFree(ranges));
  PetscFunctionReturn(0);
}

/* Order-free hash of N, synapses (natural ids), astrocytes and links: a sum of one hash per entry,
   so that the sums of the slices, added over the ranks, give the hash of the whole. */
static uint64_t SpecHashSum(const TpNetSpec *sp)
{
  uint64_t h = 0;
  for (PetscInt i = 0; i < sp->nrows; i++) {
    const uint64_t pre = TpHashPrefix(0x6e6574, 0, (uint64_t)(sp->rstart + i));
    for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1]; s++) {
      h += TpMix64(pre ^ (uint64_t)TpNetSpecCol(sp, s, i));
      if (sp->astro) h += TpHash(0x617374, (uint64_t)sp->astro[s], (uint64_t)(sp->sstart + s), 0);
    }
  }
  if (!sp->sheet && sp->mptr)
    for (PetscInt s = 0; s < sp->nsyn; s++)
      for (PetscInt q = sp->mptr[s]; q < sp->mptr[s + 1]; q++)
        h += TpHash(0x6d6f72, 1, (uint64_t)(sp->sstart + s), (uint64_t)sp->madj[q]);
  if (sp->gptr)
    for (PetscInt s = 0; s < sp->nsyn; s++)
      for (PetscInt q = sp->gptr[s]; q < sp->gptr[s + 1]; q++)
        h += TpHash(0x6d6f72, 2, (uint64_t)(sp->sstart + s), (uint64_t)sp->gadj[q]);
  return h;
}

/* The description's options, as read (also listed by -help through TpNetSpecHelp()). */
typedef struct {
  PetscInt N, dim, tiles, links, gaps;
  PetscReal degree;
  char file[PETSC_MAX_PATH_LEN];
  TpConnectivity kind;
  PetscBool Nset, fileset, kindset;
} SpecOptions;

static PetscErrorCode ReadSpecOptions(MPI_Comm comm, SpecOptions *o)
{
  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "Network description options (read at set-up)", "TpNetwork");
  PetscCall(PetscOptionsInt("-N", "Number of neurons", "", o->N, &o->N, &o->Nset));
  PetscCall(
      PetscOptionsEnum("-connectivity",
                       "Synapses: all (all-to-all, one sheet astrocyte), random (symmetric), spatial (neurons in a "
                       "box, astrocytes tiling it), file (-network_file), none (neurons only: the model wires them)",
                       "", TpConnectivities, (PetscEnum)o->kind, (PetscEnum *)&o->kind, &o->kindset));
  PetscCall(PetscOptionsString("-network_file", "Network file (the format `tripart generate` writes)", "", o->file,
                               o->file, sizeof(o->file), &o->fileset));
  PetscCall(PetscOptionsReal("-degree", "Mean number of synapses per neuron (random, spatial)", "", o->degree,
                             &o->degree, NULL));
  PetscCall(PetscOptionsInt("-spatial_dim", "Dimension of the box of -connectivity spatial (2 or 3)", "", o->dim,
                            &o->dim, NULL));
  PetscCall(
      PetscOptionsInt("-spatial_tiles", "Astrocyte territories per side of the box", "", o->tiles, &o->tiles, NULL));
  PetscCall(PetscOptionsInt("-spatial_links", "Each process is linked to its nearest processes of its astrocyte", "",
                            o->links, &o->links, NULL));
  PetscCall(PetscOptionsInt("-spatial_gap_junctions", "Gap junctions between each pair of neighbouring astrocytes", "",
                            o->gaps, &o->gaps, NULL));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecHelp - Lists the description's options under -help (they are read at set-up, which -help skips)

  Collective

  Input Parameters:
+ comm - the communicator
- N    - the default number of neurons

.seealso: `TpNetSpecCreateFromOptions()`
@*/
PetscErrorCode TpNetSpecHelp(MPI_Comm comm, PetscInt N)
{
  SpecOptions o = {N, 3, 2, 4, 16, 50, "", TP_CONNECT_ALL, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE};

  PetscFunctionBegin;
  PetscCall(ReadSpecOptions(comm, &o));
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecCreateFromOptions - Builds the description of the network: whole on every rank, or this rank's block of rows

  Collective

  Input Parameters:
+ comm   - the ranks
. N      - the default number of neurons (a network file sets its own)
. deflt  - the generator unless -connectivity says otherwise
. seed   - the seed of the wiring and position streams
- blocks - the caller distributes the rows in blocks of natural ids (`TpPartitionBlock()`): all and
           random then build only this rank's block (a sliced description)

  Output Parameter:
. out - the description; free it with TpNetSpecDestroy()

  Options Database Keys:
+ -N <n>                  - neurons
. -connectivity <deflt>   - all, random, spatial, file or none
. -degree <d>             - mean synapses per neuron (random, spatial)
. -network_file <file>    - a network file (implies file)
- -spatial_dim, -spatial_tiles, -spatial_links, -spatial_gap_junctions - the spatial generator

  Notes:
  Files are checked (signature, missing datasets, indices out of range, repeated entries,
  asymmetric links, links across astrocytes) with messages naming the file and the dataset.

.seealso: `TpNetworkSetUp()`, `TpNetSpecWrite()`
@*/
PetscErrorCode TpNetSpecCreateFromOptions(MPI_Comm comm, PetscInt N, TpConnectivity deflt, PetscInt seed,
                                          PetscBool blocks, TpNetSpec **out)
{
  TpNetSpec *sp;
  PetscMPIInt size, rank;
  PetscBool sliced;
  SpecOptions o = {N, 3, 2, 4, 16, 50, "", deflt, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE};
  PetscBool Nset, fileset, kindset;
  PetscReal degree;
  PetscInt dim, tiles, links, gaps, Nopt;
  char *file = o.file;
  TpConnectivity kind;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ReadSpecOptions(comm, &o));
  Nset    = o.Nset;
  fileset = o.fileset;
  kindset = o.kindset;
  degree  = o.degree;
  dim     = o.dim;
  tiles   = o.tiles;
  links   = o.links;
  gaps    = o.gaps;
  Nopt    = o.N;
  kind    = o.kind;
  if (fileset && !kindset) kind = TP_CONNECT_FILE;
  PetscCheck(kind != TP_CONNECT_FILE || fileset, comm, PETSC_ERR_ARG_WRONG,
             "Option -connectivity file needs -network_file FILE");
  PetscCheck(!fileset || kind == TP_CONNECT_FILE, comm, PETSC_ERR_ARG_INCOMP,
             "Option -network_file '%s' contradicts -connectivity %s", file, TpConnectivities[kind]);
  PetscCheck(Nopt > 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -N (number of neurons) must be positive; got %" PetscInt_FMT, Nopt);
  PetscCheck(degree > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "Option -degree must be positive; got %.6g", (double)degree);
  if (kind == TP_CONNECT_SPATIAL) {
    PetscCheck(dim == 2 || dim == 3, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_dim must be 2 or 3; got %" PetscInt_FMT, dim);
    PetscCheck(tiles >= 1 && tiles <= 64, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_tiles must be in [1, 64]; got %" PetscInt_FMT, tiles);
    PetscCheck(links >= 1 && links <= 64, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_links must be in [1, 64]; got %" PetscInt_FMT, links);
    PetscCheck(gaps >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -spatial_gap_junctions must be non-negative; got %" PetscInt_FMT, gaps);
  }
  /* spatial and files also on one rank: the sliced morphology's plans are cheaper to build than the whole's */
  sliced = (PetscBool)(blocks && (((kind == TP_CONNECT_ALL || kind == TP_CONNECT_RANDOM) && size > 1) ||
                                  kind == TP_CONNECT_SPATIAL || kind == TP_CONNECT_FILE));
  if (kind == TP_CONNECT_ALL) { /* the largest block's synapses must index with PetscInt */
    const double rows = sliced ? PetscCeilReal((double)Nopt / size) : (double)Nopt;
    PetscCheck(rows * Nopt < PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "Option -N %" PetscInt_FMT ": an all-to-all network of %.0f synapses, %.0f on a rank of %d, needs more "
               "ranks (fewer than 2^31 synapses each) or 64-bit indices",
               Nopt, (double)Nopt * Nopt, rows * Nopt, (int)(sliced ? size : 1));
  }

  PetscCall(PetscNew(&sp));
  sp->kind   = kind;
  sp->N      = Nopt;
  sp->sliced = sliced;
  sp->nrows  = Nopt;
  switch (kind) {
  case TP_CONNECT_ALL: {
    PetscInt *ranges;
    PetscCall(PetscMalloc1(size + 1, &ranges));
    TpPartitionBlockRanges(sp->N, sliced ? size : 1, ranges);
    sp->rstart = ranges[sliced ? rank : 0];
    sp->nrows  = ranges[(sliced ? rank : 0) + 1] - sp->rstart;
    PetscCall(PetscFree(ranges));
    PetscCall(PetscMalloc1(sp->nrows + 1, &sp->rowptr));
    for (PetscInt i = 0; i <= sp->nrows; i++) sp->rowptr[i] = i * sp->N;
    sp->nsyn   = sp->nrows * sp->N;
    sp->sheet  = PETSC_TRUE;
    sp->nastro = 1;
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe),
                            "all-to-all (synapse i <- j for every pair, self included), one sheet astrocyte"));
  } break;
  case TP_CONNECT_NONE:
    PetscCall(PetscCalloc1(sp->N + 1, &sp->rowptr));
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe), "neurons only (the model wires its own synapses)"));
    break;
  case TP_CONNECT_RANDOM:
    PetscCall(GenerateRandom(sliced ? comm : PETSC_COMM_SELF, sp, seed, degree));
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe),
                            "random symmetric, mean degree %.6g (seed %" PetscInt_FMT ")", (double)degree, seed));
    break;
  case TP_CONNECT_SPATIAL:
    PetscCall(TpNetSpecGenerateSpatial(sliced ? comm : PETSC_COMM_SELF, sp, seed, degree, dim, tiles, links, gaps));
    PetscCall(PetscSNPrintf(sp->describe, sizeof(sp->describe),
                            "spatial %" PetscInt_FMT "-D, degree %.6g, %" PetscInt_FMT " astrocytes (%" PetscInt_FMT
                            " per side), %" PetscInt_FMT " links per process, %" PetscInt_FMT
                            " gap junctions per border (seed %" PetscInt_FMT ")",
                            dim, (double)degree, sp->nastro, tiles, links, gaps, seed));
    break;
  case TP_CONNECT_FILE: {
    PetscErrorCode ierr = TpNetSpecReadFile(comm, file, sliced, sp);
    if (ierr) {
      PetscCall(TpNetSpecDestroy(&sp));
      PetscCall(ierr);
    }
  }
    PetscCheck(!Nset || Nopt == sp->N, comm, PETSC_ERR_ARG_INCOMP,
               "Option -N %" PetscInt_FMT " disagrees with the %" PetscInt_FMT " neurons of -network_file '%s'", Nopt,
               sp->N, file);
    PetscCall(
        PetscSNPrintf(sp->describe, sizeof(sp->describe), "from %s (%" PetscInt_FMT " astrocytes)", file, sp->nastro));
    break;
  }
  if (sp->kind != TP_CONNECT_ALL && !sp->col)
    PetscCall(PetscMalloc1(1, &sp->col)); /* no synapse at all, still sparse */
  if (!sliced) sp->nrows = sp->N;         /* a network file sets N */
  if (sliced) {
    PetscCount n = sp->nsyn;
    PetscCallMPI(MPI_Exscan(&n, &sp->sstart, 1, MPIU_INT64, MPI_SUM, comm));
    if (rank == 0) sp->sstart = 0;
    PetscCallMPI(MPI_Allreduce(&n, &sp->nsyn_global, 1, MPIU_INT64, MPI_SUM, comm));
  } else
    sp->nsyn_global = sp->nsyn;
  sp->hash = SpecHashSum(sp); /* summed over synapses: the same for any slicing */
  if (sliced) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sp->hash, 1, MPI_UINT64_T, MPI_SUM, comm));
  sp->hash ^= TpMix64((uint64_t)sp->N);
  *out = sp;
  PetscFunctionReturn(0);
}

/* Frees what a description holds of its rows: synapses, processes, morphology, positions. */
static PetscErrorCode FreeRows(TpNetSpec *sp)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(sp->rowptr));
  PetscCall(PetscFree(sp->col));
  PetscCall(PetscFree(sp->astro));
  PetscCall(PetscFree(sp->mptr));
  PetscCall(PetscFree(sp->madj));
  PetscCall(PetscFree(sp->gptr));
  PetscCall(PetscFree(sp->gadj));
  PetscCall(PetscFree(sp->pos));
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecDestroy - Frees a network description

  Not Collective

  Input Parameter:
. sp - the description (may be NULL); set to NULL

.seealso: `TpNetSpecCreateFromOptions()`
@*/
PetscErrorCode TpNetSpecDestroy(TpNetSpec **sp)
{
  PetscFunctionBegin;
  if (!*sp) PetscFunctionReturn(0);
  PetscCall(FreeRows(*sp));
  PetscCall(PetscFree((*sp)->gid));
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(0);
}

/*@C
  TpNetSpecMigrate - Moves the rows of a sliced description to the ranks a partition gives them

  Collective

  Input Parameters:
+ comm   - the ranks the description is sliced over
. sp     - a sliced description (blocks of natural ids)
- rankof - the rank of every neuron (N entries)

  Notes:
  Each held row travels, with its synapses' presynaptic ids and its processes' links and gap junctions
  (global natural process ids), to rankof[] of its neuron, in one exchange; the rows a rank then holds
  are in ascending natural order, their ids in sp->gid.  Positions and astrocytes of processes (not
  needed once the morphology is built) are dropped; N, the counts and the fingerprint stay.

.seealso: `TpNetSpecCreateFromOptions()`, `TpNetworkSetUp()`
@*/
PetscErrorCode TpNetSpecMigrate(MPI_Comm comm, TpNetSpec *sp, const PetscMPIInt *rankof)
{
  const PetscBool hasm = (PetscBool) !!sp->mptr, hasg = (PetscBool) !!sp->gptr, morph = (PetscBool)(hasm || hasg),
                  dense = (PetscBool)!sp->col;
  PetscMPIInt size;
  PetscCount *count, *fill, nrecv;
  PetscInt *send, *recv, **row;
  PetscInt nrows = 0, nsyn = 0, nm = 0, ng = 0;

  PetscFunctionBegin;
  PetscCheck(sp->sliced && !sp->gid, comm, PETSC_ERR_ARG_WRONGSTATE, "Only a description sliced in blocks migrates");
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscCalloc2(size + 1, &count, size + 1, &fill));
  /* a row is [g, synapses, (presynaptic ids), (links, gap junctions, their ids) per synapse]; process
     ids are PetscInt in a description with a morphology */
  for (int pass = 0; pass < 2; pass++) {
    for (PetscInt i = 0; i < sp->nrows; i++) {
      const PetscInt g = sp->rstart + i, r = rankof[g];
      PetscInt *o    = pass ? send + fill[r] : NULL;
      PetscCount len = 2 + (dense ? 0 : sp->rowptr[i + 1] - sp->rowptr[i]);
      if (o) {
        o[0] = g;
        o[1] = sp->rowptr[i + 1] - sp->rowptr[i];
        for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1] && !dense; s++) o[2 + s - sp->rowptr[i]] = sp->col[s];
      }
      for (PetscInt s = sp->rowptr[i]; s < sp->rowptr[i + 1] && morph; s++) {
        const PetscInt a = sp->mptr ? sp->mptr[s + 1] - sp->mptr[s] : 0,
                       b = sp->gptr ? sp->gptr[s + 1] - sp->gptr[s] : 0;
        if (o) {
          o[len]     = a;
          o[len + 1] = b;
          for (PetscInt e = 0; e < a; e++) o[len + 2 + e] = sp->madj[sp->mptr[s] + e];
          for (PetscInt e = 0; e < b; e++) o[len + 2 + a + e] = sp->gadj[sp->gptr[s] + e];
        }
        len += 2 + a + b;
      }
      if (pass)
        fill[r] += len;
      else
        count[r] += len;
    }
    if (!pass) {
      for (PetscMPIInt r = 0; r < size; r++) fill[r + 1] = fill[r] + count[r];
      PetscCall(PetscMalloc1(fill[size] + 1, &send));
    }
  }
  /* what was packed is not needed any more: only the buffers then live through the exchange */
  PetscCall(FreeRows(sp));
  PetscCall(TpExchange(comm, sizeof(PetscInt), count, send, &nrecv, (void **)&recv, NULL));
  PetscCall(PetscFree(send));
  PetscCall(PetscFree2(count, fill));
  /* the rows received, in natural order */
  for (int pass = 0; pass < 2; pass++) {
    PetscCount q = 0;
    for (nrows = 0; q < nrecv; nrows++) {
      const PetscInt n = (PetscInt)recv[q + 1];
      if (pass) row[nrows] = recv + q;
      q += 2 + (dense ? 0 : n);
      for (PetscInt s = 0; s < n && morph; s++) q += 2 + recv[q] + recv[q + 1];
    }
    if (!pass) PetscCall(PetscMalloc1(nrows + 1, &row));
  }
  {
    PetscInt *gid, *perm, *rowptr, *col = NULL, *mptr = NULL, *madj = NULL, *gptr = NULL, *gadj = NULL;
    PetscCall(PetscMalloc1(nrows + 1, &gid));
    PetscCall(PetscMalloc1(nrows + 1, &perm));
    PetscCount held = 0;
    for (PetscInt k = 0; k < nrows; k++) {
      gid[k]  = row[k][0];
      perm[k] = k;
      held += row[k][1];
    }
    PetscCheck(held < PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "The partition gives this rank %" PetscCount_FMT
               " synapses: more than 2^31 on one rank needs more ranks (or 64-bit indices)",
               held);
    nsyn = (PetscInt)held;
    PetscCall(PetscSortIntWithArray(nrows, gid, perm));
    PetscCall(PetscMalloc1(nrows + 1, &rowptr));
    if (!dense) PetscCall(PetscMalloc1(nsyn + 1, &col));
    rowptr[0] = 0;
    for (PetscInt k = 0; k < nrows; k++) { /* synapses, and how many links each process has */
      const PetscInt *o = row[perm[k]];
      rowptr[k + 1]     = rowptr[k] + o[1];
      for (PetscInt e = 0; e < o[1] && !dense; e++) col[rowptr[k] + e] = o[2 + e];
    }
    if (hasm) PetscCall(PetscMalloc1(nsyn + 1, &mptr));
    if (hasg) PetscCall(PetscMalloc1(nsyn + 1, &gptr));
    for (int pass = 0; pass < 2 && morph; pass++) {
      nm = ng = 0;
      for (PetscInt k = 0; k < nrows; k++) {
        const PetscInt *o = row[perm[k]], *m = o + 2 + (dense ? 0 : o[1]);
        for (PetscInt s = rowptr[k]; s < rowptr[k + 1]; s++) {
          const PetscInt a = m[0], b = m[1];
          if (!pass) {
            if (mptr) mptr[s] = nm;
            if (gptr) gptr[s] = ng;
          } else {
            for (PetscInt e = 0; e < a; e++) madj[nm + e] = m[2 + e];
            for (PetscInt e = 0; e < b; e++) gadj[ng + e] = m[2 + a + e];
          }
          nm += a;
          ng += b;
          m += 2 + a + b;
        }
      }
      if (!pass) {
        if (mptr) mptr[nsyn] = nm;
        if (gptr) gptr[nsyn] = ng;
        if (mptr) PetscCall(PetscMalloc1(nm + 1, &madj));
        if (gptr) PetscCall(PetscMalloc1(ng + 1, &gadj));
      }
    }
    PetscCall(PetscFree(row));
    PetscCall(PetscFree(recv));
    PetscCall(PetscFree(perm));
    sp->gid    = gid;
    sp->nrows  = nrows;
    sp->rstart = -1; /* not a block */
    sp->sstart = -1;
    sp->nsyn   = nsyn;
    sp->rowptr = rowptr;
    sp->col    = col;
    sp->mptr   = mptr;
    sp->madj   = madj;
    sp->gptr   = gptr;
    sp->gadj   = gadj;
  }
  PetscFunctionReturn(0);
}
