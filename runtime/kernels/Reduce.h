//===- Reduce.h - Reductions, argmax and softmax ----------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_REDUCE_H
#define STARCH_RUNTIME_KERNELS_REDUCE_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

#include <cmath>
#include <limits>
#include <vector>

namespace starch::rt {

enum class ReduceKind : uint8_t { sum, mean, max, min, prod };

/// Combines `input` over `dims` (sorted, unique); they are removed in `out`.
Status reduce(ReduceKind kind, const Tensor &input,
              const std::vector<int64_t> &dims, Tensor &out);
/// Index of the largest element along `axis` (first wins ties, NaN is
/// largest); `out` is i32 or i64 without `axis`.
Status argmax(const Tensor &input, int64_t axis, Tensor &out);
/// Softmax (or log-softmax) along `axis`, numerically stable.
Status softmax(const Tensor &input, int64_t axis, bool logarithm, Tensor &out);

/// Softmax of the `n` elements `in[0], in[stride], ...` into `out` (same
/// stride; `in == out` is allowed). Sums in double.
template <typename T>
STARCH_HOST_DEVICE inline void softmaxRow(const T *in, T *out, int64_t n,
                                          int64_t stride, bool logarithm) {
  T maximum = -infinityOf<T>();
  for (int64_t i = 0; i < n; ++i) {
    T x = in[i * stride];
    if (x > maximum || x != x)
      maximum = x;
  }
  if (maximum == -infinityOf<T>())
    maximum = T(0); // every score masked: exp(-inf) = 0 gives 0 / 0 = NaN
  double sum = 0;
  if (logarithm) {
    for (int64_t i = 0; i < n; ++i)
      sum += std::exp(in[i * stride] - maximum);
    // (x - max) - log(sum): x - max is exact, while max + log(sum) would
    // round at the scale of max (2.4e-4 at max = 1e4 in float32).
    T logSum = static_cast<T>(std::log(sum));
    for (int64_t i = 0; i < n; ++i)
      out[i * stride] = (in[i * stride] - maximum) - logSum;
    return;
  }
  // One exp per element, stored and rescaled (in == out is allowed).
  for (int64_t i = 0; i < n; ++i) {
    T e = std::exp(in[i * stride] - maximum);
    out[i * stride] = e;
    sum += e;
  }
  T inverse = static_cast<T>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i)
    out[i * stride] *= inverse;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_REDUCE_H
