//===- Compute.cu - Matmul, reductions, norms, attention, loss, AdamW -----===//
#include "runtime/cuda/Kernels.h"
#include "runtime/cuda/Launch.cuh"

namespace starch::rt::cuda {

Status matmul(const Tensor &lhs, const Tensor &rhs, bool transposeLhs,
              bool transposeRhs, Tensor &out, bool bf16) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::matmul(exec, lhs, rhs, transposeLhs, transposeRhs, out,
                           bf16);
  });
}

Status gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
            float alpha, const float *a, int64_t lda, const float *b,
            int64_t ldb, float beta, float *c, int64_t ldc) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::gemm(exec, transA, transB, m, n, k, alpha, a, lda, b, ldb,
                         beta, c, ldc);
  });
}

Status gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
            double alpha, const double *a, int64_t lda, const double *b,
            int64_t ldb, double beta, double *c, int64_t ldc) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::gemm(exec, transA, transB, m, n, k, alpha, a, lda, b, ldb,
                         beta, c, ldc);
  });
}

Status reduce(ReduceKind kind, const Tensor &input,
              const std::vector<int64_t> &dims, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::reduce(exec, kind, input, dims, out);
  });
}

Status argmax(const Tensor &input, int64_t axis, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::argmax(exec, input, axis, out);
  });
}

Status softmax(const Tensor &input, int64_t axis, bool logarithm, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::softmax(exec, input, axis, logarithm, out);
  });
}

Status cumsum(const Tensor &input, int64_t axis, bool exclusive, bool reverse,
              Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::cumsum(exec, input, axis, exclusive, reverse, out);
  });
}

Status rmsNorm(const Tensor &input, const Tensor &weight, double epsilon,
               Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::rmsNorm(exec, input, weight, epsilon, out);
  });
}

Status layerNorm(const Tensor &input, const Tensor &weight, const Tensor &bias,
                 int64_t axis, double epsilon, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::layerNorm(exec, input, weight, bias, axis, epsilon, out);
  });
}

Status rope(const Tensor &input, const Tensor &cos, const Tensor &sin,
            Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::rope(exec, input, cos, sin, out);
  });
}

Status attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *maskTensor, const Tensor *positions,
                 AttentionMask mask, double scale, Tensor &out, int64_t window,
                 double softcap) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::attention(exec, query, key, value, maskTensor, positions,
                              mask, scale, out, window, softcap);
  });
}

Status resize(const Tensor &in, ResizeMode mode, ResizeCoordinates coordinates,
              ResizeNearest nearest, double cubicA, bool excludeOutside,
              const std::vector<double> &scales, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::resize(exec, in, mode, coordinates, nearest, cubicA,
                           excludeOutside, scales, out);
  });
}

Status resizeGrad(const Tensor &dOut, ResizeMode mode,
                  ResizeCoordinates coordinates, ResizeNearest nearest,
                  double cubicA, bool excludeOutside,
                  const std::vector<double> &scales, Tensor &dIn) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::resizeGrad(exec, dOut, mode, coordinates, nearest, cubicA,
                               excludeOutside, scales, dIn);
  });
}

Status rmsNormGrad(const Tensor &input, const Tensor &weight,
                   const Tensor &dOut, double epsilon, Tensor *dInput,
                   Tensor *dWeight) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::rmsNormGrad(exec, input, weight, dOut, epsilon, dInput,
                                dWeight);
  });
}

Status layerNormGrad(const Tensor &input, const Tensor &weight,
                     const Tensor &dOut, int64_t axis, double epsilon,
                     Tensor *dInput, Tensor *dWeight, Tensor *dBias) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::layerNormGrad(exec, input, weight, dOut, axis, epsilon,
                                  dInput, dWeight, dBias);
  });
}

Status attentionGrad(const Tensor &query, const Tensor &key,
                     const Tensor &value, const Tensor *maskTensor,
                     const Tensor *positions, const Tensor &out,
                     const Tensor &dOut, AttentionMask mask, double scale,
                     Tensor *dQuery, Tensor *dKey, Tensor *dValue,
                     Tensor *dBias, int64_t window, double softcap) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::attentionGrad(exec, query, key, value, maskTensor,
                                  positions, out, dOut, mask, scale, dQuery,
                                  dKey, dValue, dBias, window, softcap);
  });
}

Status crossEntropy(const Tensor &logits, const Tensor &labels,
                    int64_t ignoreIndex, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::crossEntropy(exec, logits, labels, ignoreIndex, out);
  });
}

Status crossEntropyGrad(const Tensor &logits, const Tensor &labels,
                        const Tensor &cotangent, int64_t ignoreIndex,
                        Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::crossEntropyGrad(exec, logits, labels, cotangent,
                                     ignoreIndex, out);
  });
}

Status crossEntropyBlock(const Tensor &logits, const Tensor &labels,
                         const Tensor &start, const Tensor &max, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::crossEntropyBlock(exec, logits, labels, start, max, out);
  });
}

Status crossEntropyBlockGrad(const Tensor &logits, const Tensor &labels,
                             const Tensor &start, const Tensor &max,
                             const Tensor &cotangent, Tensor &out) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::crossEntropyBlockGrad(exec, logits, labels, start, max,
                                          cotangent, out);
  });
}

Status adamw(const Tensor &param, const Tensor &grad, const Tensor *gradScale,
             const Tensor &expAvg, const Tensor &expAvgSq, double lr,
             int64_t step, const AdamWHyper &hyper, Tensor &newParam,
             Tensor &newExpAvg, Tensor &newExpAvgSq) {
  return onDevice([&](DeviceExec &exec) {
    return drivers::adamw(exec, param, grad, gradScale, expAvg, expAvgSq, lr,
                          step, hyper, newParam, newExpAvg, newExpAvgSq);
  });
}

Status conv(const Tensor &input, const Tensor &filter, const ConvParams &params,
            Tensor &out) {
  DeviceExec exec; // unsupported before any device is touched
  return drivers::conv(exec, input, filter, params, out);
}

} // namespace starch::rt::cuda
