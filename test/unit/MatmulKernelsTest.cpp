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

/// `t` (batch x rows x cols, f32) with its last two dimensions swapped.
Tensor swapLastTwo(const Tensor &t) {
  int64_t rows = t.shape()[1], cols = t.shape()[2];
  Tensor swapped(DType::f32, {t.shape()[0], cols, rows});
  for (int64_t p = 0; p < t.shape()[0]; ++p)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        swapped.data<float>()[(p * cols + j) * rows + i] =
            t.data<float>()[(p * rows + i) * cols + j];
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

} // namespace
