//===- GemmBf16Test.cpp - bf16 products against a double reference -------===//
//
// gemmBf16 against sums in double of the same bf16 operands, for every
// transpose combination, sizes at and past the micro-kernel's and the
// blocks' edges, odd depths and padded leading dimensions; the portable
// path alone and against the AVX512-BF16 one; the rounding of the bf16
// output. The f32-operand products, bit for bit against rounding the
// operands first (bf16Bits) and multiplying the rounded copies.
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
#include "runtime/kernels/Bf16.h"

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

/// An f32 value from its bits.
float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

/// f32 values at the edges of bf16 rounding: ties to even (low 16 bits
/// 0x8000 over even and odd bf16 patterns), one below and above a tie,
/// values that round up into the next exponent or to infinity, subnormals
/// and their ties, signed zeros.
std::vector<float> roundingEdges() {
  std::vector<uint32_t> bits = {
      0x3f808000, 0x3f818000, 0x3f807fff, 0x3f808001, // ties, near ties
      0xbf808000, 0xbf818000, 0x3f7f8000, 0x3f7fffff, // up to 1.0
      0x3fff8000, 0x7f7f8000, 0x7f7fffff, 0xff7fffff, // to 2, to inf
      0x00008000, 0x00018000, 0x007fffff, 0x80000001, // subnormals
      0x00000000, 0x80000000, 0x00800000, 0x3e2aaaab};
  std::vector<float> values;
  for (uint32_t b : bits)
    values.push_back(fromBits(b));
  return values;
}

/// A rows x cols f32 matrix in a buffer of leading dimension `ld` (padding
/// NaN, which must not be read): random values that bf16 cannot hold, one
/// in four a rounding edge, and `nonFinite` NaNs and infinities (signalling
/// and quiet NaN) at random places.
struct WideMatrix {
  int64_t rows, cols, ld;
  std::vector<float> values;
  WideMatrix(int64_t rows, int64_t cols, int64_t ld, unsigned seed,
             int nonFinite)
      : rows(rows), cols(cols), ld(ld),
        values(rows * ld, std::numeric_limits<float>::quiet_NaN()) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> edges = roundingEdges();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        values[i * ld + j] =
            gen() % 4 ? dist(gen) : edges[gen() % edges.size()];
    const float special[] = {fromBits(0x7f800001), fromBits(0xffc00123),
                             std::numeric_limits<float>::infinity(),
                             -std::numeric_limits<float>::infinity()};
    for (int s = 0; s < nonFinite; ++s)
      values[gen() % rows * ld + gen() % cols] = special[s % 4];
  }
  /// Each element rounded by bf16Bits, the padding kept as bf16 NaN.
  std::vector<uint16_t> roundedBits() const {
    std::vector<uint16_t> bits(values.size(), 0x7fc0);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        bits[i * ld + j] = bf16Bits(values[i * ld + j]);
    return bits;
  }
};

using Bf16Gemm = void (*)(bool, bool, int64_t, int64_t, int64_t,
                          const uint16_t *, int64_t, const uint16_t *, int64_t,
                          float *, int64_t);
using F32Gemm = void (*)(bool, bool, int64_t, int64_t, int64_t, const float *,
                         int64_t, const float *, int64_t, float *, int64_t,
                         bool);

void publicF32Gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                   const float *a, int64_t lda, const float *b, int64_t ldb,
                   float *c, int64_t ldc, bool roundResult) {
  gemmBf16(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, roundResult);
}

/// For every case, with and without the rounded result: `f32Gemm` on f32
/// operands equals, bit for bit (NaNs included), `bf16Gemm` on their
/// bf16Bits-rounded copies, its result then rounded by bf16Bits; the
/// padding of C is left alone.
void expectRoundFirstBits(F32Gemm f32Gemm, Bf16Gemm bf16Gemm, int nonFinite) {
  for (const Case &c : cases()) {
    WideMatrix a(c.transA ? c.k : c.m, c.transA ? c.m : c.k,
                 (c.transA ? c.m : c.k) + c.pad, 11, nonFinite),
        b(c.transB ? c.n : c.k, c.transB ? c.k : c.n,
          (c.transB ? c.k : c.n) + c.pad, 12, nonFinite);
    std::vector<uint16_t> aBits = a.roundedBits(), bBits = b.roundedBits();
    int64_t ldc = c.n + c.pad;
    std::vector<float> want(c.m * ldc, -7.0f);
    bf16Gemm(c.transA, c.transB, c.m, c.n, c.k, aBits.data(), a.ld,
             bBits.data(), b.ld, want.data(), ldc);
    for (bool roundResult : {false, true}) {
      std::vector<float> got(c.m * ldc, -7.0f);
      f32Gemm(c.transA, c.transB, c.m, c.n, c.k, a.values.data(), a.ld,
              b.values.data(), b.ld, got.data(), ldc, roundResult);
      for (int64_t i = 0; i < c.m; ++i)
        for (int64_t j = 0; j < ldc; ++j) {
          float expected = want[i * ldc + j];
          if (roundResult && j < c.n)
            expected = bf16Value(bf16Bits(expected));
          uint32_t gotBits, wantBits;
          std::memcpy(&gotBits, &got[i * ldc + j], 4);
          std::memcpy(&wantBits, &expected, 4);
          ASSERT_EQ(gotBits, wantBits)
              << describe(c) << " roundResult=" << roundResult << " at C[" << i
              << "][" << j << "]";
        }
    }
  }
}

TEST(GemmBf16, F32OperandsAreRoundedAsRoundingFirst) {
  expectRoundFirstBits(publicF32Gemm, fastGemm, 0);
  if (!testing::Test::HasFatalFailure())
    expectRoundFirstBits(publicF32Gemm, fastGemm, 3);
}

TEST(GemmBf16, PortablePathRoundsF32OperandsAsRoundingFirst) {
  expectRoundFirstBits(detail::gemmBf16PortableF32, detail::gemmBf16Portable,
                       3);
}

TEST(GemmBf16, PackedPathRoundsF32OperandsAsRoundingFirst) {
  if (!hasBf16DotProduct())
    GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  expectRoundFirstBits(detail::gemmBf16PackedF32, detail::gemmBf16Packed, 3);
}

/// Each rounding edge and non-finite value times 1 is its bf16Bits value
/// (the product of a bf16 value and 1 is exact): as an element of A and of
/// B, stored either way, so that every packing routine rounds it.
TEST(GemmBf16, F32OperandTimesOneIsItsBf16Value) {
  std::vector<float> values = roundingEdges();
  for (uint32_t bits : {0x7f800001u, 0xffc00123u, 0x7f800000u, 0xff800000u})
    values.push_back(fromBits(bits));
  int64_t count = values.size();
  std::vector<float> one = {1.0f};
  for (bool trans : {false, true}) {
    std::vector<float> column(count), row(count);
    // A is count x 1 (or 1 x count stored, transposed); B is 1 x 1.
    gemmBf16(trans, trans, count, 1, 1, values.data(), trans ? count : 1,
             one.data(), 1, column.data(), 1, false);
    // A is 1 x 1; B is 1 x count (or count x 1 stored, transposed).
    gemmBf16(trans, trans, 1, count, 1, one.data(), 1, values.data(),
             trans ? 1 : count, row.data(), count, false);
    for (int64_t i = 0; i < count; ++i) {
      float want = bf16Value(bf16Bits(values[i]));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(column[i]) && std::isnan(row[i])) << i;
        continue;
      }
      if (hasBf16DotProduct() && std::fabs(want) < 0x1p-126f)
        want = 0.0f; // vdpbf16ps reads subnormal operands as zero
      EXPECT_EQ(column[i], want) << "trans=" << trans << " value " << i;
      EXPECT_EQ(row[i], want) << "trans=" << trans << " value " << i;
    }
  }
}

} // namespace
