//===- Launch.cuh - The device executor of Drivers.h -----------*- CUDA -*-===//
//
// DeviceExec launches each body as one grid-stride __global__ kernel on the
// current DeviceContext's stream and multiplies matrices with cuBLAS.
// Included only by the .cu files of the CUDA runtime.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_LAUNCH_CUH
#define STARCH_RUNTIME_CUDA_LAUNCH_CUH

#include "runtime/cuda/Device.h"
#include "runtime/cuda/Drivers.h"

#include <algorithm>

namespace starch::rt::cuda {

template <typename Body>
__global__ void gridStrideKernel(int64_t n, Body body) {
  int64_t step = static_cast<int64_t>(blockDim.x) * gridDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       i < n; i += step)
    body(i);
}

class DeviceExec {
public:
  /// Binds to the calling thread's current context.
  Status init() { return DeviceContext::current(context_); }

  template <typename Body> Status launch(int64_t n, const Body &body) {
    if (n <= 0)
      return Status::success();
    constexpr int64_t kThreads = 256;
    // Grid-stride: a bounded grid covers any n.
    int64_t blocks = std::min<int64_t>((n + kThreads - 1) / kThreads, 65535);
    gridStrideKernel<Body>
        <<<static_cast<unsigned>(blocks), static_cast<unsigned>(kThreads), 0,
           context_->stream()>>>(n, body);
    return check(cudaGetLastError(), "kernel launch");
  }

  int *errorWord() { return context_->errorWord(); }
  Status scratch(size_t bytes, void *&data) {
    return context_->scratch(bytes, data);
  }

  Status zero(void *data, size_t bytes) {
    if (!bytes)
      return Status::success();
    return check(cudaMemsetAsync(data, 0, bytes, context_->stream()),
                 "cudaMemsetAsync");
  }

  // Leading dimensions of 0 (an empty K) are raised to 1: nothing is read
  // through them, but cuBLAS rejects them.
  Status gemmStridedBatched(bool transA, bool transB, int64_t m, int64_t n,
                            int64_t k, float alpha, const float *a, int64_t lda,
                            int64_t strideA, const float *b, int64_t ldb,
                            int64_t strideB, float beta, float *c, int64_t ldc,
                            int64_t strideC, int64_t batch) {
    return check(cublasSgemmStridedBatched(
                     context_->cublas(), op(transA), op(transB), int(m), int(n),
                     int(k), &alpha, a, int(std::max<int64_t>(lda, 1)), strideA,
                     b, int(std::max<int64_t>(ldb, 1)), strideB, &beta, c,
                     int(std::max<int64_t>(ldc, 1)), strideC, int(batch)),
                 "cublasSgemmStridedBatched");
  }

  Status gemmStridedBatched(bool transA, bool transB, int64_t m, int64_t n,
                            int64_t k, double alpha, const double *a,
                            int64_t lda, int64_t strideA, const double *b,
                            int64_t ldb, int64_t strideB, double beta,
                            double *c, int64_t ldc, int64_t strideC,
                            int64_t batch) {
    return check(cublasDgemmStridedBatched(
                     context_->cublas(), op(transA), op(transB), int(m), int(n),
                     int(k), &alpha, a, int(std::max<int64_t>(lda, 1)), strideA,
                     b, int(std::max<int64_t>(ldb, 1)), strideB, &beta, c,
                     int(std::max<int64_t>(ldc, 1)), strideC, int(batch)),
                 "cublasDgemmStridedBatched");
  }

  /// bf16 operands and result, f32 accumulation (bf16 mixed precision).
  Status gemmStridedBatchedBf16(bool transA, bool transB, int64_t m, int64_t n,
                                int64_t k, const uint16_t *a, int64_t lda,
                                int64_t strideA, const uint16_t *b, int64_t ldb,
                                int64_t strideB, uint16_t *c, int64_t ldc,
                                int64_t strideC, int64_t batch) {
    float alpha = 1, beta = 0;
    return check(cublasGemmStridedBatchedEx(
                     context_->cublas(), op(transA), op(transB), int(m), int(n),
                     int(k), &alpha, a, CUDA_R_16BF,
                     int(std::max<int64_t>(lda, 1)), strideA, b, CUDA_R_16BF,
                     int(std::max<int64_t>(ldb, 1)), strideB, &beta, c,
                     CUDA_R_16BF, int(std::max<int64_t>(ldc, 1)), strideC,
                     int(batch), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                 "cublasGemmStridedBatchedEx");
  }

private:
  static cublasOperation_t op(bool trans) {
    return trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  }
  DeviceContext *context_ = nullptr;
};

/// Runs `driver(exec)` with a DeviceExec bound to the current context.
template <typename F> Status onDevice(F &&driver) {
  DeviceExec exec;
  if (Status s = exec.init(); !s)
    return s;
  return driver(exec);
}

} // namespace starch::rt::cuda

#endif // STARCH_RUNTIME_CUDA_LAUNCH_CUH
