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
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/FunctionEmitter.h"

#include "compiler/Codegen/CppText.h"
#include "compiler/Codegen/InPlaceUpdates.h"
#include "compiler/Codegen/MemoryPlan.h"
#include "compiler/Codegen/Repeats.h"
#include "compiler/Execution/CppLiterals.h"
#include "compiler/Execution/ElementTypes.h"
#include "compiler/Execution/ExecutionInterface.h"
#include "runtime/io/ConstantData.h"
#include "runtime/train/ProgramTables.h"
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <functional>
#include <optional>

using namespace mlir;

namespace starch::codegen {

namespace {

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

/// How one op is spelled: its operands, parameter, results and error text.
/// The function's top level and a loop body spell them differently.
struct Spelling {
  std::function<std::string(unsigned operand)> operand;
  /// "params[12]" for a parameter read or write.
  std::function<std::string()> param;
  /// Declares a buffer result (emitting what it needs) and names it.
  std::function<std::string(Value result)> result;
  /// check()'s trailing arguments: the quoted op and layer.
  std::function<std::string()> where;
  /// The results of a call of a function that takes them by row: the view
  /// table and its rows (after `result` named each). Only the top level
  /// has such calls (loopCanAddress).
  std::function<std::string(Operation *call)> resultRows;
  /// An expression for all of a variadic op's operands as rows of the view
  /// table, or empty (then they are listed).
  std::function<std::string(Operation *op)> operandRows = [](Operation *) {
    return std::string();
  };
  /// A parameter read's or write's comment: its symbol.
  bool commentParam = true;
  /// The function's top level (not a loop body): a reshape of an arena
  /// buffer is a row of the view table.
  bool topLevel = true;
  std::string indent = "  ";
};

class FunctionEmitter {
public:
  FunctionEmitter(func::FuncOp function, ProgramState &program, raw_ostream &os)
      : function(function), program(program), os(os),
        byRow(program.resultsByRow.contains(function.getSymName())) {}

  LogicalResult emit();

private:
  LogicalResult emitOp(Operation &op, const Spelling &spelling);
  LogicalResult emitConstant(ConstantOp constant, const std::string &name,
                             const std::string &indent);
  LogicalResult emitRepeat(ArrayRef<Operation *> ops, const Repeat &repeat,
                           int loopNumber);
  /// Whether a loop can address every value `repeat` passes between
  /// periods or declares after it (a view of rank above the table's is
  /// written the long way, and then only where it is made).
  bool loopCanAddress(ArrayRef<Operation *> ops, const Repeat &repeat);
  std::string nameResult(Value value) {
    std::string name = "v" + std::to_string(counter++);
    names[value] = name;
    return name;
  }
  bool tableView(Value value) const {
    return cast<RankedTensorType>(value.getType()).getRank() <=
           rt::kTableMaxRank;
  }
  /// The buffer of this function's arena `value` is (a view of), if any.
  Value arenaRoot(Value value) const;
  /// The row of `value` in the view table, added on first use: a buffer of
  /// the arena or a reshape view of one.
  unsigned viewIndex(Value value);
  /// Declares a reshape view of an arena buffer as a row of the view table.
  std::string declareReshapeView(Value value) {
    std::string name = nameResult(value);
    out << "  Tensor &" << name << " = view[" << viewIndex(value) << "]; // "
        << typeComment(cast<RankedTensorType>(value.getType())) << "\n";
    return name;
  }
  /// Declares the top-level name of a buffer result.
  std::string declareResult(Value result);
  /// The top-level name of `value`; a value a loop made is declared here,
  /// where the top level first reads it.
  std::string nameOf(Value value);
  /// A C++ expression for the address of `value` from inside a loop of the
  /// function: a view, a parameter or a named tensor; empty if it has none.
  std::string addressOf(Value value);
  /// Result `slot` of this function: a reference argument, or a row of the
  /// caller's view table.
  std::string slotName(unsigned slot) const {
    return byRow ? slotAt(std::to_string(slot)) : "r" + std::to_string(slot);
  }
  /// Result `index` (a C++ expression) of a function that takes them by row.
  static std::string slotAt(const std::string &index) {
    return "out[outRows[" + index + "]]";
  }
  /// Whether `op` calls a function that takes its results by row.
  bool callsByRow(Operation *op) const {
    auto call = dyn_cast<func::CallOp>(op);
    return call && program.resultsByRow.contains(call.getCallee());
  }
  int paramIndexOf(Operation *op) {
    StringRef name = isa<ReadParamOp>(op) ? cast<ReadParamOp>(op).getName()
                                          : cast<WriteParamOp>(op).getName();
    return program.paramIndex.lookup(name);
  }

  func::FuncOp function;
  ProgramState &program;
  raw_ostream &os;
  /// This function takes its results by row (ProgramState::resultsByRow).
  bool byRow;
  std::string code;
  llvm::raw_string_ostream out{code};
  MemoryPlan plan;
  llvm::DenseMap<Value, unsigned> resultSlot;
  /// Results computed in the parameter they are written to (InPlaceUpdates.h),
  /// by its index, and the writes that then copy nothing.
  llvm::DenseMap<Value, int> paramResult;
  llvm::SmallPtrSet<Operation *, 16> writtenInPlace;
  /// A buffer result that lives outside the arena: the caller's result
  /// buffer or a parameter.
  bool outsideArena(Value value) const {
    return resultSlot.count(value) || paramResult.count(value);
  }
  llvm::DenseMap<Value, std::string> names;
  llvm::DenseMap<Value, unsigned> views;
  /// The view table's rows (ProgramTables.h's ViewRow), flat.
  SmallVector<int64_t> viewData;
  /// A tensor of an element type the runtime has not.
  Value untypedView;
  int counter = 0;
};

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

bool FunctionEmitter::loopCanAddress(ArrayRef<Operation *> ops,
                                     const Repeat &repeat) {
  for (size_t i = repeat.begin; i < repeat.end(); ++i) {
    // A call by row is one short line at the top level (its rows are a
    // table of their own): no loop needed.
    if (callsByRow(ops[i]))
      return false;
    for (Value result : ops[i]->getResults())
      if (!tableView(result) && !isLoopLocal(ops[i]) && !outsideArena(result))
        return false;
    size_t j = (i - repeat.begin) % repeat.period;
    for (auto [q, operand] : llvm::enumerate(ops[i]->getOperands()))
      if (repeat.sources[j][q] == OperandSource::perPeriod &&
          !operand.getDefiningOp<ReadParamOp>() && !resultSlot.count(operand) &&
          !(ownsArenaBuffer(operand) && tableView(operand)) &&
          !names.count(operand))
        return false;
  }
  return true;
}

/// A loop: per period (iteration) a row of `int64_t` table entries (view and
/// parameter indices) and, where a value is a named tensor (an argument, a
/// result buffer), an entry of a local pointer table.
LogicalResult FunctionEmitter::emitRepeat(ArrayRef<Operation *> ops,
                                          const Repeat &repeat,
                                          int loopNumber) {
  size_t begin = repeat.begin, period = repeat.period, count = repeat.count;
  auto opAt = [&](size_t t, size_t j) { return ops[begin + t * period + j]; };
  std::string tag = "loop" + std::to_string(loopNumber);
  std::string table = "kLoop" + std::to_string(loopNumber);

  // The columns, filled period by period.
  SmallVector<SmallVector<int64_t>> intColumns;
  SmallVector<SmallVector<std::string>> inColumns, outColumns, tagColumns;
  auto addColumn = [&](auto &columns, auto &&entry) {
    typename std::decay_t<decltype(columns)>::value_type column;
    for (size_t t = 0; t < count; ++t)
      column.push_back(entry(t));
    columns.push_back(std::move(column));
    return columns.size() - 1;
  };
  // An index per period in a column of the table, spelled by `spell` from
  // the body's `row[c]`: a parameter, a view, a result by row.
  auto intColumn = [&](auto spell, auto &&index) {
    size_t c = addColumn(intColumns, index);
    return spell("row[" + std::to_string(c) + "]");
  };
  auto inParams = [](const std::string &e) { return "params[" + e + "]"; };
  auto inViews = [](const std::string &e) { return "view[" + e + "]"; };
  // What each op of the body reads its operands, parameter and results
  // from, and its error text.
  struct OpPlan {
    SmallVector<std::string> operands;
    std::string param, where;
    SmallVector<std::string> results;
  };
  SmallVector<OpPlan> opPlans(period);
  llvm::StringMap<size_t> tagColumnOf;
  for (size_t j = 0; j < period; ++j) {
    Operation *first = opAt(0, j);
    OpPlan &opPlan = opPlans[j];
    for (unsigned q = 0; q < first->getNumOperands(); ++q) {
      if (repeat.sources[j][q] != OperandSource::perPeriod) {
        opPlan.operands.push_back(""); // its name, once the body names it
        continue;
      }
      auto operandAt = [&](size_t t) { return opAt(t, j)->getOperand(q); };
      bool allViews = true, allParams = true, allSlots = byRow;
      for (size_t t = 0; t < count; ++t) {
        Value v = operandAt(t);
        allParams &= bool(v.getDefiningOp<ReadParamOp>());
        allViews &= ownsArenaBuffer(v) && tableView(v) && !resultSlot.count(v);
        allSlots &= resultSlot.count(v) != 0;
      }
      if (allSlots) {
        opPlan.operands.push_back(intColumn(slotAt, [&](size_t t) -> int64_t {
          return resultSlot.lookup(operandAt(t));
        }));
      } else if (allParams) {
        opPlan.operands.push_back(intColumn(inParams, [&](size_t t) -> int64_t {
          return paramIndexOf(operandAt(t).getDefiningOp<ReadParamOp>());
        }));
      } else if (allViews) {
        opPlan.operands.push_back(intColumn(inViews, [&](size_t t) -> int64_t {
          return viewIndex(operandAt(t));
        }));
      } else {
        size_t c = addColumn(inColumns,
                             [&](size_t t) { return addressOf(operandAt(t)); });
        opPlan.operands.push_back("(*" + tag + "In[i][" + std::to_string(c) +
                                  "])");
      }
    }
    if (isa<ReadParamOp, WriteParamOp>(first))
      opPlan.param = intColumn(inParams, [&](size_t t) -> int64_t {
        return paramIndexOf(opAt(t, j));
      });
    if (!isLoopLocal(first) && !isa<ReadParamOp>(first))
      for (unsigned r = 0; r < first->getNumResults(); ++r) {
        auto resultAt = [&](size_t t) { return opAt(t, j)->getResult(r); };
        bool allViews = true, allParams = true, allSlots = byRow;
        for (size_t t = 0; t < count; ++t) {
          allViews &= !outsideArena(resultAt(t));
          allParams &= paramResult.count(resultAt(t)) != 0;
          allSlots &= resultSlot.count(resultAt(t)) != 0;
        }
        if (allSlots) {
          opPlan.results.push_back(intColumn(slotAt, [&](size_t t) -> int64_t {
            return resultSlot.lookup(resultAt(t));
          }));
        } else if (allParams) {
          opPlan.results.push_back(
              intColumn(inParams, [&](size_t t) -> int64_t {
                return paramResult.lookup(resultAt(t));
              }));
        } else if (allViews) {
          opPlan.results.push_back(intColumn(inViews, [&](size_t t) -> int64_t {
            return viewIndex(resultAt(t));
          }));
        } else {
          size_t c = addColumn(
              outColumns, [&](size_t t) { return addressOf(resultAt(t)); });
          opPlan.results.push_back("(*" + tag + "Out[i][" + std::to_string(c) +
                                   "])");
        }
      }
    // The error text names each period's layer when the layers differ (a
    // kernel's; calls, parameters, constants and views have none).
    if (isa<func::CallOp, ReadParamOp, WriteParamOp, ConstantOp>(first) ||
        exec::isView(first))
      continue;
    SmallVector<std::string> layers;
    for (size_t t = 0; t < count; ++t)
      layers.push_back(layerOf(opAt(t, j)).str());
    if (llvm::all_equal(layers)) {
      opPlan.where = quoted(where(first));
    } else {
      std::string key = llvm::join(layers, "\n");
      auto [it, isNew] = tagColumnOf.try_emplace(key, tagColumns.size());
      if (isNew)
        tagColumns.push_back(layers);
      opPlan.where = quoted(opName(first)) + ", " + table + "Layers" +
                     std::to_string(it->second) + "[i]";
    }
  }

  // The values every iteration reads get their names before the loop.
  for (size_t j = 0; j < period; ++j)
    for (auto [q, operand] : llvm::enumerate(opAt(0, j)->getOperands()))
      if (repeat.sources[j][q] == OperandSource::invariant)
        nameOf(operand);

  // The section comment: the layers the loop runs, or what repeats.
  SmallVector<Attribute> periodTags;
  for (size_t t = 0; t < count; ++t)
    for (size_t j = 0; j < period; ++j)
      if (auto layer = opAt(t, j)->getAttrOfType<StringAttr>(kLayerAttrName)) {
        if (!llvm::is_contained(periodTags, layer))
          periodTags.push_back(layer);
        break;
      }
  if (periodTags.size() == count)
    out << "  // ---- "
        << layerList(ArrayAttr::get(function.getContext(), periodTags))
        << ": a loop, one iteration per layer ----\n";
  else
    out << "  // ---- " << count << " iterations of the " << period
        << " ops below (a table row each) ----\n";

  // The tables.
  if (!intColumns.empty()) {
    SmallVector<int64_t> rows;
    for (size_t t = 0; t < count; ++t)
      for (const SmallVector<int64_t> &column : intColumns)
        rows.push_back(column[t]);
    size_t offset = program.appendTable(rows);
    out << "  // " << table << ": " << count << " rows of " << intColumns.size()
        << " view and parameter indices, one per iteration"
        << (periodTags.size() == count ? " (layer)" : "")
        << ", in the constants file.\n"
        << "  static const int64_t *const " << table
        << " = storedRows<int64_t>(" << offset << ", " << rows.size() << ");\n";
  }
  for (auto [k, column] : llvm::enumerate(tagColumns)) {
    out << "  static const char *const " << table << "Layers" << k << "["
        << count << "] = {";
    for (size_t t = 0; t < count; ++t)
      out << (t ? ", " : "") << quoted(column[t]);
    out << "};\n";
  }
  auto pointerTable = [&](const char *type, StringRef name,
                          ArrayRef<SmallVector<std::string>> columns) {
    if (columns.empty())
      return;
    out << "  " << type << " *const " << name << "[" << count << "]["
        << columns.size() << "] = {\n";
    for (size_t t = 0; t < count; ++t) {
      out << "      {";
      for (auto [c, column] : llvm::enumerate(columns))
        out << (c ? ", " : "") << column[t];
      out << "},\n";
    }
    out << "  };\n";
  };
  pointerTable("const Tensor", tag + "In", inColumns);
  pointerTable("Tensor", tag + "Out", outColumns);

  // The body: period 0's ops, each spelled from its plan.
  out << "  for (size_t i = 0; i < " << count << "; ++i) {\n";
  if (!intColumns.empty())
    out << "    const int64_t *row = " << table << " + i * "
        << intColumns.size() << ";\n";
  for (size_t j = 0; j < period; ++j) {
    Operation *op = opAt(0, j);
    const OpPlan &opPlan = opPlans[j];
    size_t nextResult = 0;
    Spelling spelling;
    spelling.indent = "    ";
    spelling.commentParam = false;
    spelling.topLevel = false;
    spelling.operand = [&](unsigned q) {
      return opPlan.operands[q].empty() ? names.lookup(op->getOperand(q))
                                        : opPlan.operands[q];
    };
    spelling.param = [&] { return opPlan.param; };
    spelling.result = [&](Value result) {
      std::string name = nameResult(result);
      out << "    Tensor &" << name << " = " << opPlan.results[nextResult++]
          << "; // " << typeComment(cast<RankedTensorType>(result.getType()))
          << "\n";
      return name;
    };
    spelling.where = [&] { return opPlan.where; };
    if (failed(emitOp(*op, spelling)))
      return failure();
  }
  out << "  }\n";

  // The body's names end with the loop: what is read after it gets a
  // top-level name where it is first read there (nameOf).
  for (size_t i = begin; i < repeat.end(); ++i)
    for (Value result : ops[i]->getResults())
      names.erase(result);
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

} // namespace

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
