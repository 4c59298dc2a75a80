//===- Loss.cpp - Cross-entropy and its gradient --------------------------===//
#include "runtime/kernels/Loss.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/LossRowsVector.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

namespace starch::rt {

namespace {

/// The loss rows of f32 logits with e^x in vector registers where the CPU
/// has them (LossRowsVector.h; within 2 ulp of std::exp in f64); other
/// types and CPUs with std::exp.
template <typename T> double logSumExpRowOf(const T *row, int64_t n) {
  if constexpr (std::is_same_v<T, float>)
    if (hasVectorExp())
      return logSumExpRowVector(row, n);
  return logSumExpRow(row, n);
}
template <typename T>
void crossEntropyGradRowOf(const T *row, T *out, int64_t n, int64_t label,
                           double scale) {
  if constexpr (std::is_same_v<T, float>)
    if (hasVectorExp())
      return crossEntropyGradRowVector(row, out, n, label, scale);
  crossEntropyGradRow(row, out, n, label, scale);
}

/// The label of each row as i64, checked against `[0, classes)`.
Status readLabels(const Tensor &labels, int64_t rows, int64_t classes,
                  int64_t ignoreIndex, std::vector<int64_t> &out,
                  int64_t &count) {
  out.resize(rows);
  count = 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t label = labels.dtype() == DType::i64
                        ? labels.data<int64_t>()[r]
                        : static_cast<int64_t>(labels.data<int32_t>()[r]);
    if (label != ignoreIndex && (label < 0 || label >= classes))
      return Status::error("cross_entropy: label " + std::to_string(label) +
                           " at position " + std::to_string(r) +
                           " is outside [0, " + std::to_string(classes) +
                           ") and is not the ignore index " +
                           std::to_string(ignoreIndex));
    count += label != ignoreIndex;
    out[r] = label;
  }
  return Status::success();
}

/// The rules both kernels share; the result is one element (`scalarOut`)
/// or like the logits.
Status checkOperands(const Tensor &logits, const Tensor &labels,
                     const Tensor &out, bool scalarOut) {
  if (logits.rank() < 1 || logits.shape().back() < 1)
    return Status::error("cross_entropy needs logits with a class dimension");
  if (logits.dtype() != DType::f32 && logits.dtype() != DType::f64)
    return Status::error("cross_entropy needs f32 or f64 logits");
  if (labels.dtype() != DType::i64 && labels.dtype() != DType::i32)
    return Status::error("cross_entropy needs i32 or i64 labels");
  if (labels.numElements() != logits.numElements() / logits.shape().back())
    return Status::error("cross_entropy: labels do not match the logits");
  if (out.dtype() != logits.dtype() ||
      (scalarOut ? out.numElements() != 1 : out.shape() != logits.shape()))
    return Status::error(scalarOut
                             ? "cross_entropy: the result must be one element "
                               "of the logits' type"
                             : "cross_entropy_grad: the result must be like "
                               "the logits");
  return Status::success();
}

} // namespace

bool hasVectorExp() {
#if STARCH_VECTOR_EXP
  static const bool has =
      (__builtin_cpu_init(), true) && __builtin_cpu_supports("avx512f");
  return has;
#else
  return false;
#endif
}

Status checkCrossEntropy(const Tensor &logits, const Tensor &labels,
                         const Tensor &out) {
  return checkOperands(logits, labels, out, /*scalarOut=*/true);
}

Status checkCrossEntropyGrad(const Tensor &logits, const Tensor &labels,
                             const Tensor &cotangent, const Tensor &out) {
  if (Status s = checkOperands(logits, labels, out, /*scalarOut=*/false); !s)
    return s;
  if (cotangent.dtype() != logits.dtype() || cotangent.numElements() != 1)
    return Status::error("cross_entropy_grad: the cotangent must be one "
                         "element of the logits' type");
  return Status::success();
}

Status crossEntropy(const Tensor &logits, const Tensor &labels,
                    int64_t ignoreIndex, Tensor &out) {
  if (Status s = checkCrossEntropy(logits, labels, out); !s)
    return s;
  int64_t classes = logits.shape().back();
  int64_t rows = logits.numElements() / classes;
  std::vector<int64_t> label;
  int64_t count;
  if (Status s = readLabels(labels, rows, classes, ignoreIndex, label, count);
      !s)
    return s;
  // Per-row terms in parallel, summed in row order so runs are reproducible.
  std::vector<double> terms(rows, 0.0);
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *x = logits.data<T>();
    parallelFor(rows, std::max<int64_t>(1, 16384 / classes),
                [&](int64_t begin, int64_t end) {
                  for (int64_t r = begin; r < end; ++r)
                    if (label[r] != ignoreIndex)
                      terms[r] = logSumExpRowOf(x + r * classes, classes) -
                                 x[r * classes + label[r]];
                });
  });
  double sum = 0;
  for (double term : terms)
    sum += term;
  double mean = count ? sum / count : 0.0;
  dispatchFloat(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    out.data<T>()[0] = static_cast<T>(mean);
  });
  return Status::success();
}

Status crossEntropyGrad(const Tensor &logits, const Tensor &labels,
                        const Tensor &cotangent, int64_t ignoreIndex,
                        Tensor &out) {
  if (Status s = checkCrossEntropyGrad(logits, labels, cotangent, out); !s)
    return s;
  int64_t classes = logits.shape().back();
  int64_t rows = logits.numElements() / classes;
  std::vector<int64_t> label;
  int64_t count;
  if (Status s = readLabels(labels, rows, classes, ignoreIndex, label, count);
      !s)
    return s;
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *x = logits.data<T>();
    T *o = out.data<T>();
    double scale =
        count ? static_cast<double>(cotangent.data<T>()[0]) / count : 0.0;
    parallelFor(rows, std::max<int64_t>(1, 16384 / classes),
                [&](int64_t begin, int64_t end) {
                  for (int64_t r = begin; r < end; ++r) {
                    if (label[r] == ignoreIndex)
                      std::fill(o + r * classes, o + (r + 1) * classes, T(0));
                    else
                      crossEntropyGradRowOf(x + r * classes, o + r * classes,
                                            classes, label[r], scale);
                  }
                });
  });
  return Status::success();
}

} // namespace starch::rt
