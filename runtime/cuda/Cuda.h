//===- Cuda.h - The CUDA runtime: devices, memory, kernels ------*- C++ -*-===//
//
// What generated CUDA programs include; link starch_runtime_cuda, cuBLAS and
// the CUDA runtime (docs/cuda.md).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_CUDA_H
#define STARCH_RUNTIME_CUDA_CUDA_H

#include "runtime/cuda/Device.h"
#include "runtime/cuda/Kernels.h"

#endif // STARCH_RUNTIME_CUDA_CUDA_H
