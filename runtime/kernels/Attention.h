//===- Attention.h - Scaled dot-product attention (GQA) ---------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_ATTENTION_H
#define STARCH_RUNTIME_KERNELS_ATTENTION_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

namespace starch::rt {

enum class AttentionMask : uint8_t { full, causal, additive, bitfield };

/// `query: B x Hq x S x D`, `key: B x Hkv x T x D`, `value: B x Hkv x T x Dv`
/// -> `out: B x Hq x S x Dv` = softmax(scale q k^T + mask) v, query head h
/// reading key/value head h / (Hq / Hkv). `causal`: key t visible to query s
/// iff t <= s + T - S. `maskTensor` is the tensor the mask reads and is
/// ignored (may be null) for `full` and `causal`: for `additive` the bias
/// (B|1 x Hq|1 x S x T, added to the scores), for `bitfield` the i64 mask
/// words (B x S, one per token; S == T), see bitfieldVisible. A query that
/// sees no key gives NaN, except under the bitfield mask, where its row is 0.
/// `positions` (may be null; S of i64, causal and bitfield masks only)
/// places query s at key positions[s] (queryPosition); the bitfield words
/// are then the keys' (B x T).
Status attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *maskTensor, const Tensor *positions,
                 AttentionMask mask, double scale, Tensor &out);

/// The sizes of an attention: `query: batch x heads x s x d`, `key: batch x
/// kvHeads x t x d`, `value: batch x kvHeads x t x dv`, and the broadcast
/// dimensions of an additive bias (1 without one).
struct AttentionShape {
  int64_t batch = 0, heads = 0, s = 0, d = 0, kvHeads = 0, t = 0, dv = 0;
  int64_t biasBatch = 1, biasHeads = 1;
  int64_t group() const { return heads / kvHeads; }
};

/// The argument rules of `attention`, shared with the CUDA driver
/// (Checks.h).
Status checkAttention(const Tensor &query, const Tensor &key,
                      const Tensor &value, const Tensor *maskTensor,
                      const Tensor *positions, AttentionMask mask,
                      const Tensor &out, AttentionShape &shape);
/// The part shared with `attentionGrad`: the operand shapes, and the mask
/// tensor (its message starts with `op`).
Status checkAttentionOperands(const char *op, const Tensor &query,
                              const Tensor &key, const Tensor &value,
                              const Tensor *maskTensor, const Tensor *positions,
                              AttentionMask mask, AttentionShape &shape);

/// Checks the mask tensor and the positions of `attention` and
/// `attentionGrad` (whose name `op` starts the message) against B, Hq, S
/// and T.
Status checkAttentionMaskTensor(const char *op, const Tensor *maskTensor,
                                const Tensor *positions, AttentionMask mask,
                                int64_t batch, int64_t heads, int64_t s,
                                int64_t t);

/// Fails when a position is outside `[0, t)` (the CPU kernels check the
/// values; the shapes are checkAttentionMaskTensor's).
Status checkPositionValues(const char *op, const Tensor *positions, int64_t t);

/// Where query row `si` of `s` sits among the `t` keys: `positions[si]`
/// when the attention has positions, else `si + t - s` (the queries are the
/// last `s` keys; `si` itself for self-attention).
STARCH_HOST_DEVICE inline int64_t
queryPosition(const int64_t *positions, int64_t si, int64_t s, int64_t t) {
  return positions ? positions[si] : si + t - s;
}

/// How many keys a query at key position `position` sees among `t`: all,
/// or with a causal mask those at `j <= position`.
STARCH_HOST_DEVICE inline int64_t visibleKeys(bool causal, int64_t position,
                                              int64_t t) {
  if (!causal)
    return t;
  int64_t visible = position + 1;
  return visible < 0 ? 0 : (visible > t ? t : visible);
}

/// The bits of a bitfield mask word that the rule reads, M(x): bit 0 (text)
/// and bits 1..61 (one per modality).
constexpr int64_t kBitfieldPayload = (int64_t(1) << 62) - 1;

/// Whether key `k` (mask word `keyBits`) is visible to query `q` (mask word
/// `queryBits`) under the bitfield mask: a text query (bit 0) sees the keys
/// at or before it that share a bit with it; any other query sees the keys
/// with exactly its bits, unless those are 0 (padding sees nothing).
STARCH_HOST_DEVICE inline bool
bitfieldVisible(int64_t queryBits, int64_t keyBits, int64_t q, int64_t k) {
  int64_t queryPayload = queryBits & kBitfieldPayload,
          keyPayload = keyBits & kBitfieldPayload;
  if (queryBits & 1)
    return k <= q && (queryPayload & keyPayload) != 0;
  return queryPayload == keyPayload && queryPayload != 0;
}

/// One past the last key that query `q` sees among the `t` tokens whose mask
/// words are `bits`: 0 when it sees none. Keys at or past it are all masked,
/// so kernels score only keys before it.
STARCH_HOST_DEVICE inline int64_t bitfieldKeyEnd(const int64_t *bits, int64_t t,
                                                 int64_t q) {
  int64_t last = (bits[q] & 1) ? (q < t - 1 ? q : t - 1) : t - 1;
  for (int64_t k = last; k >= 0; --k)
    if (bitfieldVisible(bits[q], bits[k], q, k))
      return k + 1;
  return 0;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_ATTENTION_H
