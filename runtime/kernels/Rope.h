//===- Rope.h - Rotary position embedding (rotate-half) ---------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_ROPE_H
#define STARCH_RUNTIME_KERNELS_ROPE_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Status.h"

namespace starch::rt {

/// `input: B x H x S x D`, `cos, sin: B x S x D`:
/// `input * cos + rotate_half(input) * sin`.
Status rope(const Tensor &input, const Tensor &cos, const Tensor &sin,
            Tensor &out);
/// The argument rules of rope, shared with the CUDA driver (Checks.h).
Status checkRope(const Tensor &input, const Tensor &cos, const Tensor &sin,
                 const Tensor &out);

/// One row of D elements; rotate_half(x) = concat(-x[D/2:], x[:D/2]).
template <typename T>
STARCH_HOST_DEVICE inline void ropeRow(const T *x, const T *cos, const T *sin,
                                       T *out, int64_t d) {
  int64_t half = d / 2;
  for (int64_t i = 0; i < half; ++i)
    out[i] = x[i] * cos[i] - x[i + half] * sin[i];
  for (int64_t i = half; i < d; ++i)
    out[i] = x[i] * cos[i] + x[i - half] * sin[i];
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_ROPE_H
