/* What the models that store patterns and retrieve them (M1-M3) record and report, declared once:
   series energy (/energy), hamming_error, soft_hamming_error, perplexity and overlap[K] (under
   /observables); summary scalars hamming_error, soft_hamming_error, overlap (of the target),
   energy, perplexity and retrieved (the pattern of largest overlap). */
#include "modelimpl.h"

/*@C
  TpRetrievalDeclare - Declares the series and summary scalars of a retrieval

  Not Collective

  Input Parameter:
. model - a model with patterns, in its set-up

  Notes:
  A sample is then [energy, hamming, soft hamming, perplexity, overlap_0 .. overlap_K-1]
  (`TP_RETRIEVAL_*` offsets); the model fills energy and perplexity, TpRetrievalObserve() the rest.

.seealso: `TpRetrievalObserve()`, `TpRetrievalSummarize()`
@*/
PetscErrorCode TpRetrievalDeclare(TpModel model)
{
  PetscInt K;
  const TpSeriesInfo series[] = {
      {"energy", "energy", 1, PETSC_FALSE, "energy (Lyapunov function) of the state"},
      {"hamming_error", "observables/hamming_error", 1, PETSC_FALSE, "1/2 sum_i |xi_i^target - sign(x_i)|"},
      {"soft_hamming_error", "observables/soft_hamming_error", 1, PETSC_FALSE, "1/2 sum_i |xi_i^target - phi(x_i)|"},
      {"perplexity", "observables/perplexity", 1, PETSC_FALSE,
       "exp(entropy) of the pattern gains or attention weights; NaN where none"},
      {"overlap", "observables/overlap", 0, PETSC_TRUE, "m_mu = (1/N) sum_i xi_i^mu phi(x_i), one column per pattern"},
  };
  const TpSummaryInfo summary[] = {
      {"hamming_error", PETSC_DOUBLE, TP_SUMMARY_MEAN, "retrieval_fraction", "Hamming error to the target at the end"},
      {"soft_hamming_error", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "soft Hamming error to the target at the end"},
      {"overlap", PETSC_DOUBLE, 0, NULL, "overlap with the target at the end"},
      {"energy", PETSC_DOUBLE, 0, NULL, "energy at the end"},
      {"perplexity", PETSC_DOUBLE, TP_SUMMARY_MEAN, NULL, "perplexity at the end"},
      {"retrieved", PETSC_INT64, 0, NULL, "the pattern of largest overlap at the end"},
  };

  PetscFunctionBegin;
  PetscCall(TpPatternsGetSizes(model->pat, NULL, &K));
  for (size_t q = 0; q < sizeof(series) / sizeof(series[0]); q++) {
    TpSeriesInfo s = series[q];
    if (!s.width) s.width = K;
    PetscCall(TpModelDeclareSeries(model, &s));
  }
  for (size_t q = 0; q < sizeof(summary) / sizeof(summary[0]); q++)
    PetscCall(TpModelDeclareSummary(model, &summary[q]));
  PetscFunctionReturn(0);
}

/*@C
  TpRetrievalObserve - The overlaps and Hamming errors of a state, into a sample

  Collective

  Input Parameters:
+ model  - the model
. phi    - phi(x) of the owned neurons
. x      - x of the owned neurons
. nextra - numbers summed along in the same reduction
- extra  - their local parts

  Output Parameters:
+ extra  - their sums over the ranks
- sample - its hamming, soft hamming and overlap entries

.seealso: `TpRetrievalDeclare()`
@*/
PetscErrorCode TpRetrievalObserve(TpModel model, const double *phi, const double *x, PetscInt nextra, double *extra,
                                  double *sample)
{
  TpNetworkRows r;
  const double *xi;
  PetscInt K, t;
  double *buf;

  PetscFunctionBegin;
  PetscCall(TpNetworkGetRows(model->net, &r));
  PetscCall(TpPatternsGetSizes(model->pat, NULL, &K));
  PetscCall(TpPatternsGetPatterns(model->pat, &xi));
  PetscCall(TpPatternsGetCue(model->pat, NULL, &t, NULL));
  const PetscInt n = K + 2 + nextra;
  PetscCall(PetscCalloc1(n, &buf));
  for (PetscInt i = 0; i < r.nloc; i++) {
    const double *xr = xi + (size_t)TpRowGid(&r, i) * K;
    const double sg  = x[i] > 0 ? 1.0 : (x[i] < 0 ? -1.0 : 0.0);
    for (PetscInt mu = 0; mu < K; mu++) buf[mu] += xr[mu] * phi[i];
    buf[K] += 0.5 * PetscAbsReal(xr[t] - sg);
    buf[K + 1] += 0.5 * PetscAbsReal(xr[t] - phi[i]);
  }
  for (PetscInt q = 0; q < nextra; q++) buf[K + 2 + q] = extra[q];
  PetscCall(PetscLogEventBegin(TP_EVENT_REDUCE, 0, 0, 0, 0));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, buf, (PetscMPIInt)n, MPI_DOUBLE, MPI_SUM, model->comm));
  PetscCall(PetscLogEventEnd(TP_EVENT_REDUCE, 0, 0, 0, 0));
  for (PetscInt mu = 0; mu < K; mu++) sample[TP_RETRIEVAL_OVERLAP + mu] = buf[mu] / (double)r.N;
  sample[TP_RETRIEVAL_HAMMING]      = buf[K];
  sample[TP_RETRIEVAL_SOFT_HAMMING] = buf[K + 1];
  for (PetscInt q = 0; q < nextra; q++) extra[q] = buf[K + 2 + q];
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/*@C
  TpRetrieved - The pattern of largest overlap (the first of equals)

  Not Collective

  Input Parameters:
+ K       - patterns
- overlap - their overlaps

.seealso: `TpRetrievalSummarize()`
@*/
PetscInt TpRetrieved(PetscInt K, const double *overlap)
{
  PetscInt best = 0;

  for (PetscInt mu = 1; mu < K; mu++)
    if (overlap[mu] > overlap[best]) best = mu;
  return best;
}

/*@C
  TpRetrievalSummarize - The summary scalars of a retrieval from its last sample

  Not Collective

  Input Parameters:
+ model - the model
. first - the first sample (unused)
- last  - the last sample

  Output Parameter:
. values - hamming_error, soft_hamming_error, overlap (of the target), energy, perplexity, retrieved

.seealso: `TpRetrievalDeclare()`
@*/
PetscErrorCode TpRetrievalSummarize(TpModel model, const double *first, const double *last, double *values)
{
  PetscInt K, t;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetSizes(model->pat, NULL, &K));
  PetscCall(TpPatternsGetCue(model->pat, NULL, &t, NULL));
  values[0] = last[TP_RETRIEVAL_HAMMING];
  values[1] = last[TP_RETRIEVAL_SOFT_HAMMING];
  values[2] = last[TP_RETRIEVAL_OVERLAP + t];
  values[3] = last[TP_RETRIEVAL_ENERGY];
  values[4] = last[TP_RETRIEVAL_PERPLEXITY];
  values[5] = (double)TpRetrieved(K, last + TP_RETRIEVAL_OVERLAP);
  PetscFunctionReturn(0);
}

/*@C
  TpRetrievalViewResult - Prints the retrieved pattern, the Hamming error and the energy at start and end

  Collective

  Input Parameters:
+ model  - the model
. first  - the first sample
. last   - the last sample
- viewer - an ASCII viewer

.seealso: `TpRetrievalSummarize()`
@*/
PetscErrorCode TpRetrievalViewResult(TpModel model, const double *first, const double *last, PetscViewer viewer)
{
  PetscInt K, t, best;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetSizes(model->pat, NULL, &K));
  PetscCall(TpPatternsGetCue(model->pat, NULL, &t, NULL));
  best = TpRetrieved(K, last + TP_RETRIEVAL_OVERLAP);
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  result   retrieved pattern %" PetscInt_FMT
                                   " (overlap %.6f); Hamming error to target %" PetscInt_FMT ": %.6g\n",
                                   best, last[TP_RETRIEVAL_OVERLAP + best], t, last[TP_RETRIEVAL_HAMMING]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  energy   %.10g at start, %.10g at end\n", first[TP_RETRIEVAL_ENERGY],
                                   last[TP_RETRIEVAL_ENERGY]));
  PetscFunctionReturn(0);
}

/*@C
  TpRetrievalProgress - "energy E best overlap m (pattern mu)" for the progress line

  Not Collective

  Input Parameters:
+ model  - the model
. sample - a sample
- len    - room in buf

  Output Parameter:
. buf - the words

.seealso: `TpModelProgress()`
@*/
PetscErrorCode TpRetrievalProgress(TpModel model, const double *sample, char *buf, size_t len)
{
  const double *ov = sample + TP_RETRIEVAL_OVERLAP;
  PetscReal best   = -PETSC_MAX_REAL;
  PetscInt K, ibest = 0;

  PetscFunctionBegin;
  PetscCall(TpPatternsGetSizes(model->pat, NULL, &K));
  for (PetscInt mu = 0; mu < K; mu++)
    if (PetscAbsReal(ov[mu]) > best) {
      best  = PetscAbsReal(ov[mu]);
      ibest = mu;
    }
  PetscCall(PetscSNPrintf(buf, len, "energy %-14.8g best overlap %.4f (pattern %" PetscInt_FMT ")",
                          sample[TP_RETRIEVAL_ENERGY], ov[ibest], ibest));
  PetscFunctionReturn(0);
}
