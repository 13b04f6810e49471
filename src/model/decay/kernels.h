/* Point-wise mathematics of the decay test model: one damped linear oscillator per neuron,
     x'' + 2 zeta omega x' + omega^2 x = 0,   state (x, v = x'),
   underdamped (zeta < 1), integrated exactly on a fixed grid by its propagator over one step. */
#ifndef DECAY_KERNELS_H
#define DECAY_KERNELS_H
#include <math.h>
#include <stddef.h>

/* The angular frequency of neuron g, and its start (x, v) = (cos g, 0). */
static inline double DecayOmega(long long g)
{
  return 1.0 + 0.1 * (double)(g % 5);
}

/* (x, v)(t + dt) = P (x, v)(t):  with a = zeta omega, w = omega sqrt(1 - zeta^2), c = cos(w dt), s = sin(w dt),
   P = exp(-a dt) [[c + a s / w, s / w], [-omega^2 s / w, c - a s / w]] */
static inline void DecayPropagator(double omega, double zeta, double dt, double P[4])
{
  const double a = zeta * omega, w = omega * sqrt(1 - zeta * zeta), c = cos(w * dt), s = sin(w * dt);
  const double e = exp(-a * dt);
  P[0]           = e * (c + a * s / w);
  P[1]           = e * s / w;
  P[2]           = -e * omega * omega * s / w;
  P[3]           = e * (c - a * s / w);
}

/* nsteps exact steps of n oscillators; xv holds (x, v) pairs; crossings counts the steps at which x changes sign */
static inline void DecayAdvance(size_t n, const double *restrict P, long long nsteps, double *restrict xv,
                                long long *restrict crossings)
{
  for (size_t i = 0; i < n; i++) {
    const double *p = P + 4 * i;
    double x = xv[2 * i], v = xv[2 * i + 1];
    for (long long k = 0; k < nsteps; k++) {
      const double xn = p[0] * x + p[1] * v, vn = p[2] * x + p[3] * v;
      crossings[i] += (xn > 0) != (x > 0);
      x = xn;
      v = vn;
    }
    xv[2 * i]     = x;
    xv[2 * i + 1] = v;
  }
}

/* The right-hand side (stepper ts): x' = v, v' = -2 zeta omega v - omega^2 x */
static inline void DecayRHS(size_t n, const double *restrict omega, double zeta, const double *restrict xv,
                            double *restrict f)
{
  for (size_t i = 0; i < n; i++) {
    f[2 * i]     = xv[2 * i + 1];
    f[2 * i + 1] = -2 * zeta * omega[i] * xv[2 * i + 1] - omega[i] * omega[i] * xv[2 * i];
  }
}

/* Energy of one oscillator: (v^2 + omega^2 x^2) / 2, which damping makes fall */
static inline double DecayEnergy(double omega, double x, double v)
{
  return 0.5 * (v * v + omega * omega * x * x);
}
#endif
