//===- MemoryPlan.h - Static arena offsets of a function --------*- C++ -*-===//
//
// Every tensor a function computes gets a byte offset in one arena, fixed at
// compile time; a buffer is reused once its last reader has run. Reshapes
// are views and extend the life of the buffer they view. Parameters,
// arguments and constants live outside the arena.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_CODEGEN_MEMORYPLAN_H
#define STARCH_COMPILER_CODEGEN_MEMORYPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <cstdint>

namespace starch::codegen {

struct MemoryPlan {
  /// Offset of each value that owns arena memory.
  llvm::DenseMap<mlir::Value, int64_t> offsets;
  /// Arena size in bytes (the peak of simultaneously live buffers).
  int64_t arenaBytes = 0;
  /// Sum of every buffer's size: the arena a plan without reuse would need.
  int64_t totalBytes = 0;
};

/// True for values that get their own arena buffer: results of ops other than
/// reshape, read_param and constant.
bool ownsArenaBuffer(mlir::Value value);

/// Byte size of a buffer for `value`, rounded up to 64.
int64_t bufferBytes(mlir::Value value);

/// The plan of `function`; values in `outside` own buffers elsewhere (the
/// caller's result buffers) and take no arena space.
MemoryPlan planMemory(mlir::func::FuncOp function,
                      const llvm::DenseSet<mlir::Value> &outside = {});

} // namespace starch::codegen

#endif // STARCH_COMPILER_CODEGEN_MEMORYPLAN_H
