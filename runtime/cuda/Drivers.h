//===- Drivers.h - Checks, layouts and launches of kernels ------*- C++ -*-===//
//
// The host half of every CUDA kernel, written once over an executor:
// validate the tensors (the CPU kernels' messages where they have one),
// compute strides and layouts, pick the element type, and hand a body of
// Bodies.h to `exec.launch(n, body)`.
//
// An executor provides
//   template <typename Body> Status launch(int64_t n, const Body &body);
//   int *errorWord();                 // where bodies raise kernel errors
//   Status scratch(size_t bytes, void *&data); // per-call temporary
//   Status zero(void *data, size_t bytes);
//   Status gemmStridedBatched(...);   // column-major, as cuBLAS (f32, f64)
// DeviceExec (Launch.cuh) launches CUDA kernels and calls cuBLAS; HostExec
// (HostExec.h) runs the same bodies in a loop on host memory, which is how
// the kernels are tested without a GPU.
//
// Plain C++17 over host-side tensor metadata: a driver never reads tensor
// data, which lives on the device.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_H
#define STARCH_RUNTIME_CUDA_DRIVERS_H

#include "runtime/Tensor.h"
#include "runtime/cuda/Bodies.h"
#include "runtime/kernels/Attention.h"
#include "runtime/kernels/AttentionGrad.h"
#include "runtime/kernels/Conv.h"
#include "runtime/kernels/DataMovement.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/kernels/Loss.h"
#include "runtime/kernels/NormGrad.h"
#include "runtime/kernels/Optimizer.h"
#include "runtime/kernels/Reduce.h"
#include "runtime/kernels/Status.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

namespace starch::rt::cuda::drivers {

inline Status unsupportedDtype(const char *op, DType dtype) {
  return Status::error(std::string("cuda ") + op + ": " + dtypeName(dtype) +
                       " tensors are not supported on CUDA yet");
}

inline Status checkSameShape(const Tensor &a, const Tensor &b,
                             const char *what) {
  if (a.shape() != b.shape())
    return Status::error(std::string(what) + ": shapes " +
                         shapeString(a.shape()) + " and " +
                         shapeString(b.shape()) + " differ");
  return Status::success();
}

inline Status checkDtype(const Tensor &t, DType dtype, const char *what) {
  if (t.dtype() != dtype)
    return Status::error(std::string(what) + ": expected " + dtypeName(dtype) +
                         ", got " + dtypeName(t.dtype()));
  return Status::success();
}

inline Status checkRank(int64_t rank, const char *what) {
  if (rank > kMaxRank)
    return Status::error(std::string("cuda ") + what + ": rank " +
                         std::to_string(rank) + " exceeds " +
                         std::to_string(kMaxRank));
  return Status::success();
}

inline Status checkCount(const Tensor &t, int64_t expected, const char *what) {
  if (t.numElements() != expected)
    return Status::error(std::string(what) + ": " + shapeString(t.shape()) +
                         " does not hold " + std::to_string(expected) +
                         " elements");
  return Status::success();
}

//===--- Elementwise ------------------------------------------------------===//

// The second dispatch of a kernel (op kind, result or index type) runs in a
// function template of the element type rather than in a lambda nested in
// the first: nvcc's front end mistypes `decltype` of an outer lambda's
// parameter inside a nested generic lambda.

template <typename T, typename Exec>
Status launchUnary(Exec &exec, UnaryKind kind, const T *in, T *out, int64_t n,
                   bool isBool) {
  Status status;
  withUnaryKind(kind, [&](auto k) {
    constexpr UnaryKind K = decltype(k)::value;
    if constexpr (std::is_floating_point_v<T> || !isFloatOnly(K))
      status = exec.launch(n, UnaryBody<K, T>{in, out, isBool});
  });
  return status;
}

template <typename T, typename Exec>
Status launchBinary(Exec &exec, BinaryKind kind, const T *lhs, const T *rhs,
                    T *out, int64_t n, bool isBool) {
  Status status;
  withBinaryKind(kind, [&](auto k) {
    constexpr BinaryKind K = decltype(k)::value;
    status = exec.launch(n, BinaryBody<K, T>{lhs, rhs, out, isBool});
  });
  return status;
}

template <typename T, typename Exec>
Status launchCompare(Exec &exec, CompareKind kind, const T *lhs, const T *rhs,
                     uint8_t *out, int64_t n) {
  Status status;
  withCompareKind(kind, [&](auto k) {
    constexpr CompareKind K = decltype(k)::value;
    status = exec.launch(n, CompareBody<K, T>{lhs, rhs, out});
  });
  return status;
}

template <typename S, typename Exec>
Status launchConvert(Exec &exec, const S *in, Tensor &out, int64_t n) {
  Status status;
  dispatchNative(out.dtype(), [&](auto dstTag) {
    using DstStorage = typename decltype(dstTag)::type;
    using D = typename Arith<DstStorage>::type;
    constexpr bool toBool = std::is_same_v<DstStorage, Bool1>;
    status = exec.launch(n, ConvertBody<D, S, toBool>{in, out.data<D>()});
  });
  return status;
}

template <typename Exec>
Status unary(Exec &exec, UnaryKind kind, const Tensor &input, Tensor &out) {
  if (Status s = checkSameShape(input, out, "unary"); !s)
    return s;
  if (Status s = checkDtype(out, input.dtype(), "unary output"); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("unary", input.dtype());
  if (isFloatOnly(kind) && !isFloat(input.dtype()))
    return Status::error(std::string("unary op needs a float tensor, got ") +
                         dtypeName(input.dtype()));
  int64_t n = input.numElements();
  bool isBool = input.dtype() == DType::i1;
  Status status;
  dispatchNative(input.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status =
        launchUnary<T>(exec, kind, input.data<T>(), out.data<T>(), n, isBool);
  });
  return status;
}

template <typename Exec>
Status binary(Exec &exec, BinaryKind kind, const Tensor &lhs, const Tensor &rhs,
              Tensor &out) {
  if (Status s = checkSameShape(lhs, rhs, "binary"); !s)
    return s;
  if (Status s = checkSameShape(lhs, out, "binary"); !s)
    return s;
  if (Status s = checkDtype(rhs, lhs.dtype(), "binary rhs"); !s)
    return s;
  if (Status s = checkDtype(out, lhs.dtype(), "binary output"); !s)
    return s;
  if (isHalf(lhs.dtype()))
    return unsupportedDtype("binary", lhs.dtype());
  int64_t n = lhs.numElements();
  bool isBool = lhs.dtype() == DType::i1;
  Status status;
  dispatchNative(lhs.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status = launchBinary<T>(exec, kind, lhs.data<T>(), rhs.data<T>(),
                             out.data<T>(), n, isBool);
  });
  return status;
}

template <typename Exec>
Status compare(Exec &exec, CompareKind kind, const Tensor &lhs,
               const Tensor &rhs, Tensor &out) {
  if (Status s = checkSameShape(lhs, rhs, "compare"); !s)
    return s;
  if (Status s = checkSameShape(lhs, out, "compare"); !s)
    return s;
  if (Status s = checkDtype(rhs, lhs.dtype(), "compare rhs"); !s)
    return s;
  if (Status s = checkDtype(out, DType::i1, "compare output"); !s)
    return s;
  if (isHalf(lhs.dtype()))
    return unsupportedDtype("compare", lhs.dtype());
  int64_t n = lhs.numElements();
  Status status;
  dispatchNative(lhs.dtype(), [&](auto tag) {
    using T = typename Arith<typename decltype(tag)::type>::type;
    status = launchCompare<T>(exec, kind, lhs.data<T>(), rhs.data<T>(),
                              out.data<uint8_t>(), n);
  });
  return status;
}

template <typename Exec>
Status select(Exec &exec, const Tensor &condition, const Tensor &onTrue,
              const Tensor &onFalse, Tensor &out) {
  if (Status s = checkSameShape(condition, onTrue, "select"); !s)
    return s;
  if (Status s = checkSameShape(onTrue, onFalse, "select"); !s)
    return s;
  if (Status s = checkSameShape(onTrue, out, "select"); !s)
    return s;
  if (dtypeSize(condition.dtype()) != 1)
    return Status::error(std::string("select: condition must be i1, got ") +
                         dtypeName(condition.dtype()));
  if (dtypeSize(onTrue.dtype()) != dtypeSize(out.dtype()) ||
      dtypeSize(onFalse.dtype()) != dtypeSize(out.dtype()))
    return Status::error("select: operand and result types differ");
  Status status;
  dispatchBits(out.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    status =
        exec.launch(out.numElements(),
                    SelectBody<U>{condition.data<uint8_t>(), onTrue.data<U>(),
                                  onFalse.data<U>(), out.data<U>()});
  });
  return status;
}

template <typename Exec>
Status convert(Exec &exec, const Tensor &input, Tensor &out) {
  if (Status s = checkSameShape(input, out, "convert"); !s)
    return s;
  if (isHalf(input.dtype()))
    return unsupportedDtype("convert", input.dtype());
  if (isHalf(out.dtype()))
    return unsupportedDtype("convert", out.dtype());
  int64_t n = input.numElements();
  Status status;
  dispatchNative(input.dtype(), [&](auto srcTag) {
    using S = typename Arith<typename decltype(srcTag)::type>::type;
    status = launchConvert<S>(exec, input.data<S>(), out, n);
  });
  return status;
}

template <typename Exec> Status iota(Exec &exec, int64_t dim, Tensor &out) {
  if (dim < 0 || dim >= out.rank())
    return Status::error("iota dimension out of range");
  if (isHalf(out.dtype()))
    return unsupportedDtype("iota", out.dtype());
  int64_t size = out.shape()[dim], inner = 1;
  for (int64_t d = dim + 1; d < out.rank(); ++d)
    inner *= out.shape()[d];
  Status status;
  dispatchNative(out.dtype(), [&](auto tag) {
    using Storage = typename decltype(tag)::type;
    using T = typename Arith<Storage>::type;
    constexpr bool toBool = std::is_same_v<Storage, Bool1>;
    status = exec.launch(out.numElements(),
                         IotaBody<T, toBool>{out.data<T>(), inner, size});
  });
  return status;
}

/// The value is converted once on the host by the CPU `fill` (so every
/// dtype, f16 and bf16 included, rounds exactly as on the CPU), then its
/// bit pattern is stored everywhere.
template <typename Exec> Status fill(Exec &exec, double value, Tensor &out) {
  Tensor one = Tensor::uninitialized(out.dtype(), {});
  if (Status s = rt::fill(value, one); !s)
    return s;
  Status status;
  dispatchBits(out.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    U bits;
    std::memcpy(&bits, one.bytes(), sizeof(U));
    status = exec.launch(out.numElements(), FillBody<U>{out.data<U>(), bits});
  });
  return status;
}

//===--- Data movement ----------------------------------------------------===//

/// Copies the window `shape` of `input` (origin `inOffset` elements, strides
/// `inStrides`) into `out` at `outOffset` with strides `outStrides`.
template <typename Exec>
Status copyWindow(Exec &exec, const char *op, const Tensor &input,
                  int64_t inOffset, const std::vector<int64_t> &inStrides,
                  Tensor &out, int64_t outOffset,
                  const std::vector<int64_t> &outStrides, const Shape &shape) {
  if (Status s = checkRank(static_cast<int64_t>(shape.size()), op); !s)
    return s;
  if (dtypeSize(input.dtype()) != dtypeSize(out.dtype()))
    return Status::error(std::string(op) + ": input and result types differ");
  StridedWindow window;
  window.rank = static_cast<int>(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    window.shape[d] = shape[d];
    window.inStrides[d] = inStrides[d];
    window.outStrides[d] = outStrides[d];
  }
  Status status;
  dispatchBits(input.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    status = exec.launch(numElements(shape),
                         CopyBody<U>{input.data<U>() + inOffset,
                                     out.data<U>() + outOffset, window});
  });
  return status;
}

template <typename Exec>
Status broadcast(Exec &exec, const Tensor &input,
                 const std::vector<int64_t> &dims, Tensor &out) {
  if (dims.size() != input.shape().size())
    return Status::error("broadcast: dims do not match the input rank");
  std::vector<int64_t> inStrides(out.rank(), 0);
  std::vector<int64_t> strides = rowMajorStrides(input.shape());
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] >= out.rank())
      return Status::error("broadcast: dimension out of range");
    int64_t size = input.shape()[i];
    if (size != 1 && size != out.shape()[dims[i]])
      return Status::error("broadcast: size " + std::to_string(size) +
                           " cannot become " +
                           std::to_string(out.shape()[dims[i]]));
    inStrides[dims[i]] = size == 1 ? 0 : strides[i];
  }
  return copyWindow(exec, "broadcast", input, 0, inStrides, out, 0,
                    rowMajorStrides(out.shape()), out.shape());
}

template <typename Exec>
Status transpose(Exec &exec, const Tensor &input,
                 const std::vector<int64_t> &perm, Tensor &out) {
  if (perm.size() != input.shape().size() || out.rank() != input.rank())
    return Status::error("transpose: permutation does not match the rank");
  std::vector<bool> seen(perm.size(), false);
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] < 0 || perm[i] >= input.rank() || seen[perm[i]] ||
        out.shape()[i] != input.shape()[perm[i]])
      return Status::error("transpose: not a permutation of the input shape");
    seen[perm[i]] = true;
  }
  std::vector<int64_t> strides = rowMajorStrides(input.shape());
  std::vector<int64_t> inStrides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inStrides[i] = strides[perm[i]];
  return copyWindow(exec, "transpose", input, 0, inStrides, out, 0,
                    rowMajorStrides(out.shape()), out.shape());
}

template <typename Exec>
Status concat(Exec &exec, const std::vector<Tensor> &inputs, int64_t axis,
              Tensor &out) {
  if (axis < 0 || axis >= out.rank())
    return Status::error("concat: axis out of range");
  std::vector<int64_t> outStrides = rowMajorStrides(out.shape());
  int64_t position = 0;
  for (const Tensor &input : inputs) {
    if (input.rank() != out.rank())
      return Status::error("concat: operand ranks differ from the result");
    for (int64_t d = 0; d < out.rank(); ++d)
      if (d != axis && input.shape()[d] != out.shape()[d])
        return Status::error("concat: operand " + shapeString(input.shape()) +
                             " does not fit result " +
                             shapeString(out.shape()));
    position += input.shape()[axis];
  }
  if (position != out.shape()[axis])
    return Status::error("concat: operand sizes along the axis do not sum "
                         "to the result's");
  position = 0;
  for (const Tensor &input : inputs) {
    if (Status s = copyWindow(
            exec, "concat", input, 0, rowMajorStrides(input.shape()), out,
            position * outStrides[axis], outStrides, input.shape());
        !s)
      return s;
    position += input.shape()[axis];
  }
  return Status::success();
}

template <typename Exec>
Status slice(Exec &exec, const Tensor &input, const std::vector<int64_t> &start,
             const std::vector<int64_t> &strides, Tensor &out) {
  if (start.size() != input.shape().size() ||
      strides.size() != input.shape().size() || out.rank() != input.rank())
    return Status::error("slice: start/strides do not match the rank");
  if (out.numElements() == 0)
    return Status::success();
  std::vector<int64_t> inStrides = rowMajorStrides(input.shape());
  int64_t offset = 0;
  for (size_t d = 0; d < start.size(); ++d) {
    int64_t last = start[d] + (out.shape()[d] - 1) * strides[d];
    if (start[d] < 0 || start[d] >= input.shape()[d] || last < 0 ||
        last >= input.shape()[d])
      return Status::error("slice: window leaves dimension " +
                           std::to_string(d));
    offset += start[d] * inStrides[d];
    inStrides[d] *= strides[d];
  }
  return copyWindow(exec, "slice", input, offset, inStrides, out, 0,
                    rowMajorStrides(out.shape()), out.shape());
}

template <typename Exec>
Status pad(Exec &exec, const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value, Tensor &out) {
  int64_t rank = input.rank();
  if (static_cast<int64_t>(low.size()) != rank ||
      static_cast<int64_t>(high.size()) != rank || out.rank() != rank)
    return Status::error("pad: low/high do not match the rank");
  for (int64_t d = 0; d < rank; ++d)
    if (out.shape()[d] != input.shape()[d] + low[d] + high[d])
      return Status::error("pad: result " + shapeString(out.shape()) +
                           " is not the padded input");
  if (Status s = fill(exec, value, out); !s)
    return s;
  std::vector<int64_t> inStrides = rowMajorStrides(input.shape());
  std::vector<int64_t> outStrides = rowMajorStrides(out.shape());
  Shape window(rank);
  int64_t inOffset = 0, outOffset = 0;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t inStart = std::max<int64_t>(-low[d], 0);
    int64_t outStart = std::max<int64_t>(low[d], 0);
    window[d] = std::min(input.shape()[d] - inStart, out.shape()[d] - outStart);
    if (window[d] <= 0)
      return Status::success(); // everything cropped away
    inOffset += inStart * inStrides[d];
    outOffset += outStart * outStrides[d];
  }
  return copyWindow(exec, "pad", input, inOffset, inStrides, out, outOffset,
                    outStrides, window);
}

template <typename U, typename I, typename Exec>
Status launchGather(Exec &exec, const U *data, const I *indices, U *out,
                    int64_t n, int64_t count, int64_t inner, int64_t axisSize) {
  return exec.launch(n, GatherBody<U, I>{data, indices, out, count, inner,
                                         axisSize, exec.errorWord(),
                                         kGatherIndexOutOfRange});
}

/// Out-of-range indices are found on the device: the element is written as
/// 0 and the context's next synchronize reports the error.
template <typename Exec>
Status gather(Exec &exec, const Tensor &data, const Tensor &indices,
              int64_t axis, Tensor &out) {
  if (axis < 0 || axis >= data.rank())
    return Status::error("gather: axis out of range");
  if (indices.dtype() != DType::i32 && indices.dtype() != DType::i64)
    return Status::error(std::string("gather: indices must be i32 or i64, "
                                     "got ") +
                         dtypeName(indices.dtype()));
  if (dtypeSize(out.dtype()) != dtypeSize(data.dtype()))
    return Status::error("gather: data and result types differ");
  int64_t outer = 1, inner = 1, axisSize = data.shape()[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.shape()[d];
  for (int64_t d = axis + 1; d < data.rank(); ++d)
    inner *= data.shape()[d];
  int64_t count = indices.numElements();
  if (Status s = checkCount(out, outer * count * inner, "gather result"); !s)
    return s;
  if (out.numElements() == 0)
    return Status::success();
  Status status;
  dispatchBits(data.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    if (indices.dtype() == DType::i32)
      status = launchGather<U>(exec, data.data<U>(), indices.data<int32_t>(),
                               out.data<U>(), out.numElements(), count, inner,
                               axisSize);
    else
      status = launchGather<U>(exec, data.data<U>(), indices.data<int64_t>(),
                               out.data<U>(), out.numElements(), count, inner,
                               axisSize);
  });
  return status;
}

//===--- Matmul -----------------------------------------------------------===//

inline bool fitsInt(int64_t value) { return value >= 0 && value <= INT_MAX; }

/// Row-major C = alpha op(A) op(B) + beta C, as rt::gemm: the column-major
/// call computes C^T = op(B)^T op(A)^T, which reads the row-major buffers
/// as they are.
template <typename Exec, typename T>
Status gemm(Exec &exec, bool transA, bool transB, int64_t m, int64_t n,
            int64_t k, T alpha, const T *a, int64_t lda, const T *b,
            int64_t ldb, T beta, T *c, int64_t ldc) {
  if (m == 0 || n == 0)
    return Status::success();
  if (!fitsInt(m) || !fitsInt(n) || !fitsInt(k) || !fitsInt(lda) ||
      !fitsInt(ldb) || !fitsInt(ldc))
    return Status::error("cuda gemm: sizes exceed cuBLAS's int range");
  return exec.gemmStridedBatched(transB, transA, n, m, k, alpha, b, ldb, 0, a,
                                 lda, 0, beta, c, ldc, 0, 1);
}

template <typename Exec>
Status matmul(Exec &exec, const Tensor &lhs, const Tensor &rhs, Tensor &out) {
  int64_t rank = lhs.rank();
  if (rank < 2 || rhs.rank() != rank || out.rank() != rank)
    return Status::error("matmul: operands need the same rank >= 2");
  if (isHalf(lhs.dtype()))
    return unsupportedDtype("matmul", lhs.dtype());
  if (rhs.dtype() != lhs.dtype() || out.dtype() != lhs.dtype())
    return Status::error("matmul: operand and result types differ");
  int64_t m = lhs.shape()[rank - 2], k = lhs.shape()[rank - 1],
          n = rhs.shape()[rank - 1];
  if (rhs.shape()[rank - 2] != k)
    return Status::error("matmul: contraction sizes differ");
  if (out.shape()[rank - 2] != m || out.shape()[rank - 1] != n)
    return Status::error("matmul: result is not M x N");
  if (out.numElements() == 0)
    return Status::success();
  int64_t batch = out.numElements() / (m * n);
  if (lhs.numElements() != batch * m * k || rhs.numElements() != batch * k * n)
    return Status::error("matmul: batch dimensions differ");
  if (k == 0) // empty sums: zeros
    return exec.zero(out.bytes(), out.byteSize());
  if (!fitsInt(m) || !fitsInt(n) || !fitsInt(k) || !fitsInt(batch))
    return Status::error("cuda matmul: sizes exceed cuBLAS's int range");
  Status status;
  bool ok = dispatchFloat(lhs.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Column-major: out^T (N x M) = rhs^T (N x K) lhs^T (K x M).
    status = exec.gemmStridedBatched(false, false, n, m, k, T(1), rhs.data<T>(),
                                     n, k * n, lhs.data<T>(), k, m * k, T(0),
                                     out.data<T>(), n, m * n, batch);
  });
  return ok ? status : Status::error("matmul needs float tensors");
}

//===--- Reductions -------------------------------------------------------===//

/// outer x n x inner decomposition around `axis`.
inline void splitAround(const Shape &shape, int64_t axis, int64_t &outer,
                        int64_t &n, int64_t &inner) {
  outer = 1;
  inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  n = shape[axis];
  for (size_t d = axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
}

template <typename Exec>
Status reduce(Exec &exec, ReduceKind kind, const Tensor &input,
              const std::vector<int64_t> &dims, Tensor &out) {
  if (isHalf(input.dtype()))
    return unsupportedDtype("reduce", input.dtype());
  if (Status s = checkDtype(out, input.dtype(), "reduce output"); !s)
    return s;
  int64_t rank = input.rank();
  if (Status s = checkRank(rank, "reduce"); !s)
    return s;
  std::vector<bool> reduced(rank, false);
  for (int64_t d : dims) {
    if (d < 0 || d >= rank)
      return Status::error("reduce: dimension out of range");
    if (reduced[d])
      return Status::error("reduce: dimension listed twice");
    reduced[d] = true;
  }
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
  if (Status s = checkCount(out, outputs, "reduce result"); !s)
    return s;
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
  if (axis < 0 || axis >= input.rank())
    return Status::error("argmax: axis out of range");
  if (isHalf(input.dtype()))
    return unsupportedDtype("argmax", input.dtype());
  if (out.dtype() != DType::i32 && out.dtype() != DType::i64)
    return Status::error("argmax: result must be i32 or i64");
  int64_t outer, n, inner;
  splitAround(input.shape(), axis, outer, n, inner);
  if (Status s = checkCount(out, outer * inner, "argmax result"); !s)
    return s;
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
  if (axis < 0 || axis >= input.rank())
    return Status::error("softmax: axis out of range");
  if (isHalf(input.dtype()))
    return unsupportedDtype("softmax", input.dtype());
  if (Status s = checkSameShape(input, out, "softmax"); !s)
    return s;
  if (Status s = checkDtype(out, input.dtype(), "softmax output"); !s)
    return s;
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
  if (axis < 0 || axis >= input.rank())
    return Status::error("cumsum: axis out of range");
  if (input.dtype() == DType::i1)
    return Status::error("cumsum needs integers or floats, not i1");
  if (isHalf(input.dtype()))
    return unsupportedDtype("cumsum", input.dtype());
  if (Status s = checkSameShape(input, out, "cumsum"); !s)
    return s;
  if (Status s = checkDtype(out, input.dtype(), "cumsum output"); !s)
    return s;
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

//===--- Normalisation, rope, attention -----------------------------------===//

template <typename Exec>
Status rmsNorm(Exec &exec, const Tensor &input, const Tensor &weight,
               double epsilon, Tensor &out) {
  if (input.rank() == 0)
    return Status::error("rms_norm needs a tensor of rank >= 1");
  int64_t n = input.shape().back();
  if (weight.numElements() != n)
    return Status::error("rms_norm: weight size differs from the last dim");
  if (isHalf(input.dtype()))
    return unsupportedDtype("rms_norm", input.dtype());
  if (Status s = checkSameShape(input, out, "rms_norm"); !s)
    return s;
  if (weight.dtype() != input.dtype() || out.dtype() != input.dtype())
    return Status::error("rms_norm: operand and result types differ");
  int64_t rows = n ? input.numElements() / n : 0;
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(rows, RmsNormBody<T>{input.data<T>(), weight.data<T>(),
                                              out.data<T>(), n, epsilon});
  });
  return ok ? status : Status::error("rms_norm needs floats");
}

template <typename Exec>
Status layerNorm(Exec &exec, const Tensor &input, const Tensor &weight,
                 const Tensor &bias, int64_t axis, double epsilon,
                 Tensor &out) {
  if (axis < 0 || axis > input.rank())
    return Status::error("layer_norm: axis out of range");
  int64_t n = 1;
  for (int64_t d = axis; d < input.rank(); ++d)
    n *= input.shape()[d];
  if (weight.numElements() != n || bias.numElements() != n)
    return Status::error("layer_norm: weight/bias sizes differ from the "
                         "normalised dimensions");
  if (isHalf(input.dtype()))
    return unsupportedDtype("layer_norm", input.dtype());
  if (Status s = checkSameShape(input, out, "layer_norm"); !s)
    return s;
  if (weight.dtype() != input.dtype() || bias.dtype() != input.dtype() ||
      out.dtype() != input.dtype())
    return Status::error("layer_norm: operand and result types differ");
  int64_t rows = n ? input.numElements() / n : 0;
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(
        rows, LayerNormBody<T>{input.data<T>(), weight.data<T>(),
                               bias.data<T>(), out.data<T>(), n, epsilon});
  });
  return ok ? status : Status::error("layer_norm needs floats");
}

template <typename Exec>
Status rope(Exec &exec, const Tensor &input, const Tensor &cos,
            const Tensor &sin, Tensor &out) {
  if (input.rank() != 4 || cos.rank() != 3 || sin.shape() != cos.shape())
    return Status::error("rope: expected B x H x S x D and B x S x D tables");
  int64_t b = input.shape()[0], h = input.shape()[1], s = input.shape()[2],
          d = input.shape()[3];
  if (cos.shape() != Shape{b, s, d} || d % 2)
    return Status::error("rope: tables must be B x S x D with D even");
  if (isHalf(input.dtype()))
    return unsupportedDtype("rope", input.dtype());
  if (Status st = checkSameShape(input, out, "rope"); !st)
    return st;
  if (cos.dtype() != input.dtype() || sin.dtype() != input.dtype() ||
      out.dtype() != input.dtype())
    return Status::error("rope: operand and result types differ");
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(b * h * s,
                         RopeBody<T>{input.data<T>(), cos.data<T>(),
                                     sin.data<T>(), out.data<T>(), h, s, d});
  });
  return ok ? status : Status::error("rope needs floats");
}

template <typename Exec>
Status attention(Exec &exec, const Tensor &query, const Tensor &key,
                 const Tensor &value, const Tensor *maskTensor,
                 AttentionMask mask, double scale, Tensor &out) {
  if (query.rank() != 4 || key.rank() != 4 || value.rank() != 4)
    return Status::error("attention: query, key and value must be rank 4");
  int64_t batch = query.shape()[0], heads = query.shape()[1],
          s = query.shape()[2], d = query.shape()[3];
  int64_t kvHeads = key.shape()[1], t = key.shape()[2], dv = value.shape()[3];
  if (key.shape()[0] != batch || key.shape()[3] != d ||
      value.shape()[0] != batch || value.shape()[1] != kvHeads ||
      value.shape()[2] != t || kvHeads == 0 || heads % kvHeads)
    return Status::error("attention: inconsistent query/key/value shapes");
  if (Status st = checkAttentionMaskTensor("attention", maskTensor, mask, batch,
                                           heads, s, t);
      !st)
    return st;
  bool additive = mask == AttentionMask::additive;
  const Tensor *bias = additive ? maskTensor : nullptr;
  if (isHalf(query.dtype()))
    return unsupportedDtype("attention", query.dtype());
  if (key.dtype() != query.dtype() || value.dtype() != query.dtype() ||
      out.dtype() != query.dtype() ||
      (additive && bias->dtype() != query.dtype()))
    return Status::error("attention: operand and result types differ");
  if (out.shape() != Shape{batch, heads, s, dv})
    return Status::error("attention: result must be B x Hq x S x Dv");
  Status status;
  bool ok = dispatchFloat(query.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    AttentionBody<T> body{};
    body.query = query.data<T>();
    body.key = key.data<T>();
    body.value = value.data<T>();
    body.bias = additive ? bias->data<T>() : nullptr;
    body.bits =
        mask == AttentionMask::bitfield ? maskTensor->data<int64_t>() : nullptr;
    body.out = out.data<T>();
    body.heads = heads;
    body.kvHeads = kvHeads;
    body.s = s;
    body.t = t;
    body.d = d;
    body.dv = dv;
    body.biasBatch = additive ? bias->shape()[0] : 1;
    body.biasHeads = additive ? bias->shape()[1] : 1;
    body.scale = static_cast<T>(scale);
    body.causal = mask == AttentionMask::causal;
    status = exec.launch(batch * heads * s, body);
  });
  return ok ? status : Status::error("attention needs floats");
}

//===--- Fused backward ---------------------------------------------------===//

inline Status checkGradResult(const Tensor *result, const Tensor &like,
                              const char *what) {
  if (result &&
      (result->shape() != like.shape() || result->dtype() != like.dtype()))
    return Status::error(std::string(what) + " must have shape " +
                         shapeString(like.shape()) + " and type " +
                         dtypeName(like.dtype()));
  return Status::success();
}

/// Both norm backwards: one thread per row (statistics and d_input), then
/// one per column (d_weight, d_bias summed over the rows in order).
template <typename Exec>
Status normGrad(Exec &exec, const char *op, const Tensor &input,
                const Tensor &weight, const Tensor &dOut, int64_t n,
                double epsilon, bool centered, Tensor *dInput, Tensor *dWeight,
                Tensor *dBias) {
  if (isHalf(input.dtype()))
    return unsupportedDtype(op, input.dtype());
  int64_t rows = n ? input.numElements() / n : 0;
  void *scratch = nullptr;
  if (Status s = exec.scratch(static_cast<size_t>(rows) * sizeof(NormRowStats),
                              scratch);
      !s)
    return s;
  auto *stats = static_cast<NormRowStats *>(scratch);
  Status status;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(
        rows,
        NormGradRowBody<T>{input.data<T>(), weight.data<T>(), dOut.data<T>(),
                           dInput ? dInput->data<T>() : nullptr, stats, n,
                           epsilon, centered});
    if (status && (dWeight || dBias))
      status = exec.launch(
          n, NormParamGradBody<T>{input.data<T>(), dOut.data<T>(), stats,
                                  dWeight ? dWeight->data<T>() : nullptr,
                                  dBias ? dBias->data<T>() : nullptr, rows, n});
  });
  return ok ? status : Status::error(std::string(op) + " needs floats");
}

template <typename Exec>
Status rmsNormGrad(Exec &exec, const Tensor &input, const Tensor &weight,
                   const Tensor &dOut, double epsilon, Tensor *dInput,
                   Tensor *dWeight) {
  if (input.rank() == 0)
    return Status::error("rms_norm_grad needs a tensor of rank >= 1");
  int64_t n = input.shape().back();
  if (weight.numElements() != n)
    return Status::error(
        "rms_norm_grad: weight size differs from the last dim");
  if (dOut.shape() != input.shape() || dOut.dtype() != input.dtype() ||
      weight.dtype() != input.dtype())
    return Status::error("rms_norm_grad: d_out and weight must match the "
                         "input's shape and type");
  if (Status s = checkGradResult(dInput, input, "rms_norm_grad: d_input"); !s)
    return s;
  if (Status s = checkGradResult(dWeight, weight, "rms_norm_grad: d_weight");
      !s)
    return s;
  return normGrad(exec, "rms_norm_grad", input, weight, dOut, n, epsilon,
                  /*centered=*/false, dInput, dWeight, nullptr);
}

template <typename Exec>
Status layerNormGrad(Exec &exec, const Tensor &input, const Tensor &weight,
                     const Tensor &dOut, int64_t axis, double epsilon,
                     Tensor *dInput, Tensor *dWeight, Tensor *dBias) {
  if (axis < 0 || axis > input.rank())
    return Status::error("layer_norm_grad: axis out of range");
  int64_t n = 1;
  for (int64_t d = axis; d < input.rank(); ++d)
    n *= input.shape()[d];
  if (weight.numElements() != n)
    return Status::error("layer_norm_grad: weight size differs from the "
                         "normalised dimensions");
  if (dOut.shape() != input.shape() || dOut.dtype() != input.dtype() ||
      weight.dtype() != input.dtype())
    return Status::error("layer_norm_grad: d_out and weight must match the "
                         "input's shape and type");
  if (Status s = checkGradResult(dInput, input, "layer_norm_grad: d_input"); !s)
    return s;
  if (Status s = checkGradResult(dWeight, weight, "layer_norm_grad: d_weight");
      !s)
    return s;
  if (Status s = checkGradResult(dBias, weight, "layer_norm_grad: d_bias"); !s)
    return s;
  return normGrad(exec, "layer_norm_grad", input, weight, dOut, n, epsilon,
                  /*centered=*/true, dInput, dWeight, dBias);
}

/// Phase 1 saves each query row's softmax statistics and delta in scratch;
/// then one thread per query row (d_query), per key row (d_key, d_value)
/// and per bias element (d_bias), each summing in a fixed order. A bitfield
/// mask is evaluated per (query, key) in every phase.
template <typename Exec>
Status attentionGrad(Exec &exec, const Tensor &query, const Tensor &key,
                     const Tensor &value, const Tensor *maskTensor,
                     const Tensor &out, const Tensor &dOut, AttentionMask mask,
                     double scale, Tensor *dQuery, Tensor *dKey, Tensor *dValue,
                     Tensor *dBias) {
  if (query.rank() != 4 || key.rank() != 4 || value.rank() != 4)
    return Status::error("attention_grad: query, key and value must be rank 4");
  int64_t batch = query.shape()[0], heads = query.shape()[1],
          s = query.shape()[2], d = query.shape()[3];
  int64_t kvHeads = key.shape()[1], t = key.shape()[2], dv = value.shape()[3];
  if (key.shape()[0] != batch || key.shape()[3] != d ||
      value.shape()[0] != batch || value.shape()[1] != kvHeads ||
      value.shape()[2] != t || kvHeads == 0 || heads % kvHeads)
    return Status::error("attention_grad: inconsistent query/key/value shapes");
  Shape outShape{batch, heads, s, dv};
  if (out.shape() != outShape || dOut.shape() != outShape)
    return Status::error("attention_grad: out and d_out must be " +
                         shapeString(outShape));
  if (Status st = checkAttentionMaskTensor("attention_grad", maskTensor, mask,
                                           batch, heads, s, t);
      !st)
    return st;
  bool additive = mask == AttentionMask::additive;
  const Tensor *bias = additive ? maskTensor : nullptr;
  if (dBias && !additive)
    return Status::error("attention_grad: d_bias needs an additive mask");
  if (isHalf(query.dtype()))
    return unsupportedDtype("attention_grad", query.dtype());
  for (const Tensor *operand : {&key, &value, &out, &dOut})
    if (operand->dtype() != query.dtype())
      return Status::error("attention_grad: operand types differ");
  if (additive && bias->dtype() != query.dtype())
    return Status::error("attention_grad: operand types differ");
  if (Status st = checkGradResult(dQuery, query, "attention_grad: d_query");
      !st)
    return st;
  if (Status st = checkGradResult(dKey, key, "attention_grad: d_key"); !st)
    return st;
  if (Status st = checkGradResult(dValue, value, "attention_grad: d_value");
      !st)
    return st;
  if (dBias)
    if (Status st = checkGradResult(dBias, *bias, "attention_grad: d_bias");
        !st)
      return st;
  int64_t queryRows = batch * heads * s;
  void *scratch = nullptr;
  if (Status st = exec.scratch(
          static_cast<size_t>(queryRows) * sizeof(AttentionRowStats), scratch);
      !st)
    return st;
  auto *stats = static_cast<AttentionRowStats *>(scratch);
  Status status;
  bool ok = dispatchFloat(query.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    AttentionGradArgs<T> args{};
    args.query = query.data<T>();
    args.key = key.data<T>();
    args.value = value.data<T>();
    args.bias = additive ? bias->data<T>() : nullptr;
    args.bits =
        mask == AttentionMask::bitfield ? maskTensor->data<int64_t>() : nullptr;
    args.out = out.data<T>();
    args.dOut = dOut.data<T>();
    args.stats = stats;
    args.batch = batch;
    args.heads = heads;
    args.kvHeads = kvHeads;
    args.s = s;
    args.t = t;
    args.d = d;
    args.dv = dv;
    args.biasBatch = additive ? bias->shape()[0] : 1;
    args.biasHeads = additive ? bias->shape()[1] : 1;
    args.scale = static_cast<T>(scale);
    args.causal = mask == AttentionMask::causal;
    status = exec.launch(queryRows, AttentionGradStatsBody<T>{args, stats});
    if (status && dQuery)
      status = exec.launch(queryRows,
                           AttentionGradQueryBody<T>{args, dQuery->data<T>()});
    if (status && (dKey || dValue))
      status = exec.launch(
          batch * kvHeads * t,
          AttentionGradKeyValueBody<T>{args, dKey ? dKey->data<T>() : nullptr,
                                       dValue ? dValue->data<T>() : nullptr});
    if (status && dBias)
      status = exec.launch(dBias->numElements(),
                           AttentionGradBiasBody<T>{args, dBias->data<T>()});
  });
  return ok ? status : Status::error("attention_grad needs floats");
}

//===--- Loss and optimizer -----------------------------------------------===//

inline Status checkCrossEntropy(const Tensor &logits, const Tensor &labels,
                                const Tensor &out, bool scalarOut) {
  if (logits.rank() < 1 || logits.shape().back() < 1)
    return Status::error("cross_entropy needs logits with a class dimension");
  if (logits.dtype() != DType::f32 && logits.dtype() != DType::f64)
    return Status::error("cross_entropy needs f32 or f64 logits");
  if (labels.dtype() != DType::i64 && labels.dtype() != DType::i32)
    return Status::error("cross_entropy needs i32 or i64 labels");
  if (labels.numElements() != logits.numElements() / logits.shape().back())
    return Status::error("cross_entropy: labels do not match the logits");
  if (out.dtype() != logits.dtype() ||
      (scalarOut ? out.numElements() != 1 : out.shape() != logits.shape()))
    return Status::error(scalarOut
                             ? "cross_entropy: the result must be one element "
                               "of the logits' type"
                             : "cross_entropy_grad: the result must be like "
                               "the logits");
  return Status::success();
}

template <typename T, typename I, typename Exec>
Status launchCrossEntropy(Exec &exec, const T *logits, const I *labels, T *out,
                          int64_t rows, int64_t classes, int64_t ignoreIndex) {
  void *scratch = nullptr;
  if (Status s = exec.scratch(rows * sizeof(double), scratch); !s)
    return s;
  double *terms = static_cast<double *>(scratch);
  if (Status s = exec.launch(
          rows, CrossEntropyTermBody<T, I>{logits, labels, terms, classes,
                                           ignoreIndex, exec.errorWord()});
      !s)
    return s;
  return exec.launch(1, CrossEntropyMeanBody<T, I>{terms, labels, out, rows,
                                                   classes, ignoreIndex,
                                                   exec.errorWord()});
}

/// A label outside [0, classes) that is not the ignore index is found on
/// the device: the context's next synchronize reports it.
template <typename Exec>
Status crossEntropy(Exec &exec, const Tensor &logits, const Tensor &labels,
                    int64_t ignoreIndex, Tensor &out) {
  if (Status s = checkCrossEntropy(logits, labels, out, true); !s)
    return s;
  int64_t classes = logits.shape().back();
  int64_t rows = logits.numElements() / classes;
  Status status;
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (labels.dtype() == DType::i64)
      status =
          launchCrossEntropy<T>(exec, logits.data<T>(), labels.data<int64_t>(),
                                out.data<T>(), rows, classes, ignoreIndex);
    else
      status =
          launchCrossEntropy<T>(exec, logits.data<T>(), labels.data<int32_t>(),
                                out.data<T>(), rows, classes, ignoreIndex);
  });
  return status;
}

template <typename T, typename I, typename Exec>
Status launchCrossEntropyGrad(Exec &exec, const T *logits, const I *labels,
                              const T *cotangent, T *out, int64_t rows,
                              int64_t classes, int64_t ignoreIndex) {
  void *scratch = nullptr;
  if (Status s = exec.scratch(sizeof(int64_t), scratch); !s)
    return s;
  int64_t *count = static_cast<int64_t *>(scratch);
  if (Status s =
          exec.launch(1, CountScoredBody<I>{labels, count, rows, classes,
                                            ignoreIndex, exec.errorWord()});
      !s)
    return s;
  return exec.launch(
      rows, CrossEntropyGradBody<T, I>{logits, labels, cotangent, count, out,
                                       classes, ignoreIndex, exec.errorWord()});
}

template <typename Exec>
Status crossEntropyGrad(Exec &exec, const Tensor &logits, const Tensor &labels,
                        const Tensor &cotangent, int64_t ignoreIndex,
                        Tensor &out) {
  if (Status s = checkCrossEntropy(logits, labels, out, false); !s)
    return s;
  if (cotangent.dtype() != logits.dtype() || cotangent.numElements() != 1)
    return Status::error("cross_entropy_grad: the cotangent must be one "
                         "element of the logits' type");
  int64_t classes = logits.shape().back();
  int64_t rows = logits.numElements() / classes;
  Status status;
  dispatchFloat(logits.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (labels.dtype() == DType::i64)
      status = launchCrossEntropyGrad<T>(
          exec, logits.data<T>(), labels.data<int64_t>(), cotangent.data<T>(),
          out.data<T>(), rows, classes, ignoreIndex);
    else
      status = launchCrossEntropyGrad<T>(
          exec, logits.data<T>(), labels.data<int32_t>(), cotangent.data<T>(),
          out.data<T>(), rows, classes, ignoreIndex);
  });
  return status;
}

template <typename Exec>
Status adamw(Exec &exec, const Tensor &param, const Tensor &grad,
             const Tensor &expAvg, const Tensor &expAvgSq, double lr,
             int64_t step, const AdamWHyper &hyper, Tensor &newParam,
             Tensor &newExpAvg, Tensor &newExpAvgSq) {
  int64_t n = param.numElements();
  for (const Tensor *t :
       {&grad, &expAvg, &expAvgSq, static_cast<const Tensor *>(&newParam),
        static_cast<const Tensor *>(&newExpAvg),
        static_cast<const Tensor *>(&newExpAvgSq)})
    if (t->numElements() != n || t->dtype() != param.dtype())
      return Status::error("adamw: every tensor must have the param's type");
  if (step < 1)
    return Status::error("adamw: the step count starts at 1, got " +
                         std::to_string(step));
  AdamWFactors factors = adamwFactors(hyper, lr, step);
  Status status;
  bool ok = dispatchFloat(param.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    status = exec.launch(
        n, AdamWBody<T>{param.data<T>(), grad.data<T>(), expAvg.data<T>(),
                        expAvgSq.data<T>(), newParam.data<T>(),
                        newExpAvg.data<T>(), newExpAvgSq.data<T>(), factors});
  });
  return ok ? status : Status::error("adamw needs f32 or f64");
}

template <typename Exec>
Status conv(Exec &, const Tensor &, const Tensor &, const ConvParams &,
            Tensor &) {
  return Status::error("cuda conv: convolution is not supported on CUDA yet");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_H
