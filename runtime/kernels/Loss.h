//===- Loss.h - Cross-entropy and its gradient ------------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_LOSS_H
#define STARCH_RUNTIME_KERNELS_LOSS_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/ExpF64.h"
#include "runtime/kernels/Status.h"

#include <cmath>

namespace starch::rt {

/// Mean over rows whose label is not `ignoreIndex` of
/// `logsumexp(logits[row]) - logits[row][label]` (0 when every row is
/// ignored). `logits: N... x V` float, `labels: N...` i32/i64, `out` 0-d.
Status crossEntropy(const Tensor &logits, const Tensor &labels,
                    int64_t ignoreIndex, Tensor &out);

/// `out[row][v] = cotangent * (softmax(logits[row])[v] - (v == label)) /
/// count` for scored rows, 0 for ignored rows.
Status crossEntropyGrad(const Tensor &logits, const Tensor &labels,
                        const Tensor &cotangent, int64_t ignoreIndex,
                        Tensor &out);

// The argument rules of the kernels above, shared with the CUDA drivers
// (Checks.h). Labels are data: the kernels check their range themselves.
Status checkCrossEntropy(const Tensor &logits, const Tensor &labels,
                         const Tensor &out);
Status checkCrossEntropyGrad(const Tensor &logits, const Tensor &labels,
                             const Tensor &cotangent, const Tensor &out);

/// `logsumexp(row)` accumulated in f64, term by term in order
/// (sumExpShifted). `exp` is std::exp or expF64 (ExpF64.h).
template <typename T, typename Exp = StdExp>
STARCH_HOST_DEVICE inline double logSumExpRow(const T *row, int64_t n,
                                              Exp exp = {}) {
  double peak = row[0];
  for (int64_t i = 1; i < n; ++i)
    peak = row[i] > peak ? static_cast<double>(row[i]) : peak;
  return peak + std::log(sumExpShifted(row, n, peak, exp));
}

/// One row of the cross-entropy gradient; `scale` = cotangent / count.
template <typename T, typename Exp = StdExp>
STARCH_HOST_DEVICE inline void crossEntropyGradRow(const T *row, T *out,
                                                   int64_t n, int64_t label,
                                                   double scale, Exp exp = {}) {
  double lse = logSumExpRow(row, n, exp);
  for (int64_t i = 0; i < n; ++i) {
    double p = exp(static_cast<double>(row[i]) - lse);
    out[i] = static_cast<T>(scale * (p - (i == label ? 1.0 : 0.0)));
  }
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_LOSS_H
