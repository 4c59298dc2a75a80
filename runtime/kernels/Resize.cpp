//===- Resize.cpp - ONNX Resize: nearest, linear, cubic -------------------===//
//
// One pass per resized dimension (resizedDimensions), through two scratch
// buffers; the gradient runs the passes backwards. Every element of a pass
// is one call of the bodies in Resize.h, as on the GPU.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/Resize.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <string>

namespace starch::rt {

Status checkResize(const char *op, const Tensor &small, const Tensor &large,
                   const std::vector<double> &scales) {
  if (small.rank() != large.rank() ||
      static_cast<int64_t>(scales.size()) != small.rank())
    return Status::error(std::string(op) +
                         ": input, output and scales need one rank");
  for (double scale : scales)
    if (!(scale > 0) || std::isinf(scale))
      return Status::error(std::string(op) +
                           ": scales must be positive and finite");
  if (small.dtype() != large.dtype() || !isFloat(small.dtype()))
    return Status::error(std::string(op) +
                         ": input and output need one float type");
  for (int64_t d = 0; d < small.rank(); ++d)
    if (small.shape()[d] == 0 && large.shape()[d] != 0)
      return Status::error(std::string(op) + ": dimension " +
                           std::to_string(d) + " has no element to sample");
  return Status::success();
}

std::vector<int64_t> resizedDimensions(const ResizeSampling &how,
                                       const Shape &in, const Shape &out,
                                       const std::vector<double> &scales) {
  std::vector<int64_t> dims;
  for (size_t d = 0; d < in.size(); ++d) {
    // Identity: each output index's taps add up to weight 1 on its own
    // index and 0 elsewhere (edge taps clamp onto one index).
    bool identity = in[d] == out[d];
    for (int64_t x = 0; identity && x < out[d]; ++x) {
      ResizeTaps taps = resizeTaps(how, x, in[d], scales[d]);
      double own = 0, other = 0;
      for (int k = 0; k < taps.count; ++k)
        (taps.index[k] == x ? own : other) += taps.weight[k];
      identity = own == 1.0 && other == 0.0;
      for (int k = 0; identity && k < taps.count; ++k)
        identity = taps.index[k] == x || taps.weight[k] == 0.0;
    }
    if (!identity)
      dims.push_back(static_cast<int64_t>(d));
  }
  return dims;
}

namespace {

/// Runs the passes over `dims` (forward) or backwards (gradient), from
/// `source` into `target`; intermediate shapes change one dimension at a
/// time from `from` to `to`.
template <typename T>
void runPasses(const Tensor &source, Tensor &target, const Shape &from,
               const Shape &to, const std::vector<int64_t> &dims,
               const std::vector<double> &scales, const ResizeSampling &how,
               bool gradient) {
  Shape shape = from;
  std::vector<T> buffers[2];
  const T *current = source.data<T>();
  for (size_t pass = 0; pass < dims.size(); ++pass) {
    int64_t d = dims[pass];
    Shape next = shape;
    next[d] = to[d];
    int64_t inner = 1;
    for (size_t j = d + 1; j < shape.size(); ++j)
      inner *= shape[j];
    int64_t count = 1;
    for (int64_t size : next)
      count *= size;
    T *written = pass + 1 == dims.size() ? target.data<T>()
                                         : (buffers[pass % 2].resize(count),
                                            buffers[pass % 2].data());
    if (!gradient) {
      ResizeAxisBody<T> body{current, written,   shape[d], next[d],
                             inner,   scales[d], how};
      parallelFor(count, 256, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          body(i);
      });
    } else {
      // Backwards: `shape` is the pass's output side, `next` its input.
      ResizeAxisGradBody<T> body{current, written,   next[d], shape[d],
                                 inner,   scales[d], how};
      parallelFor(count, 16, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          body(i);
      });
    }
    current = written;
    shape = next;
  }
  if (dims.empty())
    std::copy(source.data<T>(), source.data<T>() + source.numElements(),
              target.data<T>());
}

Status run(const char *op, const Tensor &source, Tensor &target,
           const Tensor &small, const Tensor &large, const ResizeSampling &how,
           const std::vector<double> &scales, bool gradient) {
  if (Status st = checkResize(op, small, large, scales); !st)
    return st;
  std::vector<int64_t> dims =
      resizedDimensions(how, small.shape(), large.shape(), scales);
  if (gradient)
    std::reverse(dims.begin(), dims.end());
  if (isHalf(source.dtype())) {
    Tensor wide(DType::f32, target.shape());
    Tensor wideSource = widenHalf(source);
    runPasses<float>(wideSource, wide, source.shape(), target.shape(), dims,
                     scales, how, gradient);
    narrowHalf(wide, target);
    return Status::success();
  }
  bool ok = dispatchFloat(source.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    runPasses<T>(source, target, source.shape(), target.shape(), dims, scales,
                 how, gradient);
  });
  return ok ? Status::success()
            : Status::error(std::string(op) + " needs floats");
}

} // namespace

Status resize(const Tensor &in, ResizeMode mode, ResizeCoordinates coordinates,
              ResizeNearest nearest, double cubicA, bool excludeOutside,
              const std::vector<double> &scales, Tensor &out) {
  return run("resize", in, out, in, out,
             {mode, coordinates, nearest, cubicA, excludeOutside}, scales,
             /*gradient=*/false);
}

Status resizeGrad(const Tensor &dOut, ResizeMode mode,
                  ResizeCoordinates coordinates, ResizeNearest nearest,
                  double cubicA, bool excludeOutside,
                  const std::vector<double> &scales, Tensor &dIn) {
  return run("resize_grad", dOut, dIn, dIn, dOut,
             {mode, coordinates, nearest, cubicA, excludeOutside}, scales,
             /*gradient=*/true);
}

} // namespace starch::rt
