//===- Attention.cpp - Scaled dot-product attention (GQA) -----------------===//
#include "runtime/kernels/Attention.h"

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

Status checkAttentionMaskTensor(const char *op, const Tensor *maskTensor,
                                const Tensor *positions, AttentionMask mask,
                                int64_t window, int64_t batch, int64_t heads,
                                int64_t s, int64_t t) {
  if (window < 0 || (window > 0 && mask != AttentionMask::full &&
                     mask != AttentionMask::causal))
    return Status::error(std::string(op) +
                         ": a window must be positive and go with a full or "
                         "causal mask");
  if (positions) {
    if (mask != AttentionMask::causal && mask != AttentionMask::bitfield)
      return Status::error(std::string(op) +
                           ": positions need a causal or bitfield mask");
    if (positions->dtype() != DType::i64 || positions->shape() != Shape{s})
      return Status::error(std::string(op) + ": positions must be S of i64");
  }
  if (mask == AttentionMask::additive) {
    if (!maskTensor || maskTensor->rank() != 4 || maskTensor->shape()[2] != s ||
        maskTensor->shape()[3] != t ||
        (maskTensor->shape()[0] != 1 && maskTensor->shape()[0] != batch) ||
        (maskTensor->shape()[1] != 1 && maskTensor->shape()[1] != heads))
      return Status::error(std::string(op) +
                           ": additive bias must be B|1 x Hq|1 x S x T");
  }
  if (mask == AttentionMask::bitfield) {
    // With positions the words are the keys'.
    if (!maskTensor || maskTensor->dtype() != DType::i64 ||
        maskTensor->shape() != Shape{batch, positions ? t : s})
      return Status::error(
          std::string(op) +
          (positions ? ": bitfield mask words must be B x T of i64"
                     : ": bitfield mask words must be B x S of i64"));
    if (!positions && s != t)
      return Status::error(std::string(op) +
                           ": a bitfield mask needs S == T (self-attention)");
  }
  return Status::success();
}

Status checkAttentionOperands(const char *op, const Tensor &query,
                              const Tensor &key, const Tensor &value,
                              const Tensor *maskTensor, const Tensor *positions,
                              AttentionMask mask, int64_t window,
                              double softcap, AttentionShape &shape) {
  if (!(softcap >= 0) || std::isinf(softcap))
    return Status::error(std::string(op) +
                         ": softcap must be positive and finite (0: none)");
  if (query.rank() != 4 || key.rank() != 4 || value.rank() != 4)
    return Status::error(std::string(op) +
                         ": query, key and value must be rank 4");
  shape = AttentionShape();
  shape.batch = query.shape()[0];
  shape.heads = query.shape()[1];
  shape.s = query.shape()[2];
  shape.d = query.shape()[3];
  shape.kvHeads = key.shape()[1];
  shape.t = key.shape()[2];
  shape.dv = value.shape()[3];
  if (key.shape()[0] != shape.batch || key.shape()[3] != shape.d ||
      value.shape()[0] != shape.batch || value.shape()[1] != shape.kvHeads ||
      value.shape()[2] != shape.t || shape.kvHeads == 0 ||
      shape.heads % shape.kvHeads)
    return Status::error(std::string(op) +
                         ": inconsistent query/key/value shapes");
  if (Status st =
          checkAttentionMaskTensor(op, maskTensor, positions, mask, window,
                                   shape.batch, shape.heads, shape.s, shape.t);
      !st)
    return st;
  if (mask == AttentionMask::additive) {
    shape.biasBatch = maskTensor->shape()[0];
    shape.biasHeads = maskTensor->shape()[1];
  }
  return Status::success();
}

Status checkAttention(const Tensor &query, const Tensor &key,
                      const Tensor &value, const Tensor *maskTensor,
                      const Tensor *positions, AttentionMask mask,
                      int64_t window, double softcap, const Tensor &out,
                      AttentionShape &shape) {
  if (Status st =
          checkAttentionOperands("attention", query, key, value, maskTensor,
                                 positions, mask, window, softcap, shape);
      !st)
    return st;
  DType dtype = query.dtype();
  if (key.dtype() != dtype || value.dtype() != dtype || out.dtype() != dtype ||
      (mask == AttentionMask::additive && maskTensor->dtype() != dtype))
    return Status::error("attention: operand and result types differ");
  if (out.shape() != Shape{shape.batch, shape.heads, shape.s, shape.dv})
    return Status::error("attention: result must be B x Hq x S x Dv");
  return Status::success();
}

Status checkPositionValues(const char *op, const Tensor *positions, int64_t t) {
  if (!positions)
    return Status::success();
  const int64_t *values = positions->data<int64_t>();
  for (int64_t i = 0; i < positions->numElements(); ++i)
    if (int64_t position = values[i]; position < 0 || position >= t)
      return Status::error(std::string(op) + ": position " +
                           std::to_string(position) + " is outside [0, " +
                           std::to_string(t) + ")");
  return Status::success();
}

Status attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *maskTensor, const Tensor *positions,
                 AttentionMask mask, double scale, Tensor &out, int64_t window,
                 double softcap) {
  AttentionShape shape;
  if (Status st = checkAttention(query, key, value, maskTensor, positions, mask,
                                 window, softcap, out, shape);
      !st)
    return st;
  if (Status st = checkPositionValues("attention", positions, shape.t); !st)
    return st;
  int64_t batch = shape.batch, heads = shape.heads, s = shape.s, d = shape.d;
  int64_t kvHeads = shape.kvHeads, t = shape.t, dv = shape.dv;
  bool additive = mask == AttentionMask::additive,
       bitfield = mask == AttentionMask::bitfield,
       causal = mask == AttentionMask::causal;
  // Causal and windowed rows see a range of keys (visibleKeyRange).
  bool ranged = causal || window > 0;
  if (isHalf(query.dtype())) {
    Tensor wide(DType::f32, out.shape()), wideBias;
    if (additive)
      wideBias = widenHalf(*maskTensor);
    if (Status st =
            attention(widenHalf(query), widenHalf(key), widenHalf(value),
                      additive ? &wideBias : maskTensor, positions, mask, scale,
                      wide, window, softcap);
        !st)
      return st;
    narrowHalf(wide, out);
    return Status::success();
  }
  int64_t group = heads / kvHeads;
  // Tasks are (batch, head, block of query rows): enough to feed every thread
  // even for one sequence.
  int64_t pairs = batch * heads, threads = numThreads();
  int64_t blocksPerPair = std::max<int64_t>(1, (threads + pairs - 1) / pairs);
  int64_t blockRows = (s + blocksPerPair - 1) / blocksPerPair;
  // Short blocks skip more masked keys.
  if (ranged || bitfield)
    blockRows = std::min<int64_t>(blockRows, 64);
  blockRows = std::max<int64_t>(16, blockRows);
  int64_t blocks = std::max<int64_t>(1, (s + blockRows - 1) / blockRows);
  bool ok = dispatchFloat(query.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *q = query.data<T>(), *k = key.data<T>(), *v = value.data<T>();
    const Tensor *bias = additive ? maskTensor : nullptr;
    const T *biasData = additive ? bias->data<T>() : nullptr;
    const int64_t *bits = bitfield ? maskTensor->data<int64_t>() : nullptr;
    const int64_t *where = positions ? positions->data<int64_t>() : nullptr;
    T *o = out.data<T>();
    T cap = static_cast<T>(softcap);
    parallelFor(pairs * blocks, 1, [&](int64_t begin, int64_t end) {
      std::vector<T> scores;
      std::vector<int64_t> keyEnds;
      for (int64_t task = begin; task < end; ++task) {
        int64_t pair = task / blocks, row0 = (task % blocks) * blockRows;
        int64_t rows = std::min(blockRows, s - row0);
        if (rows <= 0)
          continue;
        int64_t b = pair / heads, h = pair % heads,
                kv = b * kvHeads + h / group;
        const T *qBlock = q + (pair * s + row0) * d;
        const T *kHead = k + kv * t * d, *vHead = v + kv * t * dv;
        // Causal and windowed rows of this block see keys in the union of
        // their ranges only, [first, visible); bitfield rows the keys
        // before the largest of their key ends.
        int64_t first = 0, visible = t;
        const int64_t *sequenceBits = bits ? bits + b * t : nullptr;
        if (ranged) {
          visible = 0;
          first = t;
          for (int64_t r = 0; r < rows; ++r) {
            KeyRange keys = visibleKeyRange(
                causal, window, queryPosition(where, row0 + r, s, t), t);
            visible = std::max(visible, keys.end);
            first = std::min(first, keys.begin);
          }
          first = std::min(first, visible);
        }
        if (bitfield) {
          keyEnds.resize(rows);
          visible = 0;
          for (int64_t r = 0; r < rows; ++r) {
            keyEnds[r] = bitfieldKeyEnd(sequenceBits, t,
                                        queryPosition(where, row0 + r, s, t));
            visible = std::max(visible, keyEnds[r]);
          }
        }
        T *outBlock = o + (pair * s + row0) * dv;
        int64_t width = visible - first; // scored keys first + j
        if (width == 0) { // every key masked: softmax is 0 / 0, but a
                          // bitfield mask's padding rows are 0
          std::fill(outBlock, outBlock + rows * dv,
                    bitfield ? T(0) : std::numeric_limits<T>::quiet_NaN());
          continue;
        }
        scores.resize(rows * width);
        gemm(false, true, rows, width, d, static_cast<T>(scale), qBlock, d,
             kHead + first * d, d, T(0), scores.data(), width);
        for (int64_t r = 0; r < rows; ++r) {
          T *row = scores.data() + r * width;
          int64_t si = row0 + r, qi = queryPosition(where, si, s, t);
          if (cap > T(0))
            for (int64_t j = 0; j < width; ++j)
              row[j] = softcapped(row[j], cap);
          if (biasData) {
            int64_t bb = bias->shape()[0] == 1 ? 0 : b;
            int64_t bh = bias->shape()[1] == 1 ? 0 : h;
            const T *biasRow =
                biasData + ((bb * bias->shape()[1] + bh) * s + si) * t;
            for (int64_t j = 0; j < t; ++j)
              row[j] += biasRow[j];
          } else if (ranged) {
            KeyRange keys = visibleKeyRange(causal, window, qi, t);
            for (int64_t j = 0; j < width; ++j)
              if (!keys.contains(first + j))
                row[j] = -std::numeric_limits<T>::infinity();
          } else if (bitfield) {
            if (keyEnds[r] == 0) { // sees no key: probabilities 0, output 0
              std::fill(row, row + width, T(0));
              continue;
            }
            for (int64_t j = 0; j < visible; ++j)
              if (!bitfieldVisible(sequenceBits[qi], sequenceBits[j], qi, j))
                row[j] = -std::numeric_limits<T>::infinity();
          }
          softmaxRow<T>(row, row, width, 1, false);
        }
        gemm(false, false, rows, dv, width, T(1), scores.data(), width,
             vHead + first * dv, dv, T(0), outBlock, dv);
      }
    });
  });
  return ok ? Status::success() : Status::error("attention needs floats");
}

} // namespace starch::rt
