//===- Attention.h - Scaled dot-product attention (GQA) ---------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_ATTENTION_H
#define STARCH_RUNTIME_KERNELS_ATTENTION_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

#include <cmath>

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
/// are then the keys' (B x T). `window` (> 0, full and causal masks only)
/// also hides the keys `window` or more positions away (visibleKeyRange);
/// `softcap` (> 0) caps the scaled scores to `softcap * tanh(s / softcap)`
/// before the mask is added (softcapped). 0 leaves either out.
Status attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *maskTensor, const Tensor *positions,
                 AttentionMask mask, double scale, Tensor &out,
                 int64_t window = 0, double softcap = 0);

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
                      int64_t window, double softcap, const Tensor &out,
                      AttentionShape &shape);
/// The part shared with `attentionGrad`: the operand shapes, the mask
/// tensor, the window and the softcap (its message starts with `op`).
Status checkAttentionOperands(const char *op, const Tensor &query,
                              const Tensor &key, const Tensor &value,
                              const Tensor *maskTensor, const Tensor *positions,
                              AttentionMask mask, int64_t window,
                              double softcap, AttentionShape &shape);

/// Checks the mask tensor and the positions of `attention` and
/// `attentionGrad` (whose name `op` starts the message) against B, Hq, S
/// and T, and that a window goes with a full or causal mask.
Status checkAttentionMaskTensor(const char *op, const Tensor *maskTensor,
                                const Tensor *positions, AttentionMask mask,
                                int64_t window, int64_t batch, int64_t heads,
                                int64_t s, int64_t t);

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

/// The keys `[begin, end)` of `t` that a query at key position `position`
/// sees (before a bitfield mask's rule): all; with a causal mask those at
/// `j <= position`; with a sliding window of `window` keys (0: none) only
/// those with `|position - j| < window`, so a causal query sees itself and
/// the `window - 1` keys before it. An empty range has `begin == end`.
struct KeyRange {
  int64_t begin, end;
  STARCH_HOST_DEVICE bool contains(int64_t j) const {
    return begin <= j && j < end;
  }
};
STARCH_HOST_DEVICE inline KeyRange
visibleKeyRange(bool causal, int64_t window, int64_t position, int64_t t) {
  auto clamp = [t](int64_t j) { return j < 0 ? 0 : (j > t ? t : j); };
  int64_t begin = 0, end = causal ? position + 1 : t;
  // A window wider than every distance to a key restricts nothing (and
  // would overflow below).
  int64_t reach = t + (position < 0 ? -position : position);
  if (window > 0 && window <= reach) {
    begin = position - window + 1;
    if (!causal)
      end = position + window;
  }
  end = clamp(end);
  begin = clamp(begin);
  return {begin < end ? begin : end, end};
}

/// A score soft-capped as Gemma2 does, `cap * tanh(score / cap)`; a cap of
/// 0 leaves the score as it is.
template <typename T> STARCH_HOST_DEVICE inline T softcapped(T score, T cap) {
  return cap > T(0) ? cap * std::tanh(score / cap) : score;
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
