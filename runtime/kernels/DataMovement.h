//===- DataMovement.h - Kernels that move elements, not compute them -*- C++
//-*-===//
//
// These kernels only copy bytes, so every element type works the same way.
// Outputs are allocated by the caller with the result shape and type.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_DATAMOVEMENT_H
#define STARCH_RUNTIME_KERNELS_DATAMOVEMENT_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

#include <vector>

namespace starch::rt {

/// Row-major strides (in elements) of `shape`.
std::vector<int64_t> rowMajorStrides(const Shape &shape);

/// Input dimension i becomes output dimension dims[i]; size-1 input
/// dimensions repeat.
Status broadcast(const Tensor &input, const std::vector<int64_t> &dims,
                 Tensor &out);
/// out.shape[i] = input.shape[perm[i]].
Status transpose(const Tensor &input, const std::vector<int64_t> &perm,
                 Tensor &out);
/// Joins `inputs` along `axis`.
Status concat(const std::vector<Tensor> &inputs, int64_t axis, Tensor &out);
/// Strided window starting at `start` with step `strides` (may be negative);
/// the window's size is `out`'s shape.
Status slice(const Tensor &input, const std::vector<int64_t> &start,
             const std::vector<int64_t> &strides, Tensor &out);
/// Constant padding by `low`/`high` per dimension (negative amounts crop).
Status pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value, Tensor &out);
/// ONNX Gather: slices of `data` along `axis` at `indices` (i32 or i64,
/// negative counts from the end).
Status gather(const Tensor &data, const Tensor &indices, int64_t axis,
              Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_DATAMOVEMENT_H
