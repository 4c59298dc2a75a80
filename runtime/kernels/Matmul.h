//===- Matmul.h - Batched matrix products through BLAS ----------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_MATMUL_H
#define STARCH_RUNTIME_KERNELS_MATMUL_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

namespace starch::rt {

/// `lhs: B... x M x K`, `rhs: B... x K x N` -> `out: B... x M x N`; a set
/// flag reads that operand with its last two dimensions swapped
/// (`B... x K x M`, `B... x N x K`), as BLAS's transpose flags do. bf16
/// operands are multiplied exactly and summed in f32 (gemmBf16), then rounded.
/// With `bf16` (f32 tensors) the operands are rounded to bf16 and the
/// result to bf16 values (starch.matmul's `bf16`): bit for bit the bf16
/// product between converts, without the bf16 tensors.
Status matmul(const Tensor &lhs, const Tensor &rhs, bool transposeLhs,
              bool transposeRhs, Tensor &out, bool bf16 = false);

/// The sizes of a matmul: `batch` matrix products of M x K by K x N
/// (`batch` is 0 when the result is empty).
struct MatmulShape {
  int64_t batch = 0, m = 0, k = 0, n = 0;
};
/// The argument rules of matmul, shared with the CUDA driver (Checks.h).
Status checkMatmul(const Tensor &lhs, const Tensor &rhs, bool transposeLhs,
                   bool transposeRhs, const Tensor &out, MatmulShape &shape);

/// Row-major C = alpha * op(A) op(B) + beta * C on the calling thread
/// (OpenBLAS on the CPU); op transposes when the flag is set.
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
          float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
          float beta, float *c, int64_t ldc);
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
          double alpha, const double *a, int64_t lda, const double *b,
          int64_t ldb, double beta, double *c, int64_t ldc);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_MATMUL_H
