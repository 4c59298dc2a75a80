//===- Bf16.h - bf16 rounding, one definition for CPU and CUDA --*- C++ -*-===//
//
// bf16 is the top half of an f32: widening appends 16 zero bits, narrowing
// rounds to nearest even (NaN stays a quiet NaN). Tensors store bf16 as
// these 16-bit patterns; the CPU kernels, the CUDA bodies and the host-side
// conversions of Tensor.cpp all round here.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_BF16_H
#define STARCH_RUNTIME_KERNELS_BF16_H

#include "runtime/kernels/Compat.h"

#include <cstring>

namespace starch::rt {

STARCH_HOST_DEVICE inline float bf16Value(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, 4);
  return value;
}

STARCH_HOST_DEVICE inline uint16_t bf16Bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  // A select, not a branch, so that loops over it vectorise.
  uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1)) >> 16;
  uint32_t quietNan = (bits >> 16) | 0x40;
  bool isNan = (bits & 0x7fffffffu) > 0x7f800000u;
  return static_cast<uint16_t>(isNan ? quietNan : rounded);
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_BF16_H
