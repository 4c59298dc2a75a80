//===- FunctionEmitterLoops.cpp - Runs of repeats as loops ----------------===//
//
// A run of ops that repeats one period (Repeats.h) is one loop over a table
// of what changes between periods: parameter indices, arena views, results
// by row, and pointers to named tensors (docs/codegen.md "Loops over
// repeats").
//
//===----------------------------------------------------------------------===//
#include "compiler/Codegen/FunctionEmitterImpl.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace starch::codegen::detail {

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

} // namespace starch::codegen::detail
