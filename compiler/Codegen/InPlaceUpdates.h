//===- InPlaceUpdates.h - Results written into parameters -------*- C++ -*-===//
#ifndef STARCH_COMPILER_CODEGEN_INPLACEUPDATES_H
#define STARCH_COMPILER_CODEGEN_INPLACEUPDATES_H

#include "mlir/IR/Block.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringRef.h"

namespace starch::codegen {

/// The results of a function body that can be computed in the parameter
/// they are written back to, and the `starch.write_param`s that then copy
/// nothing.
struct InPlaceUpdates {
  /// Each such result and its parameter's symbol.
  llvm::DenseMap<mlir::Value, llvm::StringRef> params;
  llvm::SmallPtrSet<mlir::Operation *, 16> writes;
};

/// A result qualifies when its kernel may write it over an operand
/// (KernelCall::updatesInPlace: adamw's parameter and moments), that
/// operand reads the parameter the result is written to (its only use, the
/// parameter's only write), and no op after the update reads that
/// parameter: nothing can then see the parameter change early.
InPlaceUpdates findInPlaceUpdates(mlir::Block &body);

} // namespace starch::codegen

#endif // STARCH_COMPILER_CODEGEN_INPLACEUPDATES_H
