//===- Reduce.cpp - Reductions, argmax and softmax ------------------------===//
#include "runtime/kernels/Reduce.h"

#include "runtime/kernels/Checks.h"
#include "runtime/kernels/DataMovement.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/ElementwiseOps.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <vector>

namespace starch::rt {

void splitAround(const Shape &shape, int64_t axis, int64_t &outer, int64_t &n,
                 int64_t &inner) {
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  n = shape[axis];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
}

Status checkReduce(const Tensor &input, const std::vector<int64_t> &dims,
                   const Tensor &out) {
  if (Status s = checkDtype(out, input.dtype(), "reduce output"); !s)
    return s;
  int64_t rank = input.rank();
  std::vector<bool> reduced(rank, false);
  for (int64_t d : dims) {
    if (d < 0 || d >= rank)
      return Status::error("reduce: dimension out of range");
    if (reduced[d])
      return Status::error("reduce: dimension listed twice");
    reduced[d] = true;
  }
  int64_t outputs = 1;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced[d])
      outputs *= input.shape()[d];
  return checkCount(out, outputs, "reduce result");
}

Status checkArgmax(const Tensor &input, int64_t axis, const Tensor &out) {
  if (axis < 0 || axis >= input.rank())
    return Status::error("argmax: axis out of range");
  if (out.dtype() != DType::i32 && out.dtype() != DType::i64)
    return Status::error("argmax: result must be i32 or i64");
  int64_t outer, n, inner;
  splitAround(input.shape(), axis, outer, n, inner);
  return checkCount(out, outer * inner, "argmax result");
}

Status checkSoftmax(const Tensor &input, int64_t axis, const Tensor &out) {
  if (axis < 0 || axis >= input.rank())
    return Status::error("softmax: axis out of range");
  if (Status s = checkSameShape(input, out, "softmax"); !s)
    return s;
  return checkDtype(out, input.dtype(), "softmax output");
}

Status checkCumsum(const Tensor &input, int64_t axis, const Tensor &out) {
  if (axis < 0 || axis >= input.rank())
    return Status::error("cumsum: axis out of range");
  if (input.dtype() == DType::i1)
    return Status::error("cumsum needs integers or floats, not i1");
  if (Status s = checkSameShape(input, out, "cumsum"); !s)
    return s;
  return checkDtype(out, input.dtype(), "cumsum output");
}

namespace {

/// Calls `line(offset, n, inner)` once per line of `shape` along `axis` (the
/// line's elements are `offset + k * inner`, k < n), lines spread over the
/// thread pool.
template <typename Line>
void forEachLine(const Shape &shape, int64_t axis, Line line) {
  int64_t outer, n, inner;
  splitAround(shape, axis, outer, n, inner);
  parallelFor(outer * inner, std::max<int64_t>(1, 4096 / (n + 1)),
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i)
                  line((i / inner) * n * inner + i % inner, n, inner);
              });
}

/// Rows at least twice this long, when there are fewer than kFewRows of
/// them (a gradient's squared norm is one row of millions), are summed in
/// chunks of this many elements on all threads. The chunks are fixed, so
/// the sum does not depend on the thread count.
constexpr int64_t kSumChunk = 1 << 15;
constexpr int64_t kFewRows = 64;

/// Sums (or averages) each of `outputs` rows of `rowLength` floats: each
/// chunk in double, in kLanes interleaved partial sums (independent
/// additions the compiler can vectorise) added in lane order, then the
/// chunks' sums in order: one row's sum in double but for rounding.
template <typename T>
void sumLongRows(const T *in, int64_t outputs, int64_t rowLength, bool mean,
                 T *out) {
  int64_t chunks = (rowLength + kSumChunk - 1) / kSumChunk;
  std::vector<double> partial(outputs * chunks);
  parallelFor(outputs * chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      int64_t row = task / chunks, first = (task % chunks) * kSumChunk;
      const T *x = in + row * rowLength + first;
      int64_t n = std::min(kSumChunk, rowLength - first);
      constexpr int64_t kLanes = 8;
      double lanes[kLanes] = {};
      int64_t j = 0;
      for (; j + kLanes <= n; j += kLanes)
        for (int64_t l = 0; l < kLanes; ++l)
          lanes[l] += x[j + l];
      for (; j < n; ++j)
        lanes[j % kLanes] += x[j];
      double sum = 0;
      for (double lane : lanes)
        sum += lane;
      partial[task] = sum;
    }
  });
  for (int64_t row = 0; row < outputs; ++row) {
    double sum = 0;
    for (int64_t c = 0; c < chunks; ++c)
      sum += partial[row * chunks + c];
    out[row] =
        static_cast<T>(mean ? sum / static_cast<double>(rowLength) : sum);
  }
}

} // namespace

Status reduce(ReduceKind kind, const Tensor &input,
              const std::vector<int64_t> &dims, Tensor &out) {
  if (Status s = checkReduce(input, dims, out); !s)
    return s;
  if (isHalf(input.dtype())) {
    Tensor wide(DType::f32, out.shape());
    if (Status s = reduce(kind, widenHalf(input), dims, wide); !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  int64_t rank = input.rank();
  std::vector<bool> reduced(rank, false);
  for (int64_t d : dims)
    reduced[d] = true;
  // Move the reduced dimensions last, so each output combines one row.
  std::vector<int64_t> perm;
  Shape permuted;
  int64_t rowLength = 1;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced[d])
      perm.push_back(d);
  for (int64_t d : dims) {
    perm.push_back(d);
    rowLength *= input.shape()[d];
  }
  for (int64_t d : perm)
    permuted.push_back(input.shape()[d]);
  Tensor rows = input;
  bool identity = true;
  for (int64_t d = 0; d < rank; ++d)
    identity &= perm[d] == d;
  if (!identity) {
    rows = Tensor(input.dtype(), permuted);
    if (Status s = transpose(input, perm, rows); !s)
      return s;
  }
  int64_t outputs = out.numElements();
  bool isBool = input.dtype() == DType::i1;
  dispatchNative(input.dtype(), [&](auto tag) {
    using Storage = typename decltype(tag)::type;
    using T =
        std::conditional_t<std::is_same_v<Storage, Bool1>, uint8_t, Storage>;
    const T *in = rows.data<T>();
    T *o = out.data<T>();
    if constexpr (std::is_floating_point_v<T>) {
      if ((kind == ReduceKind::sum || kind == ReduceKind::mean) &&
          outputs < kFewRows && rowLength >= 2 * kSumChunk) {
        sumLongRows(in, outputs, rowLength, kind == ReduceKind::mean, o);
        return;
      }
    }
    parallelFor(outputs, std::max<int64_t>(1, 16384 / (rowLength + 1)),
                [&](int64_t begin, int64_t end) {
                  for (int64_t i = begin; i < end; ++i) {
                    const T *row = in + i * rowLength;
                    o[i] = reduceElements<T>(
                        kind, rowLength, [row](int64_t j) { return row[j]; });
                    if (isBool)
                      o[i] = o[i] != 0;
                  }
                });
  });
  return Status::success();
}

Status argmax(const Tensor &input, int64_t axis, Tensor &out) {
  if (Status s = checkArgmax(input, axis, out); !s)
    return s;
  if (isHalf(input.dtype()))
    return argmax(widenHalf(input), axis, out);
  int64_t outer, n, inner;
  splitAround(input.shape(), axis, outer, n, inner);
  dispatchNative(input.dtype(), [&](auto tag) {
    using Storage = typename decltype(tag)::type;
    using T =
        std::conditional_t<std::is_same_v<Storage, Bool1>, uint8_t, Storage>;
    const T *in = input.data<T>();
    parallelFor(outer * inner, 256, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T *row = in + (i / inner) * n * inner + i % inner;
        int64_t best = argmaxElements<T>(row, n, inner);
        if (out.dtype() == DType::i32)
          out.data<int32_t>()[i] = static_cast<int32_t>(best);
        else
          out.data<int64_t>()[i] = best;
      }
    });
  });
  return Status::success();
}

Status cumsum(const Tensor &input, int64_t axis, bool exclusive, bool reverse,
              Tensor &out) {
  if (Status s = checkCumsum(input, axis, out); !s)
    return s;
  if (isHalf(input.dtype())) {
    Tensor wide(DType::f32, input.shape());
    if (Status s = cumsum(widenHalf(input), axis, exclusive, reverse, wide); !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  dispatchNative(input.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    const T *in = input.data<T>();
    T *o = out.data<T>();
    // One task per line along the axis; its sum runs in index order.
    forEachLine(input.shape(), axis,
                [&](int64_t offset, int64_t n, int64_t inner) {
                  cumsumLine<T>(in + offset, o + offset, n, inner, exclusive,
                                reverse);
                });
  });
  return Status::success();
}

Status softmax(const Tensor &input, int64_t axis, bool logarithm, Tensor &out) {
  if (Status s = checkSoftmax(input, axis, out); !s)
    return s;
  if (isHalf(input.dtype())) {
    Tensor wide(DType::f32, input.shape());
    if (Status s = softmax(widenHalf(input), axis, logarithm, wide); !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *in = input.data<T>();
    T *o = out.data<T>();
    forEachLine(input.shape(), axis,
                [&](int64_t offset, int64_t n, int64_t inner) {
                  softmaxRow<T>(in + offset, o + offset, n, inner, logarithm);
                });
  });
  return ok ? Status::success() : Status::error("softmax needs a float tensor");
}

} // namespace starch::rt
