//===- Bodies.h - What one CUDA thread computes -----------------*- C++ -*-===//
//
// Every CUDA kernel of the runtime is one grid-stride loop that calls a body
// `body(i)` for i in [0, n): an element, an output row, a query row. The
// bodies are plain structs of pointers and sizes with a STARCH_HOST_DEVICE
// call operator built from the scalar and row functions the CPU kernels use
// (ElementwiseOps.h, Reduce.h, Norm.h, NormGrad.h, Rope.h, AttentionGrad.h), so
// g++ compiles them too and HostExec runs them on the CPU, where tests compare
// them with the CPU kernels.
//
// Plain C++17: no CUDA header is needed to include this file.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_CUDA_BODIES_H
#define STARCH_RUNTIME_CUDA_BODIES_H

#include "runtime/cuda/KernelError.h"
#include "runtime/kernels/AttentionGrad.h"
#include "runtime/kernels/Bf16.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/DataMovement.h"
#include "runtime/kernels/ElementwiseOps.h"
#include "runtime/kernels/Loss.h"
#include "runtime/kernels/Norm.h"
#include "runtime/kernels/NormGrad.h"
#include "runtime/kernels/Optimizer.h"
#include "runtime/kernels/Reduce.h"
#include "runtime/kernels/Rope.h"

#include <cstdint>
#include <type_traits>

namespace starch::rt::cuda {

/// The largest rank the index-arithmetic kernels take (shapes are passed by
/// value in the kernel arguments).
constexpr int kMaxRank = 8;

/// Records `code` in the error word unless an earlier error is there.
STARCH_HOST_DEVICE inline void raiseKernelError(int *word, int code) {
#if defined(__CUDA_ARCH__)
  atomicCAS(word, 0, code);
#else
  if (*word == 0)
    *word = code;
#endif
}

//===--- Elementwise ------------------------------------------------------===//

template <UnaryKind K, typename T> struct UnaryBody {
  const T *in;
  T *out;
  bool isBool; // i1 arithmetic is modulo 2
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    T result = unaryScalar<K, T>(in[i]);
    if constexpr (std::is_integral_v<T>)
      if (isBool)
        result = static_cast<T>(result & 1);
    out[i] = result;
  }
};

template <BinaryKind K, typename T> struct BinaryBody {
  const T *lhs, *rhs;
  T *out;
  bool isBool; // i1 arithmetic is modulo 2
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    T result = binaryScalar<K, T>(lhs[i], rhs[i]);
    if constexpr (std::is_integral_v<T>)
      if (isBool)
        result = static_cast<T>(result & 1);
    out[i] = result;
  }
};

template <CompareKind K, typename T> struct CompareBody {
  const T *lhs, *rhs;
  uint8_t *out;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    out[i] = compareScalar<K, T>(lhs[i], rhs[i]);
  }
};

/// `U` is an unsigned type of the element size: select moves bits.
template <typename U> struct SelectBody {
  const uint8_t *condition;
  const U *onTrue, *onFalse;
  U *out;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    out[i] = condition[i] ? onTrue[i] : onFalse[i];
  }
};

template <typename D, typename S, bool ToBool> struct ConvertBody {
  const S *in;
  D *out;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    out[i] = convertElement<D, S, ToBool>(in[i]);
  }
};

/// f32 to bf16 bit patterns (round to nearest even), and back.
struct NarrowBf16Body {
  const float *in;
  uint16_t *out;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    out[i] = bf16Bits(in[i]);
  }
};
struct WidenBf16Body {
  const uint16_t *in;
  float *out;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    out[i] = bf16Value(in[i]);
  }
};

template <typename T, bool ToBool> struct IotaBody {
  T *out;
  int64_t inner, size;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    out[i] = convertElement<T, int64_t, ToBool>(iotaIndex(i, inner, size));
  }
};

/// Every element set to the same bit pattern (converted on the host).
template <typename U> struct FillBody {
  U *out;
  U value;
  STARCH_HOST_DEVICE void operator()(int64_t i) const { out[i] = value; }
};

//===--- Data movement ----------------------------------------------------===//

/// A strided window: element `idx` of `shape` (row-major) moves from
/// `in[sum idx_d * inStrides[d]]` to `out[sum idx_d * outStrides[d]]`.
struct StridedWindow {
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t inStrides[kMaxRank] = {};
  int64_t outStrides[kMaxRank] = {};
};

template <typename U> struct CopyBody {
  const U *in; // at the window's origin
  U *out;      // at the window's origin
  StridedWindow window;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    int64_t inOffset = 0, outOffset = 0, rest = i;
    for (int d = window.rank - 1; d >= 0; --d) {
      int64_t index = rest % window.shape[d];
      rest /= window.shape[d];
      inOffset += index * window.inStrides[d];
      outOffset += index * window.outStrides[d];
    }
    out[outOffset] = in[inOffset];
  }
};

/// ONNX Gather over `outer x count x inner` output elements; an index out of
/// range writes 0 and raises kGatherIndexOutOfRange. With a block `offset`
/// (device memory, or null) an index outside the block writes 0.
template <typename U, typename I> struct GatherBody {
  const U *data;
  const I *indices;
  U *out;
  int64_t count, inner, axisSize;
  int *errorWord;
  int errorCode;
  const I *offset;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    int64_t element = i % inner, j = (i / inner) % count,
            o = i / (inner * count);
    int64_t index = gatherPosition(
        static_cast<int64_t>(indices[j]), axisSize, offset != nullptr,
        offset ? static_cast<int64_t>(offset[0]) : 0);
    if (index < 0) {
      out[i] = U(0);
      if (index == kIndexOutOfRange)
        raiseKernelError(errorWord, errorCode);
      return;
    }
    out[i] = data[(o * axisSize + index) * inner + element];
  }
};

/// scatter_add, one call per (outer, inner element) column of the result:
/// zeroes its column, then adds the updates in index order (so no two
/// threads write one element, and the sums are deterministic). An index out
/// of range raises the gather error and adds nothing; one outside the
/// block (with `offset`) adds nothing.
template <typename T, typename I> struct ScatterAddBody {
  const T *updates;
  const I *indices;
  T *out;
  int64_t count, inner, axisSize;
  int *errorWord;
  int errorCode;
  const I *offset;
  STARCH_HOST_DEVICE void operator()(int64_t column) const {
    int64_t element = column % inner, o = column / inner;
    for (int64_t r = 0; r < axisSize; ++r)
      out[(o * axisSize + r) * inner + element] = T(0);
    int64_t first = offset ? static_cast<int64_t>(offset[0]) : 0;
    for (int64_t j = 0; j < count; ++j) {
      int64_t index = gatherPosition(static_cast<int64_t>(indices[j]), axisSize,
                                     offset != nullptr, first);
      if (index < 0) {
        if (index == kIndexOutOfRange)
          raiseKernelError(errorWord, errorCode);
        continue;
      }
      out[(o * axisSize + index) * inner + element] +=
          updates[(o * count + j) * inner + element];
    }
  }
};

//===--- Reductions and rows ----------------------------------------------===//

/// An index space split into the kept dimensions (one output each) and the
/// reduced ones (combined in row-major order, as the CPU's transposed rows).
struct ReduceLayout {
  int keptRank = 0, reducedRank = 0;
  int64_t keptShape[kMaxRank] = {}, keptStrides[kMaxRank] = {};
  int64_t reducedShape[kMaxRank] = {}, reducedStrides[kMaxRank] = {};
  int64_t rowLength = 1;
};

STARCH_HOST_DEVICE inline int64_t offsetOf(int64_t index, int rank,
                                           const int64_t *shape,
                                           const int64_t *strides) {
  int64_t offset = 0;
  for (int d = rank - 1; d >= 0; --d) {
    offset += (index % shape[d]) * strides[d];
    index /= shape[d];
  }
  return offset;
}

template <typename T> struct ReduceBody {
  const T *in;
  T *out;
  ReduceKind kind;
  bool isBool;
  ReduceLayout layout;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    const T *base =
        in + offsetOf(i, layout.keptRank, layout.keptShape, layout.keptStrides);
    const ReduceLayout &l = layout;
    T result = reduceElements<T>(kind, l.rowLength, [base, &l](int64_t r) {
      return base[offsetOf(r, l.reducedRank, l.reducedShape, l.reducedStrides)];
    });
    if (isBool)
      result = result != T(0);
    out[i] = result;
  }
};

/// One output per (outer, inner) pair; `I` is int32_t or int64_t.
template <typename T, typename I> struct ArgmaxBody {
  const T *in;
  I *out;
  int64_t n, inner;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    const T *row = in + (i / inner) * n * inner + i % inner;
    out[i] = static_cast<I>(argmaxElements<T>(row, n, inner));
  }
};

template <typename T> struct SoftmaxBody {
  const T *in;
  T *out;
  int64_t n, inner;
  bool logarithm;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    int64_t offset = (i / inner) * n * inner + i % inner;
    softmaxRow<T>(in + offset, out + offset, n, inner, logarithm);
  }
};

/// One line along the axis per call: `outer x n x inner` elements, line `i`
/// starting at `(i / inner) * n * inner + i % inner` with stride `inner`.
template <typename T> struct CumsumBody {
  const T *in;
  T *out;
  int64_t n, inner;
  bool exclusive, reverse;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    int64_t offset = (i / inner) * n * inner + i % inner;
    cumsumLine<T>(in + offset, out + offset, n, inner, exclusive, reverse);
  }
};

template <typename T> struct RmsNormBody {
  const T *in, *weight;
  T *out;
  int64_t n;
  double epsilon;
  STARCH_HOST_DEVICE void operator()(int64_t row) const {
    rmsNormRow<T>(in + row * n, weight, out + row * n, n, epsilon);
  }
};

template <typename T> struct LayerNormBody {
  const T *in, *weight, *bias;
  T *out;
  int64_t n;
  double epsilon;
  STARCH_HOST_DEVICE void operator()(int64_t row) const {
    layerNormRow<T>(in + row * n, weight, bias, out + row * n, n, epsilon);
  }
};

/// One row of D elements of `B x H x S x D`; tables are `B x S x D`.
template <typename T> struct RopeBody {
  const T *in, *cos, *sin;
  T *out;
  int64_t heads, s, d;
  STARCH_HOST_DEVICE void operator()(int64_t row) const {
    int64_t batch = row / (heads * s), position = row % s;
    int64_t table = (batch * s + position) * d;
    ropeRow<T>(in + row * d, cos + table, sin + table, out + row * d, d);
  }
};

//===--- Attention --------------------------------------------------------===//

/// One query row of `B x Hq x S x D` per call: scores, softmax (as
/// softmaxRow: max, exp in T, sum in double, one reciprocal) and the
/// weighted sum of values, recomputing each score instead of storing the
/// row (no scratch memory, any key count). Keys outside the row's range
/// (causal, sliding window) and, under a bitfield mask, those the rule hides
/// are skipped; a bitfield row that sees none is 0.
template <typename T> struct AttentionBody {
  const T *query, *key, *value;
  const T *bias; // B|1 x Hq|1 x S x T when the mask is additive, else null
  const int64_t *bits;      // B x T words when the mask is bitfield, else null
  const int64_t *positions; // the queries' key positions, or null
  T *out;
  int64_t heads, kvHeads, s, t, d, dv;
  int64_t biasBatch, biasHeads; // bias dims 0 and 1 (1 or B, 1 or Hq)
  T scale, softcap;             // softcap 0: none
  int64_t window;               // 0: none
  bool causal;

  STARCH_HOST_DEVICE T score(const T *q, const T *kHead, const T *biasRow,
                             int64_t j) const {
    return attentionScore(q, kHead + j * d, d, scale, softcap,
                          biasRow ? biasRow[j] : T(0));
  }

  /// Whether the query at key position `qi` sees key `j`: always, but for a
  /// bitfield mask (the words of the sequence in `sequenceBits`) as its rule
  /// says.
  STARCH_HOST_DEVICE bool seen(const int64_t *sequenceBits, int64_t qi,
                               int64_t j) const {
    return !sequenceBits ||
           bitfieldVisible(sequenceBits[qi], sequenceBits[j], qi, j);
  }

  STARCH_HOST_DEVICE void operator()(int64_t row) const {
    int64_t pair = row / s, si = row % s;
    int64_t b = pair / heads, h = pair % heads;
    int64_t kv = b * kvHeads + h / (heads / kvHeads);
    const T *q = query + row * d;
    const T *kHead = key + kv * t * d, *vHead = value + kv * t * dv;
    T *o = out + row * dv;
    // Causal, windowed: the keys of the row's range. Bitfield: keys before
    // the row's key end, as the rule says.
    int64_t qi = queryPosition(positions, si, s, t);
    KeyRange range = visibleKeyRange(causal, window, qi, t);
    int64_t first = range.begin, visible = range.end;
    const int64_t *sequenceBits = bits ? bits + b * t : nullptr;
    if (bits)
      visible = bitfieldKeyEnd(sequenceBits, t, qi);
    if (first == visible)
      visible = 0;
    if (visible == 0) { // every key masked: softmax is 0 / 0, but a bitfield
                        // mask's padding rows are 0
      for (int64_t c = 0; c < dv; ++c)
        o[c] = bits ? T(0) : quietNaNOf<T>();
      return;
    }
    const T *biasRow = nullptr;
    if (bias) {
      int64_t bb = biasBatch == 1 ? 0 : b, bh = biasHeads == 1 ? 0 : h;
      biasRow = bias + ((bb * biasHeads + bh) * s + si) * t;
    }
    T maximum = -infinityOf<T>();
    for (int64_t j = first; j < visible; ++j) {
      if (!seen(sequenceBits, qi, j))
        continue;
      T x = score(q, kHead, biasRow, j);
      if (x > maximum || x != x)
        maximum = x;
    }
    if (maximum == -infinityOf<T>())
      maximum = T(0); // every score masked: exp(-inf) = 0 gives 0 / 0 = NaN
    double sum = 0;
    for (int64_t j = first; j < visible; ++j)
      if (seen(sequenceBits, qi, j))
        sum += static_cast<T>(std::exp(score(q, kHead, biasRow, j) - maximum));
    T inverse = static_cast<T>(1.0 / sum);
    for (int64_t c = 0; c < dv; ++c)
      o[c] = T(0);
    for (int64_t j = first; j < visible; ++j) {
      if (!seen(sequenceBits, qi, j))
        continue;
      T p = static_cast<T>(std::exp(score(q, kHead, biasRow, j) - maximum)) *
            inverse;
      const T *v = vHead + j * dv;
      for (int64_t c = 0; c < dv; ++c)
        o[c] += p * v[c];
    }
  }
};

//===--- Fused backward ---------------------------------------------------===//

/// Norm backward, phase 1 (one call per row): the row's statistics into
/// `stats` and, when `dx` is not null, its input gradient.
template <typename T> struct NormGradRowBody {
  const T *in, *weight, *dOut;
  T *dx; // may be null
  NormRowStats *stats;
  int64_t n;
  double epsilon;
  bool centered; // layer norm
  STARCH_HOST_DEVICE void operator()(int64_t row) const {
    const T *x = in + row * n;
    if (dx)
      stats[row] = normInputGradRow<T>(x, weight, dOut + row * n, dx + row * n,
                                       n, epsilon, centered);
    else
      stats[row] = centered ? layerNormStats<T>(x, n, epsilon)
                            : rmsNormStats<T>(x, n, epsilon);
  }
};

/// Norm backward, phase 2 (one call per column): the weight (and bias)
/// gradient summed over the rows in row order.
template <typename T> struct NormParamGradBody {
  const T *in, *dOut;
  const NormRowStats *stats;
  T *dWeight, *dBias; // either may be null
  int64_t rows, n;
  STARCH_HOST_DEVICE void operator()(int64_t c) const {
    normParamGradColumn<T>(in, dOut, stats, rows, n, c, dWeight, dBias);
  }
};

/// The operands of the attention backward bodies (`B x Hq x S x D` queries,
/// `B x Hkv x T x D` keys, `B x Hkv x T x Dv` values).
template <typename T> struct AttentionGradArgs {
  const T *query, *key, *value;
  const T *bias;            // B|1 x Hq|1 x S x T when additive, else null
  const int64_t *bits;      // B x T words when the mask is bitfield, else null
  const int64_t *positions; // the queries' key positions, or null
  const T *out, *dOut;
  const AttentionRowStats *stats; // one per query row, from the stats body
  int64_t batch, heads, kvHeads, s, t, d, dv;
  int64_t biasBatch, biasHeads;
  T scale, softcap; // softcap 0: none
  int64_t window;   // 0: none
  bool causal;

  /// The key position of query `si`.
  STARCH_HOST_DEVICE int64_t position(int64_t si) const {
    return queryPosition(positions, si, s, t);
  }
  /// The keys query `si` sees before a bitfield mask's rule.
  STARCH_HOST_DEVICE KeyRange range(int64_t si) const {
    return visibleKeyRange(causal, window, position(si), t);
  }
  /// One past the last key query `si` of sequence `b` may see; 0 when it
  /// sees none.
  STARCH_HOST_DEVICE int64_t keyEnd(int64_t b, int64_t si) const {
    if (bits)
      return bitfieldKeyEnd(bits + b * t, t, position(si));
    KeyRange keys = range(si);
    return keys.begin == keys.end ? 0 : keys.end;
  }
  /// Whether query `si` of sequence `b` sees key `j` (before its key end):
  /// within its range, and under a bitfield mask as its rule says.
  STARCH_HOST_DEVICE bool sees(int64_t b, int64_t si, int64_t j) const {
    int64_t qi = position(si);
    if (bits)
      return bitfieldVisible(bits[b * t + qi], bits[b * t + j], qi, j);
    return range(si).contains(j);
  }
  STARCH_HOST_DEVICE const T *biasRow(int64_t b, int64_t h, int64_t si) const {
    if (!bias)
      return nullptr;
    int64_t bb = biasBatch == 1 ? 0 : b, bh = biasHeads == 1 ? 0 : h;
    return bias + ((bb * biasHeads + bh) * s + si) * t;
  }
  /// p and ds of query row `row` (= (b * Hq + h) * S + si) against key `j`
  /// of key/value head `kv`, and the slope of its softcap (keyScore).
  STARCH_HOST_DEVICE void scoreGrad(int64_t row, int64_t kv, int64_t j,
                                    const T *biasRow, double &p, double &ds,
                                    T &slope) const {
    KeyScore<T> scored = keyScore(query + row * d, key + (kv * t + j) * d, d,
                                  scale, softcap, biasRow ? biasRow[j] : T(0));
    slope = scored.slope;
    attentionScoreGrad(scored.score, stats[row], dOut + row * dv,
                       value + (kv * t + j) * dv, dv, p, ds);
  }
};

/// Attention backward, phase 1 (one call per query row): the row's softmax
/// statistics and delta = sum(dOut * out), saved for the other phases. A
/// bitfield row that sees no key gets a zero inverse sum: its p are 0.
template <typename T> struct AttentionGradStatsBody {
  AttentionGradArgs<T> a;
  AttentionRowStats *stats;
  STARCH_HOST_DEVICE void operator()(int64_t row) const {
    int64_t pair = row / a.s, si = row % a.s;
    int64_t b = pair / a.heads, h = pair % a.heads;
    int64_t kv = b * a.kvHeads + h / (a.heads / a.kvHeads);
    const T *q = a.query + row * a.d, *kHead = a.key + kv * a.t * a.d;
    const T *outRow = a.out + row * a.dv, *dOutRow = a.dOut + row * a.dv;
    int64_t end = a.keyEnd(b, si);
    if (!a.bits) {
      stats[row] = attentionRowStats(q, kHead, a.biasRow(b, h, si), outRow,
                                     dOutRow, a.d, a.dv, end, a.scale,
                                     a.softcap, KeysFrom{a.range(si).begin});
      return;
    }
    AttentionRowStats rowStats =
        attentionRowStats(q, kHead, static_cast<const T *>(nullptr), outRow,
                          dOutRow, a.d, a.dv, end, a.scale, a.softcap,
                          BitfieldKeyVisible{a.bits + b * a.t, a.position(si)});
    if (end == 0)
      rowStats.inverseSum = 0;
    stats[row] = rowStats;
  }
};

/// Attention backward, d_query (one call per query row):
/// scale * sum_j ds_j k_j over the visible keys; NaN for a row that sees none
/// (0 under a bitfield mask).
template <typename T> struct AttentionGradQueryBody {
  AttentionGradArgs<T> a;
  T *dQuery;
  STARCH_HOST_DEVICE void operator()(int64_t row) const {
    int64_t pair = row / a.s, si = row % a.s;
    int64_t b = pair / a.heads, h = pair % a.heads;
    int64_t kv = b * a.kvHeads + h / (a.heads / a.kvHeads);
    int64_t visible = a.keyEnd(b, si);
    int64_t first = a.bits || !visible ? 0 : a.range(si).begin;
    T *dq = dQuery + row * a.d;
    for (int64_t c = 0; c < a.d; ++c)
      dq[c] = visible || a.bits ? T(0) : quietNaNOf<T>();
    const T *biasRow = a.biasRow(b, h, si);
    for (int64_t j = first; j < visible; ++j) {
      if (!a.sees(b, si, j))
        continue;
      double p, ds;
      T slope;
      a.scoreGrad(row, kv, j, biasRow, p, ds, slope);
      const T *k = a.key + (kv * a.t + j) * a.d;
      T factor = static_cast<T>(ds) * slope * a.scale;
      for (int64_t c = 0; c < a.d; ++c)
        dq[c] += factor * k[c];
    }
  }
};

/// Attention backward, d_key and d_value (one call per key row of
/// `B x Hkv x T`): sums over the group's query heads and the query rows that
/// see the key, in order. With a causal mask and S > T some query sees no
/// key, and the whole head is NaN, as the softmax of nothing makes it; a
/// bitfield mask's padding rows see no key and add nothing.
template <typename T> struct AttentionGradKeyValueBody {
  AttentionGradArgs<T> a;
  T *dKey, *dValue; // either may be null
  STARCH_HOST_DEVICE void operator()(int64_t keyRow) const {
    int64_t kv = keyRow / a.t, j = keyRow % a.t;
    int64_t b = kv / a.kvHeads, group = a.heads / a.kvHeads;
    int64_t h0 = (kv % a.kvHeads) * group;
    T *dk = dKey ? dKey + keyRow * a.d : nullptr;
    T *dv = dValue ? dValue + keyRow * a.dv : nullptr;
    // A query that sees no key makes the head NaN, as on the CPU: without
    // positions the first row's range is the emptiest (lowest position);
    // positions always see their own key.
    bool someRowSeesNothing = !a.bits && !a.positions && a.keyEnd(b, 0) == 0;
    T initial = someRowSeesNothing ? quietNaNOf<T>() : T(0);
    for (int64_t c = 0; dk && c < a.d; ++c)
      dk[c] = initial;
    for (int64_t c = 0; dv && c < a.dv; ++c)
      dv[c] = initial;
    // Key j is visible to query si iff j <= its position (si + T - S
    // without positions, so the rows before that are skipped).
    int64_t firstRow = a.causal && !a.positions ? j - (a.t - a.s) : 0;
    firstRow = firstRow < 0 ? 0 : firstRow;
    for (int64_t h = h0; h < h0 + group; ++h)
      for (int64_t si = firstRow; si < a.s; ++si) {
        if (!a.sees(b, si, j))
          continue;
        int64_t row = (b * a.heads + h) * a.s + si;
        double p, ds;
        T slope;
        a.scoreGrad(row, kv, j, a.biasRow(b, h, si), p, ds, slope);
        if (dv) {
          const T *dO = a.dOut + row * a.dv;
          for (int64_t c = 0; c < a.dv; ++c)
            dv[c] += static_cast<T>(p) * dO[c];
        }
        if (dk) {
          const T *q = a.query + row * a.d;
          T factor = static_cast<T>(ds) * slope * a.scale;
          for (int64_t c = 0; c < a.d; ++c)
            dk[c] += factor * q[c];
        }
      }
  }
};

/// Attention backward, d_bias (one call per bias element of
/// `B|1 x Hq|1 x S x T`): ds summed over the batches and heads that read it.
template <typename T> struct AttentionGradBiasBody {
  AttentionGradArgs<T> a;
  T *dBias;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    int64_t j = i % a.t, si = (i / a.t) % a.s;
    int64_t bh = (i / (a.t * a.s)) % a.biasHeads,
            bb = i / (a.t * a.s * a.biasHeads);
    int64_t b0 = a.biasBatch == 1 ? 0 : bb,
            b1 = a.biasBatch == 1 ? a.batch : bb + 1;
    int64_t h0 = a.biasHeads == 1 ? 0 : bh,
            h1 = a.biasHeads == 1 ? a.heads : bh + 1;
    double sum = 0;
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t h = h0; h < h1; ++h) {
        int64_t row = (b * a.heads + h) * a.s + si;
        int64_t kv = b * a.kvHeads + h / (a.heads / a.kvHeads);
        double p, ds;
        T slope; // the bias is added after the cap: ds is its gradient
        a.scoreGrad(row, kv, j, a.biasRow(b, h, si), p, ds, slope);
        sum += ds;
      }
    dBias[i] = static_cast<T>(sum);
  }
};

//===--- Loss and optimizer -----------------------------------------------===//

/// Whether row `r` is scored: its label is not the ignore index. A label
/// outside [0, classes) raises kLabelOutOfRange and the row is not scored.
template <typename I>
STARCH_HOST_DEVICE inline bool scoredLabel(const I *labels, int64_t r,
                                           int64_t classes, int64_t ignoreIndex,
                                           int *errorWord, int64_t &label) {
  label = static_cast<int64_t>(labels[r]);
  if (label == ignoreIndex)
    return false;
  if (label < 0 || label >= classes) {
    raiseKernelError(errorWord, kLabelOutOfRange);
    return false;
  }
  return true;
}

/// Cross-entropy, phase 1 (one call per row): the row's term, 0 when the row
/// is not scored.
template <typename T, typename I> struct CrossEntropyTermBody {
  const T *logits;
  const I *labels;
  double *terms;
  int64_t classes, ignoreIndex;
  int *errorWord;
  STARCH_HOST_DEVICE void operator()(int64_t r) const {
    int64_t label;
    const T *row = logits + r * classes;
    terms[r] = scoredLabel(labels, r, classes, ignoreIndex, errorWord, label)
                   ? logSumExpRow(row, classes) - row[label]
                   : 0.0;
  }
};

/// Cross-entropy, phase 2 (one call): the mean of the terms over the scored
/// rows, summed in row order as the CPU does.
template <typename T, typename I> struct CrossEntropyMeanBody {
  const double *terms;
  const I *labels;
  T *out;
  int64_t rows, classes, ignoreIndex;
  int *errorWord;
  STARCH_HOST_DEVICE void operator()(int64_t) const {
    double sum = 0;
    int64_t count = 0, label;
    for (int64_t r = 0; r < rows; ++r) {
      sum += terms[r];
      count += scoredLabel(labels, r, classes, ignoreIndex, errorWord, label);
    }
    out[0] = static_cast<T>(count ? sum / count : 0.0);
  }
};

/// Cross-entropy gradient, phase 1 (one call): the number of scored rows.
template <typename I> struct CountScoredBody {
  const I *labels;
  int64_t *count;
  int64_t rows, classes, ignoreIndex;
  int *errorWord;
  STARCH_HOST_DEVICE void operator()(int64_t) const {
    int64_t n = 0, label;
    for (int64_t r = 0; r < rows; ++r)
      n += scoredLabel(labels, r, classes, ignoreIndex, errorWord, label);
    *count = n;
  }
};

/// Cross-entropy gradient, phase 2 (one call per row).
template <typename T, typename I> struct CrossEntropyGradBody {
  const T *logits;
  const I *labels;
  const T *cotangent; // 0-d
  const int64_t *count;
  T *out;
  int64_t classes, ignoreIndex;
  int *errorWord;
  STARCH_HOST_DEVICE void operator()(int64_t r) const {
    int64_t label;
    T *o = out + r * classes;
    if (!scoredLabel(labels, r, classes, ignoreIndex, errorWord, label)) {
      for (int64_t i = 0; i < classes; ++i)
        o[i] = T(0);
      return;
    }
    double scale = *count ? static_cast<double>(cotangent[0]) / *count : 0.0;
    crossEntropyGradRow(logits + r * classes, o, classes, label, scale);
  }
};

/// One AdamW element; outputs may alias inputs.
template <typename T> struct AdamWBody {
  const T *param, *grad, *gradScale, *expAvg, *expAvgSq;
  T *newParam, *newExpAvg, *newExpAvgSq;
  AdamWFactors factors;
  STARCH_HOST_DEVICE void operator()(int64_t i) const {
    T scale = gradScale ? *gradScale : T(1);
    adamwElement<T>(param[i], grad[i] * scale, expAvg[i], expAvgSq[i], factors,
                    newParam[i], newExpAvg[i], newExpAvgSq[i]);
  }
};

} // namespace starch::rt::cuda

#endif // STARCH_RUNTIME_CUDA_BODIES_H
