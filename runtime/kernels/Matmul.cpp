//===- Matmul.cpp - Batched matrix products through BLAS ------------------===//
#include "runtime/kernels/Matmul.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/GemmBf16.h"
#include "runtime/kernels/Parallel.h"

#include <cblas.h>

#include <algorithm>
#include <mutex>
#include <type_traits>

namespace starch::rt {

namespace {
/// The pool partitions the work; OpenBLAS runs single-threaded inside each
/// chunk so the two never oversubscribe the cores.
void initBlas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}
CBLAS_TRANSPOSE op(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

/// The BLAS routine for each element type, chosen by overload.
void blasGemm(CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB, int64_t m,
              int64_t n, int64_t k, float alpha, const float *a, int64_t lda,
              const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
}
void blasGemm(CBLAS_TRANSPOSE transA, CBLAS_TRANSPOSE transB, int64_t m,
              int64_t n, int64_t k, double alpha, const double *a, int64_t lda,
              const double *b, int64_t ldb, double beta, double *c,
              int64_t ldc) {
  cblas_dgemm(CblasRowMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb,
              beta, c, ldc);
}

template <typename T>
void gemmOf(bool transA, bool transB, int64_t m, int64_t n, int64_t k, T alpha,
            const T *a, int64_t lda, const T *b, int64_t ldb, T beta, T *c,
            int64_t ldc) {
  initBlas();
  if (m == 0 || n == 0)
    return;
  if (k == 0) { // an empty sum: C = beta * C (BLAS rejects lda = 0)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
    return;
  }
  blasGemm(op(transA), op(transB), m, n, k, alpha, a, lda, b, ldb, beta, c,
           ldc);
}
} // namespace

void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
          float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
          float beta, float *c, int64_t ldc) {
  gemmOf(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
          double alpha, const double *a, int64_t lda, const double *b,
          int64_t ldb, double beta, double *c, int64_t ldc) {
  gemmOf(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

Status checkMatmul(const Tensor &lhs, const Tensor &rhs, bool transposeLhs,
                   bool transposeRhs, const Tensor &out, MatmulShape &shape) {
  int64_t rank = lhs.rank();
  if (rank < 2 || rhs.rank() != rank || out.rank() != rank)
    return Status::error("matmul: operands need the same rank >= 2");
  if (rhs.dtype() != lhs.dtype() || out.dtype() != lhs.dtype())
    return Status::error("matmul: operand and result types differ");
  const Shape &l = lhs.shape(), &r = rhs.shape();
  shape.m = l[rank - (transposeLhs ? 1 : 2)];
  shape.k = l[rank - (transposeLhs ? 2 : 1)];
  shape.n = r[rank - (transposeRhs ? 2 : 1)];
  if (r[rank - (transposeRhs ? 1 : 2)] != shape.k)
    return Status::error("matmul: contraction sizes differ");
  if (out.shape()[rank - 2] != shape.m || out.shape()[rank - 1] != shape.n)
    return Status::error("matmul: result is not M x N");
  shape.batch = out.numElements() ? out.numElements() / (shape.m * shape.n) : 0;
  if (shape.batch && (lhs.numElements() != shape.batch * shape.m * shape.k ||
                      rhs.numElements() != shape.batch * shape.k * shape.n))
    return Status::error("matmul: batch dimensions differ");
  return Status::success();
}

namespace {
/// Calls `product(matrix, row, rows)` for blocks of rows of each matrix of
/// the batch, on the pool; each call is one single-threaded task. Rows are
/// split so that every thread gets work even for a single matrix.
template <typename Product>
void forEachRowBlock(const MatmulShape &shape, Product product) {
  int64_t m = shape.m, n = shape.n, k = shape.k, batch = shape.batch;
  int64_t threads = numThreads();
  int64_t blocksPerMatrix =
      std::max<int64_t>(1, (threads + batch - 1) / std::max<int64_t>(batch, 1));
  int64_t blockRows =
      std::max<int64_t>(16, (m + blocksPerMatrix - 1) / blocksPerMatrix);
  int64_t blocks = (m + blockRows - 1) / std::max<int64_t>(blockRows, 1);
  int64_t tasks = batch * blocks;
  double flops = 2.0 * batch * m * n * std::max<int64_t>(k, 1);
  int64_t grain = flops < 1e6 ? std::max<int64_t>(tasks, 1) : 1;
  parallelFor(tasks, grain, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      int64_t matrix = task / blocks, row = (task % blocks) * blockRows;
      product(matrix, row, std::min(blockRows, m - row));
    }
  });
}
} // namespace

Status matmul(const Tensor &lhs, const Tensor &rhs, bool transposeLhs,
              bool transposeRhs, Tensor &out, bool bf16) {
  MatmulShape shape;
  if (Status s = checkMatmul(lhs, rhs, transposeLhs, transposeRhs, out, shape);
      !s)
    return s;
  if (lhs.dtype() == DType::f16) {
    Tensor wide(DType::f32, out.shape());
    if (Status s = matmul(widenHalf(lhs), widenHalf(rhs), transposeLhs,
                          transposeRhs, wide);
        !s)
      return s;
    narrowHalf(wide, out);
    return Status::success();
  }
  int64_t m = shape.m, k = shape.k, n = shape.n, batch = shape.batch;
  if (k == 0 || batch == 0) { // empty sums: zeros
    std::fill(out.bytes(), out.bytes() + out.byteSize(), 0);
    return Status::success();
  }
  // Row `row` of op(lhs) starts at element row * k, or at column `row`
  // (leading dimension m) of a transposed lhs.
  int64_t lda = transposeLhs ? m : k, ldb = transposeRhs ? k : n;
  int64_t rowStride = transposeLhs ? 1 : k;
  // Exact products of bf16 values, f32 sums, rounded.
  auto bf16Product = [&](const auto *a, const auto *b, auto *c) {
    forEachRowBlock(shape, [&](int64_t matrix, int64_t row, int64_t rows) {
      auto *block = c + (matrix * m + row) * n;
      if constexpr (std::is_same_v<decltype(block), float *>)
        // f32 operands rounded as the kernel packs them, the result to
        // bf16 values kept in f32: no rounded copies of the operands.
        gemmBf16(transposeLhs, transposeRhs, rows, n, k,
                 a + matrix * m * k + row * rowStride, lda, b + matrix * k * n,
                 ldb, block, n, /*roundResult=*/true);
      else
        gemmBf16(transposeLhs, transposeRhs, rows, n, k,
                 a + matrix * m * k + row * rowStride, lda, b + matrix * k * n,
                 ldb, block, n);
    });
  };
  if (lhs.dtype() == DType::bf16) {
    bf16Product(lhs.data<uint16_t>(), rhs.data<uint16_t>(),
                out.data<uint16_t>());
    return Status::success();
  }
  if (bf16) {
    if (lhs.dtype() != DType::f32)
      return Status::error("matmul: bf16 rounds f32 tensors");
    bf16Product(lhs.data<float>(), rhs.data<float>(), out.data<float>());
    return Status::success();
  }
  bool ok = dispatchFloat(lhs.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *a = lhs.data<T>(), *b = rhs.data<T>();
    T *c = out.data<T>();
    forEachRowBlock(shape, [&](int64_t matrix, int64_t row, int64_t rows) {
      gemm(transposeLhs, transposeRhs, rows, n, k, T(1),
           a + matrix * m * k + row * rowStride, lda, b + matrix * k * n, ldb,
           T(0), c + (matrix * m + row) * n, n);
    });
  });
  return ok ? Status::success() : Status::error("matmul needs float tensors");
}

} // namespace starch::rt
