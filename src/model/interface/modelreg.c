/* The registered models: one line each.  Adding a model is a folder under src/model/, a line here
   and a line in CMakeLists.txt (README, "Adding a model"). */
#include "modelimpl.h"

#define TP_MODELS(X)                                                                                                   \
  X("naam", TpModelCreate_Naam)                   /* M1, the neuron-astrocyte associative memory */                    \
  X("gated", TpModelCreate_Gated)                 /* M2, the astrocyte-gated memory */                                 \
  X("hopfield", TpModelCreate_Hopfield)           /* M3: classical continuous Hopfield */                              \
  X("dam", TpModelCreate_Dam)                     /* M3: dense associative memory */                                   \
  X("modern", TpModelCreate_Modern)               /* M3: modern Hopfield */                                            \
  X("oracle", TpModelCreate_Oracle)               /* M3: the nearest stored pattern */                                 \
  X("consolidation", TpModelCreate_Consolidation) /* M5: two-factor synaptic consolidation */                          \
  X("spiking", TpModelCreate_Spiking)             /* M4: spiking neurons in populations and projections */             \
  X("decay", TpModelCreate_Decay)                 /* test model: linear relaxation on a fixed grid, exact */           \
  X("jacobi", TpModelCreate_Jacobi)               /* test model: a contraction map iterated to its fixed point */

#define X(name, create) PETSC_EXTERN PetscErrorCode create(TpModel);
TP_MODELS(X)
#undef X

PETSC_INTERN PetscErrorCode TpModelRegisterAll(void)
{
  PetscFunctionBegin;
#define X(name, create) PetscCall(TpModelRegister(name, create));
  TP_MODELS(X)
#undef X
  PetscFunctionReturn(0);
}
