/* Point-wise mathematics of M2 and M3 (MODELS.md) on plain arrays: no PETSc, no allocation.

   Every model here drives the neurons through the K overlaps m_mu = sum_j xi_j^mu phi(x_j):
     tau_x dx_i/dt = -x_i + sum_mu xi_i^mu w_mu(m)
   and differs only in the pattern weights w(m):
     hopfield  w = m / N                       (W = (1/N) Xi Xi^T)
     gated     w = (K/N) a m                   (W(a) = (K/N) Xi diag(a) Xi^T)
     dam       w = (m/N)^(n-1)                 (F(z) = z^n/n on the normalised overlap)
     modern    w = softmax(beta m)             (phi = identity: x <- Xi softmax(beta Xi^T x)) */
#ifndef ATTRACTOR_KERNELS_H
#define ATTRACTOR_KERNELS_H
#include <math.h>
#include <stddef.h>

/* m[mu] += sum_i xi[i*K + mu] phi[i] over n rows (xi row-major, K patterns per row), the rows added
   in order; four rows per pass over m, so that m is loaded and stored a quarter as often (the same
   operations in the same order as a row per pass) */
static inline void AttrOverlaps(size_t n, size_t K, const double *restrict xi, const double *restrict phi,
                                double *restrict m)
{
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const double *restrict r0 = xi + i * K, *restrict r1 = r0 + K, *restrict r2 = r1 + K, *restrict r3 = r2 + K;
    const double v0 = phi[i], v1 = phi[i + 1], v2 = phi[i + 2], v3 = phi[i + 3];
#pragma omp simd
    for (size_t mu = 0; mu < K; mu++) {
      double acc = m[mu];
      acc += r0[mu] * v0;
      acc += r1[mu] * v1;
      acc += r2[mu] * v2;
      acc += r3[mu] * v3;
      m[mu] = acc;
    }
  }
  for (; i < n; i++) {
    const double *restrict r = xi + i * K;
    const double v           = phi[i];
#pragma omp simd
    for (size_t mu = 0; mu < K; mu++) m[mu] += r[mu] * v;
  }
}

/* dx_i = (-x_i + sum_mu xi_i^mu w_mu) / tau; four rows at a time, so that four independent sums
   hide the latency of the fused multiply-adds */
static inline void AttrNeurons(size_t n, size_t K, double tau, const double *restrict xi, const double *restrict w,
                               const double *restrict x, double *restrict dx)
{
  const double r = 1.0 / tau;
  size_t i       = 0;
  for (; i + 4 <= n; i += 4) {
    const double *restrict r0 = xi + i * K, *restrict r1 = r0 + K, *restrict r2 = r1 + K, *restrict r3 = r2 + K;
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
#pragma omp simd reduction(+ : a0, a1, a2, a3)
    for (size_t mu = 0; mu < K; mu++) {
      a0 += r0[mu] * w[mu];
      a1 += r1[mu] * w[mu];
      a2 += r2[mu] * w[mu];
      a3 += r3[mu] * w[mu];
    }
    dx[i]     = r * (a0 - x[i]);
    dx[i + 1] = r * (a1 - x[i + 1]);
    dx[i + 2] = r * (a2 - x[i + 2]);
    dx[i + 3] = r * (a3 - x[i + 3]);
  }
  for (; i < n; i++) {
    const double *restrict row = xi + i * K;
    double acc                 = 0;
#pragma omp simd reduction(+ : acc)
    for (size_t mu = 0; mu < K; mu++) acc += row[mu] * w[mu];
    dx[i] = r * (acc - x[i]);
  }
}

/* w = (m/N)^(n-1) */
static inline void DamWeights(size_t K, double N, int n, const double *restrict m, double *restrict w)
{
  for (size_t mu = 0; mu < K; mu++) {
    const double z = m[mu] / N;
    double p       = 1;
    for (int q = 1; q < n; q++) p *= z;
    w[mu] = p;
  }
}

/* w = softmax(beta m); returns log sum exp(beta m) / beta */
static inline double Softmax(size_t K, double beta, const double *restrict m, double *restrict w)
{
  double mx = -INFINITY, sum = 0;
  for (size_t mu = 0; mu < K; mu++) mx = fmax(mx, beta * m[mu]);
  for (size_t mu = 0; mu < K; mu++) sum += (w[mu] = exp(beta * m[mu] - mx));
  for (size_t mu = 0; mu < K; mu++) w[mu] /= sum;
  return (mx + log(sum)) / beta;
}

/* The entropy-regularised replicator on the simplex:
     tau_a da_mu/dt = a_mu (g_mu - sum_nu a_nu g_nu),  g_mu = f_mu - T log a_mu,  f_mu = m_mu^2 / (2N)
   which is (diag(a) - a a^T)(f - T log a).  A gain that reached 0 stays there (a_mu log a_mu -> 0).
   g must hold log(a) on entry (computed in bulk by the caller). */
static inline void Replicator(size_t K, double N, double T, double tau_a, const double *restrict m,
                              const double *restrict a, double *restrict g, double *restrict da)
{
  double mean = 0;
#pragma omp simd reduction(+ : mean)
  for (size_t mu = 0; mu < K; mu++) {
    g[mu] = m[mu] * m[mu] / (2 * N) - (a[mu] > 0 ? T * g[mu] : 0);
    mean += a[mu] * g[mu];
  }
#pragma omp simd
  for (size_t mu = 0; mu < K; mu++) da[mu] = a[mu] * (g[mu] - mean) / tau_a;
}

/* sum_mu a_mu log a_mu (0 log 0 = 0) */
static inline double NegEntropy(size_t K, const double *restrict a)
{
  double s = 0;
  for (size_t mu = 0; mu < K; mu++)
    if (a[mu] > 0) s += a[mu] * log(a[mu]);
  return s;
}
#endif
