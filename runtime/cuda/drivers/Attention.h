//===- Attention.h - CUDA driver of attention (GQA) -------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_CUDA_DRIVERS_ATTENTION_H
#define STARCH_RUNTIME_CUDA_DRIVERS_ATTENTION_H

#include "runtime/cuda/drivers/Common.h"
#include "runtime/kernels/Attention.h"

namespace starch::rt::cuda::drivers {

/// One thread per query row; a bitfield mask is evaluated per (query, key).
template <typename Exec>
Status attention(Exec &exec, const Tensor &query, const Tensor &key,
                 const Tensor &value, const Tensor *maskTensor,
                 const Tensor *positions, AttentionMask mask, double scale,
                 Tensor &out, int64_t window = 0, double softcap = 0) {
  AttentionShape shape;
  if (Status st = checkAttention(query, key, value, maskTensor, positions, mask,
                                 window, softcap, out, shape);
      !st)
    return st;
  if (isHalf(query.dtype()))
    return unsupportedDtype("attention", query.dtype());
  bool additive = mask == AttentionMask::additive;
  Status status;
  bool ok = dispatchFloat(query.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    AttentionBody<T> body{};
    body.query = query.data<T>();
    body.key = key.data<T>();
    body.value = value.data<T>();
    body.bias = additive ? maskTensor->data<T>() : nullptr;
    body.bits =
        mask == AttentionMask::bitfield ? maskTensor->data<int64_t>() : nullptr;
    body.positions = positions ? positions->data<int64_t>() : nullptr;
    body.out = out.data<T>();
    body.heads = shape.heads;
    body.kvHeads = shape.kvHeads;
    body.s = shape.s;
    body.t = shape.t;
    body.d = shape.d;
    body.dv = shape.dv;
    body.biasBatch = shape.biasBatch;
    body.biasHeads = shape.biasHeads;
    body.scale = static_cast<T>(scale);
    body.softcap = static_cast<T>(softcap);
    body.window = window;
    body.causal = mask == AttentionMask::causal;
    status = exec.launch(shape.batch * shape.heads * shape.s, body);
  });
  return ok ? status : Status::error("attention needs floats");
}

} // namespace starch::rt::cuda::drivers

#endif // STARCH_RUNTIME_CUDA_DRIVERS_ATTENTION_H
