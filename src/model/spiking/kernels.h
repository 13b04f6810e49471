/* Point-wise mathematics of M4's spiking neurons (MODELS.md M4; NEST's models of the same names).

   Every neuron is integrated exactly on the grid of step h (NEST's "exact integration", Rotter &
   Diesmann 1999): the subthreshold dynamics are linear, so one step is a fixed propagator.
   Potentials are relative to E_L inside the kernels, as NEST keeps them.

   iaf_psc_delta:  tau_m dV/dt = -V + R I_e, each arriving spike makes V jump by its weight (mV);
                   spikes arriving while refractory are lost.
   iaf_psc_exp:    tau_m dV/dt = -V + R (I_ex + I_in + I_e),  dI_x/dt = -I_x / tau_syn_x,
                   each arriving spike adds its weight (pA) to I_ex (weight >= 0) or I_in (< 0).
   iaf_psc_alpha:  as iaf_psc_exp with alpha-shaped currents, dI_x/dt = R_x - I_x / tau_syn_x,
                   dR_x/dt = -R_x / tau_syn_x, each arriving spike adds e / tau_syn_x times its weight to
                   R_x (a PSC of peak w at t = tau_syn_x).
   All three:      V >= V_th  ->  spike, V = V_reset, clamped for t_ref (whole steps).
   izhikevich:     dv/dt = 0.04 v^2 + 5 v + 140 - u + I_e, du/dt = a (b v - u), forward Euler from the
                   step's start (NEST's consistent_integration); spikes make v jump by their weight;
                   v >= V_th -> spike, v = c, u += d.
   aeif_cond_alpha: C_m dV/dt = -g_L (V - E_L) + g_L Delta_T e^{(V - V_th)/Delta_T} - g_ex (V - E_ex)
                   - g_in (V - E_in) - w + I_e + I_SIC,  tau_w dw/dt = a (V - E_L) - w, alpha-shaped
                   conductances (nS) as iaf_psc_alpha's currents; classical Runge-Kutta on substeps,
                   V bounded by V_peak inside the right-hand side as NEST does; V >= V_peak -> spike,
                   V = V_reset, w += b, clamped for t_ref.
   coba_lif:       C_m dV/dt = g_L (E_L - V) + g_ex (E_ex - V) + g_in (E_in - V) + I_e,
                   dg_x/dt = -g_x / tau_syn_x, forward Euler (Brian2's method='euler', Stimberg et al.
                   2018 examples 1 and 6), V > V_th -> spike, V = V_reset, V held for t_ref as Brian2's
                   "unless refractory" holds it (t_ref / h - 1 whole steps); spikes add their weight (nS)
                   to g_x.
   Conductance-based types take inhibitory weights as negative numbers (NEST's convention) and add
   their magnitude to g_in. */
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
  /* iaf_psc_alpha */
  double P31ex, P31in; /* R_x -> V over one step */
  double Q21ex, Q21in; /* R_x -> I_x over one step: h e^{-h/tau_syn} */
  double a0ex, a0in;   /* e / tau_syn: a unit weight's jump of R_x */
} SpikingPropagator;

/* V(h) of dV/dt = -V / tau_m + I / C_m from V(0) = 0 when I(t) = t e^{-t/tau_s}: e^{-h/tau_m}
   (1 - e^{-x} (1 + x)) / (C_m d^2), x = d h, d = 1/tau_s - 1/tau_m; by its series when x is small
   (the closed form cancels there) and (h^2 / 2) e^{-h/tau_m} / C_m at d = 0. */
static inline double SpikingP31(double tau_s, double tau_m, double C_m, double h)
{
  const double d = 1.0 / tau_s - 1.0 / tau_m, x = d * h;
  double g = 0, term = 0.5; /* g = (1 - e^{-x} (1 + x)) / x^2 = sum over n >= 2 of (-1)^n (n - 1) x^(n-2) / n! */
  if (fabs(x) > 0.5) return exp(-h / tau_m) * (-expm1(-x) - x * exp(-x)) / (d * d * C_m);
  for (int n = 2; n < 40; n++) {
    g += (n - 1) * term;
    term *= -x / (n + 1);
  }
  return exp(-h / tau_m) * h * h * g / C_m;
}

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
  k->P31ex      = SpikingP31(tau_ex, tau_m, C_m, h);
  k->P31in      = SpikingP31(tau_in, tau_m, C_m, h);
  k->Q21ex      = h * k->P11ex;
  k->Q21in      = h * k->P11in;
  k->a0ex       = M_E / tau_ex;
  k->a0in       = M_E / tau_in;
}

/* The tail every integrate-and-fire type shares, written without branches so that a population's
   loop vectorises: V_new (the integrated potential) is taken only when the neuron was not
   refractory, else the count goes down; then the threshold, the reset and the clamp for t_ref.
   Returns 1 when the neuron spikes. */
static inline int SpikingClampFire(const SpikingPropagator *k, double V_old, double V_new, double *V, int64_t *r)
{
  const int64_t r0 = *r;
  const double v   = r0 == 0 ? V_new : V_old;
  const int fire   = v >= k->theta;
  const int64_t rn = r0 == 0 ? 0 : r0 - 1;
  *V               = fire ? k->reset : v;
  *r               = fire ? k->refractory : rn;
  return fire;
}

/* One step of iaf_psc_delta (NEST's update order): returns 1 when the neuron spikes. */
static inline int IafPscDeltaStep(const SpikingPropagator *k, double *V, int64_t *r, double input)
{
  return SpikingClampFire(k, *V, k->P20 * k->I_e + k->P22 * *V + input, V, r);
}

/* The spikes that arrive in a step (their sums in_ex, in_in), taken at its end by the types whose input
   is synaptic state: s_ex += a_ex in_ex, s_in += a_in in_in.  Each such type's step is its ...Advance
   (the step without them; it reads no input) and then this: the first step of a window can run before
   the spikes of the window that ended have arrived, while they travel. */
static inline void SpikingArrive(double *s_ex, double *s_in, double a_ex, double a_in, double in_ex, double in_in)
{
  *s_ex = *s_ex + a_ex * in_ex;
  *s_in = *s_in + a_in * in_in;
}

/* One step of iaf_psc_exp: V from the currents at the step's start, then the currents decay (and take
   the spikes that arrive: SpikingArrive, a = 1); returns 1 when the neuron spikes. */
static inline int IafPscExpAdvance(const SpikingPropagator *k, double *V, double *Iex, double *Iin, int64_t *r)
{
  const double Vn = *V * k->P22 + *Iex * k->P21ex + *Iin * k->P21in + k->I_e * k->P20;
  *Iex            = *Iex * k->P11ex;
  *Iin            = *Iin * k->P11in;
  return SpikingClampFire(k, *V, Vn, V, r);
}

static inline int IafPscExpStep(const SpikingPropagator *k, double *V, double *Iex, double *Iin, int64_t *r,
                                double in_ex, double in_in)
{
  const int fire = IafPscExpAdvance(k, V, Iex, Iin, r);
  SpikingArrive(Iex, Iin, 1.0, 1.0, in_ex, in_in);
  return fire;
}

/* One step of iaf_psc_alpha (NEST's order): V from the step's start, then I and R (then R takes the
   arriving spikes: SpikingArrive, a = a0). */
static inline int IafPscAlphaAdvance(const SpikingPropagator *k, double *V, double *Iex, double *Iin, double *Rex,
                                     double *Rin, int64_t *r)
{
  const double Vn =
      k->P20 * k->I_e + k->P31ex * *Rex + k->P21ex * *Iex + k->P31in * *Rin + k->P21in * *Iin + k->P22 * *V;
  *Iex = k->Q21ex * *Rex + k->P11ex * *Iex;
  *Rex = *Rex * k->P11ex;
  *Iin = k->Q21in * *Rin + k->P11in * *Iin;
  *Rin = *Rin * k->P11in;
  return SpikingClampFire(k, *V, Vn, V, r);
}

static inline int IafPscAlphaStep(const SpikingPropagator *k, double *V, double *Iex, double *Iin, double *Rex,
                                  double *Rin, int64_t *r, double in_ex, double in_in)
{
  const int fire = IafPscAlphaAdvance(k, V, Iex, Iin, Rex, Rin, r);
  SpikingArrive(Rex, Rin, k->a0ex, k->a0in, in_ex, in_in);
  return fire;
}

/* Izhikevich's neuron as NEST's izhikevich (consistent_integration). */
typedef struct {
  double a, b, c, d, I_e, V_th, V_min, h;
} IzhikevichParams;

static inline int IzhikevichStep(const IzhikevichParams *p, double *v, double *u, double input)
{
  const double v0 = *v, u0 = *u;
  *v = v0 + p->h * (0.04 * v0 * v0 + 5.0 * v0 + 140.0 - u0 + p->I_e) + input;
  *u = u0 + p->h * p->a * (p->b * v0 - u0);
  if (*v < p->V_min) *v = p->V_min;
  if (*v >= p->V_th) {
    *v = p->c;
    *u += p->d;
    return 1;
  }
  return 0;
}

/* AdEx with alpha-shaped conductances, NEST's aeif_cond_alpha; y = V, w, g_ex, R_ex, g_in, R_in. */
typedef struct {
  double C_m, g_L, E_L, V_th, Delta_T, tau_w, a, b, V_reset, V_peak, E_ex, E_in, tau_ex, tau_in, I_e;
  double a0ex, a0in; /* e / tau_syn */
  double h;          /* one substep */
  int nsub;          /* substeps per step */
  int64_t refractory;
} AdexParams;

static inline void AdexRhs(const AdexParams *p, int refractory, double I_sic, const double y[6], double f[6])
{
  const double V     = refractory ? p->V_reset : fmin(y[0], p->V_peak);
  const double spike = p->Delta_T > 0 ? p->g_L * p->Delta_T * exp((V - p->V_th) / p->Delta_T) : 0;
  f[0]               = refractory
                           ? 0
                           : (-p->g_L * (V - p->E_L) + spike - y[2] * (V - p->E_ex) - y[4] * (V - p->E_in) - y[1] + p->I_e + I_sic) /
                   p->C_m;
  f[1]               = (p->a * (V - p->E_L) - y[1]) / p->tau_w;
  f[2]               = y[3] - y[2] / p->tau_ex;
  f[3]               = -y[3] / p->tau_ex;
  f[4]               = y[5] - y[4] / p->tau_in;
  f[5]               = -y[5] / p->tau_in;
}

/* One step: nsub classical Runge-Kutta substeps, each followed by NEST's spike test (so a neuron may
   fire more than once in a step when t_ref is 0), then the refractory count (then the arriving
   spikes, conductance jumps in nS, both >= 0: SpikingArrive on R, a = a0); returns the spikes. */
static inline int AeifCondAlphaAdvance(const AdexParams *p, double y[6], int64_t *r, double I_sic)
{
  int spikes = 0;
  for (int s = 0; s < p->nsub; s++) {
    double k1[6], k2[6], k3[6], k4[6], z[6];
    const int refr = *r > 0, n = 6;
    const double h = p->h;
    AdexRhs(p, refr, I_sic, y, k1);
    for (int j = 0; j < n; j++) z[j] = y[j] + 0.5 * h * k1[j];
    AdexRhs(p, refr, I_sic, z, k2);
    for (int j = 0; j < n; j++) z[j] = y[j] + 0.5 * h * k2[j];
    AdexRhs(p, refr, I_sic, z, k3);
    for (int j = 0; j < n; j++) z[j] = y[j] + h * k3[j];
    AdexRhs(p, refr, I_sic, z, k4);
    for (int j = 0; j < n; j++) y[j] += h / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]);
    if (refr)
      y[0] = p->V_reset;
    else if (y[0] >= p->V_peak) {
      y[0] = p->V_reset;
      y[1] += p->b;
      *r = p->refractory > 0 ? p->refractory + 1 : 0; /* NEST: counted down at the end of this step */
      spikes++;
    }
  }
  if (*r > 0) --*r;
  return spikes;
}

static inline int AeifCondAlphaStep(const AdexParams *p, double y[6], int64_t *r, double in_ex, double in_in,
                                    double I_sic)
{
  const int spikes = AeifCondAlphaAdvance(p, y, r, I_sic);
  SpikingArrive(&y[3], &y[5], p->a0ex, p->a0in, in_ex, in_in);
  return spikes;
}

/* Brian2's COBA LIF (Stimberg et al. 2018), forward Euler from the step's start; hC = h / C_m and
   fex, fin = 1 - h / tau_syn (the same Euler step, without a division per neuron). */
typedef struct {
  double hC, g_L, E_L, E_ex, E_in, fex, fin, V_th, V_reset, I_e;
  int64_t held; /* Brian2 holds V for t_ref / h - 1 steps after the spike's */
} CobaParams;

static inline int CobaLifAdvance(const CobaParams *p, double *V, double *gex, double *gin, int64_t *r)
{
  const double V0 = *V, ge = *gex, gi = *gin;
  const int64_t r0 = *r;
  const double Vi  = V0 + p->hC * (p->g_L * (p->E_L - V0) + ge * (p->E_ex - V0) + gi * (p->E_in - V0) + p->I_e);
  const double v   = r0 == 0 ? Vi : V0;
  const int fire   = v > p->V_th; /* a refractory neuron sits at V_reset, below V_th */
  *gex             = ge * p->fex;
  *gin             = gi * p->fin;
  *V               = fire ? p->V_reset : v;
  *r               = fire ? p->held : (r0 == 0 ? 0 : r0 - 1);
  return fire;
}

/* (the arrivals: SpikingArrive, a = 1; in_in >= 0, the magnitude of the inhibitory weights) */
static inline int CobaLifStep(const CobaParams *p, double *V, double *gex, double *gin, int64_t *r, double in_ex,
                              double in_in)
{
  const int fire = CobaLifAdvance(p, V, gex, gin, r);
  SpikingArrive(gex, gin, 1.0, 1.0, in_ex, in_in);
  return fire;
}

/* Tsodyks-Markram release at a presynaptic spike, as Brian2's Stimberg et al. (2018) synapses and
   De Pitta et al. (2011): between spikes du/dt = -u / tau_fac and dx/dt = (1 - x) / tau_rec, exactly
   (eu = e^{-Delta/tau_fac}, ex = e^{-Delta/tau_rec}; both 0 before the first spike); at the spike
   u += U_0 (1 - u), r = u x, x -= r.  Returns the released fraction r; the target receives w r.
   U_0 is an argument: the slot for an astrocyte's modulation of release (MODELS.md M4). */
static inline double TsodyksMarkramRelease(double U_0, double eu, double ex, double *u, double *x)
{
  double r;
  *u = *u * eu;
  *x = 1.0 + (*x - 1.0) * ex;
  *u += U_0 * (1.0 - *u);
  r = *u * *x;
  *x -= r;
  return r;
}

/* Pair STDP as NEST's stdp_synapse (Guetig et al. 2003; mu 0: additive, as Song et al. 2000; mu 1:
   multiplicative), weights in [0, W_max]: a presynaptic trace K+ (+1 at each presynaptic spike,
   decaying with tau_plus) and a postsynaptic one K- (tau_minus); a postsynaptic spike potentiates,
   w/W_max += lambda (1 - w/W_max)^mu_plus K+, a presynaptic one depresses,
   w/W_max -= alpha lambda (w/W_max)^mu_minus K-, each clipped to [0, 1]. */
typedef struct {
  double tau_plus, tau_minus, lambda, alpha, mu_plus, mu_minus, W_max;
} StdpParams;

/* A trace at step t that was K at step last (-1: never touched, so 0), decaying with tau (ms) on
   the grid of dt. */
static inline double StdpTrace(double K, double last, double t, double dt, double tau)
{
  return last < 0 ? 0.0 : K * exp((last - t) * dt / tau);
}

static inline double StdpFacilitate(const StdpParams *p, double w, double kplus)
{
  const double nw = w / p->W_max + p->lambda * pow(1.0 - w / p->W_max, p->mu_plus) * kplus;
  return nw < 1.0 ? nw * p->W_max : p->W_max;
}

static inline double StdpDepress(const StdpParams *p, double w, double kminus)
{
  const double nw = w / p->W_max - p->alpha * p->lambda * pow(w / p->W_max, p->mu_minus) * kminus;
  return nw > 0.0 ? nw * p->W_max : 0.0;
}

/* The third-factor variant (stdp_gated): the pair terms, unclipped and with the weight dependence of
   the current w, go into an eligibility trace c (weight units, decaying with tau_c) instead of w;
   each spike of the gating population writes it in, w = clip(w + eta c, 0, W_max).  This is NEST's
   stdp_dopamine_synapse (Izhikevich 2007; dw/dt = c n) for a dopamine trace n of brief pulses of
   area eta, and it leaves w alone while no gate arrives. */
static inline double StdpPotentiation(const StdpParams *p, double w, double kplus)
{
  return p->W_max * p->lambda * pow(1.0 - w / p->W_max, p->mu_plus) * kplus;
}

static inline double StdpDepression(const StdpParams *p, double w, double kminus)
{
  return -p->W_max * p->alpha * p->lambda * pow(w / p->W_max, p->mu_minus) * kminus;
}

static inline double StdpGate(const StdpParams *p, double w, double c, double eta)
{
  const double nw = w + eta * c;
  return nw < 0.0 ? 0.0 : nw < p->W_max ? nw : p->W_max;
}

/* A Poisson count of mean lambda from one uniform u in [0, 1), by inversion: the cumulative
   probabilities F[k] = e^{-lambda} sum_{j <= k} lambda^j / j! (by the recurrence p_k = p_{k-1}
   lambda / k, once per population) and the first k with u < F[k]; the count stops at
   kmax = 10 lambda + 40, far out in the tail. */
static inline int SpikingPoissonTableSize(double lambda)
{
  return (int)(10 * lambda) + 40;
}

static inline void SpikingPoissonTable(double lambda, double *F)
{
  const int kmax = SpikingPoissonTableSize(lambda);
  double p = exp(-lambda), Fk = p;
  F[0] = Fk;
  for (int k = 1; k <= kmax; k++) {
    p *= lambda / k;
    Fk += p;
    F[k] = Fk;
  }
}

static inline int SpikingPoisson(double u, const double *F, int kmax)
{
  int k = 0;
  if (kmax >= 16) { /* the first 16 without branches (F ascends, so this counts to the answer below 16) */
    for (int j = 0; j < 16; j++) k += u >= F[j];
    if (k < 16) return k;
  }
  while (k < kmax && u >= F[k]) k++;
  return k;
}

/* astrocyte_lr_1994 (NEST's, after Li & Rinzel 1994 and Nadkarni & Jung 2003; MODELS.md M4), time in
   ms, concentrations in uM, with Ca = clip(Ca_astro, 0, Ca_tot):
     Ca_ER = (Ca_tot - Ca) / ratio_ER_cyt,  m_inf = IP3 / (IP3 + Kd_IP3_1),  n_inf = Ca / (Ca + Kd_act)
     J_chan = ratio_ER_cyt rate_IP3R m_inf^3 n_inf^3 h^3 (Ca_ER - Ca),  J_leak = ratio_ER_cyt rate_L (Ca_ER - Ca)
     J_pump = rate_SERCA Ca^2 / (Km_SERCA^2 + Ca^2)
     alpha_h = k_IP3R Kd_inh (IP3 + Kd_IP3_1) / (IP3 + Kd_IP3_2),  beta_h = k_IP3R Ca
     dIP3/dt = (IP3_0 - IP3) / tau_IP3,  dCa/dt = J_chan - J_pump + J_leak,  dh/dt = alpha_h (1 - h) - beta_h h
   After each step (AstroLrAfterStep): Ca clipped to [0, Ca_tot], IP3 += delta_IP3 x the summed weight of
   the spikes that arrived in it; the slow inward current is SIC_scale ln((Ca - SIC_th) 1000) where that
   argument exceeds 1 (Ca more than 1 nM above SIC_th), else exactly 0. */
typedef struct {
  double Ca_tot, IP3_0, Kd_IP3_1, Kd_IP3_2, Kd_act, Kd_inh, Km_SERCA, ratio_ER_cyt;
  double rate_IP3R, rate_L, rate_SERCA, k_IP3R, tau_IP3, delta_IP3, SIC_scale, SIC_th;
} AstroLrParams;

static inline double AstroLrClip(const AstroLrParams *p, double Ca)
{
  return Ca < 0 ? 0 : Ca > p->Ca_tot ? p->Ca_tot : Ca;
}

static inline void AstroLrRhs(const AstroLrParams *p, const double y[3], double f[3])
{
  const double IP3 = y[0], Ca = AstroLrClip(p, y[1]), h = y[2];
  const double Ca_ER = (p->Ca_tot - Ca) / p->ratio_ER_cyt;
  const double m_inf = IP3 / (IP3 + p->Kd_IP3_1), n_inf = Ca / (Ca + p->Kd_act);
  const double mnh     = m_inf * n_inf * h;
  const double J_chan  = p->ratio_ER_cyt * p->rate_IP3R * mnh * mnh * mnh * (Ca_ER - Ca);
  const double J_leak  = p->ratio_ER_cyt * p->rate_L * (Ca_ER - Ca);
  const double J_pump  = p->rate_SERCA * Ca * Ca / (p->Km_SERCA * p->Km_SERCA + Ca * Ca);
  const double alpha_h = p->k_IP3R * p->Kd_inh * (IP3 + p->Kd_IP3_1) / (IP3 + p->Kd_IP3_2);
  const double beta_h  = p->k_IP3R * Ca;
  f[0]                 = (p->IP3_0 - IP3) / p->tau_IP3;
  f[1]                 = J_chan - J_pump + J_leak;
  f[2]                 = alpha_h * (1 - h) - beta_h * h;
}

/* Gap junctions between astrocytes: the IP3 flux (uM/ms) into an astrocyte at IP3 I from a coupled one
   at J.  Linear: F (J - I).  Thresholded (Stimberg et al. 2018, Brian2's example 6, after Goldberg et
   al. 2010): -F/2 (1 + tanh((|I - J| - I_theta)/omega_I)) sign(I - J).  Both are odd in I - J, so a
   pair coupled both ways exchanges IP3 and conserves it. */
typedef struct {
  int threshold;              /* 0: linear */
  double F, I_theta, omega_I; /* 1/ms (linear) or uM/ms; uM; uM */
} AstroGapParams;

/* Astrocytes with processes (compartments): IP3 and Ca diffuse between the compartments linked along a
   cell's morphology, each link a flux D (other - own) into each end (1/ms): odd, so a cell conserves
   both totals under pure diffusion. */
typedef struct {
  double D_IP3, D_Ca; /* 1/ms */
} AstroDiffusionParams;

static inline double AstroGapFlux(const AstroGapParams *g, double ip3, double other)
{
  const double dI = ip3 - other;
  if (!g->threshold) return -g->F * dI;
  return dI == 0 ? 0.0 : -0.5 * g->F * (1 + tanh((fabs(dI) - g->I_theta) / g->omega_I)) * (dI > 0 ? 1.0 : -1.0);
}

static inline double AstroLrSic(const AstroLrParams *p, double Ca)
{
  const double y = (Ca - p->SIC_th) * 1000.0;
  return y > 1 ? p->SIC_scale * log(y) : 0.0;
}

/* G-ChI (De Pitta et al. 2009, as Brian2's Stimberg et al. (2018) example 6), time in ms, concentrations
   in uM, the state y = [I, C, h, Gamma_A, x_A, G_A] driven by the synaptic glutamate Y (held over the
   step), with Gamma = clip(Gamma_A, 0, 1):
     dGamma_A/dt = O_N Y (1 - Gamma) - Omega_N (1 + zeta C / (C + K_KC)) Gamma
     dI/dt = O_beta Gamma_A + O_delta / (1 + I / kappa_delta) C^2 / (C^2 + K_delta^2)
             - O_3K C^4 / (C^4 + K_D^4) I / (I + K_3K) - Omega_5P I   (+ the gap junctions' flux)
     dC/dt = Omega_C m_inf^3 h^3 (C_T - (1 + rho_A) C) + Omega_L (C_T - (1 + rho_A) C) - O_P C^2 / (C^2 + K_P^2)
     m_inf = I / (I + d_1) C / (C + d_5),  dh/dt = (h_inf - h) / tau_h,  h_inf = Q_2 / (Q_2 + C),
     tau_h = 1 / (O_2 (Q_2 + C)),  Q_2 = d_2 (I + d_1) / (I + d_3)
     dx_A/dt = Omega_A (1 - x_A),  dG_A/dt = -Omega_e G_A
   Synaptic glutamate: dY/dt = -Omega_c Y, and Y += rho_c Y_T r per release r (averaged over the
   astrocyte's synapses, as Brian2's Y_S / N_incoming).  Gliotransmitter release when C rises past
   C_Theta (AstroGchiRelease): G_A += rho_e G_T U_A x_A, x_A -= U_A x_A. */
typedef struct {
  double O_P, K_P, C_T, rho_A, Omega_C, Omega_L, d_1, d_2, O_2, d_3, d_5;
  double O_beta, O_N, Omega_N, K_KC, zeta, O_delta, kappa_delta, K_delta, Omega_5P, K_D, K_3K, O_3K;
  double Omega_c, rho_c, Y_T, C_Theta, Omega_A, U_A, G_T, rho_e, Omega_e;
  double O_G, Omega_G; /* the gliotransmitter receptors of the synapses it covers (Gamma_S) */
} AstroGchiParams;

static inline void AstroGchiRhs(const AstroGchiParams *p, double Y, const double y[6], double f[6])
{
  const double ip3 = y[0], ca = y[1], h = y[2], G = y[3] < 0 ? 0 : y[3] > 1 ? 1 : y[3];
  const double C2 = ca * ca, C4 = C2 * C2, KD2 = p->K_D * p->K_D;
  const double J_beta  = p->O_beta * y[3];
  const double J_delta = p->O_delta / (1 + ip3 / p->kappa_delta) * C2 / (C2 + p->K_delta * p->K_delta);
  const double J_3K    = p->O_3K * C4 / (C4 + KD2 * KD2) * ip3 / (ip3 + p->K_3K);
  const double J_5P    = p->Omega_5P * ip3;
  const double m_inf = ip3 / (ip3 + p->d_1) * ca / (ca + p->d_5), mh = m_inf * h;
  const double free_ = p->C_T - (1 + p->rho_A) * ca;
  const double Q_2 = p->d_2 * (ip3 + p->d_1) / (ip3 + p->d_3), h_inf = Q_2 / (Q_2 + ca);
  f[0] = J_beta + J_delta - J_3K - J_5P;
  f[1] = p->Omega_C * mh * mh * mh * free_ + p->Omega_L * free_ - p->O_P * C2 / (C2 + p->K_P * p->K_P);
  f[2] = (h_inf - h) * p->O_2 * (Q_2 + ca);
  f[3] = p->O_N * Y * (1 - G) - p->Omega_N * (1 + p->zeta * ca / (ca + p->K_KC)) * G;
  f[4] = p->Omega_A * (1 - y[4]);
  f[5] = -p->Omega_e * y[5];
}

static inline void AstroGchiRelease(const AstroGchiParams *p, double y[6])
{
  y[5] += p->rho_e * p->G_T * p->U_A * y[4];
  y[4] -= p->U_A * y[4];
}

/* The presynaptic gliotransmitter receptors of the synapses a G-ChI astrocyte covers (De Pitta et al.
   2011, Brian2's example 6), dGamma_S/dt = O_G G_A (1 - Gamma_S) - Omega_G Gamma_S, exactly over a step
   of h with G_A held (Brian2's summed G_A, read at the astrocytes' clock); the release increment of a
   Tsodyks-Markram synapse it covers is then U_0 = (1 - Gamma_S) U_0* + alpha Gamma_S. */
static inline double AstroGammaS(const AstroGchiParams *p, double gamma, double G_A, double h)
{
  const double k = p->O_G * G_A + p->Omega_G, inf = k > 0 ? p->O_G * G_A / k : 0.0;
  return inf + (gamma - inf) * exp(-k * h);
}

static inline double GlioU0(double U_0, double alpha, double gamma)
{
  return (1 - gamma) * U_0 + alpha * gamma;
}

/* NEST's work after a step: clip Ca, add the arrived input to IP3; returns the SIC */
static inline double AstroLrAfterStep(const AstroLrParams *p, double y[3], double input)
{
  y[1] = AstroLrClip(p, y[1]);
  y[0] += p->delta_IP3 * input;
  return AstroLrSic(p, y[1]);
}
#endif
