//===- DataMovement.h - CUDA drivers of the data movement kernels -*- C++
//-*-===//
//
// Every kernel here but gather copies a window (the CopyWindow that the
// CPU's check functions compute, runtime/kernels/DataMovement.h) with one
// strided-copy body.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_DATAMOVEMENT_H
#define STARCH_RUNTIME_CUDA_DRIVERS_DATAMOVEMENT_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/cuda/drivers/Elementwise.h"
#include "runtime/kernels/DataMovement.h"

#include <vector>

namespace starch::rt::cuda::drivers {

/// Copies `window` of `input` into `out`.
template <typename Exec>
Status copyWindow(Exec &exec, const char *op, const Tensor &input, Tensor &out,
                  const CopyWindow &window) {
  const Shape &shape = window.shape;
  if (Status s = checkRank(static_cast<int64_t>(shape.size()), op); !s)
    return s;
  StridedWindow strided;
  strided.rank = static_cast<int>(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    strided.shape[d] = shape[d];
    strided.inStrides[d] = window.inStrides[d];
    strided.outStrides[d] = window.outStrides[d];
  }
  Status status;
  dispatchBits(input.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    status =
        exec.launch(numElements(shape),
                    CopyBody<U>{input.data<U>() + window.inOffset,
                                out.data<U>() + window.outOffset, strided});
  });
  return status;
}

template <typename Exec>
Status broadcast(Exec &exec, const Tensor &input,
                 const std::vector<int64_t> &dims, Tensor &out) {
  CopyWindow window;
  if (Status s = broadcastWindow(input, dims, out, window); !s)
    return s;
  return copyWindow(exec, "broadcast", input, out, window);
}

template <typename Exec>
Status transpose(Exec &exec, const Tensor &input,
                 const std::vector<int64_t> &perm, Tensor &out) {
  CopyWindow window;
  if (Status s = transposeWindow(input, perm, out, window); !s)
    return s;
  return copyWindow(exec, "transpose", input, out, window);
}

template <typename Exec>
Status concat(Exec &exec, const std::vector<Tensor> &inputs, int64_t axis,
              Tensor &out) {
  if (Status s = checkConcat(inputs, axis, out); !s)
    return s;
  // Each input is the window of the result that starts at its position.
  CopyWindow window;
  window.outStrides = rowMajorStrides(out.shape());
  for (const Tensor &input : inputs) {
    window.inStrides = rowMajorStrides(input.shape());
    window.shape = input.shape();
    if (Status s = copyWindow(exec, "concat", input, out, window); !s)
      return s;
    window.outOffset += input.shape()[axis] * window.outStrides[axis];
  }
  return Status::success();
}

template <typename Exec>
Status slice(Exec &exec, const Tensor &input, const std::vector<int64_t> &start,
             const std::vector<int64_t> &strides, Tensor &out) {
  CopyWindow window;
  if (Status s = sliceWindow(input, start, strides, out, window); !s)
    return s;
  return copyWindow(exec, "slice", input, out, window);
}

template <typename Exec>
Status pad(Exec &exec, const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value, Tensor &out) {
  CopyWindow window;
  if (Status s = padWindow(input, low, high, out, window); !s)
    return s;
  if (Status s = fill(exec, value, out); !s)
    return s;
  return copyWindow(exec, "pad", input, out, window);
}

template <typename U, typename I, typename Exec>
Status launchGather(Exec &exec, const U *data, const I *indices, U *out,
                    int64_t n, int64_t count, int64_t inner, int64_t axisSize,
                    const I *offset) {
  return exec.launch(n, GatherBody<U, I>{data, indices, out, count, inner,
                                         axisSize, exec.errorWord(),
                                         kGatherIndexOutOfRange, offset});
}

/// The block offset's device pointer, or null.
template <typename I> const I *offsetData(const Tensor *offset) {
  return offset ? offset->data<I>() : nullptr;
}

/// Out-of-range indices are found on the device: the element is written as
/// 0 and the context's next synchronize reports the error.
template <typename Exec>
Status gather(Exec &exec, const Tensor &data, const Tensor &indices,
              int64_t axis, Tensor &out, const Tensor *offset = nullptr) {
  GatherLayout layout;
  if (Status s = checkGather(data, indices, axis, out, layout); !s)
    return s;
  if (Status s = checkGatherOffset("gather", indices, offset); !s)
    return s;
  if (out.numElements() == 0)
    return Status::success();
  Status status;
  dispatchBits(data.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    if (indices.dtype() == DType::i32)
      status = launchGather<U>(exec, data.data<U>(), indices.data<int32_t>(),
                               out.data<U>(), out.numElements(), layout.count,
                               layout.inner, layout.axisSize,
                               offsetData<int32_t>(offset));
    else
      status = launchGather<U>(exec, data.data<U>(), indices.data<int64_t>(),
                               out.data<U>(), out.numElements(), layout.count,
                               layout.inner, layout.axisSize,
                               offsetData<int64_t>(offset));
  });
  return status;
}

/// One thread per result column (outer x inner); halves are not supported
/// on the device yet (the CPU sums them in f32).
template <typename Exec>
Status scatterAdd(Exec &exec, const Tensor &updates, const Tensor &indices,
                  int64_t axis, Tensor &out, const Tensor *offset = nullptr) {
  GatherLayout layout;
  if (Status s = checkScatterAdd(updates, indices, axis, out, layout); !s)
    return s;
  if (Status s = checkGatherOffset("scatter_add", indices, offset); !s)
    return s;
  if (isHalf(updates.dtype()))
    return unsupportedDtype("scatter_add", updates.dtype());
  if (out.numElements() == 0)
    return Status::success();
  Status status;
  dispatchFloat(updates.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto launch = [&](auto *index) {
      using I = std::remove_const_t<std::remove_pointer_t<decltype(index)>>;
      status =
          exec.launch(layout.outer * layout.inner,
                      ScatterAddBody<T, I>{
                          updates.data<T>(), index, out.data<T>(), layout.count,
                          layout.inner, layout.axisSize, exec.errorWord(),
                          kGatherIndexOutOfRange, offsetData<I>(offset)});
    };
    if (indices.dtype() == DType::i32)
      launch(indices.data<int32_t>());
    else
      launch(indices.data<int64_t>());
  });
  return status;
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_DATAMOVEMENT_H
