//===- Reduce.h - Reductions, argmax and softmax ----------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_REDUCE_H
#define STARCH_RUNTIME_KERNELS_REDUCE_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/ElementwiseOps.h"
#include "runtime/kernels/Status.h"

#include <cmath>
#include <limits>
#include <vector>

namespace starch::rt {

enum class ReduceKind : uint8_t { sum, mean, max, min, prod };

/// Combines `input` over `dims` (sorted, unique); they are removed in `out`.
Status reduce(ReduceKind kind, const Tensor &input,
              const std::vector<int64_t> &dims, Tensor &out);
/// Index of the largest element along `axis` (first wins ties, NaN is
/// largest); `out` is i32 or i64 without `axis`.
Status argmax(const Tensor &input, int64_t axis, Tensor &out);
/// Softmax (or log-softmax) along `axis`, numerically stable.
Status softmax(const Tensor &input, int64_t axis, bool logarithm, Tensor &out);
/// Prefix sums along `axis` (ONNX CumSum) into `out` of the input's type:
/// `exclusive` leaves each element out of its own sum, `reverse` sums from
/// the end. Integers wrap, floats accumulate in double (f16/bf16 in f32);
/// i1 is rejected. Threaded over the lines along `axis`.
Status cumsum(const Tensor &input, int64_t axis, bool exclusive, bool reverse,
              Tensor &out);

// The argument rules of the kernels above, shared with the CUDA drivers
// (Checks.h).
Status checkReduce(const Tensor &input, const std::vector<int64_t> &dims,
                   const Tensor &out);
Status checkArgmax(const Tensor &input, int64_t axis, const Tensor &out);
Status checkSoftmax(const Tensor &input, int64_t axis, const Tensor &out);
Status checkCumsum(const Tensor &input, int64_t axis, const Tensor &out);

/// `shape` as outer x n x inner around `axis`.
void splitAround(const Shape &shape, int64_t axis, int64_t &outer, int64_t &n,
                 int64_t &inner);

/// Combines the `n` elements `element(0) .. element(n - 1)`: floats
/// accumulate sums and products in double, integers wrap.
template <typename T, typename Element>
STARCH_HOST_DEVICE inline T reduceElements(ReduceKind kind, int64_t n,
                                           const Element &element) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean: {
    Acc sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<T>)
        sum += element(i);
      else
        sum = wrapAdd<Acc>(sum, element(i));
    }
    if (kind == ReduceKind::sum)
      return static_cast<T>(sum);
    if constexpr (std::is_floating_point_v<T>)
      return static_cast<T>(sum / static_cast<double>(n));
    else
      return n ? static_cast<T>(sum / static_cast<Acc>(n)) : T(0);
  }
  case ReduceKind::prod: {
    Acc product = 1;
    for (int64_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<T>)
        product *= element(i);
      else
        product = wrapMul<Acc>(product, element(i));
    }
    return static_cast<T>(product);
  }
  case ReduceKind::max: {
    T best = lowestOf<T>();
    if constexpr (std::is_floating_point_v<T>)
      best = -infinityOf<T>();
    for (int64_t i = 0; i < n; ++i)
      best = binaryScalar<BinaryKind::max, T>(best, element(i));
    return best;
  }
  case ReduceKind::min: {
    T best = maxOf<T>();
    if constexpr (std::is_floating_point_v<T>)
      best = infinityOf<T>();
    for (int64_t i = 0; i < n; ++i)
      best = binaryScalar<BinaryKind::min, T>(best, element(i));
    return best;
  }
  }
  return T(0);
}

/// Index of the largest of `row[0], row[stride], ...` (`n` elements): the
/// first wins ties, the first NaN wins outright.
template <typename T>
STARCH_HOST_DEVICE inline int64_t argmaxElements(const T *row, int64_t n,
                                                 int64_t stride) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; ++k) {
    T x = row[k * stride], b = row[best * stride];
    if (b != b)
      break; // the first NaN wins
    if (x > b || x != x)
      best = k;
  }
  return best;
}

/// Prefix sums of the `n` elements `in[0], in[stride], ...` into `out` (same
/// stride; `in == out` is allowed), walked from the end when `reverse`; an
/// `exclusive` sum leaves each element out of its own result. Floats
/// accumulate in double, integers wrap.
template <typename T>
STARCH_HOST_DEVICE inline void cumsumLine(const T *in, T *out, int64_t n,
                                          int64_t stride, bool exclusive,
                                          bool reverse) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  Acc sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    int64_t at = (reverse ? n - 1 - i : i) * stride;
    Acc x = static_cast<Acc>(in[at]);
    Acc next;
    if constexpr (std::is_floating_point_v<T>)
      next = sum + x;
    else
      next = wrapAdd<Acc>(sum, x);
    out[at] = static_cast<T>(exclusive ? sum : next);
    sum = next;
  }
}

/// Softmax of the `n` elements `in[0], in[stride], ...` into `out` (same
/// stride; `in == out` is allowed). Sums in double.
template <typename T>
STARCH_HOST_DEVICE inline void softmaxRow(const T *in, T *out, int64_t n,
                                          int64_t stride, bool logarithm) {
  T maximum = -infinityOf<T>();
  for (int64_t i = 0; i < n; ++i) {
    T x = in[i * stride];
    if (x > maximum || x != x)
      maximum = x;
  }
  if (maximum == -infinityOf<T>())
    maximum = T(0); // every score masked: exp(-inf) = 0 gives 0 / 0 = NaN
  double sum = 0;
  if (logarithm) {
    for (int64_t i = 0; i < n; ++i)
      sum += std::exp(in[i * stride] - maximum);
    // (x - max) - log(sum): x - max is exact, while max + log(sum) would
    // round at the scale of max (2.4e-4 at max = 1e4 in float32).
    T logSum = static_cast<T>(std::log(sum));
    for (int64_t i = 0; i < n; ++i)
      out[i * stride] = (in[i * stride] - maximum) - logSum;
    return;
  }
  // One exp per element, stored and rescaled (in == out is allowed).
  for (int64_t i = 0; i < n; ++i) {
    T e = std::exp(in[i * stride] - maximum);
    out[i * stride] = e;
    sum += e;
  }
  T inverse = static_cast<T>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i)
    out[i * stride] *= inverse;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_REDUCE_H
