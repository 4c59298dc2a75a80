//===- LossBlock.cpp - Cross-entropy over a vocabulary block --------------===//
#include "runtime/kernels/LossBlock.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/LossRowsVector.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <type_traits>

namespace starch::rt {

namespace {

/// An integer element of `t` (i32 or i64) as i64.
int64_t integerAt(const Tensor &t, int64_t i) {
  return t.dtype() == DType::i64 ? t.data<int64_t>()[i]
                                 : static_cast<int64_t>(t.data<int32_t>()[i]);
}

Status checkOperands(const char *op, const Tensor &logits, const Tensor &labels,
                     const Tensor &start, const Tensor &max, const Tensor &sums,
                     const char *sumsName) {
  auto fail = [&](const std::string &why) {
    return Status::error(std::string(op) + ": " + why);
  };
  if (logits.rank() < 1 || logits.shape().back() < 1)
    return fail("the logits need a class dimension");
  if (logits.dtype() != DType::f32 && logits.dtype() != DType::f64)
    return fail("the logits must be f32 or f64");
  if (labels.dtype() != DType::i64 && labels.dtype() != DType::i32)
    return fail("the labels must be i32 or i64");
  Shape positions(logits.shape().begin(), logits.shape().end() - 1);
  if (labels.shape() != positions)
    return fail("the labels do not match the logits");
  if (start.dtype() != labels.dtype() || start.numElements() != 1)
    return fail("start must be one element of the labels' type");
  if (max.dtype() != logits.dtype() || max.shape() != positions)
    return fail("max must be one logit per position");
  Shape pairs = positions;
  pairs.push_back(2);
  if (sums.dtype() != DType::f64 || sums.shape() != pairs)
    return fail(std::string(sumsName) + " must be two f64 sums per position");
  return Status::success();
}

} // namespace

Status checkCrossEntropyBlock(const Tensor &logits, const Tensor &labels,
                              const Tensor &start, const Tensor &max,
                              const Tensor &out) {
  return checkOperands("cross_entropy_block", logits, labels, start, max, out,
                       "the result");
}

Status checkCrossEntropyBlockGrad(const Tensor &logits, const Tensor &labels,
                                  const Tensor &start, const Tensor &max,
                                  const Tensor &cotangent, const Tensor &out) {
  if (Status s = checkOperands("cross_entropy_block_grad", logits, labels,
                               start, max, cotangent, "the cotangent");
      !s)
    return s;
  if (out.dtype() != logits.dtype() || out.shape() != logits.shape())
    return Status::error(
        "cross_entropy_block_grad: the result must be like the logits");
  return Status::success();
}

namespace {

/// Calls `row(x, r, local, max)` for every position r in parallel: its
/// logits `x` (type T), its label's class in the block and its max.
template <typename Row>
void forEachRow(const Tensor &logits, const Tensor &labels, const Tensor &start,
                const Tensor &max, Row &&row) {
  int64_t classes = logits.shape().back();
  int64_t first = integerAt(start, 0);
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *x = logits.data<T>();
    const T *peak = max.data<T>();
    parallelFor(labels.numElements(), std::max<int64_t>(1, 16384 / classes),
                [&](int64_t begin, int64_t end) {
                  for (int64_t r = begin; r < end; ++r)
                    row(x + r * classes, r, integerAt(labels, r) - first,
                        static_cast<double>(peak[r]));
                });
  });
}

} // namespace

Status crossEntropyBlock(const Tensor &logits, const Tensor &labels,
                         const Tensor &start, const Tensor &max, Tensor &out) {
  if (Status s = checkCrossEntropyBlock(logits, labels, start, max, out); !s)
    return s;
  int64_t classes = logits.shape().back();
  double *sums = out.data<double>();
  forEachRow(logits, labels, start, max,
             [&](const auto *x, int64_t r, int64_t local, double peak) {
               using T =
                   std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
               // e^x in vector registers where the CPU has them, as
               // Loss.cpp does (LossRowsVector.h).
               if constexpr (std::is_same_v<T, float>)
                 if (hasVectorExp())
                   return crossEntropyBlockRowVector(x, classes, local, peak,
                                                     sums + 2 * r);
               crossEntropyBlockRow(x, classes, local, peak, sums + 2 * r);
             });
  return Status::success();
}

Status crossEntropyBlockGrad(const Tensor &logits, const Tensor &labels,
                             const Tensor &start, const Tensor &max,
                             const Tensor &cotangent, Tensor &out) {
  if (Status s = checkCrossEntropyBlockGrad(logits, labels, start, max,
                                            cotangent, out);
      !s)
    return s;
  int64_t classes = logits.shape().back();
  const double *d = cotangent.data<double>();
  forEachRow(logits, labels, start, max,
             [&](const auto *x, int64_t r, int64_t local, double peak) {
               using T =
                   std::remove_const_t<std::remove_pointer_t<decltype(x)>>;
               if constexpr (std::is_same_v<T, float>)
                 if (hasVectorExp())
                   return crossEntropyBlockGradRowVector(
                       x, out.data<T>() + r * classes, classes, local, peak,
                       d + 2 * r);
               crossEntropyBlockGradRow(x, out.data<T>() + r * classes, classes,
                                        local, peak, d + 2 * r);
             });
  return Status::success();
}

} // namespace starch::rt
