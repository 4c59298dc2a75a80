//===- RepeatsTest.cpp - Runs the C++ emitter writes as loops -------------===//
//
// Each case parses a small function whose repeats are known by hand: how
// many periods, how long, and where each operand of a period comes from.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/Repeats.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;
using starch::codegen::OperandSource;
using starch::codegen::Repeat;

namespace {

class RepeatsTest : public ::testing::Test {
protected:
  RepeatsTest() {
    context.loadDialect<starch::StarchDialect, func::FuncDialect>();
  }

  /// The repeats of the first function of `source` (no minimum saving).
  SmallVector<Repeat> repeatsOf(llvm::StringRef source) {
    module = parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << "cannot parse:\n" << source.str();
    if (!module)
      return {};
    auto function = *module->getOps<func::FuncOp>().begin();
    ops.clear();
    for (Operation &op : function.getBody().front().without_terminator())
      ops.push_back(&op);
    return starch::codegen::findRepeats(ops, /*minSavedOps=*/1);
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  SmallVector<Operation *> ops;
};

// A sum of squares over three parameters of one shape: three periods of
// (read, mul, add). The read is the period's own; the running sum comes from
// the previous period (or, in the first, from before the run).
TEST_F(RepeatsTest, SumOfSquaresIsThreePeriods) {
  SmallVector<Repeat> repeats = repeatsOf(R"mlir(
starch.param @a : tensor<4xf32>
starch.param @b : tensor<4xf32>
starch.param @c : tensor<4xf32>
func.func @f(%zero: tensor<4xf32>) -> tensor<4xf32> {
  %a = starch.read_param @a : tensor<4xf32>
  %aa = starch.mul %a, %a : tensor<4xf32>
  %s1 = starch.add %zero, %aa : tensor<4xf32>
  %b = starch.read_param @b : tensor<4xf32>
  %bb = starch.mul %b, %b : tensor<4xf32>
  %s2 = starch.add %s1, %bb : tensor<4xf32>
  %c = starch.read_param @c : tensor<4xf32>
  %cc = starch.mul %c, %c : tensor<4xf32>
  %s3 = starch.add %s2, %cc : tensor<4xf32>
  return %s3 : tensor<4xf32>
})mlir");
  ASSERT_EQ(repeats.size(), 1u);
  EXPECT_EQ(repeats[0].begin, 0u);
  EXPECT_EQ(repeats[0].period, 3u);
  EXPECT_EQ(repeats[0].count, 3u);
  using S = OperandSource;
  EXPECT_EQ(repeats[0].sources[1], (SmallVector<S>{S::local, S::local}));
  EXPECT_EQ(repeats[0].sources[2], (SmallVector<S>{S::perPeriod, S::local}));
}

// The longest saving wins: period 2 (tanh, exp) repeats four times, although
// its first op alone also repeats (twice, as tanh tanh would not).
TEST_F(RepeatsTest, TheRunSavingMostOpsWins) {
  SmallVector<Repeat> repeats = repeatsOf(R"mlir(
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = starch.tanh %x : tensor<4xf32>
  %1 = starch.exp %0 : tensor<4xf32>
  %2 = starch.tanh %1 : tensor<4xf32>
  %3 = starch.exp %2 : tensor<4xf32>
  %4 = starch.tanh %3 : tensor<4xf32>
  %5 = starch.exp %4 : tensor<4xf32>
  %6 = starch.tanh %5 : tensor<4xf32>
  %7 = starch.exp %6 : tensor<4xf32>
  return %7 : tensor<4xf32>
})mlir");
  ASSERT_EQ(repeats.size(), 1u);
  EXPECT_EQ(repeats[0].period, 2u);
  EXPECT_EQ(repeats[0].count, 4u);
  EXPECT_EQ(repeats[0].sources[0][0], OperandSource::perPeriod);
  EXPECT_EQ(repeats[0].sources[1][0], OperandSource::local);
}

// A period of another shape ends the run: two periods of f32[4], then one
// of f32[8].
TEST_F(RepeatsTest, AnotherShapeEndsTheRun) {
  SmallVector<Repeat> repeats = repeatsOf(R"mlir(
func.func @f(%x: tensor<4xf32>, %y: tensor<8xf32>) -> (tensor<4xf32>, tensor<8xf32>) {
  %0 = starch.tanh %x : tensor<4xf32>
  %1 = starch.exp %0 : tensor<4xf32>
  %2 = starch.tanh %1 : tensor<4xf32>
  %3 = starch.exp %2 : tensor<4xf32>
  %4 = starch.tanh %y : tensor<8xf32>
  %5 = starch.exp %4 : tensor<8xf32>
  return %3, %5 : tensor<4xf32>, tensor<8xf32>
})mlir");
  ASSERT_EQ(repeats.size(), 1u);
  EXPECT_EQ(repeats[0].begin, 0u);
  EXPECT_EQ(repeats[0].count, 2u);
  EXPECT_EQ(repeats[0].end(), 4u);
}

// A loop body's constant has no name after the loop: a run whose constant is
// read after it is not taken. A reshape of a buffer is (made again there).
TEST_F(RepeatsTest, ConstantsMayNotEscapeReshapesMay) {
  SmallVector<Repeat> withConstant = repeatsOf(R"mlir(
func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %c0 = starch.constant dense<2.0> : tensor<4xf32>
  %0 = starch.mul %x, %c0 : tensor<4xf32>
  %c1 = starch.constant dense<2.0> : tensor<4xf32>
  %1 = starch.mul %0, %c1 : tensor<4xf32>
  return %1, %c1 : tensor<4xf32>, tensor<4xf32>
})mlir");
  EXPECT_TRUE(withConstant.empty());
  SmallVector<Repeat> withReshape = repeatsOf(R"mlir(
func.func @f(%x: tensor<4xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %0 = starch.exp %x : tensor<4xf32>
  %r0 = starch.reshape %0 : tensor<4xf32> -> tensor<2x2xf32>
  %1 = starch.exp %0 : tensor<4xf32>
  %r1 = starch.reshape %1 : tensor<4xf32> -> tensor<2x2xf32>
  return %r0, %r1 : tensor<2x2xf32>, tensor<2x2xf32>
})mlir");
  ASSERT_EQ(withReshape.size(), 1u);
  EXPECT_EQ(withReshape[0].count, 2u);
}

// A value of an earlier period that only the loop body could name (a
// reshape) may not feed a later period.
TEST_F(RepeatsTest, LoopLocalValuesDoNotCrossPeriods) {
  SmallVector<Repeat> repeats = repeatsOf(R"mlir(
func.func @f(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %f0 = starch.reshape %x : tensor<2x2xf32> -> tensor<4xf32>
  %e0 = starch.exp %f0 : tensor<4xf32>
  %x1 = starch.reshape %e0 : tensor<4xf32> -> tensor<2x2xf32>
  %f1 = starch.reshape %x1 : tensor<2x2xf32> -> tensor<4xf32>
  %e1 = starch.exp %f1 : tensor<4xf32>
  %x2 = starch.reshape %e1 : tensor<4xf32> -> tensor<2x2xf32>
  return %x2 : tensor<2x2xf32>
})mlir");
  EXPECT_TRUE(repeats.empty());
}

} // namespace
