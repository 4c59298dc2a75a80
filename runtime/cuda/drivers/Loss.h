//===- Loss.h - CUDA drivers of cross-entropy and its gradient --*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_LOSS_H
#define STARCH_RUNTIME_CUDA_DRIVERS_LOSS_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Loss.h"

namespace starch::rt::cuda::drivers {

template <typename T, typename I, typename Exec>
Status launchCrossEntropy(Exec &exec, const T *logits, const I *labels, T *out,
                          int64_t rows, int64_t classes, int64_t ignoreIndex) {
  void *scratch = nullptr;
  if (Status s = exec.scratch(rows * sizeof(double), scratch); !s)
    return s;
  double *terms = static_cast<double *>(scratch);
  if (Status s = exec.launch(
          rows, CrossEntropyTermBody<T, I>{logits, labels, terms, classes,
                                           ignoreIndex, exec.errorWord()});
      !s)
    return s;
  return exec.launch(1, CrossEntropyMeanBody<T, I>{terms, labels, out, rows,
                                                   classes, ignoreIndex,
                                                   exec.errorWord()});
}

/// A label outside [0, classes) that is not the ignore index is found on
/// the device: the context's next synchronize reports it.
template <typename Exec>
Status crossEntropy(Exec &exec, const Tensor &logits, const Tensor &labels,
                    int64_t ignoreIndex, Tensor &out) {
  if (Status s = checkCrossEntropy(logits, labels, out); !s)
    return s;
  int64_t classes = logits.shape().back();
  int64_t rows = logits.numElements() / classes;
  Status status;
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (labels.dtype() == DType::i64)
      status =
          launchCrossEntropy<T>(exec, logits.data<T>(), labels.data<int64_t>(),
                                out.data<T>(), rows, classes, ignoreIndex);
    else
      status =
          launchCrossEntropy<T>(exec, logits.data<T>(), labels.data<int32_t>(),
                                out.data<T>(), rows, classes, ignoreIndex);
  });
  return status;
}

template <typename T, typename I, typename Exec>
Status launchCrossEntropyGrad(Exec &exec, const T *logits, const I *labels,
                              const T *cotangent, T *out, int64_t rows,
                              int64_t classes, int64_t ignoreIndex) {
  void *scratch = nullptr;
  if (Status s = exec.scratch(sizeof(int64_t), scratch); !s)
    return s;
  int64_t *count = static_cast<int64_t *>(scratch);
  if (Status s =
          exec.launch(1, CountScoredBody<I>{labels, count, rows, classes,
                                            ignoreIndex, exec.errorWord()});
      !s)
    return s;
  return exec.launch(
      rows, CrossEntropyGradBody<T, I>{logits, labels, cotangent, count, out,
                                       classes, ignoreIndex, exec.errorWord()});
}

template <typename Exec>
Status crossEntropyGrad(Exec &exec, const Tensor &logits, const Tensor &labels,
                        const Tensor &cotangent, int64_t ignoreIndex,
                        Tensor &out) {
  if (Status s = checkCrossEntropyGrad(logits, labels, cotangent, out); !s)
    return s;
  int64_t classes = logits.shape().back();
  int64_t rows = logits.numElements() / classes;
  Status status;
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (labels.dtype() == DType::i64)
      status = launchCrossEntropyGrad<T>(
          exec, logits.data<T>(), labels.data<int64_t>(), cotangent.data<T>(),
          out.data<T>(), rows, classes, ignoreIndex);
    else
      status = launchCrossEntropyGrad<T>(
          exec, logits.data<T>(), labels.data<int32_t>(), cotangent.data<T>(),
          out.data<T>(), rows, classes, ignoreIndex);
  });
  return status;
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_LOSS_H
