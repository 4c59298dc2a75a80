//===- Resize.h - CUDA driver of resize and its gradient --------*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_RESIZE_H
#define STARCH_RUNTIME_CUDA_DRIVERS_RESIZE_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Resize.h"

#include <algorithm>

namespace starch::rt::cuda::drivers {

/// One launch per resized dimension (the CPU kernel's passes, in its
/// order), one thread per element of the pass's result; intermediate
/// results live in two halves of the scratch buffer.
template <typename Exec>
Status resizePasses(Exec &exec, const char *op, const Tensor &source,
                    Tensor &target, const Tensor &small, const Tensor &large,
                    const ResizeSampling &how,
                    const std::vector<double> &scales, bool gradient) {
  if (Status st = checkResize(op, small, large, scales); !st)
    return st;
  if (isHalf(source.dtype()))
    return unsupportedDtype(op, source.dtype());
  std::vector<int64_t> dims =
      resizedDimensions(how, small.shape(), large.shape(), scales);
  if (gradient)
    std::reverse(dims.begin(), dims.end());
  // The largest intermediate result, for the scratch halves.
  Shape shape = source.shape();
  int64_t largest = 0;
  for (size_t pass = 0; pass + 1 < dims.size(); ++pass) {
    shape[dims[pass]] = target.shape()[dims[pass]];
    int64_t count = 1;
    for (int64_t size : shape)
      count *= size;
    largest = count > largest ? count : largest;
  }
  Status status;
  bool ok = dispatchFloat(source.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    void *scratch = nullptr;
    if (largest && !(status = exec.scratch(2 * largest * sizeof(T), scratch)))
      return;
    T *halves[2] = {static_cast<T *>(scratch),
                    static_cast<T *>(scratch) + largest};
    if (dims.empty()) { // nothing resized: a copy, as on the CPU
      StridedWindow all;
      all.rank = 1;
      all.shape[0] = source.numElements();
      all.inStrides[0] = all.outStrides[0] = 1;
      status =
          exec.launch(source.numElements(),
                      CopyBody<T>{source.data<T>(), target.data<T>(), all});
      return;
    }
    Shape at = source.shape();
    const T *current = source.data<T>();
    for (size_t pass = 0; status && pass < dims.size(); ++pass) {
      int64_t d = dims[pass];
      Shape next = at;
      next[d] = target.shape()[d];
      int64_t inner = 1, count = 1;
      for (size_t j = d + 1; j < at.size(); ++j)
        inner *= at[j];
      for (int64_t size : next)
        count *= size;
      T *written =
          pass + 1 == dims.size() ? target.data<T>() : halves[pass % 2];
      if (!gradient)
        status = exec.launch(count,
                             ResizeAxisBody<T>{current, written, at[d], next[d],
                                               inner, scales[d], how});
      else
        status = exec.launch(count, ResizeAxisGradBody<T>{current, written,
                                                          next[d], at[d], inner,
                                                          scales[d], how});
      current = written;
      at = next;
    }
  });
  return ok ? status : Status::error(std::string(op) + " needs floats");
}

template <typename Exec>
Status resize(Exec &exec, const Tensor &in, ResizeMode mode,
              ResizeCoordinates coordinates, ResizeNearest nearest,
              double cubicA, bool excludeOutside,
              const std::vector<double> &scales, Tensor &out) {
  return resizePasses(exec, "resize", in, out, in, out,
                      {mode, coordinates, nearest, cubicA, excludeOutside},
                      scales, /*gradient=*/false);
}

template <typename Exec>
Status resizeGrad(Exec &exec, const Tensor &dOut, ResizeMode mode,
                  ResizeCoordinates coordinates, ResizeNearest nearest,
                  double cubicA, bool excludeOutside,
                  const std::vector<double> &scales, Tensor &dIn) {
  return resizePasses(exec, "resize_grad", dOut, dIn, dIn, dOut,
                      {mode, coordinates, nearest, cubicA, excludeOutside},
                      scales, /*gradient=*/true);
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_RESIZE_H
