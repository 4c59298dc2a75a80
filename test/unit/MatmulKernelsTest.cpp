//===- MatmulKernelsTest.cpp - Matmul against naive loops -----------------===//
//
// Batched products, row splitting across threads, the transpose flags (each
// operand stored transposed, every combination) and half inputs, against a
// naive triple loop in double.
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "runtime/kernels/Kernels.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {

template <typename T>
void naiveMatmul(const Tensor &a, const Tensor &b, int64_t batch, int64_t m,
                 int64_t k, int64_t n, std::vector<double> &out) {
  out.assign(batch * m * n, 0);
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (int64_t l = 0; l < k; ++l)
          sum += double(a.data<T>()[(p * m + i) * k + l]) *
                 b.data<T>()[(p * k + l) * n + j];
        out[(p * m + i) * n + j] = sum;
      }
}

TEST(Matmul, BatchedMatchesNaive) {
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor a = random(dtype, {3, 37, 19}, 1), b = random(dtype, {3, 19, 23}, 2);
    Tensor out(dtype, {3, 37, 23});
    ASSERT_TRUE(matmul(a, b, false, false, out).ok());
    std::vector<double> expected;
    if (dtype == DType::f32)
      naiveMatmul<float>(a, b, 3, 37, 19, 23, expected);
    else
      naiveMatmul<double>(a, b, 3, 37, 19, 23, expected);
    expectNear(out, expected, dtype == DType::f32 ? 1e-5 : 1e-13);
  }
}

TEST(Matmul, LargeSingleMatrixSplitsRows) {
  Tensor a = random(DType::f32, {200, 64}, 3),
         b = random(DType::f32, {64, 96}, 4);
  Tensor out(DType::f32, {200, 96});
  ASSERT_TRUE(matmul(a, b, false, false, out).ok());
  std::vector<double> expected;
  naiveMatmul<float>(a, b, 1, 200, 64, 96, expected);
  expectNear(out, expected, 1e-4);
}

/// `t` (batch x rows x cols) with its last two dimensions swapped.
Tensor swapLastTwo(const Tensor &t) {
  int64_t rows = t.shape()[1], cols = t.shape()[2];
  Tensor swapped(t.dtype(), {t.shape()[0], cols, rows});
  for (int64_t p = 0; p < t.shape()[0]; ++p)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        storeFromDouble(swapped, (p * cols + j) * rows + i,
                        elementAsDouble(t, (p * rows + i) * cols + j));
  return swapped;
}

TEST(Matmul, TransposeFlagsReadSwappedOperands) {
  // Single matrices of 200 rows split into row blocks across threads, so a
  // transposed lhs is read from a column offset; batches of 3 are not split.
  for (int64_t threads : {1, 3})
    for (int64_t batch : {1, 3}) {
      setNumThreads(threads);
      Tensor a = random(DType::f32, {batch, 200, 19}, 5),
             b = random(DType::f32, {batch, 19, 23}, 6);
      std::vector<double> expected;
      naiveMatmul<float>(a, b, batch, 200, 19, 23, expected);
      Tensor at = swapLastTwo(a), bt = swapLastTwo(b);
      for (bool tl : {false, true})
        for (bool tr : {false, true}) {
          SCOPED_TRACE(testing::Message() << "threads " << threads << " batch "
                                          << batch << " flags " << tl << tr);
          Tensor out(DType::f32, {batch, 200, 23});
          ASSERT_TRUE(matmul(tl ? at : a, tr ? bt : b, tl, tr, out).ok());
          expectNear(out, expected, 1e-4);
        }
    }
  setNumThreads(0);
  Tensor a = random(DType::f32, {1, 4, 3}, 7), out(DType::f32, {1, 4, 4});
  Status wrong = matmul(a, a, false, false, out);
  EXPECT_EQ(wrong.message(), "matmul: contraction sizes differ");
  EXPECT_TRUE(matmul(a, a, false, true, out).ok()); // a a^T: 4 x 4
}

TEST(Matmul, HalfInputs) {
  Tensor a = make(DType::bf16, {1, 2}, {1, 2}),
         b = make(DType::bf16, {2, 1}, {3, 4});
  Tensor out(DType::bf16, {1, 1});
  ASSERT_TRUE(matmul(a, b, false, false, out).ok());
  expectNear(out, {11}, 0);
}

/// bf16 products are exact and summed in f32 (gemmBf16), then rounded: each
/// element is within the f32 summation bound (k * 2^-24 * sum |a b|) and half
/// a bf16 ulp (2^-8 relative) of the sum in double, for every flag
/// combination; splitting rows over threads changes no bit.
TEST(Matmul, Bf16SumsInF32AndRoundsOnce) {
  const int64_t m = 200, k = 45, n = 70; // 3 threads: blocks of 67 rows
  for (int64_t batch : {1, 3}) {
    Tensor a = random(DType::bf16, {batch, m, k}, 8),
           b = random(DType::bf16, {batch, k, n}, 9);
    std::vector<double> expected(batch * m * n), magnitude(batch * m * n);
    for (int64_t p = 0; p < batch; ++p)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          for (int64_t l = 0; l < k; ++l) {
            double term = elementAsDouble(a, (p * m + i) * k + l) *
                          elementAsDouble(b, (p * k + l) * n + j);
            expected[(p * m + i) * n + j] += term;
            magnitude[(p * m + i) * n + j] += std::fabs(term);
          }
    Tensor at = swapLastTwo(a), bt = swapLastTwo(b);
    for (bool tl : {false, true})
      for (bool tr : {false, true}) {
        Tensor first;
        for (int64_t threads : {1, 2, 3}) {
          SCOPED_TRACE(testing::Message() << "threads " << threads << " batch "
                                          << batch << " flags " << tl << tr);
          setNumThreads(threads);
          Tensor out(DType::bf16, {batch, m, n});
          ASSERT_TRUE(matmul(tl ? at : a, tr ? bt : b, tl, tr, out).ok());
          for (int64_t i = 0; i < out.numElements(); ++i) {
            double sumError = (k + 2) * std::ldexp(magnitude[i], -24);
            ASSERT_NEAR(elementAsDouble(out, i), expected[i],
                        std::ldexp(std::fabs(expected[i]), -8) + 2 * sumError)
                << "at flat index " << i;
          }
          if (threads == 1)
            first = out;
          else
            EXPECT_TRUE(sameBits(out, first));
        }
      }
  }
  setNumThreads(0);
}

// starch.matmul's `bf16` on f32 tensors is the bf16 product between
// converts (what starch-autocast wrote before it), bit for bit: operands
// rounded, the same f32 sums, the result rounded and kept in f32.
TEST(Matmul, Bf16FlagIsTheBf16ProductBetweenConverts) {
  const int64_t m = 150, k = 70, n = 40;
  Tensor a = random(DType::f32, {2, m, k}, 10),
         b = random(DType::f32, {2, k, n}, 11);
  Tensor at = swapLastTwo(a), bt = swapLastTwo(b);
  for (bool tl : {false, true})
    for (bool tr : {false, true})
      for (int64_t threads : {1, 3}) {
        SCOPED_TRACE(testing::Message()
                     << "threads " << threads << " flags " << tl << tr);
        setNumThreads(threads);
        const Tensor &l = tl ? at : a, &r = tr ? bt : b;
        Tensor l16(DType::bf16, l.shape()), r16(DType::bf16, r.shape());
        ASSERT_TRUE(convert(l, l16).ok());
        ASSERT_TRUE(convert(r, r16).ok());
        Tensor product16(DType::bf16, {2, m, n}), want(DType::f32, {2, m, n});
        ASSERT_TRUE(matmul(l16, r16, tl, tr, product16).ok());
        ASSERT_TRUE(convert(product16, want).ok());
        Tensor got(DType::f32, {2, m, n});
        ASSERT_TRUE(matmul(l, r, tl, tr, got, /*bf16=*/true).ok());
        EXPECT_TRUE(sameBits(got, want));
      }
  setNumThreads(0);
  Tensor d(DType::f64, {2, 2});
  EXPECT_FALSE(matmul(d, d, false, false, d, /*bf16=*/true).ok());
}

} // namespace
