/* Point-wise mathematics of M4's spiking neurons (MODELS.md M4; NEST's models of the same names).

   Every neuron is integrated exactly on the grid of step h (NEST's "exact integration", Rotter &
   Diesmann 1999): the subthreshold dynamics are linear, so one step is a fixed propagator.
   Potentials are relative to E_L inside the kernels, as NEST keeps them.

   iaf_psc_delta:  tau_m dV/dt = -V + R I_e, each arriving spike makes V jump by its weight (mV);
                   spikes arriving while refractory are lost.
   iaf_psc_exp:    tau_m dV/dt = -V + R (I_ex + I_in + I_e),  dI_x/dt = -I_x / tau_syn_x,
                   each arriving spike adds its weight (pA) to I_ex (weight >= 0) or I_in (< 0).
   Both:           V >= V_th  ->  spike, V = V_reset, clamped for t_ref (whole steps). */
#ifndef SPIKING_KERNELS_H
#define SPIKING_KERNELS_H
#include <math.h>
#include <stdint.h>

/* The propagators of one population over one step h. */
typedef struct {
  double P22;          /* exp(-h / tau_m): V -> V */
  double P20;          /* tau_m / C_m (1 - P22): I_e -> V */
  double P11ex, P11in; /* exp(-h / tau_syn): I -> I */
  double P21ex, P21in; /* I_syn -> V over one step */
  double theta, reset; /* V_th - E_L, V_reset - E_L */
  double I_e;          /* pA */
  int64_t refractory;  /* t_ref in steps */
} SpikingPropagator;

/* V(h) of dV/dt = -V / tau_m + I / C_m from V(0) = 0, I decaying by tau_s from I(0) = 1: the current's
   contribution to V after one step, tau_s tau_m / (C_m (tau_m - tau_s)) (e^{-h/tau_m} - e^{-h/tau_s}),
   written with expm1 so that it stays accurate as tau_s approaches tau_m (h e^{-h/tau} / C_m there). */
static inline double SpikingP21(double tau_s, double tau_m, double C_m, double h)
{
  const double d = 1.0 / tau_s - 1.0 / tau_m;
  if (d == 0) return h * exp(-h / tau_m) / C_m;
  return -exp(-h / tau_m) * expm1(-h * d) / (d * C_m);
}

static inline void SpikingPropagatorSet(SpikingPropagator *k, double h, double C_m, double tau_m, double tau_ex,
                                        double tau_in, double E_L, double V_th, double V_reset, double I_e,
                                        int64_t refractory)
{
  k->P22        = exp(-h / tau_m);
  k->P20        = -tau_m / C_m * expm1(-h / tau_m);
  k->P11ex      = exp(-h / tau_ex);
  k->P11in      = exp(-h / tau_in);
  k->P21ex      = SpikingP21(tau_ex, tau_m, C_m, h);
  k->P21in      = SpikingP21(tau_in, tau_m, C_m, h);
  k->theta      = V_th - E_L;
  k->reset      = V_reset - E_L;
  k->I_e        = I_e;
  k->refractory = refractory;
}

/* One step of iaf_psc_delta (NEST's update order): returns 1 when the neuron spikes. */
static inline int IafPscDeltaStep(const SpikingPropagator *k, double *V, int64_t *r, double input)
{
  if (*r == 0)
    *V = k->P20 * k->I_e + k->P22 * *V + input;
  else
    --*r;
  if (*V >= k->theta) {
    *r = k->refractory;
    *V = k->reset;
    return 1;
  }
  return 0;
}

/* One step of iaf_psc_exp: V from the currents at the step's start, then the currents decay and take
   the spikes that arrive; returns 1 when the neuron spikes. */
static inline int IafPscExpStep(const SpikingPropagator *k, double *V, double *Iex, double *Iin, int64_t *r,
                                double in_ex, double in_in)
{
  if (*r == 0)
    *V = *V * k->P22 + *Iex * k->P21ex + *Iin * k->P21in + k->I_e * k->P20;
  else
    --*r;
  *Iex = *Iex * k->P11ex + in_ex;
  *Iin = *Iin * k->P11in + in_in;
  if (*V >= k->theta) {
    *r = k->refractory;
    *V = k->reset;
    return 1;
  }
  return 0;
}

/* A Poisson count of mean lambda from one uniform u in [0, 1), by inversion (expl = e^{-lambda});
   the search stops at 10 lambda + 40, far out in the tail. */
static inline int SpikingPoisson(double u, double lambda, double expl)
{
  double p = expl, F = p;
  int k = 0, kmax = (int)(10 * lambda) + 40;
  while (u >= F && k < kmax) {
    k++;
    p *= lambda / k;
    F += p;
  }
  return k;
}
#endif
