//===- Matmul.h - CUDA drivers of matmul and gemm (cuBLAS) ------*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_MATMUL_H
#define STARCH_RUNTIME_CUDA_DRIVERS_MATMUL_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Matmul.h"

#include <climits>

namespace starch::rt::cuda::drivers {

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
Status matmul(Exec &exec, const Tensor &lhs, const Tensor &rhs,
              bool transposeLhs, bool transposeRhs, Tensor &out) {
  MatmulShape shape;
  if (Status s = checkMatmul(lhs, rhs, transposeLhs, transposeRhs, out, shape);
      !s)
    return s;
  if (lhs.dtype() == DType::f16)
    return unsupportedDtype("matmul", lhs.dtype());
  int64_t batch = shape.batch, m = shape.m, k = shape.k, n = shape.n;
  if (batch == 0)
    return Status::success();
  if (k == 0) // empty sums: zeros
    return exec.zero(out.bytes(), out.byteSize());
  if (!fitsInt(m) || !fitsInt(n) || !fitsInt(k) || !fitsInt(batch))
    return Status::error("cuda matmul: sizes exceed cuBLAS's int range");
  if (lhs.dtype() == DType::bf16) // the same swap as below
    return exec.gemmStridedBatchedBf16(
        transposeRhs, transposeLhs, n, m, k, rhs.data<uint16_t>(),
        transposeRhs ? k : n, k * n, lhs.data<uint16_t>(), transposeLhs ? m : k,
        m * k, out.data<uint16_t>(), n, m * n, batch);
  Status status;
  bool ok = dispatchFloat(lhs.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Column-major: out^T (N x M) = op(rhs)^T (N x K) op(lhs)^T (K x M);
    // a row-major operand read transposed is a column-major one with the
    // flag set, its leading dimension its row length.
    status = exec.gemmStridedBatched(transposeRhs, transposeLhs, n, m, k, T(1),
                                     rhs.data<T>(), transposeRhs ? k : n, k * n,
                                     lhs.data<T>(), transposeLhs ? m : k, m * k,
                                     T(0), out.data<T>(), n, m * n, batch);
  });
  return ok ? status : Status::error("matmul needs float tensors");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_MATMUL_H
