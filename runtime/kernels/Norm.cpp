//===- Norm.cpp - RMS and layer normalisation -----------------------------===//
#include "runtime/kernels/Norm.h"

#include "runtime/kernels/Checks.h"
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

Status checkRmsNorm(const Tensor &input, const Tensor &weight,
                    const Tensor &out, int64_t &n) {
  if (input.rank() == 0)
    return Status::error("rms_norm needs a tensor of rank >= 1");
  n = input.shape().back();
  if (weight.numElements() != n)
    return Status::error("rms_norm: weight size differs from the last dim");
  if (Status s = checkSameShape(input, out, "rms_norm"); !s)
    return s;
  if (weight.dtype() != input.dtype() || out.dtype() != input.dtype())
    return Status::error("rms_norm: operand and result types differ");
  return Status::success();
}

Status checkLayerNorm(const Tensor &input, const Tensor &weight,
                      const Tensor &bias, int64_t axis, const Tensor &out,
                      int64_t &n) {
  if (axis < 0 || axis > input.rank())
    return Status::error("layer_norm: axis out of range");
  n = 1;
  for (int64_t d = axis; d < input.rank(); ++d)
    n *= input.shape()[d];
  if (weight.numElements() != n || bias.numElements() != n)
    return Status::error("layer_norm: weight/bias sizes differ from the "
                         "normalised dimensions");
  if (Status s = checkSameShape(input, out, "layer_norm"); !s)
    return s;
  if (weight.dtype() != input.dtype() || bias.dtype() != input.dtype() ||
      out.dtype() != input.dtype())
    return Status::error("layer_norm: operand and result types differ");
  return Status::success();
}

Status rmsNorm(const Tensor &input, const Tensor &weight, double epsilon,
               Tensor &out) {
  int64_t n;
  if (Status s = checkRmsNorm(input, weight, out, n); !s)
    return s;
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
  int64_t n;
  if (Status s = checkLayerNorm(input, weight, bias, axis, out, n); !s)
    return s;
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
