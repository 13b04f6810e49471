/* The slow system of a spiking network (M4): the local astrocytes, integrated by a PETSc TS with a
   step of its own (a whole number k of the neurons' steps), one slow step after every k neuron steps.

   Splitting: the spikes that arrive at an astrocyte during the k neuron steps are summed and added to
   its IP3 after the slow step that covers them (NEST's "after each step", exact for k = 1); the slow
   inward current an astrocyte sends at a neuron step is the one of its state after the last slow step
   (held between slow steps).  A G-ChI astrocyte's synaptic glutamate Y evolves exactly on the neurons'
   grid (decay, then the step's arrivals); each slow step holds it at its value at the step's start
   (Brian2's summed Y_S, read at the astrocytes' clock), and so is its gliotransmitter G_A for the Gamma_S of the
   synapses it covers, advanced exactly over the step (Brian2's summed G_A); the synapses hold Gamma_S from the last
   slow step before their window (see the model's exchange).  A calcium event is Ca rising past an astrocyte's threshold
   over a slow step (Brian2's threshold and refractory condition C > C_Theta); for G-ChI it releases gliotransmitter.
   With k = 1 and the default classical Runge-Kutta step this is NEST's astrocyte_lr_1994 step by step, with a far
   smaller integration error than NEST's RKF45 at 1e-3.
 */
#ifndef SPIKING_ASTRO_H
#define SPIKING_ASTRO_H
#include <petscts.h>
#include <petscsf.h>
#include "kernels.h"

typedef struct {
  PetscInt n;                 /* local astrocytes */
  PetscInt w;                 /* values per astrocyte: 3, or 6 when some are G-ChI */
  const AstroLrParams **par;  /* n: each one's parameters (its population's), or NULL for G-ChI */
  const AstroGchiParams **gc; /* n: a G-ChI one's parameters, or NULL */
  double *y;                  /* n x w: IP3, Ca, h (then Gamma_A, x_A, G_A for G-ChI, 0 otherwise): the TS's solution */
  double *glu, *gheld;        /* n: G-ChI: glutamate Y (uM) now, and held over the slow step under way */
  double *gdecay, *gscale;    /* n: G-ChI: Y's decay over a neuron step, Y's rise per unit of arrived weight */
  double *gam;                /* n: G-ChI: Gamma_S of the synapses it covers, after the last slow step */
  double *in;                 /* n: astrocyte_lr_1994: summed weight of the spikes arrived since the last slow step */
  double *sic;                /* n: the slow inward current after the last slow step */
  double *theta;              /* n: Ca threshold of each one's calcium events (0: none; set by the caller) */
  PetscInt nev, *ev;          /* the astrocytes whose Ca rose past theta in the last slow step (ascending) */
  char *up;                   /* n: Ca above theta before the slow step (scratch) */
  PetscInt k;                 /* neuron steps per slow step */
  double h;                   /* the neuron step (ms) */
  TS ts;
  Vec v;
  /* coupling, through slots of other astrocytes' (IP3, Ca) brought from their ranks by gsf at every right-hand
     side, which is then collective over every rank (all take the same fixed steps):
     gap junctions: the IP3 flux into local astrocyte i from each of gnb[gptr[i] .. gptr[i+1]) (slots);
     diffusion between the compartments of a cell (dpar[i] not NULL): D (other - own) of IP3 and of Ca from each of
     dnb[dptr[i] .. dptr[i+1]), a local astrocyte (>= 0) or slot s (-1 - s; set up: then n + s, its place in groot),
     in a cell's order (parent, children) */
  PetscSF gsf;                       /* roots: local astrocytes; leaves: the slots */
  MPI_Datatype pair;                 /* (IP3, Ca) */
  PetscInt *gptr, *gnb, nslot;       /* n+1 offsets; slot of each junction */
  const AstroGapParams **gpar;       /* parameters of each junction (its projection's) */
  PetscInt *dptr, *dnb;              /* n+1 offsets; each link's other end */
  const AstroDiffusionParams **dpar; /* n: each one's diffusion (its population's), or NULL */
  double *groot, *gleaf;             /* n local, then nslot coupled (IP3, Ca): gleaf = groot + 2 n */
  /* with coupling, the TS is one over every rank (its vector the ranks' astrocytes); with ARKIMEX the diffusion is
     its implicit part, u' - L u = 0, L assembled once over the ranks, and the right-hand side the rest */
  PetscBool coupled, imex;
  Mat L, J;
} SpikingAstro;

PetscErrorCode SpikingAstroSetUp(MPI_Comm comm, SpikingAstro *a, PetscInt n, PetscInt w, PetscInt k, double h,
                                 const char *prefix, PetscBool coupled);
PetscBool SpikingAstroImplicitDiffusion(const SpikingAstro *a);
PetscErrorCode SpikingAstroSetCoupling(SpikingAstro *a, PetscSF sf, PetscInt nslot, PetscInt *gptr, PetscInt *gnb,
                                       const AstroGapParams **gpar, PetscInt *dptr, PetscInt *dnb,
                                       const AstroDiffusionParams **dpar);
PetscErrorCode SpikingAstroAfterNeuronStep(SpikingAstro *a, PetscInt64 t);
void SpikingAstroRefresh(SpikingAstro *a);

/* G-ChI astrocyte i's glutamate after a neuron step whose arrived spike weight was in */
static inline void SpikingAstroGlutamate(SpikingAstro *a, PetscInt i, double in)
{
  a->glu[i] = a->glu[i] * a->gdecay[i] + a->gscale[i] * in;
}
PetscErrorCode SpikingAstroDestroy(SpikingAstro *a);
#endif
