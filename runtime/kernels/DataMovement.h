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
#include "runtime/kernels/Compat.h"
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
/// negative counts from the end). With `offset` (one element of the
/// indices' type), `data` holds the slices `[offset, offset + size)` of a
/// longer axis (a rank's block of a vocabulary): an index outside them
/// gives a slice of zeros, and indices do not count from the end.
Status gather(const Tensor &data, const Tensor &indices, int64_t axis,
              Tensor &out, const Tensor *offset = nullptr);
/// gather's adjoint: `out` = 0, then each slice of `updates` added into
/// `out` along `axis` at its index, in index order (deterministic: every
/// output element sums its updates in that order, whatever the threads).
/// Float types (f16/bf16 sum in f32). With `offset`, as for gather: the
/// updates of indices outside the block are dropped.
Status scatterAdd(const Tensor &updates, const Tensor &indices, int64_t axis,
                  Tensor &out, const Tensor *offset = nullptr);

/// What gatherPosition answers besides a position.
constexpr int64_t kOutsideBlock = -1;
constexpr int64_t kIndexOutOfRange = -2;

/// The slice index `raw` reads along an axis of `size` slices: without a
/// block (`blocked` false) negative indices count from the end and one
/// outside `[-size, size)` is kIndexOutOfRange; in a block that starts at
/// `first`, `raw - first` or kOutsideBlock.
STARCH_HOST_DEVICE inline int64_t gatherPosition(int64_t raw, int64_t size,
                                                 bool blocked, int64_t first) {
  if (blocked)
    return raw - first >= 0 && raw - first < size ? raw - first : kOutsideBlock;
  int64_t position = raw < 0 ? raw + size : raw;
  return position >= 0 && position < size ? position : kIndexOutOfRange;
}

// The argument rules of the kernels above, shared with the CUDA drivers
// (Checks.h). The window functions also say what the kernel copies.

/// The elements of `shape` copied from the input (origin `inOffset`,
/// strides `inStrides`) to the result (origin `outOffset`, strides
/// `outStrides`), all in elements. A window with no elements copies nothing.
struct CopyWindow {
  int64_t inOffset = 0;
  std::vector<int64_t> inStrides;
  int64_t outOffset = 0;
  std::vector<int64_t> outStrides;
  Shape shape;
};

Status broadcastWindow(const Tensor &input, const std::vector<int64_t> &dims,
                       const Tensor &out, CopyWindow &window);
Status transposeWindow(const Tensor &input, const std::vector<int64_t> &perm,
                       const Tensor &out, CopyWindow &window);
Status checkConcat(const std::vector<Tensor> &inputs, int64_t axis,
                   const Tensor &out);
Status sliceWindow(const Tensor &input, const std::vector<int64_t> &start,
                   const std::vector<int64_t> &strides, const Tensor &out,
                   CopyWindow &window);
/// The window of the input that lands in `out` (the rest is `value`).
Status padWindow(const Tensor &input, const std::vector<int64_t> &low,
                 const std::vector<int64_t> &high, const Tensor &out,
                 CopyWindow &window);

/// `data` read as outer x axisSize x inner around `axis`, `count` indices.
struct GatherLayout {
  int64_t outer = 1, axisSize = 0, inner = 1, count = 0;
};
/// A block offset is one element of the indices' type (or absent).
Status checkGatherOffset(const char *op, const Tensor &indices,
                         const Tensor *offset);
Status checkGather(const Tensor &data, const Tensor &indices, int64_t axis,
                   const Tensor &out, GatherLayout &layout);
/// scatterAdd's rules: those of the gather it is the adjoint of (`out` in
/// the data's place, `updates` in the result's), float types.
Status checkScatterAdd(const Tensor &updates, const Tensor &indices,
                       int64_t axis, const Tensor &out, GatherLayout &layout);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_DATAMOVEMENT_H
