//===- CostTest.cpp - CostOpInterface numbers of every starch op ----------===//
//
// Each case parses a small function, finds the op tagged `{tag = "..."}` and
// compares its FLOPs and bytes with numbers derived by hand from the formulas
// in StarchInterfaces.td (the arithmetic is spelled out next to each one).
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchInterfaces.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

class CostTest : public ::testing::Test {
protected:
  CostTest() {
    context.loadDialect<starch::StarchDialect, func::FuncDialect>();
  }

  /// Parses `body` as the ops of `func.func @f(args)` returning nothing.
  void parse(llvm::StringRef args, llvm::StringRef body) {
    std::string source =
        ("func.func @f(" + args + ") {\n" + body + "\n  return\n}\n").str();
    module = parseSourceString<ModuleOp>(source, &context);
    ASSERT_TRUE(module) << "cannot parse:\n" << source;
  }

  /// The cost interface of the op tagged `tag`.
  starch::CostOpInterface op(llvm::StringRef tag) {
    starch::CostOpInterface found;
    module->walk([&](Operation *candidate) {
      auto attr = candidate->getAttrOfType<StringAttr>("tag");
      if (attr && attr.getValue() == tag)
        found = llvm::dyn_cast<starch::CostOpInterface>(candidate);
    });
    EXPECT_TRUE(found) << "no starch op tagged " << tag.str();
    return found;
  }

  void expectCost(llvm::StringRef tag, int64_t flops, int64_t bytes) {
    starch::CostOpInterface cost = op(tag);
    if (!cost)
      return;
    EXPECT_EQ(cost.getFlops(), flops) << tag.str();
    EXPECT_EQ(cost.getBytesAccessed(), bytes) << tag.str();
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(CostTest, EveryOpImplementsTheInterface) {
  int starchOps = 0;
  for (RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "starch")
      continue;
    ++starchOps;
    EXPECT_TRUE(name.hasInterface<starch::CostOpInterface>())
        << name.getStringRef().str();
  }
  EXPECT_GE(starchOps, 55);
}

TEST_F(CostTest, Matmul) {
  parse("%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>, %c: tensor<8x16xbf16>, "
        "%d: tensor<16x32xbf16>, %e: tensor<0x5xf32>, %f: tensor<5x16xf32>",
        R"(
  %0 = starch.matmul %a, %b {tag = "batched"} : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
  %1 = starch.matmul %c, %d {tag = "bf16"} : (tensor<8x16xbf16>, tensor<16x32xbf16>) -> tensor<8x32xbf16>
  %2 = starch.matmul %e, %f {tag = "empty"} : (tensor<0x5xf32>, tensor<5x16xf32>) -> tensor<0x16xf32>
)");
  // 2 * batch 2 * M 3 * N 5 * K 4; (24 + 40 + 30) f32 elements.
  expectCost("batched", 240, 376);
  // 2 * 8 * 32 * 16; (128 + 512 + 256) bf16 elements.
  expectCost("bf16", 8192, 1792);
  // M = 0: nothing computed, the 80-element rhs is still read.
  expectCost("empty", 0, 320);
}

TEST_F(CostTest, Elementwise) {
  parse("%x: tensor<4x8xf32>, %h: tensor<4x8xf16>, %b: tensor<4x8xi1>", R"(
  %0 = starch.add %x, %x {tag = "add"} : tensor<4x8xf32>
  %1 = starch.exp %h {tag = "exp"} : tensor<4x8xf16>
  %2 = starch.compare lt, %x, %x {tag = "compare"} : tensor<4x8xf32> -> tensor<4x8xi1>
  %3 = starch.select %b, %x, %x {tag = "select"} : tensor<4x8xi1>, tensor<4x8xf32>
  %4 = starch.convert %x {tag = "convert"} : tensor<4x8xf32> -> tensor<4x8xi64>
  %5 = starch.gelu %x approximate = tanh {tag = "gelu"} : tensor<4x8xf32>
  %6 = starch.not %b {tag = "not"} : tensor<4x8xi1>
  %7 = starch.neg %x {tag = "neg"} : tensor<4x8xf32>
)");
  // 32 elements; 3 f32 tensors of 128 bytes.
  expectCost("add", 32, 384);
  // 2 f16 tensors of 64 bytes.
  expectCost("exp", 32, 128);
  // 2 x 128 bytes read, 32 one-byte booleans written.
  expectCost("compare", 32, 288);
  // 32 condition bytes + 3 x 128.
  expectCost("select", 32, 416);
  // 128 bytes read, 32 x 8 written.
  expectCost("convert", 32, 384);
  expectCost("gelu", 32, 256);
  expectCost("not", 32, 64);
  expectCost("neg", 32, 256);
}

TEST_F(CostTest, DataMovement) {
  parse("%v: tensor<8xf32>, %x: tensor<4x8xf32>, %y: tensor<4x2xf32>, "
        "%t: tensor<100x16xf32>, %i: tensor<2x3xi64>",
        R"(
  %0 = starch.broadcast %v dims = [1] {tag = "broadcast"} : tensor<8xf32> -> tensor<4x8xf32>
  %1 = starch.reshape %x {tag = "reshape"} : tensor<4x8xf32> -> tensor<32xf32>
  %2 = starch.transpose %x perm = [1, 0] {tag = "transpose"} : tensor<4x8xf32> -> tensor<8x4xf32>
  %3 = starch.concat %x, %y axis = 1 {tag = "concat"} : (tensor<4x8xf32>, tensor<4x2xf32>) -> tensor<4x10xf32>
  %4 = starch.slice %x start = [0, 4] limit = [4, 8] strides = [1, 1] {tag = "slice"} : tensor<4x8xf32> -> tensor<4x4xf32>
  %5 = starch.pad %x low = [1, 1] high = [0, 1] value = 0.0 {tag = "pad"} : tensor<4x8xf32> -> tensor<5x10xf32>
  %6 = starch.gather %t[%i] axis = 0 {tag = "gather"} : (tensor<100x16xf32>, tensor<2x3xi64>) -> tensor<2x3x16xf32>
)");
  // (8 + 32) f32 elements.
  expectCost("broadcast", 0, 160);
  // A view: nothing moves.
  expectCost("reshape", 0, 0);
  expectCost("transpose", 0, 256);
  // (32 + 8 + 40) f32 elements.
  expectCost("concat", 0, 320);
  // The 16-element window read and written.
  expectCost("slice", 0, 128);
  // (32 + 50) f32 elements.
  expectCost("pad", 0, 328);
  // 6 indices x 8 bytes + 96 gathered f32 elements read and written.
  expectCost("gather", 0, 816);
}

TEST_F(CostTest, ReductionsAndSoftmax) {
  parse("%x: tensor<2x3x4xf32>", R"(
  %0 = starch.reduce sum %x dims = [2] {tag = "sum"} : tensor<2x3x4xf32> -> tensor<2x3xf32>
  %1 = starch.reduce mean %x dims = [2] {tag = "mean"} : tensor<2x3x4xf32> -> tensor<2x3xf32>
  %2 = starch.reduce max %x dims = [0, 1, 2] {tag = "all"} : tensor<2x3x4xf32> -> tensor<f32>
  %3 = starch.argmax %x axis = 2 {tag = "argmax"} : tensor<2x3x4xf32> -> tensor<2x3xi64>
  %4 = starch.softmax %x axis = 2 {tag = "softmax"} : tensor<2x3x4xf32>
  %5 = starch.log_softmax %x axis = 1 {tag = "log_softmax"} : tensor<2x3x4xf32>
  %6 = starch.cumsum %x axis = 1 exclusive {tag = "cumsum"} : tensor<2x3x4xf32>
)");
  // 24 inputs combined; (24 + 6) f32 elements.
  expectCost("sum", 24, 120);
  // + 6 divisions.
  expectCost("mean", 30, 120);
  expectCost("all", 24, 100);
  // 24 comparisons; 96 bytes read, 6 x 8 written.
  expectCost("argmax", 24, 144);
  // 5 x 24; 2 x 96 bytes.
  expectCost("softmax", 120, 192);
  expectCost("log_softmax", 120, 192);
  // One addition per element; 96 bytes read, 96 written.
  expectCost("cumsum", 24, 192);
}

TEST_F(CostTest, Conv) {
  parse("%a: tensor<1x4x10xf32>, %w: tensor<6x2x3xf32>, "
        "%img: tensor<2x3x8x8xf32>, %k: tensor<4x3x3x3xf32>",
        R"(
  %0 = starch.conv %a, %w strides = [1] pad_low = [1] pad_high = [1] dilations = [1] groups = 2 {tag = "grouped"} : (tensor<1x4x10xf32>, tensor<6x2x3xf32>) -> tensor<1x6x10xf32>
  %1 = starch.conv %img, %k strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 {tag = "conv2d"} : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32>
)");
  // 2 * N 1 * O 6 * R 10 * (C 4 / groups 2) * K 3; (40 + 36 + 60) elements.
  expectCost("grouped", 720, 544);
  // 2 * 2 * 4 * 36 * 3 * 9; (384 + 108 + 288) elements.
  expectCost("conv2d", 15552, 3120);
}

TEST_F(CostTest, Fused) {
  parse("%x: tensor<2x8x16xf32>, %w: tensor<16xf32>, %q: tensor<1x2x4x8xf32>, "
        "%t: tensor<1x4x8xf32>",
        R"(
  %0 = starch.rms_norm %x, %w epsilon = 1.0e-6 {tag = "rms_norm"} : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %1 = starch.layer_norm %x, %w, %w axis = 2 epsilon = 1.0e-5 {tag = "layer_norm"} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %2 = starch.rope %q, %t, %t {tag = "rope"} : (tensor<1x2x4x8xf32>, tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x2x4x8xf32>
)");
  // 4 x 256; (256 + 16 + 256) elements.
  expectCost("rms_norm", 1024, 2112);
  // 7 x 256; (256 + 16 + 16 + 256) elements.
  expectCost("layer_norm", 1792, 2176);
  // 3 x 64; (64 + 32 + 32 + 64) elements.
  expectCost("rope", 192, 768);
}

TEST_F(CostTest, Attention) {
  parse("%q: tensor<2x4x8x16xf32>, %kv: tensor<2x2x6x16xf32>, "
        "%bias: tensor<2x1x8x6xf32>, %self: tensor<2x2x8x16xf32>, "
        "%bits: tensor<2x8xi64>",
        R"(
  %0 = starch.attention %q, %kv, %kv mask = causal scale = 0.25 {tag = "causal"} : (tensor<2x4x8x16xf32>, tensor<2x2x6x16xf32>, tensor<2x2x6x16xf32>) -> tensor<2x4x8x16xf32>
  %1 = starch.attention %q, %kv, %kv bias %bias mask = additive scale = 0.25 {tag = "additive"} : (tensor<2x4x8x16xf32>, tensor<2x2x6x16xf32>, tensor<2x2x6x16xf32>, tensor<2x1x8x6xf32>) -> tensor<2x4x8x16xf32>
  %2 = starch.attention %q, %self, %self bits %bits mask = bitfield scale = 0.25 {tag = "bitfield"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>) -> tensor<2x4x8x16xf32>
  %3 = starch.attention %q, %kv, %kv mask = causal scale = 0.25 window = 2 softcap = 50.0 {tag = "capped"} : (tensor<2x4x8x16xf32>, tensor<2x2x6x16xf32>, tensor<2x2x6x16xf32>) -> tensor<2x4x8x16xf32>
)");
  // B 2 * Hq 4 * S 8 * T 6 = 384 scores: 4 * 384 * D 16 + 5 * 384;
  // (1024 + 384 + 384 + 1024) f32 elements.
  expectCost("causal", 26496, 11264);
  // + 384 bias additions; + 96 bias elements.
  expectCost("additive", 26880, 11648);
  // T = S = 8: 512 scores, all counted: 4 * 512 * 16 + 5 * 512; f32
  // elements (1024 + 512 + 512 + 1024) plus 16 i64 words (128 bytes).
  expectCost("bitfield", 35328, 12416);
  // A window of 2 keys per causal query: 2 * 4 * 8 * 2 = 128 scores,
  // 4 * 128 * 16 + 5 * 128 + 3 * 128 for the cap.
  expectCost("capped", 9216, 11264);
}

TEST_F(CostTest, FusedBackward) {
  parse("%x: tensor<2x8x16xf32>, %w: tensor<16xf32>, "
        "%q: tensor<2x4x8x16xf32>, %kv: tensor<2x2x6x16xf32>, "
        "%bias: tensor<2x1x8x6xf32>, %self: tensor<2x2x8x16xf32>, "
        "%bits: tensor<2x8xi64>",
        R"(
  %0:2 = starch.rms_norm_grad %x, %w, %x epsilon = 1.0e-6 {tag = "rms_norm_grad"} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<2x8x16xf32>) -> (tensor<2x8x16xf32>, tensor<16xf32>)
  %1:3 = starch.layer_norm_grad %x, %w, %x axis = 2 epsilon = 1.0e-5 {tag = "layer_norm_grad"} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<2x8x16xf32>) -> (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>)
  %2:3 = starch.attention_grad %q, %kv, %kv out %q d_out %q mask = causal scale = 0.25 {tag = "causal"} : (tensor<2x4x8x16xf32>, tensor<2x2x6x16xf32>, tensor<2x2x6x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x6x16xf32>, tensor<2x2x6x16xf32>)
  %3:4 = starch.attention_grad %q, %kv, %kv bias %bias out %q d_out %q mask = additive scale = 0.25 {tag = "additive"} : (tensor<2x4x8x16xf32>, tensor<2x2x6x16xf32>, tensor<2x2x6x16xf32>, tensor<2x1x8x6xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x6x16xf32>, tensor<2x2x6x16xf32>, tensor<2x1x8x6xf32>)
  %4:3 = starch.attention_grad %q, %self, %self bits %bits out %q d_out %q mask = bitfield scale = 0.25 {tag = "bitfield"} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x8xi64>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>)
)");
  // 12 x 256; (256 + 16 + 256) operand + (256 + 16) result elements.
  expectCost("rms_norm_grad", 3072, 3200);
  // 16 x 256; (256 + 16 + 256) + (256 + 16 + 16) elements.
  expectCost("layer_norm_grad", 4096, 3264);
  // 384 scores: 10 * 384 * D 16 + 7 * 384; operands q, k, v, out, d_out
  // (1024 + 384 + 384 + 1024 + 1024) + results (1024 + 384 + 384) elements.
  expectCost("causal", 64128, 22528);
  // + 384 bias additions; + 96 bias and 96 d_bias elements.
  expectCost("additive", 64512, 23296);
  // 512 scores: 10 * 512 * 16 + 7 * 512; operands q, k, v, out, d_out
  // (1024 + 512 + 512 + 1024 + 1024) f32 + 16 i64 words; results
  // (1024 + 512 + 512) f32.
  expectCost("bitfield", 85504, 24704);
}

TEST_F(CostTest, ParamsAndConstants) {
  auto source = R"(
starch.param @w {tag = "param"} : tensor<64x64xf32>
func.func @f() {
  %0 = starch.read_param @w {tag = "read_param"} : tensor<64x64xf32>
  %1 = starch.constant dense<1.0> : tensor<4xf32> {tag = "constant"}
  %2 = starch.iota dim = 1 {tag = "iota"} : tensor<2x16xi64>
  return
}
)";
  module = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  expectCost("param", 0, 0);
  // Weights and constants are counted where they are read.
  expectCost("read_param", 0, 0);
  expectCost("constant", 0, 0);
  // 32 i64 written.
  expectCost("iota", 0, 256);
}

} // namespace
