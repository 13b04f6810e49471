/* Batched activations on plain arrays (no PETSc), vectorised where the CPU allows. */
#ifndef TPVMATH_H
#define TPVMATH_H
#include <stddef.h>

/* out[i] = tanh(beta * in[i]) for i < n.  in and out may alias. */
void TpVecTanh(size_t n, double beta, const double *in, double *out);

/* out[i] = log(cosh(beta * in[i])) / beta for i < n.  in and out may alias. */
void TpVecLogCosh(size_t n, double beta, const double *in, double *out);

/* t[i] = tanh(beta * in[i]), l[i] = log(cosh(beta * in[i])) / beta: the same bits as the two calls, one pass. */
void TpVecTanhLogCosh(size_t n, double beta, const double *in, double *t, double *l);

/* out[i] = log(in[i]) for i < n, less than 1 ulp from libm.  in and out may alias. */
void TpVecLog(size_t n, const double *in, double *out);

/* Name of the kernels chosen at run time (for -log_view style reports). */
const char *TpVecTanhImplementation(void);
/* Chooses the kernels: "avx512", "avx2", "generic", NULL the widest this CPU has; 0 if it cannot run them.
   All give the same bits. */
int TpVecUseImplementation(const char *name);
/* msg = "" or why TRIPART_VMATH cannot be honoured (an unknown name, kernels this CPU cannot run). */
void TpVecCheckEnvironment(char *msg, size_t len);

/* log(cosh(beta u)) / beta, the Legendre partner of tanh(beta u), without overflow. */
double TpLogCosh(double beta, double u);
/* Threads of the BLAS (OpenBLAS) in this process; one per MPI rank is the default of tripart. */
void TpBlasSetThreads(int n);
#endif
