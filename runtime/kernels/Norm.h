//===- Norm.h - RMS and layer normalisation ---------------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_NORM_H
#define STARCH_RUNTIME_KERNELS_NORM_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

#include <cmath>

namespace starch::rt {

/// `input / sqrt(mean(input^2, last dim) + epsilon) * weight`.
Status rmsNorm(const Tensor &input, const Tensor &weight, double epsilon,
               Tensor &out);
/// `(input - mean) / sqrt(var + epsilon) * weight + bias` over the
/// dimensions `axis..rank-1` (biased variance).
Status layerNorm(const Tensor &input, const Tensor &weight, const Tensor &bias,
                 int64_t axis, double epsilon, Tensor &out);

// The argument rules of the kernels above, shared with the CUDA drivers
// (Checks.h); `n` is the length of the normalised rows.
Status checkRmsNorm(const Tensor &input, const Tensor &weight,
                    const Tensor &out, int64_t &n);
Status checkLayerNorm(const Tensor &input, const Tensor &weight,
                      const Tensor &bias, int64_t axis, const Tensor &out,
                      int64_t &n);

template <typename T>
STARCH_HOST_DEVICE inline void rmsNormRow(const T *x, const T *weight, T *out,
                                          int64_t n, double epsilon) {
  double squares = 0;
  for (int64_t i = 0; i < n; ++i)
    squares += static_cast<double>(x[i]) * x[i];
  T inverse = static_cast<T>(1.0 / std::sqrt(squares / n + epsilon));
  for (int64_t i = 0; i < n; ++i)
    out[i] = x[i] * inverse * weight[i];
}

template <typename T>
STARCH_HOST_DEVICE inline void layerNormRow(const T *x, const T *weight,
                                            const T *bias, T *out, int64_t n,
                                            double epsilon) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i)
    sum += x[i];
  double mean = sum / n, squares = 0;
  for (int64_t i = 0; i < n; ++i) {
    double centered = x[i] - mean;
    squares += centered * centered;
  }
  double inverse = 1.0 / std::sqrt(squares / n + epsilon);
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<T>((x[i] - mean) * inverse) * weight[i] + bias[i];
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_NORM_H
