//===- HostExecTestUtil.h - Shared checks of the HostExec tests -*- C++ -*-===//
//
// What the CUDA host-exec tests share: random tensors of every type and the
// bit-for-bit and tolerance comparisons with the CPU kernels.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_TEST_CUDA_HOSTEXECTESTUTIL_H
#define STARCH_TEST_CUDA_HOSTEXECTESTUTIL_H

#include "runtime/cuda/HostExec.h"
#include "runtime/kernels/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace starch::rt::cuda::test {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

const DType kNativeTypes[] = {DType::f32, DType::f64, DType::i64, DType::i32,
                              DType::i16, DType::i8,  DType::u8,  DType::i1};
const DType kFloatTypes[] = {DType::f32, DType::f64};

/// Random values a dtype holds: floats in [-3, 3] with a few special values
/// mixed in when `special`, integers in a small signed range (u8 and i1
/// wrap as storeFromDouble converts them).
inline Tensor randomOf(DType dtype, Shape shape, unsigned seed,
                       bool special = false) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> real(-3.0, 3.0);
  std::uniform_int_distribution<int> integer(-6, 6), pick(0, 15);
  Tensor t(dtype, std::move(shape));
  const double specials[] = {kNaN, kInf, -kInf, 0.0, -0.0, 1e30, -1e30};
  for (int64_t i = 0; i < t.numElements(); ++i) {
    double value;
    if (isFloat(dtype)) {
      value = real(gen);
      if (special && pick(gen) == 0)
        value = specials[i % 7];
    } else if (dtype == DType::i1) {
      value = integer(gen) > 0;
    } else if (dtype == DType::u8) {
      value = integer(gen) + 6;
    } else {
      value = integer(gen);
    }
    storeFromDouble(t, i, value);
  }
  return t;
}

inline Tensor like(const Tensor &t) { return Tensor(t.dtype(), t.shape()); }

/// Same dtype, shape and bytes (any NaN matches any NaN).
inline void expectSame(const Tensor &got, const Tensor &want,
                       const std::string &what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  if (std::memcmp(got.bytes(), want.bytes(), got.byteSize()) == 0)
    return;
  for (int64_t i = 0; i < got.numElements(); ++i) {
    double g = elementAsDouble(got, i), w = elementAsDouble(want, i);
    if (std::isnan(g) && std::isnan(w))
      continue;
    ASSERT_EQ(g, w) << what << " at flat index " << i;
    if (g == 0 && w == 0) {
      ASSERT_EQ(std::signbit(g), std::signbit(w))
          << what << " sign of zero at flat index " << i;
    }
  }
}

inline void expectClose(const Tensor &got, const Tensor &want, double tolerance,
                        const std::string &what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.numElements(); ++i) {
    double g = elementAsDouble(got, i), w = elementAsDouble(want, i);
    if (std::isnan(g) && std::isnan(w))
      continue;
    ASSERT_NEAR(g, w, tolerance * (1 + std::fabs(w)))
        << what << " at flat index " << i;
  }
}

#define EXPECT_OK(expr)                                                        \
  do {                                                                         \
    Status status_ = (expr);                                                   \
    ASSERT_TRUE(status_.ok()) << status_.message();                            \
  } while (0)

#define EXPECT_ERROR(expr, fragment)                                           \
  do {                                                                         \
    Status status_ = (expr);                                                   \
    ASSERT_FALSE(status_.ok());                                                \
    EXPECT_NE(status_.message().find(fragment), std::string::npos)             \
        << status_.message();                                                  \
  } while (0)

inline std::string name(DType dtype) { return dtypeName(dtype); }

} // namespace starch::rt::cuda::test

#endif // STARCH_TEST_CUDA_HOSTEXECTESTUTIL_H
