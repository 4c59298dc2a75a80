//===- AttentionGrad.cpp - Backward of attention (GQA) --------------------===//
//
// One task per (batch, key/value head) owns that head's dKey and dValue and
// the dQuery rows of its group's query heads. It walks the group's query
// heads and blocks of kQueryBlock query rows in order; per block it
// recomputes the probabilities P (scores by gemm, then each row's softmax,
// in a scratch of kQueryBlock x T) over the keys [first, visible) that
// some row of the block sees (a causal block's keys up to its last row, a
// sliding window's from its first row's window on), then
//
//   dValue[first:visible] += P^T dOut     dS = P * (dOut V^T - delta)
//   dQuery = scale * dS K[first:visible]  dKey[first:visible] += scale dS^T Q
//
// with delta = sum(dOut * out) per row; under a softcap dS is also
// multiplied by the cap's slope (1 - tanh^2, kept from the recomputation)
// before dQuery and dKey. A bitfield mask's rows that see no key (padding)
// get P = 0, so they add nothing and their dQuery rows are 0. The block
// size is fixed, so the order of every accumulation is independent of the
// thread count. dBias,
// whose rows may be shared by several heads and batches when the bias
// broadcasts, is a second pass over bias rows built from the per-row
// functions of AttentionGrad.h.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/AttentionGrad.h"

#include "runtime/kernels/Checks.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Matmul.h"
#include "runtime/kernels/Parallel.h"
#include "runtime/kernels/Reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace starch::rt {

namespace {

/// Query rows per block: the scratch is two kQueryBlock x T matrices per
/// task, and the block size fixes the summation order of dKey and dValue.
constexpr int64_t kQueryBlock = 64;

template <typename T> struct Operands {
  const T *q, *k, *v, *bias, *o, *dO;
  T *dq, *dk, *dv, *dBias;
  const int64_t *bits;      // B x T words of a bitfield mask, else null
  const int64_t *positions; // the queries' key positions, or null
};

/// How the scores are shaped: the mask, its window, the scale and the
/// softcap (0: none).
template <typename T> struct Scoring {
  AttentionMask mask;
  int64_t window;
  T scale, softcap;
};

/// The dQuery, dKey and dValue of key/value head `kv` (= b * Hkv + head).
/// `slopes` is scratch like the other two, used under a softcap.
template <typename T>
void keyValueHeadGrad(const Operands<T> &x, const AttentionShape &sh,
                      const Scoring<T> &how, int64_t kv,
                      std::vector<T> &probabilities, std::vector<T> &dScores,
                      std::vector<T> &slopes) {
  int64_t b = kv / sh.kvHeads, kvHead = kv % sh.kvHeads;
  int64_t s = sh.s, t = sh.t, d = sh.d, dv = sh.dv;
  bool causal = how.mask == AttentionMask::causal;
  bool ranged = causal || how.window > 0;
  T scale = how.scale, cap = how.softcap;
  const T *kHead = x.k + kv * t * d, *vHead = x.v + kv * t * dv;
  T *dkHead = x.dk ? x.dk + kv * t * d : nullptr;
  T *dvHead = x.dv ? x.dv + kv * t * dv : nullptr;
  if (dkHead)
    std::fill(dkHead, dkHead + t * d, T(0));
  if (dvHead)
    std::fill(dvHead, dvHead + t * dv, T(0));
  bool needScores = x.dq || dkHead;
  bool sawNoKey = false;
  const int64_t *sequenceBits = x.bits ? x.bits + b * t : nullptr;
  auto position = [&](int64_t si) {
    return queryPosition(x.positions, si, s, t);
  };
  std::vector<int64_t> keyEnds(sequenceBits ? std::min(kQueryBlock, s) : 0);
  for (int64_t h = kvHead * sh.group(); h < (kvHead + 1) * sh.group(); ++h) {
    int64_t pair = b * sh.heads + h;
    for (int64_t row0 = 0; row0 < s; row0 += kQueryBlock) {
      int64_t rows = std::min(kQueryBlock, s - row0);
      const T *qBlock = x.q + (pair * s + row0) * d;
      const T *oBlock = x.o + (pair * s + row0) * dv;
      const T *dOBlock = x.dO + (pair * s + row0) * dv;
      T *dqBlock = x.dq ? x.dq + (pair * s + row0) * d : nullptr;
      // Rows of this block see keys [first, visible) at most.
      int64_t first = sequenceBits ? 0 : t, visible = 0;
      for (int64_t r = 0; r < rows; ++r) {
        if (sequenceBits) {
          keyEnds[r] = bitfieldKeyEnd(sequenceBits, t, position(row0 + r));
          visible = std::max(visible, keyEnds[r]);
          continue;
        }
        KeyRange range =
            visibleKeyRange(causal, how.window, position(row0 + r), t);
        sawNoKey |= range.begin == range.end;
        visible = std::max(visible, range.end);
        first = std::min(first, range.begin);
      }
      first = std::min(first, visible);
      int64_t width = visible - first; // scored keys first + j
      const T *kKeys = kHead + first * d, *vKeys = vHead + first * dv;
      if (width == 0) { // bitfield padding rows have zero gradients
        if (dqBlock)
          std::fill(dqBlock, dqBlock + rows * d,
                    sequenceBits ? T(0) : quietNaNOf<T>());
        continue;
      }
      T *p = probabilities.data();
      gemm(false, true, rows, width, d, scale, qBlock, d, kKeys, d, T(0), p,
           width);
      for (int64_t r = 0; r < rows; ++r) {
        T *row = p + r * width;
        int64_t si = row0 + r, qi = position(si);
        if (cap > T(0)) {
          T *slopeRow = slopes.data() + r * width;
          for (int64_t j = 0; j < width; ++j) {
            T ratio = std::tanh(row[j] / cap); // as keyScore
            row[j] = cap * ratio;
            slopeRow[j] = T(1) - ratio * ratio;
          }
        }
        if (x.bias) {
          int64_t bb = sh.biasBatch == 1 ? 0 : b;
          int64_t bh = sh.biasHeads == 1 ? 0 : h;
          // Biases go with full masks only: first is 0.
          const T *biasRow = x.bias + ((bb * sh.biasHeads + bh) * s + si) * t;
          for (int64_t j = 0; j < width; ++j)
            row[j] += biasRow[j];
        } else if (ranged) {
          KeyRange range = visibleKeyRange(causal, how.window, qi, t);
          for (int64_t j = 0; j < width; ++j)
            if (!range.contains(first + j))
              row[j] = -infinityOf<T>();
        } else if (sequenceBits) {
          if (keyEnds[r] == 0) { // sees no key: P = 0
            std::fill(row, row + width, T(0));
            continue;
          }
          for (int64_t j = 0; j < width; ++j)
            if (!bitfieldVisible(sequenceBits[qi], sequenceBits[j], qi, j))
              row[j] = -infinityOf<T>();
        }
        softmaxRow<T>(row, row, width, 1, false);
      }
      if (dvHead)
        gemm(true, false, width, dv, rows, T(1), p, width, dOBlock, dv, T(1),
             dvHead + first * dv, dv);
      if (!needScores)
        continue;
      T *ds = dScores.data();
      gemm(false, true, rows, width, dv, T(1), dOBlock, dv, vKeys, dv, T(0),
           ds, width);
      for (int64_t r = 0; r < rows; ++r) {
        double delta = 0;
        for (int64_t c = 0; c < dv; ++c)
          delta +=
              static_cast<double>(dOBlock[r * dv + c]) * oBlock[r * dv + c];
        T *dsRow = ds + r * width;
        const T *pRow = p + r * width;
        for (int64_t j = 0; j < width; ++j)
          dsRow[j] = pRow[j] * (dsRow[j] - static_cast<T>(delta));
        if (cap > T(0))
          for (int64_t j = 0; j < width; ++j)
            dsRow[j] *= slopes[r * width + j];
      }
      if (dqBlock)
        gemm(false, false, rows, d, width, scale, ds, width, kKeys, d, T(0),
             dqBlock, d);
      if (dkHead)
        gemm(true, false, width, d, rows, scale, ds, width, qBlock, d, T(1),
             dkHead + first * d, d);
    }
  }
  if (sawNoKey) { // the softmax of nothing is NaN, and so is its gradient
    if (dkHead)
      std::fill(dkHead, dkHead + t * d, quietNaNOf<T>());
    if (dvHead)
      std::fill(dvHead, dvHead + t * dv, quietNaNOf<T>());
  }
}

/// One row (b', h', si) of dBias: ds summed over the batches and heads that
/// read it, in order, recomputing each row's statistics.
template <typename T>
void biasRowGrad(const Operands<T> &x, const AttentionShape &sh, T scale,
                 T softcap, int64_t biasRow) {
  int64_t s = sh.s, t = sh.t, d = sh.d, dv = sh.dv;
  int64_t si = biasRow % s, bh = (biasRow / s) % sh.biasHeads,
          bb = biasRow / s / sh.biasHeads;
  const T *bias = x.bias + biasRow * t;
  T *out = x.dBias + biasRow * t;
  std::vector<double> sum(t, 0.0);
  int64_t b0 = sh.biasBatch == 1 ? 0 : bb,
          b1 = sh.biasBatch == 1 ? sh.batch : bb + 1;
  int64_t h0 = sh.biasHeads == 1 ? 0 : bh,
          h1 = sh.biasHeads == 1 ? sh.heads : bh + 1;
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t h = h0; h < h1; ++h) {
      int64_t row = (b * sh.heads + h) * s + si;
      int64_t kv = b * sh.kvHeads + h / sh.group();
      const T *q = x.q + row * d, *kHead = x.k + kv * t * d,
              *vHead = x.v + kv * t * dv;
      const T *oRow = x.o + row * dv, *dORow = x.dO + row * dv;
      AttentionRowStats stats = attentionRowStats(q, kHead, bias, oRow, dORow,
                                                  d, dv, t, scale, softcap);
      for (int64_t j = 0; j < t; ++j) {
        double p, ds;
        attentionScoreGrad(
            attentionScore(q, kHead + j * d, d, scale, softcap, bias[j]), stats,
            dORow, vHead + j * dv, dv, p, ds);
        sum[j] += ds;
      }
    }
  for (int64_t j = 0; j < t; ++j)
    out[j] = static_cast<T>(sum[j]);
}

template <typename T>
void attentionGradTyped(const Operands<T> &x, const AttentionShape &sh,
                        const Scoring<T> &how) {
  if (x.dq || x.dk || x.dv) {
    int64_t scratch = std::min(kQueryBlock, sh.s) * sh.t;
    parallelFor(sh.batch * sh.kvHeads, 1, [&](int64_t begin, int64_t end) {
      std::vector<T> probabilities(scratch), dScores(scratch),
          slopes(how.softcap > T(0) ? scratch : 0);
      for (int64_t kv = begin; kv < end; ++kv)
        keyValueHeadGrad(x, sh, how, kv, probabilities, dScores, slopes);
    });
  }
  if (x.dBias) {
    int64_t biasRows = sh.biasBatch * sh.biasHeads * sh.s;
    parallelFor(biasRows, 1, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row)
        biasRowGrad(x, sh, how.scale, how.softcap, row);
    });
  }
}

} // namespace

Status checkAttentionGrad(const Tensor &query, const Tensor &key,
                          const Tensor &value, const Tensor *maskTensor,
                          const Tensor *positions, const Tensor &out,
                          const Tensor &dOut, AttentionMask mask,
                          int64_t window, double softcap, const Tensor *dQuery,
                          const Tensor *dKey, const Tensor *dValue,
                          const Tensor *dBias, AttentionShape &shape) {
  if (Status st = checkAttentionOperands("attention_grad", query, key, value,
                                         maskTensor, positions, mask, window,
                                         softcap, shape);
      !st)
    return st;
  Shape outShape{shape.batch, shape.heads, shape.s, shape.dv};
  if (out.shape() != outShape || dOut.shape() != outShape)
    return Status::error("attention_grad: out and d_out must be " +
                         shapeString(outShape));
  bool additive = mask == AttentionMask::additive;
  DType dtype = query.dtype();
  for (const Tensor *t : {&key, &value, &out, &dOut})
    if (t->dtype() != dtype)
      return Status::error("attention_grad: operand types differ");
  if (additive && maskTensor->dtype() != dtype)
    return Status::error("attention_grad: operand types differ");
  // Each requested result has the type of the operand it belongs to.
  if (dBias && !additive)
    return Status::error("attention_grad: d_bias needs an additive mask");
  if (Status st = checkLike(dQuery, query, "attention_grad: d_query"); !st)
    return st;
  if (Status st = checkLike(dKey, key, "attention_grad: d_key"); !st)
    return st;
  if (Status st = checkLike(dValue, value, "attention_grad: d_value"); !st)
    return st;
  if (dBias)
    return checkLike(dBias, *maskTensor, "attention_grad: d_bias");
  return Status::success();
}

Status attentionGrad(const Tensor &query, const Tensor &key,
                     const Tensor &value, const Tensor *maskTensor,
                     const Tensor *positions, const Tensor &out,
                     const Tensor &dOut, AttentionMask mask, double scale,
                     Tensor *dQuery, Tensor *dKey, Tensor *dValue,
                     Tensor *dBias, int64_t window, double softcap) {
  AttentionShape shape;
  if (Status st = checkAttentionGrad(query, key, value, maskTensor, positions,
                                     out, dOut, mask, window, softcap, dQuery,
                                     dKey, dValue, dBias, shape);
      !st)
    return st;
  if (Status st = checkPositionValues("attention_grad", positions, shape.t);
      !st)
    return st;
  bool additive = mask == AttentionMask::additive;
  const Tensor *bias = additive ? maskTensor : nullptr;
  if (isHalf(query.dtype())) {
    Tensor wideBias = additive ? widenHalf(*bias) : Tensor();
    auto wideLike = [](Tensor *t) {
      return t ? Tensor(DType::f32, t->shape()) : Tensor();
    };
    Tensor dq = wideLike(dQuery), dk = wideLike(dKey), dv = wideLike(dValue),
           db = wideLike(dBias);
    if (Status st = attentionGrad(
            widenHalf(query), widenHalf(key), widenHalf(value),
            additive ? &wideBias : maskTensor, positions, widenHalf(out),
            widenHalf(dOut), mask, scale, dQuery ? &dq : nullptr,
            dKey ? &dk : nullptr, dValue ? &dv : nullptr, dBias ? &db : nullptr,
            window, softcap);
        !st)
      return st;
    for (auto [wide, narrow] : {std::pair{&dq, dQuery}, std::pair{&dk, dKey},
                                std::pair{&dv, dValue}, std::pair{&db, dBias}})
      if (narrow)
        narrowHalf(*wide, *narrow);
    return Status::success();
  }
  bool ok = dispatchFloat(query.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Operands<T> x{query.data<T>(),
                  key.data<T>(),
                  value.data<T>(),
                  additive ? bias->data<T>() : nullptr,
                  out.data<T>(),
                  dOut.data<T>(),
                  dQuery ? dQuery->data<T>() : nullptr,
                  dKey ? dKey->data<T>() : nullptr,
                  dValue ? dValue->data<T>() : nullptr,
                  dBias ? dBias->data<T>() : nullptr,
                  mask == AttentionMask::bitfield ? maskTensor->data<int64_t>()
                                                  : nullptr,
                  positions ? positions->data<int64_t>() : nullptr};
    attentionGradTyped(x, shape,
                       Scoring<T>{mask, window, static_cast<T>(scale),
                                  static_cast<T>(softcap)});
  });
  return ok ? Status::success() : Status::error("attention_grad needs floats");
}

} // namespace starch::rt
