//===- StarchOps.h - Ops of the starch dialect ------------------*- C++ -*-===//
#ifndef STARCH_DIALECT_STARCHOPS_H
#define STARCH_DIALECT_STARCHOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "starch/Dialect/StarchDialect.h"
#include "starch/Dialect/StarchInterfaces.h"

#include "starch/Dialect/StarchEnums.h.inc"

namespace starch {
/// Bytes of a tensor value: element count times element size (`i1` is one
/// byte, as stored).
int64_t tensorBytes(mlir::Value value);
/// Bytes read and written by an op that reads each operand and writes each
/// result once.
int64_t operandAndResultBytes(mlir::Operation *op);
/// One operation per result element.
int64_t elementwiseFlops(mlir::Operation *op);

/// The scoring attributes of starch.attention and starch.attention_grad:
/// `scale` positive and finite, `window` (when there) positive and with a
/// full or causal mask, `softcap` (when there) positive and finite.
mlir::LogicalResult verifyAttentionScoring(mlir::Operation *op,
                                           AttentionMaskKind mask, double scale,
                                           mlir::IntegerAttr window,
                                           mlir::FloatAttr softcap);

/// The forward operands and attributes of starch.attention (shared with
/// starch.attention_grad), by its rules.
mlir::LogicalResult
verifyAttentionOperands(mlir::Operation *op, mlir::Value query, mlir::Value key,
                        mlir::Value value, mlir::Value bias, mlir::Value bits,
                        mlir::Value positions, AttentionMaskKind mask,
                        double scale, mlir::IntegerAttr window,
                        mlir::FloatAttr softcap);

/// The `bits` and `positions` operands of starch.attention and
/// starch.attention_grad: bits present exactly when `mask = bitfield`, one
/// word per token (`batch x queries` with `queries == keys`, or `batch x
/// keys` with positions); positions, `queries` long, only with a causal or
/// bitfield mask.
mlir::LogicalResult verifyBitfieldBits(mlir::Operation *op,
                                       AttentionMaskKind mask, mlir::Value bits,
                                       mlir::Value positions, int64_t batch,
                                       int64_t queries, int64_t keys);

/// Verifies that every operand of `op` has the shape of its single result.
mlir::LogicalResult verifySameShapeOperands(mlir::Operation *op);

/// Elementwise ops whose operands all have the result's shape (element types
/// may differ: compare, select, convert). Verified before `Elementwise`, so
/// the message names the shapes.
template <typename ConcreteType>
class SameShapeOperandsTrait
    : public mlir::OpTrait::TraitBase<ConcreteType, SameShapeOperandsTrait> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    return verifySameShapeOperands(op);
  }
};
} // namespace starch

#define GET_OP_CLASSES
#include "starch/Dialect/StarchOps.h.inc"

#endif // STARCH_DIALECT_STARCHOPS_H
