//===- FunctionEmitter.cpp - One IR function as a C++ function ------------===//
//
// Every computed tensor is a view at a compile-time offset of the
// function's arena (MemoryPlan), listed once in a plain-data table
// (ProgramTables.h), or, for a value the function returns, the caller's
// result buffer itself; reshapes are views, parameters are read in place,
// constants are views of the constants file (splats are filled at first
// use). An update a kernel may make in place (KernelCall::updatesInPlace:
// adamw's parameter and moments) is written into the parameter itself when
// its result is written back to the parameter it read and nothing reads
// that parameter later: no arena buffer and no copy. Layer tags become
// section comments. A run of ops that repeats one
// period (Repeats.h: a layer function called per layer, the optimizer's ops
// per layer) is one loop over a table of what changes between periods.
//
#include "compiler/Codegen/FunctionEmitterImpl.h"

#include "compiler/Codegen/InPlaceUpdates.h"
#include "compiler/Execution/CppLiterals.h"
#include "compiler/Execution/ElementTypes.h"
#include "runtime/io/ConstantData.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <optional>

using namespace mlir;

namespace starch::codegen {
namespace detail {

using exec::doubleLiteral;
using exec::listLiteral;

/// The op and its layer, for a kernel's error message.
std::string opName(Operation *op) { return op->getName().getStringRef().str(); }
StringRef layerOf(Operation *op) {
  if (auto layer = op->getAttrOfType<StringAttr>(kLayerAttrName))
    return layer.getValue();
  if (auto family =
          op->getParentOp()->getAttrOfType<StringAttr>(kFamilyAttrName))
    return family.getValue();
  return "";
}
std::string where(Operation *op) {
  StringRef layer = layerOf(op);
  return opName(op) + (layer.empty() ? "" : " in " + layer.str());
}

Value FunctionEmitter::arenaRoot(Value value) const {
  while (Operation *def = value.getDefiningOp()) {
    if (!exec::isView(def))
      break;
    value = def->getOperand(0);
  }
  return ownsArenaBuffer(value) && !outsideArena(value) ? value : Value();
}

unsigned FunctionEmitter::viewIndex(Value value) {
  auto [it, isNew] = views.try_emplace(value, views.size());
  if (isNew) {
    auto type = cast<RankedTensorType>(value.getType());
    if (!exec::dtypeOf(type.getElementType()) && !untypedView)
      untypedView = value;
    Value root = arenaRoot(value);
    viewData.push_back(plan.offsets.lookup(root));
    viewData.push_back(static_cast<int64_t>(
        exec::dtypeOf(type.getElementType()).value_or(rt::DType::f32)));
    viewData.push_back(type.getRank());
    for (int i = 0; i < rt::kTableMaxRank; ++i)
      viewData.push_back(i < type.getRank() ? type.getDimSize(i) : 0);
  }
  return it->second;
}

std::string FunctionEmitter::declareResult(Value result) {
  auto slot = resultSlot.find(result);
  if (slot != resultSlot.end())
    return names[result] = slotName(slot->second);
  auto param = paramResult.find(result);
  if (param != paramResult.end())
    return names[result] = "params[" + std::to_string(param->second) + "]";
  std::string name = nameResult(result);
  auto type = cast<RankedTensorType>(result.getType());
  if (!tableView(result))
    out << "  Tensor " << name << " = arena.at(" << plan.offsets.lookup(result)
        << ", " << typeArgs(type) << ");\n";
  else
    out << "  Tensor &" << name << " = view[" << viewIndex(result) << "]; // "
        << typeComment(type) << "\n";
  return name;
}

std::string FunctionEmitter::nameOf(Value value) {
  auto known = names.find(value);
  if (known != names.end())
    return known->second;
  if (auto read = value.getDefiningOp<ReadParamOp>()) {
    out << "  const Tensor &" << nameResult(value) << " = params["
        << paramIndexOf(read) << "]; // @" << read.getName() << "\n";
    return names[value];
  }
  Operation *def = value.getDefiningOp();
  if (exec::isView(def) && arenaRoot(value) && tableView(value))
    return declareReshapeView(value);
  if (exec::isView(def)) {
    std::string source = nameOf(def->getOperand(0));
    out << "  const Tensor " << nameResult(value) << " = " << source
        << ".reshaped("
        << listLiteral(cast<RankedTensorType>(value.getType()).getShape())
        << ");\n";
    return names[value];
  }
  return declareResult(value);
}

std::string FunctionEmitter::addressOf(Value value) {
  if (auto read = value.getDefiningOp<ReadParamOp>())
    return "&params[" + std::to_string(paramIndexOf(read)) + "]";
  auto slot = resultSlot.find(value);
  if (slot != resultSlot.end())
    return "&" + slotName(slot->second);
  auto param = paramResult.find(value);
  if (param != paramResult.end())
    return "&params[" + std::to_string(param->second) + "]";
  if (ownsArenaBuffer(value) && tableView(value))
    return "&view[" + std::to_string(viewIndex(value)) + "]";
  auto name = names.find(value);
  return name == names.end() ? "" : "&" + name->second;
}

LogicalResult FunctionEmitter::emitConstant(ConstantOp constant,
                                            const std::string &name,
                                            const std::string &indent) {
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
    out << indent << "static const Tensor " << name << " = splat("
        << typeArgs(type) << ", " << doubleLiteral(*splatValue) << ");\n";
    return success();
  }
  std::string &payload = program.constantPayload;
  auto [stored, isNew] =
      program.constantOffsets.try_emplace(dense, payload.size());
  if (isNew) {
    // Elements as the runtime stores them: i1 as one byte each.
    auto append = [&](auto value) {
      payload.append(reinterpret_cast<const char *>(&value), sizeof(value));
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
        payload.append(reinterpret_cast<const char *>(&bits),
                       width / 8); // little-endian low bytes
      }
    } else {
      program.constantOffsets.erase(dense);
      return constant.emitError()
             << "codegen cannot store constants of " << element;
    }
    payload.resize((payload.size() + rt::kConstantAlignment - 1) /
                   rt::kConstantAlignment * rt::kConstantAlignment);
  }
  out << indent << "static const Tensor " << name << " = storedConstant("
      << stored->second << ", " << typeArgs(type) << ");\n";
  return success();
}

LogicalResult FunctionEmitter::emitOp(Operation &op, const Spelling &spelling) {
  const std::string &indent = spelling.indent;
  SmallVector<std::string> operands;
  for (unsigned q = 0; q < op.getNumOperands(); ++q)
    operands.push_back(spelling.operand(q));
  if (auto read = dyn_cast<ReadParamOp>(op)) {
    out << indent << "const Tensor &" << nameResult(read.getResult()) << " = "
        << spelling.param() << ";";
    if (spelling.commentParam)
      out << " // @" << read.getName();
    out << "\n";
    return success();
  }
  if (auto write = dyn_cast<WriteParamOp>(op)) {
    out << indent << "copyInto(" << spelling.param() << ", " << operands[0]
        << ");";
    if (spelling.commentParam)
      out << " // @" << write.getName();
    out << "\n";
    return success();
  }
  if (auto constant = dyn_cast<ConstantOp>(op))
    return emitConstant(constant, nameResult(constant.getResult()), indent);
  if (exec::isView(&op) && spelling.topLevel && arenaRoot(op.getResult(0)) &&
      tableView(op.getResult(0))) {
    declareReshapeView(op.getResult(0));
    return success();
  }
  if (exec::isView(&op)) {
    out << indent << "const Tensor " << nameResult(op.getResult(0)) << " = "
        << operands[0] << ".reshaped("
        << listLiteral(
               cast<RankedTensorType>(op.getResult(0).getType()).getShape())
        << ");\n";
    return success();
  }

  // Everything else writes buffers.
  SmallVector<std::string> results;
  for (Value result : op.getResults())
    results.push_back(spelling.result(result));
  // An op the compiler marked for --trace runs inside a span.
  auto span = op.getAttrOfType<StringAttr>(kTraceAttrName);
  if (span)
    out << indent << "{\n"
        << indent << "TraceScope span(" << quoted(span.getValue()) << ");\n";
  if (auto call = dyn_cast<func::CallOp>(op)) {
    out << indent << identifier(call.getCallee()) << "(params";
    for (const std::string &operand : operands)
      out << ", " << operand;
    if (callsByRow(call)) {
      out << ", " << spelling.resultRows(call);
    } else {
      for (const std::string &result : results)
        out << ", " << result;
    }
    out << ");\n";
  } else {
    auto executable = dyn_cast<exec::ExecutableOpInterface>(&op);
    if (!executable)
      return op.emitError() << "has no kernel in the C++ code generator";
    // The CUDA kernels have the CPU kernels' names and signatures, in
    // namespace cuda.
    out << indent << "check(";
    std::string operandList = spelling.operandRows(&op);
    executable.getKernelCall().print(
        out, {operands, results, operandList},
        program.options.target == CodegenTarget::cuda ? "cuda::" : "");
    out << ", " << spelling.where() << ");\n";
  }
  if (span)
    out << indent << "}\n";
  return success();
}

LogicalResult FunctionEmitter::emit() {
  Block &body = function.getBody().front();
  // A value returned once that would own an arena buffer is computed in the
  // caller's result buffer instead: no copy at the return (a layer function
  // returns most of the activations its backward keeps).
  auto returned = cast<func::ReturnOp>(body.getTerminator()).getOperands();
  // (A call by row writes its results into this function's view table:
  // one it returns is copied at the return.)
  llvm::DenseSet<Value> notInArena;
  for (auto [i, value] : llvm::enumerate(returned))
    if (ownsArenaBuffer(value) && llvm::count(returned, value) == 1 &&
        !callsByRow(value.getDefiningOp())) {
      resultSlot[value] = i;
      notInArena.insert(value);
    }
  InPlaceUpdates inPlace = findInPlaceUpdates(body);
  for (auto &[value, param] : inPlace.params) {
    paramResult[value] = program.paramIndex.lookup(param);
    notInArena.insert(value);
  }
  writtenInPlace = std::move(inPlace.writes);
  plan = planMemory(function, notInArena);

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
  if (program.options.arenas)
    program.options.arenas->emplace_back(function.getSymName().str(),
                                         plan.arenaBytes);
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
  if (byRow)
    os << ", Tensor *out, const int64_t *outRows";
  else
    for (unsigned i = 0; i < function.getNumResults(); ++i)
      os << ", Tensor &r" << i;
  os << ") {\n";
  if (plan.arenaBytes)
    os << "  static Arena arena(" << plan.arenaBytes << ");\n";

  // Constants first (they read nothing, and are filled or viewed once):
  // in a run of repeats, then, a constant is one value every period reads.
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator()) {
    if (writtenInPlace.contains(&op))
      continue;
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      if (failed(
              emitConstant(constant, nameResult(constant.getResult()), "  ")))
        return failure();
      continue;
    }
    ops.push_back(&op);
  }
  SmallVector<Repeat> repeats = findRepeats(ops);
  const Repeat *nextRepeat = repeats.begin();
  int loops = 0;

  // The top level's spelling: names, the parameter store, the view table.
  Operation *current = nullptr;
  Spelling topLevel;
  // A tensor read once and not named yet (a layer's gradient passed on, a
  // norm gathered into the step's results) is spelled in place: no line of
  // its own.
  topLevel.operand = [&](unsigned q) {
    Value operand = current->getOperand(q);
    if (!names.count(operand) && operand.hasOneUse() && arenaRoot(operand) &&
        tableView(operand))
      return "view[" + std::to_string(viewIndex(operand)) + "]";
    return nameOf(operand);
  };
  topLevel.param = [&] {
    return "params[" + std::to_string(paramIndexOf(current)) + "]";
  };
  // A call's results (a layer's activations, the gradients) are named where
  // the top level first reads them, if it does: loops read them by index.
  topLevel.result = [&](Value result) {
    if (isa<func::CallOp>(current) && !resultSlot.count(result) &&
        tableView(result))
      return "view[" + std::to_string(viewIndex(result)) + "]";
    return declareResult(result);
  };
  topLevel.where = [&] { return quoted(where(current)); };
  // (A call by row lists nothing, and its callee's operands are few.)
  topLevel.operandRows = [&](Operation *op) {
    if (op->getNumOperands() < kManyTensors || isa<func::CallOp>(op) ||
        !llvm::all_of(op->getOperands(), [&](Value operand) {
          return arenaRoot(operand) && tableView(operand);
        }))
      return std::string();
    SmallVector<int64_t> rows;
    for (Value operand : op->getOperands())
      rows.push_back(viewIndex(operand));
    return "tableTensors(view, storedRows<int64_t>(" +
           std::to_string(program.appendTable(rows)) + ", " +
           std::to_string(rows.size()) + "), " + std::to_string(rows.size()) +
           ")";
  };
  topLevel.resultRows = [&](Operation *call) {
    SmallVector<int64_t> rows;
    for (Value result : call->getResults())
      rows.push_back(viewIndex(result));
    return "view, storedRows<int64_t>(" +
           std::to_string(program.appendTable(rows)) + ", " +
           std::to_string(rows.size()) + ")";
  };

  StringRef currentLayer;
  for (size_t i = 0; i < ops.size();) {
    if (nextRepeat != repeats.end() && nextRepeat->begin == i) {
      const Repeat &repeat = *nextRepeat++;
      if (loopCanAddress(ops, repeat)) {
        if (failed(emitRepeat(ops, repeat, loops++)))
          return failure();
        currentLayer = "";
        i = repeat.end();
        continue;
      }
    }
    current = ops[i++];
    // A section comment where the layer changes; untagged glue ops between
    // two pieces of one layer do not start a new section.
    auto layer = current->getAttrOfType<StringAttr>(kLayerAttrName);
    if (layer && layer.getValue() != currentLayer) {
      out << "  // ---- " << layer.getValue() << " ----\n";
      currentLayer = layer.getValue();
    }
    if (failed(emitOp(*current, topLevel)))
      return failure();
  }
  for (auto [i, operand] :
       llvm::enumerate(body.getTerminator()->getOperands())) {
    std::string name = nameOf(operand);
    if (name != slotName(i))
      out << "  copyInto(" << slotName(i) << ", " << name << ");\n";
  }
  if (untypedView)
    return function.emitError() << "codegen: the runtime has no element type "
                                << untypedView.getType();
  if (!views.empty()) {
    size_t offset = program.appendTable(viewData);
    os << "  // The arena's " << views.size()
       << " views (offset, type, shape), rows of the constants file.\n"
       << "  static std::vector<Tensor> views = arenaViews(arena, "
          "storedRows<ViewRow>("
       << offset << ", " << views.size() << "), " << views.size()
       << ");\n"
       // A plain pointer: `view[k]` is then no call, which matters in a
       // call of a thousand arguments (0.6 s of gcc at 128 layers).
       << "  Tensor *const view = views.data();\n";
  }
  os << code << "}\n\n";
  return success();
}

} // namespace detail

using namespace detail;

size_t ProgramState::appendTable(ArrayRef<int64_t> values) {
  size_t offset = constantPayload.size();
  for (int64_t value : values) // little-endian, as the runtime reads it
    for (int byte = 0; byte < 8; ++byte)
      constantPayload.push_back(
          static_cast<char>(static_cast<uint64_t>(value) >> (8 * byte)));
  constantPayload.resize((constantPayload.size() + rt::kConstantAlignment - 1) /
                         rt::kConstantAlignment * rt::kConstantAlignment);
  return offset;
}

bool takesResultsByRow(func::FuncOp callee) {
  return callee.getNumResults() >= kManyTensors &&
         llvm::all_of(callee.getResultTypes(), [](Type type) {
           auto tensor = dyn_cast<RankedTensorType>(type);
           return tensor && tensor.getRank() <= rt::kTableMaxRank &&
                  exec::dtypeOf(tensor.getElementType());
         });
}

LogicalResult emitFunction(func::FuncOp function, ProgramState &program,
                           raw_ostream &os) {
  return FunctionEmitter(function, program, os).emit();
}

} // namespace starch::codegen