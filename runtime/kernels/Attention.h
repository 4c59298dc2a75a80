//===- Attention.h - Scaled dot-product attention (GQA) ---------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_ATTENTION_H
#define STARCH_RUNTIME_KERNELS_ATTENTION_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

namespace starch::rt {

enum class AttentionMask : uint8_t { full, causal, additive };

/// `query: B x Hq x S x D`, `key: B x Hkv x T x D`, `value: B x Hkv x T x Dv`
/// -> `out: B x Hq x S x Dv` = softmax(scale q k^T + mask) v, query head h
/// reading key/value head h / (Hq / Hkv). `causal`: key t visible to query s
/// iff t <= s + T - S. `additive`: `bias` (B|1 x Hq|1 x S x T) is added;
/// `bias` is ignored otherwise and may be null.
Status attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *bias, AttentionMask mask, double scale,
                 Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_ATTENTION_H
