/* M1: the neuron-astrocyte associative memory (Kozachkov, Slotine, Krotov, PNAS 2025).

   State on each rank: [x (owned neurons) | s (local synapses) | p (local processes)].
   One right-hand side is two sweeps over blocks of rows that fit in cache:
     A: psi = tanh(beta_p p), g = tanh(beta_s s); dx; ds; the coupling's partial reductions;
        then one MPI_Allreduce of the reductions (K overlaps for hebbian);
     B: dp = (-gamma p + T psi + g + d) / tau_p with T psi from the reduced numbers.
   Lesions for the ablation experiment: -naam_ablate_processes cuts processes off from T
   (coupling.c); -naam_ablate_synapses removes synapses from the neurons: a removed synapse ij
   neither drives x_i (its g(s_ij) phi(x_j)) nor learns (its phi(x_i) phi(x_j)), and its term
   -1/2 g_ij phi_i phi_j leaves the energy; it stays with its process.  Each is drawn by a stream
   keyed by (post, pre) neurons: the same synapses on any number of ranks. */
#include "../interface/modelimpl.h"
#include "coupling.h"
#include <tpvmath.h>
#include "kernels.h"
#include <tprandom.h>

typedef enum { NAAM_INIT_ZERO, NAAM_INIT_SLAVED } NaamInit;
static const char *const NaamInits[] = {"zero", "slaved", "NaamInit", "NAAM_INIT_", NULL};

typedef struct {
  TpNetworkRows r; /* the network's local rows (views) */
  PetscSF ghost;   /* brings phi of presynaptic neurons to the column slots */
  NaamParams P;
  NaamInit init;
  char coupling_list[256];
  TpCoupling T;
  PetscInt nred;
  PetscInt nblocks, *blocks; /* row-block boundaries, nblocks+1 */
  PetscInt maxblk;           /* most synapses in one block */
  PetscInt block_target;     /* -naam_block_synapses: synapses per block */
  double *phi, *phicol;      /* phi(x) of owned neurons, and of the column slots */
  double *psi, *g, *w1, *w2; /* block work arrays */
  double *red;               /* nred reductions (+ room for energy terms) */
  /* IMEX (TSARKIMEX): the stiff part, leaks and diffusion, is implicit; the rest explicit */
  PetscBool imex;
  TpCoupling Texp, Timp; /* the coupling kinds of each part (NULL when none) */
  NaamParams Pexp;       /* the parameters with the leaks (now implicit) set to 0 */
  double *psiall;        /* psi of every local process */
  PetscInt *pstart;      /* global index of each rank's first p */
  Mat J;
  PetscReal ablate;    /* -naam_ablate_synapses: the fraction of synapses removed from the neurons */
  PetscInt seed;       /* -naam_ablate_seed */
  PetscInt ncut, *cut; /* the local removed synapses (ascending), */
  PetscInt *cutrow;    /*   the local row of each */
  PetscInt64 ncut_all; /* removed over all ranks */
} Naam;

/* Options (prefix naam_): -naam_coupling, -naam_init, -naam_tau_n, ..., -naam_block_synapses; the
   couplings' own (-naam_c_T, -naam_T_constant, -naam_diffusion, -naam_gap_diffusion). */
static PetscErrorCode NaamSetFromOptions(TpModel m)
{
  Naam *nm      = m->data;
  NaamParams *P = &nm->P;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(m->net, &nm->r));
  PetscCall(TpNetworkGetGhostSF(m->net, &nm->ghost));
  PetscOptionsBegin(m->comm, NULL, "M1 (naam): deprecated option names", "TpModel");
  PetscCall(PetscOptionsDeprecated("-coupling", "-naam_coupling", "0.2", NULL));
  PetscCall(PetscOptionsDeprecated("-init", "-naam_init", "0.2", NULL));
  PetscOptionsEnd();
  PetscOptionsBegin(m->comm, m->prefix, "M1 (naam) options: tau_n dx/dt = -lambda x + sum_j g(s) phi(x_j) + b, ...",
                    "TpModel");
  PetscCall(PetscOptionsString(
      "-coupling", "Process couplings T, summed: hebbian, constant, diffusion (e.g. hebbian,diffusion)",
      "TpCouplingCreate", nm->coupling_list, nm->coupling_list, sizeof(nm->coupling_list), NULL));
  PetscCall(PetscOptionsEnum("-init",
                             "Initial synapses and processes: zero, or slaved to the cue (published reference)", "",
                             NaamInits, (PetscEnum)nm->init, (PetscEnum *)&nm->init, NULL));
  PetscCall(PetscOptionsReal("-tau_n", "Neuron time constant tau_n", "", P->tau_n, &P->tau_n, NULL));
  PetscCall(PetscOptionsReal("-tau_s", "Synapse time constant tau_s", "", P->tau_s, &P->tau_s, NULL));
  PetscCall(PetscOptionsReal("-tau_p", "Process time constant tau_p", "", P->tau_p, &P->tau_p, NULL));
  PetscCall(PetscOptionsReal("-lambda", "Neuron leak lambda", "", P->lambda, &P->lambda, NULL));
  PetscCall(PetscOptionsReal("-alpha", "Synapse leak alpha", "", P->alpha, &P->alpha, NULL));
  PetscCall(PetscOptionsReal("-gamma", "Process leak gamma", "", P->gamma, &P->gamma, NULL));
  PetscCall(PetscOptionsReal("-beta_n", "Gain of phi(u) = tanh(beta_n u)", "", P->beta_n, &P->beta_n, NULL));
  PetscCall(PetscOptionsReal("-beta_s", "Gain of g(u) = tanh(beta_s u)", "", P->beta_s, &P->beta_s, NULL));
  PetscCall(PetscOptionsReal("-beta_p", "Gain of psi(u) = tanh(beta_p u)", "", P->beta_p, &P->beta_p, NULL));
  PetscCall(PetscOptionsReal("-b", "Neuron bias b", "", P->b, &P->b, NULL));
  PetscCall(PetscOptionsReal("-c", "Synapse bias c", "", P->c, &P->c, NULL));
  PetscCall(PetscOptionsReal("-d", "Process bias d", "", P->d, &P->d, NULL));
  PetscCall(PetscOptionsReal("-ablate_synapses",
                             "Fraction of the synapses removed from the neurons (neither drive nor learn)", "",
                             nm->ablate, &nm->ablate, NULL));
  PetscCall(PetscOptionsInt("-ablate_seed", "Seed of the streams that draw removed synapses and cut-off processes", "",
                            nm->seed, &nm->seed, NULL));
  PetscCall(PetscOptionsInt("-block_synapses",
                            "Synapses per cache block of the right-hand side (-1: max(16384, 1024 K))", "",
                            nm->block_target, &nm->block_target, NULL));
  PetscOptionsEnd();
  PetscCheck(nm->ablate >= 0 && nm->ablate <= 1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -naam_ablate_synapses must lie in [0, 1]; got %.6g", (double)nm->ablate);
  PetscCheck(nm->block_target > 0 || nm->block_target == -1, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -naam_block_synapses must be positive; got %" PetscInt_FMT, nm->block_target);
  PetscCheck(P->tau_n > 0 && P->tau_s > 0 && P->tau_p > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Options -naam_tau_n, -naam_tau_s, -naam_tau_p must be positive; got %.6g, %.6g, %.6g", P->tau_n, P->tau_s,
             P->tau_p);
  PetscCheck(P->beta_n > 0 && P->beta_s > 0 && P->beta_p > 0, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Options -naam_beta_n, -naam_beta_s, -naam_beta_p must be positive; got %.6g, %.6g, %.6g", P->beta_n,
             P->beta_s, P->beta_p);
  PetscCall(TpCouplingDestroy(&nm->T));
  PetscCall(TpCouplingCreate(m->comm, m->prefix, nm->coupling_list, m->net, m->pat, &nm->T));
  PetscCall(TpCouplingHelpOthers(m->comm, m->prefix, nm->coupling_list, m->net, m->pat));
  PetscCall(TpCouplingSetFromOptions(nm->T));
  PetscFunctionReturn(0);
}

/* State [x | s | p]; fields x (output), s and p (on request), all checkpointed; the retrieval's series. */
static PetscErrorCode NaamSetUp(TpModel m)
{
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  PetscInt K, nb = 0, start = 0, target;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetSizes(m->pat, NULL, &K));
  target = nm->block_target > 0 ? nm->block_target : PetscMax(16384, 1024 * K);
  PetscCall(TpCouplingGetNumReductions(nm->T, &nm->nred));
  PetscCall(TpModelCreateState(m, net->nloc + 2 * (PetscInt)net->nsyn_loc));
  {
    const TpFieldInfo x = {
        "x", TP_ENTITY_NEURON, 1, PETSC_DOUBLE, TP_FIELD_OUTPUT | TP_FIELD_CHECKPOINT, "neuron states"};
    const TpFieldInfo sf = {"s",
                            TP_ENTITY_SYNAPSE,
                            1,
                            PETSC_DOUBLE,
                            TP_FIELD_REQUEST | TP_FIELD_CHECKPOINT,
                            "synapse states, by the CSR of natural ids"};
    const TpFieldInfo pf = {"p",
                            TP_ENTITY_PROCESS,
                            1,
                            PETSC_DOUBLE,
                            TP_FIELD_REQUEST | TP_FIELD_CHECKPOINT,
                            "astrocytic process states, one per synapse"};
    PetscCall(TpModelDeclareStateField(m, &x, 0));
    PetscCall(TpModelDeclareStateField(m, &sf, net->nloc));
    PetscCall(TpModelDeclareStateField(m, &pf, net->nloc + (PetscInt)net->nsyn_loc));
  }
  PetscCall(TpRetrievalDeclare(m));
  /* blocks of whole rows holding about `target` synapses (two work arrays stay in L2) */
  PetscCall(PetscMalloc1(net->nloc + 1, &nm->blocks));
  nm->blocks[0] = 0;
  nm->maxblk    = 0;
  for (PetscInt i = 0; i < net->nloc; i++) {
    if (net->rowptr[i + 1] - net->rowptr[start] >= target || i == net->nloc - 1) {
      nm->blocks[++nb] = i + 1;
      nm->maxblk       = PetscMax(nm->maxblk, net->rowptr[i + 1] - net->rowptr[start]);
      start            = i + 1;
    }
  }
  nm->nblocks = nb;
  PetscCall(PetscMalloc1(net->nloc, &nm->phi));
  PetscCall(PetscMalloc1(net->ncol, &nm->phicol));
  PetscCall(PetscMalloc4(nm->maxblk, &nm->psi, nm->maxblk, &nm->g, nm->maxblk, &nm->w1, nm->maxblk, &nm->w2));
  PetscCall(PetscMalloc1(nm->nred + 1, &nm->red));
  PetscCall(PetscFree(nm->cut));
  PetscCall(PetscFree(nm->cutrow));
  PetscCall(TpLesionDraw(m->comm, m->net, nm->seed, TP_STREAM_ABLATE_SYNAPSES, nm->ablate, &nm->ncut, &nm->cut,
                         &nm->cutrow, &nm->ncut_all));
  PetscFunctionReturn(0);
}

/* phi(x) for owned neurons and, through the PetscSF, for every column slot. */
static PetscErrorCode NaamRates(TpModel m, const double *x)
{
  Naam *nm = m->data;

  PetscFunctionBegin;
  TpVecTanh((size_t)nm->r.nloc, nm->P.beta_n, x, nm->phi);
  PetscCall(PetscLogEventBegin(TP_EVENT_GHOST, 0, 0, 0, 0));
  PetscCall(PetscSFBcastBegin(nm->ghost, MPI_DOUBLE, nm->phi, nm->phicol, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(nm->ghost, MPI_DOUBLE, nm->phi, nm->phicol, MPI_REPLACE));
  PetscCall(PetscLogEventEnd(TP_EVENT_GHOST, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

static PetscErrorCode NaamAllreduce(TpModel m, double *red, PetscInt n)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_REDUCE, 0, 0, 0, 0));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, red, (PetscMPIInt)n, MPI_DOUBLE, MPI_SUM, m->comm));
  PetscCall(PetscLogEventEnd(TP_EVENT_REDUCE, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* The right-hand side with parameters P and coupling T (NULL: none). */
static PetscErrorCode NaamEvaluate(TpModel m, Vec U, Vec F, const NaamParams *P, TpCoupling T)
{
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  const PetscInt *rp = net->rowptr, *col = net->col;
  PetscInt nred = 0, K;
  const double *u, *x, *s, *p;
  double *f, *dx, *ds, *dp;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  x  = u;
  s  = u + net->nloc;
  p  = s + net->nsyn_loc;
  dx = f;
  ds = f + net->nloc;
  dp = ds + net->nsyn_loc;
  PetscCall(NaamRates(m, x));
  if (T) PetscCall(TpCouplingGetNumReductions(T, &nred));
  PetscCall(PetscArrayzero(nm->red, nred));
  for (PetscInt k = 0, next = 0; k < nm->nblocks; k++) {
    const TpBlock blk = {nm->blocks[k], nm->blocks[k + 1]};
    const PetscInt q0 = rp[blk.i0], nq = rp[blk.i1] - q0;
    const double *gin = nm->g; /* g of the synapses that drive the neurons */
    PetscInt first    = next;
    TpVecTanh((size_t)nq, P->beta_p, p + q0, nm->psi);
    TpVecTanh((size_t)nq, P->beta_s, s + q0, nm->g);
    if (T) PetscCall(TpCouplingAccumulate(T, &blk, nm->psi, nm->red));
    if (next < nm->ncut && nm->cut[next] < q0 + nq) { /* removed synapses in this block */
      PetscCall(PetscArraycpy(nm->w1, nm->g, nq));
      for (; next < nm->ncut && nm->cut[next] < q0 + nq; next++) nm->w1[nm->cut[next] - q0] = 0;
      gin = nm->w1;
    }
    for (PetscInt i = blk.i0; i < blk.i1; i++) {
      const size_t o = (size_t)(rp[i] - q0), n = (size_t)(rp[i + 1] - rp[i]);
      const PetscInt *c = col ? col + rp[i] : NULL;
      /* tau_n dx_i/dt = -lambda x_i + sum_j g(s_ij) phi(x_j) + b */
      dx[i] = (-P->lambda * x[i] + NaamRowInput(n, gin + o, nm->phicol, c) + P->b) / P->tau_n;
      NaamRowSynapse(P, n, s + rp[i], nm->psi + o, nm->phi[i], nm->phicol, c, ds + rp[i]);
    }
    for (PetscInt e = first; e < next; e++) { /* a removed synapse does not learn */
      const PetscInt q = nm->cut[e];
      ds[q]            = (-P->alpha * s[q] + nm->psi[q - q0] + P->c) / P->tau_s;
    }
    NaamRowProcess(P, (size_t)nq, p + q0, nm->g, dp + q0);
  }
  if (T) {
    /* dp += (T psi) / tau_p for all local rows at once (one BLAS product for all-to-all rows) */
    const TpBlock all = {0, net->nloc};
    PetscCall(TpCouplingExchangeBegin(T)); /* the halo of psi travels during the reduction */
    PetscCall(NaamAllreduce(m, nm->red, nred));
    PetscCall(TpCouplingExchangeEnd(T));
    PetscCall(TpCouplingApply(T, &all, nm->red, 1.0 / P->tau_p, PETSC_TRUE, dp));
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(TpPatternsGetSizes(m->pat, NULL, &K));
  PetscCall(PetscLogFlops(30.0 * net->nsyn_loc + 4.0 * K * net->nsyn_loc));
  PetscFunctionReturn(0);
}

static PetscErrorCode NaamRHS(TpModel m, PetscReal t, Vec U, Vec F)
{
  Naam *nm = m->data;

  PetscFunctionBegin;
  if (nm->imex)
    PetscCall(NaamEvaluate(m, U, F, &nm->Pexp, nm->Texp));
  else
    PetscCall(NaamEvaluate(m, U, F, &nm->P, nm->T));
  PetscFunctionReturn(0);
}

/* IMEX, implicit part G(u): -lambda x / tau_n, -alpha s / tau_s, (-gamma p + T_imp psi(p)) / tau_p.
   Leaves psi of every local process and its halo in Timp (after the exchange). */
static PetscErrorCode NaamImplicitPsi(TpModel m, const double *p)
{
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  double red[4]            = {0, 0, 0, 0};

  PetscFunctionBegin;
  if (!nm->Timp) PetscFunctionReturn(0);
  {
    const TpBlock all = {0, net->nloc};
    TpVecTanh((size_t)net->nsyn_loc, nm->P.beta_p, p, nm->psiall);
    PetscCall(TpCouplingAccumulate(nm->Timp, &all, nm->psiall, red));
    PetscCall(TpCouplingExchangeBegin(nm->Timp));
    PetscCall(TpCouplingExchangeEnd(nm->Timp));
  }
  PetscFunctionReturn(0);
}

/* F = udot - G(u) */
static PetscErrorCode NaamIFunction(TS ts, PetscReal t, Vec U, Vec Udot, Vec F, void *ctx)
{
  TpModel m                = ctx;
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  const NaamParams *P      = &nm->P;
  const PetscInt nx = net->nloc, ns = (PetscInt)net->nsyn_loc;
  const double *u, *ud;
  double *f;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TP_EVENT_RHS, 0, 0, 0, 0));
  m->nimplicit++;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArrayRead(Udot, &ud));
  PetscCall(VecGetArray(F, &f));
  for (PetscInt i = 0; i < nx; i++) f[i] = ud[i] + P->lambda * u[i] / P->tau_n;
  for (PetscInt q = nx; q < nx + ns; q++) f[q] = ud[q] + P->alpha * u[q] / P->tau_s;
  for (PetscInt q = nx + ns; q < nx + 2 * ns; q++) f[q] = ud[q] + P->gamma * u[q] / P->tau_p;
  PetscCall(NaamImplicitPsi(m, u + nx + ns));
  if (nm->Timp) {
    const TpBlock all = {0, net->nloc};
    double red[4]     = {0, 0, 0, 0};
    PetscCall(TpCouplingApply(nm->Timp, &all, red, -1.0 / P->tau_p, PETSC_TRUE, f + nx + ns));
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(VecRestoreArrayRead(Udot, &ud));
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(PetscLogEventEnd(TP_EVENT_RHS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* J = shift I - dG/du: diagonal for x and s; for p the leak and the diffusion's sparse rows. */
static PetscErrorCode NaamFillJacobian(TpModel m, const double *p, PetscReal shift, Mat J)
{
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  const NaamParams *P      = &nm->P;
  const PetscInt nx = net->nloc, ns = (PetscInt)net->nsyn_loc;
  PetscInt start;

  PetscFunctionBegin;
  PetscCall(MatGetOwnershipRange(J, &start, NULL));
  for (PetscInt r = 0; r < nx + 2 * ns; r++) {
    const PetscInt row = start + r;
    const double v = shift + (r < nx ? P->lambda / P->tau_n : r < nx + ns ? P->alpha / P->tau_s : P->gamma / P->tau_p);
    PetscCall(MatSetValues(J, 1, &row, 1, &row, &v, ADD_VALUES));
  }
  if (nm->Timp) {
    PetscCall(NaamImplicitPsi(m, p));
    PetscCall(TpCouplingAddJacobian(nm->Timp, J, nm->pstart, P->beta_p, -1.0 / P->tau_p));
  }
  PetscCall(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

static PetscErrorCode NaamIJacobian(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat A, Mat B, void *ctx)
{
  TpModel m                = ctx;
  const TpNetworkRows *net = &((Naam *)m->data)->r;
  const double *u;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(MatZeroEntries(B));
  PetscCall(NaamFillJacobian(m, u + net->nloc + net->nsyn_loc, shift, B));
  PetscCall(VecRestoreArrayRead(U, &u));
  if (A != B) {
    PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  }
  PetscFunctionReturn(0);
}

/* Split -coupling into the implicit kinds (diffusion) and the explicit rest; assemble the
   Jacobian's sparsity once (MATPREALLOCATOR) and hand both parts to ts. */
static PetscErrorCode NaamIMEX(TpModel m, TS ts)
{
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  char exp[256] = "", imp[256] = "", buf[256], *tok, *save = NULL;
  PetscInt n;
  PetscMPIInt size;
  PetscInt mine;
  Mat pre;
  double *p0;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(m->state, &n));
  PetscCall(PetscStrncpy(buf, nm->coupling_list, sizeof(buf)));
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    char *dst = strcmp(tok, "diffusion") ? exp : imp;
    if (dst[0]) PetscCall(PetscStrlcat(dst, ",", sizeof(exp)));
    PetscCall(PetscStrlcat(dst, tok, sizeof(exp)));
  }
  if (exp[0]) {
    PetscCall(TpCouplingCreate(m->comm, m->prefix, exp, m->net, m->pat, &nm->Texp));
    PetscCall(TpCouplingSetFromOptions(nm->Texp));
  }
  if (imp[0]) {
    PetscCall(TpCouplingCreate(m->comm, m->prefix, imp, m->net, m->pat, &nm->Timp));
    PetscCall(TpCouplingSetFromOptions(nm->Timp));
    PetscCall(TpCouplingCheckImplicit(nm->Timp));
  }
  nm->Pexp        = nm->P;
  nm->Pexp.lambda = nm->Pexp.alpha = nm->Pexp.gamma = 0;
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(PetscMalloc1(size, &nm->pstart));
  PetscCall(PetscMalloc1(net->nsyn_loc + 1, &nm->psiall));
  {
    PetscInt off = 0;
    PetscCallMPI(MPI_Exscan(&n, &off, 1, MPIU_INT, MPI_SUM, m->comm));
    PetscCallMPI(MPI_Comm_rank(m->comm, &mine));
    mine = (mine ? off : 0) + net->nloc + (PetscInt)net->nsyn_loc;
    PetscCallMPI(MPI_Allgather(&mine, 1, MPIU_INT, nm->pstart, 1, MPIU_INT, m->comm));
  }
  PetscCall(MatCreate(m->comm, &nm->J));
  PetscCall(MatSetSizes(nm->J, n, n, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(nm->J, MATAIJ));
  PetscCall(MatSetOptionsPrefix(nm->J, "imex_"));
  PetscCall(MatSetFromOptions(nm->J));
  PetscCall(MatCreate(m->comm, &pre));
  PetscCall(MatSetSizes(pre, n, n, PETSC_DETERMINE, PETSC_DETERMINE));
  PetscCall(MatSetType(pre, MATPREALLOCATOR));
  PetscCall(MatSetUp(pre));
  PetscCall(PetscCalloc1(net->nsyn_loc + 1, &p0));
  PetscCall(NaamFillJacobian(m, p0, 1.0, pre));
  PetscCall(PetscFree(p0));
  PetscCall(MatPreallocatorPreallocate(pre, PETSC_TRUE, nm->J));
  PetscCall(MatDestroy(&pre));
  PetscCall(TSSetIFunction(ts, NULL, NaamIFunction, m));
  PetscCall(TSSetIJacobian(ts, nm->J, nm->J, NaamIJacobian, m));
  {
    /* default linear solver: GMRES with algebraic multigrid (diffusion makes the p block a graph Laplacian);
       -ksp_type and -pc_type override */
    SNES snes;
    KSP ksp;
    PC pc;
    PetscCall(TSGetSNES(ts, &snes));
    PetscCall(SNESGetKSP(snes, &ksp));
    PetscCall(KSPGetPC(ksp, &pc));
#if defined(PETSC_HAVE_HYPRE)
    PetscCall(PCSetType(pc, PCHYPRE));
#else
    PetscCall(PCSetType(pc, PCGAMG));
#endif
    PetscCall(KSPSetFromOptions(ksp));
  }
  nm->imex = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* x = cue; s = p = 0 (zero), or slaved: psi0 = -phi phi^T, p0 = atanh(psi0)/beta_p, s0 = atanh(-T psi0)/beta_s. */
static PetscErrorCode NaamInitialState(TpModel m)
{
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  const NaamParams *P      = &nm->P;
  const PetscInt *rp = net->rowptr, *col = net->col;
  const double *cue;
  double *u, *x, *s, *p;
  PetscInt bad = 0;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetCue(m->pat, &cue, NULL, NULL));
  PetscCall(VecGetArray(m->state, &u));
  x = u;
  s = u + net->nloc;
  p = s + net->nsyn_loc;
  for (PetscInt i = 0; i < net->nloc; i++) x[i] = cue[TpRowGid(net, i)];
  if (nm->init == NAAM_INIT_ZERO) {
    PetscCall(PetscArrayzero(s, 2 * net->nsyn_loc));
  } else {
    PetscCall(NaamRates(m, x));
    PetscCall(PetscArrayzero(nm->red, nm->nred));
    for (PetscInt k = 0; k < nm->nblocks; k++) {
      const TpBlock blk = {nm->blocks[k], nm->blocks[k + 1]};
      const PetscInt q0 = rp[blk.i0];
      for (PetscInt i = blk.i0; i < blk.i1; i++)
        for (PetscInt q = rp[i]; q < rp[i + 1]; q++) {
          const double psi0 = -nm->phi[i] * (col ? nm->phicol[col[q]] : nm->phicol[q - rp[i]]);
          nm->psi[q - q0]   = psi0;
          p[q]              = atanh(psi0) / P->beta_p;
        }
      PetscCall(TpCouplingAccumulate(nm->T, &blk, nm->psi, nm->red));
    }
    PetscCall(TpCouplingExchangeBegin(nm->T));
    PetscCall(NaamAllreduce(m, nm->red, nm->nred));
    PetscCall(TpCouplingExchangeEnd(nm->T));
    for (PetscInt k = 0; k < nm->nblocks; k++) {
      const TpBlock blk = {nm->blocks[k], nm->blocks[k + 1]};
      const PetscInt q0 = rp[blk.i0], nq = rp[blk.i1] - q0;
      PetscCall(TpCouplingApply(nm->T, &blk, nm->red, 1.0, PETSC_FALSE, s + q0));
      for (PetscInt q = q0; q < q0 + nq; q++) {
        if (!(PetscAbsReal(s[q]) < 1.0) || PetscIsInfOrNanReal(p[q])) bad++;
        s[q] = atanh(-s[q]) / P->beta_s;
      }
    }
  }
  PetscCall(VecRestoreArray(m->state, &u));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, m->comm));
  PetscCheck(!bad, m->comm, PETSC_ERR_ARG_OUTOFRANGE,
             "Option -naam_init slaved: atanh(-T psi0) is undefined at %" PetscInt_FMT
             " synapses (|T psi0| >= 1); use -naam_init zero or a smaller coupling scale",
             bad);
  PetscFunctionReturn(0);
}

/* Energy of MODELS.md, M1, and the neuron observables. */
static PetscErrorCode NaamObserve(TpModel m, double *sample)
{
  Naam *nm                 = m->data;
  const TpNetworkRows *net = &nm->r;
  const NaamParams *P      = &nm->P;
  const PetscInt *rp = net->rowptr, *col = net->col;
  const double *u, *x, *s, *p;
  double e = 0, quad;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(m->state, &u));
  x = u;
  s = u + net->nloc;
  p = s + net->nsyn_loc;
  PetscCall(NaamRates(m, x));
  PetscCall(PetscArrayzero(nm->red, nm->nred + 1));
  for (PetscInt i = 0; i < net->nloc; i++)
    e += P->lambda * (x[i] * nm->phi[i] - TpLogCosh(P->beta_n, x[i])) - P->b * nm->phi[i];
  for (PetscInt k = 0, next = 0; k < nm->nblocks; k++) {
    const TpBlock blk = {nm->blocks[k], nm->blocks[k + 1]};
    const PetscInt q0 = rp[blk.i0], nq = rp[blk.i1] - q0;
    TpVecTanhLogCosh((size_t)nq, P->beta_p, p + q0, nm->psi, nm->w2);
    TpVecTanhLogCosh((size_t)nq, P->beta_s, s + q0, nm->g, nm->w1);
    PetscCall(TpCouplingAccumulate(nm->T, &blk, nm->psi, nm->red));
    for (PetscInt i = blk.i0; i < blk.i1; i++) {
      const size_t o = (size_t)(rp[i] - q0), n = (size_t)(rp[i + 1] - rp[i]);
      e += NaamRowEnergy(P, n, s + rp[i], p + rp[i], nm->g + o, nm->psi + o, nm->w1 + o, nm->w2 + o, nm->phi[i],
                         nm->phicol, col ? col + rp[i] : NULL);
    }
    for (; next < nm->ncut && nm->cut[next] < q0 + nq; next++) { /* -1/2 g phi_i phi_j of the removed synapses */
      const PetscInt q = nm->cut[next], i = nm->cutrow[next];
      e += 0.5 * nm->g[q - q0] * nm->phi[i] * nm->phicol[col ? col[q] : q - rp[i]];
    }
  }
  PetscCall(TpCouplingExchangeBegin(nm->T));
  PetscCall(TpCouplingExchangeEnd(nm->T));
  PetscCall(TpCouplingLocalQuadratic(nm->T, nm->red));
  nm->red[nm->nred] = e;
  PetscCall(TpRetrievalObserve(m, nm->phi, x, nm->nred + 1, nm->red, sample));
  PetscCall(TpCouplingQuadratic(nm->T, nm->red, &quad));
  sample[TP_RETRIEVAL_ENERGY]     = nm->red[nm->nred] - 0.25 * quad;
  sample[TP_RETRIEVAL_PERPLEXITY] = NAN;
  PetscCall(VecRestoreArrayRead(m->state, &u));
  PetscFunctionReturn(0);
}

/* Relative cost of a run: two sweeps over the synapses, K reductions each. */
static PetscErrorCode NaamCost(TpModel m, PetscInt K, double *cost)
{
  PetscFunctionBegin;
  *cost = 0.5 * (double)((Naam *)m->data)->r.nsyn * (2.0 * K + 40); /* measured: 7-11 times gated at N = 20 */
  PetscFunctionReturn(0);
}

static PetscErrorCode NaamView(TpModel m, PetscViewer v)
{
  Naam *nm            = m->data;
  const NaamParams *P = &nm->P;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(
      v, "  params   taus %.6g %.6g %.6g, leaks %.6g %.6g %.6g, betas %.6g %.6g %.6g, biases %.6g %.6g %.6g; init %s\n",
      P->tau_n, P->tau_s, P->tau_p, P->lambda, P->alpha, P->gamma, P->beta_n, P->beta_s, P->beta_p, P->b, P->c, P->d,
      NaamInits[nm->init]));
  PetscCall(TpCouplingView(nm->T, v));
  if (nm->ablate > 0)
    PetscCall(PetscViewerASCIIPrintf(v,
                                     "  ablation %" PetscInt64_FMT " of %" PetscCount_FMT
                                     " synapses removed from the neurons (-naam_ablate_synapses %g, seed %" PetscInt_FMT
                                     ")\n",
                                     nm->ncut_all, nm->r.nsyn, (double)nm->ablate, nm->seed));
  PetscFunctionReturn(0);
}

static PetscErrorCode NaamDescribe(TpModel m, char *buf, size_t len)
{
  Naam *nm            = m->data;
  const NaamParams *P = &nm->P;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(
      buf, len,
      "model=naam;tau=%.17g,%.17g,%.17g;leak=%.17g,%.17g,%.17g;beta=%.17g,%.17g,%.17g;bias=%.17g,%.17g,%.17g;init=%s;",
      P->tau_n, P->tau_s, P->tau_p, P->lambda, P->alpha, P->gamma, P->beta_n, P->beta_s, P->beta_p, P->b, P->c, P->d,
      NaamInits[nm->init]));
  PetscCall(TpCouplingDescribe(nm->T, buf, len));
  if (nm->ablate > 0) {
    size_t n;
    PetscCall(PetscStrlen(buf, &n));
    PetscCall(
        PetscSNPrintf(buf + n, len - n, "ablate_synapses=%.17g,%" PetscInt_FMT ";", (double)nm->ablate, nm->seed));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode NaamDestroy(TpModel m)
{
  Naam *nm = m->data;

  PetscFunctionBegin;
  PetscCall(TpCouplingDestroy(&nm->T));
  PetscCall(TpCouplingDestroy(&nm->Texp));
  PetscCall(TpCouplingDestroy(&nm->Timp));
  PetscCall(PetscFree(nm->psiall));
  PetscCall(PetscFree(nm->pstart));
  PetscCall(MatDestroy(&nm->J));
  PetscCall(PetscFree(nm->blocks));
  PetscCall(PetscFree(nm->phi));
  PetscCall(PetscFree(nm->phicol));
  PetscCall(PetscFree4(nm->psi, nm->g, nm->w1, nm->w2));
  PetscCall(PetscFree(nm->red));
  PetscCall(PetscFree(nm->cut));
  PetscCall(PetscFree(nm->cutrow));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static const TpModelOps NaamOps = {.setfromoptions = NaamSetFromOptions,
                                   .setup          = NaamSetUp,
                                   .initialstate   = NaamInitialState,
                                   .observe        = NaamObserve,
                                   .summarize      = TpRetrievalSummarize,
                                   .viewresult     = TpRetrievalViewResult,
                                   .progress       = TpRetrievalProgress,
                                   .view           = NaamView,
                                   .describe       = NaamDescribe,
                                   .cost           = NaamCost,
                                   .destroy        = NaamDestroy,
                                   .rhs            = NaamRHS,
                                   .imex           = NaamIMEX};

PetscErrorCode TpModelCreate_Naam(TpModel m)
{
  Naam *nm;

  PetscFunctionBegin;
  PetscCall(PetscNew(&nm));
  nm->P            = (NaamParams){.tau_n  = 1,
                                  .tau_s  = 1,
                                  .tau_p  = 1,
                                  .lambda = 1,
                                  .alpha  = 1,
                                  .gamma  = 1,
                                  .beta_n = 5,
                                  .beta_s = 5,
                                  .beta_p = 5,
                                  .b      = 0,
                                  .c      = 0,
                                  .d      = 0};
  nm->init         = NAAM_INIT_SLAVED;
  nm->block_target = -1; /* default: max(16384, 1024 K), measured best for N = 1000 */
  nm->seed         = 1;
  PetscCall(PetscStrncpy(nm->coupling_list, "hebbian", sizeof(nm->coupling_list)));
  m->data          = nm;
  m->ops           = NaamOps;
  m->uses_patterns = PETSC_TRUE;
  PetscFunctionReturn(0);
}
