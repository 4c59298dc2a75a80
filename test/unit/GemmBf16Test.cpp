//===- GemmBf16Test.cpp - bf16 products against a double reference -------===//
//
// gemmBf16 against sums in double of the same bf16 operands, for every
// transpose combination, sizes at and past the micro-kernel's and the
// blocks' edges, odd depths and padded leading dimensions; the portable
// path alone and against the AVX512-BF16 one; the rounding of the bf16
// output.
//
// Products of bf16 values are exact in f32, so the only error is f32
// summation: at most about k * 2^-24 * sum |a||b| per element (the bound of
// recursive summation; blocked sums do better). A dropped, doubled or
// misplaced product changes the result by one |a b| (about 0.25 here),
// far above that bound.
//
//===----------------------------------------------------------------------===//
#include "runtime/kernels/GemmBf16.h"
#include "runtime/Tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace starch::rt;

namespace {

/// A rows x cols bf16 matrix in a buffer of leading dimension `ld`; the
/// padding holds values that must not be read into the product (NaN).
struct Matrix {
  int64_t rows, cols, ld;
  std::vector<uint16_t> bits;
  Matrix(int64_t rows, int64_t cols, int64_t ld, unsigned seed)
      : rows(rows), cols(cols), ld(ld), bits(rows * ld, 0x7fc0) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        bits[i * ld + j] = floatToBfloat16(dist(gen));
  }
  double at(int64_t i, int64_t j) const {
    return bfloat16ToFloat(bits[i * ld + j]);
  }
};

struct Case {
  bool transA, transB;
  int64_t m, n, k, pad;
};

std::string describe(const Case &c) {
  return "transA=" + std::to_string(c.transA) +
         " transB=" + std::to_string(c.transB) + " m=" + std::to_string(c.m) +
         " n=" + std::to_string(c.n) + " k=" + std::to_string(c.k) +
         " pad=" + std::to_string(c.pad);
}

/// The operands of a case, stored as the flags say, with their reference.
struct Problem {
  Case shape;
  Matrix a, b;
  std::vector<double> product, magnitude; // sum a b, sum |a b|

  explicit Problem(const Case &c, unsigned seed = 1)
      : shape(c), a(c.transA ? c.k : c.m, c.transA ? c.m : c.k,
                    (c.transA ? c.m : c.k) + c.pad, seed),
        b(c.transB ? c.n : c.k, c.transB ? c.k : c.n,
          (c.transB ? c.k : c.n) + c.pad, seed + 1) {
    product.assign(c.m * c.n, 0);
    magnitude.assign(c.m * c.n, 0);
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j)
        for (int64_t l = 0; l < c.k; ++l) {
          double term = (c.transA ? a.at(l, i) : a.at(i, l)) *
                        (c.transB ? b.at(j, l) : b.at(l, j));
          product[i * c.n + j] += term;
          magnitude[i * c.n + j] += std::fabs(term);
        }
  }

  int64_t ldc() const { return shape.n + shape.pad; }

  /// gemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc) into a C of
  /// leading dimension ldc() prefilled with a sentinel.
  template <typename Gemm, typename T> std::vector<T> run(Gemm gemm, T fill) {
    std::vector<T> c(std::max<int64_t>(shape.m, 1) * ldc(), fill);
    gemm(shape.transA, shape.transB, shape.m, shape.n, shape.k, a.bits.data(),
         a.ld, b.bits.data(), b.ld, c.data(), ldc());
    return c;
  }

  double tolerance(int64_t i, int64_t j) const {
    return (shape.k + 2) * std::ldexp(magnitude[i * shape.n + j], -24);
  }

  void expectMatches(const std::vector<float> &c) const {
    for (int64_t i = 0; i < shape.m; ++i) {
      for (int64_t j = 0; j < shape.n; ++j)
        ASSERT_NEAR(c[i * ldc() + j], product[i * shape.n + j], tolerance(i, j))
            << describe(shape) << " at C[" << i << "][" << j << "]";
      for (int64_t j = shape.n; j < ldc(); ++j)
        ASSERT_EQ(c[i * ldc() + j], -7.0f) << "padding of C written";
    }
  }
};

void fastGemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
              const uint16_t *a, int64_t lda, const uint16_t *b, int64_t ldb,
              float *c, int64_t ldc) {
  gemmBf16(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
}

/// Every flag combination over sizes at the edges of the micro-kernel
/// (12 x 32), the blocks (120 rows, 768 deep, 1536 columns), odd depths and
/// single elements; each with dense and padded leading dimensions.
std::vector<Case> cases() {
  struct Size {
    int64_t m, n, k;
  };
  std::vector<Size> sizes = {
      {1, 1, 1},   {1, 1, 2},     {2, 3, 5},      {12, 32, 16},   {13, 33, 17},
      {11, 31, 1}, {25, 70, 385}, {130, 40, 800}, {121, 97, 768}, {7, 1600, 9},
      {37, 65, 3}, {5, 40, 1537}, {3, 1600, 801}};
  std::vector<Case> all;
  for (const Size &s : sizes)
    for (int flags = 0; flags < 4; ++flags)
      for (int64_t pad : {0, 5})
        all.push_back({bool(flags & 1), bool(flags & 2), s.m, s.n, s.k, pad});
  return all;
}

TEST(GemmBf16, MatchesReferenceForEveryFlagCombination) {
  for (const Case &c : cases()) {
    Problem problem(c);
    problem.expectMatches(problem.run(fastGemm, -7.0f));
    if (testing::Test::HasFatalFailure())
      return;
  }
}

TEST(GemmBf16, PortablePathMatchesReference) {
  for (const Case &c : cases()) {
    Problem problem(c);
    problem.expectMatches(problem.run(detail::gemmBf16Portable, -7.0f));
    if (testing::Test::HasFatalFailure())
      return;
  }
}

TEST(GemmBf16, PackedAndPortablePathsAgree) {
  if (!hasBf16DotProduct())
    GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  for (const Case &c : cases()) {
    Problem problem(c, 7);
    std::vector<float> packed = problem.run(detail::gemmBf16Packed, -7.0f),
                       portable = problem.run(detail::gemmBf16Portable, -7.0f);
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j)
        ASSERT_NEAR(packed[i * problem.ldc() + j],
                    portable[i * problem.ldc() + j],
                    2 * problem.tolerance(i, j))
            << describe(c) << " at C[" << i << "][" << j << "]";
  }
}

TEST(GemmBf16, EmptyDepthGivesZerosAndEmptyResultsWriteNothing) {
  std::vector<uint16_t> none(4, 0x3f80);
  std::vector<float> c(3 * 6, -7.0f);
  gemmBf16(false, false, 3, 4, 0, none.data(), 1, none.data(), 4, c.data(), 6);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 6; ++j)
      EXPECT_EQ(c[i * 6 + j], j < 4 ? 0.0f : -7.0f);
  std::vector<float> untouched(4, -7.0f);
  gemmBf16(false, true, 0, 4, 3, none.data(), 3, none.data(), 3,
           untouched.data(), 4);
  gemmBf16(true, false, 4, 0, 3, none.data(), 4, none.data(), 1,
           untouched.data(), 1);
  for (float value : untouched)
    EXPECT_EQ(value, -7.0f);
}

/// The bf16 output is the f32 output rounded by floatToBfloat16, bit for
/// bit (both share the same sums).
TEST(GemmBf16, RoundedOutputIsTheRoundedF32Product) {
  for (const Case &c : cases()) {
    Problem problem(c, 3);
    std::vector<float> wide = problem.run(fastGemm, -7.0f);
    auto narrowGemm = [](bool transA, bool transB, int64_t m, int64_t n,
                         int64_t k, const uint16_t *a, int64_t lda,
                         const uint16_t *b, int64_t ldb, uint16_t *out,
                         int64_t ldc) {
      gemmBf16(transA, transB, m, n, k, a, lda, b, ldb, out, ldc);
    };
    std::vector<uint16_t> narrow = problem.run(narrowGemm, uint16_t(0xdead));
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < problem.ldc(); ++j)
        ASSERT_EQ(narrow[i * problem.ldc() + j],
                  j < c.n ? floatToBfloat16(wide[i * problem.ldc() + j])
                          : 0xdead)
            << describe(c) << " at C[" << i << "][" << j << "]";
  }
}

TEST(GemmBf16, RoundsTiesToEvenAndKeepsNaN) {
  // Row i of A is (1, x_i), B is the column (1, 1): C = 1 + x_i exactly.
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> second = {0x1p-8f,            // tie: stays at even 1
                               0x3p-8f,            // tie: up to even 1 + 2^-6
                               0x1p-8f + 0x1p-15f, // past the tie: up
                               nan};
  std::vector<uint16_t> a, b = {0x3f80, 0x3f80};
  for (float x : second) {
    a.push_back(0x3f80);
    a.push_back(floatToBfloat16(x));
  }
  ASSERT_EQ(bfloat16ToFloat(a[5]), 0x1p-8f + 0x1p-15f) << "exact in bf16";
  std::vector<uint16_t> c(4);
  gemmBf16(false, false, 4, 1, 2, a.data(), 2, b.data(), 1, c.data(), 1);
  EXPECT_EQ(bfloat16ToFloat(c[0]), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(c[1]), 1.0f + 0x1p-6f);
  EXPECT_EQ(bfloat16ToFloat(c[2]), 1.0f + 0x1p-7f);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(c[3])));
}

} // namespace
