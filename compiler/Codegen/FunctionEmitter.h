//===- FunctionEmitter.h - One IR function as a C++ function ----*- C++ -*-===//
#ifndef STARCH_COMPILER_CODEGEN_FUNCTIONEMITTER_H
#define STARCH_COMPILER_CODEGEN_FUNCTIONEMITTER_H

#include "compiler/Codegen/CppEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace starch::codegen {

/// What the functions of one program share.
struct ProgramState {
  ProgramState(const EmitOptions &options,
               const llvm::StringMap<int> &paramIndex)
      : options(options), paramIndex(paramIndex) {}

  const EmitOptions &options;
  /// Index of each `starch.param` in the parameter store.
  const llvm::StringMap<int> &paramIndex;
  /// The constants file's payload, and where each constant is in it (equal
  /// constants are stored once).
  std::string constantPayload;
  llvm::DenseMap<mlir::Attribute, size_t> constantOffsets;
  /// Functions that take their results as rows of the caller's view table
  /// (`Tensor *out, const int64_t *outRows`) instead of one reference each:
  /// those of many results (a step's gradients), see takesResultsByRow().
  /// By symbol name: a call looks its callee up here, not in the module.
  llvm::StringSet<> resultsByRow;

  /// Appends `values` (little-endian int64: a view or loop table,
  /// runtime/train/ProgramTables.h) to the constants file; their offset.
  size_t appendTable(llvm::ArrayRef<int64_t> values);
};

/// The fewest tensors that a called function takes as rows of its caller's
/// view table (its results), and that a variadic op reads as rows of it (its
/// operands), instead of one name each: a call of a thousand reference
/// arguments cost gcc 0.69 s at 128 layers, more than the rest of the
/// caller (docs/codegen.md). A layer function (tens of results) keeps its
/// named references.
constexpr unsigned kManyTensors = 32;

/// Whether `callee`, which a call of the program reads, takes its results by
/// row: it has at least kManyTensors, each a tensor a view table row can
/// hold.
bool takesResultsByRow(mlir::func::FuncOp callee);

/// Writes `function` as a C++ function to `os` (CppEmitter.cpp's file
/// comment says how); runs of repeated ops become loops over tables
/// (Repeats.h). Fails with a diagnostic on an op it cannot emit.
mlir::LogicalResult emitFunction(mlir::func::FuncOp function,
                                 ProgramState &program, llvm::raw_ostream &os);

} // namespace starch::codegen

#endif // STARCH_COMPILER_CODEGEN_FUNCTIONEMITTER_H
