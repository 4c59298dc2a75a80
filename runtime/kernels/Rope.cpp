//===- Rope.cpp - Rotary position embedding (rotate-half) -----------------===//
#include "runtime/kernels/Rope.h"

#include "runtime/kernels/Checks.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>

namespace starch::rt {

Status checkRope(const Tensor &input, const Tensor &cos, const Tensor &sin,
                 const Tensor &out) {
  if (input.rank() != 4 || cos.rank() != 3 || sin.shape() != cos.shape())
    return Status::error("rope: expected B x H x S x D and B x S x D tables");
  int64_t b = input.shape()[0], s = input.shape()[2], d = input.shape()[3];
  if (cos.shape() != Shape{b, s, d} || d % 2)
    return Status::error("rope: tables must be B x S x D with D even");
  if (Status st = checkSameShape(input, out, "rope"); !st)
    return st;
  if (cos.dtype() != input.dtype() || sin.dtype() != input.dtype() ||
      out.dtype() != input.dtype())
    return Status::error("rope: operand and result types differ");
  return Status::success();
}

Status rope(const Tensor &input, const Tensor &cos, const Tensor &sin,
            Tensor &out) {
  if (Status st = checkRope(input, cos, sin, out); !st)
    return st;
  int64_t b = input.shape()[0], h = input.shape()[1], s = input.shape()[2],
          d = input.shape()[3];
  if (isHalf(input.dtype())) {
    Tensor wide(DType::f32, input.shape());
    if (Status st =
            rope(widenHalf(input), widenHalf(cos), widenHalf(sin), wide);
        !st)
      return st;
    narrowHalf(wide, out);
    return Status::success();
  }
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *x = input.data<T>(), *c = cos.data<T>(), *sn = sin.data<T>();
    T *o = out.data<T>();
    parallelFor(b * h * s, std::max<int64_t>(1, 8192 / (d + 1)),
                [&](int64_t begin, int64_t end) {
                  for (int64_t row = begin; row < end; ++row) {
                    int64_t batch = row / (h * s), position = row % s;
                    int64_t table = (batch * s + position) * d;
                    ropeRow<T>(x + row * d, c + table, sn + table, o + row * d,
                               d);
                  }
                });
  });
  return ok ? Status::success() : Status::error("rope needs floats");
}

} // namespace starch::rt
