//===- Drivers.h - Checks, layouts and launches of kernels ------*- C++ -*-===//
//
// The host half of every CUDA kernel, written once over an executor, one
// header per kernel family in drivers/ (named as in runtime/kernels/):
// validate the tensors with the check functions the CPU kernels call
// (runtime/kernels/Checks.h), compute strides and layouts, pick the element
// type, and hand a body of Bodies.h to `exec.launch(n, body)`.
//
// An executor provides
//   template <typename Body> Status launch(int64_t n, const Body &body);
//   int *errorWord();                 // where bodies raise kernel errors
//   Status scratch(size_t bytes, void *&data); // per-call temporary
//   Status zero(void *data, size_t bytes);
//   Status gemmStridedBatched(...);   // column-major, as cuBLAS (f32, f64)
//   Status gemmStridedBatchedBf16(...); // bf16 in and out, f32 sums
// DeviceExec (Launch.cuh) launches CUDA kernels and calls cuBLAS; HostExec
// (HostExec.h) runs the same bodies in a loop on host memory, which is how
// the kernels are tested without a GPU.
//
// Plain C++17 over host-side tensor metadata: a driver never reads tensor
// data, which lives on the device.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_H
#define STARCH_RUNTIME_CUDA_DRIVERS_H

#include "runtime/cuda/drivers/Attention.h"
#include "runtime/cuda/drivers/AttentionGrad.h"
#include "runtime/cuda/drivers/Conv.h"
#include "runtime/cuda/drivers/DataMovement.h"
#include "runtime/cuda/drivers/Elementwise.h"
#include "runtime/cuda/drivers/Loss.h"
#include "runtime/cuda/drivers/LossBlock.h"
#include "runtime/cuda/drivers/Matmul.h"
#include "runtime/cuda/drivers/Norm.h"
#include "runtime/cuda/drivers/NormGrad.h"
#include "runtime/cuda/drivers/Optimizer.h"
#include "runtime/cuda/drivers/Reduce.h"
#include "runtime/cuda/drivers/Resize.h"
#include "runtime/cuda/drivers/Rope.h"

#endif // STARCH_RUNTIME_CUDA_DRIVERS_H
