//===- Conv.h - CUDA driver of the convolution (not yet) --------*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_CONV_H
#define STARCH_RUNTIME_CUDA_DRIVERS_CONV_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Conv.h"

namespace starch::rt::cuda::drivers {

template <typename Exec>
Status conv(Exec &, const Tensor &, const Tensor &, const ConvParams &,
            Tensor &) {
  return Status::error("cuda conv: convolution is not supported on CUDA yet");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_CONV_H
