/* The distributed M1 engine against its dense serial twin: right-hand side, energy, and an
   explicit Euler trajectory, on whatever number of ranks the test is run with.
   Usage: test_twin -connectivity all|random [-naam_coupling hebbian,constant,diffusion,file] [-naam_init zero|slaved]
          [-naam_ablate_processes f] [-naam_ablate_synapses f] [-naam_ablate_seed s]
   With file in the coupling list it writes a random sparse symmetric T over the network's processes
   (natural order) to a coupling file and gives the twin the same T densely. */
#include <tprun.h>
#include <tpnetspec.h>
#include <tprandom.h>
#include "naam_twin.h"
#include <hdf5.h>
#include <unistd.h>

/* Parameters set explicitly so that the twin and the engine use the same numbers. */
static const char *params[][2] = {{"-naam_tau_n", "0.7"},      {"-naam_tau_s", "1.3"},
                                  {"-naam_tau_p", "2.1"},      {"-naam_lambda", "1.1"},
                                  {"-naam_alpha", "0.9"},      {"-naam_gamma", "1.2"},
                                  {"-naam_beta_n", "3.0"},     {"-naam_beta_s", "2.5"},
                                  {"-naam_beta_p", "4.0"},     {"-naam_b", "0.05"},
                                  {"-naam_c", "-0.03"},        {"-naam_d", "0.02"},
                                  {"-naam_c_T", "0.004"},      {"-naam_T_constant", "0.003"},
                                  {"-naam_diffusion", "0.07"}, {"-naam_gap_diffusion", "0.11"}};

static double Param(const char *name)
{
  for (size_t q = 0; q < sizeof(params) / sizeof(params[0]); q++)
    if (!strcmp(params[q][0], name)) return atof(params[q][1]);
  return NAN;
}

static PetscErrorCode MaxRelErr(MPI_Comm comm, PetscInt n, const double *a, const double *b, double *err, double *scale)
{
  double loc[2] = {0, 0};

  PetscFunctionBegin;
  for (PetscInt q = 0; q < n; q++) {
    loc[0] = PetscMax(loc[0], PetscAbsReal(a[q] - b[q]));
    loc[1] = PetscMax(loc[1], PetscAbsReal(b[q]));
  }
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, loc, 2, MPI_DOUBLE, MPI_MAX, comm));
  *err   = loc[0] / PetscMax(loc[1], 1e-300);
  *scale = loc[1];
  PetscFunctionReturn(0);
}

/* Map the twin's global arrays onto this rank's state layout [x | s | p]. */
static void Scatter(const TpNetworkRows *net, const double *x, const double *S, const double *P, double *u)
{
  const PetscInt N = net->N;
  double *s = u + net->nloc, *p = s + net->nsyn_loc;
  for (PetscInt i = 0; i < net->nloc; i++) {
    const PetscInt gi = TpRowGid(net, i);
    u[i]              = x[gi];
    for (PetscInt q = net->rowptr[i]; q < net->rowptr[i + 1]; q++) {
      const PetscInt gj = !net->col ? q - net->rowptr[i] : net->colgid[net->col[q]];
      s[q]              = S[gi * N + gj];
      p[q]              = P[gi * N + gj];
    }
  }
}

/* Euler through PETSc TS, with the model's right-hand side */
static PetscErrorCode RHS(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  PetscFunctionBegin;
  PetscCall(TpModelComputeRHS((TpModel)ctx, t, U, F));
  PetscFunctionReturn(0);
}

/* A random sparse symmetric T over the nsyn processes of spec (about 3 entries a row, diagonal
   included), the same on every rank: dense (by the twin's (i*N+j, k*N+l)) into Fd, and as a coupling
   file at path (written by rank 0). */
static PetscErrorCode WriteCouplingFile(MPI_Comm comm, const TpNetSpec *spec, PetscInt N, const char *path, double *Fd)
{
  const PetscInt S = spec->nsyn, N2 = N * N;
  double *T;
  unsigned long long r = 88172645463325252ULL;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1((size_t)S * S, &T));
  for (PetscInt s = 0; s < S; s++)
    for (int e = 0; e < 3; e++) {
      PetscInt t;
      double v;
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      t = (PetscInt)(r % (unsigned long long)S);
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      v = ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 0.1;
      T[(size_t)s * S + t] += v;
      if (t != s) T[(size_t)t * S + s] += v;
    }
  for (PetscInt s = 0; s < S; s++) {
    const PetscInt i = TpNetSpecRow(spec, s), a = i * N + TpNetSpecCol(spec, s, i);
    for (PetscInt t = 0; t < S; t++) {
      const PetscInt k = TpNetSpecRow(spec, t), b = k * N + TpNetSpecCol(spec, t, k);
      Fd[(size_t)a * N2 + b] = T[(size_t)s * S + t];
    }
  }
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    long long *ptr, *ix, nnz = 0;
    double *val;
    hid_t f, g, sp, d;
    hsize_t n;
    PetscCall(PetscMalloc3(S + 1, &ptr, (size_t)S * S + 1, &ix, (size_t)S * S + 1, &val));
    ptr[0] = 0;
    for (PetscInt s = 0; s < S; s++) {
      for (PetscInt t = 0; t < S; t++)
        if (T[(size_t)s * S + t] != 0) ix[nnz] = t, val[nnz++] = T[(size_t)s * S + t];
      ptr[s + 1] = nnz;
    }
    f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    g = H5Gcreate2(f, "coupling", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    for (int q = 0; q < 3; q++) {
      n  = q ? (hsize_t)nnz : (hsize_t)S + 1;
      sp = H5Screate_simple(1, &n, NULL);
      d  = H5Dcreate2(g,
                     q == 0   ? "indptr"
                      : q == 1 ? "indices"
                               : "data",
                     q == 2 ? H5T_IEEE_F64LE : H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      H5Dwrite(d, q == 2 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT,
               q == 0   ? (void *)ptr
               : q == 1 ? (void *)ix
                        : (void *)val);
      H5Dclose(d);
      H5Sclose(sp);
    }
    H5Gclose(g);
    PetscCheck(H5Fclose(f) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "Cannot write %s", path);
    PetscCall(PetscFree3(ptr, ix, val));
  }
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(PetscFree(T));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm comm;
  TpRun run;
  TpNetwork network;
  TpNetworkRows rows, *net = &rows;
  TpPatterns pat;
  TpModel model;
  Vec U, F;
  PetscInt nlocal, seed, width, ovoff = -1, nseries;
  const double *xi, *cue;
  Twin w;
  PetscInt N, K, steps = 20;
  PetscBool hebbian, constant, diffusion, file, slaved = PETSC_FALSE;
  double *Fd                     = NULL;
  char tfile[PETSC_MAX_PATH_LEN] = "";
  char coupling[256] = "hebbian", init[32] = "zero";
  TpNetSpec *spec;
  double *W = NULL, *deg = NULL;
  double *x, *S, *P, *fx, *fS, *fP, *mine, err, scale, E, Etwin;
  char *mask, *cutp = NULL, *cuts = NULL;
  PetscReal fp = 0, fs = 0;
  PetscInt aseed  = 1;
  const double dt = 0.05, tol = 1e-12;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  for (size_t q = 0; q < sizeof(params) / sizeof(params[0]); q++)
    PetscCall(PetscOptionsSetValue(NULL, params[q][0], params[q][1]));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-naam_coupling", coupling, sizeof(coupling), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-naam_init", init, sizeof(init), NULL));
  PetscCall(PetscStrInList("hebbian", coupling, ',', &hebbian));
  PetscCall(PetscStrInList("constant", coupling, ',', &constant));
  PetscCall(PetscStrInList("diffusion", coupling, ',', &diffusion));
  PetscCall(PetscStrInList("file", coupling, ',', &file));
  if (file) { /* the coupling file first: the run reads it as it is set up */
    PetscInt n = 12, sd = 1;
    PetscMPIInt rank;
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-N", &n, NULL));
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-seed", &sd, NULL));
    PetscCall(TpNetSpecCreateFromOptions(comm, 12, TP_CONNECT_ALL, sd, PETSC_FALSE, &spec));
    PetscCall(PetscCalloc1((size_t)n * n * n * n, &Fd));
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCall(PetscSNPrintf(tfile, sizeof(tfile), "twin_T_%d.h5", (int)getpid()));
    PetscCallMPI(MPI_Bcast(tfile, sizeof(tfile), MPI_CHAR, 0, comm));
    PetscCall(WriteCouplingFile(comm, spec, n, tfile, Fd));
    PetscCall(TpNetSpecDestroy(&spec));
    PetscCall(PetscOptionsSetValue(NULL, "-naam_coupling_file", tfile));
  }
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-naam_ablate_processes", &fp, NULL));
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-naam_ablate_synapses", &fs, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-naam_ablate_seed", &aseed, NULL));
  PetscCall(PetscStrcmp(init, "slaved", &slaved));
  PetscCall(PetscOptionsSetValue(NULL, "-naam_init", init));

  PetscCall(TpRunCreate(comm, &run));
  PetscCall(TpRunSetDefaultSize(run, 12));
  PetscCall(TpRunSetFromOptions(run));
  PetscCall(TpRunGetModel(run, &model));
  PetscCall(TpRunGetNetwork(run, &network));
  PetscCall(TpRunGetPatterns(run, &pat));
  PetscCall(TpNetworkGetRows(network, &rows));
  PetscCall(TpNetworkGetSeed(network, &seed));
  PetscCall(TpPatternsGetSizes(pat, NULL, &K));
  PetscCall(TpPatternsGetPatterns(pat, &xi));
  PetscCall(TpPatternsGetCue(pat, &cue, NULL, NULL));
  PetscCall(TpModelGetSolution(model, &U));
  PetscCall(VecDuplicate(U, &F));
  PetscCall(VecGetLocalSize(U, &nlocal));
  PetscCall(TpModelGetNumSeries(model, &nseries, &width));
  for (PetscInt q = 0; q < nseries; q++) {
    const TpSeriesInfo *info;
    PetscInt off;
    PetscCall(TpModelGetSeries(model, q, &info, &off));
    if (!strcmp(info->name, "overlap")) ovoff = off;
  }
  PetscCheck(ovoff >= 0, comm, PETSC_ERR_PLIB, "no overlap series");
  N = net->N;

  /* the twin, on every rank, with the synapse mask and the process links of the whole network (made
     again by the same generator or file, before any distribution) */
  PetscCall(TpNetSpecCreateFromOptions(comm, 12, TP_CONNECT_ALL, seed, PETSC_FALSE, &spec));
  PetscCall(PetscCalloc1(N * N, &mask));
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt s = spec->rowptr[i]; s < spec->rowptr[i + 1]; s++) mask[i * N + TpNetSpecCol(spec, s, i)] = 1;
  if (fp > 0 || fs > 0) { /* the lesions, drawn from the streams the engine keys by (post, pre) */
    PetscInt np = 0, ns = 0;
    PetscCall(PetscCalloc2(N * N, &cutp, N * N, &cuts));
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < N; j++)
        if (mask[i * N + j]) {
          np += cutp[i * N + j] = TpUniform((uint64_t)aseed, TP_STREAM_ABLATE_PROCESSES, (uint64_t)i, (uint64_t)j) < fp;
          ns += cuts[i * N + j] = TpUniform((uint64_t)aseed, TP_STREAM_ABLATE_SYNAPSES, (uint64_t)i, (uint64_t)j) < fs;
        }
    PetscCheck((fp == 0 || np > 0) && (fs == 0 || ns > 0), comm, PETSC_ERR_ARG_WRONG,
               "the ablation cuts nothing: %" PetscInt_FMT " processes, %" PetscInt_FMT " synapses", np, ns);
  }
  if (diffusion && !spec->sheet) {
    const double D = Param("-naam_diffusion"), Dg = Param("-naam_gap_diffusion");
    PetscInt buf[4];
    PetscCall(PetscCalloc2(N * N * N * N, &W, N * N, &deg));
    for (PetscInt s = 0; s < spec->nsyn; s++) {
      const PetscInt i = TpNetSpecRow(spec, s), a = i * N + TpNetSpecCol(spec, s, i), *nb, *gp;
      PetscInt n, ng;
      TpNetSpecNeighbours(spec, s, buf, &nb, &n, &gp, &ng);
      for (int kind = 0; kind < 2; kind++)
        for (PetscInt e = 0; e < (kind ? ng : n); e++) {
          const PetscInt t = kind ? gp[e] : nb[e], k = TpNetSpecRow(spec, t), b = k * N + TpNetSpecCol(spec, t, k);
          W[(size_t)a * N * N + b] += kind ? Dg : D;
          deg[a] += kind ? Dg : D;
        }
    }
  }
  w = (Twin){.N       = (int)N,
             .K       = (int)K,
             .tau_n   = Param("-naam_tau_n"),
             .tau_s   = Param("-naam_tau_s"),
             .tau_p   = Param("-naam_tau_p"),
             .lambda  = Param("-naam_lambda"),
             .alpha   = Param("-naam_alpha"),
             .gamma   = Param("-naam_gamma"),
             .beta_n  = Param("-naam_beta_n"),
             .beta_s  = Param("-naam_beta_s"),
             .beta_p  = Param("-naam_beta_p"),
             .b       = Param("-naam_b"),
             .c       = Param("-naam_c"),
             .d       = Param("-naam_d"),
             .c_T     = hebbian ? Param("-naam_c_T") : 0,
             .c_const = constant ? Param("-naam_T_constant") : 0,
             .D       = diffusion ? Param("-naam_diffusion") : 0,
             .W       = W,
             .deg     = deg,
             .F       = Fd,
             .xi      = xi,
             .mask    = mask,
             .cutp    = fp > 0 ? cutp : NULL,
             .cuts    = fs > 0 ? cuts : NULL};
  PetscCall(PetscMalloc6(N, &x, N * N, &S, N * N, &P, N, &fx, N * N, &fS, N * N, &fP));
  PetscCall(PetscMalloc1(nlocal, &mine));

  /* 1. initial state (-init) */
  PetscCall(TpModelInitialState(model));
  for (PetscInt i = 0; i < N; i++) x[i] = cue[i];
  if (slaved) {
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < N; j++)
        P[i * N + j] = mask[i * N + j] ? atanh(-tanh(w.beta_n * x[i]) * tanh(w.beta_n * x[j])) / w.beta_p : 0;
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < N; j++) {
        double tpsi = 0;
        if (!mask[i * N + j]) {
          S[i * N + j] = 0;
          continue;
        }
        for (PetscInt k = 0; k < N; k++)
          for (PetscInt l = 0; l < N; l++)
            if (mask[k * N + l]) tpsi += TwinT(&w, (int)i, (int)j, (int)k, (int)l) * tanh(w.beta_p * P[k * N + l]);
        S[i * N + j] = atanh(-tpsi) / w.beta_s;
      }
  } else {
    PetscCall(PetscArrayzero(S, N * N));
    PetscCall(PetscArrayzero(P, N * N));
  }
  Scatter(net, x, S, P, mine);
  {
    const double *u;
    PetscCall(VecGetArrayRead(U, &u));
    PetscCall(MaxRelErr(comm, nlocal, u, mine, &err, &scale));
    PetscCall(VecRestoreArrayRead(U, &u));
    PetscCheck(err <= tol, comm, PETSC_ERR_PLIB, "initial state (-init %s) differs from the twin: relative error %g",
               init, err);
  }

  /* 2. right-hand side and energy at a random state keyed by global indices */
  for (PetscInt i = 0; i < N; i++) {
    x[i] = 0.8 * (TpUniform(7, 11, 0, i) - 0.5);
    for (PetscInt j = 0; j < N; j++) {
      S[i * N + j] = mask[i * N + j] ? 0.6 * (TpUniform(7, 12, i, j) - 0.5) : 0;
      P[i * N + j] = mask[i * N + j] ? 0.6 * (TpUniform(7, 13, i, j) - 0.5) : 0;
    }
  }
  {
    double *u;
    PetscCall(VecGetArray(U, &u));
    Scatter(net, x, S, P, u);
    PetscCall(VecRestoreArray(U, &u));
  }
  PetscCall(TpModelComputeRHS(model, 0, U, F));
  TwinRHS(&w, x, S, P, fx, fS, fP);
  Scatter(net, fx, fS, fP, mine);
  {
    const double *f;
    PetscCall(VecGetArrayRead(F, &f));
    PetscCall(MaxRelErr(comm, nlocal, f, mine, &err, &scale));
    PetscCall(VecRestoreArrayRead(F, &f));
    PetscCheck(err <= tol && scale > 0, comm, PETSC_ERR_PLIB,
               "right-hand side differs from the twin: relative error %g (scale %g)", err, scale);
  }
  {
    double *sample, *ov;
    PetscCall(PetscMalloc1(width, &sample));
    PetscCall(TpModelObserve(model, sample));
    ov    = sample + ovoff;
    E     = sample[0];
    Etwin = TwinEnergy(&w, x, S, P);
    PetscCheck(PetscAbsReal(E - Etwin) <= 1e-11 * PetscMax(1.0, PetscAbsReal(Etwin)), comm, PETSC_ERR_PLIB,
               "energy %.17g differs from the twin's %.17g", E, Etwin);
    for (PetscInt mu = 0; mu < K; mu++) {
      double m = 0;
      for (PetscInt i = 0; i < N; i++) m += xi[i * K + mu] * tanh(w.beta_n * x[i]);
      PetscCheck(PetscAbsReal(ov[mu] - m / N) <= 1e-13, comm, PETSC_ERR_PLIB,
                 "overlap %" PetscInt_FMT " is %g, twin %g", mu, ov[mu], m / N);
    }
    PetscCall(PetscFree(sample));
  }

  /* 3. explicit Euler trajectory through PETSc TS against the twin's own loop */
  {
    TS ts;
    PetscCall(TSCreate(comm, &ts));
    PetscCall(TSSetRHSFunction(ts, NULL, RHS, model));
    PetscCall(TSSetType(ts, TSEULER));
    PetscCall(TSSetTimeStep(ts, dt));
    PetscCall(TSSetMaxSteps(ts, steps));
    PetscCall(TSSetMaxTime(ts, 1e9));
    PetscCall(TSSolve(ts, U));
    PetscCall(TSDestroy(&ts));
  }
  for (PetscInt n = 0; n < steps; n++) {
    TwinRHS(&w, x, S, P, fx, fS, fP);
    for (PetscInt i = 0; i < N; i++) x[i] += dt * fx[i];
    for (PetscInt q = 0; q < N * N; q++) {
      S[q] += dt * fS[q];
      P[q] += dt * fP[q];
    }
  }
  Scatter(net, x, S, P, mine);
  {
    const double *u;
    PetscCall(VecGetArrayRead(U, &u));
    PetscCall(MaxRelErr(comm, nlocal, u, mine, &err, &scale));
    PetscCall(VecRestoreArrayRead(U, &u));
    PetscCheck(err <= 1e-11, comm, PETSC_ERR_PLIB, "Euler trajectory differs from the twin: relative error %g", err);
  }

  PetscCall(PetscFree6(x, S, P, fx, fS, fP));
  PetscCall(PetscFree(mine));
  PetscCall(PetscFree(mask));
  PetscCall(PetscFree2(cutp, cuts));
  PetscCall(PetscFree2(W, deg));
  PetscCall(PetscFree(Fd));
  if (file) {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    if (!rank) unlink(tfile);
  }
  PetscCall(TpNetSpecDestroy(&spec));
  PetscCall(VecDestroy(&F));
  PetscCall(TpRunDestroy(&run));
  PetscCall(PetscFinalize());
  return 0;
}
