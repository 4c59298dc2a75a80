//===- LossBlock.h - Cross-entropy over a vocabulary block ------*- C++ -*-===//
//
// Vocabulary parallelism: each rank of a tensor-parallel group holds the
// logits of a block of classes. A rank's two sums per position (the shifted
// exp-sum and the label's shifted logit) are summed over the group, and the
// loss is formed from them; these kernels compute one rank's sums and their
// gradient (starch.cross_entropy_block and _grad, docs/parallel.md).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_LOSSBLOCK_H
#define STARCH_RUNTIME_KERNELS_LOSSBLOCK_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/ExpF64.h"
#include "runtime/kernels/Status.h"

#include <cmath>

namespace starch::rt {

/// `out[n] = [sum_v exp(logits[n, v] - max[n]), logits[n, labels[n] - start]
/// - max[n] (0 for a label outside the block)]`, in f64. `logits: N... x
/// Vb`, `labels: N...` (i32/i64), `start` one element of the labels' type,
/// `max: N...` of the logits' type, `out: N... x 2` f64.
Status crossEntropyBlock(const Tensor &logits, const Tensor &labels,
                         const Tensor &start, const Tensor &max, Tensor &out);

/// `out[n, v] = cotangent[n, 0] * exp(logits[n, v] - max[n]) + (v ==
/// labels[n] - start ? cotangent[n, 1] : 0)`; `cotangent: N... x 2` f64,
/// `out` like the logits.
Status crossEntropyBlockGrad(const Tensor &logits, const Tensor &labels,
                             const Tensor &start, const Tensor &max,
                             const Tensor &cotangent, Tensor &out);

// The argument rules of the kernels above, shared with the CUDA drivers.
Status checkCrossEntropyBlock(const Tensor &logits, const Tensor &labels,
                              const Tensor &start, const Tensor &max,
                              const Tensor &out);
Status checkCrossEntropyBlockGrad(const Tensor &logits, const Tensor &labels,
                                  const Tensor &start, const Tensor &max,
                                  const Tensor &cotangent, const Tensor &out);

/// One position's sums; `local` is the label's class in the block (any
/// value outside [0, n) is not in it). `exp` as in Loss.h's rows.
template <typename T, typename Exp = StdExp>
STARCH_HOST_DEVICE inline void
crossEntropyBlockRow(const T *row, int64_t n, int64_t local, double max,
                     double *sums, Exp exp = {}) {
  sums[0] = sumExpShifted(row, n, max, exp);
  sums[1] =
      local >= 0 && local < n ? static_cast<double>(row[local]) - max : 0.0;
}

/// One position's gradient.
template <typename T, typename Exp = StdExp>
STARCH_HOST_DEVICE inline void
crossEntropyBlockGradRow(const T *row, T *out, int64_t n, int64_t local,
                         double max, const double *cotangent, Exp exp = {}) {
  for (int64_t i = 0; i < n; ++i)
    out[i] =
        static_cast<T>(cotangent[0] * exp(static_cast<double>(row[i]) - max) +
                       (i == local ? cotangent[1] : 0.0));
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_LOSSBLOCK_H
