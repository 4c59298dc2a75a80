//===- Common.h - What every CUDA driver uses -------------------*- C++ -*-===//
//
// The drivers (Drivers.h) validate their arguments with the check functions
// the CPU kernels call (runtime/kernels/Checks.h and each family's header),
// so a shape rule and its message exist once. What is left here is CUDA's
// own: the element types it does not compute yet and the rank limit of its
// fixed-size layouts.
//
// The second dispatch of a driver (op kind, result or index type) runs in a
// function template of the element type rather than in a lambda nested in
// the first: nvcc's front end mistypes `decltype` of an outer lambda's
// parameter inside a nested generic lambda.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_COMMON_H
#define STARCH_RUNTIME_CUDA_DRIVERS_COMMON_H

#include "runtime/Tensor.h"
#include "runtime/cuda/Bodies.h"
#include "runtime/kernels/Checks.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Status.h"

#include <string>

namespace starch::rt::cuda::drivers {

inline Status unsupportedDtype(const char *op, DType dtype) {
  return Status::error(std::string("cuda ") + op + ": " + dtypeName(dtype) +
                       " tensors are not supported on CUDA yet");
}

/// The layouts handed to the bodies hold at most kMaxRank dimensions.
inline Status checkRank(int64_t rank, const char *what) {
  if (rank > kMaxRank)
    return Status::error(std::string("cuda ") + what + ": rank " +
                         std::to_string(rank) + " exceeds " +
                         std::to_string(kMaxRank));
  return Status::success();
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_COMMON_H
