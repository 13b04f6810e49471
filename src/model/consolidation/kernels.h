/* Point-wise maths of M5, two-factor synaptic consolidation (MODELS.md M5; the authors' RNN.py,
   research/spiking_and_consolidation.md section 2): one synapse's z factors, one neuron's fields
   over the patterns.  No PETSc, no MPI: the twin in tests/ reads the same equations. */
#ifndef TP_CONSOLIDATION_KERNELS_H
#define TP_CONSOLIDATION_KERNELS_H
#include <math.h>
#include <stddef.h>
#include <petscsys.h>

#define CONS_ZMAX 16          /* factors per synapse */
#define CONS_PRUNE 1e-10      /* a synapse with w <= this is pruned (the mask M_ij) */
#define CONS_FLOOR 1e-20      /* factors are clamped at this after every step */
#define CONS_SKIP 1e-19       /* weights below this (pruned: at most 1e-20^z) add less than round-off to any field */
#define CONS_CONVERGED 1e-4   /* the convergence test: changes of density and margin below this, */
#define CONS_NORM_SLACK 0.02  /* |mean_i sum_j w^(2/z) - L| below this, */
#define CONS_DENSITY_MAX 0.99 /* and density below this */

/* w = prod_k u_k */
static inline double ConsWeight(int z, const double *u)
{
  double w = 1;
  for (int k = 0; k < z; k++) w *= u[k];
  return w;
}

/* One gradient step on a synapse's factors, all from the same old u:
     u_k += g prod_{l != k} u_l        (g = eta y x_j, or eta sum_mu a^mu x_j^mu) */
static inline void ConsFactorStep(int z, double g, double *u)
{
  double old[CONS_ZMAX];
  for (int k = 0; k < z; k++) old[k] = u[k];
  for (int k = 0; k < z; k++) {
    double p = 1;
    for (int l = 0; l < z; l++)
      if (l != k) p *= old[l];
    u[k] += g * p;
  }
}

/* The clip after every step: u <- u M (pruned synapses to 0), u <- max(u, 1e-20), u_ii <- 0. */
static inline void ConsClip(int z, int alive, int self, double *u)
{
  for (int k = 0; k < z; k++) {
    const double v = alive ? u[k] : 0.0;
    u[k]           = self ? 0.0 : (v > CONS_FLOOR ? v : CONS_FLOOR);
  }
}

/* The two products of an epoch in tiles of CONS_TR neurons by CONS_TV patterns (or presynaptic
   neurons), accumulated in registers.  Every element is summed in one fixed order (columns, or
   patterns, ascending) whatever the tile sizes and the tile it falls in: the same bits on any
   number of ranks.  Tiled arrays hold the CONS_TR rows of a tile interleaved (element (r, k) at
   k CONS_TR + r); callers pad rows, patterns and columns to whole tiles with zeros. */
#define CONS_TR 4
#if defined(__AVX512F__)
#define CONS_TV 32
#else
#define CONS_TV 16
#endif

/* h[l][r] = sum_c w[c][r] x[c][l], c ascending: the fields of CONS_TR neurons over CONS_TV
   patterns (added to h unless first: a block of columns after another, the same operations).
   Weights below CONS_SKIP count as 0 (exactly what they add, the same on any rank), columns where
   all CONS_TR do are skipped. */

static inline void ConsFieldsTile(size_t ncol, const double *restrict w, const double *restrict x, size_t ldx,
                                  double *restrict h, int first)
{
  double acc[CONS_TR][CONS_TV] = {{0}};
  if (!first)
    for (int l = 0; l < CONS_TV; l++)
      for (int r = 0; r < CONS_TR; r++) acc[r][l] = h[l * CONS_TR + r];
  for (size_t c = 0; c < ncol; c++) {
    double wr[CONS_TR];
    int any = 0;
    for (int r = 0; r < CONS_TR; r++) wr[r] = w[c * CONS_TR + r] >= CONS_SKIP ? w[c * CONS_TR + r] : 0;
    for (int r = 0; r < CONS_TR; r++) any |= wr[r] != 0;
    if (!any) continue;
    for (int r = 0; r < CONS_TR; r++)
      for (int l = 0; l < CONS_TV; l++) acc[r][l] += wr[r] * x[c * ldx + l];
  }
  for (int l = 0; l < CONS_TV; l++)
    for (int r = 0; r < CONS_TR; r++) h[l * CONS_TR + r] = acc[r][l];
}

/* g[l][r] = sum_mu a[mu][r] x[mu][l], mu ascending: the soft-min's sum_mu a_i^mu x_j^mu for
   CONS_TR neurons and CONS_TV presynaptic neurons. */
static inline void ConsGradientTile(size_t M, const double *restrict a, const double *restrict x, size_t ldx,
                                    double *restrict g, int first)
{
  double acc[CONS_TR][CONS_TV] = {{0}};
  if (!first)
    for (int l = 0; l < CONS_TV; l++)
      for (int r = 0; r < CONS_TR; r++) acc[r][l] = g[l * CONS_TR + r];
  for (size_t mu = 0; mu < M; mu++)
    for (int r = 0; r < CONS_TR; r++)
      for (int l = 0; l < CONS_TV; l++) acc[r][l] += a[mu * CONS_TR + r] * x[mu * ldx + l];
  for (int l = 0; l < CONS_TV; l++)
    for (int r = 0; r < CONS_TR; r++) g[l * CONS_TR + r] = acc[r][l];
}

/* The step and clip of one synapse (ConsFactorStep() when alive and g != 0, then ConsClip());
   returns sum_k u_k^2 after them, for the row's scaling.  z = 1 and 2 written out (the same bits). */
static inline double ConsStepClip(int z, double g, int alive, int self, double *u)
{
  double s = 0;
  if (z == 2) {
    const double u0 = u[0], u1 = u[1];
    double v0 = u0, v1 = u1;
    if (alive && g != 0) {
      v0 = u0 + g * u1;
      v1 = u1 + g * u0;
    }
    if (!alive) v0 = v1 = 0;
    v0   = self ? 0.0 : (v0 > CONS_FLOOR ? v0 : CONS_FLOOR);
    v1   = self ? 0.0 : (v1 > CONS_FLOOR ? v1 : CONS_FLOOR);
    u[0] = v0;
    u[1] = v1;
    return v0 * v0 + v1 * v1;
  }
  if (z == 1) {
    double v = alive ? u[0] + g : 0.0;
    v        = self ? 0.0 : (v > CONS_FLOOR ? v : CONS_FLOOR);
    u[0]     = v;
    return v * v;
  }
  if (alive && g != 0) ConsFactorStep(z, g, u);
  ConsClip(z, alive, self, u);
  for (int k = 0; k < z; k++) s += u[k] * u[k];
  return s;
}

/* ConsStepClip() for z = 2 over a row of n synapses, without branches (vectorised): factors u
   (n x 2), weights w before the step, gradients g[cs[q] ld] (times eta), self flags; sq[q]
   receives sum_k u_k^2 of each. */
static inline void ConsStepClip2(size_t n, double eta, const double *restrict g, size_t ld, const PetscInt *restrict cs,
                                 const double *restrict w, const char *restrict self, double *restrict u,
                                 double *restrict sq)
{
  for (size_t q = 0; q < n; q++) {
    const int alive = w[q] > CONS_PRUNE;
    const double gq = eta * g[(size_t)cs[q] * ld], u0 = u[2 * q], u1 = u[2 * q + 1];
    double v0 = alive ? u0 + gq * u1 : 0.0, v1 = alive ? u1 + gq * u0 : 0.0;
    v0           = v0 > CONS_FLOOR ? v0 : CONS_FLOOR;
    v1           = v1 > CONS_FLOOR ? v1 : CONS_FLOOR;
    v0           = self[q] ? 0.0 : v0;
    v1           = self[q] ? 0.0 : v1;
    u[2 * q]     = v0;
    u[2 * q + 1] = v1;
    sq[q]        = v0 * v0 + v1 * v1;
  }
}

/* The same for z = 1 (u: n values). */
static inline void ConsStepClip1(size_t n, double eta, const double *restrict g, size_t ld, const PetscInt *restrict cs,
                                 const double *restrict w, const char *restrict self, double *restrict u,
                                 double *restrict sq)
{
  for (size_t q = 0; q < n; q++) {
    const int alive = w[q] > CONS_PRUNE;
    const double gq = eta * g[(size_t)cs[q] * ld];
    double v        = alive ? u[q] + gq : 0.0;

    v     = v > CONS_FLOOR ? v : CONS_FLOOR;
    v     = self[q] ? 0.0 : v;
    u[q]  = v;
    sq[q] = v * v;
  }
}

/* A row's homeostatic scaling, u /= c, and its weights w = u_1 u_2 (z = 2), w = u (z = 1). */
static inline void ConsScale2(size_t n, double c, double *restrict u, double *restrict w)
{
  for (size_t q = 0; q < n; q++) {
    const double u0 = u[2 * q] / c, u1 = u[2 * q + 1] / c;
    u[2 * q]     = u0;
    u[2 * q + 1] = u1;
    w[q]         = u0 * u1;
  }
}

static inline void ConsScale1(size_t n, double c, double *restrict u, double *restrict w)
{
  for (size_t q = 0; q < n; q++) w[q] = u[q] = u[q] / c;
}

/* sum_q v[q] in eight interleaved partial sums
 added in a fixed order (vectorised, the same bits
   on any rank) */
static inline double ConsSum(size_t n, const double *restrict v)
{
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, t = 0;
  size_t q = 0;
  for (; q + 8 <= n; q += 8)
    for (int l = 0; l < 8; l++) s[l] += v[q + l];
  for (; q < n; q++) t += v[q];
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + t;
}

/* sign(h): -1, 0, +1 */
static inline double ConsSign(double h)
{
  return (double)((h > 0) - (h < 0));
}

/* The worst pattern of one neuron: mu* = argmin_mu y^mu h^mu (the first of equals; h, y at stride ld);
   also its mean |h| (<|h|>, the soft-min's normaliser). */
static inline size_t ConsWorst(size_t M, const double *h, size_t ld, const double *y, double *kappa, double *hmean)
{
  size_t best = 0;
  double k = INFINITY, s = 0;
  for (size_t mu = 0; mu < M; mu++) {
    const double v = y[mu * ld] * h[mu * ld];
    if (v < k) {
      k    = v;
      best = mu;
    }
    s += fabs(h[mu * ld]);
  }
  *kappa = k;
  *hmean = s / (double)M;
  return best;
}

/* The soft-min weights of one neuron, in place of h, with self-supervised targets sign(h):
     L^mu = exp(-beta |h^mu| / hprev),  a^mu = L^mu sign(h^mu) / sum_nu L^nu
   hprev is <|h|> of the previous epoch, *hmean becomes this one's; returns sum_mu a^mu. */
static inline double ConsSoftMin(size_t M, double beta, double hprev, double *h, size_t ld, double *hmean)
{
  double sl = 0, sa = 0, s = 0;
  for (size_t mu = 0; mu < M; mu++) {
    const double l = exp(-beta * fabs(h[mu * ld]) / hprev);
    s += fabs(h[mu * ld]);
    sl += l;
    h[mu * ld] = l * ConsSign(h[mu * ld]);
  }
  for (size_t mu = 0; mu < M; mu++) {
    h[mu * ld] /= sl;
    sa += h[mu * ld];
  }
  *hmean = s / (double)M;
  return sa;
}

/* erfinv(y) for |y| < 1: Giles' single-precision approximation, then Newton on libm's erf. */
static inline double ConsErfinv(double y)
{
  double w = -log((1.0 - y) * (1.0 + y)), p, x;
  if (y == 0) return 0;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  x = p * y;
  for (int it = 0; it < 3; it++) x -= (erf(x) - y) / (1.1283791670955126 * exp(-x * x));
  return x;
}

/* The initial threshold of a neuron (Gaussian approximation at coding level f):
     theta = f sum_j w_j + sqrt(2 f (1-f) sum_j w_j^2) erfinv(1 - 2f) */
static inline double ConsBias(double f, double sw, double sw2)
{
  return f * sw + sqrt(2 * f * (1 - f) * sw2) * ConsErfinv(1 - 2 * f);
}
/* The critical load alpha_c(f) of a sign-constrained perceptron with a learned threshold at coding
   level f (Gardner; Brunel et al. 2004): 1 / alpha_c = 2 min_x g(x),
     g(x) = f [(1 + x^2) Phi(x) + x phi(x)] + (1 - f) [(1 + x^2) Q(x) - x phi(x)],
   1.0 at f = 0.5, 3.041 at f = 0.05 (the authors' theory/l2_crit.npy).  g is convex: bisection on g'. */
static inline double ConsCriticalLoad(double f)
{
  double lo = -40, hi = 40, x = 0, P, Q, ph;
  for (int it = 0; it < 200; it++) {
    x  = 0.5 * (lo + hi);
    P  = 0.5 * erfc(-x / sqrt(2.0));
    Q  = 0.5 * erfc(x / sqrt(2.0));
    ph = exp(-0.5 * x * x) / sqrt(2 * M_PI);
    if (f * (x * P + ph) + (1 - f) * (x * Q - ph) > 0)
      hi = x;
    else
      lo = x;
  }
  P  = 0.5 * erfc(-x / sqrt(2.0));
  Q  = 0.5 * erfc(x / sqrt(2.0));
  ph = exp(-0.5 * x * x) / sqrt(2 * M_PI);
  return 1.0 / (2 * (f * ((1 + x * x) * P + x * ph) + (1 - f) * ((1 + x * x) * Q - x * ph)));
}
#endif
