//===- AttentionGrad.h - CUDA driver of the attention backward --*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_ATTENTIONGRAD_H
#define STARCH_RUNTIME_CUDA_DRIVERS_ATTENTIONGRAD_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/AttentionGrad.h"

namespace starch::rt::cuda::drivers {

/// Phase 1 saves each query row's softmax statistics and delta in scratch;
/// then one thread per query row (d_query), per key row (d_key, d_value)
/// and per bias element (d_bias), each summing in a fixed order. A bitfield
/// mask is evaluated per (query, key) in every phase.
template <typename Exec>
Status attentionGrad(Exec &exec, const Tensor &query, const Tensor &key,
                     const Tensor &value, const Tensor *maskTensor,
                     const Tensor *positions, const Tensor &out,
                     const Tensor &dOut, AttentionMask mask, double scale,
                     Tensor *dQuery, Tensor *dKey, Tensor *dValue,
                     Tensor *dBias, int64_t window = 0, double softcap = 0) {
  AttentionShape shape;
  if (Status st = checkAttentionGrad(query, key, value, maskTensor, positions,
                                     out, dOut, mask, window, softcap, dQuery,
                                     dKey, dValue, dBias, shape);
      !st)
    return st;
  if (isHalf(query.dtype()))
    return unsupportedDtype("attention_grad", query.dtype());
  bool additive = mask == AttentionMask::additive;
  int64_t queryRows = shape.batch * shape.heads * shape.s;
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
    args.bias = additive ? maskTensor->data<T>() : nullptr;
    args.bits =
        mask == AttentionMask::bitfield ? maskTensor->data<int64_t>() : nullptr;
    args.positions = positions ? positions->data<int64_t>() : nullptr;
    args.out = out.data<T>();
    args.dOut = dOut.data<T>();
    args.stats = stats;
    args.batch = shape.batch;
    args.heads = shape.heads;
    args.kvHeads = shape.kvHeads;
    args.s = shape.s;
    args.t = shape.t;
    args.d = shape.d;
    args.dv = shape.dv;
    args.biasBatch = shape.biasBatch;
    args.biasHeads = shape.biasHeads;
    args.scale = static_cast<T>(scale);
    args.softcap = static_cast<T>(softcap);
    args.window = window;
    args.causal = mask == AttentionMask::causal;
    status = exec.launch(queryRows, AttentionGradStatsBody<T>{args, stats});
    if (status && dQuery)
      status = exec.launch(queryRows,
                           AttentionGradQueryBody<T>{args, dQuery->data<T>()});
    if (status && (dKey || dValue))
      status = exec.launch(
          shape.batch * shape.kvHeads * shape.t,
          AttentionGradKeyValueBody<T>{args, dKey ? dKey->data<T>() : nullptr,
                                       dValue ? dValue->data<T>() : nullptr});
    if (status && dBias)
      status = exec.launch(dBias->numElements(),
                           AttentionGradBiasBody<T>{args, dBias->data<T>()});
  });
  return ok ? status : Status::error("attention_grad needs floats");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_ATTENTIONGRAD_H
