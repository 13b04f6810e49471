/* Throughput of the activation kernels, for every implementation this CPU runs, against libm's
   scalar functions: values per second on one core, arguments in the activations' working range,
   in cache (4096 values, the size of a right-hand side's block) and streamed from memory (2^24);
   "both" is tanh and log cosh of the same arguments in one pass (an energy's need), per argument.

     bench_vmath [seconds_per_case] */
#include <tpvmath.h>
#include <tprandom.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double Now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void LibmTanh(size_t n, double beta, const double *in, double *out)
{
  for (size_t i = 0; i < n; i++) out[i] = tanh(beta * in[i]);
}

static void LibmLogCosh(size_t n, double beta, const double *in, double *out)
{
  for (size_t i = 0; i < n; i++) out[i] = log(cosh(beta * in[i])) / beta;
}

static void LibmLog(size_t n, double beta, const double *in, double *out)
{
  for (size_t i = 0; i < n; i++) out[i] = log(in[i]);
}

static void VecLog(size_t n, double beta, const double *in, double *out)
{
  TpVecLog(n, in, out);
}

/* both of one argument, counted once: out holds the second half's room */
static double *second;
static void VecTanhLogCosh(size_t n, double beta, const double *in, double *out)
{
  TpVecTanhLogCosh(n, beta, in, out, second);
}

static void LibmTanhLogCosh(size_t n, double beta, const double *in, double *out)
{
  for (size_t i = 0; i < n; i++) {
    out[i]    = tanh(beta * in[i]);
    second[i] = log(cosh(beta * in[i])) / beta;
  }
}

/* best of 5 rounds of at least `budget` / 5 seconds each: values per second */
static double Rate(void (*f)(size_t, double, const double *, double *), size_t n, const double *in, double *out,
                   double budget)
{
  double best = 0;
  for (int r = 0; r < 5; r++) {
    size_t done = 0;
    double t0   = Now(), t;
    do {
      f(n, 5.0, in, out);
      done += n;
    } while ((t = Now() - t0) < budget / 5);
    if (done / t > best) best = done / t;
  }
  return best;
}

int main(int argc, char **argv)
{
  const size_t big = (size_t)1 << 24, small = 4096;
  const double budget = argc > 1 ? atof(argv[1]) : 0.5;
  const char *impls[] = {"avx512", "avx2", "generic"};
  double *in = malloc(sizeof(double) * big), *pos = malloc(sizeof(double) * big), *out = malloc(sizeof(double) * big);
  void (*libm[4])(size_t, double, const double *, double *) = {LibmTanh, LibmLogCosh, LibmTanhLogCosh, LibmLog};
  void (*vec[4])(size_t, double, const double *, double *)  = {TpVecTanh, TpVecLogCosh, VecTanhLogCosh, VecLog};
  const char *names[4]                                      = {"tanh", "logcosh", "both", "log"};

  second = malloc(sizeof(double) * big);
  if (!in || !pos || !out || !second) return 1;
  for (size_t i = 0; i < big; i++) {
    in[i]  = 0.8 * (TpUniform(9, 1, 0, i) - 0.5); /* beta x in [-2, 2] */
    pos[i] = 0.01 + 10 * TpUniform(9, 2, 0, i);
  }
  printf("%-8s %-16s %14s %14s\n", "kernel", "implementation", "in cache (/s)", "streamed (/s)");
  for (int k = 0; k < 4; k++) {
    const double *x = k == 3 ? pos : in;
    for (int q = 0; q < 3; q++) {
      if (!TpVecUseImplementation(impls[q])) continue;
      printf("%-8s %-16s %14.3g %14.3g\n", names[k], impls[q], Rate(vec[k], small, x, out, budget),
             Rate(vec[k], big, x, out, budget));
    }
    printf("%-8s %-16s %14.3g %14.3g\n", names[k], "libm (scalar)", Rate(libm[k], small, x, out, budget),
           Rate(libm[k], big, x, out, budget / 2));
  }
  TpVecUseImplementation(NULL);
  free(in);
  free(pos);
  free(out);
  free(second);
  return 0;
}
