//===- Norm.h - CUDA drivers of RMS and layer normalisation -----*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_NORM_H
#define STARCH_RUNTIME_CUDA_DRIVERS_NORM_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Norm.h"

namespace starch::rt::cuda::drivers {

template <typename Exec>
Status rmsNorm(Exec &exec, const Tensor &input, const Tensor &weight,
               double epsilon, Tensor &out) {
  int64_t n;
  if (Status s = checkRmsNorm(input, weight, out, n); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("rms_norm", input.dtype());
  int64_t rows = n ? input.numElements() / n : 0;
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(rows, RmsNormBody<T>{input.data<T>(), weight.data<T>(),
                                              out.data<T>(), n, epsilon});
  });
  return ok ? status : Status::error("rms_norm needs floats");
}

template <typename Exec>
Status layerNorm(Exec &exec, const Tensor &input, const Tensor &weight,
                 const Tensor &bias, int64_t axis, double epsilon,
                 Tensor &out) {
  int64_t n;
  if (Status s = checkLayerNorm(input, weight, bias, axis, out, n); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("layer_norm", input.dtype());
  int64_t rows = n ? input.numElements() / n : 0;
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(
        rows, LayerNormBody<T>{input.data<T>(), weight.data<T>(),
                               bias.data<T>(), out.data<T>(), n, epsilon});
  });
  return ok ? status : Status::error("layer_norm needs floats");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_NORM_H
