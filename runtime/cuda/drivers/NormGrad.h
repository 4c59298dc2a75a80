//===- NormGrad.h - CUDA drivers of the norm backwards ----------*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_NORMGRAD_H
#define STARCH_RUNTIME_CUDA_DRIVERS_NORMGRAD_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/NormGrad.h"

#include <string>

namespace starch::rt::cuda::drivers {

/// Both norm backwards: one thread per row (statistics and d_input), then
/// one per column (d_weight, d_bias summed over the rows in order).
template <typename Exec>
Status normGrad(Exec &exec, const char *op, const Tensor &input,
                const Tensor &weight, const Tensor &dOut, int64_t n,
                double epsilon, bool centered, Tensor *dInput, Tensor *dWeight,
                Tensor *dBias) {
  if (isHalf(input.dtype()))
    return unsupportedDtype(op, input.dtype());
  int64_t rows = n ? input.numElements() / n : 0;
  void *scratch = nullptr;
  if (Status s = exec.scratch(static_cast<size_t>(rows) * sizeof(NormRowStats),
                              scratch);
      !s)
    return s;
  auto *stats = static_cast<NormRowStats *>(scratch);
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(
        rows,
        NormGradRowBody<T>{input.data<T>(), weight.data<T>(), dOut.data<T>(),
                           dInput ? dInput->data<T>() : nullptr, stats, n,
                           epsilon, centered});
    if (status && (dWeight || dBias))
      status = exec.launch(
          n, NormParamGradBody<T>{input.data<T>(), dOut.data<T>(), stats,
                                  dWeight ? dWeight->data<T>() : nullptr,
                                  dBias ? dBias->data<T>() : nullptr, rows, n});
  });
  return ok ? status : Status::error(std::string(op) + " needs floats");
}

template <typename Exec>
Status rmsNormGrad(Exec &exec, const Tensor &input, const Tensor &weight,
                   const Tensor &dOut, double epsilon, Tensor *dInput,
                   Tensor *dWeight) {
  int64_t n;
  if (Status s = checkRmsNormGrad(input, weight, dOut, dInput, dWeight, n); !s)
    return s;
  return normGrad(exec, "rms_norm_grad", input, weight, dOut, n, epsilon,
                  /*centered=*/false, dInput, dWeight, nullptr);
}

template <typename Exec>
Status layerNormGrad(Exec &exec, const Tensor &input, const Tensor &weight,
                     const Tensor &dOut, int64_t axis, double epsilon,
                     Tensor *dInput, Tensor *dWeight, Tensor *dBias) {
  int64_t n;
  if (Status s = checkLayerNormGrad(input, weight, dOut, axis, dInput, dWeight,
                                    dBias, n);
      !s)
    return s;
  return normGrad(exec, "layer_norm_grad", input, weight, dOut, n, epsilon,
                  /*centered=*/true, dInput, dWeight, dBias);
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_NORMGRAD_H
