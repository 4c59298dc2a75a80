//===- Norm.cpp - RMS and layer normalisation -----------------------------===//
#include "runtime/kernels/Norm.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>

namespace starch::rt {

namespace {
/// Applies `row(in, out, rowIndex)` to each row of `length` elements.
template <typename F> void forEachRow(int64_t rows, int64_t length, F &&row) {
  parallelFor(rows, std::max<int64_t>(1, 16384 / (length + 1)),
              [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r)
                  row(r);
              });
}
} // namespace

Status rmsNorm(const Tensor &input, const Tensor &weight, double epsilon,
               Tensor &out) {
  if (input.rank() == 0)
    return Status::error("rms_norm needs a tensor of rank >= 1");
  int64_t n = input.shape().back();
  if (weight.numElements() != n)
    return Status::error("rms_norm: weight size differs from the last dim");
  if (isHalf(input.dtype())) {
    Tensor wide(DType::f32, input.shape());
    if (Status s = rmsNorm(widenHalf(input), widenHalf(weight), epsilon, wide);
        !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  int64_t rows = n ? input.numElements() / n : 0;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *x = input.data<T>(), *w = weight.data<T>();
    T *o = out.data<T>();
    forEachRow(rows, n, [&](int64_t r) {
      rmsNormRow<T>(x + r * n, w, o + r * n, n, epsilon);
    });
  });
  return ok ? Status::success() : Status::error("rms_norm needs floats");
}

Status layerNorm(const Tensor &input, const Tensor &weight, const Tensor &bias,
                 int64_t axis, double epsilon, Tensor &out) {
  if (axis < 0 || axis > input.rank())
    return Status::error("layer_norm: axis out of range");
  int64_t n = 1;
  for (int64_t d = axis; d < input.rank(); ++d)
    n *= input.shape()[d];
  if (weight.numElements() != n || bias.numElements() != n)
    return Status::error("layer_norm: weight/bias sizes differ from the "
                         "normalised dimensions");
  if (isHalf(input.dtype())) {
    Tensor wide(DType::f32, input.shape());
    if (Status s = layerNorm(widenHalf(input), widenHalf(weight),
                             widenHalf(bias), axis, epsilon, wide);
        !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  int64_t rows = n ? input.numElements() / n : 0;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *x = input.data<T>(), *w = weight.data<T>(), *b = bias.data<T>();
    T *o = out.data<T>();
    forEachRow(rows, n, [&](int64_t r) {
      layerNormRow<T>(x + r * n, w, b, o + r * n, n, epsilon);
    });
  });
  return ok ? Status::success() : Status::error("layer_norm needs floats");
}

} // namespace starch::rt
