//===- InPlaceUpdateTest.cpp - Parameter updates written in place ---------===//
//
// The C++ emitter writes an AdamW result straight into the parameter it is
// written back to when nothing reads that parameter afterwards, and copies
// it otherwise. Each case parses a small step and reads the emitted text.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/FunctionEmitter.h"
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

class InPlaceUpdateTest : public ::testing::Test {
protected:
  InPlaceUpdateTest() {
    DialectRegistry registry;
    registry.insert<starch::StarchDialect, func::FuncDialect>();
    starch::exec::registerExecutionModels(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// The C++ of the function @step in `body` (after the params @w, @m, @v).
  std::string emit(llvm::StringRef body) {
    std::string source = R"mlir(
starch.param @w : tensor<4xf32>
starch.param @m {state} : tensor<4xf32>
starch.param @v {state} : tensor<4xf32>
)mlir" + body.str();
    module = parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << "cannot parse:\n" << source;
    if (!module)
      return "";
    llvm::StringMap<int> paramIndex{{"w", 0}, {"m", 1}, {"v", 2}};
    starch::codegen::EmitOptions options;
    starch::codegen::ProgramState program(options, paramIndex);
    std::string text;
    llvm::raw_string_ostream os(text);
    auto function = *module->getOps<func::FuncOp>().begin();
    EXPECT_TRUE(
        succeeded(starch::codegen::emitFunction(function, program, os)));
    return text;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

constexpr llvm::StringLiteral kUpdate = R"mlir(
  %p = starch.read_param @w : tensor<4xf32>
  %m = starch.read_param @m : tensor<4xf32>
  %v = starch.read_param @v : tensor<4xf32>
  %u:3 = starch.adamw %p, %g, %m, %v, %lr, %s beta1 = 0.9 beta2 = 0.999 epsilon = 1.0e-8 weight_decay = 0.0 : tensor<4xf32>, tensor<f64>, tensor<i64>
)mlir";

// Every read comes before the update: the parameter and both moments are
// the kernel's outputs, and nothing is copied or planned in the arena.
TEST_F(InPlaceUpdateTest, UpdateWithNoLaterReadIsWrittenInPlace) {
  std::string text = emit(R"mlir(
func.func @step(%g: tensor<4xf32>, %lr: tensor<f64>, %s: tensor<i64>) {)mlir" +
                          kUpdate.str() + R"mlir(
  starch.write_param @w, %u#0 : tensor<4xf32>
  starch.write_param @m, %u#1 : tensor<4xf32>
  starch.write_param @v, %u#2 : tensor<4xf32>
  return
})mlir");
  EXPECT_NE(text.find("params[0], params[1], params[2]), \"starch.adamw\")"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("copyInto"), std::string::npos) << text;
  EXPECT_EQ(text.find("Arena arena"), std::string::npos) << text;
}

// @w is read again after its update (its new value must not be seen there),
// so its result gets a buffer and a copy; the moments are still in place.
TEST_F(InPlaceUpdateTest, ParameterReadAfterTheUpdateIsCopied) {
  std::string text = emit(R"mlir(
func.func @step(%g: tensor<4xf32>, %lr: tensor<f64>, %s: tensor<i64>) -> tensor<4xf32> {)mlir" +
                          kUpdate.str() + R"mlir(
  %again = starch.read_param @w : tensor<4xf32>
  %twice = starch.add %again, %again : tensor<4xf32>
  starch.write_param @w, %u#0 : tensor<4xf32>
  starch.write_param @m, %u#1 : tensor<4xf32>
  starch.write_param @v, %u#2 : tensor<4xf32>
  return %twice : tensor<4xf32>
})mlir");
  EXPECT_NE(text.find(", params[1], params[2]), \"starch.adamw\")"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("params[0], params[1], params[2])"), std::string::npos)
      << text;
  EXPECT_NE(text.find("copyInto(params[0], "), std::string::npos) << text;
  EXPECT_EQ(text.find("copyInto(params[1]"), std::string::npos) << text;
}

// A result written to another parameter than the one it may overwrite, or
// one also used elsewhere, keeps its buffer.
TEST_F(InPlaceUpdateTest, OnlyTheOverwrittenParameterAndASingleUse) {
  std::string text = emit(R"mlir(
func.func @step(%g: tensor<4xf32>, %lr: tensor<f64>, %s: tensor<i64>) -> tensor<4xf32> {)mlir" +
                          kUpdate.str() + R"mlir(
  starch.write_param @m, %u#0 : tensor<4xf32>
  starch.write_param @w, %u#1 : tensor<4xf32>
  starch.write_param @v, %u#2 : tensor<4xf32>
  return %u#2 : tensor<4xf32>
})mlir");
  EXPECT_NE(text.find("copyInto(params[1], "), std::string::npos) << text;
  EXPECT_NE(text.find("copyInto(params[0], "), std::string::npos) << text;
  EXPECT_NE(text.find("copyInto(params[2], "), std::string::npos) << text;
}

} // namespace
