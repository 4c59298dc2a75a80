//===- CppEmitter.cpp - Training step IR -> C++ source --------------------===//
//
// Each IR function becomes a C++ function that takes the parameter store,
// its arguments and its results by reference. Every computed tensor is a view
// at a compile-time offset of the function's arena (MemoryPlan), or, for a
// value the function returns, the caller's result buffer itself; reshapes are
// views, parameters are read in place, constants are views of the constants
// file (splats are filled at first use). Layer tags become section comments
// so a reader can follow the model in the source, and a layer function
// (starch-outline-layers) says which layers call it.
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/CppEmitter.h"

#include "compiler/Codegen/MemoryPlan.h"
#include "compiler/Execution/ExecutionInterface.h"
#include "runtime/io/ConstantData.h"
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
using rt::kConstantAlignment;

/// On a layer function (starch-outline-layers): its family ("model.layers.*")
/// and the tags of the layers that call it.
constexpr llvm::StringLiteral kFamilyAttrName = "starch.layer_family";
constexpr llvm::StringLiteral kCallersAttrName = "starch.layers";
/// On a part of a long function (starch-outline-layers): that function.
constexpr llvm::StringLiteral kSegmentOfAttrName = "starch.segment_of";

std::string dtypeName(Type element) {
  if (element.isF32())
    return "DType::f32";
  if (element.isF64())
    return "DType::f64";
  if (element.isF16())
    return "DType::f16";
  if (element.isBF16())
    return "DType::bf16";
  if (element.isInteger(1))
    return "DType::i1";
  if (element.isInteger(8))
    return element.isUnsignedInteger() ? "DType::u8" : "DType::i8";
  if (element.isInteger(16))
    return "DType::i16";
  if (element.isInteger(32))
    return "DType::i32";
  if (element.isInteger(64))
    return "DType::i64";
  return "";
}

std::string typeArgs(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  return dtypeName(tensor.getElementType()) + ", " +
         listLiteral(tensor.getShape());
}

/// A C++ string literal.
std::string quoted(StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

/// A C++ identifier from a symbol name.
std::string identifier(StringRef name) {
  std::string out;
  for (char c : name)
    out += llvm::isAlnum(c) ? c : '_';
  return out;
}

std::string where(Operation *op) {
  std::string text = op->getName().getStringRef().str();
  if (auto layer = op->getAttrOfType<StringAttr>("starch.layer"))
    text += " in " + layer.str();
  else if (auto family =
               op->getParentOp()->getAttrOfType<StringAttr>(kFamilyAttrName))
    text += " in " + family.str();
  return text;
}

/// "model.layers.0-3, model.layers.5": the callers of a layer function,
/// consecutive layer numbers as ranges.
std::string layerList(ArrayAttr tags) {
  struct Range {
    std::string prefix, suffix;
    int64_t first, last;
  };
  std::string text;
  auto flush = [&](const Range &range) {
    text += (text.empty() ? "" : ", ") + range.prefix +
            std::to_string(range.first) +
            (range.last > range.first ? "-" + std::to_string(range.last)
                                      : std::string()) +
            range.suffix;
  };
  // In layer order (a backward runs from the last layer to the first).
  SmallVector<StringRef> sorted;
  for (Attribute attribute : tags)
    sorted.push_back(cast<StringAttr>(attribute).getValue());
  llvm::sort(sorted,
             [](StringRef a, StringRef b) { return a.compare_numeric(b) < 0; });
  std::optional<Range> open;
  for (StringRef tag : sorted) {
    // The layer number: the last dot-separated component made of digits.
    SmallVector<StringRef> parts;
    tag.split(parts, '.');
    std::optional<size_t> numberAt;
    for (size_t i = 0; i < parts.size(); ++i)
      if (!parts[i].empty() && llvm::all_of(parts[i], llvm::isDigit))
        numberAt = i;
    int64_t number = 0;
    if (!numberAt || parts[*numberAt].getAsInteger(10, number)) {
      if (open)
        flush(*open);
      open.reset();
      text += (text.empty() ? "" : ", ") + tag.str();
      continue;
    }
    size_t begin = parts[*numberAt].begin() - tag.begin();
    std::string prefix = tag.substr(0, begin).str();
    std::string suffix = tag.substr(begin + parts[*numberAt].size()).str();
    if (open && open->prefix == prefix && open->suffix == suffix &&
        open->last + 1 == number) {
      open->last = number;
      continue;
    }
    if (open)
      flush(*open);
    open = Range{prefix, suffix, number, number};
  }
  if (open)
    flush(*open);
  return text;
}

class Emitter {
public:
  Emitter(ModuleOp module, const EmitOptions &options, raw_ostream &os)
      : module(module), options(options), os(os), symbols(module) {}

  LogicalResult emit(std::string &constants);

private:
  LogicalResult collectFunctions(func::FuncOp root);
  LogicalResult emitFunction(func::FuncOp function);
  LogicalResult emitConstant(ConstantOp constant, const std::string &name);
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
  /// The constants file's payload, and where each constant is in it (equal
  /// constants are stored once).
  std::string constantPayload;
  llvm::DenseMap<Attribute, size_t> constantOffsets;
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

LogicalResult Emitter::emitConstant(ConstantOp constant,
                                    const std::string &name) {
  auto type = cast<RankedTensorType>(constant.getType());
  auto dense = dyn_cast<DenseElementsAttr>(constant.getValue());
  if (!dense)
    return constant.emitError() << "codegen needs dense constants";
  Type element = type.getElementType();
  // A splat is filled from a double: exact for floats and for integers of
  // magnitude up to 2^53; larger integers are written element by element.
  std::optional<double> splatValue;
  if (dense.isSplat()) {
    if (isa<FloatType>(element)) {
      splatValue = dense.getSplatValue<APFloat>().convertToDouble();
    } else {
      APInt bits = dense.getSplatValue<APInt>();
      // Each branch converts on its own: a common unsigned type would turn
      // -100 into 2^64 - 100.
      double value = element.isInteger(1)
                         ? static_cast<double>(bits.getZExtValue())
                         : static_cast<double>(bits.getSExtValue());
      if (std::abs(value) <= 0x1p53)
        splatValue = value;
    }
  }
  if (splatValue) {
    os << "  static const Tensor " << name << " = splat(" << typeArgs(type)
       << ", " << doubleLiteral(*splatValue) << ");\n";
    return success();
  }
  auto [stored, isNew] =
      constantOffsets.try_emplace(dense, constantPayload.size());
  if (isNew) {
    // Elements as the runtime stores them: i1 as one byte each.
    auto append = [&](auto value) {
      constantPayload.append(reinterpret_cast<const char *>(&value),
                             sizeof(value));
    };
    if (element.isF32()) {
      for (APFloat v : dense.getValues<APFloat>())
        append(v.convertToFloat());
    } else if (element.isF64()) {
      for (APFloat v : dense.getValues<APFloat>())
        append(v.convertToDouble());
    } else if (element.isInteger(1) || element.isInteger(8) ||
               element.isInteger(32) || element.isInteger(64)) {
      unsigned width =
          element.isInteger(1) ? 8 : element.getIntOrFloatBitWidth();
      for (APInt v : dense.getValues<APInt>()) {
        uint64_t bits =
            element.isInteger(1) ? v.getZExtValue() : v.getSExtValue();
        constantPayload.append(reinterpret_cast<const char *>(&bits),
                               width / 8); // little-endian low bytes
      }
    } else {
      constantOffsets.erase(dense);
      return constant.emitError()
             << "codegen cannot store constants of " << element;
    }
    constantPayload.resize((constantPayload.size() + kConstantAlignment - 1) /
                           kConstantAlignment * kConstantAlignment);
  }
  os << "  static const Tensor " << name << " = storedConstant("
     << stored->second << ", " << typeArgs(type) << ");\n";
  return success();
}

LogicalResult Emitter::emitFunction(func::FuncOp function) {
  Block &body = function.getBody().front();
  // A value returned once that would own an arena buffer is computed in the
  // caller's result buffer instead: no copy at the return (a layer function
  // returns most of the activations its backward keeps).
  auto returned = cast<func::ReturnOp>(body.getTerminator()).getOperands();
  llvm::DenseMap<Value, unsigned> resultSlot;
  llvm::DenseSet<Value> inCallerBuffer;
  for (auto [i, value] : llvm::enumerate(returned))
    if (ownsArenaBuffer(value) && llvm::count(returned, value) == 1) {
      resultSlot[value] = i;
      inCallerBuffer.insert(value);
    }
  MemoryPlan plan = planMemory(function, inCallerBuffer);
  llvm::DenseMap<Value, std::string> names;
  int counter = 0;

  if (auto family = function->getAttrOfType<StringAttr>(kFamilyAttrName)) {
    os << "/// Layer function of " << family.getValue();
    if (auto callers = function->getAttrOfType<ArrayAttr>(kCallersAttrName))
      os << ", called for " << layerList(callers);
    os << ".\n";
  }
  if (auto whole =
          function->getAttrOfType<FlatSymbolRefAttr>(kSegmentOfAttrName))
    os << "/// A part of @" << whole.getValue()
       << ", which is cut into parts called in order: the host compiler's "
          "time grows faster than a function's length.\n";
  os << "/// @" << function.getSymName() << ": " << body.getOperations().size()
     << " ops; arena " << plan.arenaBytes << " bytes (" << plan.totalBytes
     << " without reuse).\n";
  os << "void " << identifier(function.getSymName()) << "(ParamStore &params";
  bool layerFunction = function->hasAttr(kFamilyAttrName);
  llvm::StringSet<> argumentNames;
  for (BlockArgument arg : body.getArguments()) {
    names[arg] = "a" + std::to_string(arg.getArgNumber());
    // A layer function's parameters by their role (self_attn_q_proj_weight);
    // generated names (aN, vN, rN) start with one letter and a digit and
    // cannot collide with "p_" names.
    auto role = function.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                      kNameAttrName);
    if (layerFunction && role &&
        argumentNames.insert("p_" + identifier(role.getValue())).second)
      names[arg] = "p_" + identifier(role.getValue());
    os << ", const Tensor &" << names[arg];
  }
  for (unsigned i = 0; i < function.getNumResults(); ++i)
    os << ", Tensor &r" << i;
  os << ") {\n";
  if (plan.arenaBytes)
    os << "  static Arena arena(" << plan.arenaBytes << ");\n";

  StringRef currentLayer;
  for (Operation &op : body) {
    // A section comment where the layer changes; untagged glue ops between
    // two pieces of one layer do not start a new section.
    auto layer = op.getAttrOfType<StringAttr>("starch.layer");
    if (layer && layer.getValue() != currentLayer) {
      os << "  // ---- " << layer.getValue() << " ----\n";
      currentLayer = layer.getValue();
    }
    SmallVector<std::string> operands;
    for (Value operand : op.getOperands())
      operands.push_back(names.lookup(operand));
    auto nameResult = [&](Value result) {
      std::string name = "v" + std::to_string(counter++);
      names[result] = name;
      return name;
    };

    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, operand] : llvm::enumerate(operands))
        if (operand != "r" + std::to_string(i))
          os << "  copyInto(r" << i << ", " << operand << ");\n";
      continue;
    }
    if (auto read = dyn_cast<ReadParamOp>(op)) {
      os << "  const Tensor " << nameResult(read.getResult()) << " = params["
         << paramIndex.lookup(read.getName()) << "]; // @" << read.getName()
         << "\n";
      continue;
    }
    if (auto write = dyn_cast<WriteParamOp>(op)) {
      os << "  copyInto(params[" << paramIndex.lookup(write.getName())
         << "], " << operands[0] << "); // @" << write.getName() << "\n";
      continue;
    }
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      if (failed(emitConstant(constant, nameResult(constant.getResult()))))
        return failure();
      continue;
    }
    if (exec::isView(&op)) {
      os << "  const Tensor " << nameResult(op.getResult(0)) << " = "
         << operands[0] << ".reshaped("
         << listLiteral(cast<RankedTensorType>(op.getResult(0).getType())
                            .getShape())
         << ");\n";
      continue;
    }

    // Everything else writes arena buffers.
    SmallVector<std::string> results;
    for (Value result : op.getResults()) {
      auto slot = resultSlot.find(result);
      if (slot != resultSlot.end()) {
        names[result] = "r" + std::to_string(slot->second);
        results.push_back(names[result]);
        continue;
      }
      std::string name = nameResult(result);
      os << "  Tensor " << name << " = arena.at(" << plan.offsets.lookup(result)
         << ", " << typeArgs(result.getType()) << ");\n";
      results.push_back(name);
    }
    // An op the compiler marked for --trace runs inside a span.
    auto span = op.getAttrOfType<StringAttr>(kTraceAttrName);
    if (span)
      os << "  {\n  TraceScope span(" << quoted(span.getValue()) << ");\n";
    if (auto call = dyn_cast<func::CallOp>(op)) {
      os << "  " << identifier(call.getCallee()) << "(params";
      for (const std::string &operand : operands)
        os << ", " << operand;
      for (const std::string &result : results)
        os << ", " << result;
      os << ");\n";
    } else {
      auto executable = dyn_cast<exec::ExecutableOpInterface>(&op);
      if (!executable)
        return op.emitError() << "has no kernel in the C++ code generator";
      // The CUDA kernels have the CPU kernels' names and signatures, in
      // namespace cuda.
      os << "  check(";
      executable.getKernelCall().print(
          os, {operands, results},
          options.target == CodegenTarget::cuda ? "cuda::" : "");
      os << ", " << quoted(where(&op)) << ");\n";
    }
    if (span)
      os << "  }\n";
  }
  os << "}\n\n";
  return success();
}

LogicalResult Emitter::emitProgramSpec(ArrayRef<func::FuncOp> steps) {
  func::FuncOp step = steps.front();
  auto tokens = cast<RankedTensorType>(step.getArgumentTypes()[0]);
  int64_t vocab = 0;
  module.walk([&](CrossEntropyOp loss) {
    vocab = loss.getLogits().getType().getShape().back();
  });

  // One replica's step: every stage's.
  double stepFlops = 0;
  for (func::FuncOp stageStep : steps)
    stepFlops += flopsOf(stageStep);
  os << "const ProgramSpec &programSpec() {\n"
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
     << "    s.flopsPerStep = " << doubleLiteral(stepFlops) << ";\n"
     << "    s.params = {\n";
  for (auto param : module.getOps<ParamOp>()) {
    StringRef kind = param.getState()    ? "optimizerState"
                     : param.getBuffer() ? "buffer"
                     : param.getFrozen() ? "frozen"
                                         : "trainable";
    StringRef source = param.getState() ? StringRef()
                       : param.getSource() ? *param.getSource()
                                           : param.getSymName();
    auto owner = param->getAttrOfType<StringAttr>(kModuleAttrName);
    os << "        {" << quoted(param.getSymName()) << ", " << quoted(source)
       << ", " << typeArgs(param.getType()) << ", ParamKind::" << kind;
    if (owner || param.isSharded() || param.getStage())
      os << ", " << quoted(owner ? owner.getValue() : "");
    if (param.isSharded() || param.getStage())
      os << ", ParamShard{";
    if (param.isSharded()) {
      // This rank's block: the dimension cut and the groups, flat.
      SmallVector<int64_t> ranks;
      int64_t groupSize = 0;
      for (Attribute group : param.getShardGroupsAttr()) {
        ArrayRef<int64_t> members = cast<DenseI64ArrayAttr>(group).asArrayRef();
        ranks.append(members.begin(), members.end());
        groupSize = static_cast<int64_t>(members.size());
      }
      os << *param.getShardDim() << ", " << listLiteral(ranks) << ", "
         << groupSize;
    }
    if (param.isSharded() || param.getStage())
      os << "}";
    if (param.getStage())
      os << ", " << param.getStageAttr().getInt();
    if (auto tied = param.getTiedStages())
      os << ", " << listLiteral(SmallVector<int64_t>(*tied));
    os << "},\n";
  }
  os << "    };\n";
  // The parameter of each entry of param_grad_norms (checked by emit()).
  os << "    s.gradNormParams = {";
  auto normParams = step.getResultAttrOfType<ArrayAttr>(3, kParamsAttrName);
  for (auto [i, name] : llvm::enumerate(normParams))
    os << (i ? ", " : "")
       << paramIndex.lookup(cast<StringAttr>(name).getValue());
  os << "};\n";
  if (!constantPayload.empty())
    os << "    s.constants = {" << quoted(options.constantsFileName) << ", "
       << constantPayload.size() << "u, "
       << llvm::format_hex(
              constantDataHash(constantPayload.data(), constantPayload.size()),
              18)
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
    if (failed(emitFunction(cast<func::FuncOp>(function))))
      return failure();
  os << "} // namespace\n\n";
  if (failed(emitProgramSpec(steps)) || failed(emitTrainStep(steps)))
    return failure();
  os << "\n} // namespace starch::rt\n";
  constants.clear();
  if (!constantPayload.empty())
    constants = constantDataHeader(constantPayload) + constantPayload;
  return success();
}

} // namespace

LogicalResult emitCpp(ModuleOp module, const EmitOptions &options,
                      raw_ostream &os, std::string &constants) {
  return Emitter(module, options, os).emit(constants);
}

} // namespace starch::codegen
