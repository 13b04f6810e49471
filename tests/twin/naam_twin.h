/* Dense serial twin of M1, used only by tests: full N x N arrays, a 0/1 synapse mask, and the
   coupling summed naively over all four indices (O(N^4 K)), so it shares nothing with the
   engine's low-rank, distributed evaluation except the equations of MODELS.md. */
#ifndef NAAM_TWIN_H
#define NAAM_TWIN_H
#include <math.h>
#include <stdlib.h>

typedef struct {
  int N, K;
  double tau_n, tau_s, tau_p, lambda, alpha, gamma, beta_n, beta_s, beta_p, b, c, d;
  double c_T, c_const; /* hebbian scale (0: off) and constant coupling (0: off) */
  double D;            /* diffusion between adjacent processes of the sheet (0: off) */
  const double *W;     /* or, when set: N^2 x N^2 weights of process links (D inside astrocytes, D_gap across
                          gap junctions), and deg[N^2] their row sums: T += W - diag(deg) */
  const double *deg;
  const double *F;  /* or NULL: N^2 x N^2 explicit T over process pairs (coupling file), added */
  const double *xi; /* N x K row-major, values -1/+1 */
  const char *mask; /* N x N, 1 where synapse i <- j exists */
  const char *cutp; /* or NULL: N x N, 1 where process ij is cut off from T (ablation) */
  const char *cuts; /* or NULL: N x N, 1 where synapse ij is removed from the neurons */
} Twin;

/* Processes of the sheet: (i, j) is adjacent to (i +- 1, j) and (i, j +- 1) inside [0, N)^2. */
static int TwinAdjacent(int i, int j, int k, int l)
{
  return abs(i - k) + abs(j - l) == 1;
}

static int TwinCut(const Twin *w, long a)
{
  return w->cutp && w->cutp[a];
}

/* T_ijkl; with processes cut off, that of the kept ones (P T P), the diffusion's degree counting
   only the links between kept processes */
static double TwinT(const Twin *w, int i, int j, int k, int l)
{
  double t = w->c_const;
  if (TwinCut(w, (long)i * w->N + j) || TwinCut(w, (long)k * w->N + l)) return 0;
  if (w->F) {
    const long N = w->N, a = (long)i * N + j, b = (long)k * N + l;
    t += w->F[a * N * N + b];
  }
  if (w->W) {
    const long N = w->N, a = (long)i * N + j, b = (long)k * N + l;
    double deg = w->deg[a];
    if (a == b && w->cutp)
      for (long c = 0; c < N * N; c++)
        if (w->cutp[c]) deg -= w->W[a * N * N + c];
    t += w->W[a * N * N + b] - (a == b ? deg : 0);
  } else if (w->D != 0) {
    if (TwinAdjacent(i, j, k, l)) t += w->D;
    if (i == k && j == l) { /* minus the degree */
      const int nb[4][2] = {{i - 1, j}, {i + 1, j}, {i, j - 1}, {i, j + 1}};
      for (int e = 0; e < 4; e++)
        if (nb[e][0] >= 0 && nb[e][0] < w->N && nb[e][1] >= 0 && nb[e][1] < w->N &&
            !TwinCut(w, (long)nb[e][0] * w->N + nb[e][1]))
          t -= w->D;
    }
  }
  if (w->c_T != 0)
    for (int mu = 0; mu < w->K; mu++)
      t += w->c_T * w->xi[i * w->K + mu] * w->xi[j * w->K + mu] * w->xi[k * w->K + mu] * w->xi[l * w->K + mu];
  return t;
}

/* f = RHS(x, S, P); arrays: x[N], S[N*N], P[N*N] (entries off the mask are ignored and set to 0 in f) */
static void TwinRHS(const Twin *w, const double *x, const double *S, const double *P, double *fx, double *fS,
                    double *fP)
{
  const int N = w->N;
  double *phi = malloc(sizeof(double) * N);
  for (int i = 0; i < N; i++) phi[i] = tanh(w->beta_n * x[i]);
  for (int i = 0; i < N; i++) {
    double acc = 0;
    for (int j = 0; j < N; j++)
      if (w->mask[i * N + j] && !(w->cuts && w->cuts[i * N + j])) acc += tanh(w->beta_s * S[i * N + j]) * phi[j];
    fx[i] = (-w->lambda * x[i] + acc + w->b) / w->tau_n;
  }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      const int q = i * N + j;
      if (!w->mask[q]) {
        fS[q] = fP[q] = 0;
        continue;
      }
      double tpsi = 0;
      for (int k = 0; k < N; k++)
        for (int l = 0; l < N; l++)
          if (w->mask[k * N + l]) tpsi += TwinT(w, i, j, k, l) * tanh(w->beta_p * P[k * N + l]);
      fS[q] =
          (-w->alpha * S[q] + (w->cuts && w->cuts[q] ? 0 : phi[i] * phi[j]) + tanh(w->beta_p * P[q]) + w->c) / w->tau_s;
      fP[q] = (-w->gamma * P[q] + tpsi + tanh(w->beta_s * S[q]) + w->d) / w->tau_p;
    }
  free(phi);
}

static double TwinL(double beta, double u)
{
  return log(cosh(beta * u)) / beta;
}

/* Energy of MODELS.md, M1, term by term. */
static double TwinEnergy(const Twin *w, const double *x, const double *S, const double *P)
{
  const int N = w->N;
  double E    = 0;
  for (int i = 0; i < N; i++) {
    const double ph = tanh(w->beta_n * x[i]);
    E += w->lambda * (x[i] * ph - TwinL(w->beta_n, x[i])) - w->b * ph;
  }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      const int q = i * N + j;
      if (!w->mask[q]) continue;
      const double g = tanh(w->beta_s * S[q]), ps = tanh(w->beta_p * P[q]);
      const double pi = tanh(w->beta_n * x[i]), pj = tanh(w->beta_n * x[j]);
      E += 0.5 * (w->alpha * (S[q] * g - TwinL(w->beta_s, S[q])) - w->c * g);
      E += 0.5 * (w->gamma * (P[q] * ps - TwinL(w->beta_p, P[q])) - w->d * ps);
      E -= (w->cuts && w->cuts[q] ? 0 : 0.5 * g * pi * pj) + 0.5 * ps * g;
      for (int k = 0; k < N; k++)
        for (int l = 0; l < N; l++)
          if (w->mask[k * N + l]) E -= 0.25 * TwinT(w, i, j, k, l) * ps * tanh(w->beta_p * P[k * N + l]);
    }
  return E;
}
#endif
