/* Point-wise mathematics of M2 and M3 (MODELS.md) on plain arrays: no PETSc, no allocation.

   Every model here drives the neurons through the K overlaps m_mu = sum_j xi_j^mu phi(x_j):
     tau_x dx_i/dt = -x_i + sum_mu xi_i^mu w_mu(m)
   and differs only in the pattern weights w(m):
     hopfield  w = m / N                       (W = (1/N) Xi Xi^T)
     gated     w = (K/N) a m                   (W(a) = (K/N) Xi diag(a) Xi^T)
     dam       w = (m/N)^(n-1)                 (F(z) = z^n/n on the normalised overlap)
     modern    w = softmax(beta m)             (phi = identity: x <- Xi softmax(beta Xi^T x))
   and, after them, the discrete update of the dense associative memory (DamDecide()). */
#ifndef ATTRACTOR_KERNELS_H
#define ATTRACTOR_KERNELS_H
#include <math.h>
#include <stddef.h>
#include <stdint.h>

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

/* Krotov and Hopfield's discrete update of the dense associative memory (MODELS.md M3), neuron i
   left out of its own overlaps: with h_mu = m_mu - xi_i^mu s_i (the overlaps without neuron i),
     s_i <- sign( sum_mu [F(xi_i^mu + h_mu) - F(-xi_i^mu + h_mu)] ) = sign( sum_mu xi_i^mu G(h_mu) ),
   G(h) = F(h + 1) - F(h - 1), F(z) = z^n / n, since xi = +-1.  Here
     n G(h) = (h + 1)^n - (h - 1)^n = 2 sum_{k odd} C(n,k) h^(n-k),
   a polynomial whose terms all have the sign of h (no cancellation), in powers of h^2 once h is
   taken out for even n.  Where K (N + 1)^n fits in 62 bits it is summed exactly in integers, so
   that ties (a sum of 0: the neuron keeps its state) are ties; beyond, in floating point scaled by
   N^(n-1), G(h) / N^(n-1) = (2/n) sum_{k odd} C(n,k) z^(n-k) N^(1-k), z = h / N.  ci[q] and c[q],
   q = 0 .. (n-1)/2, are the coefficients of the q-th power of h^2 and of z^2. */
static inline int DamDifferenceCoefficients(int n, double N, double K, int64_t *ci, double *c)
{
  const int exact = K * pow(N + 1, n) < 0x1p62;
  double C        = 1; /* C(n, k) */
  for (int k = 1; k <= n; k++) {
    C = C * (n - k + 1) / k;
    if (k % 2) {
      c[(n - k) / 2]  = 2.0 / n * C * pow(N, 1 - k);
      ci[(n - k) / 2] = exact ? 2 * (int64_t)C : 0;
    }
  }
  return exact;
}

/* The new state of neuron i (patterns xi of its row, state s) from the overlaps m of the whole
   state, m_mu = sum_j xi_j^mu s_j: sign( sum_mu xi_i^mu G(m_mu - xi_i^mu s) ), s where that is 0;
   exactly with ci (exact, DamDifferenceCoefficients()), else in floating point with c.  The sum
   runs over mu in order, so that the decision does not depend on the ranks. */
static inline double DamDecide(size_t K, double N, int n, int exact, const int64_t *ci, const double *c,
                               const double *restrict xi, const double *restrict m, double s)
{
  const int top = (n - 1) / 2;
  if (exact) {
    int64_t sum = 0;
    for (size_t mu = 0; mu < K; mu++) {
      const int64_t h = (int64_t)(m[mu] - xi[mu] * s), w = h * h;
      int64_t g = 0;
      for (int q = top; q >= 0; q--) g = g * w + ci[q];
      sum += (xi[mu] > 0 ? 1 : -1) * (n % 2 ? g : h * g);
    }
    return sum > 0 ? 1.0 : sum < 0 ? -1.0 : s;
  } else {
    double sum = 0;
    for (size_t mu = 0; mu < K; mu++) {
      const double z = (m[mu] - xi[mu] * s) / N, w = z * z;
      double g = 0;
      for (int q = top; q >= 0; q--) g = g * w + c[q];
      sum += xi[mu] * (n % 2 ? g : z * g);
    }
    return sum > 0 ? 1.0 : sum < 0 ? -1.0 : s;
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
