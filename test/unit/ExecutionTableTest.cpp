//===- ExecutionTableTest.cpp - One execution entry per op, read by all ---===//
//
// An op's execution is declared once, in the kernel table
// (compiler/Execution/KernelTable.cpp); the interpreter runs the declared
// call and the emitters print it. These tests walk the table:
//
//  - every starch op has an entry, except the five both consumers handle
//    themselves (param, read_param, write_param, constant, reshape);
//  - on a module with one of every op that has an entry, the interpreter
//    evaluates each op through its entry, the emitted text calls the entry's
//    kernel with one argument per kernel parameter, and a result appears in
//    the text exactly when the interpreter computes it;
//  - each argument kind hands the kernel what its text says (a probe
//    kernel that records what it receives).
//
//===----------------------------------------------------------------------===//
#include "TestUtil.h"

#include "compiler/Execution/ExecutionInterface.h"
#include "compiler/Interpreter/Interpreter.h"
#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/comm/LocalWorld.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/kernels/Optimizer.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"

#include <cstring>
#include <regex>
#include <set>

using namespace mlir;
using namespace starch;

namespace {

/// One instance of every op with an execution entry; the fused backward ops
/// leave some results unused, which their kernels skip.
constexpr const char *kEveryOp = R"mlir(
func.func @every_op(%x: tensor<2x4xf32>, %y: tensor<2x4xf32>, %b: tensor<2x4xi1>,
    %ids: tensor<3xi64>, %w: tensor<4xf32>, %q: tensor<1x2x4x4xf32>,
    %kv: tensor<1x1x4x4xf32>, %bias: tensor<1x1x4x4xf32>, %bits: tensor<1x4xi64>,
    %cos: tensor<1x4x4xf32>, %img: tensor<1x2x4x4xf32>, %filter: tensor<3x2x2x2xf32>,
    %labels: tensor<2xi64>, %d: tensor<f32>, %lr: tensor<f64>, %step: tensor<i64>)
    -> (tensor<2x4xf32>, tensor<4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) {
  %neg = starch.neg %x : tensor<2x4xf32>
  %abs = starch.abs %x : tensor<2x4xf32>
  %exp = starch.exp %x : tensor<2x4xf32>
  %log = starch.log %x : tensor<2x4xf32>
  %sqrt = starch.sqrt %x : tensor<2x4xf32>
  %rsqrt = starch.rsqrt %x : tensor<2x4xf32>
  %recip = starch.reciprocal %x : tensor<2x4xf32>
  %tanh = starch.tanh %x : tensor<2x4xf32>
  %erf = starch.erf %x : tensor<2x4xf32>
  %sin = starch.sin %x : tensor<2x4xf32>
  %cos2 = starch.cos %x : tensor<2x4xf32>
  %sigmoid = starch.sigmoid %x : tensor<2x4xf32>
  %relu = starch.relu %x : tensor<2x4xf32>
  %floor = starch.floor %x : tensor<2x4xf32>
  %ceil = starch.ceil %x : tensor<2x4xf32>
  %sign = starch.sign %x : tensor<2x4xf32>
  %not = starch.not %b : tensor<2x4xi1>
  %silu = starch.silu %x : tensor<2x4xf32>
  %gelu = starch.gelu %x approximate = tanh : tensor<2x4xf32>
  %add = starch.add %x, %y : tensor<2x4xf32>
  %sub = starch.sub %x, %y : tensor<2x4xf32>
  %mul = starch.mul %x, %y : tensor<2x4xf32>
  %div = starch.div %x, %y : tensor<2x4xf32>
  %rem = starch.rem %x, %y : tensor<2x4xf32>
  %pow = starch.pow %x, %y : tensor<2x4xf32>
  %max = starch.max %x, %y : tensor<2x4xf32>
  %min = starch.min %x, %y : tensor<2x4xf32>
  %and = starch.and %b, %b : tensor<2x4xi1>
  %or = starch.or %b, %b : tensor<2x4xi1>
  %xor = starch.xor %b, %b : tensor<2x4xi1>
  %cmp = starch.compare lt, %x, %y : tensor<2x4xf32> -> tensor<2x4xi1>
  %sel = starch.select %b, %x, %y : tensor<2x4xi1>, tensor<2x4xf32>
  %cvt = starch.convert %x : tensor<2x4xf32> -> tensor<2x4xi64>
  %iota = starch.iota dim = 1 : tensor<2x4xi64>
  %bc = starch.broadcast %w dims = [1] : tensor<4xf32> -> tensor<2x4xf32>
  %tr = starch.transpose %x perm = [1, 0] : tensor<2x4xf32> -> tensor<4x2xf32>
  %cat = starch.concat %x, %y axis = 0 : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<4x4xf32>
  %sl = starch.slice %x start = [0, 1] limit = [2, 3] strides = [1, 1] : tensor<2x4xf32> -> tensor<2x2xf32>
  %pad = starch.pad %x low = [1, 0] high = [0, 1] value = 5.000000e-01 : tensor<2x4xf32> -> tensor<3x5xf32>
  %gather = starch.gather %x[%ids] axis = 1 : (tensor<2x4xf32>, tensor<3xi64>) -> tensor<2x3xf32>
  %scatter = starch.scatter_add %gather[%ids] axis = 1 : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<2x4xf32>
  %mm = starch.matmul %x, %tr : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  %red = starch.reduce max %x dims = [1] : tensor<2x4xf32> -> tensor<2xf32>
  %am = starch.argmax %x axis = 1 : tensor<2x4xf32> -> tensor<2xi64>
  %cs = starch.cumsum %x axis = 1 exclusive : tensor<2x4xf32>
  %rsz = starch.resize %img mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -0.75 scales = [1.0, 1.0, 1.5, 0.5] : tensor<1x2x4x4xf32> -> tensor<1x2x6x2xf32>
  %rgr = starch.resize_grad %rsz mode = cubic coordinates = half_pixel nearest = round_prefer_floor cubic_coeff_a = -0.75 scales = [1.0, 1.0, 1.5, 0.5] : tensor<1x2x6x2xf32> -> tensor<1x2x4x4xf32>
  %sm = starch.softmax %x axis = 1 : tensor<2x4xf32>
  %lsm = starch.log_softmax %x axis = 1 : tensor<2x4xf32>
  %conv = starch.conv %img, %filter strides = [1, 1] pad_low = [0, 0] pad_high = [0, 0] dilations = [1, 1] groups = 1 : (tensor<1x2x4x4xf32>, tensor<3x2x2x2xf32>) -> tensor<1x3x3x3xf32>
  %rms = starch.rms_norm %x, %w epsilon = 1.000000e-06 : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %ln = starch.layer_norm %x, %w, %w axis = 1 epsilon = 1.000000e-05 : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %rope = starch.rope %q, %cos, %cos : (tensor<1x2x4x4xf32>, tensor<1x4x4xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %att = starch.attention %q, %kv, %kv bias %bias mask = additive scale = 5.000000e-01 : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32>
  %dx, %dw = starch.rms_norm_grad %x, %w, %y epsilon = 1.000000e-06 : (tensor<2x4xf32>, tensor<4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<4xf32>)
  %lx, %lw, %lb = starch.layer_norm_grad %x, %w, %y axis = 1 epsilon = 1.000000e-05 : (tensor<2x4xf32>, tensor<4xf32>, tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>)
  %dq, %dk, %dv, %db = starch.attention_grad %q, %kv, %kv bias %bias out %q d_out %q mask = additive scale = 5.000000e-01 : (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>)
  %ce = starch.cross_entropy %x, %labels ignore_index = -100 : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<f32>
  %ceg = starch.cross_entropy_grad %x, %labels, %d ignore_index = -100 : (tensor<2x4xf32>, tensor<2xi64>, tensor<f32>) -> tensor<2x4xf32>
  %first = starch.slice %labels start = [0] limit = [1] strides = [1] : tensor<2xi64> -> tensor<1xi64>
  %ceb = starch.cross_entropy_block %x, %labels, %first, %red : (tensor<2x4xf32>, tensor<2xi64>, tensor<1xi64>, tensor<2xf32>) -> tensor<2x2xf64>
  %cebg = starch.cross_entropy_block_grad %x, %labels, %first, %red, %ceb : (tensor<2x4xf32>, tensor<2xi64>, tensor<1xi64>, tensor<2xf32>, tensor<2x2xf64>) -> tensor<2x4xf32>
  %gblock = starch.gather %x[%ids] axis = 1 offset = %first : tensor<1xi64> : (tensor<2x4xf32>, tensor<3xi64>) -> tensor<2x3xf32>
  %sblock = starch.scatter_add %gblock[%ids] axis = 1 offset = %first : tensor<1xi64> : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<2x4xf32>
  %p, %m, %v = starch.adamw %x, %y, %x, %y, %lr, %step beta1 = 9.000000e-01 beta2 = 9.990000e-01 epsilon = 1.000000e-08 weight_decay = 0.000000e+00 : tensor<2x4xf32>, tensor<f64>, tensor<i64>
  %ar = starch.all_reduce %x reduce = sum : tensor<2x4xf32>
  %rs = starch.reduce_scatter %x reduce = sum dim = 0 groups = [array<i64: 0>] : tensor<2x4xf32> -> tensor<2x4xf32>
  %ag = starch.all_gather %x dim = 0 groups = [array<i64: 0>] : tensor<2x4xf32> -> tensor<2x4xf32>
  %blk = starch.local_block %x dim = 1 groups = [array<i64: 0>] : tensor<2x4xf32> -> tensor<2x4xf32>
  %order, %inverse = starch.token_distribution %bits parts = 2 block = 2 strategy = makespan : tensor<1x4xi64> -> tensor<4xi64>
  starch.send %x pairs = [array<i64: 0, 1>] : tensor<2x4xf32>
  %rv = starch.recv pairs = [array<i64: 0, 1>] : tensor<2x4xf32>
  return %dx, %lw, %dk, %db : tensor<2x4xf32>, tensor<4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x4xf32>
}
)mlir";

/// The ops that the interpreter and the emitters execute themselves: a
/// declaration, the parameter store, data and a view.
const std::set<std::string> kStructuralOps = {
    "starch.param", "starch.read_param", "starch.write_param",
    "starch.constant", "starch.reshape", "starch.enter_shards"};

class ExecutionTableTest : public ::testing::Test {
protected:
  ExecutionTableTest() {
    DialectRegistry registry;
    registry.insert<StarchDialect, func::FuncDialect>();
    exec::registerExecutionModels(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  MLIRContext context;
};

/// A tensor of `value`'s type with every element 1: valid for every op here
/// (gather indices and labels in range, the AdamW step >= 1).
rt::Tensor onesLike(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  rt::Tensor tensor(*interp::dtypeOf(type.getElementType()),
                    rt::Shape(type.getShape().begin(), type.getShape().end()));
  EXPECT_TRUE(rt::fill(1.0, tensor).ok());
  return tensor;
}

/// The top-level arguments of `entry(a, {b, c}, T{d, e})`.
std::vector<std::string> argumentsOf(const std::string &text) {
  std::vector<std::string> arguments;
  size_t open = text.find('(');
  int depth = 0;
  std::string current;
  for (size_t i = open + 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    depth +=
        (c == '(' || c == '{' || c == '<') - (c == ')' || c == '}' || c == '>');
    if (c == ',' && depth == 0) {
      arguments.push_back(current);
      current.clear();
      continue;
    }
    if (!(c == ' ' && current.empty()))
      current += c;
  }
  arguments.push_back(current);
  return arguments;
}

bool mentions(const std::string &text, const std::string &name) {
  return std::regex_search(text, std::regex("\\b" + name + "\\b"));
}

TEST_F(ExecutionTableTest, EveryOpHasOneExecutionEntry) {
  int entries = 0;
  for (RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.getDialectNamespace() != "starch")
      continue;
    std::string op = name.getStringRef().str();
    bool structural = kStructuralOps.count(op) != 0;
    EXPECT_EQ(name.hasInterface<exec::ExecutableOpInterface>(), !structural)
        << op
        << (structural ? " is executed by the interpreter and the emitters "
                         "themselves and must have no kernel entry"
                       : " has no entry in compiler/Execution/KernelTable.cpp");
    entries += !structural;
  }
  EXPECT_GT(entries, 40);
}

TEST_F(ExecutionTableTest, InterpreterRunsTheCallTheEmitterPrints) {
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(kEveryOp, &context);
  ASSERT_TRUE(module);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  std::set<std::string> covered;
  // Point-to-point ops need a peer: rank 0 of an in-process world of two
  // sends, rank 1 receives what it sent.
  rt::LocalWorld world(2);
  module->walk([&](exec::ExecutableOpInterface executable) {
    Operation *op = executable.getOperation();
    std::string name = op->getName().getStringRef().str();
    covered.insert(name);
    exec::KernelCall call = executable.getKernelCall();
    rt::setCurrentCommunicator(isa<SendOp>(op)   ? &world.communicator(0)
                               : isa<RecvOp>(op) ? &world.communicator(1)
                                                 : nullptr);

    // The interpreter: evaluateOp runs the entry's call.
    std::vector<rt::Tensor> operands;
    for (Value operand : op->getOperands())
      operands.push_back(onesLike(operand));
    SmallVector<rt::Tensor> results;
    ASSERT_TRUE(succeeded(interp::evaluateOp(op, operands, results)))
        << name << ": " << diagnostics;
    rt::setCurrentCommunicator(nullptr);
    ASSERT_EQ(results.size(), op->getNumResults()) << name;

    // The emitter: the same call, as text over the tensors' names.
    std::vector<std::string> operandNames, resultNames;
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      operandNames.push_back("a" + std::to_string(i));
    for (unsigned i = 0; i < op->getNumResults(); ++i)
      resultNames.push_back("r" + std::to_string(i));
    std::string text = call.str({operandNames, resultNames});
    EXPECT_EQ(text.rfind(call.entry().str() + "(", 0), 0u) << text;
    EXPECT_EQ(argumentsOf(text).size(), call.arity()) << text;
    EXPECT_EQ(call.str({operandNames, resultNames}, "cuda::"), "cuda::" + text);

    // Exactly the results that the interpreter computes are in the text.
    SmallVector<bool> written = call.writtenResults(op->getNumResults());
    for (unsigned i = 0; i < op->getNumResults(); ++i) {
      EXPECT_EQ(mentions(text, resultNames[i]), written[i])
          << name << " result #" << i << ": " << text;
      EXPECT_EQ(!results[i].empty(), written[i]) << name << " result #" << i;
      if (written[i]) {
        auto type = cast<RankedTensorType>(op->getResult(i).getType());
        EXPECT_EQ(ArrayRef<int64_t>(results[i].shape()), type.getShape())
            << name;
      }
      if (op->getResult(i).use_empty() && op->getNumResults() > 1 &&
          !isa<AdamWOp, TokenDistributionOp>(op)) {
        EXPECT_FALSE(written[i])
            << name << ": an unused result of a fused backward op is skipped";
      }
    }
    // Every operand the text names exists.
    for (unsigned i = 0; i < 10; ++i) {
      if (mentions(text, "a" + std::to_string(i))) {
        EXPECT_LT(i, op->getNumOperands()) << text;
      }
    }
  });
  for (RegisteredOperationName name : context.getRegisteredOperations()) {
    if (name.hasInterface<exec::ExecutableOpInterface>()) {
      EXPECT_TRUE(covered.count(name.getStringRef().str()))
          << name.getStringRef().str() << " is missing from kEveryOp";
    }
  }
}

/// What the probe kernel last received.
struct Received {
  const rt::Tensor *operand, *optionalOperand;
  std::vector<const void *> list;
  rt::Tensor *result, *optionalResult;
  int64_t integer;
  double real;
  bool flag;
  std::vector<int64_t> integers;
  rt::UnaryKind kind;
  double scalar;
  int64_t step;
  rt::AdamWHyper hyper;
} received;

rt::Status probe(const rt::Tensor &operand, const rt::Tensor *optionalOperand,
                 const std::vector<rt::Tensor> &list, rt::Tensor &result,
                 rt::Tensor *optionalResult, int64_t integer, double real,
                 bool flag, const std::vector<int64_t> &integers,
                 rt::UnaryKind kind, double scalar, int64_t step,
                 const rt::AdamWHyper &hyper) {
  received.operand = &operand;
  received.optionalOperand = optionalOperand;
  received.list.clear();
  for (const rt::Tensor &t : list)
    received.list.push_back(t.bytes());
  received.result = &result;
  received.optionalResult = optionalResult;
  received.integer = integer;
  received.real = real;
  received.flag = flag;
  received.integers = integers;
  received.kind = kind;
  received.scalar = scalar;
  received.step = step;
  received.hyper = hyper;
  return rt::Status::success();
}

TEST(KernelCallArguments, EachKindPassesWhatItPrints) {
  using namespace exec;
  std::vector<rt::Tensor> operands = {
      rt::test::make(rt::DType::f32, {2}, {1, 2}),
      rt::test::make(rt::DType::f32, {2}, {3, 4}),
      rt::test::make(rt::DType::f64, {}, {0.125}),
      rt::test::make(rt::DType::i64, {}, {7})};
  std::vector<rt::Tensor> results = {rt::Tensor(rt::DType::f32, {2}),
                                     rt::Tensor(rt::DType::f32, {2})};
  std::vector<std::string> operandNames = {"a0", "a1", "a2", "a3"};
  std::vector<std::string> resultNames = {"r0", "r1"};

  KernelCall call = makeKernelCall<decltype(&probe)>(
      "probe", &probe, in(1), inIf(true, 0), ins(), out(1),
      arg::OptionalResult{0u}, i64(-3), f64(0.25), flag("exclusive", true),
      i64s({2, 5}), STARCH_ENUM(UnaryKind, silu), scalarOf<double>(2),
      scalarOf<int64_t>(3),
      STARCH_AGGREGATE(AdamWHyper, f64(0.5), f64(0.25), f64(2.0), f64(0.0)));
  EXPECT_EQ(
      call.str({operandNames, resultNames}),
      "probe(a1, &a0, {a0, a1, a2, a3}, r1, &r0, -3, 0.25, "
      "/*exclusive=*/true, {2, 5}, UnaryKind::silu, scalarOf<double>(a2), "
      "scalarOf<int64_t>(a3), AdamWHyper{0.5, 0.25, 2.0, 0.0})");
  ASSERT_TRUE(call.run({operands, results}).ok());
  EXPECT_EQ(received.operand, &operands[1]);
  EXPECT_EQ(received.optionalOperand, &operands[0]);
  ASSERT_EQ(received.list.size(), operands.size());
  for (size_t i = 0; i < operands.size(); ++i)
    EXPECT_EQ(received.list[i], operands[i].bytes());
  EXPECT_EQ(received.result, &results[1]);
  EXPECT_EQ(received.optionalResult, &results[0]);
  EXPECT_EQ(received.integer, -3);
  EXPECT_EQ(received.real, 0.25);
  EXPECT_TRUE(received.flag);
  EXPECT_EQ(received.integers, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(received.kind, rt::UnaryKind::silu);
  EXPECT_EQ(received.scalar, 0.125);
  EXPECT_EQ(received.step, 7);
  EXPECT_EQ(received.hyper.beta1, 0.5);
  EXPECT_EQ(received.hyper.beta2, 0.25);
  EXPECT_EQ(received.hyper.epsilon, 2.0);
  EXPECT_EQ(received.hyper.weightDecay, 0.0);
  EXPECT_EQ(call.writtenResults(2), (SmallVector<bool>{true, true}));

  // The absent ones: null on both sides, and the result is not written.
  KernelCall absent = makeKernelCall<decltype(&probe)>(
      "probe", &probe, in(0), inIf(false, 1), ins(), out(0), noOut(), i64(0),
      f64(HUGE_VAL), flag("exclusive", false), i64s({}),
      STARCH_ENUM(UnaryKind, neg), scalarOf<double>(2), scalarOf<int64_t>(3),
      STARCH_AGGREGATE(AdamWHyper, f64(0.5), f64(0.25), f64(2.0), f64(0.0)));
  EXPECT_EQ(absent.str({operandNames, resultNames}),
            "probe(a0, nullptr, {a0, a1, a2, a3}, r0, nullptr, 0, HUGE_VAL, "
            "/*exclusive=*/false, {}, UnaryKind::neg, scalarOf<double>(a2), "
            "scalarOf<int64_t>(a3), AdamWHyper{0.5, 0.25, 2.0, 0.0})");
  ASSERT_TRUE(absent.run({operands, results}).ok());
  EXPECT_EQ(received.optionalOperand, nullptr);
  EXPECT_EQ(received.optionalResult, nullptr);
  EXPECT_EQ(received.real, HUGE_VAL);
  EXPECT_FALSE(received.flag);
  EXPECT_EQ(absent.writtenResults(2), (SmallVector<bool>{true, false}));
}

} // namespace
