//===- Optimizer.h - CUDA driver of the AdamW update ------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_OPTIMIZER_H
#define STARCH_RUNTIME_CUDA_DRIVERS_OPTIMIZER_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Optimizer.h"

namespace starch::rt::cuda::drivers {

/// The step's scalars are computed once on the host (adamwFactors), as the
/// CPU kernel does; the gradient scale stays on the device, read by every
/// element.
template <typename Exec>
Status adamw(Exec &exec, const Tensor &param, const Tensor &grad,
             const Tensor *gradScale, const Tensor &expAvg,
             const Tensor &expAvgSq, double lr, int64_t step,
             const AdamWHyper &hyper, Tensor &newParam, Tensor &newExpAvg,
             Tensor &newExpAvgSq) {
  if (Status s = checkAdamW(param, grad, gradScale, expAvg, expAvgSq, step,
                            newParam, newExpAvg, newExpAvgSq);
      !s)
    return s;
  int64_t n = param.numElements();
  AdamWFactors factors = adamwFactors(hyper, lr, step);
  Status status;
  bool ok = dispatchFloat(param.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status =
        exec.launch(n, AdamWBody<T>{param.data<T>(), grad.data<T>(),
                                    gradScale ? gradScale->data<T>() : nullptr,
                                    expAvg.data<T>(), expAvgSq.data<T>(),
                                    newParam.data<T>(), newExpAvg.data<T>(),
                                    newExpAvgSq.data<T>(), factors});
  });
  return ok ? status : Status::error("adamw needs f32 or f64");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_OPTIMIZER_H
