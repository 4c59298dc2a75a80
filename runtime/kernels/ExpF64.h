//===- ExpF64.h - e^x in f64, vectorisable ----------------------*- C++ -*-===//
//
// The softmax of the loss sums e^x over every logit of a step in f64 (three
// passes over 512 x 8192 logits at the h768 bench shape): through glibc's
// scalar exp that was 5.6% of the f32 step. expF64 has no call and no
// branch, so the compiler vectorises a loop of it: with AVX-512, 5x glibc's
// exp (LossRowsAvx512.cpp). Unvectorised it is slower than glibc's, so the
// other paths keep std::exp.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_KERNELS_EXPF64_H
#define STARCH_RUNTIME_KERNELS_EXPF64_H

#include "runtime/kernels/Compat.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace starch::rt {

/// e^x within 2 ulp of the correctly rounded value for x in [-708, 709]
/// (1.16 ulp measured over 2e7 points against long double); 0 below (where
/// e^x is subnormal or 0), +inf above, NaN for NaN. x = k ln 2 + r with
/// |r| <= ln 2 / 2 (ln 2 in two parts, so k ln 2 is exact), e^r by its
/// Taylor series to r^13 / 13! (the rest is below 2e-17 of the result), then
/// scaled by 2^k through the exponent bits.
STARCH_HOST_DEVICE inline double expF64(double x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 6.93147180369123816490e-01; // low bits 0
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kRound = 0x1.8p52; // adding it rounds to an integer
  double clamped = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
  double shifted = clamped * kLog2e + kRound;
  double k = shifted - kRound;
  double r = (clamped - k * kLn2Hi) - k * kLn2Lo;
  double p = 1.0 / 6227020800.0;
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // k is in [-1021, 1023]: 2^k is a normal number.
  int64_t kBits, roundBits;
  std::memcpy(&kBits, &shifted, sizeof(kBits));
  std::memcpy(&roundBits, &kRound, sizeof(roundBits));
  uint64_t scaleBits = static_cast<uint64_t>(kBits - roundBits + 1023) << 52;
  double scale;
  std::memcpy(&scale, &scaleBits, sizeof(scale));
  double y = p * scale;
  return x < -708.0 ? 0.0 : (x > 709.0 ? HUGE_VAL : y);
}

/// The exponentials a row function may use: std::exp, or expF64.
struct StdExp {
  STARCH_HOST_DEVICE double operator()(double x) const { return std::exp(x); }
};
struct VectorExp {
  STARCH_HOST_DEVICE double operator()(double x) const { return expF64(x); }
};

/// `sum_i exp(row[i] - shift)` in f64, added in order. The terms are made a
/// chunk at a time apart from the sum, so a loop of expF64 vectorises while
/// the sum keeps its order (the loss's rows, Loss.h and LossBlock.h).
template <typename T, typename Exp>
STARCH_HOST_DEVICE inline double sumExpShifted(const T *row, int64_t n,
                                               double shift, Exp exp) {
  constexpr int64_t kChunk = 16;
  double terms[kChunk];
  double sum = 0;
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    int64_t m = n - i0 < kChunk ? n - i0 : kChunk;
    for (int64_t j = 0; j < m; ++j)
      terms[j] = exp(static_cast<double>(row[i0 + j]) - shift);
    for (int64_t j = 0; j < m; ++j)
      sum += terms[j];
  }
  return sum;
}

} // namespace starch::rt

#endif // STARCH_RUNTIME_KERNELS_EXPF64_H
