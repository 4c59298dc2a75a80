//===- CppEmitter.cpp - Training step IR -> C++ source --------------------===//
//
// Each IR function becomes a C++ function that takes the parameter store,
// its arguments and its results by reference (FunctionEmitter.cpp), callees
// first; then the entry points of runtime/train/Program.h: programSpec()
// (the parameters as a plain-data table) and trainStep().
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CppEmitter.h"

#include "compiler/Codegen/CppText.h"
#include "compiler/Codegen/FunctionEmitter.h"
#include "compiler/Execution/ExecutionInterface.h"
#include "runtime/io/ConstantData.h"
#include "runtime/train/ProgramTables.h"
#include "starch/Dialect/StarchInterfaces.h"
#include "starch/Dialect/StarchOps.h"
#include "starch/Dialect/StarchPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <optional>

using namespace mlir;

namespace starch::codegen {

namespace {

using exec::doubleLiteral;
using exec::listLiteral;
using rt::constantDataHash;
using rt::constantDataHeader;

class Emitter {
public:
  Emitter(ModuleOp module, const EmitOptions &options, raw_ostream &os)
      : module(module), options(options), os(os), symbols(module) {}

  LogicalResult emit(std::string &constants);

private:
  LogicalResult collectFunctions(func::FuncOp root);
  LogicalResult emitProgramSpec(ArrayRef<func::FuncOp> steps);
  LogicalResult emitTrainStep(ArrayRef<func::FuncOp> steps);
  /// FLOPs of one call of `function`, callees included.
  double flopsOf(func::FuncOp function);

  ModuleOp module;
  const EmitOptions &options;
  raw_ostream &os;
  SymbolTable symbols;
  llvm::SetVector<Operation *> functions; // callees first
  llvm::StringMap<int> paramIndex;
  llvm::DenseMap<Operation *, double> flops;
  /// The constants file, filled as the functions are written.
  ProgramState program{options, paramIndex};
};

LogicalResult Emitter::collectFunctions(func::FuncOp function) {
  if (functions.contains(function))
    return success();
  if (function.isExternal() || !function.getBody().hasOneBlock())
    return function.emitError()
           << "codegen needs a single-block body in @" << function.getSymName();
  for (auto call : function.getBody().getOps<func::CallOp>()) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    if (!callee)
      return call.emitError() << "calls unknown @" << call.getCallee();
    if (failed(collectFunctions(callee)))
      return failure();
  }
  functions.insert(function);
  return success();
}

double Emitter::flopsOf(func::FuncOp function) {
  auto cached = flops.find(function);
  if (cached != flops.end())
    return cached->second;
  double total = 0;
  for (Operation &op : function.getBody().front()) {
    if (auto cost = dyn_cast<CostOpInterface>(&op))
      total += static_cast<double>(cost.getFlops());
    else if (auto call = dyn_cast<func::CallOp>(&op))
      total += flopsOf(symbols.lookup<func::FuncOp>(call.getCallee()));
  }
  flops[function] = total;
  return total;
}

LogicalResult Emitter::emitProgramSpec(ArrayRef<func::FuncOp> steps) {
  func::FuncOp step = steps.front();
  auto tokens = cast<RankedTensorType>(step.getArgumentTypes()[0]);
  // starch-lm-loss records the classes (vocabulary parallelism splits the
  // logits later); a loss written by hand has its cross-entropy's.
  int64_t vocab = 0;
  if (auto size = module->getAttrOfType<IntegerAttr>(kVocabularySizeAttrName))
    vocab = size.getInt();
  else
    module.walk([&](CrossEntropyOp loss) {
      vocab = loss.getLogits().getType().getShape().back();
    });

  // One replica's step: every stage's.
  double stepFlops = 0;
  for (func::FuncOp stageStep : steps)
    stepFlops += flopsOf(stageStep);
  // The parameters as a plain-data table (runtime/train/ProgramTables.h);
  // the rank lists of their shards and tied stages as arrays, one per
  // distinct list.
  std::string rows, lists;
  llvm::StringMap<std::string> listNames;
  auto listArray = [&](ArrayRef<int64_t> values) {
    std::string literal = listLiteral(values);
    auto [it, isNew] = listNames.try_emplace(
        literal, "kRanks" + std::to_string(listNames.size()));
    if (isNew)
      lists +=
          "  static const int64_t " + it->second + "[] = " + literal + ";\n";
    return it->second + ", " + std::to_string(values.size());
  };
  for (auto param : module.getOps<ParamOp>()) {
    StringRef kind = param.getState()    ? "optimizerState"
                     : param.getBuffer() ? "buffer"
                     : param.getFrozen() ? "frozen"
                                         : "trainable";
    StringRef source = param.getState()    ? StringRef()
                       : param.getSource() ? *param.getSource()
                                           : param.getSymName();
    auto owner = param->getAttrOfType<StringAttr>(kModuleAttrName);
    auto type = cast<RankedTensorType>(param.getType());
    if (type.getRank() > rt::kTableMaxRank)
      return param.emitError()
             << "codegen: a parameter of rank above " << rt::kTableMaxRank;
    std::string row = "      {" + quoted(param.getSymName()) + ", " +
                      quoted(source) + ", " + dtypeName(type.getElementType()) +
                      ", " + shapeRow(type.getShape()) +
                      ", ParamKind::" + kind.str();
    bool placed = param.isSharded() || param.getStage();
    if (owner || placed)
      row += ", " + quoted(owner ? owner.getValue() : "");
    if (placed) {
      // This rank's block: the dimension cut and the groups, flat.
      if (param.isSharded()) {
        SmallVector<int64_t> ranks;
        int64_t groupSize = 0;
        for (Attribute group : param.getShardGroupsAttr()) {
          ArrayRef<int64_t> members =
              cast<DenseI64ArrayAttr>(group).asArrayRef();
          ranks.append(members.begin(), members.end());
          groupSize = static_cast<int64_t>(members.size());
        }
        row += ", " + std::to_string(*param.getShardDim()) + ", " +
               listArray(ranks) + ", " + std::to_string(groupSize);
      } else {
        row += ", -1, nullptr, 0, 0";
      }
      row += ", " + std::to_string(
                        param.getStage() ? param.getStageAttr().getInt() : -1);
      if (auto tied = param.getTiedStages())
        row += ", " + listArray(SmallVector<int64_t>(*tied));
    }
    rows += row + "},\n";
  }
  os << "const ProgramSpec &programSpec() {\n"
     << lists << "  static const ParamRow kParams[] = {\n"
     << rows << "  };\n"
     << "  static const ProgramSpec spec = [] {\n"
     << "    ProgramSpec s;\n"
     << "    s.model = " << quoted(options.modelName) << ";\n"
     << "    s.weights = {\n";
  Attribute weights = module->getAttr("starch.weights");
  if (auto single = dyn_cast_or_null<StringAttr>(weights))
    os << "        {\"\", " << quoted(single.getValue()) << "},\n";
  else if (auto perModule = dyn_cast_or_null<DictionaryAttr>(weights))
    for (NamedAttribute entry : perModule)
      if (auto path = dyn_cast<StringAttr>(entry.getValue()))
        os << "        {" << quoted(entry.getName().getValue()) << ", "
           << quoted(path.getValue()) << "},\n";
  os << "    };\n"
     << "    s.microBatches = " << tokens.getDimSize(0) << ";\n";
  // The optimizer's replicas are the data-parallel ones times the context-
  // parallel ranks of each (starch-context-parallel).
  int64_t contextParallel = 1;
  if (auto cp = module->getAttrOfType<IntegerAttr>("starch.context_parallel"))
    contextParallel = cp.getInt();
  if (auto replicas = module->getAttrOfType<IntegerAttr>("starch.data_parallel"))
    os << "    s.dataParallel = " << replicas.getInt() / contextParallel
       << ";\n";
  if (contextParallel > 1)
    os << "    s.contextParallel = " << contextParallel << ";\n";
  if (auto tp = module->getAttrOfType<IntegerAttr>("starch.tensor_parallel"))
    os << "    s.tensorParallel = " << tp.getInt() << ";\n";
  std::optional<PipelineLayout> pipeline = PipelineLayout::of(module);
  if (pipeline) {
    // Which stage each rank of a replica runs (StarchPipeline.h's rule).
    SmallVector<int64_t> stageOfRank;
    for (int64_t rank = 0; rank < pipeline->ranksPerReplica(); ++rank)
      stageOfRank.push_back(pipeline->stageOfRank(rank));
    os << "    s.pipelineStages = " << pipeline->stages << ";\n"
       << "    s.stageOfRank = " << listLiteral(stageOfRank) << ";\n";
  }
  os << "    s.batchSize = " << tokens.getDimSize(1) << ";\n"
     << "    s.sequenceLength = " << tokens.getDimSize(2) << ";\n"
     << "    s.vocabSize = " << vocab << ";\n"
     << "    s.scheduleSteps = " << options.scheduleSteps << ";\n"
     << "    s.flopsPerStep = " << doubleLiteral(stepFlops) << ";\n";
  if (options.shapeOnly)
    os << "    s.shapeOnly = true;\n";
  os << "    s.params = paramSpecs(kParams);\n";
  // The parameter of each entry of param_grad_norms (checked by emit()).
  os << "    s.gradNormParams = {";
  auto normParams = step.getResultAttrOfType<ArrayAttr>(3, kParamsAttrName);
  for (auto [i, name] : llvm::enumerate(normParams))
    os << (i ? ", " : "")
       << paramIndex.lookup(cast<StringAttr>(name).getValue());
  os << "};\n";
  const std::string &payload = program.constantPayload;
  if (!payload.empty())
    os << "    s.constants = {" << quoted(options.constantsFileName) << ", "
       << payload.size() << "u, "
       << llvm::format_hex(constantDataHash(payload.data(), payload.size()), 18)
       << "u};\n";
  // Encoder inputs: the step's arguments between the tokens and the labels.
  llvm::StringMap<size_t> inputIndex;
  if (step.getNumArguments() > 3) {
    os << "    s.inputs = {\n";
    for (unsigned i = 1; i + 2 < step.getNumArguments(); ++i) {
      auto type = cast<RankedTensorType>(step.getArgumentTypes()[i]);
      auto name = step.getArgAttrOfType<StringAttr>(i, kNameAttrName);
      std::string text = name ? name.str() : "input" + std::to_string(i);
      inputIndex[text] = i - 1;
      os << "        {" << quoted(text) << ", "
         << dtypeName(type.getElementType()) << ", "
         << listLiteral(type.getShape().drop_front()) << "},\n";
    }
    os << "    };\n";
  }
  if (auto modalities = module->getAttrOfType<ArrayAttr>("starch.modalities")) {
    os << "    s.modalities = {\n";
    for (Attribute entry : modalities) {
      auto m = cast<DictionaryAttr>(entry);
      auto input = m.getAs<StringAttr>("input");
      auto it = inputIndex.find(input.getValue());
      if (it == inputIndex.end())
        return step.emitError() << "codegen: starch.modalities names input '"
                                << input.getValue()
                                << "', which @train_step does not take";
      os << "        {" << quoted(m.getAs<StringAttr>("encoder").getValue())
         << ", " << quoted(m.getAs<StringAttr>("modality").getValue()) << ", "
         << it->second << ", "
         << m.getAs<IntegerAttr>("placeholder").getInt() << ", "
         << m.getAs<IntegerAttr>("inputs_per_sequence").getInt() << ", "
         << m.getAs<IntegerAttr>("tokens_per_input").getInt() << "},\n";
    }
    os << "    };\n";
  }
  os << "    return s;\n"
     << "  }();\n"
     << "  return spec;\n"
     << "}\n\n";
  return success();
}

/// The call of the step function; in a pipelined program, of this rank's
/// stage's (ProgramSpec::stageOfRank).
std::string stepCalls(ArrayRef<func::FuncOp> steps, StringRef params,
                      StringRef inputs, StringRef outputs) {
  auto call = [&](func::FuncOp step) {
    return (identifier(step.getSymName()) + "(" + params + ", " + inputs +
            ", " + outputs + ");")
        .str();
  };
  if (steps.size() == 1)
    return "  " + call(steps.front()) + "\n";
  std::string text = "  switch (stageOfThisRank(programSpec())) {\n";
  for (auto [stage, step] : llvm::enumerate(steps))
    text += "  case " + std::to_string(stage) + ":\n    " + call(step) +
            "\n    break;\n";
  text += "  default:\n    fail(\"train step\", \"this rank runs no pipeline "
          "stage\");\n  }\n";
  return text;
}

LogicalResult Emitter::emitTrainStep(ArrayRef<func::FuncOp> steps) {
  func::FuncOp step = steps.front();
  unsigned numInputs = step.getNumArguments() - 3;
  int64_t numNorms =
      cast<RankedTensorType>(step.getResultTypes()[3]).getDimSize(0);
  os << "StepOutputs trainStep(ParamStore &params, const StepInputs &inputs,\n"
     << "                      int64_t step) {\n";
  auto argumentList = [&](const char *prefix) {
    std::string text = std::string(prefix) + "tokens";
    for (unsigned i = 0; i < numInputs; ++i)
      text += std::string(", ") + prefix + "input" + std::to_string(i);
    return text + ", " + prefix + "labels";
  };
  if (options.target == CodegenTarget::cpu) {
    os << "  const Tensor &tokens = inputs.tokens, &labels = inputs.labels;\n";
    for (unsigned i = 0; i < numInputs; ++i)
      os << "  const Tensor &input" << i << " = inputs.inputs[" << i << "];\n";
    os << "  Tensor stepTensor(DType::i64, {});\n"
       << "  stepTensor.data<int64_t>()[0] = step;\n"
       << "  Tensor loss(DType::f32, {}), gradNorm(DType::f32, {}), "
          "lr(DType::f32, {});\n"
       << "  Tensor paramGradNorms(DType::f32, {" << numNorms << "});\n"
       << stepCalls(steps, "params", argumentList(""),
                    "stepTensor, loss, gradNorm, lr, paramGradNorms")
       << "  return {loss.data<float>()[0], gradNorm.data<float>()[0],\n"
       << "          lr.data<float>()[0], valuesOf<float>(paramGradNorms)};\n";
  } else {
    // Parameters stay on the device; the host store gets a copy after each
    // step, so checkpoints (written from the host store) are current.
    auto upload = [&](const std::string &name, const std::string &host) {
      os << "  static Tensor d" << name << " = deviceTensor(" << host
         << ".dtype(), " << host << ".shape());\n"
         << "  check(cuda::copyToDevice(" << host << ", d" << name << "), "
         << quoted(name) << ");\n";
    };
    os << "  static DeviceParams device(params);\n";
    upload("tokens", "inputs.tokens");
    for (unsigned i = 0; i < numInputs; ++i)
      upload("input" + std::to_string(i),
             "inputs.inputs[" + std::to_string(i) + "]");
    upload("labels", "inputs.labels");
    os << "  static Tensor dStep = deviceTensor(DType::i64, {});\n"
       << "  static Tensor dLoss = deviceTensor(DType::f32, {});\n"
       << "  static Tensor dGradNorm = deviceTensor(DType::f32, {});\n"
       << "  static Tensor dLr = deviceTensor(DType::f32, {});\n"
       << "  static Tensor dParamGradNorms = deviceTensor(DType::f32, {"
       << numNorms << "});\n"
       << "  Tensor stepTensor(DType::i64, {});\n"
       << "  stepTensor.data<int64_t>()[0] = step;\n"
       << "  check(cuda::copyToDevice(stepTensor, dStep), \"step\");\n"
       << stepCalls(steps, "device.store", argumentList("d"),
                    "dStep, dLoss, dGradNorm, dLr, dParamGradNorms")
       << "  device.copyBack(params);\n"
       << "  return {scalarOf<float>(dLoss), scalarOf<float>(dGradNorm),\n"
       << "          scalarOf<float>(dLr), "
          "valuesOf<float>(dParamGradNorms)};\n";
  }
  os << "}\n";
  return success();
}

LogicalResult Emitter::emit(std::string &constants) {
  // One step function, or one per pipeline stage (all of one signature).
  SmallVector<func::FuncOp> steps;
  std::optional<PipelineLayout> pipeline = PipelineLayout::of(module);
  for (int64_t stage = 0; stage < (pipeline ? pipeline->stages : 1); ++stage) {
    std::string name =
        pipeline ? stageFunctionName("train_step", stage) : "train_step";
    auto stageStep = symbols.lookup<func::FuncOp>(name);
    if (!stageStep)
      return module.emitError() << "codegen needs @" << name
                                << " (run starch-optimizer first)";
    if (!steps.empty() &&
        stageStep.getFunctionType() != steps.front().getFunctionType())
      return stageStep.emitError()
             << "codegen: every stage's train step must have one signature";
    steps.push_back(stageStep);
  }
  func::FuncOp step = steps.front();
  // The contract of runtime/train/Program.h: (tokens, encoder inputs...,
  // labels, step) -> (loss, grad_norm, lr, param_grad_norms), tokens and
  // labels i64 M x B x S.
  int index = 0;
  for (auto param : module.getOps<ParamOp>())
    paramIndex[param.getSymName()] = index++;
  auto i64 = IntegerType::get(module.getContext(), 64);
  auto isTokens = [&](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.getRank() == 3 && tensor.getElementType() == i64;
  };
  auto f32Scalar = RankedTensorType::get({}, Float32Type::get(module.getContext()));
  // param_grad_norms: f32 [P], starch.params naming P parameters.
  auto isParamNorms = [&](func::FuncOp step) {
    auto type = dyn_cast<RankedTensorType>(step.getResultTypes()[3]);
    auto names = step.getResultAttrOfType<ArrayAttr>(3, kParamsAttrName);
    return type && names && type.getRank() == 1 &&
           type.getElementType().isF32() &&
           type.getDimSize(0) == static_cast<int64_t>(names.size()) &&
           llvm::all_of(names, [&](Attribute name) {
             auto text = dyn_cast<StringAttr>(name);
             return text && paramIndex.count(text.getValue());
           });
  };
  unsigned n = step.getNumArguments();
  auto isInput = [&](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.getRank() >= 2 &&
           !dtypeName(tensor.getElementType()).empty();
  };
  if (n < 3 || !isTokens(step.getArgumentTypes()[0]) ||
      step.getArgumentTypes()[n - 2] != step.getArgumentTypes()[0] ||
      step.getArgumentTypes()[n - 1] != RankedTensorType::get({}, i64) ||
      !llvm::all_of(step.getArgumentTypes().slice(1, n - 3), isInput) ||
      step.getNumResults() != 4 ||
      llvm::any_of(step.getResultTypes().take_front(3),
                   [&](Type t) { return t != f32Scalar; }) ||
      !isParamNorms(step))
    return step.emitError()
           << "codegen supports train steps (tokens, encoder inputs..., "
              "labels, step) -> (loss, grad_norm, lr, param_grad_norms) with "
              "i64 M x B x S token ids, f32 results and one norm per "
              "parameter named by starch.params; this one is "
           << step.getFunctionType();
  for (func::FuncOp stageStep : steps)
    if (failed(collectFunctions(stageStep)))
      return failure();
  for (Operation *function : functions)
    for (auto call :
         cast<func::FuncOp>(function).getBody().getOps<func::CallOp>())
      if (auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
          takesResultsByRow(callee))
        program.resultsByRow.insert(callee.getSymName());

  os << "// Generated by starchc for model " << quoted(options.modelName)
     << ". Do not edit: recompile.\n"
     << "// Functions in call order (callees first), then the entry points of\n"
     << "// runtime/train/Program.h. Tensors named vN live at fixed offsets of\n"
     << "// their function's arena; params[i] are the model's parameters.\n"
     << (options.target == CodegenTarget::cuda
             ? "#include \"runtime/cuda/Generated.h\"\n\n"
             : "#include \"runtime/train/Generated.h\"\n\n")
     << "namespace starch::rt {\n"
     << "using namespace gen;\n"
     << "namespace {\n\n";
  for (Operation *function : functions)
    if (failed(emitFunction(cast<func::FuncOp>(function), program, os)))
      return failure();
  os << "} // namespace\n\n";
  if (failed(emitProgramSpec(steps)) || failed(emitTrainStep(steps)))
    return failure();
  os << "\n} // namespace starch::rt\n";
  constants.clear();
  const std::string &payload = program.constantPayload;
  if (!payload.empty())
    constants = constantDataHeader(payload) + payload;
  return success();
}

} // namespace

LogicalResult emitCpp(ModuleOp module, const EmitOptions &options,
                      raw_ostream &os, std::string &constants) {
  return Emitter(module, options, os).emit(constants);
}

} // namespace starch::codegen
