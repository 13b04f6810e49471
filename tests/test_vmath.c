/* The batched activations against libm: tanh within 8 ulp over many magnitudes and the special
   values, log cosh within 1e-15 absolute (relative beyond 1).  Silent on success. */
#include <tpvmath.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <tprandom.h>

static double Ulps(double got, double want)
{
  if (got == want) return 0;
  return fabs(got - want) / (nextafter(fabs(want), INFINITY) - fabs(want));
}

int main(void)
{
  enum { N = 1 << 20 };
  double *y = malloc(sizeof(double) * N), *t = malloc(sizeof(double) * N), worst = 0, wy = 0;
  int fails = 0;
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
  for (size_t n = 1; n < 20; n++) TpVecTanh(n, 1.0, y, t); /* every tail length */
  TpVecTanh(N - 3, 1.0, y, t);
  for (int i = 0; i < N - 3; i++) {
    const double e = Ulps(t[i], tanh(y[i]));
    if (e > worst) worst = e, wy = y[i];
  }
  if (worst > 8) {
    printf("tanh (%s) is %g ulp from libm at %.17g\n", TpVecTanhImplementation(), worst, wy);
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
        printf("tanh(%.17g) = %.17g, libm %.17g\n", sp[i], out[i], tanh(sp[i]));
        fails++;
      }
    const double nan_in = NAN;
    TpVecTanh(1, 1.0, &nan_in, out);
    if (!isnan(out[0])) {
      printf("tanh(NaN) = %g\n", out[0]);
      fails++;
    }
  }
  TpVecLogCosh(N, 5.0, y, t);
  for (int i = 0; i < N; i++) {
    const double want = fabs(5 * y[i]) > 300 ? (fabs(5 * y[i]) - log(2.0)) / 5 : log(cosh(5 * y[i])) / 5;
    if (fabs(t[i] - want) > 1e-15 * fmax(fabs(want), 1.0)) {
      printf("logcosh(5 * %.17g) / 5 = %.17g, libm %.17g\n", y[i], t[i], want);
      fails++;
      break;
    }
  }
  free(y);
  free(t);
  return fails != 0;
}
