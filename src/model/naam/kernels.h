/* Point-wise mathematics of M1 (MODELS.md), on plain arrays: one row of synapses at a time.
   No PETSc, no allocation.  col == NULL means the row holds every presynaptic neuron in order. */
#ifndef NAAM_KERNELS_H
#define NAAM_KERNELS_H
#include <stddef.h>
#include <petscsystypes.h> /* PetscInt only */

typedef struct {
  double tau_n, tau_s, tau_p;    /* time constants */
  double lambda, alpha, gamma;   /* leaks */
  double beta_n, beta_s, beta_p; /* gains of phi, g, psi */
  double b, c, d;                /* biases */
} NaamParams;

#define NAAM_PRE(phicol, col, q) ((col) ? (phicol)[(col)[q]] : (phicol)[q])

/* sum_j g(s_ij) phi(x_j) over one row */
static inline double NaamRowInput(size_t n, const double *restrict g, const double *restrict phicol,
                                  const PetscInt *restrict col)
{
  double acc = 0;
  if (col) {
    for (size_t q = 0; q < n; q++) acc += g[q] * phicol[col[q]];
  } else {
#pragma omp simd reduction(+ : acc)
    for (size_t q = 0; q < n; q++) acc += g[q] * phicol[q];
  }
  return acc;
}

/* tau_s ds_ij/dt = -alpha s_ij + phi(x_i) phi(x_j) + psi(p_ij) + c */
static inline void NaamRowSynapse(const NaamParams *P, size_t n, const double *restrict s, const double *restrict psi,
                                  double phi_i, const double *restrict phicol, const PetscInt *restrict col,
                                  double *restrict ds)
{
  const double r = 1.0 / P->tau_s, a = P->alpha, c = P->c;
  if (col) {
    for (size_t q = 0; q < n; q++) ds[q] = r * (-a * s[q] + phi_i * phicol[col[q]] + psi[q] + c);
  } else {
#pragma omp simd
    for (size_t q = 0; q < n; q++) ds[q] = r * (-a * s[q] + phi_i * phicol[q] + psi[q] + c);
  }
}

/* tau_p dp_ij/dt = -gamma p_ij + g(s_ij) + d + (T psi)_ij: the local part; (T psi)_ij / tau_p is added later */
static inline void NaamRowProcess(const NaamParams *P, size_t n, const double *restrict p, const double *restrict g,
                                  double *restrict dp)
{
  const double r = 1.0 / P->tau_p, gm = P->gamma, d = P->d;
#pragma omp simd
  for (size_t q = 0; q < n; q++) dp[q] = r * (-gm * p[q] + g[q] + d);
}

/* Energy density of one row of synapses and processes (without the coupling term):
   1/2 [alpha (s g - L_s(s)) - c g] + 1/2 [gamma (p psi - L_p(p)) - d psi] - 1/2 g phi_i phi_j - 1/2 psi g
   Ls, Lp hold log cosh(beta s)/beta_s and log cosh(beta p)/beta_p. */
static inline double NaamRowEnergy(const NaamParams *P, size_t n, const double *restrict s, const double *restrict p,
                                   const double *restrict g, const double *restrict psi, const double *restrict Ls,
                                   const double *restrict Lp, double phi_i, const double *restrict phicol,
                                   const PetscInt *restrict col)
{
  double e = 0;
  for (size_t q = 0; q < n; q++) {
    const double phj = NAAM_PRE(phicol, col, q);
    e += P->alpha * (s[q] * g[q] - Ls[q]) - P->c * g[q] + P->gamma * (p[q] * psi[q] - Lp[q]) - P->d * psi[q] -
         g[q] * phi_i * phj - psi[q] * g[q];
  }
  return 0.5 * e;
}
#endif
