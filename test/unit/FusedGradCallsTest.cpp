//===- FusedGradCallsTest.cpp - Generated calls of the fused backward ops -===//
//
// The C++ that codegen emits for starch.rms_norm_grad, starch.layer_norm_grad
// and starch.attention_grad (their execution entries, KernelTable.cpp):
// every operand in the kernel's order, the optional bias, and `nullptr` for a
// result without uses, so the kernel skips it (the interpreter passes null
// the same way). Also the bitfield mask's words and starch.cumsum, whose
// flags become arguments.
//
//===----------------------------------------------------------------------===//
#include "compiler/Execution/ExecutionInterface.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

using namespace mlir;

namespace {

class FusedGradCallsTest : public ::testing::Test {
protected:
  FusedGradCallsTest() {
    DialectRegistry registry;
    starch::exec::registerExecutionModels(registry);
    context.appendDialectRegistry(registry);
    context.loadDialect<starch::StarchDialect, func::FuncDialect>();
  }

  /// The call emitted for the one op of `Op` in `source`, with operands
  /// named a0, a1, ... and results r0, r1, ...
  template <typename Op> std::string callOf(llvm::StringRef source) {
    module = parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << "cannot parse:\n" << source.str();
    if (!module)
      return "";
    Operation *found = nullptr;
    module->walk([&](Op op) { found = op; });
    EXPECT_TRUE(found);
    if (!found)
      return "";
    std::vector<std::string> operands, results;
    for (unsigned i = 0; i < found->getNumOperands(); ++i)
      operands.push_back("a" + std::to_string(i));
    for (unsigned i = 0; i < found->getNumResults(); ++i)
      results.push_back("r" + std::to_string(i));
    auto executable = dyn_cast<starch::exec::ExecutableOpInterface>(found);
    EXPECT_TRUE(executable);
    if (!executable)
      return "";
    return executable.getKernelCall().str({operands, results});
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(FusedGradCallsTest, AttentionGradPassesNullForUnusedResults) {
  // Frozen keys and values: only d_query is used.
  std::string call = callOf<starch::AttentionGradOp>(R"mlir(
func.func @f(%q: tensor<1x2x3x4xf32>, %kv: tensor<1x1x3x4xf32>, %o: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %dq, %dk, %dv = starch.attention_grad %q, %kv, %kv out %o d_out %o mask = causal scale = 0.5 : (tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>)
  return %dq : tensor<1x2x3x4xf32>
}
)mlir");
  EXPECT_EQ(call, "attentionGrad(a0, a1, a2, nullptr, nullptr, a3, a4, "
                  "AttentionMask::causal, 0.5, &r0, nullptr, nullptr, "
                  "nullptr, 0, 0.0)");
}

TEST_F(FusedGradCallsTest, AttentionGradWithBias) {
  // The bias is operand 3, out and d_out follow; an unused d_bias is null.
  std::string call = callOf<starch::AttentionGradOp>(R"mlir(
func.func @f(%q: tensor<1x2x3x4xf32>, %b: tensor<1x1x3x3xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) {
  %dq, %dk, %dv, %db = starch.attention_grad %q, %q, %q bias %b out %q d_out %q mask = additive scale = 0.25 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x1x3x3xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x1x3x3xf32>)
  return %dk, %dv : tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>
}
)mlir");
  EXPECT_EQ(call, "attentionGrad(a0, a1, a2, &a3, nullptr, a4, a5, "
                  "AttentionMask::additive, 0.25, nullptr, &r1, &r2, "
                  "nullptr, 0, 0.0)");
}

TEST_F(FusedGradCallsTest, BitfieldAttentionPassesTheMaskWords) {
  // The bits take the bias's place as the tensor the mask reads; there is
  // no d_bias.
  std::string forward = callOf<starch::AttentionOp>(R"mlir(
func.func @f(%q: tensor<1x2x3x4xf32>, %bits: tensor<1x3xi64>) -> tensor<1x2x3x4xf32> {
  %o = starch.attention %q, %q, %q bits %bits mask = bitfield scale = 0.5 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x3xi64>) -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}
)mlir");
  EXPECT_EQ(forward, "attention(a0, a1, a2, &a3, nullptr, "
                     "AttentionMask::bitfield, 0.5, r0, 0, 0.0)");
  std::string backward = callOf<starch::AttentionGradOp>(R"mlir(
func.func @f(%q: tensor<1x2x3x4xf32>, %kv: tensor<1x1x3x4xf32>, %bits: tensor<1x3xi64>) -> (tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>) {
  %dq, %dk, %dv = starch.attention_grad %q, %kv, %kv bits %bits out %q d_out %q mask = bitfield scale = 0.5 : (tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x3xi64>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>, tensor<1x1x3x4xf32>)
  return %dq, %dv : tensor<1x2x3x4xf32>, tensor<1x1x3x4xf32>
}
)mlir");
  EXPECT_EQ(backward, "attentionGrad(a0, a1, a2, &a3, nullptr, a4, a5, "
                      "AttentionMask::bitfield, 0.5, &r0, nullptr, &r2, "
                      "nullptr, 0, 0.0)");
}

TEST_F(FusedGradCallsTest, PositionsFollowTheMaskWords) {
  // A context-parallel rank's queries: the positions come after the bits,
  // out and d_out after the positions.
  std::string forward = callOf<starch::AttentionOp>(R"mlir(
func.func @f(%q: tensor<1x2x2x4xf32>, %kv: tensor<1x1x4x4xf32>, %bits: tensor<1x4xi64>, %at: tensor<2xi64>) -> tensor<1x2x2x4xf32> {
  %o = starch.attention %q, %kv, %kv bits %bits positions %at mask = bitfield scale = 0.5 : (tensor<1x2x2x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x4xi64>, tensor<2xi64>) -> tensor<1x2x2x4xf32>
  return %o : tensor<1x2x2x4xf32>
}
)mlir");
  EXPECT_EQ(forward, "attention(a0, a1, a2, &a3, &a4, AttentionMask::bitfield, "
                     "0.5, r0, 0, 0.0)");
  std::string backward = callOf<starch::AttentionGradOp>(R"mlir(
func.func @f(%q: tensor<1x2x2x4xf32>, %kv: tensor<1x1x4x4xf32>, %at: tensor<2xi64>) -> tensor<1x1x4x4xf32> {
  %dq, %dk, %dv = starch.attention_grad %q, %kv, %kv positions %at out %q d_out %q mask = causal scale = 0.5 : (tensor<1x2x2x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<2xi64>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>) -> (tensor<1x2x2x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>)
  return %dk : tensor<1x1x4x4xf32>
}
)mlir");
  EXPECT_EQ(backward, "attentionGrad(a0, a1, a2, nullptr, &a3, a4, a5, "
                      "AttentionMask::causal, 0.5, nullptr, &r1, nullptr, "
                      "nullptr, 0, 0.0)");
}

TEST_F(FusedGradCallsTest, WindowAndSoftcapFollowTheResults) {
  // Absent, both are 0 (above); present, the kernels get them last.
  std::string forward = callOf<starch::AttentionOp>(R"mlir(
func.func @f(%q: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %o = starch.attention %q, %q, %q mask = causal scale = 0.5 window = 2 softcap = 5.0e+01 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}
)mlir");
  EXPECT_EQ(forward, "attention(a0, a1, a2, nullptr, nullptr, "
                     "AttentionMask::causal, 0.5, r0, 2, 50.0)");
  std::string backward = callOf<starch::AttentionGradOp>(R"mlir(
func.func @f(%q: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %dq, %dk, %dv = starch.attention_grad %q, %q, %q out %q d_out %q mask = full scale = 0.5 window = 2 softcap = 5.0e+01 : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>)
  return %dq : tensor<1x2x3x4xf32>
}
)mlir");
  EXPECT_EQ(backward, "attentionGrad(a0, a1, a2, nullptr, nullptr, a3, a4, "
                      "AttentionMask::full, 0.5, &r0, nullptr, nullptr, "
                      "nullptr, 2, 50.0)");
}

TEST_F(FusedGradCallsTest, NormGrads) {
  std::string rms = callOf<starch::RmsNormGradOp>(R"mlir(
func.func @f(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<8xf32> {
  %dx, %dw = starch.rms_norm_grad %x, %w, %x epsilon = 1.0e-6 : (tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<8xf32>)
  return %dw : tensor<8xf32>
}
)mlir");
  EXPECT_EQ(rms, "rmsNormGrad(a0, a1, a2, 9.9999999999999995e-07, nullptr, "
                 "&r1)");
  std::string layer = callOf<starch::LayerNormGradOp>(R"mlir(
func.func @f(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<8xf32>) {
  %dx, %dw, %db = starch.layer_norm_grad %x, %w, %x axis = 1 epsilon = 1.0e-5 : (tensor<2x8xf32>, tensor<8xf32>, tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %dx, %db : tensor<2x8xf32>, tensor<8xf32>
}
)mlir");
  EXPECT_EQ(layer, "layerNormGrad(a0, a1, a2, 1, 1.0000000000000001e-05, "
                   "&r0, nullptr, &r2)");
}

TEST_F(FusedGradCallsTest, CumsumPassesAxisAndFlags) {
  // The placeholder-row index: an exclusive i64 prefix sum.
  std::string call = callOf<starch::CumSumOp>(R"mlir(
func.func @f(%flags: tensor<64xi64>) -> tensor<64xi64> {
  %rows = starch.cumsum %flags axis = 0 exclusive : tensor<64xi64>
  return %rows : tensor<64xi64>
}
)mlir");
  EXPECT_EQ(call, "cumsum(a0, 0, /*exclusive=*/true, /*reverse=*/false, r0)");
  std::string reversed = callOf<starch::CumSumOp>(R"mlir(
func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = starch.cumsum %x axis = 1 reverse : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
)mlir");
  EXPECT_EQ(reversed,
            "cumsum(a0, 1, /*exclusive=*/false, /*reverse=*/true, r0)");
}

} // namespace
