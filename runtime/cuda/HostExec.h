//===- HostExec.h - The CUDA kernels' bodies run on the CPU -----*- C++ -*-===//
//
// An executor for Drivers.h that calls each body in a plain loop over host
// memory and multiplies column-major matrices with the reference triple
// loop of the BLAS definition. With it the CUDA kernels' checks, layouts,
// index arithmetic and operand swaps are tested against the CPU kernels on a
// machine without a GPU; only the launch itself and cuBLAS stay untested.
//
// Plain C++17; header-only.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_HOSTEXEC_H
#define STARCH_RUNTIME_CUDA_HOSTEXEC_H

#include "runtime/cuda/Drivers.h"

#include <cstring>
#include <string>
#include <vector>

namespace starch::rt::cuda {

class HostExec {
public:
  template <typename Body> Status launch(int64_t n, const Body &body) {
    for (int64_t i = 0; i < n; ++i)
      body(i);
    return Status::success();
  }

  int *errorWord() { return &errorWord_; }

  /// As DeviceContext::synchronize: the first kernel error since the last
  /// call, then cleared.
  Status synchronize() {
    int code = errorWord_;
    errorWord_ = 0;
    if (code == kNoKernelError)
      return Status::success();
    return Status::error(std::string("cuda kernel: ") +
                         kernelErrorMessage(code));
  }

  Status scratch(size_t bytes, void *&data) {
    scratch_.resize(bytes / sizeof(double) + 1);
    data = scratch_.data();
    return Status::success();
  }

  Status zero(void *data, size_t bytes) {
    if (bytes)
      std::memset(data, 0, bytes);
    return Status::success();
  }

  /// Column-major C = alpha op(A) op(B) + beta C for each of `batch`
  /// matrices (as cublas<t>gemmStridedBatched; beta = 0 ignores C).
  template <typename T>
  Status gemmStridedBatched(bool transA, bool transB, int64_t m, int64_t n,
                            int64_t k, T alpha, const T *a, int64_t lda,
                            int64_t strideA, const T *b, int64_t ldb,
                            int64_t strideB, T beta, T *c, int64_t ldc,
                            int64_t strideC, int64_t batch) {
    for (int64_t p = 0; p < batch; ++p) {
      const T *ap = a + p * strideA, *bp = b + p * strideB;
      T *cp = c + p * strideC;
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < m; ++i) {
          T sum = T(0);
          for (int64_t l = 0; l < k; ++l) {
            T x = transA ? ap[l + i * lda] : ap[i + l * lda];
            T y = transB ? bp[j + l * ldb] : bp[l + j * ldb];
            sum += x * y;
          }
          T &out = cp[i + j * ldc];
          out = beta == T(0) ? alpha * sum : alpha * sum + beta * out;
        }
    }
    return Status::success();
  }

  /// The bf16 product (bf16 bit patterns in and out): exact products
  /// summed in f32, rounded once, as cuBLAS's bf16 GEMM with f32 compute.
  Status gemmStridedBatchedBf16(bool transA, bool transB, int64_t m, int64_t n,
                                int64_t k, const uint16_t *a, int64_t lda,
                                int64_t strideA, const uint16_t *b, int64_t ldb,
                                int64_t strideB, uint16_t *c, int64_t ldc,
                                int64_t strideC, int64_t batch) {
    for (int64_t p = 0; p < batch; ++p) {
      const uint16_t *ap = a + p * strideA, *bp = b + p * strideB;
      for (int64_t j = 0; j < n; ++j)
        for (int64_t i = 0; i < m; ++i) {
          float sum = 0;
          for (int64_t l = 0; l < k; ++l)
            sum += bf16Value(transA ? ap[l + i * lda] : ap[i + l * lda]) *
                   bf16Value(transB ? bp[j + l * ldb] : bp[l + j * ldb]);
          c[p * strideC + i + j * ldc] = bf16Bits(sum);
        }
    }
    return Status::success();
  }

private:
  int errorWord_ = 0;
  std::vector<double> scratch_; // double: aligned for every element type
};

} // namespace starch::rt::cuda

#endif // STARCH_RUNTIME_CUDA_HOSTEXEC_H
