//===- InterpreterTest.cpp - The interpreter's C++ API --------------------===//
#include "TestUtil.h"

#include "compiler/Execution/ExecutionInterface.h"
#include "compiler/Interpreter/Interpreter.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

using namespace mlir;
using namespace starch;
using namespace starch::rt::test;

namespace {
class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() {
    DialectRegistry registry;
    registry.insert<StarchDialect, func::FuncDialect>();
    exec::registerExecutionModels(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  OwningOpRef<ModuleOp> parse(const char *source) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << "IR does not parse";
    return module;
  }

  /// Runs @name and collects diagnostics into `diagnostics`.
  FailureOr<std::vector<rt::Tensor>>
  run(ModuleOp module, const std::string &name, std::vector<rt::Tensor> args,
      std::map<std::string, rt::Tensor> params = {}) {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      diagnostics += diag.str() + "\n";
      return success();
    });
    interp::Interpreter interpreter(std::move(params));
    return interpreter.run(module.lookupSymbol<func::FuncOp>(name), args);
  }

  MLIRContext context;
  std::string diagnostics;
};
} // namespace

TEST_F(InterpreterTest, DtypeOf) {
  Builder b(&context);
  EXPECT_EQ(interp::dtypeOf(b.getF32Type()), rt::DType::f32);
  EXPECT_EQ(interp::dtypeOf(b.getBF16Type()), rt::DType::bf16);
  EXPECT_EQ(interp::dtypeOf(b.getI1Type()), rt::DType::i1);
  EXPECT_EQ(
      interp::dtypeOf(IntegerType::get(&context, 8, IntegerType::Unsigned)),
      rt::DType::u8);
  EXPECT_EQ(interp::dtypeOf(b.getIntegerType(4)), std::nullopt);
  EXPECT_EQ(interp::dtypeOf(b.getIndexType()), std::nullopt);
}

TEST_F(InterpreterTest, AttributesRoundTrip) {
  Builder b(&context);
  auto type = RankedTensorType::get({2, 2}, b.getI64Type());
  rt::Tensor t(rt::DType::i64, {2, 2});
  for (int i = 0; i < 4; ++i)
    t.data<int64_t>()[i] = (int64_t(1) << 60) + i;
  DenseElementsAttr attr = interp::attrFromTensor(t, type);
  rt::Tensor back = interp::tensorFromAttr(cast<ElementsAttr>(attr));
  EXPECT_EQ(back.data<int64_t>()[3], (int64_t(1) << 60) + 3);

  auto boolType = RankedTensorType::get({3}, b.getI1Type());
  rt::Tensor bits = make(rt::DType::i1, {3}, {1, 0, 1});
  rt::Tensor bitsBack = interp::tensorFromAttr(
      cast<ElementsAttr>(interp::attrFromTensor(bits, boolType)));
  EXPECT_EQ(values(bitsBack), (std::vector<double>{1, 0, 1}));

  auto splat =
      DenseElementsAttr::get(RankedTensorType::get({3}, b.getF16Type()),
                             b.getF16FloatAttr(1.5).getValue());
  EXPECT_EQ(values(interp::tensorFromAttr(cast<ElementsAttr>(splat))),
            (std::vector<double>{1.5, 1.5, 1.5}));
  auto boolSplat = DenseElementsAttr::get(boolType, true);
  EXPECT_EQ(values(interp::tensorFromAttr(cast<ElementsAttr>(boolSplat))),
            (std::vector<double>{1, 1, 1}));
}

TEST_F(InterpreterTest, EvaluateOpFoldsOneOp) {
  auto module = parse(R"mlir(
    func.func @f(%a: tensor<3xi64>, %b: tensor<3xi64>) -> tensor<3xi64> {
      %d = starch.div %a, %b : tensor<3xi64>
      return %d : tensor<3xi64>
    })mlir");
  Operation *div = &module->lookupSymbol<func::FuncOp>("f").front().front();
  llvm::SmallVector<rt::Tensor> results;
  rt::Tensor a = make(rt::DType::i64, {3}, {7, -7, 9}),
             b = make(rt::DType::i64, {3}, {2, 2, -4});
  ASSERT_TRUE(succeeded(interp::evaluateOp(div, {a, b}, results)));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(values(results[0]), (std::vector<double>{3, -3, -2}));
}

TEST_F(InterpreterTest, CallsAndParams) {
  auto module = parse(R"mlir(
    starch.param @layer.w {source = "onnx::w"} : tensor<2xf32>
    func.func private @scale(%x: tensor<2xf32>) -> tensor<2xf32> {
      %w = starch.read_param @layer.w : tensor<2xf32>
      %y = starch.mul %x, %w : tensor<2xf32>
      return %y : tensor<2xf32>
    }
    func.func @forward(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
      %a = func.call @scale(%x) : (tensor<2xf32>) -> tensor<2xf32>
      %b = func.call @scale(%a) : (tensor<2xf32>) -> tensor<2xf32>
      return %a, %b : tensor<2xf32>, tensor<2xf32>
    })mlir");
  auto out = run(*module, "forward", {make(rt::DType::f32, {2}, {1, 2})},
                 {{"onnx::w", make(rt::DType::f32, {2}, {3, -1})}});
  ASSERT_TRUE(succeeded(out)) << diagnostics;
  EXPECT_EQ(values((*out)[0]), (std::vector<double>{3, -2}));
  EXPECT_EQ(values((*out)[1]), (std::vector<double>{9, 2}));
}

TEST_F(InterpreterTest, MissingAndMistypedParams) {
  auto module = parse(R"mlir(
    starch.param @w : tensor<2xf32>
    func.func @forward() -> tensor<2xf32> {
      %w = starch.read_param @w : tensor<2xf32>
      return %w : tensor<2xf32>
    })mlir");
  EXPECT_TRUE(failed(run(*module, "forward", {})));
  EXPECT_NE(diagnostics.find("cannot read parameter 'w'"), std::string::npos)
      << diagnostics;
  diagnostics.clear();
  EXPECT_TRUE(failed(run(*module, "forward", {},
                         {{"w", make(rt::DType::f32, {3}, {1, 2, 3})}})));
  EXPECT_NE(diagnostics.find("has data of type 3xf32 but is declared "
                             "tensor<2xf32>"),
            std::string::npos)
      << diagnostics;
}

TEST_F(InterpreterTest, ArgumentTypeIsChecked) {
  auto module = parse(R"mlir(
    func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
      return %x : tensor<2xf32>
    })mlir");
  EXPECT_TRUE(
      failed(run(*module, "forward", {make(rt::DType::f64, {2}, {1, 2})})));
  EXPECT_NE(diagnostics.find("argument #0"), std::string::npos) << diagnostics;
}

TEST_F(InterpreterTest, UnsupportedElementTypeIsADiagnostic) {
  auto module = parse(R"mlir(
    func.func @forward(%x: tensor<2xi4>) -> tensor<2xi4> {
      %y = starch.add %x, %x : tensor<2xi4>
      return %y : tensor<2xi4>
    })mlir");
  Operation *add =
      &module->lookupSymbol<func::FuncOp>("forward").front().front();
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str();
    return success();
  });
  llvm::SmallVector<rt::Tensor> results;
  EXPECT_TRUE(
      failed(interp::evaluateOp(add, {rt::Tensor(), rt::Tensor()}, results)));
  EXPECT_NE(diagnostics.find("interpreter does not support"), std::string::npos)
      << diagnostics;
}

TEST_F(InterpreterTest, TransformerBlockPieces) {
  // rms_norm -> matmul -> rope -> causal attention on ones: every row of the
  // attention output is the mean of the visible values, all equal here.
  auto module = parse(R"mlir(
    func.func @forward(%x: tensor<1x2x4xf32>, %w: tensor<1x4x4xf32>) -> tensor<1x1x2x4xf32> {
      %g = starch.constant dense<1.0> : tensor<4xf32>
      %n = starch.rms_norm %x, %g epsilon = 0.0 : (tensor<1x2x4xf32>, tensor<4xf32>) -> tensor<1x2x4xf32>
      %h = starch.matmul %n, %w : (tensor<1x2x4xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
      %q = starch.reshape %h : tensor<1x2x4xf32> -> tensor<1x1x2x4xf32>
      %a = starch.attention %q, %q, %q mask = causal scale = 0.5 : (tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x4xf32>) -> tensor<1x1x2x4xf32>
      return %a : tensor<1x1x2x4xf32>
    })mlir");
  rt::Tensor x = make(rt::DType::f32, {1, 2, 4}, {2, 2, 2, 2, -3, -3, -3, -3});
  rt::Tensor w(rt::DType::f32, {1, 4, 4});
  for (int i = 0; i < 4; ++i)
    w.data<float>()[i * 4 + i] = 1; // identity
  auto out = run(*module, "forward", {x, w});
  ASSERT_TRUE(succeeded(out)) << diagnostics;
  // rms_norm gives +1 then -1 rows; query 0 sees key 0 only, query 1 sees
  // both keys with scores 0.5 * (-1 * 1 * 4) = -2 and 0.5 * 4 = 2.
  double p = 1 / (1 + std::exp(-4.0)); // weight of key 1 for query 1
  expectNear(
      (*out)[0],
      {1, 1, 1, 1, -p + (1 - p), -p + (1 - p), -p + (1 - p), -p + (1 - p)},
      1e-6);
}
