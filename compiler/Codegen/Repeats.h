//===- Repeats.h - Runs of a function body that repeat one period -*- C++
//-*-===//
//
// A deep model's step repeats itself: the calls of one layer function per
// layer with that layer's parameter reads, the optimizer's few ops per
// parameter layer after layer. The C++ emitter writes such a run as one loop
// over a table of what changes between its periods (parameter indices, arena
// views, result buffers), so the generated source and its host compile grow
// with the model's distinct layers, not with its depth.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_CODEGEN_REPEATS_H
#define STARCH_COMPILER_CODEGEN_REPEATS_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

namespace starch::codegen {

/// How operand `operand` of op `op` (both counted within one period) gets
/// its value in every period.
enum class OperandSource {
  /// Defined by an earlier op of the same period: the loop body's own value.
  local,
  /// One value for every period, defined before the run.
  invariant,
  /// Another value per period, defined before the period (before the run or
  /// in an earlier period): read from the loop's table. Never a reshape view
  /// or a constant of an earlier period (those live in the loop body only).
  perPeriod,
};

/// `count` consecutive copies of the `period` ops starting at `begin`
/// (indices into the op list given to findRepeats): equal ops, attributes
/// and types (parameter names, layer tags aside), wired alike.
struct Repeat {
  size_t begin = 0;
  size_t period = 0;
  size_t count = 0;
  /// sources[j][q]: operand q of op j of a period.
  llvm::SmallVector<llvm::SmallVector<OperandSource>> sources;

  size_t end() const { return begin + period * count; }
};

/// The repeats of `ops` (one block's ops in order, without its terminator),
/// in order and disjoint: at each position the run saving the most ops, of
/// at least two periods and saving at least `minSavedOps` ops. A value a
/// repeat defines may be read after it unless it is a constant (or a
/// reshape of one): the emitter names it again after the loop.
llvm::SmallVector<Repeat> findRepeats(llvm::ArrayRef<mlir::Operation *> ops,
                                      size_t minSavedOps = 8,
                                      size_t maxPeriod = 4096);

/// The ops whose results only a loop body may name: reshape views and
/// constants (a parameter read is a table index, any other result a buffer).
bool isLoopLocal(mlir::Operation *op);

} // namespace starch::codegen

#endif // STARCH_COMPILER_CODEGEN_REPEATS_H
