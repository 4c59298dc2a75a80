//===- Kernels.h - The runtime kernels on device tensors --------*- C++ -*-===//
//
// The kernels of runtime/kernels with the same signatures, in namespace
// starch::rt::cuda, on tensors whose bytes are device memory (Arena::at,
// Arena::allocate, Tensor::view). Outputs are allocated by the caller, as on
// the CPU. Each call queues its work on the calling thread's DeviceContext
// stream and returns without waiting: argument errors come back at once,
// asynchronous failures and kernel errors (an out-of-range gather index) at
// the context's next synchronize() or copyToHost().
//
// Types: f32 and f64 everywhere, integers and i1 where the CPU kernel takes
// them; f16/bf16 only in the kernels that move bits (select, fill, broadcast,
// transpose, concat, slice, pad, gather); conv is not supported yet. See
// docs/cuda.md.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_KERNELS_H
#define STARCH_RUNTIME_CUDA_KERNELS_H

#include "runtime/Tensor.h"
#include "runtime/comm/Communicator.h"
#include "runtime/kernels/Attention.h"
#include "runtime/kernels/Conv.h"
#include "runtime/kernels/ElementwiseOps.h"
#include "runtime/kernels/Optimizer.h"
#include "runtime/kernels/Reduce.h"
#include "runtime/kernels/Resize.h"
#include "runtime/kernels/Status.h"
#include "runtime/kernels/TokenDistribution.h"

#include <vector>

namespace starch::rt::cuda {

// Collectives (Collective.h): over NCCL in a multi-rank run of a build
// with it (Nccl.h), else through the host; send/recv through the host.
Status allReduce(const Tensor &input, CollectiveOp op,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out);
Status reduceScatter(const Tensor &input, CollectiveOp op, int64_t dim,
                     const std::vector<int64_t> &groups, int64_t groupSize,
                     Tensor &out);
Status allGather(const Tensor &input, int64_t dim,
                 const std::vector<int64_t> &groups, int64_t groupSize,
                 Tensor &out);
Status localBlock(const Tensor &input, int64_t dim,
                  const std::vector<int64_t> &groups, int64_t groupSize,
                  Tensor &out);
Status tokenDistribution(const Tensor &bits, int64_t parts, int64_t block,
                         TokenStrategy strategy, Tensor &order,
                         Tensor &inverse);
Status send(const Tensor &input, const std::vector<int64_t> &pairs);
Status recv(const std::vector<int64_t> &pairs, Tensor &out);

// Elementwise (Elementwise.h).
Status unary(UnaryKind kind, const Tensor &input, Tensor &out);
Status binary(BinaryKind kind, const Tensor &lhs, const Tensor &rhs,
              Tensor &out);
Status compare(CompareKind kind, const Tensor &lhs, const Tensor &rhs,
               Tensor &out);
Status select(const Tensor &condition, const Tensor &onTrue,
              const Tensor &onFalse, Tensor &out);
Status convert(const Tensor &input, Tensor &out);
Status iota(int64_t dim, Tensor &out);
Status fill(double value, Tensor &out);

// Data movement (DataMovement.h).
Status broadcast(const Tensor &input, const std::vector<int64_t> &dims,
                 Tensor &out);
Status transpose(const Tensor &input, const std::vector<int64_t> &perm,
                 Tensor &out);
Status concat(const std::vector<Tensor> &inputs, int64_t axis, Tensor &out);
Status slice(const Tensor &input, const std::vector<int64_t> &start,
             const std::vector<int64_t> &strides, Tensor &out);
Status pad(const Tensor &input, const std::vector<int64_t> &low,
           const std::vector<int64_t> &high, double value, Tensor &out);
Status gather(const Tensor &data, const Tensor &indices, int64_t axis,
              Tensor &out, const Tensor *offset = nullptr);
Status scatterAdd(const Tensor &updates, const Tensor &indices, int64_t axis,
                  Tensor &out, const Tensor *offset = nullptr);

// Matmul (Matmul.h), through cuBLAS. gemm takes device pointers and returns
// a Status where the CPU's returns nothing.
Status matmul(const Tensor &lhs, const Tensor &rhs, bool transposeLhs,
              bool transposeRhs, Tensor &out, bool bf16 = false);
Status gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
            float alpha, const float *a, int64_t lda, const float *b,
            int64_t ldb, float beta, float *c, int64_t ldc);
Status gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
            double alpha, const double *a, int64_t lda, const double *b,
            int64_t ldb, double beta, double *c, int64_t ldc);

// Reductions, softmax and prefix sums (Reduce.h).
Status reduce(ReduceKind kind, const Tensor &input,
              const std::vector<int64_t> &dims, Tensor &out);
Status argmax(const Tensor &input, int64_t axis, Tensor &out);
Status softmax(const Tensor &input, int64_t axis, bool logarithm, Tensor &out);
Status cumsum(const Tensor &input, int64_t axis, bool exclusive, bool reverse,
              Tensor &out);

// Normalisation, rotary embedding, attention, convolution.
Status rmsNorm(const Tensor &input, const Tensor &weight, double epsilon,
               Tensor &out);
Status layerNorm(const Tensor &input, const Tensor &weight, const Tensor &bias,
                 int64_t axis, double epsilon, Tensor &out);
Status rope(const Tensor &input, const Tensor &cos, const Tensor &sin,
            Tensor &out);
Status attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *maskTensor, const Tensor *positions,
                 AttentionMask mask, double scale, Tensor &out,
                 int64_t window = 0, double softcap = 0);
Status resize(const Tensor &in, ResizeMode mode, ResizeCoordinates coordinates,
              ResizeNearest nearest, double cubicA, bool excludeOutside,
              const std::vector<double> &scales, Tensor &out);
Status resizeGrad(const Tensor &dOut, ResizeMode mode,
                  ResizeCoordinates coordinates, ResizeNearest nearest,
                  double cubicA, bool excludeOutside,
                  const std::vector<double> &scales, Tensor &dIn);
// Fused backward (NormGrad.h, AttentionGrad.h): null results are not
// computed.
Status rmsNormGrad(const Tensor &input, const Tensor &weight,
                   const Tensor &dOut, double epsilon, Tensor *dInput,
                   Tensor *dWeight);
Status layerNormGrad(const Tensor &input, const Tensor &weight,
                     const Tensor &dOut, int64_t axis, double epsilon,
                     Tensor *dInput, Tensor *dWeight, Tensor *dBias);
Status attentionGrad(const Tensor &query, const Tensor &key,
                     const Tensor &value, const Tensor *maskTensor,
                     const Tensor *positions, const Tensor &out,
                     const Tensor &dOut, AttentionMask mask, double scale,
                     Tensor *dQuery, Tensor *dKey, Tensor *dValue,
                     Tensor *dBias, int64_t window = 0, double softcap = 0);
// Loss and optimizer (Loss.h, Optimizer.h). A label out of range is reported
// at the context's next synchronize.
Status crossEntropy(const Tensor &logits, const Tensor &labels,
                    int64_t ignoreIndex, Tensor &out);
Status crossEntropyGrad(const Tensor &logits, const Tensor &labels,
                        const Tensor &cotangent, int64_t ignoreIndex,
                        Tensor &out);
Status crossEntropyBlock(const Tensor &logits, const Tensor &labels,
                         const Tensor &start, const Tensor &max, Tensor &out);
Status crossEntropyBlockGrad(const Tensor &logits, const Tensor &labels,
                             const Tensor &start, const Tensor &max,
                             const Tensor &cotangent, Tensor &out);
Status adamw(const Tensor &param, const Tensor &grad, const Tensor *gradScale,
             const Tensor &expAvg, const Tensor &expAvgSq, double lr,
             int64_t step, const AdamWHyper &hyper, Tensor &newParam,
             Tensor &newExpAvg, Tensor &newExpAvgSq);

/// Not supported on CUDA yet: always an error Status.
Status conv(const Tensor &input, const Tensor &filter, const ConvParams &params,
            Tensor &out);

} // namespace starch::rt::cuda

#endif // STARCH_RUNTIME_CUDA_KERNELS_H
