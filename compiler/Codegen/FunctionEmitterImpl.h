//===- FunctionEmitterImpl.h - The function emitter's class -----*- C++ -*-===//
//
// FunctionEmitter (FunctionEmitter.cpp's file comment says what it writes),
// shared by its two sources: FunctionEmitter.cpp (values, ops, the
// function) and FunctionEmitterLoops.cpp (runs of repeats as loops).
// Internal to compiler/Codegen.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_CODEGEN_FUNCTIONEMITTERIMPL_H
#define STARCH_COMPILER_CODEGEN_FUNCTIONEMITTERIMPL_H

#include "compiler/Codegen/FunctionEmitter.h"

#include "compiler/Codegen/CppText.h"
#include "compiler/Codegen/MemoryPlan.h"
#include "compiler/Codegen/Repeats.h"
#include "compiler/Execution/ExecutionInterface.h"
#include "runtime/train/ProgramTables.h"
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <string>

namespace starch::codegen::detail {

using namespace mlir;

/// The op and its layer, for a kernel's error message.
std::string opName(Operation *op);
StringRef layerOf(Operation *op);
std::string where(Operation *op);

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
  /// Whether `op` (or null) calls a function that takes its results by row.
  bool callsByRow(Operation *op) const {
    auto call = dyn_cast_or_null<func::CallOp>(op);
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

} // namespace starch::codegen::detail

#endif // STARCH_COMPILER_CODEGEN_FUNCTIONEMITTERIMPL_H
