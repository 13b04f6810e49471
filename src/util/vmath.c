#define _GNU_SOURCE /* RTLD_DEFAULT */
/* Batched activations.  tanh: on AVX-512 our own branch-free kernel (below), on AVX2 glibc's vector
   maths library (libmvec), otherwise the scalar libm tanh.  Both vector paths are accurate to a few
   ulp (tests/test_vmath.c checks against libm) and 15-20 times faster than the scalar tanh, so the
   activations are never the bottleneck of a right-hand side. */
#include <tpvmath.h>
#include <math.h>
#include <dlfcn.h>

#if defined(TP_HAVE_LIBMVEC) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TP_VMATH_X86 1
__m256d _ZGVdN4v_tanh(__m256d);
__m512d _ZGVeN8v_exp(__m512d);
__m512d _ZGVeN8v_log1p(__m512d);
__m256d _ZGVdN4v_exp(__m256d);
__m256d _ZGVdN4v_log1p(__m256d);
__m512d _ZGVeN8v_log(__m512d);
__m256d _ZGVdN4v_log(__m256d);

__attribute__((target("avx512f"))) static void LogAVX512(size_t n, const double *in, double *out)
{
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(out + i, _ZGVeN8v_log(_mm512_loadu_pd(in + i)));
  for (; i < n; i++) out[i] = log(in[i]);
}

__attribute__((target("avx2"))) static void LogAVX2(size_t n, const double *in, double *out)
{
  size_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, _ZGVdN4v_log(_mm256_loadu_pd(in + i)));
  for (; i < n; i++) out[i] = log(in[i]);
}

/* tanh(y) = -em / (2 + em) with em = expm1(-2|y|), sign restored; |y| is clamped at 22 where
   tanh rounds to 1.  expm1(z) = 2^n (1 + p(r)) - 1 with z = n log 2 + r, |r| <= log(2)/2, and p the
   degree-13 Taylor polynomial of expm1 (truncation below 2e-17 relative); for |z| < log(2)/2, n = 0
   and em = p(z) keeps full relative accuracy near 0.  At most 5 ulp from libm's tanh; NaN propagates. */
__attribute__((target("avx512f,avx512dq"))) static inline __m512d Tanh8(__m512d y)
{
  const __m512d sign = _mm512_set1_pd(-0.0), shift = _mm512_set1_pd(0x1.8p52);
  const __m512d a = _mm512_min_pd(_mm512_andnot_pd(sign, y), _mm512_set1_pd(22.0));
  const __m512d z = _mm512_mul_pd(a, _mm512_set1_pd(-2.0));
  const __m512d k = _mm512_fmadd_pd(z, _mm512_set1_pd(0x1.71547652b82fep0), shift); /* n + 1.5 2^52 */
  const __m512d n = _mm512_sub_pd(k, shift);
  __m512d r       = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.62e42fefa39efp-1), z); /* log 2, high part */
  __m512d p, two, em, t;
  r   = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.abc9e3b39803fp-56), r); /* log 2, low part */
  p   = _mm512_set1_pd(1.0 / 6227020800.0);
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 479001600.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 39916800.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 3628800.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 362880.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 40320.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 5040.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 720.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 120.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 24.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6.0));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
  p   = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
  p   = _mm512_mul_pd(p, r);
  two = _mm512_castsi512_pd(
      _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(k), _mm512_set1_epi64(1023)), 52)); /* 2^n */
  em = _mm512_fmadd_pd(two, p, _mm512_sub_pd(two, _mm512_set1_pd(1.0)));
  t  = _mm512_div_pd(_mm512_sub_pd(_mm512_setzero_pd(), em), _mm512_add_pd(em, _mm512_set1_pd(2.0)));
  t  = _mm512_or_pd(t, _mm512_and_pd(sign, y));
  return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(y, y, _CMP_UNORD_Q), t, y);
}

__attribute__((target("avx512f,avx512dq"))) static void TanhAVX512(size_t n, double beta, const double *in, double *out)
{
  const __m512d b = _mm512_set1_pd(beta);
  size_t i        = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(out + i, Tanh8(_mm512_mul_pd(b, _mm512_loadu_pd(in + i))));
  if (i < n) {
    __mmask8 m = (__mmask8)((1u << (n - i)) - 1u);
    _mm512_mask_storeu_pd(out + i, m, Tanh8(_mm512_mul_pd(b, _mm512_maskz_loadu_pd(m, in + i))));
  }
}

__attribute__((target("avx2"))) static void TanhAVX2(size_t n, double beta, const double *in, double *out)
{
  const __m256d b = _mm256_set1_pd(beta);
  size_t i        = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, _ZGVdN4v_tanh(_mm256_mul_pd(b, _mm256_loadu_pd(in + i))));
  for (; i < n; i++) out[i] = tanh(beta * in[i]);
}

/* log cosh(beta u) / beta = (|beta u| + log1p(exp(-2 |beta u|)) - log 2) / beta */
__attribute__((target("avx512f,avx512dq"))) static void LogCoshAVX512(size_t n, double beta, const double *in,
                                                                      double *out)
{
  const __m512d b = _mm512_set1_pd(beta), ib = _mm512_set1_pd(1.0 / beta), m2 = _mm512_set1_pd(-2.0),
                l2 = _mm512_set1_pd(M_LN2);
  size_t i         = 0;
  for (; i + 8 <= n; i += 8) {
    __m512d a = _mm512_abs_pd(_mm512_mul_pd(b, _mm512_loadu_pd(in + i)));
    __m512d l = _ZGVeN8v_log1p(_ZGVeN8v_exp(_mm512_mul_pd(m2, a)));
    _mm512_storeu_pd(out + i, _mm512_mul_pd(_mm512_sub_pd(_mm512_add_pd(a, l), l2), ib));
  }
  for (; i < n; i++) out[i] = TpLogCosh(beta, in[i]);
}

__attribute__((target("avx2"))) static void LogCoshAVX2(size_t n, double beta, const double *in, double *out)
{
  const __m256d b = _mm256_set1_pd(beta), ib = _mm256_set1_pd(1.0 / beta), m2 = _mm256_set1_pd(-2.0),
                l2   = _mm256_set1_pd(M_LN2);
  const __m256d sign = _mm256_set1_pd(-0.0);
  size_t i           = 0;
  for (; i + 4 <= n; i += 4) {
    __m256d a = _mm256_andnot_pd(sign, _mm256_mul_pd(b, _mm256_loadu_pd(in + i)));
    __m256d l = _ZGVdN4v_log1p(_ZGVdN4v_exp(_mm256_mul_pd(m2, a)));
    _mm256_storeu_pd(out + i, _mm256_mul_pd(_mm256_sub_pd(_mm256_add_pd(a, l), l2), ib));
  }
  for (; i < n; i++) out[i] = TpLogCosh(beta, in[i]);
}
#endif

static void LogCoshScalar(size_t n, double beta, const double *in, double *out)
{
  for (size_t i = 0; i < n; i++) out[i] = TpLogCosh(beta, in[i]);
}

static void LogScalar(size_t n, const double *in, double *out)
{
  for (size_t i = 0; i < n; i++) out[i] = log(in[i]);
}

static void TanhScalar(size_t n, double beta, const double *in, double *out)
{
  for (size_t i = 0; i < n; i++) out[i] = tanh(beta * in[i]);
}

typedef void (*ActFn)(size_t, double, const double *, double *);
static ActFn tanh_impl, logcosh_impl;
static void (*log_impl)(size_t, const double *, double *);
static const char *tanh_name;

static void Choose(void)
{
#if defined(TP_VMATH_X86)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) {
    tanh_impl    = TanhAVX512;
    logcosh_impl = LogCoshAVX512;
    log_impl     = LogAVX512;
    tanh_name    = "AVX-512 kernel";
    return;
  }
  if (__builtin_cpu_supports("avx2")) {
    tanh_impl    = TanhAVX2;
    logcosh_impl = LogCoshAVX2;
    log_impl     = LogAVX2;
    tanh_name    = "libmvec AVX2";
    return;
  }
#endif
  tanh_impl    = TanhScalar;
  logcosh_impl = LogCoshScalar;
  log_impl     = LogScalar;
  tanh_name    = "scalar libm";
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
  AVX-512: tripart's own branch-free kernel; AVX2: glibc's libmvec; otherwise libm.  A few ulp from
  libm's tanh (tests/test_vmath.c).

.seealso: `TpVecTanhImplementation()`, `TpVecLogCosh()`
@*/
void TpVecTanh(size_t n, double beta, const double *in, double *out)
{
  if (!tanh_impl) Choose();
  tanh_impl(n, beta, in, out);
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
  if (!logcosh_impl) Choose();
  logcosh_impl(n, beta, in, out);
}

/*@C
  TpVecLog - out[i] = log(in[i]), vectorised (libmvec where the CPU allows)

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
  if (!log_impl) Choose();
  log_impl(n, in, out);
}

/*@C
  TpVecTanhImplementation - The name of the tanh kernel chosen at run time, for reports

  Not Collective

.seealso: `TpVecTanh()`
@*/
const char *TpVecTanhImplementation(void)
{
  if (!tanh_impl) Choose();
  return tanh_name;
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
