//===- Compat.h - One kernel source for g++ and nvcc ------------*- C++ -*-===//
//
// Scalar and row functions of the kernels are marked STARCH_HOST_DEVICE so the
// same source compiles into CPU loops (g++) and CUDA kernels (nvcc).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_COMPAT_H
#define STARCH_RUNTIME_KERNELS_COMPAT_H

#if defined(__CUDACC__)
#define STARCH_HOST_DEVICE __host__ __device__
#else
#define STARCH_HOST_DEVICE
#endif

#endif // STARCH_RUNTIME_KERNELS_COMPAT_H
