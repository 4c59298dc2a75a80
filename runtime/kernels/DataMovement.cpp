//===- DataMovement.cpp - Kernels that move elements ----------------------===//
#include "runtime/kernels/DataMovement.h"

#include "runtime/kernels/Checks.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <cstring>
#include <string>

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
                  if (inStep == 0 && outStep == 1) { // a broadcast row
                    std::fill_n(dst, length, *src);
                    continue;
                  }
                  for (int64_t i = 0; i < length; ++i)
                    dst[i * outStep] = src[i * inStep];
                }
              });
}

/// Copies `window` of `input` into `out`.
void copyWindow(const Tensor &input, Tensor &out, const CopyWindow &window) {
  dispatchBits(input.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    copyStrided<U>(input.data<U>() + window.inOffset, window.inStrides,
                   out.data<U>() + window.outOffset, window.outStrides,
                   window.shape);
  });
}

} // namespace

Status broadcastWindow(const Tensor &input, const std::vector<int64_t> &dims,
                       const Tensor &out, CopyWindow &window) {
  if (dims.size() != input.shape().size())
    return Status::error("broadcast: dims do not match the input rank");
  if (dtypeSize(input.dtype()) != dtypeSize(out.dtype()))
    return Status::error("broadcast: input and result types differ");
  window.inStrides.assign(out.rank(), 0);
  std::vector<int64_t> strides = rowMajorStrides(input.shape());
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= out.rank())
      return Status::error("broadcast: dimension out of range");
    int64_t size = input.shape()[i];
    if (size != 1 && size != out.shape()[dims[i]])
      return Status::error("broadcast: size " + std::to_string(size) +
                           " cannot become " +
                           std::to_string(out.shape()[dims[i]]));
    window.inStrides[dims[i]] = size == 1 ? 0 : strides[i];
  }
  window.outStrides = rowMajorStrides(out.shape());
  window.shape = out.shape();
  return Status::success();
}

Status transposeWindow(const Tensor &input, const std::vector<int64_t> &perm,
                       const Tensor &out, CopyWindow &window) {
  if (perm.size() != input.shape().size() || out.rank() != input.rank())
    return Status::error("transpose: permutation does not match the rank");
  if (dtypeSize(input.dtype()) != dtypeSize(out.dtype()))
    return Status::error("transpose: input and result types differ");
  std::vector<bool> seen(perm.size(), false);
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] < 0 || perm[i] >= input.rank() || seen[perm[i]] ||
        out.shape()[i] != input.shape()[perm[i]])
      return Status::error("transpose: not a permutation of the input shape");
    seen[perm[i]] = true;
  }
  std::vector<int64_t> strides = rowMajorStrides(input.shape());
  window.inStrides.resize(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    window.inStrides[i] = strides[perm[i]];
  window.outStrides = rowMajorStrides(out.shape());
  window.shape = out.shape();
  return Status::success();
}

Status checkConcat(const std::vector<Tensor> &inputs, int64_t axis,
                   const Tensor &out) {
  if (axis < 0 || axis >= out.rank())
    return Status::error("concat: axis out of range");
  int64_t position = 0;
  for (const Tensor &input : inputs) {
    if (input.rank() != out.rank())
      return Status::error("concat: operand ranks differ from the result");
    if (dtypeSize(input.dtype()) != dtypeSize(out.dtype()))
      return Status::error("concat: input and result types differ");
    for (int64_t d = 0; d < out.rank(); ++d)
      if (d != axis && input.shape()[d] != out.shape()[d])
        return Status::error("concat: operand " + shapeString(input.shape()) +
                             " does not fit result " +
                             shapeString(out.shape()));
    position += input.shape()[axis];
  }
  if (position != out.shape()[axis])
    return Status::error("concat: operand sizes along the axis do not sum "
                         "to the result's");
  return Status::success();
}

Status sliceWindow(const Tensor &input, const std::vector<int64_t> &start,
                   const std::vector<int64_t> &strides, const Tensor &out,
                   CopyWindow &window) {
  if (start.size() != input.shape().size() ||
      strides.size() != input.shape().size() || out.rank() != input.rank())
    return Status::error("slice: start/strides do not match the rank");
  if (dtypeSize(input.dtype()) != dtypeSize(out.dtype()))
    return Status::error("slice: input and result types differ");
  window.inStrides = rowMajorStrides(input.shape());
  window.outStrides = rowMajorStrides(out.shape());
  window.shape = out.shape();
  if (out.numElements() == 0)
    return Status::success();
  for (size_t d = 0; d < start.size(); ++d) {
    int64_t last = start[d] + (out.shape()[d] - 1) * strides[d];
    if (start[d] < 0 || start[d] >= input.shape()[d] || last < 0 ||
        last >= input.shape()[d])
      return Status::error("slice: window leaves dimension " +
                           std::to_string(d));
    window.inOffset += start[d] * window.inStrides[d];
    window.inStrides[d] *= strides[d];
  }
  return Status::success();
}

Status padWindow(const Tensor &input, const std::vector<int64_t> &low,
                 const std::vector<int64_t> &high, const Tensor &out,
                 CopyWindow &window) {
  int64_t rank = input.rank();
  if (static_cast<int64_t>(low.size()) != rank ||
      static_cast<int64_t>(high.size()) != rank || out.rank() != rank)
    return Status::error("pad: low/high do not match the rank");
  if (dtypeSize(input.dtype()) != dtypeSize(out.dtype()))
    return Status::error("pad: input and result types differ");
  for (int64_t d = 0; d < rank; ++d)
    if (out.shape()[d] != input.shape()[d] + low[d] + high[d])
      return Status::error("pad: result " + shapeString(out.shape()) +
                           " is not the padded input");
  window.inStrides = rowMajorStrides(input.shape());
  window.outStrides = rowMajorStrides(out.shape());
  window.shape.assign(rank, 0);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t inStart = std::max<int64_t>(-low[d], 0);
    int64_t outStart = std::max<int64_t>(low[d], 0);
    // Negative amounts crop; a dimension cropped away copies nothing.
    window.shape[d] = std::max<int64_t>(
        0, std::min(input.shape()[d] - inStart, out.shape()[d] - outStart));
    window.inOffset += inStart * window.inStrides[d];
    window.outOffset += outStart * window.outStrides[d];
  }
  return Status::success();
}

Status checkGatherOffset(const char *op, const Tensor &indices,
                         const Tensor *offset) {
  if (offset &&
      (offset->dtype() != indices.dtype() || offset->numElements() != 1))
    return Status::error(std::string(op) +
                         ": the block offset must be one element of the "
                         "indices' type");
  return Status::success();
}

Status checkGather(const Tensor &data, const Tensor &indices, int64_t axis,
                   const Tensor &out, GatherLayout &layout) {
  if (axis < 0 || axis >= data.rank())
    return Status::error("gather: axis out of range");
  if (indices.dtype() != DType::i32 && indices.dtype() != DType::i64)
    return Status::error(std::string("gather: indices must be i32 or i64, "
                                     "got ") +
                         dtypeName(indices.dtype()));
  if (dtypeSize(out.dtype()) != dtypeSize(data.dtype()))
    return Status::error("gather: data and result types differ");
  layout = GatherLayout();
  layout.axisSize = data.shape()[axis];
  for (int64_t d = 0; d < axis; ++d)
    layout.outer *= data.shape()[d];
  for (int64_t d = axis + 1; d < data.rank(); ++d)
    layout.inner *= data.shape()[d];
  layout.count = indices.numElements();
  return checkCount(out, layout.outer * layout.count * layout.inner,
                    "gather result");
}

Status broadcast(const Tensor &input, const std::vector<int64_t> &dims,
                 Tensor &out) {
  CopyWindow window;
  if (Status s = broadcastWindow(input, dims, out, window); !s)
    return s;
  copyWindow(input, out, window);
  return Status::success();
}

Status transpose(const Tensor &input, const std::vector<int64_t> &perm,
                 Tensor &out) {
  CopyWindow window;
  if (Status s = transposeWindow(input, perm, out, window); !s)
    return s;
  copyWindow(input, out, window);
  return Status::success();
}

Status concat(const std::vector<Tensor> &inputs, int64_t axis, Tensor &out) {
  if (Status s = checkConcat(inputs, axis, out); !s)
    return s;
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
  CopyWindow window;
  if (Status s = sliceWindow(input, start, strides, out, window); !s)
    return s;
  copyWindow(input, out, window);
  return Status::success();
}

Status pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value, Tensor &out) {
  CopyWindow window;
  if (Status s = padWindow(input, low, high, out, window); !s)
    return s;
  if (Status s = fill(value, out); !s)
    return s;
  copyWindow(input, out, window);
  return Status::success();
}

Status checkScatterAdd(const Tensor &updates, const Tensor &indices,
                       int64_t axis, const Tensor &out, GatherLayout &layout) {
  if (!isFloat(updates.dtype()))
    return Status::error("scatter_add needs floats");
  if (Status s = checkGather(out, indices, axis, updates, layout); !s)
    return Status::error("scatter_add: " + s.message());
  return Status::success();
}

namespace {

/// Each index as a position in [0, axisSize) or kOutsideBlock (with a block
/// offset), or an error.
Status indexPositions(const char *op, const Tensor &indices, int64_t axisSize,
                      const Tensor *offset, std::vector<int64_t> &positions) {
  auto integerAt = [](const Tensor &t, int64_t i) {
    return t.dtype() == DType::i32 ? static_cast<int64_t>(t.data<int32_t>()[i])
                                   : t.data<int64_t>()[i];
  };
  int64_t first = offset ? integerAt(*offset, 0) : 0;
  int64_t count = indices.numElements();
  positions.resize(count);
  for (int64_t j = 0; j < count; ++j) {
    int64_t raw = integerAt(indices, j);
    int64_t position = gatherPosition(raw, axisSize, offset, first);
    if (position == kIndexOutOfRange)
      return Status::error(std::string(op) + ": index " + std::to_string(raw) +
                           " out of range for a dimension of size " +
                           std::to_string(axisSize));
    positions[j] = position;
  }
  return Status::success();
}

} // namespace

Status scatterAdd(const Tensor &updates, const Tensor &indices, int64_t axis,
                  Tensor &out, const Tensor *offset) {
  GatherLayout layout;
  if (Status s = checkScatterAdd(updates, indices, axis, out, layout); !s)
    return s;
  if (Status s = checkGatherOffset("scatter_add", indices, offset); !s)
    return s;
  if (isHalf(updates.dtype())) {
    Tensor wide(DType::f32, out.shape());
    if (Status s = scatterAdd(widenHalf(updates), indices, axis, wide, offset);
        !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  std::vector<int64_t> positions;
  if (Status s = indexPositions("scatter_add", indices, layout.axisSize, offset,
                                positions);
      !s)
    return s;
  int64_t outer = layout.outer, inner = layout.inner,
          axisSize = layout.axisSize, count = layout.count;
  // Tasks own columns of the inner elements, so every output element is
  // summed by one task, in index order.
  constexpr int64_t kColumns = 256;
  int64_t chunks = (inner + kColumns - 1) / kColumns;
  dispatchFloat(updates.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *src = updates.data<T>();
    T *dst = out.data<T>();
    std::fill(dst, dst + out.numElements(), T(0));
    parallelFor(outer * chunks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t task = begin; task < end; ++task) {
        int64_t o = task / chunks, c0 = (task % chunks) * kColumns;
        int64_t c1 = std::min(inner, c0 + kColumns);
        for (int64_t j = 0; j < count; ++j) {
          if (positions[j] == kOutsideBlock)
            continue;
          const T *row = src + (o * count + j) * inner;
          T *target = dst + (o * axisSize + positions[j]) * inner;
          for (int64_t c = c0; c < c1; ++c)
            target[c] += row[c];
        }
      }
    });
  });
  return Status::success();
}

Status gather(const Tensor &data, const Tensor &indices, int64_t axis,
              Tensor &out, const Tensor *offset) {
  GatherLayout layout;
  if (Status s = checkGather(data, indices, axis, out, layout); !s)
    return s;
  if (Status s = checkGatherOffset("gather", indices, offset); !s)
    return s;
  int64_t outer = layout.outer, inner = layout.inner,
          axisSize = layout.axisSize, count = layout.count;
  std::vector<int64_t> positions;
  if (Status s = indexPositions("gather", indices, axisSize, offset, positions);
      !s)
    return s;
  size_t rowBytes = inner * dtypeSize(data.dtype());
  const uint8_t *src = data.bytes();
  uint8_t *dst = out.bytes();
  parallelFor(outer * count, std::max<int64_t>(1, 65536 / (rowBytes + 1)),
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  int64_t o = i / count, j = i % count;
                  if (positions[j] == kOutsideBlock) {
                    std::memset(dst + i * rowBytes, 0, rowBytes);
                    continue;
                  }
                  std::memcpy(dst + i * rowBytes,
                              src + (o * axisSize + positions[j]) * rowBytes,
                              rowBytes);
                }
              });
  return Status::success();
}

} // namespace starch::rt
