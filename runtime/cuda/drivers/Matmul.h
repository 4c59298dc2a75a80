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
              bool transposeLhs, bool transposeRhs, Tensor &out,
              bool bf16 = false) {
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
  // bf16 products take the same swap as below.
  auto bf16Product = [&](const uint16_t *l, const uint16_t *r, uint16_t *o) {
    return exec.gemmStridedBatchedBf16(
        transposeRhs, transposeLhs, n, m, k, r, transposeRhs ? k : n, k * n, l,
        transposeLhs ? m : k, m * k, o, n, m * n, batch);
  };
  if (lhs.dtype() == DType::bf16)
    return bf16Product(lhs.data<uint16_t>(), rhs.data<uint16_t>(),
                       out.data<uint16_t>());
  if (bf16) { // the converts around a bf16 product, through one scratch
    if (lhs.dtype() != DType::f32)
      return Status::error("cuda matmul: bf16 rounds f32 tensors");
    auto bytes = [](int64_t count) { return (count * 2 + 255) / 256 * 256; };
    int64_t nl = lhs.numElements(), nr = rhs.numElements(),
            no = out.numElements();
    void *base = nullptr;
    if (Status s = exec.scratch(bytes(nl) + bytes(nr) + bytes(no), base); !s)
      return s;
    auto *l16 = static_cast<uint16_t *>(base);
    auto *r16 =
        reinterpret_cast<uint16_t *>(static_cast<char *>(base) + bytes(nl));
    auto *o16 = reinterpret_cast<uint16_t *>(static_cast<char *>(base) +
                                             bytes(nl) + bytes(nr));
    if (Status s = exec.launch(nl, NarrowBf16Body{lhs.data<float>(), l16}); !s)
      return s;
    if (Status s = exec.launch(nr, NarrowBf16Body{rhs.data<float>(), r16}); !s)
      return s;
    if (Status s = bf16Product(l16, r16, o16); !s)
      return s;
    return exec.launch(no, WidenBf16Body{o16, out.data<float>()});
  }
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
