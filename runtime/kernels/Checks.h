//===- Checks.h - Building blocks of the kernels' argument checks -*- C++
//-*-===//
//
// Every kernel family declares the rules its arguments must satisfy once, as
// `check...` functions beside its kernels (checkUnary in Elementwise.h,
// checkMatmul in Matmul.h, ...). The CPU kernels and the CUDA drivers
// (runtime/cuda/drivers/) both call them, so a shape rule and its message
// exist once. They read tensor metadata only, never data, which on CUDA
// lives on the device. These are the pieces they are made of.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_CHECKS_H
#define STARCH_RUNTIME_KERNELS_CHECKS_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

#include <string>

namespace starch::rt {

/// "what: shapes 4 and 5 differ".
inline Status checkSameShape(const Tensor &a, const Tensor &b,
                             const char *what) {
  if (a.shape() != b.shape())
    return Status::error(std::string(what) + ": shapes " +
                         shapeString(a.shape()) + " and " +
                         shapeString(b.shape()) + " differ");
  return Status::success();
}

/// "what: expected f32, got i32".
inline Status checkDtype(const Tensor &t, DType dtype, const char *what) {
  if (t.dtype() != dtype)
    return Status::error(std::string(what) + ": expected " + dtypeName(dtype) +
                         ", got " + dtypeName(t.dtype()));
  return Status::success();
}

/// "what: 2x3 does not hold 4 elements".
inline Status checkCount(const Tensor &t, int64_t expected, const char *what) {
  if (t.numElements() != expected)
    return Status::error(std::string(what) + ": " + shapeString(t.shape()) +
                         " does not hold " + std::to_string(expected) +
                         " elements");
  return Status::success();
}

/// An optional result (null: not computed) has `like`'s shape and type:
/// "what must have shape 2x3 and type f32".
inline Status checkLike(const Tensor *result, const Tensor &like,
                        const char *what) {
  if (result &&
      (result->shape() != like.shape() || result->dtype() != like.dtype()))
    return Status::error(std::string(what) + " must have shape " +
                         shapeString(like.shape()) + " and type " +
                         dtypeName(like.dtype()));
  return Status::success();
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_CHECKS_H
