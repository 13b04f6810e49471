/* The slow system of a spiking network: see astro.h. */
#include "astro.h"
#include <tpstepper.h>

/* The right-hand side of n astrocyte_lr_1994 astrocytes with the same parameters, three values each (the
   same operations as one by one, so the same bits) */
static __attribute__((noinline)) void LrRun3(const AstroLrParams *restrict p, PetscInt n, const double *restrict u,
                                             double *restrict f)
{
  const AstroLrParams q = *p; /* (loads the compiler can hoist) */
  for (PetscInt i = 0; i < n; i++) AstroLrRhs(&q, &u[3 * i], &f[3 * i]);
}

static PetscErrorCode AstroRhs(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  SpikingAstro *a  = ctx;
  const PetscInt w = a->w;
  const PetscScalar *u;
  PetscScalar *f;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  for (PetscInt i = 0, j; i < a->n; i = j)
    if (a->gc[i]) {
      AstroGchiRhs(a->gc[i], a->gheld[i], &u[w * i], &f[w * i]);
      j = i + 1;
    } else { /* a run of astrocytes with the same parameters (a population's): one loop that vectorises */
      for (j = i + 1; j < a->n && a->par[j] == a->par[i] && !a->gc[j];) j++;
      if (w == 3)
        LrRun3(a->par[i], j - i, &u[3 * i], &f[3 * i]);
      else
        for (PetscInt k = i; k < j; k++) {
          AstroLrRhs(a->par[k], &u[w * k], &f[w * k]);
          for (PetscInt c = 3; c < w; c++) f[w * k + c] = 0;
        }
    }
  if (a->gsf) { /* the coupled astrocytes' (IP3, Ca) at this stage, then the fluxes */
    for (PetscInt i = 0; i < a->n; i++) a->groot[2 * i] = u[w * i], a->groot[2 * i + 1] = u[w * i + 1];
    PetscCall(PetscSFBcastBegin(a->gsf, a->pair, a->groot, a->gleaf, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(a->gsf, a->pair, a->groot, a->gleaf, MPI_REPLACE));
    for (PetscInt i = 0; i < a->n && a->gptr[a->n]; i++) { /* gap junctions */
      double J = 0;
      for (PetscInt k = a->gptr[i]; k < a->gptr[i + 1]; k++)
        J += AstroGapFlux(a->gpar[k], u[w * i], a->gleaf[2 * a->gnb[k]]);
      f[w * i] += J;
    }
    for (PetscInt i = 0; i < a->n && a->dptr[a->n] && !a->imex; i++) { /* diffusion along the cells */
      const double *restrict g = a->groot, ip3 = g[2 * i], ca = g[2 * i + 1];
      double sI = 0, sC = 0;
      if (!a->dpar[i]) continue;
      for (PetscInt k = a->dptr[i]; k < a->dptr[i + 1]; k++) {
        const PetscInt o = a->dnb[k];
        sI += g[2 * o] - ip3, sC += g[2 * o + 1] - ca;
      }
      f[w * i] += a->dpar[i]->D_IP3 * sI, f[w * i + 1] += a->dpar[i]->D_Ca * sC;
    }
    PetscCall(PetscLogFlops(20.0 * a->gptr[a->n] + 4.0 * a->dptr[a->n]));
  }
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(PetscLogFlops(60.0 * a->n));
  PetscFunctionReturn(0);
}

/* The implicit part with ARKIMEX: u' - L u (the diffusion along the cells) */
static PetscErrorCode AstroIFunction(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ctx)
{
  SpikingAstro *a = ctx;

  PetscFunctionBegin;
  PetscCall(MatMult(a->L, U, F));
  PetscCall(VecAYPX(F, -1.0, Udot));
  PetscFunctionReturn(0);
}

/* Its Jacobian, shift I - L */
static PetscErrorCode AstroIJacobian(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat J, Mat P, void *ctx)
{
  SpikingAstro *a = ctx;

  PetscFunctionBegin;
  PetscCall(MatCopy(a->L, P, SAME_NONZERO_PATTERN));
  PetscCall(MatScale(P, -1.0));
  PetscCall(MatShift(P, shift));
  PetscFunctionReturn(0);
}

/* Whether the diffusion along the cells is the implicit part of an ARKIMEX method (which needs no stability bound) */
PetscBool SpikingAstroImplicitDiffusion(const SpikingAstro *a)
{
  PetscBool imex = PETSC_FALSE;
  TSType type;
  if (!a->coupled || TSGetType(a->ts, &type)) return PETSC_FALSE;
  if (PetscStrcmp(type, TSARKIMEX, &imex)) return PETSC_FALSE;
  return imex;
}

/* n astrocytes here of w values each (par or gc, y, theta, and for G-ChI gdecay and gscale, set by the
   caller before the first step), k neuron steps of h per slow step
   (collective on comm, for its checks);
   the TS takes options under prefix (-<prefix>ts_type ...); its default is rk 4 with no adaptivity,
   which keeps every astrocyte's trajectory independent of which others share its rank.  Coupled (gap junctions or
   cells: SpikingAstroSetCoupling() follows), the TS is one over comm, which every rank steps. */
PetscErrorCode SpikingAstroSetUp(MPI_Comm comm, SpikingAstro *a, PetscInt n, PetscInt w, PetscInt k, double h,
                                 const char *prefix, PetscBool coupled)
{
  TSAdapt adapt;
  SNES snes;
  KSP ksp;
  PC pc;

  PetscFunctionBegin;
  a->n = n, a->w = w, a->k = k, a->h = h, a->coupled = coupled;
  PetscCall(PetscMalloc4(n + 1, &a->par, w * n + 1, &a->y, n + 1, &a->in, n + 1, &a->sic));
  PetscCall(PetscArrayzero(a->y, w * n + 1));
  PetscCall(PetscArrayzero(a->par, n + 1));
  PetscCall(PetscCalloc5(n + 1, &a->gc, n + 1, &a->glu, n + 1, &a->gheld, n + 1, &a->gdecay, n + 1, &a->gscale));
  PetscCall(PetscCalloc1(n + 1, &a->gam));
  PetscCall(PetscArrayzero(a->in, n + 1));
  PetscCall(PetscArrayzero(a->sic, n + 1));
  PetscCall(PetscCalloc3(n + 1, &a->theta, n + 1, &a->ev, n + 1, &a->up));
  a->nev = 0;
  if (coupled) {
    PetscCall(VecCreateMPIWithArray(comm, 1, w * n, PETSC_DECIDE, a->y, &a->v));
    PetscCall(TSCreate(comm, &a->ts));
  } else {
    PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, w * n, a->y, &a->v));
    PetscCall(TSCreate(PETSC_COMM_SELF, &a->ts));
  }
  PetscCall(TSSetOptionsPrefix(a->ts, prefix));
  PetscCall(TSSetProblemType(a->ts, TS_NONLINEAR));
  PetscCall(TSSetType(a->ts, TSRK));
  PetscCall(TSRKSetType(a->ts, TSRK4));
  PetscCall(TSGetAdapt(a->ts, &adapt));
  PetscCall(TSAdaptSetType(adapt, TSADAPTNONE));
  PetscCall(TSSetRHSFunction(a->ts, NULL, AstroRhs, a));
  PetscCall(TSSetSolution(a->ts, a->v));
  PetscCall(TSSetTimeStep(a->ts, k * h));
  PetscCall(TSSetMaxSteps(a->ts, 1)); /* each solve is one slow step */
  PetscCall(TSSetMaxTime(a->ts, PETSC_MAX_REAL / 4));
  PetscCall(TSSetExactFinalTime(a->ts, TS_EXACTFINALTIME_STEPOVER));
  /* ARKIMEX's implicit part is linear (the diffusion): one Krylov solve per stage, conjugate gradients (shift I - L is
     symmetric positive definite), converged far enough that the totals stay conserved to round-off */
  PetscCall(TSGetSNES(a->ts, &snes));
  PetscCall(SNESSetType(snes, SNESKSPONLY));
  PetscCall(SNESGetKSP(snes, &ksp));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCJACOBI));
  PetscCall(KSPSetTolerances(ksp, 1e-14, 1e-50, PETSC_DEFAULT, 10000));
  PetscCall(TpTSSetFromOptions(comm, a->ts)); /* (a TS on each rank: a bad option is said once, on comm) */
  {
    TSAdaptType type;
    PetscBool none;
    PetscCall(TSGetAdapt(a->ts, &adapt));
    PetscCall(TSAdaptGetType(adapt, &type));
    PetscCall(PetscStrcmp(type, TSADAPTNONE, &none));
    PetscCheck(none, comm, PETSC_ERR_SUP,
               "Option -%sts_adapt_type %s: the astrocytes' TS takes fixed steps of -spiking_astro_dt (use none; "
               "choose the method with -%sts_type and its own options)",
               prefix, type, prefix);
  }
  PetscFunctionReturn(0);
}

/* ARKIMEX's implicit part: L, the diffusion along the cells over every rank's astrocytes (w rows each, their IP3
   and Ca rows coupled, the rest 0 on the diagonal), and the Jacobian's matrix of the same pattern */
static PetscErrorCode AssembleDiffusion(SpikingAstro *a)
{
  MPI_Comm comm    = PetscObjectComm((PetscObject)a->gsf);
  const PetscInt w = a->w, n = a->n;
  const PetscInt mine = w * n;
  PetscInt rstart, *dnz, *onz, *col;
  const PetscInt *starts; /* (every rank's first row: the slow system's vector's layout) */
  const PetscSFNode *remote;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRanges(a->v, &starts));
  PetscCall(VecGetOwnershipRange(a->v, &rstart, NULL));
  PetscCall(PetscSFGetGraph(a->gsf, NULL, NULL, NULL, &remote));
  PetscCall(PetscMalloc3(mine + 1, &dnz, mine + 1, &onz, a->dptr[n] + 1, &col));
  for (PetscInt i = 0; i < n; i++) /* each link's other end, as a row of the IP3 block */
    for (PetscInt k = a->dptr[i]; k < a->dptr[i + 1]; k++) {
      const PetscInt o = a->dnb[k];
      col[k]           = o < n ? rstart + w * o : starts[remote[o - n].rank] + w * remote[o - n].index;
    }
  for (PetscInt r = 0; r < mine; r++) dnz[r] = 1, onz[r] = 0;
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt k = a->dptr[i]; k < a->dptr[i + 1] && a->dpar[i]; k++)
      for (PetscInt s = 0; s < 2; s++) {
        if (a->dnb[k] < n)
          dnz[w * i + s]++;
        else
          onz[w * i + s]++;
      }
  PetscCall(MatCreateAIJ(comm, mine, mine, PETSC_DETERMINE, PETSC_DETERMINE, 0, dnz, 0, onz, &a->L));
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt s = 0; s < w; s++) {
      const PetscInt row = rstart + w * i + s;
      const double D     = !a->dpar[i] || s > 1 ? 0.0 : s == 0 ? a->dpar[i]->D_IP3 : a->dpar[i]->D_Ca;
      PetscCall(
          MatSetValue(a->L, row, row, a->dpar[i] && s < 2 ? -D * (a->dptr[i + 1] - a->dptr[i]) : 0.0, ADD_VALUES));
      for (PetscInt k = a->dptr[i]; k < a->dptr[i + 1] && a->dpar[i] && s < 2; k++)
        PetscCall(MatSetValue(a->L, row, col[k] + s, D, ADD_VALUES));
    }
  PetscCall(MatAssemblyBegin(a->L, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(a->L, MAT_FINAL_ASSEMBLY));
  PetscCall(MatDuplicate(a->L, MAT_DO_NOT_COPY_VALUES, &a->J));
  PetscCall(TSSetIFunction(a->ts, NULL, AstroIFunction, a));
  PetscCall(TSSetIJacobian(a->ts, a->J, a->J, AstroIJacobian, a));
  PetscCall(PetscFree3(dnz, onz, col));
  PetscFunctionReturn(0);
}

/* The coupling (the arrays are taken over; sf is referenced): see SpikingAstro.  Only explicit methods,
   which evaluate the right-hand side the same number of times on every rank (collective on sf's
   communicator). */
PetscErrorCode SpikingAstroSetCoupling(SpikingAstro *a, PetscSF sf, PetscInt nslot, PetscInt *gptr, PetscInt *gnb,
                                       const AstroGapParams **gpar, PetscInt *dptr, PetscInt *dnb,
                                       const AstroDiffusionParams **dpar)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sf);
  TSType type;
  PetscBool explicit_;
  char prefix[96] = "";
  const char *pre;

  PetscFunctionBegin;
  PetscCall(TSGetType(a->ts, &type));
  PetscCall(PetscStrInList(type, TSRK "," TSEULER "," TSSSP "," TSARKIMEX, ',', &explicit_));
  PetscCall(TSGetOptionsPrefix(a->ts, &pre));
  if (pre) PetscCall(PetscStrncpy(prefix, pre, sizeof(prefix)));
  PetscCheck(explicit_, comm, PETSC_ERR_SUP,
             "Option -%sts_type %s: with gap junctions between astrocytes or astrocytes with processes the "
             "astrocytes' TS must be explicit (rk, euler or ssp; every rank evaluates the coupling together), or "
             "arkimex, whose implicit part is the diffusion along the cells",
             prefix, type);
  PetscCall(PetscObjectReference((PetscObject)sf));
  a->gsf = sf, a->nslot = nslot, a->gptr = gptr, a->gnb = gnb, a->gpar = gpar;
  a->dptr = dptr, a->dnb = dnb, a->dpar = dpar;
  PetscCallMPI(MPI_Type_contiguous(2, MPI_DOUBLE, &a->pair));
  PetscCallMPI(MPI_Type_commit(&a->pair));
  PetscCall(PetscMalloc1(2 * (a->n + nslot) + 1, &a->groot)); /* (the slots after the local ones: gleaf) */
  a->gleaf = a->groot + 2 * a->n;
  for (PetscInt k = 0; k < dptr[a->n]; k++) /* a link's other end as its place in groot */
    if (dnb[k] < 0) dnb[k] = a->n + (-1 - dnb[k]);
  a->imex = SpikingAstroImplicitDiffusion(a);
  if (a->imex) PetscCall(AssembleDiffusion(a));
  PetscFunctionReturn(0);
}

/* After neuron step t (which ends at (t + 1) h): the slow step that ends there, if one does, then
   NEST's after-step work on every astrocyte_lr_1994 and the gliotransmitter releases of G-ChI ones, whose
   glutamate is then held for the next slow step.  (With gap junctions every rank steps, astrocytes or not.) */
PetscErrorCode SpikingAstroAfterNeuronStep(SpikingAstro *a, PetscInt64 t)
{
  const PetscInt64 end = t + 1;

  PetscFunctionBegin;
  a->nev = 0;
  if (end % a->k || (!a->n && !a->gsf)) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < a->n; i++) { /* (Gamma_S with G_A as the step starts, Brian2's summed one) */
    a->up[i] = a->y[a->w * i + 1] > a->theta[i];
    if (a->gc[i]) a->gam[i] = AstroGammaS(a->gc[i], a->gam[i], a->y[a->w * i + 5], a->k * a->h);
  }
  PetscCall(TSSetTime(a->ts, (double)(end - a->k) * a->h));
  PetscCall(TSSetStepNumber(a->ts, 0)); /* the step itself is fixed (set up) */
  PetscCall(TSSolve(a->ts, a->v));
  for (PetscInt i = 0; i < a->n; i++) {
    double *y = &a->y[a->w * i];
    if (a->gc[i])
      a->gheld[i] = a->glu[i];
    else {
      a->sic[i] = AstroLrAfterStep(a->par[i], y, a->in[i]);
      a->in[i]  = 0;
    }
    if (a->theta[i] > 0 && !a->up[i] && y[1] > a->theta[i]) {
      a->ev[a->nev++] = i;
      if (a->gc[i]) AstroGchiRelease(a->gc[i], y);
    }
  }
  PetscFunctionReturn(0);
}

/* The currents from the state (after a restart) */
void SpikingAstroRefresh(SpikingAstro *a)
{
  for (PetscInt i = 0; i < a->n; i++) a->sic[i] = a->gc[i] ? 0.0 : AstroLrSic(a->par[i], a->y[a->w * i + 1]);
}

PetscErrorCode SpikingAstroDestroy(SpikingAstro *a)
{
  PetscFunctionBegin;
  if (!a->par) PetscFunctionReturn(0);
  if (a->gsf) {
    PetscCall(PetscSFDestroy(&a->gsf));
    PetscCall(PetscFree(a->groot));
    PetscCall(PetscFree3(a->gptr, a->gnb, a->gpar));
    PetscCall(PetscFree3(a->dptr, a->dnb, a->dpar));
    PetscCallMPI(MPI_Type_free(&a->pair));
    PetscCall(MatDestroy(&a->L));
    PetscCall(MatDestroy(&a->J));
  }
  PetscCall(TSDestroy(&a->ts));
  PetscCall(VecDestroy(&a->v));
  PetscCall(PetscFree4(a->par, a->y, a->in, a->sic));
  PetscCall(PetscFree3(a->theta, a->ev, a->up));
  PetscCall(PetscFree5(a->gc, a->glu, a->gheld, a->gdecay, a->gscale));
  PetscCall(PetscFree(a->gam));
  PetscFunctionReturn(0);
}
