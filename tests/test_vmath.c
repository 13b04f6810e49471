/* The batched activations against libm, for every implementation this CPU runs (avx512, avx2,
   generic): tanh within 8 ulp over many magnitudes and the special values, log within 1 ulp, log
   cosh within 1e-15 absolute (relative beyond 1); tanh and log cosh in one pass as the two calls;
   and every implementation gives the same bits as the generic one.  Silent on success. */
#include <tpvmath.h>
#include <math.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tprandom.h>

enum { N = 1 << 20 };

static double Ulps(double got, double want)
{
  if (got == want || (isnan(got) && isnan(want))) return 0;
  if (isinf(want) || isnan(got) || isnan(want)) return INFINITY;
  return fabs(got - want) / (nextafter(fabs(want), INFINITY) - fabs(want));
}

/* Arguments of every magnitude: small, the activations' working range, saturation, and 2^-1000..1 */
static void Arguments(double *y)
{
  for (int i = 0; i < N; i++) {
    const double u = TpUniform(1, 1, 0, (uint64_t)i) - 0.5;
    switch (i % 4) {
    case 0:
      y[i] = u * 1e-3;
      break;
    case 1:
      y[i] = u * 4;
      break;
    case 2:
      y[i] = u * 80;
      break;
    default:
      y[i] = ldexp(u, -(int)(TpHash(1, 2, 0, (uint64_t)i) % 1000));
      break;
    }
  }
}

static int CheckTanh(const char *impl, const double *y, double *t)
{
  double worst = 0, wy = 0;
  int fails = 0;
  for (size_t n = 1; n < 20; n++) TpVecTanh(n, 1.0, y, t); /* every tail length */
  TpVecTanh(N - 3, 1.0, y, t);
  for (int i = 0; i < N - 3; i++) {
    const double e = Ulps(t[i], tanh(y[i]));
    if (e > worst) worst = e, wy = y[i];
  }
  if (worst > 8) {
    printf("tanh (%s) is %g ulp from libm at %.17g\n", impl, worst, wy);
    fails++;
  }
  {
    const double sp[] = {0.0,   -0.0,     1e-310,    -1e-310, 22.0,    -22.5,
                         1e300, INFINITY, -INFINITY, 0.35,    -0.3466, 0.34657359027997264};
    const size_t n    = sizeof(sp) / sizeof(sp[0]);
    double out[16];
    TpVecTanh(n, 1.0, sp, out);
    for (size_t i = 0; i < n; i++)
      if (Ulps(out[i], tanh(sp[i])) > 8 || signbit(out[i]) != signbit(tanh(sp[i]))) {
        printf("tanh (%s) (%.17g) = %.17g, libm %.17g\n", impl, sp[i], out[i], tanh(sp[i]));
        fails++;
      }
    const double nan_in = NAN;
    TpVecTanh(1, 1.0, &nan_in, out);
    if (!isnan(out[0])) {
      printf("tanh (%s) (NaN) = %g\n", impl, out[0]);
      fails++;
    }
  }
  return fails;
}

static int CheckLogCosh(const char *impl, const double *y, double *t)
{
  TpVecLogCosh(N, 5.0, y, t);
  for (int i = 0; i < N; i++) {
    const double want = fabs(5 * y[i]) > 300 ? (fabs(5 * y[i]) - log(2.0)) / 5 : log(cosh(5 * y[i])) / 5;
    if (fabs(t[i] - want) > 1e-15 * fmax(fabs(want), 1.0)) {
      printf("logcosh (%s) (5 * %.17g) / 5 = %.17g, libm %.17g\n", impl, y[i], t[i], want);
      return 1;
    }
  }
  return 0;
}

static int CheckLog(const char *impl, const double *y, double *t)
{
  double worst = 0, wy = 0;
  int fails = 0;
  for (int i = 0; i < N; i++) t[i] = fabs(y[i]) * (i % 3 ? 1.0 : 1e300); /* 2^-1000 .. 1e302 */
  for (size_t n = 1; n < 20; n++) TpVecLog(n, t, t + N / 2);
  TpVecLog(N / 2, t, t + N / 2);
  for (int i = 0; i < N / 2; i++) {
    const double e = Ulps(t[N / 2 + i], log(t[i]));
    if (e > worst) worst = e, wy = t[i];
  }
  if (worst > 1) {
    printf("log (%s) is %g ulp from libm at %.17g\n", impl, worst, wy);
    fails++;
  }
  {
    const double sp[] = {0.0,
                         -0.0,
                         1.0,
                         2.0,
                         M_SQRT2,
                         nextafter(M_SQRT2, 0),
                         DBL_MIN,
                         DBL_TRUE_MIN,
                         5e-324 * 3,
                         DBL_MAX,
                         INFINITY,
                         -1.0,
                         -INFINITY,
                         NAN,
                         0.5,
                         1.0 + DBL_EPSILON,
                         1.0 - DBL_EPSILON / 2};
    const size_t n    = sizeof(sp) / sizeof(sp[0]);
    double out[32];
    TpVecLog(n, sp, out);
    for (size_t i = 0; i < n; i++)
      if (Ulps(out[i], log(sp[i])) > 1 || (out[i] == 0 && signbit(out[i]) != signbit(log(sp[i])))) {
        printf("log (%s) (%.17g) = %.17g, libm %.17g\n", impl, sp[i], out[i], log(sp[i]));
        fails++;
      }
  }
  return fails;
}

int main(void)
{
  const char *impls[] = {"generic", "avx2", "avx512"};
  double *y = malloc(sizeof(double) * N), *t = malloc(sizeof(double) * N), *ref[3];
  int fails = 0, ran = 0;

  Arguments(y);
  for (int k = 0; k < 3; k++) ref[k] = malloc(sizeof(double) * N);
  for (int q = 0; q < 3; q++) {
    if (!TpVecUseImplementation(impls[q])) continue; /* not on this CPU */
    ran++;
    fails += CheckTanh(impls[q], y, t);
    fails += CheckLogCosh(impls[q], y, t);
    fails += CheckLog(impls[q], y, t);
    { /* tanh and log cosh in one pass: the same bits as the two calls */
      double *tt = t, *ll = t + N / 2;
      const size_t n = N / 2;
      TpVecTanhLogCosh(n, 2.5, y, tt, ll);
      for (size_t i = 0; i < n; i++) {
        double a, b;
        TpVecTanh(1, 2.5, y + i, &a);
        TpVecLogCosh(1, 2.5, y + i, &b);
        if (memcmp(&a, tt + i, sizeof(a)) || memcmp(&b, ll + i, sizeof(b))) {
          printf("tanhlogcosh (%s) (2.5 * %.17g) = %.17g, %.17g; tanh and logcosh give %.17g, %.17g\n", impls[q], y[i],
                 tt[i], ll[i], a, b);
          fails++;
          break;
        }
      }
    }
    { /* the same bits as the generic kernels */
      double *out[3] = {t, t + N / 3, t + 2 * (N / 3)};
      const size_t n = N / 3;
      TpVecTanh(n, 1.7, y, out[0]);
      TpVecLogCosh(n, 3.0, y, out[1]);
      for (size_t i = 0; i < n; i++) out[2][i] = fabs(y[i]) + 1e-300;
      TpVecLog(n, out[2], out[2]);
      for (int k = 0; k < 3; k++) {
        if (!q)
          memcpy(ref[k], out[k], sizeof(double) * n);
        else if (memcmp(ref[k], out[k], sizeof(double) * n)) {
          size_t i = 0;
          while (!memcmp(ref[k] + i, out[k] + i, sizeof(double))) i++;
          printf("%s (%s) differs from the generic kernel at argument %.17g: %.17g against %.17g\n",
                 k == 0   ? "tanh"
                 : k == 1 ? "logcosh"
                          : "log",
                 impls[q], y[i], out[k][i], ref[k][i]);
          fails++;
        }
      }
    }
  }
  if (!ran) {
    printf("no implementation ran\n");
    fails++;
  }
  TpVecUseImplementation(NULL);
  for (int k = 0; k < 3; k++) free(ref[k]);
  free(y);
  free(t);
  return fails != 0;
}
