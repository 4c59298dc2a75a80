//===- AttentionGrad.h - Backward of attention (GQA) ------------*- C++ -*-===//
//
// The kernel of starch.attention_grad. The probabilities are recomputed from
// the query and key rows; the score matrix is never stored. The per-row
// functions below (scores, row statistics, one probability's contribution)
// are shared with the CUDA kernels (runtime/cuda/Bodies.h) and with the
// CPU's bias-gradient pass.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_ATTENTIONGRAD_H
#define STARCH_RUNTIME_KERNELS_ATTENTIONGRAD_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Attention.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

#include <cmath>

namespace starch::rt {

/// Gradients of `attention(query, key, value, maskTensor, mask, scale)`
/// whose result was `out`, given `dOut`, the cotangent of that result:
/// `dQuery` (like the query), `dKey`, `dValue` (like key and value, summed
/// over the query heads of each group) and, for `mask == additive`, `dBias`
/// (like the bias `maskTensor`, summed over its broadcast batch/head
/// dimensions). Null outputs are not computed. Work is split by (batch,
/// key/value head) and the sums run in a fixed order, so the results do not
/// depend on the thread count. A query row that sees no key gives NaN in its
/// dQuery row and in its head's dKey and dValue, as the softmax of nothing
/// does; under the bitfield mask such a row (whose output is 0) gets a zero
/// dQuery row and adds nothing to dKey and dValue. `window` and `softcap`
/// are the forward's (`attention`); through the softcap, dBias is the
/// gradient of the capped scores and dQuery, dKey that of the scaled ones.
Status attentionGrad(const Tensor &query, const Tensor &key,
                     const Tensor &value, const Tensor *maskTensor,
                     const Tensor *positions, const Tensor &out,
                     const Tensor &dOut, AttentionMask mask, double scale,
                     Tensor *dQuery, Tensor *dKey, Tensor *dValue,
                     Tensor *dBias, int64_t window = 0, double softcap = 0);
/// The argument rules of `attentionGrad`, shared with the CUDA driver
/// (Checks.h).
Status checkAttentionGrad(const Tensor &query, const Tensor &key,
                          const Tensor &value, const Tensor *maskTensor,
                          const Tensor *positions, const Tensor &out,
                          const Tensor &dOut, AttentionMask mask,
                          int64_t window, double softcap, const Tensor *dQuery,
                          const Tensor *dKey, const Tensor *dValue,
                          const Tensor *dBias, AttentionShape &shape);

/// One query row's score of a key, and `slope`, the derivative of the score
/// with respect to the scaled product `scale * q . k` (1 without a softcap).
template <typename T> struct KeyScore {
  T score;
  T slope;
};

/// `softcapped(scale * q . k, softcap) + bias` of one query row and key row
/// of length `d` (`bias` is 0 without an additive mask, `softcap` 0 without
/// a cap), with its slope.
template <typename T>
STARCH_HOST_DEVICE inline KeyScore<T>
keyScore(const T *q, const T *k, int64_t d, T scale, T softcap, T bias) {
  T dot = T(0);
  for (int64_t c = 0; c < d; ++c)
    dot += q[c] * k[c];
  T scaled = scale * dot;
  if (!(softcap > T(0)))
    return {scaled + bias, T(1)};
  T ratio = std::tanh(scaled / softcap); // softcapped(scaled) / softcap
  return {softcap * ratio + bias, T(1) - ratio * ratio};
}

/// The score alone (keyScore).
template <typename T>
STARCH_HOST_DEVICE inline T attentionScore(const T *q, const T *k, int64_t d,
                                           T scale, T softcap, T bias) {
  return keyScore(q, k, d, scale, softcap, bias).score;
}

/// What the backward needs of one query row: the softmax's maximum and
/// inverse sum (so `p_j = exp(score_j - maximum) * inverseSum`) and
/// `delta = sum(dOut_row * out_row)`.
struct AttentionRowStats {
  double maximum;
  double inverseSum;
  double delta;
};

/// The keys from `begin` on are visible, up to the row's key end (full,
/// causal, additive; `begin` is a sliding window's first key).
struct KeysFrom {
  int64_t begin = 0;
  STARCH_HOST_DEVICE bool operator()(int64_t k) const { return k >= begin; }
};

/// The keys a bitfield mask lets query `q` of one sequence (mask words
/// `bits`) see.
struct BitfieldKeyVisible {
  const int64_t *bits;
  int64_t q;
  STARCH_HOST_DEVICE bool operator()(int64_t k) const {
    return bitfieldVisible(bits[q], bits[k], q, k);
  }
};

/// The statistics of one query row `q` against the first `visible` rows of
/// `kHead`, of which `keyVisible(j)` is true for the keys the mask lets it
/// see; `biasRow` (length >= visible) may be null. A row that sees no key,
/// or whose every score is -inf, gets a NaN inverse sum, so each of its
/// probabilities is NaN, as the forward's softmax (callers give bitfield
/// rows that see nothing zero statistics instead).
template <typename T, typename KeyVisible = KeysFrom>
STARCH_HOST_DEVICE inline AttentionRowStats
attentionRowStats(const T *q, const T *kHead, const T *biasRow, const T *outRow,
                  const T *dOutRow, int64_t d, int64_t dv, int64_t visible,
                  T scale, T softcap, KeyVisible keyVisible = {}) {
  AttentionRowStats stats{0.0, quietNaNOf<double>(), 0.0};
  for (int64_t c = 0; c < dv; ++c)
    stats.delta += static_cast<double>(dOutRow[c]) * outRow[c];
  if (visible == 0)
    return stats;
  T maximum = -infinityOf<T>();
  for (int64_t j = 0; j < visible; ++j) {
    if (!keyVisible(j))
      continue;
    T x = attentionScore(q, kHead + j * d, d, scale, softcap,
                         biasRow ? biasRow[j] : T(0));
    if (x > maximum || x != x)
      maximum = x;
  }
  if (maximum == -infinityOf<T>())
    maximum = T(0); // every score masked: exp(-inf) = 0 gives 0 / 0 = NaN
  double sum = 0;
  for (int64_t j = 0; j < visible; ++j)
    if (keyVisible(j))
      sum += std::exp(static_cast<double>(
                          attentionScore(q, kHead + j * d, d, scale, softcap,
                                         biasRow ? biasRow[j] : T(0))) -
                      static_cast<double>(maximum));
  stats.maximum = maximum;
  stats.inverseSum = sum > 0 ? 1.0 / sum : quietNaNOf<double>();
  return stats;
}

/// One score's probability `p` and gradient `ds = p * (dp - delta)` with
/// `dp = dOut_row . v` (length `dv`).
template <typename T>
STARCH_HOST_DEVICE inline void
attentionScoreGrad(T score, const AttentionRowStats &stats, const T *dOutRow,
                   const T *v, int64_t dv, double &p, double &ds) {
  p = std::exp(static_cast<double>(score) - stats.maximum) * stats.inverseSum;
  double dp = 0;
  for (int64_t c = 0; c < dv; ++c)
    dp += static_cast<double>(dOutRow[c]) * v[c];
  ds = p * (dp - stats.delta);
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_ATTENTIONGRAD_H
