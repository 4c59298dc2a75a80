//===- NormGrad.cpp - Backward of RMS and layer normalisation -------------===//
//
// Two passes: rows in parallel (the input gradient and each row's
// statistics), then blocks of columns in parallel, each summing the
// parameter gradients over the rows in row order. No partial sums cross
// threads, so the results do not depend on the thread count.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/NormGrad.h"

#include "runtime/kernels/Checks.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <string>
#include <vector>

namespace starch::rt {

namespace {

/// Columns per task of the parameter pass: each task streams every row once
/// over a contiguous slice of it.
constexpr int64_t kColumnBlock = 64;

/// Runs a normalisation backward in f32 for f16/bf16 tensors.
template <typename F>
Status throughFloat(const Tensor &input, const Tensor &weight,
                    const Tensor &dOut, std::initializer_list<Tensor *> outs,
                    F &&kernel) {
  std::vector<Tensor> wide;
  std::vector<Tensor *> widePointers;
  for (Tensor *out : outs) {
    wide.push_back(out ? Tensor(DType::f32, out->shape()) : Tensor());
  }
  for (size_t i = 0; i < wide.size(); ++i)
    widePointers.push_back(outs.begin()[i] ? &wide[i] : nullptr);
  if (Status s = kernel(widenHalf(input), widenHalf(weight), widenHalf(dOut),
                        widePointers);
      !s)
    return s;
  for (size_t i = 0; i < wide.size(); ++i)
    if (Tensor *out = outs.begin()[i])
      narrowHalf(wide[i], *out);
  return Status::success();
}

/// Both norms: `centered` picks layer norm (mean subtracted, a bias).
template <typename T>
void normGrad(const T *x, const T *w, const T *dy, int64_t rows, int64_t n,
              double epsilon, bool centered, T *dx, T *dw, T *db) {
  std::vector<NormRowStats> stats(rows);
  parallelFor(rows, std::max<int64_t>(1, 8192 / (n + 1)),
              [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                  const T *row = x + r * n;
                  if (dx)
                    stats[r] = normInputGradRow<T>(
                        row, w, dy + r * n, dx + r * n, n, epsilon, centered);
                  else
                    stats[r] = centered ? layerNormStats<T>(row, n, epsilon)
                                        : rmsNormStats<T>(row, n, epsilon);
                }
              });
  if (!dw && !db)
    return;
  int64_t blocks = (n + kColumnBlock - 1) / kColumnBlock;
  parallelFor(blocks, 1, [&](int64_t begin, int64_t end) {
    double sumW[kColumnBlock], sumB[kColumnBlock];
    for (int64_t block = begin; block < end; ++block) {
      int64_t c0 = block * kColumnBlock;
      int64_t width = std::min(kColumnBlock, n - c0);
      std::fill(sumW, sumW + width, 0.0);
      std::fill(sumB, sumB + width, 0.0);
      // The arithmetic of normParamGradColumn, a block of columns at a time.
      for (int64_t r = 0; r < rows; ++r) {
        const T *xRow = x + r * n + c0, *dyRow = dy + r * n + c0;
        for (int64_t c = 0; c < width; ++c) {
          double g = dyRow[c];
          sumW[c] += g * ((xRow[c] - stats[r].mean) * stats[r].inverse);
          sumB[c] += g;
        }
      }
      for (int64_t c = 0; c < width; ++c) {
        if (dw)
          dw[c0 + c] = static_cast<T>(sumW[c]);
        if (db)
          db[c0 + c] = static_cast<T>(sumB[c]);
      }
    }
  });
}

} // namespace

Status checkRmsNormGrad(const Tensor &input, const Tensor &weight,
                        const Tensor &dOut, const Tensor *dInput,
                        const Tensor *dWeight, int64_t &n) {
  if (input.rank() == 0)
    return Status::error("rms_norm_grad needs a tensor of rank >= 1");
  n = input.shape().back();
  if (weight.numElements() != n)
    return Status::error(
        "rms_norm_grad: weight size differs from the last dim");
  if (dOut.shape() != input.shape() || dOut.dtype() != input.dtype() ||
      weight.dtype() != input.dtype())
    return Status::error("rms_norm_grad: d_out and weight must match the "
                         "input's shape and type");
  if (Status s = checkLike(dInput, input, "rms_norm_grad: d_input"); !s)
    return s;
  return checkLike(dWeight, weight, "rms_norm_grad: d_weight");
}

Status checkLayerNormGrad(const Tensor &input, const Tensor &weight,
                          const Tensor &dOut, int64_t axis,
                          const Tensor *dInput, const Tensor *dWeight,
                          const Tensor *dBias, int64_t &n) {
  if (axis < 0 || axis > input.rank())
    return Status::error("layer_norm_grad: axis out of range");
  n = 1;
  for (int64_t d = axis; d < input.rank(); ++d)
    n *= input.shape()[d];
  if (weight.numElements() != n)
    return Status::error("layer_norm_grad: weight size differs from the "
                         "normalised dimensions");
  if (dOut.shape() != input.shape() || dOut.dtype() != input.dtype() ||
      weight.dtype() != input.dtype())
    return Status::error("layer_norm_grad: d_out and weight must match the "
                         "input's shape and type");
  if (Status s = checkLike(dInput, input, "layer_norm_grad: d_input"); !s)
    return s;
  if (Status s = checkLike(dWeight, weight, "layer_norm_grad: d_weight"); !s)
    return s;
  return checkLike(dBias, weight, "layer_norm_grad: d_bias");
}

Status rmsNormGrad(const Tensor &input, const Tensor &weight,
                   const Tensor &dOut, double epsilon, Tensor *dInput,
                   Tensor *dWeight) {
  int64_t n;
  if (Status s = checkRmsNormGrad(input, weight, dOut, dInput, dWeight, n); !s)
    return s;
  if (isHalf(input.dtype()))
    return throughFloat(input, weight, dOut, {dInput, dWeight},
                        [&](const Tensor &x, const Tensor &w, const Tensor &dy,
                            const std::vector<Tensor *> &outs) {
                          return rmsNormGrad(x, w, dy, epsilon, outs[0],
                                             outs[1]);
                        });
  int64_t rows = n ? input.numElements() / n : 0;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    normGrad<T>(input.data<T>(), weight.data<T>(), dOut.data<T>(), rows, n,
                epsilon, /*centered=*/false,
                dInput ? dInput->data<T>() : nullptr,
                dWeight ? dWeight->data<T>() : nullptr, nullptr);
  });
  return ok ? Status::success() : Status::error("rms_norm_grad needs floats");
}

Status layerNormGrad(const Tensor &input, const Tensor &weight,
                     const Tensor &dOut, int64_t axis, double epsilon,
                     Tensor *dInput, Tensor *dWeight, Tensor *dBias) {
  int64_t n;
  if (Status s = checkLayerNormGrad(input, weight, dOut, axis, dInput, dWeight,
                                    dBias, n);
      !s)
    return s;
  if (isHalf(input.dtype()))
    return throughFloat(input, weight, dOut, {dInput, dWeight, dBias},
                        [&](const Tensor &x, const Tensor &w, const Tensor &dy,
                            const std::vector<Tensor *> &outs) {
                          return layerNormGrad(x, w, dy, axis, epsilon, outs[0],
                                               outs[1], outs[2]);
                        });
  int64_t rows = n ? input.numElements() / n : 0;
  bool ok = dispatchFloat(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    normGrad<T>(input.data<T>(), weight.data<T>(), dOut.data<T>(), rows, n,
                epsilon, /*centered=*/true,
                dInput ? dInput->data<T>() : nullptr,
                dWeight ? dWeight->data<T>() : nullptr,
                dBias ? dBias->data<T>() : nullptr);
  });
  return ok ? Status::success() : Status::error("layer_norm_grad needs floats");
}

} // namespace starch::rt
