//===- ExecutionInterface.h - How a starch op executes ----------*- C++ -*-===//
//
// ExecutableOpInterface (ExecutionInterface.td): the runtime kernel call of
// an op, attached to the starch ops from outside the dialect by
// registerExecutionModels. Every context that interprets or emits starch IR
// registers it (starchc's importer, starch-run, the tests).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_EXECUTION_EXECUTIONINTERFACE_H
#define STARCH_COMPILER_EXECUTION_EXECUTIONINTERFACE_H

#include "compiler/Execution/KernelCall.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OpDefinition.h"

#include "compiler/Execution/ExecutionInterface.h.inc"

namespace starch::exec {

/// Attaches ExecutableOpInterface to the starch ops (the table of
/// KernelTable.cpp) when the dialect loads, or at once when it is loaded.
void registerExecutionModels(mlir::DialectRegistry &registry);

/// Ops that execute as a view of their operand reinterpreted with the
/// result's shape: no kernel and no buffer of their own (the interpreter,
/// the C++ emitter and the memory plan all ask here).
inline bool isView(mlir::Operation *op) {
  return llvm::isa_and_nonnull<ReshapeOp, EnterShardsOp>(op);
}

} // namespace starch::exec

#endif // STARCH_COMPILER_EXECUTION_EXECUTIONINTERFACE_H
