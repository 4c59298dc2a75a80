//===- NormGrad.h - Backward of RMS and layer normalisation -----*- C++ -*-===//
//
// The kernels of starch.rms_norm_grad and starch.layer_norm_grad. Row
// statistics are recomputed from the input; the per-row and per-column
// functions below are shared with the CUDA kernels (runtime/cuda/Bodies.h).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_NORMGRAD_H
#define STARCH_RUNTIME_KERNELS_NORMGRAD_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

#include <cmath>

namespace starch::rt {

/// Gradients of `rmsNorm(input, weight, epsilon)` given `dOut`, the cotangent
/// of its result: `dInput` (like the input) and `dWeight` (like the weight).
/// Either output may be null and is then not computed. `dWeight` sums the
/// rows in row order, whatever the thread count.
Status rmsNormGrad(const Tensor &input, const Tensor &weight,
                   const Tensor &dOut, double epsilon, Tensor *dInput,
                   Tensor *dWeight);

/// Gradients of `layerNorm(input, weight, bias, axis, epsilon)` given `dOut`:
/// `dInput` (like the input), `dWeight` and `dBias` (like the weight). Null
/// outputs are not computed; the sums over rows run in row order.
Status layerNormGrad(const Tensor &input, const Tensor &weight,
                     const Tensor &dOut, int64_t axis, double epsilon,
                     Tensor *dInput, Tensor *dWeight, Tensor *dBias);

// The argument rules of the kernels above, shared with the CUDA drivers
// (Checks.h); `n` is the length of the normalised rows.
Status checkRmsNormGrad(const Tensor &input, const Tensor &weight,
                        const Tensor &dOut, const Tensor *dInput,
                        const Tensor *dWeight, int64_t &n);
Status checkLayerNormGrad(const Tensor &input, const Tensor &weight,
                          const Tensor &dOut, int64_t axis,
                          const Tensor *dInput, const Tensor *dWeight,
                          const Tensor *dBias, int64_t &n);

/// The statistics of one normalised row: `xhat = (x - mean) * inverse`
/// (`mean = 0` for RMSNorm).
struct NormRowStats {
  double mean;
  double inverse;
};

/// `inverse = 1 / sqrt(mean(x^2) + epsilon)`, as rmsNormRow computes it.
template <typename T>
STARCH_HOST_DEVICE inline NormRowStats rmsNormStats(const T *x, int64_t n,
                                                    double epsilon) {
  double squares = 0;
  for (int64_t i = 0; i < n; ++i)
    squares += static_cast<double>(x[i]) * x[i];
  return {0.0, 1.0 / std::sqrt(squares / n + epsilon)};
}

/// Mean and `1 / sqrt(biased variance + epsilon)`, as layerNormRow.
template <typename T>
STARCH_HOST_DEVICE inline NormRowStats layerNormStats(const T *x, int64_t n,
                                                      double epsilon) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i];
  double mean = sum / n, squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    double centered = x[i] - mean;
    squares += centered * centered;
  }
  return {mean, 1.0 / std::sqrt(squares / n + epsilon)};
}

/// One row of the input gradient: with `g = dy * weight`,
/// `dx = inverse * (g - [mean(g)] - xhat * mean(g * xhat))`, the bracketed
/// term only when `centered` (layer norm). Returns the row's statistics.
template <typename T>
STARCH_HOST_DEVICE inline NormRowStats
normInputGradRow(const T *x, const T *weight, const T *dy, T *dx, int64_t n,
                 double epsilon, bool centered) {
  NormRowStats stats =
      centered ? layerNormStats(x, n, epsilon) : rmsNormStats(x, n, epsilon);
  double sumG = 0, sumGXhat = 0;
  for (int64_t i = 0; i < n; ++i) {
    double g = static_cast<double>(dy[i]) * weight[i];
    sumG += g;
    sumGXhat += g * ((x[i] - stats.mean) * stats.inverse);
  }
  double meanG = centered ? sumG / n : 0.0, meanGXhat = sumGXhat / n;
  for (int64_t i = 0; i < n; ++i) {
    double g = static_cast<double>(dy[i]) * weight[i];
    double xhat = (x[i] - stats.mean) * stats.inverse;
    dx[i] = static_cast<T>(stats.inverse * (g - meanG - xhat * meanGXhat));
  }
  return stats;
}

/// One column `c` of the parameter gradients over `rows` rows of length `n`:
/// `dWeight[c] = sum_r dy[r][c] * xhat[r][c]` and (when `dBias` is not null)
/// `dBias[c] = sum_r dy[r][c]`, in row order, from each row's statistics.
template <typename T>
STARCH_HOST_DEVICE inline void
normParamGradColumn(const T *x, const T *dy, const NormRowStats *stats,
                    int64_t rows, int64_t n, int64_t c, T *dWeight, T *dBias) {
  double sumW = 0, sumB = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double g = dy[r * n + c];
    sumW += g * ((x[r * n + c] - stats[r].mean) * stats[r].inverse);
    sumB += g;
  }
  if (dWeight)
    dWeight[c] = static_cast<T>(sumW);
  if (dBias)
    dBias[c] = static_cast<T>(sumB);
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_NORMGRAD_H
