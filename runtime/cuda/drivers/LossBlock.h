//===- LossBlock.h - CUDA drivers of the vocabulary-block loss --*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_LOSSBLOCK_H
#define STARCH_RUNTIME_CUDA_DRIVERS_LOSSBLOCK_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/LossBlock.h"

namespace starch::rt::cuda::drivers {

/// One thread per position; `start` and the labels are read on the device.
template <typename T, typename I> struct CrossEntropyBlockBody {
  const T *logits, *max;
  const I *labels, *start;
  double *sums;
  int64_t classes;
  STARCH_HOST_DEVICE void operator()(int64_t r) const {
    crossEntropyBlockRow(logits + r * classes, classes,
                         static_cast<int64_t>(labels[r]) -
                             static_cast<int64_t>(start[0]),
                         static_cast<double>(max[r]), sums + 2 * r);
  }
};

template <typename T, typename I> struct CrossEntropyBlockGradBody {
  const T *logits, *max;
  const I *labels, *start;
  const double *cotangent;
  T *out;
  int64_t classes;
  STARCH_HOST_DEVICE void operator()(int64_t r) const {
    crossEntropyBlockGradRow(logits + r * classes, out + r * classes, classes,
                             static_cast<int64_t>(labels[r]) -
                                 static_cast<int64_t>(start[0]),
                             static_cast<double>(max[r]), cotangent + 2 * r);
  }
};

/// Calls `f(T{}, I{})` with the logits' float type and the labels' integer
/// type (the checks have admitted only f32/f64 and i32/i64).
template <typename F>
void dispatchBlockTypes(const Tensor &logits, const Tensor &labels, F &&f) {
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (labels.dtype() == DType::i64)
      f(T{}, int64_t{});
    else
      f(T{}, int32_t{});
  });
}

template <typename Exec>
Status crossEntropyBlock(Exec &exec, const Tensor &logits, const Tensor &labels,
                         const Tensor &start, const Tensor &max, Tensor &out) {
  if (Status s = checkCrossEntropyBlock(logits, labels, start, max, out); !s)
    return s;
  Status status;
  dispatchBlockTypes(logits, labels, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    status = exec.launch(
        labels.numElements(),
        CrossEntropyBlockBody<T, I>{logits.data<T>(), max.data<T>(),
                                    labels.data<I>(), start.data<I>(),
                                    out.data<double>(), logits.shape().back()});
  });
  return status;
}

template <typename Exec>
Status crossEntropyBlockGrad(Exec &exec, const Tensor &logits,
                             const Tensor &labels, const Tensor &start,
                             const Tensor &max, const Tensor &cotangent,
                             Tensor &out) {
  if (Status s = checkCrossEntropyBlockGrad(logits, labels, start, max,
                                            cotangent, out);
      !s)
    return s;
  Status status;
  dispatchBlockTypes(logits, labels, [&](auto t, auto i) {
    using T = decltype(t);
    using I = decltype(i);
    status = exec.launch(labels.numElements(),
                         CrossEntropyBlockGradBody<T, I>{
                             logits.data<T>(), max.data<T>(), labels.data<I>(),
                             start.data<I>(), cotangent.data<double>(),
                             out.data<T>(), logits.shape().back()});
  });
  return status;
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_LOSSBLOCK_H
