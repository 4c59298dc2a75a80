//===- Rope.h - CUDA driver of the rotary position embedding ----*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_ROPE_H
#define STARCH_RUNTIME_CUDA_DRIVERS_ROPE_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Rope.h"

namespace starch::rt::cuda::drivers {

template <typename Exec>
Status rope(Exec &exec, const Tensor &input, const Tensor &cos,
            const Tensor &sin, Tensor &out) {
  if (Status st = checkRope(input, cos, sin, out); !st)
    return st;
  if (isHalf(input.dtype()))
    return unsupportedDtype("rope", input.dtype());
  int64_t b = input.shape()[0], h = input.shape()[1], s = input.shape()[2],
          d = input.shape()[3];
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(b * h * s,
                         RopeBody<T>{input.data<T>(), cos.data<T>(),
                                     sin.data<T>(), out.data<T>(), h, s, d});
  });
  return ok ? status : Status::error("rope needs floats");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_ROPE_H
