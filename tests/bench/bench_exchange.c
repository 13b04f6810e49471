/* The two ways of moving a window's spikes to the ranks that hold synapses of their neurons, measured
   on one ghost plan (issue 12's choice): spike lists, as the spiking model sends them (keys
   (step, column there) to each neighbour by a neighbourhood collective), and a bit-word per neuron per
   window (bit s: a spike in step s of the window, D <= 64 steps) broadcast over the PetscSF from each
   neuron to its columns on other ranks, then scanned (in column order: the keys come out sorted by
   step and column with no sort).  Both end with the keys a rank delivers, sorted.
   Neurons are in blocks of natural ids; rank r holds a column of neuron g with probability
   -column_fraction (1: every rank hears every neuron, as in a random network with many synapses per
   neuron and rank).  Prints microseconds per window (the slowest rank's) and bytes sent per rank per
   window against the firing rate.  Figures only, no pass/fail.

     mpirun -n 2 build/tests/bench_exchange [-N 100000] [-window 15] [-dt 0.1] [-windows 400]
                                             [-column_fraction 1] [-rates 0.5,2,10,50,200,1000]

   Lists move 8 bytes per spike and column rank; words 8 bytes per column on another rank, whatever
   the activity: lists win below about 1/(D dt) spikes per second per neuron. */
#include <petscsf.h>
#include <tprandom.h>

int main(int argc, char **argv)
{
  PetscInt N = 100000, D = 15, W = 400, nrates = 16, lo, hi, nloc, ncol = 0, *colgid, nmulti = 0, nrem = 0;
  PetscReal dt = 0.1, frac = 1, rates[16] = {0.5, 2, 10, 50, 200, 1000};
  PetscMPIInt size, rank, nout = 0, nin = 0, *outrank, *inrank, *mark, *pos, *dnbr, *ones;
  PetscInt *dptr, *mrank, *mcol, *lrank, *lcol, *selfcol;
  uint32_t *dcol;
  const PetscInt *deg;
  PetscSFNode *remote;
  PetscSF sf;
  MPI_Comm g;

  PetscFunctionBeginUser;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-N", &N, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-window", &D, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-windows", &W, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-dt", &dt, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-column_fraction", &frac, NULL));
  {
    PetscBool set;
    PetscCall(PetscOptionsGetRealArray(NULL, NULL, "-rates", rates, &nrates, &set));
    if (!set) nrates = 6;
  }
  PetscCheck(D >= 1 && D <= 64, PETSC_COMM_WORLD, PETSC_ERR_ARG_OUTOFRANGE, "-window must be 1 to 64 steps");
  lo = N * rank / size, hi = N * (rank + 1) / size, nloc = hi - lo;
  /* the columns here: every neuron of another rank with probability frac, and this rank's own */
  PetscCall(PetscMalloc2(N, &colgid, N, &remote));
  for (PetscInt k = 0; k < N; k++)
    if ((k >= lo && k < hi) || TpUniform(7, 99, (uint64_t)k, (uint64_t)rank) < frac) {
      PetscMPIInt o = (PetscMPIInt)((k * size) / N);
      while (N * (o + 1) / size <= k) o++;
      while (N * o / size > k) o--;
      colgid[ncol] = k, remote[ncol].rank = o, remote[ncol].index = k - N * o / size, ncol++;
    }
  PetscCall(PetscSFCreate(PETSC_COMM_WORLD, &sf));
  PetscCall(PetscSFSetGraph(sf, nloc, ncol, NULL, PETSC_COPY_VALUES, remote, PETSC_COPY_VALUES));
  PetscCall(PetscSFSetUp(sf));
  /* the lists' plan, as the spiking model makes it: each neuron's columns elsewhere, gathered through the SF */
  PetscCall(PetscSFComputeDegreeBegin(sf, &deg));
  PetscCall(PetscSFComputeDegreeEnd(sf, &deg));
  for (PetscInt i = 0; i < nloc; i++) nmulti += deg[i];
  PetscCall(PetscMalloc4(ncol + 1, &lrank, ncol + 1, &lcol, nmulti + 1, &mrank, nmulti + 1, &mcol));
  for (PetscInt c = 0; c < ncol; c++) lrank[c] = rank, lcol[c] = c;
  PetscCall(PetscSFGatherBegin(sf, MPIU_INT, lrank, mrank));
  PetscCall(PetscSFGatherEnd(sf, MPIU_INT, lrank, mrank));
  PetscCall(PetscSFGatherBegin(sf, MPIU_INT, lcol, mcol));
  PetscCall(PetscSFGatherEnd(sf, MPIU_INT, lcol, mcol));
  PetscCall(PetscCalloc1(size, &mark));
  for (PetscInt q = 0; q < nmulti; q++)
    if (mrank[q] != rank) nrem++, mark[mrank[q]] = 1;
  PetscCall(PetscMalloc4(size, &outrank, size, &inrank, size, &pos, size, &ones));
  for (PetscMPIInt r = 0; r < size; r++) {
    ones[r] = 1;
    if (mark[r]) pos[r] = nout, outrank[nout++] = r;
  }
  PetscCall(PetscArrayzero(mark, size));
  for (PetscInt c = 0; c < ncol; c++)
    if (remote[c].rank != rank) mark[remote[c].rank] = 1;
  for (PetscMPIInt r = 0; r < size; r++)
    if (mark[r]) inrank[nin++] = r;
  PetscCall(PetscMalloc3(nloc + 1, &dptr, nrem + 1, &dcol, nloc + 1, &selfcol));
  PetscCall(PetscMalloc1(nrem + 1, &dnbr));
  dptr[0] = 0;
  for (PetscInt i = 0, o = 0, k = 0; i < nloc; o += deg[i++]) {
    selfcol[i] = -1;
    for (PetscInt q = o; q < o + deg[i]; q++)
      if (mrank[q] == rank)
        selfcol[i] = mcol[q];
      else
        dnbr[k] = pos[mrank[q]], dcol[k++] = (uint32_t)mcol[q];
    dptr[i + 1] = k;
  }
  PetscCallMPI(
      MPI_Dist_graph_create_adjacent(PETSC_COMM_WORLD, nin, inrank, ones, nout, outrank, ones, MPI_INFO_NULL, 0, &g));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "%d ranks, %" PetscInt_FMT " neurons, window %" PetscInt_FMT " steps of %g ms, column fraction "
                        "%g: each rank holds %" PetscInt_FMT " columns (%" PetscInt_FMT " of other ranks' neurons)\n",
                        size, N, D, (double)dt, (double)frac, ncol, ncol - nloc));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%10s %12s %14s %14s %14s %14s %8s\n", "rate (Hz)", "spikes/win",
                        "lists us/win", "words us/win", "lists B/rank", "words B/rank", "winner"));
  {
    PetscInt *win, *ocnt, *odsp, *icnt, *idsp;
    uint64_t *send, *keys, *keys2, *word, *leaf;
    size_t capsend = 1024, capkeys = 1024;
    PetscCall(PetscMalloc5(nloc * D + 1, &win, size + 1, &ocnt, size + 1, &odsp, size + 1, &icnt, size + 1, &idsp));
    PetscCall(PetscMalloc2(nloc + 1, &word, ncol + 1, &leaf));
    PetscCall(PetscMalloc1(capsend, &send)); /* (each apart: they grow) */
    PetscCall(PetscMalloc1(capkeys, &keys));
    PetscCall(PetscMalloc1(capkeys, &keys2));
    for (PetscInt q = 0; q < nrates; q++) {
      const double p = rates[q] * dt / 1000.0;
      double tl = 0, tw = 0, bl = 0, bw = 0, nspk = 0;
      for (PetscInt w = 0; w < W; w++) {
        PetscInt nwin = 0, nsend = 0, nrecv = 0, nk = 0, nk2 = 0;
        double t0;
        /* the window's spikes: (step, local row), step by step */
        for (PetscInt s = 0; s < D; s++)
          for (PetscInt i = 0; i < nloc; i++)
            if (TpUniform(11, 3, (uint64_t)(lo + i), (uint64_t)(w * D + s)) < p) win[nwin++] = (s << 24) | i;
        nspk += nwin;
        PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
        /* lists: counts, then keys (step 2^32 + column there), to each neighbour; own columns directly */
        t0 = MPI_Wtime();
        for (PetscMPIInt k = 0; k < nout; k++) ocnt[k] = 0;
        for (PetscInt s = 0; s < nwin; s++)
          for (PetscInt j = dptr[win[s] & 0xffffff]; j < dptr[(win[s] & 0xffffff) + 1]; j++) ocnt[dnbr[j]]++;
        odsp[0] = 0;
        for (PetscMPIInt k = 0; k < nout; k++) odsp[k + 1] = odsp[k] + ocnt[k], ocnt[k] = 0;
        nsend = odsp[nout];
        if ((size_t)nsend + 1 > capsend) {
          capsend = 2 * ((size_t)nsend + 1);
          PetscCall(PetscRealloc(capsend * sizeof(uint64_t), &send));
        }
        for (PetscInt s = 0; s < nwin; s++) {
          const PetscInt i = win[s] & 0xffffff;
          for (PetscInt j = dptr[i]; j < dptr[i + 1]; j++)
            send[odsp[dnbr[j]] + ocnt[dnbr[j]]++] = ((uint64_t)(win[s] >> 24) << 32) | dcol[j];
        }
        {
          PetscMPIInt sc[64], sd[64], rc[64], rd[64];
          PetscCheck(size <= 64, PETSC_COMM_WORLD, PETSC_ERR_SUP, "At most 64 ranks");
          for (PetscMPIInt k = 0; k < nout; k++) sc[k] = (PetscMPIInt)ocnt[k], sd[k] = (PetscMPIInt)odsp[k];
          PetscCallMPI(MPI_Neighbor_alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, g));
          for (PetscMPIInt k = 0; k < nin; k++) rd[k] = (PetscMPIInt)nrecv, nrecv += rc[k];
          nk = nrecv + nwin;
          if ((size_t)nk + 1 > capkeys) {
            capkeys = 2 * ((size_t)nk + 1);
            PetscCall(PetscRealloc(capkeys * sizeof(uint64_t), &keys));
            PetscCall(PetscRealloc(capkeys * sizeof(uint64_t), &keys2));
          }
          PetscCallMPI(MPI_Neighbor_alltoallv(send, sc, sd, MPI_UINT64_T, keys, rc, rd, MPI_UINT64_T, g));
        }
        nk = nrecv;
        for (PetscInt s = 0; s < nwin; s++)
          if (selfcol[win[s] & 0xffffff] >= 0)
            keys[nk++] = ((uint64_t)(win[s] >> 24) << 32) | (uint64_t)selfcol[win[s] & 0xffffff];
        PetscCall(PetscSortInt64(nk, (PetscInt64 *)keys)); /* (as the model does) */
        tl += MPI_Wtime() - t0;
        bl += 8.0 * nsend;
        PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
        /* words: a bit per step of each neuron, to every column over the SF, then the columns scanned */
        t0 = MPI_Wtime();
        PetscCall(PetscArrayzero(word, nloc));
        for (PetscInt s = 0; s < nwin; s++) word[win[s] & 0xffffff] |= (uint64_t)1 << (win[s] >> 24);
        PetscCall(PetscSFBcastBegin(sf, MPI_UINT64_T, word, leaf, MPI_REPLACE));
        PetscCall(PetscSFBcastEnd(sf, MPI_UINT64_T, word, leaf, MPI_REPLACE));
        { /* in (step, column) order with no sort: count each step's, then place them */
          PetscInt at[65] = {0};
          for (PetscInt c = 0; c < ncol; c++)
            for (uint64_t b = leaf[c]; b; b &= b - 1) at[__builtin_ctzll(b) + 1]++;
          for (PetscInt s = 0; s < D; s++) at[s + 1] += at[s];
          nk2 = at[D];
          if ((size_t)nk2 + 1 > capkeys) {
            capkeys = 2 * ((size_t)nk2 + 1);
            PetscCall(PetscRealloc(capkeys * sizeof(uint64_t), &keys));
            PetscCall(PetscRealloc(capkeys * sizeof(uint64_t), &keys2));
          }
          for (PetscInt c = 0; c < ncol; c++)
            for (uint64_t b = leaf[c]; b; b &= b - 1) {
              const int s    = __builtin_ctzll(b);
              keys2[at[s]++] = ((uint64_t)s << 32) | (uint64_t)c;
            }
        }
        tw += MPI_Wtime() - t0;
        bw += 8.0 * (ncol - nloc);
        PetscCheck(nk == nk2, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                   "The two ways delivered %" PetscInt_FMT " and %" PetscInt_FMT " keys", nk, nk2);
        for (PetscInt k = 0; k < nk; k++)
          PetscCheck(keys[k] == keys2[k], PETSC_COMM_SELF, PETSC_ERR_PLIB, "The two ways delivered other keys");
      }
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &tl, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &tw, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &nspk, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bl, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%10g %12.4g %14.4g %14.4g %14.4g %14.4g %8s\n", (double)rates[q],
                            nspk / W, 1e6 * tl / W, 1e6 * tw / W, bl / W, bw / W, tl < tw ? "lists" : "words"));
    }
    PetscCall(PetscFree5(win, ocnt, odsp, icnt, idsp));
    PetscCall(PetscFree2(word, leaf));
    PetscCall(PetscFree(send));
    PetscCall(PetscFree(keys));
    PetscCall(PetscFree(keys2));
  }
  PetscCallMPI(MPI_Comm_free(&g));
  PetscCall(PetscSFDestroy(&sf));
  PetscCall(PetscFree4(lrank, lcol, mrank, mcol));
  PetscCall(PetscFree4(outrank, inrank, pos, ones));
  PetscCall(PetscFree(dnbr));
  PetscCall(PetscFree3(dptr, dcol, selfcol));
  PetscCall(PetscFree(mark));
  PetscCall(PetscFree2(colgid, remote));
  PetscCall(PetscFinalize());
  return 0;
}
