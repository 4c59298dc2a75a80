//===- Elementwise.h - Elementwise kernels on host tensors ------*- C++ -*-===//
//
// CPU drivers of the scalar ops in ElementwiseOps.h. Outputs are allocated by
// the caller with the result shape and type. f16/bf16 compute in f32 and
// round once.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_ELEMENTWISE_H
#define STARCH_RUNTIME_KERNELS_ELEMENTWISE_H

#include "runtime/Tensor.h"
#include "runtime/kernels/ElementwiseOps.h"
#include "runtime/kernels/Status.h"

namespace starch::rt {

Status unary(UnaryKind kind, const Tensor &input, Tensor &out);
Status binary(BinaryKind kind, const Tensor &lhs, const Tensor &rhs,
              Tensor &out);
/// `out` is an i1 tensor of the operands' shape.
Status compare(CompareKind kind, const Tensor &lhs, const Tensor &rhs,
               Tensor &out);
/// `out[i] = condition[i] ? onTrue[i] : onFalse[i]`.
Status select(const Tensor &condition, const Tensor &onTrue,
              const Tensor &onFalse, Tensor &out);
/// Converts every element of `input` to `out`'s element type.
Status convert(const Tensor &input, Tensor &out);
/// `out[i0..in] = i_dim` in `out`'s element type.
Status iota(int64_t dim, Tensor &out);
/// Every element of `out` set to `value` (converted as by `convert`).
Status fill(double value, Tensor &out);

// The argument rules of the kernels above, shared with the CUDA drivers
// (Checks.h).
Status checkUnary(UnaryKind kind, const Tensor &input, const Tensor &out);
Status checkBinary(const Tensor &lhs, const Tensor &rhs, const Tensor &out);
Status checkCompare(const Tensor &lhs, const Tensor &rhs, const Tensor &out);
Status checkSelect(const Tensor &condition, const Tensor &onTrue,
                   const Tensor &onFalse, const Tensor &out);
Status checkConvert(const Tensor &input, const Tensor &out);
Status checkIota(int64_t dim, const Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_ELEMENTWISE_H
