//===- Resize.h - ONNX Resize: nearest, linear, cubic -----------*- C++ -*-===//
//
// The kernels of starch.resize and starch.resize_grad. Interpolation is
// separable: one pass per resized dimension, each output element a weighted
// sum of at most four input elements along that dimension (its taps), as
// ONNX's reference computes it (neighbours outside the input read the edge
// element, or with `excludeOutside` get weight 0 and the rest renormalised).
// The per-element bodies below are shared with the CUDA drivers, so both
// targets compute the same sums in the same order.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_RESIZE_H
#define STARCH_RUNTIME_KERNELS_RESIZE_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

#include <cmath>
#include <vector>

namespace starch::rt {

enum class ResizeMode : uint8_t { nearest, linear, cubic };
/// ONNX's coordinate_transformation_mode: where output index `x` samples the
/// input (`scale` is the dimension's scale factor, `in` and `out` its sizes;
/// `outWidth = scale * in`, not rounded, as ONNX's reference has it):
/// halfPixel `(x + 0.5) / scale - 0.5`; pytorchHalfPixel the same, but 0
/// when `outWidth` is 1; alignCorners `x (in - 1) / (outWidth - 1)`, 0 when
/// `outWidth` is 1; asymmetric `x / scale`; tfHalfPixelForNn
/// `(x + 0.5) / scale`.
enum class ResizeCoordinates : uint8_t {
  halfPixel,
  pytorchHalfPixel,
  alignCorners,
  asymmetric,
  tfHalfPixelForNn
};
/// ONNX's nearest_mode: how `nearest` rounds a source coordinate.
enum class ResizeNearest : uint8_t {
  roundPreferFloor,
  roundPreferCeil,
  floor,
  ceil
};

/// How one resize samples: the mode, the coordinate transformation, the
/// rounding of `nearest`, the cubic coefficient `A` and whether taps outside
/// the input are dropped (`excludeOutside`) instead of reading the edge.
struct ResizeSampling {
  ResizeMode mode;
  ResizeCoordinates coordinates;
  ResizeNearest nearest;
  double cubicA;
  bool excludeOutside;
};

/// `out` (the input's rank; each dimension `d` of size
/// `in.shape()[d] * scales[d]` rounded as the caller decided) sampled from
/// `in`; `scales` has one positive factor per dimension.
Status resize(const Tensor &in, ResizeMode mode, ResizeCoordinates coordinates,
              ResizeNearest nearest, double cubicA, bool excludeOutside,
              const std::vector<double> &scales, Tensor &out);
/// The gradient of `resize` (a linear map) with respect to its input:
/// `dIn` (the input's shape) from `dOut` (the output's). Each input element
/// sums the output elements whose taps read it, in output order.
Status resizeGrad(const Tensor &dOut, ResizeMode mode,
                  ResizeCoordinates coordinates, ResizeNearest nearest,
                  double cubicA, bool excludeOutside,
                  const std::vector<double> &scales, Tensor &dIn);

/// Shapes, types and factors of `resize` (or of `resizeGrad`, with `small`
/// the input side and `large` the output side); shared with the CUDA
/// drivers.
Status checkResize(const char *op, const Tensor &small, const Tensor &large,
                   const std::vector<double> &scales);

/// The at most four input elements, along one dimension, that output index
/// `x` reads, and their weights.
struct ResizeTaps {
  int64_t index[4];
  double weight[4];
  int count;
};

/// The source coordinate of output index `x` along a dimension.
STARCH_HOST_DEVICE inline double resizeSource(ResizeCoordinates coordinates,
                                              int64_t x, int64_t in,
                                              double scale) {
  double outWidth = scale * static_cast<double>(in);
  switch (coordinates) {
  case ResizeCoordinates::pytorchHalfPixel:
    return outWidth > 1.0 ? (x + 0.5) / scale - 0.5 : 0.0;
  case ResizeCoordinates::alignCorners:
    return outWidth == 1.0 ? 0.0
                           : x * static_cast<double>(in - 1) / (outWidth - 1.0);
  case ResizeCoordinates::asymmetric:
    return x / scale;
  case ResizeCoordinates::tfHalfPixelForNn:
    return (x + 0.5) / scale;
  case ResizeCoordinates::halfPixel:
    break;
  }
  return (x + 0.5) / scale - 0.5;
}

/// Keys's cubic convolution weight at distance `t` (|t| < 2) with
/// coefficient `a`.
STARCH_HOST_DEVICE inline double cubicWeight(double t, double a) {
  t = t < 0 ? -t : t;
  if (t <= 1.0)
    return ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0;
  if (t < 2.0)
    return ((a * t - 5.0 * a) * t + 8.0 * a) * t - 4.0 * a;
  return 0.0;
}

/// The taps of output index `x` of a dimension resized from `in` by
/// `scale`.
STARCH_HOST_DEVICE inline ResizeTaps
resizeTaps(const ResizeSampling &how, int64_t x, int64_t in, double scale) {
  ResizeTaps taps{};
  double source = resizeSource(how.coordinates, x, in, scale);
  double base = std::floor(source);
  double ratio = source - base;
  int64_t first = static_cast<int64_t>(base);
  auto clamp = [in](int64_t i) { return i < 0 ? 0 : (i >= in ? in - 1 : i); };
  if (how.mode == ResizeMode::nearest) {
    bool up = false;
    switch (how.nearest) {
    case ResizeNearest::roundPreferFloor:
      up = ratio > 0.5;
      break;
    case ResizeNearest::roundPreferCeil:
      up = ratio >= 0.5;
      break;
    case ResizeNearest::floor:
      up = false;
      break;
    case ResizeNearest::ceil:
      up = ratio > 0.0;
      break;
    }
    taps.index[0] = clamp(first + (up ? 1 : 0));
    taps.weight[0] = 1.0;
    taps.count = 1;
    return taps;
  }
  // Linear reads first and first + 1; cubic first - 1 .. first + 2.
  int64_t start = how.mode == ResizeMode::linear ? first : first - 1;
  taps.count = how.mode == ResizeMode::linear ? 2 : 4;
  double total = 0.0;
  for (int k = 0; k < taps.count; ++k) {
    int64_t at = start + k;
    double distance = source - static_cast<double>(at);
    double weight = how.mode == ResizeMode::linear
                        ? 1.0 - (distance < 0 ? -distance : distance)
                        : cubicWeight(distance, how.cubicA);
    if (how.excludeOutside && (at < 0 || at >= in))
      weight = 0.0;
    taps.index[k] = clamp(at);
    taps.weight[k] = weight;
    total += weight;
  }
  if (how.excludeOutside && total != 0.0)
    for (int k = 0; k < taps.count; ++k)
      taps.weight[k] /= total;
  return taps;
}

/// One pass of a resize along one dimension, viewing the input as
/// `outer x in x inner` and the output as `outer x out x inner`: one call per
/// output element.
template <typename T> struct ResizeAxisBody {
  const T *input;
  T *output;
  int64_t in, out, inner;
  double scale;
  ResizeSampling how;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    int64_t c = i % inner, x = (i / inner) % out, o = i / (inner * out);
    ResizeTaps taps = resizeTaps(how, x, in, scale);
    double sum = 0.0;
    for (int k = 0; k < taps.count; ++k)
      sum += taps.weight[k] *
             static_cast<double>(input[(o * in + taps.index[k]) * inner + c]);
    output[i] = static_cast<T>(sum);
  }
};

/// The gradient of one ResizeAxisBody pass: one call per element of its
/// input (`outer x in x inner`), summing in output order the gradients of
/// the output elements that read it.
template <typename T> struct ResizeAxisGradBody {
  const T *dOutput;
  T *dInput;
  int64_t in, out, inner;
  double scale;
  ResizeSampling how;
  /// The input indices output `x`'s taps can reach: first - 1 .. first + 2
  /// of its source coordinate, clamped into the input. Both ends are
  /// monotonic in `x`, as the source coordinate is.
  STARCH_HOST_DEVICE void tapSpan(int64_t x, int64_t &low,
                                  int64_t &high) const {
    auto clamp = [this](int64_t i) {
      return i < 0 ? 0 : (i >= in ? in - 1 : i);
    };
    int64_t first = static_cast<int64_t>(
        std::floor(resizeSource(how.coordinates, x, in, scale)));
    low = clamp(first - 1);
    high = clamp(first + 2);
  }
  /// The first output index in [lo, hi) for which `pred` holds (it holds
  /// from there on), by bisection.
  template <typename Pred>
  STARCH_HOST_DEVICE int64_t firstWhere(int64_t lo, int64_t hi,
                                        Pred pred) const {
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      if (pred(mid))
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    int64_t c = i % inner, m = (i / inner) % in, o = i / (inner * in);
    // Only the outputs whose taps can reach m, in order.
    int64_t low, high;
    int64_t begin = firstWhere(0, out, [&](int64_t x) {
      tapSpan(x, low, high);
      return high >= m;
    });
    int64_t end = firstWhere(begin, out, [&](int64_t x) {
      tapSpan(x, low, high);
      return low > m;
    });
    double sum = 0.0;
    for (int64_t x = begin; x < end; ++x) {
      ResizeTaps taps = resizeTaps(how, x, in, scale);
      for (int k = 0; k < taps.count; ++k)
        if (taps.index[k] == m)
          sum += taps.weight[k] *
                 static_cast<double>(dOutput[(o * out + x) * inner + c]);
    }
    dInput[i] = static_cast<T>(sum);
  }
};

/// The dimensions a resize changes, in pass order: all but those whose
/// every output index reads the same input index with weight 1.
std::vector<int64_t> resizedDimensions(const ResizeSampling &how,
                                       const Shape &in, const Shape &out,
                                       const std::vector<double> &scales);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_RESIZE_H
