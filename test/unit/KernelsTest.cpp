//===- KernelsTest.cpp - Runtime kernels against naive loops and hand values
//===//
#include "TestUtil.h"

#include "runtime/kernels/Compat.h"
#include "runtime/kernels/Kernels.h"

#include <cmath>
#include <limits>
#include <thread>

using namespace starch::rt;
using namespace starch::rt::test;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Tensor binaryOf(BinaryKind kind, const Tensor &a, const Tensor &b) {
  Tensor out(a.dtype(), a.shape());
  Status s = binary(kind, a, b, out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

Tensor unaryOf(UnaryKind kind, const Tensor &a) {
  Tensor out(a.dtype(), a.shape());
  Status s = unary(kind, a, out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}
} // namespace

//===--- Elementwise
//-------------------------------------------------------===//

TEST(Elementwise, IntegerDivisionTruncatesTowardZero) {
  Tensor a = make(DType::i32, {4}, {7, -7, 7, -7});
  Tensor b = make(DType::i32, {4}, {2, 2, -2, -2});
  expectNear(binaryOf(BinaryKind::div, a, b), {3, -3, -3, 3}, 0);
  expectNear(binaryOf(BinaryKind::rem, a, b), {1, -1, 1, -1}, 0);
}

TEST(Elementwise, FloatRemainderIsFmod) {
  Tensor a = make(DType::f32, {3}, {5.5, -5.5, 5.5});
  Tensor b = make(DType::f32, {3}, {2, 2, -2});
  expectNear(binaryOf(BinaryKind::rem, a, b), {1.5, -1.5, 1.5}, 0);
}

TEST(Elementwise, Int64KeepsFullPrecision) {
  Tensor a(DType::i64, {1}), b(DType::i64, {1});
  a.data<int64_t>()[0] = (int64_t(1) << 62) + 1;
  b.data<int64_t>()[0] = 2;
  Tensor sum = binaryOf(BinaryKind::add, a, b);
  EXPECT_EQ(sum.data<int64_t>()[0], (int64_t(1) << 62) + 3);
  Tensor product = binaryOf(BinaryKind::mul, a, b);
  EXPECT_EQ(product.data<int64_t>()[0], int64_t((uint64_t(1) << 63) + 2));
  Tensor quotient = binaryOf(BinaryKind::div, a, b);
  EXPECT_EQ(quotient.data<int64_t>()[0], int64_t(1) << 61);
}

TEST(Elementwise, IntegerEdgeCasesDoNotTrap) {
  Tensor a = make(DType::i32, {3}, {5, std::numeric_limits<int32_t>::min(), 3});
  Tensor b = make(DType::i32, {3}, {0, -1, 0});
  expectNear(binaryOf(BinaryKind::div, a, b),
             {0, double(std::numeric_limits<int32_t>::min()), 0}, 0);
  expectNear(binaryOf(BinaryKind::rem, a, b), {0, 0, 0}, 0);
  Tensor base = make(DType::i64, {3}, {3, -2, 2});
  Tensor exponent = make(DType::i64, {3}, {4, 3, -1});
  expectNear(binaryOf(BinaryKind::pow, base, exponent), {81, -8, 0}, 0);
}

TEST(Elementwise, MaxMinPropagateNaN) {
  Tensor a = make(DType::f32, {3}, {kNaN, 1, 2});
  Tensor b = make(DType::f32, {3}, {1, kNaN, 3});
  std::vector<double> max = values(binaryOf(BinaryKind::max, a, b));
  std::vector<double> min = values(binaryOf(BinaryKind::min, a, b));
  EXPECT_TRUE(std::isnan(max[0]) && std::isnan(max[1]));
  EXPECT_TRUE(std::isnan(min[0]) && std::isnan(min[1]));
  EXPECT_EQ(max[2], 3);
  EXPECT_EQ(min[2], 2);
}

TEST(Elementwise, CompareWithNaNIsFalseExceptNe) {
  Tensor a = make(DType::f64, {2}, {kNaN, 1});
  Tensor b = make(DType::f64, {2}, {kNaN, 1});
  const std::pair<CompareKind, std::vector<double>> cases[] = {
      {CompareKind::eq, {0, 1}}, {CompareKind::ne, {1, 0}},
      {CompareKind::lt, {0, 0}}, {CompareKind::le, {0, 1}},
      {CompareKind::gt, {0, 0}}, {CompareKind::ge, {0, 1}}};
  for (const auto &[kind, expected] : cases) {
    Tensor out(DType::i1, {2});
    ASSERT_TRUE(compare(kind, a, b, out).ok());
    expectNear(out, expected, 0);
  }
}

TEST(Elementwise, UnaryHandValues) {
  Tensor x = make(DType::f64, {3}, {-1, 0, 2});
  expectNear(unaryOf(UnaryKind::sigmoid, x),
             {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-2.0))}, 1e-15);
  expectNear(unaryOf(UnaryKind::silu, x),
             {-1 / (1 + std::exp(1.0)), 0, 2 / (1 + std::exp(-2.0))}, 1e-15);
  expectNear(unaryOf(UnaryKind::relu, x), {0, 0, 2}, 0);
  expectNear(unaryOf(UnaryKind::sign, x), {-1, 0, 1}, 0);
  expectNear(unaryOf(UnaryKind::rsqrt, make(DType::f64, {1}, {4})), {0.5}, 0);
  // gelu(1) = 0.5 (1 + erf(1/sqrt 2)) = 0.8413447460685429
  expectNear(unaryOf(UnaryKind::geluErf, make(DType::f64, {1}, {1})),
             {0.8413447460685429}, 1e-15);
  // tanh form: 0.5 (1 + tanh(sqrt(2/pi) * 1.044715))
  expectNear(unaryOf(UnaryKind::geluTanh, make(DType::f64, {1}, {1})),
             {0.5 * (1 + std::tanh(std::sqrt(2 / M_PI) * 1.044715))}, 1e-15);
  Tensor ints = make(DType::i8, {3}, {-128, -3, 4});
  expectNear(unaryOf(UnaryKind::abs, ints), {-128, 3, 4}, 0); // wraps
  expectNear(unaryOf(UnaryKind::neg, ints), {-128, 3, -4}, 0);
}

TEST(Elementwise, FloatOnlyOpRejectsIntegers) {
  Tensor x = make(DType::i32, {1}, {1}), out(DType::i32, {1});
  EXPECT_FALSE(unary(UnaryKind::exp, x, out).ok());
}

TEST(Elementwise, BoolLogic) {
  Tensor a = make(DType::i1, {4}, {0, 0, 1, 1});
  Tensor b = make(DType::i1, {4}, {0, 1, 0, 1});
  expectNear(binaryOf(BinaryKind::logicalAnd, a, b), {0, 0, 0, 1}, 0);
  expectNear(binaryOf(BinaryKind::logicalOr, a, b), {0, 1, 1, 1}, 0);
  expectNear(binaryOf(BinaryKind::logicalXor, a, b), {0, 1, 1, 0}, 0);
  expectNear(unaryOf(UnaryKind::logicalNot, a), {1, 1, 0, 0}, 0);
}

TEST(Elementwise, HalfComputesInFloatAndRounds) {
  Tensor a = make(DType::f16, {2}, {1, 2}), b = make(DType::f16, {2}, {0.5, 3});
  expectNear(binaryOf(BinaryKind::div, a, b), {2, 0.66650390625}, 0);
  Tensor c = make(DType::bf16, {1}, {1}), d = make(DType::bf16, {1}, {3});
  expectNear(binaryOf(BinaryKind::div, c, d), {0.333984375}, 0);
}

TEST(Elementwise, ConvertTruncatesAndTestsNonZero) {
  Tensor x = make(DType::f32, {5}, {1.7, -1.7, 0, 0.25, kNaN});
  Tensor ints(DType::i32, {5}), bools(DType::i1, {5});
  ASSERT_TRUE(convert(x, ints).ok());
  ASSERT_TRUE(convert(x, bools).ok());
  expectNear(ints, {1, -1, 0, 0, 0}, 0);
  expectNear(bools, {1, 1, 0, 1, 1}, 0);
  Tensor big(DType::i64, {1});
  big.data<int64_t>()[0] = (int64_t(1) << 60) + 7;
  Tensor narrow(DType::i32, {1}), back(DType::i64, {1});
  ASSERT_TRUE(convert(big, narrow).ok());
  EXPECT_EQ(narrow.data<int32_t>()[0], 7); // integer conversion wraps
  Tensor copy(DType::i64, {1});
  ASSERT_TRUE(convert(big, copy).ok());
  EXPECT_EQ(copy.data<int64_t>()[0], (int64_t(1) << 60) + 7);
  Tensor half(DType::f16, {1});
  ASSERT_TRUE(convert(make(DType::i32, {1}, {3}), half).ok());
  expectNear(half, {3}, 0);
}

TEST(Elementwise, SelectIotaFill) {
  Tensor cond = make(DType::i1, {3}, {1, 0, 1});
  Tensor a = make(DType::i64, {3}, {1, 2, 3}),
         b = make(DType::i64, {3}, {4, 5, 6});
  Tensor out(DType::i64, {3});
  ASSERT_TRUE(select(cond, a, b, out).ok());
  expectNear(out, {1, 5, 3}, 0);
  Tensor io(DType::f32, {2, 3});
  ASSERT_TRUE(iota(1, io).ok());
  expectNear(io, {0, 1, 2, 0, 1, 2}, 0);
  ASSERT_TRUE(iota(0, io).ok());
  expectNear(io, {0, 0, 0, 1, 1, 1}, 0);
  Tensor filled(DType::bf16, {2});
  ASSERT_TRUE(fill(-2.5, filled).ok());
  expectNear(filled, {-2.5, -2.5}, 0);
}

//===--- Data movement
//-----------------------------------------------------===//

TEST(DataMovement, BroadcastRepeatsSizeOneDims) {
  Tensor bias = make(DType::f32, {3}, {1, 2, 3});
  Tensor out(DType::f32, {2, 3});
  ASSERT_TRUE(broadcast(bias, {1}, out).ok());
  expectNear(out, {1, 2, 3, 1, 2, 3}, 0);
  Tensor column = make(DType::i64, {2, 1}, {7, 8});
  Tensor wide(DType::i64, {2, 2, 3});
  ASSERT_TRUE(broadcast(column, {0, 2}, wide).ok());
  expectNear(wide, {7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8}, 0);
}

TEST(DataMovement, Transpose) {
  Tensor x = make(DType::f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor out(DType::f32, {3, 2});
  ASSERT_TRUE(transpose(x, {1, 0}, out).ok());
  expectNear(out, {1, 4, 2, 5, 3, 6}, 0);
  Tensor cube = random(DType::f64, {2, 3, 4});
  Tensor permuted(DType::f64, {4, 2, 3});
  ASSERT_TRUE(transpose(cube, {2, 0, 1}, permuted).ok());
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k)
        EXPECT_EQ(permuted.data<double>()[(k * 2 + i) * 3 + j],
                  cube.data<double>()[(i * 3 + j) * 4 + k]);
}

TEST(DataMovement, ConcatAlongInnerAxis) {
  Tensor a = make(DType::i32, {2, 1}, {1, 2}),
         b = make(DType::i32, {2, 2}, {3, 4, 5, 6});
  Tensor out(DType::i32, {2, 3});
  ASSERT_TRUE(concat({a, b}, 1, out).ok());
  expectNear(out, {1, 3, 4, 2, 5, 6}, 0);
}

TEST(DataMovement, SliceWithNegativeStride) {
  Tensor x = make(DType::f32, {6}, {0, 1, 2, 3, 4, 5});
  Tensor out(DType::f32, {3}); // start 5, limit 0, stride -2: 5, 3, 1
  ASSERT_TRUE(slice(x, {5}, {-2}, out).ok());
  expectNear(out, {5, 3, 1}, 0);
  Tensor m = make(DType::f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor window(DType::f32, {2, 2}); // rows reversed, columns 1..2
  ASSERT_TRUE(slice(m, {1, 1}, {-1, 1}, window).ok());
  expectNear(window, {5, 6, 2, 3}, 0);
}

TEST(DataMovement, PadAndNegativePadCrops) {
  Tensor x = make(DType::f32, {3}, {1, 2, 3});
  Tensor padded(DType::f32, {6});
  ASSERT_TRUE(pad(x, {2}, {1}, 9, padded).ok());
  expectNear(padded, {9, 9, 1, 2, 3, 9}, 0);
  Tensor cropped(DType::f32, {2});
  ASSERT_TRUE(pad(x, {-1}, {0}, 0, cropped).ok());
  expectNear(cropped, {2, 3}, 0);
  Tensor m = make(DType::i64, {2, 2}, {1, 2, 3, 4});
  Tensor mixed(DType::i64, {3, 1}); // one row added above, first column cropped
  ASSERT_TRUE(pad(m, {1, -1}, {0, 0}, -1, mixed).ok());
  expectNear(mixed, {-1, 2, 4}, 0);
}

TEST(DataMovement, GatherWrapsNegativeIndices) {
  Tensor table = make(DType::f32, {3, 2}, {0, 1, 10, 11, 20, 21});
  Tensor ids = make(DType::i64, {2, 2}, {2, -3, -1, 1});
  Tensor rows(DType::f32, {2, 2, 2});
  ASSERT_TRUE(gather(table, ids, 0, rows).ok());
  expectNear(rows, {20, 21, 0, 1, 20, 21, 10, 11}, 0);
  Tensor columns(DType::f32, {3, 1});
  ASSERT_TRUE(gather(table, make(DType::i32, {1}, {-1}), 1, columns).ok());
  expectNear(columns, {1, 11, 21}, 0);
  Tensor bad(DType::f32, {1, 2});
  EXPECT_FALSE(gather(table, make(DType::i64, {1}, {3}), 0, bad).ok());
}

TEST(DataMovement, ScatterAddSumsRepeatedIndices) {
  // gather's adjoint: rows 2, 0 (as -3), 2 (as -1) and 1 of a 3 x 2 table.
  Tensor updates = make(DType::f32, {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor ids = make(DType::i64, {2, 2}, {2, -3, -1, 1});
  Tensor table(DType::f32, {3, 2});
  ASSERT_TRUE(scatterAdd(updates, ids, 0, table).ok());
  expectNear(table, {3, 4, 7, 8, 1 + 5, 2 + 6}, 0);
  // Along columns: both updates of row r land in column 1.
  Tensor columns(DType::f64, {2, 3});
  ASSERT_TRUE(scatterAdd(make(DType::f64, {2, 2}, {1, 2, 3, 4}),
                         make(DType::i32, {2}, {1, -2}), 1, columns)
                  .ok());
  expectNear(columns, {0, 3, 0, 0, 7, 0}, 0);
  Tensor bad(DType::f32, {3, 2});
  EXPECT_FALSE(scatterAdd(make(DType::f32, {1, 2}, {1, 2}),
                          make(DType::i64, {1}, {3}), 0, bad)
                   .ok());
}

//===--- Reductions and softmax
//--------------------------------------------===//

TEST(Reduce, SoftmaxOfZeroAndLn2) {
  Tensor x = make(DType::f32, {2}, {0, std::log(2.0)}), out(DType::f32, {2});
  ASSERT_TRUE(softmax(x, 0, false, out).ok());
  expectNear(out, {1.0 / 3, 2.0 / 3}, 1e-7);
  ASSERT_TRUE(softmax(x, 0, true, out).ok());
  expectNear(out, {std::log(1.0 / 3), std::log(2.0 / 3)}, 1e-6);
}

TEST(Reduce, SoftmaxIsStableAndWorksOnInnerAxis) {
  Tensor x = make(DType::f64, {2, 2}, {1000, 0, 1000 + std::log(2.0), 0});
  Tensor out(DType::f64, {2, 2});
  ASSERT_TRUE(softmax(x, 0, false, out).ok()); // columns
  expectNear(out, {1.0 / 3, 0.5, 2.0 / 3, 0.5}, 1e-12);
}

TEST(Reduce, KindsOverDims) {
  Tensor x = make(DType::f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  const std::pair<ReduceKind, std::vector<double>> rows[] = {
      {ReduceKind::sum, {6, 15}},
      {ReduceKind::mean, {2, 5}},
      {ReduceKind::max, {3, 6}},
      {ReduceKind::min, {1, 4}},
      {ReduceKind::prod, {6, 120}}};
  for (const auto &[kind, expected] : rows) {
    Tensor out(DType::f32, {2});
    ASSERT_TRUE(reduce(kind, x, {1}, out).ok());
    expectNear(out, expected, 1e-6);
  }
  Tensor columns(DType::f32, {3});
  ASSERT_TRUE(reduce(ReduceKind::sum, x, {0}, columns).ok());
  expectNear(columns, {5, 7, 9}, 0);
  Tensor all(DType::f32, {});
  ASSERT_TRUE(reduce(ReduceKind::mean, x, {0, 1}, all).ok());
  expectNear(all, {3.5}, 1e-6);
  Tensor ints = make(DType::i64, {3}, {7, -2, 4}), mean(DType::i64, {});
  ASSERT_TRUE(reduce(ReduceKind::mean, ints, {0}, mean).ok());
  expectNear(mean, {3}, 0);
  Tensor nan = make(DType::f32, {2}, {kNaN, 1}), nanMax(DType::f32, {});
  ASSERT_TRUE(reduce(ReduceKind::max, nan, {0}, nanMax).ok());
  EXPECT_TRUE(std::isnan(values(nanMax)[0]));
}

TEST(Reduce, LongRowsSumOnAllThreadsToTheSameNumber) {
  // Two rows of 100000 (a gradient's squared norm is one such row), summed
  // in fixed chunks on the threads: the naive double sum to rounding, and
  // bit for bit the same on 1, 2 and 3 threads.
  Tensor x = random(DType::f32, {2, 100000}, 9);
  double naive[2] = {0, 0};
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 100000; ++j)
      naive[i] += x.data<float>()[i * 100000 + j];
  std::vector<float> first;
  for (int threads : {1, 2, 3}) {
    setNumThreads(threads);
    for (ReduceKind kind : {ReduceKind::sum, ReduceKind::mean}) {
      Tensor out(DType::f32, {2});
      ASSERT_TRUE(reduce(kind, x, {1}, out).ok());
      double scale = kind == ReduceKind::mean ? 1e-5 : 1;
      expectNear(out, {naive[0] * scale, naive[1] * scale}, 1e-3 * scale);
      for (int64_t i = 0; i < 2; ++i)
        if (threads == 1)
          first.push_back(out.data<float>()[i]);
        else
          EXPECT_EQ(out.data<float>()[i],
                    first[(kind == ReduceKind::mean) * 2 + i]);
    }
  }
  setNumThreads(0);
}

TEST(Reduce, MiddleDimOfRank3) {
  Tensor x = random(DType::f64, {2, 3, 4});
  Tensor out(DType::f64, {2, 4});
  ASSERT_TRUE(reduce(ReduceKind::sum, x, {1}, out).ok());
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) {
      double sum = 0;
      for (int j = 0; j < 3; ++j)
        sum += x.data<double>()[(i * 3 + j) * 4 + k];
      EXPECT_NEAR(out.data<double>()[i * 4 + k], sum, 1e-14);
    }
}

TEST(Reduce, ArgmaxFirstWins) {
  Tensor x = make(DType::f32, {2, 3}, {1, 5, 5, 7, 2, 7});
  Tensor out(DType::i64, {2});
  ASSERT_TRUE(argmax(x, 1, out).ok());
  expectNear(out, {1, 0}, 0);
  Tensor columns(DType::i32, {3});
  ASSERT_TRUE(argmax(x, 0, columns).ok());
  expectNear(columns, {1, 0, 1}, 0);
}

//===--- Prefix sums ------------------------------------------------------===//

namespace {
Tensor cumsumOf(const Tensor &x, int64_t axis, bool exclusive, bool reverse) {
  Tensor out(x.dtype(), x.shape());
  Status s = cumsum(x, axis, exclusive, reverse, out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}
} // namespace

TEST(Cumsum, HandValuesAlongEachAxisForEveryFlag) {
  // [[1, 2, 3], [4, 5, 6]]: along the rows (axis 1) and down the columns.
  Tensor x = make(DType::f32, {2, 3}, {1, 2, 3, 4, 5, 6});
  expectNear(cumsumOf(x, 1, false, false), {1, 3, 6, 4, 9, 15}, 0);
  expectNear(cumsumOf(x, 1, true, false), {0, 1, 3, 0, 4, 9}, 0);
  expectNear(cumsumOf(x, 1, false, true), {6, 5, 3, 15, 11, 6}, 0);
  expectNear(cumsumOf(x, 1, true, true), {5, 3, 0, 11, 6, 0}, 0);
  expectNear(cumsumOf(x, 0, false, false), {1, 2, 3, 5, 7, 9}, 0);
  expectNear(cumsumOf(x, 0, true, false), {0, 0, 0, 1, 2, 3}, 0);
  expectNear(cumsumOf(x, 0, false, true), {5, 7, 9, 4, 5, 6}, 0);
  expectNear(cumsumOf(x, 0, true, true), {4, 5, 6, 0, 0, 0}, 0);
}

TEST(Cumsum, PlaceholderRowIndicesInInt64) {
  // One flag per token (1 = a placeholder): the exclusive prefix sum is the
  // feature row each placeholder takes, 0, 1, 2, ... in token order.
  Tensor flags = make(DType::i64, {10}, {0, 1, 1, 0, 0, 1, 1, 1, 0, 1});
  Tensor rows = cumsumOf(flags, 0, true, false);
  std::vector<int64_t> expected = {0, 0, 1, 2, 2, 2, 3, 4, 5, 5};
  for (int64_t i = 0; i < 10; ++i)
    EXPECT_EQ(rows.data<int64_t>()[i], expected[i]) << "at " << i;
  // Exact beyond 2^53, where a double accumulator would round.
  Tensor big(DType::i64, {3});
  int64_t large = (int64_t(1) << 60) + 1;
  big.data<int64_t>()[0] = large;
  big.data<int64_t>()[1] = 1;
  big.data<int64_t>()[2] = 2;
  Tensor sums = cumsumOf(big, 0, false, false);
  EXPECT_EQ(sums.data<int64_t>()[0], large);
  EXPECT_EQ(sums.data<int64_t>()[1], large + 1);
  EXPECT_EQ(sums.data<int64_t>()[2], large + 3);
}

TEST(Cumsum, IntegersWrapAndNarrowTypesWork) {
  Tensor x(DType::i32, {3});
  x.data<int32_t>()[0] = std::numeric_limits<int32_t>::max();
  x.data<int32_t>()[1] = 1;
  x.data<int32_t>()[2] = 5;
  Tensor sums = cumsumOf(x, 0, false, false);
  EXPECT_EQ(sums.data<int32_t>()[1], std::numeric_limits<int32_t>::min());
  EXPECT_EQ(sums.data<int32_t>()[2], std::numeric_limits<int32_t>::min() + 5);
  expectNear(cumsumOf(make(DType::i8, {4}, {100, 27, 1, -3}), 0, false, false),
             {100, 127, -128, 125}, 0);
  expectNear(cumsumOf(make(DType::u8, {3}, {200, 50, 10}), 0, false, true),
             {4, 60, 10}, 0);
}

TEST(Cumsum, FloatsAccumulateInDouble) {
  // 1 + 1e-8 + ... rounds back to 1 at every step in f32, but the sum in
  // double reaches 1 + 3e-7 after 30 terms, which f32 can hold.
  std::vector<double> terms(31, 1e-8);
  terms[0] = 1;
  Tensor x = make(DType::f32, {31}, terms);
  Tensor sums = cumsumOf(x, 0, false, false);
  EXPECT_EQ(sums.data<float>()[30], static_cast<float>(1 + 30e-8));
  EXPECT_NE(sums.data<float>()[30], 1.0f);
}

TEST(Cumsum, HalfComputesInFloat) {
  Tensor x = make(DType::bf16, {2, 2}, {1.5, 2, -4, 0.25});
  expectNear(cumsumOf(x, 0, false, false), {1.5, 2, -2.5, 2.25}, 0);
  expectNear(cumsumOf(x, 1, true, true), {2, 0, 0.25, 0}, 0);
}

TEST(Cumsum, MatchesExplicitLoopsForAnyThreadCount) {
  // The middle axis of a 3 x 500 x 7 tensor and the outer one: every line is
  // summed by an explicit loop in the test; every thread count agrees.
  Tensor x = random(DType::f64, {3, 500, 7}, 41);
  const double *in = x.data<double>();
  for (int64_t axis : {0, 1, 2})
    for (bool exclusive : {false, true})
      for (bool reverse : {false, true}) {
        SCOPED_TRACE("axis " + std::to_string(axis) +
                     (exclusive ? " exclusive" : "") +
                     (reverse ? " reverse" : ""));
        const Shape &shape = x.shape();
        int64_t stride = 1;
        for (int64_t d = axis + 1; d < 3; ++d)
          stride *= shape[d];
        int64_t n = shape[axis];
        std::vector<double> expected(x.numElements());
        for (int64_t i = 0; i < x.numElements(); ++i) {
          int64_t k = (i / stride) % n, first = i - k * stride;
          double sum = 0;
          for (int64_t j = 0; j < n; ++j) {
            bool counted = reverse ? (exclusive ? j > k : j >= k)
                                   : (exclusive ? j < k : j <= k);
            if (counted)
              sum += in[first + j * stride];
          }
          expected[i] = sum;
        }
        Tensor reference;
        for (int threads : {1, 2, 5}) {
          setNumThreads(threads);
          Tensor got = cumsumOf(x, axis, exclusive, reverse);
          expectNear(got, expected, 1e-11);
          if (reference.empty())
            reference = got;
          else
            EXPECT_EQ(values(got), values(reference)) << threads << " threads";
        }
        setNumThreads(0);
      }
}

TEST(Cumsum, RejectsBoolsBadAxesAndWrongResults) {
  Tensor flags(DType::i1, {4}), sums(DType::i1, {4});
  EXPECT_FALSE(cumsum(flags, 0, false, false, sums).ok());
  Tensor x = random(DType::f32, {2, 3});
  Tensor out(DType::f32, {2, 3}), wrong(DType::f64, {2, 3});
  EXPECT_FALSE(cumsum(x, 2, false, false, out).ok());
  EXPECT_FALSE(cumsum(x, -1, false, false, out).ok());
  EXPECT_FALSE(cumsum(x, 0, false, false, wrong).ok());
}

//===--- Conv (matmul: MatmulKernelsTest.cpp) -----------------------------===//

/// Direct 2-d convolution with every attribute.
std::vector<double> naiveConv2d(const Tensor &x, const Tensor &w,
                                const ConvParams &p, const Shape &outShape) {
  int64_t n = x.shape()[0], c = x.shape()[1], h = x.shape()[2],
          wd = x.shape()[3];
  int64_t o = w.shape()[0], cg = w.shape()[1], kh = w.shape()[2],
          kw = w.shape()[3];
  int64_t rh = outShape[2], rw = outShape[3], og = o / p.groups;
  std::vector<double> out(n * o * rh * rw, 0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t i = 0; i < rh; ++i)
        for (int64_t j = 0; j < rw; ++j) {
          double sum = 0;
          int64_t g = oc / og;
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t u = 0; u < kh; ++u)
              for (int64_t v = 0; v < kw; ++v) {
                int64_t y = i * p.strides[0] - p.padLow[0] + u * p.dilations[0];
                int64_t z = j * p.strides[1] - p.padLow[1] + v * p.dilations[1];
                if (y < 0 || y >= h || z < 0 || z >= wd)
                  continue;
                sum += elementAsDouble(x, ((b * c + g * cg + ic) * h + y) * wd +
                                              z) *
                       elementAsDouble(w, ((oc * cg + ic) * kh + u) * kw + v);
              }
          out[((b * o + oc) * rh + i) * rw + j] = sum;
        }
  return out;
}

TEST(Conv, TwoDWithGroupsStridesPadsDilations) {
  ConvParams p{{2, 1}, {1, 2}, {0, 1}, {1, 2}, 2};
  Tensor x = random(DType::f64, {2, 4, 7, 6}, 5),
         w = random(DType::f64, {6, 2, 3, 2}, 6);
  // R = (S + lo + hi - d (K - 1) - 1) / s + 1
  Shape outShape{2, 6, (7 + 1 + 0 - 2 - 1) / 2 + 1,
                 (6 + 2 + 1 - 2 - 1) / 1 + 1};
  Tensor out(DType::f64, outShape);
  ASSERT_TRUE(conv(x, w, p, out).ok());
  expectNear(out, naiveConv2d(x, w, p, outShape), 1e-12);
}

TEST(Conv, SingleImageParallelPath) {
  ConvParams p{{1, 1}, {1, 1}, {1, 1}, {1, 1}, 1};
  Tensor x = random(DType::f32, {1, 3, 20, 20}, 7),
         w = random(DType::f32, {8, 3, 3, 3}, 8);
  Shape outShape{1, 8, 20, 20};
  Tensor out(DType::f32, outShape);
  ASSERT_TRUE(conv(x, w, p, out).ok());
  expectNear(out, naiveConv2d(x, w, p, outShape), 1e-5);
}

TEST(Conv, ManyImagesWithFewOutputsInBlocks) {
  // 4 output positions per image: the images go through the GEMM in blocks of
  // 64, here one full block and a partial one, in each of two groups.
  ConvParams p{{1, 1}, {0, 1}, {0, -1}, {1, 1}, 2};
  Tensor x = random(DType::f64, {70, 4, 3, 3}, 9),
         w = random(DType::f64, {4, 2, 2, 2}, 10);
  Shape outShape{70, 4, 2, 2};
  Tensor out(DType::f64, outShape);
  ASSERT_TRUE(conv(x, w, p, out).ok());
  expectNear(out, naiveConv2d(x, w, p, outShape), 1e-12);
}

TEST(Conv, OneDHandValues) {
  // [1 2 3 4] * [1 -1], stride 1, no pad: [-1 -1 -1]
  Tensor x = make(DType::f32, {1, 1, 4}, {1, 2, 3, 4});
  Tensor w = make(DType::f32, {1, 1, 2}, {1, -1});
  Tensor out(DType::f32, {1, 1, 3});
  ASSERT_TRUE(conv(x, w, ConvParams{{1}, {0}, {0}, {1}, 1}, out).ok());
  expectNear(out, {-1, -1, -1}, 0);
}

//===--- Norms, rope, attention
//--------------------------------------------===//

TEST(Norm, RmsNormHandValues) {
  // rms of [3, 4] = sqrt(12.5); weight [1, 2]
  Tensor x = make(DType::f64, {1, 2}, {3, 4}),
         w = make(DType::f64, {2}, {1, 2});
  Tensor out(DType::f64, {1, 2});
  ASSERT_TRUE(rmsNorm(x, w, 0, out).ok());
  expectNear(out, {3 / std::sqrt(12.5), 8 / std::sqrt(12.5)}, 1e-15);
}

TEST(Norm, LayerNormOverTrailingDims) {
  // mean 2.5, biased var 1.25 over all four elements (axis 1 of 1x2x2)
  Tensor x = make(DType::f64, {1, 2, 2}, {1, 2, 3, 4});
  Tensor w = make(DType::f64, {2, 2}, {1, 1, 1, 2}),
         b = make(DType::f64, {2, 2}, {0, 0, 0, 1});
  Tensor out(DType::f64, {1, 2, 2});
  ASSERT_TRUE(layerNorm(x, w, b, 1, 0, out).ok());
  double s = std::sqrt(1.25);
  expectNear(out, {-1.5 / s, -0.5 / s, 0.5 / s, 2 * 1.5 / s + 1}, 1e-15);
}

TEST(Rope, RotateHalf) {
  // D = 4: out = x cos + [-x2, -x3, x0, x1] sin
  Tensor x = make(DType::f32, {1, 1, 1, 4}, {1, 2, 3, 4});
  Tensor c = make(DType::f32, {1, 1, 4}, {0.5, 0.5, 0.5, 0.5});
  Tensor s = make(DType::f32, {1, 1, 4}, {1, 2, 3, 4});
  Tensor out(DType::f32, {1, 1, 1, 4});
  ASSERT_TRUE(rope(x, c, s, out).ok());
  expectNear(out, {0.5 - 3, 1 - 8, 1.5 + 3, 2 + 8}, 1e-6);
}

/// softmax(scale q k^T + mask) v with every rule spelled out.
std::vector<double> naiveAttention(const Tensor &q, const Tensor &k,
                                   const Tensor &v, const Tensor *bias,
                                   AttentionMask mask, double scale) {
  int64_t b = q.shape()[0], hq = q.shape()[1], s = q.shape()[2],
          d = q.shape()[3];
  int64_t hkv = k.shape()[1], t = k.shape()[2], dv = v.shape()[3];
  std::vector<double> out(b * hq * s * dv, 0);
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t h = 0; h < hq; ++h) {
      int64_t kvh = h / (hq / hkv);
      for (int64_t i = 0; i < s; ++i) {
        std::vector<double> score(t);
        double maximum = -kInf;
        for (int64_t j = 0; j < t; ++j) {
          double dot = 0;
          for (int64_t e = 0; e < d; ++e)
            dot += elementAsDouble(q, ((bi * hq + h) * s + i) * d + e) *
                   elementAsDouble(k, ((bi * hkv + kvh) * t + j) * d + e);
          score[j] = scale * dot;
          if (mask == AttentionMask::causal && j > i + t - s)
            score[j] = -kInf;
          if (mask == AttentionMask::additive) {
            int64_t bb = bias->shape()[0] == 1 ? 0 : bi;
            int64_t bh = bias->shape()[1] == 1 ? 0 : h;
            score[j] += elementAsDouble(
                *bias, ((bb * bias->shape()[1] + bh) * s + i) * t + j);
          }
          maximum = std::max(maximum, score[j]);
        }
        double sum = 0;
        for (double &x : score)
          sum += (x = std::exp(x - maximum));
        for (int64_t e = 0; e < dv; ++e) {
          double acc = 0;
          for (int64_t j = 0; j < t; ++j)
            acc += score[j] / sum *
                   elementAsDouble(v, ((bi * hkv + kvh) * t + j) * dv + e);
          out[((bi * hq + h) * s + i) * dv + e] = acc;
        }
      }
    }
  return out;
}

TEST(Attention, GroupedCausalWithOffset) {
  // Hq 4 reads Hkv 2; S 3 queries against T 5 keys: causal offset T - S = 2.
  Tensor q = random(DType::f64, {2, 4, 3, 8}, 11),
         k = random(DType::f64, {2, 2, 5, 8}, 12),
         v = random(DType::f64, {2, 2, 5, 6}, 13);
  Tensor out(DType::f64, {2, 4, 3, 6});
  for (AttentionMask mask : {AttentionMask::full, AttentionMask::causal}) {
    ASSERT_TRUE(attention(q, k, v, nullptr, nullptr, mask, 0.35, out).ok());
    expectNear(out, naiveAttention(q, k, v, nullptr, mask, 0.35), 1e-12);
  }
}

TEST(Attention, AdditiveBiasBroadcastsSizeOneDims) {
  Tensor q = random(DType::f32, {2, 2, 4, 8}, 21),
         k = random(DType::f32, {2, 1, 4, 8}, 22),
         v = random(DType::f32, {2, 1, 4, 8}, 23);
  Tensor out(DType::f32, {2, 2, 4, 8});
  for (Shape biasShape :
       {Shape{1, 1, 4, 4}, Shape{2, 1, 4, 4}, Shape{1, 2, 4, 4}}) {
    Tensor bias = random(DType::f32, biasShape, 24);
    ASSERT_TRUE(
        attention(q, k, v, &bias, nullptr, AttentionMask::additive, 0.5, out)
            .ok());
    expectNear(out,
               naiveAttention(q, k, v, &bias, AttentionMask::additive, 0.5),
               1e-5);
  }
}

TEST(Attention, LongSequenceSplitsQueryRows) {
  Tensor q = random(DType::f32, {1, 1, 100, 16}, 31),
         k = random(DType::f32, {1, 1, 100, 16}, 32),
         v = random(DType::f32, {1, 1, 100, 16}, 33);
  Tensor out(DType::f32, {1, 1, 100, 16});
  ASSERT_TRUE(
      attention(q, k, v, nullptr, nullptr, AttentionMask::causal, 0.25, out)
          .ok());
  expectNear(out, naiveAttention(q, k, v, nullptr, AttentionMask::causal, 0.25),
             1e-5);
}

//===--- Thread pool
//-------------------------------------------------------===//

TEST(Parallel, CoversRangeOnceFromSeveralThreads) {
  setNumThreads(3);
  std::vector<std::thread> callers;
  std::vector<std::vector<int>> hits(4, std::vector<int>(1000, 0));
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&, c] {
      parallelFor(1000, 7, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          ++hits[c][i];
      });
    });
  for (std::thread &t : callers)
    t.join();
  for (auto &row : hits)
    for (int h : row)
      EXPECT_EQ(h, 1);
  setNumThreads(0);
}

//===--- Device-safe limits
//------------------------------------------------===//

static_assert(maxOf<int8_t>() == 127 && lowestOf<int8_t>() == -128);
static_assert(maxOf<int64_t>() == std::numeric_limits<int64_t>::max());
static_assert(lowestOf<int64_t>() == std::numeric_limits<int64_t>::lowest());
static_assert(maxOf<uint8_t>() == 255 && lowestOf<uint8_t>() == 0);
static_assert(lowestOf<float>() == std::numeric_limits<float>::lowest());
static_assert(maxOf<double>() == std::numeric_limits<double>::max());

TEST(Compat, InfinityOf) {
  EXPECT_EQ(infinityOf<float>(), std::numeric_limits<float>::infinity());
  EXPECT_EQ(infinityOf<double>(), std::numeric_limits<double>::infinity());
}
