//===- MemoryPlanTest.cpp - The static arena plan of codegen --------------===//
//
// Each case parses a small function and checks offsets derived by hand:
// buffers are 64-byte aligned, a buffer is free again after its last reader,
// reshapes keep the buffer they view alive, and an op's results never overlap
// its operands.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/MemoryPlan.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

class MemoryPlanTest : public ::testing::Test {
protected:
  MemoryPlanTest() {
    context.loadDialect<starch::StarchDialect, func::FuncDialect>();
  }

  void parse(llvm::StringRef source) {
    module = parseSourceString<ModuleOp>(source, &context);
    ASSERT_TRUE(module) << "cannot parse:\n" << source.str();
    function = *module->getOps<func::FuncOp>().begin();
    plan = starch::codegen::planMemory(function);
  }

  /// The offset of the result of the op tagged `tag`.
  int64_t offsetOf(llvm::StringRef tag) {
    Value found;
    function.walk([&](Operation *op) {
      if (auto attr = op->getAttrOfType<StringAttr>("tag"))
        if (attr.getValue() == tag)
          found = op->getResult(0);
    });
    EXPECT_TRUE(found) << "no op tagged " << tag.str();
    EXPECT_TRUE(plan.offsets.count(found)) << tag.str() << " has no offset";
    return plan.offsets.lookup(found);
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  func::FuncOp function;
  starch::codegen::MemoryPlan plan;
};

// A chain of four 256-byte buffers: each dies when the next one is computed,
// so two slots alternate and the arena is 512 bytes, not 1024.
TEST_F(MemoryPlanTest, ChainReusesTwoSlots) {
  parse(R"mlir(
func.func @f(%x: tensor<64xf32>) -> tensor<64xf32> {
  %a = starch.exp %x {tag = "a"} : tensor<64xf32>
  %b = starch.exp %a {tag = "b"} : tensor<64xf32>
  %c = starch.exp %b {tag = "c"} : tensor<64xf32>
  %d = starch.exp %c {tag = "d"} : tensor<64xf32>
  return %d : tensor<64xf32>
})mlir");
  EXPECT_EQ(offsetOf("a"), 0);
  EXPECT_EQ(offsetOf("b"), 256);
  EXPECT_EQ(offsetOf("c"), 0);
  EXPECT_EQ(offsetOf("d"), 256);
  EXPECT_EQ(plan.arenaBytes, 512);
  EXPECT_EQ(plan.totalBytes, 1024);
}

// %a is read through a reshape by the last op, so its slot stays taken and
// %c goes above %b.
TEST_F(MemoryPlanTest, ReshapeKeepsItsBufferAlive) {
  parse(R"mlir(
func.func @f(%x: tensor<64xf32>) -> tensor<8x8xf32> {
  %a = starch.exp %x {tag = "a"} : tensor<64xf32>
  %r = starch.reshape %a : tensor<64xf32> -> tensor<8x8xf32>
  %b = starch.exp %x {tag = "b"} : tensor<64xf32>
  %c = starch.exp %b {tag = "c"} : tensor<64xf32>
  %cr = starch.reshape %c : tensor<64xf32> -> tensor<8x8xf32>
  %d = starch.add %r, %cr {tag = "d"} : tensor<8x8xf32>
  return %d : tensor<8x8xf32>
})mlir");
  EXPECT_EQ(offsetOf("a"), 0);
  EXPECT_EQ(offsetOf("b"), 256);
  EXPECT_EQ(offsetOf("c"), 512);
  // %b is dead once %c exists, but %d must not overlap %a or %c.
  EXPECT_EQ(offsetOf("d"), 256);
  EXPECT_EQ(plan.arenaBytes, 768);
}

// Sizes round up to 64 bytes, and a freed large block is split for smaller
// later buffers.
TEST_F(MemoryPlanTest, AlignmentAndSplitting) {
  parse(R"mlir(
func.func @f(%x: tensor<3xf32>, %y: tensor<32xf32>) -> (tensor<3xf32>, tensor<f32>) {
  %a = starch.exp %y {tag = "a"} : tensor<32xf32>
  %s = starch.reduce sum %a dims = [0] {tag = "s"} : tensor<32xf32> -> tensor<f32>
  %b = starch.exp %x {tag = "b"} : tensor<3xf32>
  return %b, %s : tensor<3xf32>, tensor<f32>
})mlir");
  EXPECT_EQ(offsetOf("a"), 0);   // 128 bytes
  EXPECT_EQ(offsetOf("s"), 128); // 4 bytes -> 64
  EXPECT_EQ(offsetOf("b"), 0);   // 12 bytes -> 64, in %a's freed block
  EXPECT_EQ(plan.arenaBytes, 192);
}

} // namespace

// A value that lives in the caller's result buffer takes no arena space: the
// chain above with %d outside needs the slots of %a, %b and %c only, and %c
// may reuse %a's slot (%a died when %b was computed).
TEST_F(MemoryPlanTest, ValuesOutsideTakeNoArenaSpace) {
  parse(R"mlir(
func.func @f(%x: tensor<64xf32>) -> tensor<64xf32> {
  %a = starch.exp %x {tag = "a"} : tensor<64xf32>
  %b = starch.exp %a {tag = "b"} : tensor<64xf32>
  %c = starch.exp %b {tag = "c"} : tensor<64xf32>
  %d = starch.exp %c {tag = "d"} : tensor<64xf32>
  return %d : tensor<64xf32>
})mlir");
  llvm::DenseSet<Value> outside;
  outside.insert(function.getBody().front().getTerminator()->getOperand(0));
  plan = starch::codegen::planMemory(function, outside);
  EXPECT_EQ(offsetOf("a"), 0);
  EXPECT_EQ(offsetOf("b"), 256);
  EXPECT_EQ(offsetOf("c"), 0);
  EXPECT_EQ(plan.offsets.count(*outside.begin()), 0u);
  EXPECT_EQ(plan.arenaBytes, 512);
  EXPECT_EQ(plan.totalBytes, 768);
}
