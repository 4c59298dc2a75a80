//===- TestUtil.h - Building small tensors in tests -------------*- C++ -*-===//
#ifndef STARCH_TEST_UNIT_TESTUTIL_H
#define STARCH_TEST_UNIT_TESTUTIL_H

#include "runtime/Tensor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

namespace starch::rt::test {

/// A tensor of `dtype` holding `values` (converted as by storeFromDouble).
inline Tensor make(DType dtype, Shape shape,
                   const std::vector<double> &values) {
  Tensor t(dtype, std::move(shape));
  EXPECT_EQ(static_cast<int64_t>(values.size()), t.numElements());
  for (size_t i = 0; i < values.size(); ++i)
    storeFromDouble(t, static_cast<int64_t>(i), values[i]);
  return t;
}

inline Tensor random(DType dtype, Shape shape, unsigned seed = 1) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  Tensor t(dtype, std::move(shape));
  for (int64_t i = 0; i < t.numElements(); ++i)
    storeFromDouble(t, i, dist(gen));
  return t;
}

inline std::vector<double> values(const Tensor &t) {
  std::vector<double> out(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = elementAsDouble(t, i);
  return out;
}

/// Same type, shape and bytes.
inline bool sameBits(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         (a.byteSize() == 0 ||
          std::memcmp(a.bytes(), b.bytes(), a.byteSize()) == 0);
}

inline void expectNear(const Tensor &got, const std::vector<double> &expected,
                       double tolerance) {
  ASSERT_EQ(got.numElements(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(elementAsDouble(got, static_cast<int64_t>(i)), expected[i],
                tolerance)
        << "at flat index " << i;
}

} // namespace starch::rt::test

#endif // STARCH_TEST_UNIT_TESTUTIL_H
