//===- Attention.cpp - Scaled dot-product attention (GQA) -----------------===//
#include "runtime/kernels/Attention.h"

#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Matmul.h"
#include "runtime/kernels/Parallel.h"
#include "runtime/kernels/Reduce.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace starch::rt {

Status attention(const Tensor &query, const Tensor &key, const Tensor &value,
                 const Tensor *bias, AttentionMask mask, double scale,
                 Tensor &out) {
  if (query.rank() != 4 || key.rank() != 4 || value.rank() != 4)
    return Status::error("attention: query, key and value must be rank 4");
  int64_t batch = query.shape()[0], heads = query.shape()[1],
          s = query.shape()[2], d = query.shape()[3];
  int64_t kvHeads = key.shape()[1], t = key.shape()[2], dv = value.shape()[3];
  if (key.shape()[0] != batch || key.shape()[3] != d ||
      value.shape()[0] != batch || value.shape()[1] != kvHeads ||
      value.shape()[2] != t || kvHeads == 0 || heads % kvHeads)
    return Status::error("attention: inconsistent query/key/value shapes");
  if (mask == AttentionMask::additive) {
    if (!bias || bias->rank() != 4 || bias->shape()[2] != s ||
        bias->shape()[3] != t ||
        (bias->shape()[0] != 1 && bias->shape()[0] != batch) ||
        (bias->shape()[1] != 1 && bias->shape()[1] != heads))
      return Status::error(
          "attention: additive bias must be B|1 x Hq|1 x S x T");
  }
  if (isHalf(query.dtype())) {
    Tensor wide(DType::f32, out.shape()), wideBias;
    if (bias && mask == AttentionMask::additive)
      wideBias = widenHalf(*bias);
    if (Status st =
            attention(widenHalf(query), widenHalf(key), widenHalf(value),
                      bias ? &wideBias : nullptr, mask, scale, wide);
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
  if (mask == AttentionMask::causal) // short blocks skip more masked keys
    blockRows = std::min<int64_t>(blockRows, 64);
  blockRows = std::max<int64_t>(16, blockRows);
  int64_t blocks = std::max<int64_t>(1, (s + blockRows - 1) / blockRows);
  bool ok = dispatchFloat(query.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T *q = query.data<T>(), *k = key.data<T>(), *v = value.data<T>();
    const T *biasData =
        mask == AttentionMask::additive ? bias->data<T>() : nullptr;
    T *o = out.data<T>();
    parallelFor(pairs * blocks, 1, [&](int64_t begin, int64_t end) {
      std::vector<T> scores;
      for (int64_t task = begin; task < end; ++task) {
        int64_t pair = task / blocks, row0 = (task % blocks) * blockRows;
        int64_t rows = std::min(blockRows, s - row0);
        if (rows <= 0)
          continue;
        int64_t b = pair / heads, h = pair % heads,
                kv = b * kvHeads + h / group;
        const T *qBlock = q + (pair * s + row0) * d;
        const T *kHead = k + kv * t * d, *vHead = v + kv * t * dv;
        // Causal rows of this block see keys [0, last row + T - S] only.
        int64_t visible = t;
        if (mask == AttentionMask::causal)
          visible = std::clamp<int64_t>(row0 + rows + t - s, 0, t);
        T *outBlock = o + (pair * s + row0) * dv;
        if (visible == 0) { // every key masked: softmax is 0 / 0
          std::fill(outBlock, outBlock + rows * dv,
                    std::numeric_limits<T>::quiet_NaN());
          continue;
        }
        scores.resize(rows * visible);
        gemm(false, true, rows, visible, d, static_cast<T>(scale), qBlock, d,
             kHead, d, T(0), scores.data(), visible);
        for (int64_t r = 0; r < rows; ++r) {
          T *row = scores.data() + r * visible;
          int64_t si = row0 + r;
          if (biasData) {
            int64_t bb = bias->shape()[0] == 1 ? 0 : b;
            int64_t bh = bias->shape()[1] == 1 ? 0 : h;
            const T *biasRow =
                biasData + ((bb * bias->shape()[1] + bh) * s + si) * t;
            for (int64_t j = 0; j < t; ++j)
              row[j] += biasRow[j];
          } else if (mask == AttentionMask::causal) {
            for (int64_t j = std::max<int64_t>(0, si + t - s + 1); j < visible;
                 ++j)
              row[j] = -std::numeric_limits<T>::infinity();
          }
          softmaxRow<T>(row, row, visible, 1, false);
        }
        gemm(false, false, rows, dv, visible, T(1), scores.data(), visible,
             vHead, dv, T(0), outBlock, dv);
      }
    });
  });
  return ok ? Status::success() : Status::error("attention needs floats");
}

} // namespace starch::rt
