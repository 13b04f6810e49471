#define _GNU_SOURCE /* RTLD_DEFAULT */
/* Batched activations: tanh, log cosh and log.  Each is one branch-free kernel written once in plain
   C below (the maths of fdlibm's expm1 and log, evaluated with fma()) and compiled three times, for
   AVX-512, for AVX2 with FMA and for the CPU the build targets, from the same loop; the widest the
   CPU has is chosen at run time (TRIPART_VMATH=avx512|avx2|generic chooses by hand).  The copies
   perform the same IEEE operations in the same order, lane by lane, so they return the same bits on
   every CPU: a result does not depend on the node it ran on.  tests/test_vmath.c checks each copy
   against libm and against each other. */
#include <tpvmath.h>
#include <math.h>
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline double FromBits(uint64_t u)
{
  double d;
  memcpy(&d, &u, sizeof(d));
  return d;
}

static inline uint64_t Bits(double d)
{
  uint64_t u;
  memcpy(&u, &d, sizeof(u));
  return u;
}

/* expm1(z) = 2^n (1 + p(r)) - 1 for -44 <= z <= 0, with z = n log 2 + r, |r| <= log(2)/2, and
   p(r) = r q(r), q the degree-10 polynomial nearest (e^r - 1) / r on that interval (Chebyshev fit in
   40 digits, coefficients rounded to double: relative error below 2.4e-17); for |z| < log(2)/2, n = 0
   and the result p(z) keeps full relative accuracy near 0.  *e is exp(z) = 2^n (1 + p).  A NaN z
   gives NaN. */
static inline double Expm1(double z, double *e)
{
  const double shift = 0x1.8p52;                                      /* rounds n to an integer in the low bits */
  const double k = fma(z, 0x1.71547652b82fep0, shift), n = k - shift; /* n + 1.5 2^52, n */
  const double r   = fma(-n, 0x1.abc9e3b39803fp-56, fma(-n, 0x1.62e42fefa39efp-1, z)); /* z - n log 2 */
  const double two = FromBits((Bits(k) + 1023) << 52);                                 /* 2^n */
  double q         = 2.510520637395701e-08;
  q                = fma(q, r, 2.7626357241447223e-07);
  q                = fma(q, r, 2.7557255425746435e-06);
  q                = fma(q, r, 2.4801504346997686e-05);
  q                = fma(q, r, 0.00019841269874800493);
  q                = fma(q, r, 0.0013888888932488599);
  q                = fma(q, r, 0.008333333333326141);
  q                = fma(q, r, 0.04166666666657314);
  q                = fma(q, r, 0.1666666666666667);
  q                = fma(q, r, 0.5000000000000006);
  q                = fma(q, r, 1.0);
  const double p   = r * q;
  *e               = fma(two, p, two);
  return fma(two, p, two - 1.0);
}

/* log(1 + f) - f for sqrt(2)/2 - 1 <= f <= sqrt(2) - 1: fdlibm's log, s = f / (2 + f) and its
   minimax polynomial in s^2 (error below 2^-58.45); less than 1 ulp. */
static inline double Log1pMinus(double f)
{
  const double s = f / (2.0 + f), z = s * s, hfsq = 0.5 * f * f;
  double R = 1.479819860511658591e-01;
  R        = fma(R, z, 1.531383769920937332e-01);
  R        = fma(R, z, 1.818357216161805012e-01);
  R        = fma(R, z, 2.222219843214978396e-01);
  R        = fma(R, z, 2.857142874366239149e-01);
  R        = fma(R, z, 3.999999999940941908e-01);
  R        = fma(R, z, 6.666666666666735130e-01);
  R        = R * z;
  return s * (hfsq + R) - hfsq;
}

static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;

/* tanh(y) = -em / (2 + em) with em = expm1(-2|y|), sign restored; |y| is clamped at 22 where tanh
   rounds to 1.  At most 5 ulp from libm's tanh; NaN propagates. */
static inline double TanhOf(double y, double em)
{
  const double t = (0.0 - em) / (em + 2.0);                     /* >= +0 */
  return FromBits(Bits(t) | (Bits(y) & 0x8000000000000000ULL)); /* the sign of y */
}

/* log cosh(y) = |y| - log 2 + log1p(e), e = exp(-2|y|) in (0, 1].  For e >= sqrt(2) - 1,
   log1p(e) = log 2 + log1p(f) with f = (e - 1) / 2 = expm1(-2|y|) / 2 exactly, and the log 2 cancel;
   below, f = e.  Past |y| = 22, e is taken at 22 (it changes the result by less than 1e-19). */
static inline double LogCoshOf(double a, double em, double e)
{
  const int half = e >= 0x1.a827999fcef32p-2; /* sqrt(2) - 1 */
  const double f = half ? 0.5 * em : e;
  const double l = f + Log1pMinus(f);
  return half ? a + l : (a - M_LN2) + l;
}

/* em = expm1(-2|y|) and e = exp(-2|y|), |y| clamped at 22 (a NaN passes): what both need */
static inline double Expm1Minus2Abs(double y, double *a, double *e)
{
  *a             = fabs(y);
  const double c = 22.0 < *a ? 22.0 : *a;
  return Expm1(-2.0 * c, e);
}

static inline double Tanh(double y)
{
  double a, e;
  const double em = Expm1Minus2Abs(y, &a, &e);
  return TanhOf(y, em);
}

static inline double LogCosh(double y)
{
  double a, e;
  const double em = Expm1Minus2Abs(y, &a, &e);
  return LogCoshOf(a, em, e);
}

/* log(x) = k log 2 + log(m), x = 2^k m with sqrt(2)/2 <= m < sqrt(2) (subnormals scaled by 2^54
   first): fdlibm's log, less than 1 ulp; log(0) = -inf, log(inf) = inf, NaN for x < 0 and NaN. */
static inline double Log(double x)
{
  const double scale = x < 0x1p-1022 ? 0x1p54 : 1.0; /* subnormals (and 0, x < 0) scaled: exact */
  const double adj   = x < 0x1p-1022 ? -54.0 : 0.0;  /* and the exponent corrected */
  const uint64_t b   = Bits(x * scale);
  const uint64_t man = b & 0x000fffffffffffffULL;
  const uint64_t hi  = man >= 0x6a09e667f3bcdULL; /* mantissa past sqrt(2): m / 2, k + 1 */
  const double m     = FromBits(man | ((0x3ffULL - hi) << 52));
  const double k     = (FromBits(((b >> 52) + hi) | 0x4330000000000000ULL) - (0x1p52 + 1023.0)) + adj;
  const double f     = m - 1.0;
  const double r     = fma(k, LN2_HI, f + fma(k, LN2_LO, Log1pMinus(f)));
  const double sp    = x == 0.0 ? -INFINITY : x > 0.0 ? x : NAN; /* log 0, log inf; NaN for x < 0 and NaN */
  return x > 0.0 && x < INFINITY ? r : sp;
}

/* One loop of each kernel per target: the compiler vectorises them (omp simd) to the target's width. */
#define TP_VMATH_LOOPS(suffix, attr)                                                                                   \
  attr static void Tanh_##suffix(size_t n, double beta, const double *in, double *out)                                 \
  {                                                                                                                    \
    _Pragma("omp simd") for (size_t i = 0; i < n; i++) out[i] = Tanh(beta * in[i]);                                    \
  }                                                                                                                    \
  attr static void LogCosh_##suffix(size_t n, double beta, const double *in, double *out)                              \
  {                                                                                                                    \
    const double ib                                           = 1.0 / beta;                                            \
    _Pragma("omp simd") for (size_t i = 0; i < n; i++) out[i] = LogCosh(beta * in[i]) * ib;                            \
  }                                                                                                                    \
  attr static void TanhLogCosh_##suffix(size_t n, double beta, const double *in, double *t, double *l)                 \
  {                                                                                                                    \
    const double ib = 1.0 / beta;                                                                                      \
    _Pragma("omp simd") for (size_t i = 0; i < n; i++)                                                                 \
    {                                                                                                                  \
      const double y = beta * in[i];                                                                                   \
      double a, e;                                                                                                     \
      const double em = Expm1Minus2Abs(y, &a, &e);                                                                     \
      t[i]            = TanhOf(y, em);                                                                                 \
      l[i]            = LogCoshOf(a, em, e) * ib;                                                                      \
    }                                                                                                                  \
  }                                                                                                                    \
  attr static void Log_##suffix(size_t n, const double *in, double *out)                                               \
  {                                                                                                                    \
    _Pragma("omp simd") for (size_t i = 0; i < n; i++) out[i] = Log(in[i]);                                            \
  }

TP_VMATH_LOOPS(generic, )
#if defined(__x86_64__) && defined(__GNUC__)
#define TP_VMATH_X86 1
#if defined(__clang__)
#define TP_AVX512 __attribute__((target("avx512f"), min_vector_width(512)))
#else
#define TP_AVX512 __attribute__((target("avx512f,prefer-vector-width=512")))
#endif
TP_VMATH_LOOPS(avx2, __attribute__((target("avx2,fma"))))
TP_VMATH_LOOPS(avx512, TP_AVX512)
#endif

typedef struct {
  const char *name, *description;
  void (*tanh)(size_t, double, const double *, double *);
  void (*logcosh)(size_t, double, const double *, double *);
  void (*tanhlogcosh)(size_t, double, const double *, double *, double *);
  void (*log)(size_t, const double *, double *);
} Kernels;

static const Kernels kernels[] = {
#if defined(TP_VMATH_X86)
    {"avx512", "AVX-512 kernels", Tanh_avx512, LogCosh_avx512, TanhLogCosh_avx512, Log_avx512},
    {"avx2", "AVX2 kernels", Tanh_avx2, LogCosh_avx2, TanhLogCosh_avx2, Log_avx2},
#endif
    {"generic", "generic kernels", Tanh_generic, LogCosh_generic, TanhLogCosh_generic, Log_generic},
};
static const Kernels *chosen;

static int Supported(const Kernels *k)
{
#if defined(TP_VMATH_X86)
  __builtin_cpu_init();
  if (!strcmp(k->name, "avx512")) return __builtin_cpu_supports("avx512f");
  if (!strcmp(k->name, "avx2")) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return 1;
}

/* The kernels of that name (NULL: the widest) if this CPU runs them, else NULL */
static const Kernels *Find(const char *name)
{
  for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
    if ((!name || !strcmp(name, kernels[i].name)) && Supported(&kernels[i])) return &kernels[i];
  return NULL;
}

static void Choose(void)
{
  const char *want = getenv("TRIPART_VMATH");
  chosen           = Find(want && want[0] ? want : NULL);
  if (!chosen) chosen = &kernels[sizeof(kernels) / sizeof(kernels[0]) - 1]; /* (a name this CPU cannot run) */
}

/*@C
  TpVecCheckEnvironment - Says what is wrong with TRIPART_VMATH, if anything

  Not Collective

  Output Parameter:
. msg - "" when TRIPART_VMATH is unset, empty, or names kernels this CPU runs; else why not

.seealso: `TpVecUseImplementation()`
@*/
void TpVecCheckEnvironment(char *msg, size_t len)
{
  const char *want = getenv("TRIPART_VMATH");
  char runs[64]    = "";
  int known        = 0;

  msg[0] = 0;
  if (!want || !want[0] || Find(want)) return;
  for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
    if (!strcmp(want, kernels[i].name)) known = 1;
    if (Supported(&kernels[i])) {
      if (runs[0]) strncat(runs, ", ", sizeof(runs) - strlen(runs) - 1);
      strncat(runs, kernels[i].name, sizeof(runs) - strlen(runs) - 1);
    }
  }
  snprintf(msg, len, "Environment variable TRIPART_VMATH=%.64s: %s; this CPU runs %s", want,
           known ? "this CPU cannot run those kernels" : "unknown kernels (avx512, avx2 or generic)", runs);
}

/*@C
  TpVecUseImplementation - Chooses the activation kernels by name, for tests and benchmarks

  Not Collective

  Input Parameter:
. name - "avx512", "avx2" or "generic"; NULL: the widest this CPU supports (as at start-up)

  Notes:
  Returns 0 when this CPU (or build) cannot run them, and leaves the choice as it was.  Every
  implementation gives the same bits; they differ in speed only.

.seealso: `TpVecTanhImplementation()`
@*/
int TpVecUseImplementation(const char *name)
{
  if (!name) {
    chosen = NULL;
    Choose();
    return 1;
  }
  {
    const Kernels *k = Find(name);
    if (k) chosen = k;
    return k != NULL;
  }
}

/*@C
  TpVecTanh - out[i] = tanh(beta in[i]), vectorised (the kernel chosen at run time for the CPU)

  Not Collective

  Input Parameters:
+ n    - values
. beta - the gain
- in   - the arguments (may alias out)

  Output Parameter:
. out - the values

  Notes:
  At most 5 ulp from libm's tanh (tests/test_vmath.c), the same bits on every CPU.

.seealso: `TpVecTanhImplementation()`, `TpVecLogCosh()`
@*/
void TpVecTanh(size_t n, double beta, const double *in, double *out)
{
  if (!chosen) Choose();
  chosen->tanh(n, beta, in, out);
}

/*@C
  TpVecLogCosh - out[i] = log(cosh(beta in[i])) / beta, vectorised, without overflow

  Not Collective

  Input Parameters:
+ n    - values
. beta - the gain
- in   - the arguments (may alias out)

  Output Parameter:
. out - the values

.seealso: `TpLogCosh()`, `TpVecTanh()`
@*/
void TpVecLogCosh(size_t n, double beta, const double *in, double *out)
{
  if (!chosen) Choose();
  chosen->logcosh(n, beta, in, out);
}

/*@C
  TpVecTanhLogCosh - t[i] = tanh(beta in[i]) and l[i] = log(cosh(beta in[i])) / beta in one pass

  Not Collective

  Input Parameters:
+ n    - values
. beta - the gain
- in   - the arguments (may alias neither output)

  Output Parameters:
+ t - the tanh values
- l - the log cosh values

  Notes:
  The same bits as `TpVecTanh()` and `TpVecLogCosh()`, for one exponential per value instead of two
  (an energy needs both).

.seealso: `TpVecTanh()`, `TpVecLogCosh()`
@*/
void TpVecTanhLogCosh(size_t n, double beta, const double *in, double *t, double *l)
{
  if (!chosen) Choose();
  chosen->tanhlogcosh(n, beta, in, t, l);
}

/*@C
  TpVecLog - out[i] = log(in[i]), vectorised (less than 1 ulp from libm)

  Not Collective

  Input Parameters:
+ n  - values
- in - the arguments (may alias out)

  Output Parameter:
. out - the values

.seealso: `TpVecTanh()`
@*/
void TpVecLog(size_t n, const double *in, double *out)
{
  if (!chosen) Choose();
  chosen->log(n, in, out);
}

/*@C
  TpVecTanhImplementation - The name of the tanh kernel chosen at run time, for reports

  Not Collective

.seealso: `TpVecTanh()`
@*/
const char *TpVecTanhImplementation(void)
{
  if (!chosen) Choose();
  return chosen->description;
}

/*@C
  TpLogCosh - log(cosh(beta u)) / beta, the Legendre partner of tanh(beta u), without overflow

  Not Collective

  Input Parameters:
+ beta - the gain
- u    - the argument

.seealso: `TpVecLogCosh()`
@*/
double TpLogCosh(double beta, double u)
{
  const double a = fabs(beta * u);
  return (a + log1p(exp(-2.0 * a)) - M_LN2) / beta;
}

/*@C
  TpBlasSetThreads - Sets the threads of the BLAS (OpenBLAS) in this process

  Not Collective

  Input Parameter:
. n - threads (tripart's default is one per MPI rank)

  Notes:
  OpenBLAS reads its environment before main(); this asks it through its API when it is the BLAS in use.

.seealso: `TpCliRun()`
@*/
void TpBlasSetThreads(int n)
{
  /* OpenBLAS reads its environment before main: ask it through its API when it is the BLAS in use */
  void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
  if (set) set(n);
}
