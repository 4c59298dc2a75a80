//===- DataMovement.cpp - Kernels that move elements ----------------------===//
#include "runtime/kernels/DataMovement.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/kernels/Parallel.h"

#include <cstring>

namespace starch::rt {

std::vector<int64_t> rowMajorStrides(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

namespace {

/// out[sum i_d * outStrides[d]] = in[sum i_d * inStrides[d]] for every index
/// i of `shape`; both pointers already point at the window's origin.
template <typename U>
void copyStrided(const U *in, const std::vector<int64_t> &inStrides, U *out,
                 const std::vector<int64_t> &outStrides, const Shape &shape) {
  int64_t rank = static_cast<int64_t>(shape.size());
  if (numElements(shape) == 0)
    return;
  if (rank == 0) {
    *out = *in;
    return;
  }
  int64_t length = shape[rank - 1];
  int64_t inStep = inStrides[rank - 1], outStep = outStrides[rank - 1];
  int64_t rows = numElements(shape) / length;
  parallelFor(rows, std::max<int64_t>(1, 16384 / length),
              [&](int64_t begin, int64_t end) {
                for (int64_t row = begin; row < end; ++row) {
                  int64_t inOffset = 0, outOffset = 0, rest = row;
                  for (int64_t d = rank - 2; d >= 0; --d) {
                    int64_t index = rest % shape[d];
                    rest /= shape[d];
                    inOffset += index * inStrides[d];
                    outOffset += index * outStrides[d];
                  }
                  const U *src = in + inOffset;
                  U *dst = out + outOffset;
                  if (inStep == 1 && outStep == 1) {
                    std::memcpy(dst, src, length * sizeof(U));
                    continue;
                  }
                  for (int64_t i = 0; i < length; ++i)
                    dst[i * outStep] = src[i * inStep];
                }
              });
}

/// Copies a window of `input` (origin `inOffset`, strides `inStrides`) into
/// `out` at `outOffset` with `out`'s row-major strides, over `shape`.
void copyWindow(const Tensor &input, int64_t inOffset,
                const std::vector<int64_t> &inStrides, Tensor &out,
                int64_t outOffset, const std::vector<int64_t> &outStrides,
                const Shape &shape) {
  dispatchBits(input.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    copyStrided<U>(input.data<U>() + inOffset, inStrides,
                   out.data<U>() + outOffset, outStrides, shape);
  });
}

} // namespace

Status broadcast(const Tensor &input, const std::vector<int64_t> &dims,
                 Tensor &out) {
  if (dims.size() != input.shape().size())
    return Status::error("broadcast: dims do not match the input rank");
  std::vector<int64_t> inStrides(out.rank(), 0);
  std::vector<int64_t> strides = rowMajorStrides(input.shape());
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= out.rank())
      return Status::error("broadcast: dimension out of range");
    int64_t size = input.shape()[i];
    if (size != 1 && size != out.shape()[dims[i]])
      return Status::error("broadcast: size " + std::to_string(size) +
                           " cannot become " +
                           std::to_string(out.shape()[dims[i]]));
    inStrides[dims[i]] = size == 1 ? 0 : strides[i];
  }
  copyWindow(input, 0, inStrides, out, 0, rowMajorStrides(out.shape()),
             out.shape());
  return Status::success();
}

Status transpose(const Tensor &input, const std::vector<int64_t> &perm,
                 Tensor &out) {
  if (perm.size() != input.shape().size())
    return Status::error("transpose: permutation does not match the rank");
  std::vector<int64_t> strides = rowMajorStrides(input.shape());
  std::vector<int64_t> inStrides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inStrides[i] = strides[perm[i]];
  copyWindow(input, 0, inStrides, out, 0, rowMajorStrides(out.shape()),
             out.shape());
  return Status::success();
}

Status concat(const std::vector<Tensor> &inputs, int64_t axis, Tensor &out) {
  if (axis < 0 || axis >= out.rank())
    return Status::error("concat: axis out of range");
  size_t elementSize = dtypeSize(out.dtype());
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= out.shape()[d];
  size_t outRow = out.numElements() / std::max<int64_t>(outer, 1) * elementSize;
  size_t offset = 0;
  for (const Tensor &input : inputs) {
    size_t inRow =
        input.numElements() / std::max<int64_t>(outer, 1) * elementSize;
    const uint8_t *src = input.bytes();
    uint8_t *dst = out.bytes() + offset;
    parallelFor(outer, std::max<int64_t>(1, 65536 / (inRow + 1)),
                [&](int64_t begin, int64_t end) {
                  for (int64_t o = begin; o < end; ++o)
                    std::memcpy(dst + o * outRow, src + o * inRow, inRow);
                });
    offset += inRow;
  }
  return Status::success();
}

Status slice(const Tensor &input, const std::vector<int64_t> &start,
             const std::vector<int64_t> &strides, Tensor &out) {
  if (start.size() != input.shape().size() ||
      strides.size() != input.shape().size())
    return Status::error("slice: start/strides do not match the rank");
  if (out.numElements() == 0)
    return Status::success();
  std::vector<int64_t> inStrides = rowMajorStrides(input.shape());
  int64_t offset = 0;
  for (size_t d = 0; d < start.size(); ++d) {
    int64_t last = start[d] + (out.shape()[d] - 1) * strides[d];
    if (start[d] < 0 || start[d] >= input.shape()[d] || last < 0 ||
        last >= input.shape()[d])
      return Status::error("slice: window leaves dimension " +
                           std::to_string(d));
    offset += start[d] * inStrides[d];
    inStrides[d] *= strides[d];
  }
  copyWindow(input, offset, inStrides, out, 0, rowMajorStrides(out.shape()),
             out.shape());
  return Status::success();
}

Status pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value, Tensor &out) {
  int64_t rank = input.rank();
  if (static_cast<int64_t>(low.size()) != rank ||
      static_cast<int64_t>(high.size()) != rank)
    return Status::error("pad: low/high do not match the rank");
  if (Status s = fill(value, out); !s)
    return s;
  std::vector<int64_t> inStrides = rowMajorStrides(input.shape());
  std::vector<int64_t> outStrides = rowMajorStrides(out.shape());
  Shape window(rank);
  int64_t inOffset = 0, outOffset = 0;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t inStart = std::max<int64_t>(-low[d], 0);
    int64_t outStart = std::max<int64_t>(low[d], 0);
    window[d] = std::min(input.shape()[d] - inStart, out.shape()[d] - outStart);
    if (window[d] <= 0)
      return Status::success(); // everything cropped away
    inOffset += inStart * inStrides[d];
    outOffset += outStart * outStrides[d];
  }
  copyWindow(input, inOffset, inStrides, out, outOffset, outStrides, window);
  return Status::success();
}

Status gather(const Tensor &data, const Tensor &indices, int64_t axis,
              Tensor &out) {
  if (axis < 0 || axis >= data.rank())
    return Status::error("gather: axis out of range");
  int64_t outer = 1, inner = 1, axisSize = data.shape()[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.shape()[d];
  for (int64_t d = axis + 1; d < data.rank(); ++d)
    inner *= data.shape()[d];
  int64_t count = indices.numElements();
  std::vector<int64_t> positions(count);
  for (int64_t j = 0; j < count; ++j) {
    int64_t raw = indices.dtype() == DType::i32 ? indices.data<int32_t>()[j]
                                                : indices.data<int64_t>()[j];
    int64_t index = raw;
    if (index < 0)
      index += axisSize;
    if (index < 0 || index >= axisSize)
      return Status::error("gather: index " + std::to_string(raw) +
                           " out of range for a dimension of size " +
                           std::to_string(axisSize));
    positions[j] = index;
  }
  size_t rowBytes = inner * dtypeSize(data.dtype());
  const uint8_t *src = data.bytes();
  uint8_t *dst = out.bytes();
  parallelFor(outer * count, std::max<int64_t>(1, 65536 / (rowBytes + 1)),
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  int64_t o = i / count, j = i % count;
                  std::memcpy(dst + i * rowBytes,
                              src + (o * axisSize + positions[j]) * rowBytes,
                              rowBytes);
                }
              });
  return Status::success();
}

} // namespace starch::rt
