//===- Conv.h - N-d convolution, channels first -----------------*- C++ -*-===//
#ifndef STARCH_RUNTIME_KERNELS_CONV_H
#define STARCH_RUNTIME_KERNELS_CONV_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

#include <vector>

namespace starch::rt {

struct ConvParams {
  std::vector<int64_t> strides, padLow, padHigh, dilations;
  int64_t groups = 1;
};

/// `input: N x C x S1..Sk`, `filter: O x C/groups x K1..Kk` ->
/// `out: N x O x R1..Rk` (cross-correlation, as ONNX Conv).
Status conv(const Tensor &input, const Tensor &filter, const ConvParams &params,
            Tensor &out);

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_CONV_H
