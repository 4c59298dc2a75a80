//===- RaiseMatchers.h - Matching helpers for starch-raise ------*- C++ -*-===//
//
// Exporters spell the same math in many association orders and with
// constants broadcast in different ways. These helpers let a pattern state
// the math ("a product of x, 0.5 and 1 + erf(x / sqrt 2)") instead of one
// tree shape.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_RAISE_RAISEMATCHERS_H
#define STARCH_PASSES_RAISE_RAISEMATCHERS_H

#include "mlir/IR/PatternMatch.h"
#include "starch/Dialect/StarchOps.h"

#include <optional>

namespace starch::raise {

/// The op defining `value` if it is an `OpT`.
template <typename OpT> OpT definingOp(mlir::Value value) {
  return value ? value.getDefiningOp<OpT>() : OpT();
}

/// Looks through ops that only restate a value: broadcasts and reshapes of
/// constants, and converts to the same element type.
mlir::Value skipRestating(mlir::Value value);

/// The scalar of a splat constant (possibly broadcast or reshaped).
std::optional<double> splatValue(mlir::Value value);

/// True if `value` is a splat constant within `relTol` of `expected`.
bool isSplat(mlir::Value value, double expected, double relTol = 1e-5);

/// Collects the factors of a tree of `starch.mul` rooted at `root`, looking
/// into inner products that have no other user. The root's operands are
/// always opened.
llvm::SmallVector<mlir::Value> productFactors(mlir::Value root);

/// Same for a tree of `starch.add`.
llvm::SmallVector<mlir::Value> sumTerms(mlir::Value root);

/// Removes from `values` the first entry satisfying `pred`, returning it.
mlir::Value takeFirst(llvm::SmallVectorImpl<mlir::Value> &values,
                      llvm::function_ref<bool(mlir::Value)> pred);

/// Copies the discardable attributes (the layer tag) of `from` onto `to`.
void copyLayerTag(mlir::Operation *from, mlir::Operation *to);

} // namespace starch::raise

#endif // STARCH_PASSES_RAISE_RAISEMATCHERS_H
