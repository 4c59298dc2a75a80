//===- Reduce.h - CUDA drivers of reductions, softmax, cumsum ---*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_REDUCE_H
#define STARCH_RUNTIME_CUDA_DRIVERS_REDUCE_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/DataMovement.h"
#include "runtime/kernels/Reduce.h"

#include <vector>

namespace starch::rt::cuda::drivers {

template <typename Exec>
Status reduce(Exec &exec, ReduceKind kind, const Tensor &input,
              const std::vector<int64_t> &dims, Tensor &out) {
  if (Status s = checkReduce(input, dims, out); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("reduce", input.dtype());
  int64_t rank = input.rank();
  if (Status s = checkRank(rank, "reduce"); !s)
    return s;
  std::vector<bool> reduced(rank, false);
  for (int64_t d : dims)
    reduced[d] = true;
  std::vector<int64_t> strides = rowMajorStrides(input.shape());
  ReduceLayout layout;
  int64_t outputs = 1;
  for (int64_t d = 0; d < rank; ++d) {
    if (reduced[d])
      continue;
    layout.keptShape[layout.keptRank] = input.shape()[d];
    layout.keptStrides[layout.keptRank++] = strides[d];
    outputs *= input.shape()[d];
  }
  for (int64_t d : dims) { // combined in the order given, as the CPU does
    layout.reducedShape[layout.reducedRank] = input.shape()[d];
    layout.reducedStrides[layout.reducedRank++] = strides[d];
    layout.rowLength *= input.shape()[d];
  }
  bool isBool = input.dtype() == DType::i1;
  Status status;
  dispatchNative(input.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status = exec.launch(outputs, ReduceBody<T>{input.data<T>(), out.data<T>(),
                                                kind, isBool, layout});
  });
  return status;
}

template <typename Exec>
Status argmax(Exec &exec, const Tensor &input, int64_t axis, Tensor &out) {
  if (Status s = checkArgmax(input, axis, out); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("argmax", input.dtype());
  int64_t outer, n, inner;
  splitAround(input.shape(), axis, outer, n, inner);
  Status status;
  dispatchNative(input.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    if (out.dtype() == DType::i32)
      status = exec.launch(
          outer * inner, ArgmaxBody<T, int32_t>{input.data<T>(),
                                                out.data<int32_t>(), n, inner});
    else
      status = exec.launch(
          outer * inner, ArgmaxBody<T, int64_t>{input.data<T>(),
                                                out.data<int64_t>(), n, inner});
  });
  return status;
}

template <typename Exec>
Status softmax(Exec &exec, const Tensor &input, int64_t axis, bool logarithm,
               Tensor &out) {
  if (Status s = checkSoftmax(input, axis, out); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("softmax", input.dtype());
  int64_t outer, n, inner;
  splitAround(input.shape(), axis, outer, n, inner);
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(
        outer * inner,
        SoftmaxBody<T>{input.data<T>(), out.data<T>(), n, inner, logarithm});
  });
  return ok ? status : Status::error("softmax needs a float tensor");
}

template <typename Exec>
Status cumsum(Exec &exec, const Tensor &input, int64_t axis, bool exclusive,
              bool reverse, Tensor &out) {
  if (Status s = checkCumsum(input, axis, out); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("cumsum", input.dtype());
  int64_t outer, n, inner;
  splitAround(input.shape(), axis, outer, n, inner);
  Status status;
  dispatchNative(input.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status =
        exec.launch(outer * inner, CumsumBody<T>{input.data<T>(), out.data<T>(),
                                                 n, inner, exclusive, reverse});
  });
  return status;
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_REDUCE_H
