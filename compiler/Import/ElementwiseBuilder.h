//===- ElementwiseBuilder.h - Same-shape elementwise ops --------*- C++ -*-===//
//
// Decomposed ONNX ops are chains of elementwise starch ops on one shape and
// element type; this spells each link as the math reads, with attribute
// values as splat constants of that shape and type.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_IMPORT_ELEMENTWISEBUILDER_H
#define STARCH_COMPILER_IMPORT_ELEMENTWISEBUILDER_H

#include "compiler/Import/NodeImporter.h"

namespace starch::import {

/// Builders over the type of one tensor value (its shape and element type).
class ElementwiseBuilder {
public:
  ElementwiseBuilder(NodeImporter &node, mlir::Value like)
      : node_(node), type_(tensorTypeOf(like)) {}

  /// `value` splat to the shape and element type.
  mlir::Value constant(double value) {
    return node_.splat(value, type_.getElementType(), type_.getShape());
  }
  template <typename OpT> mlir::Value unary(mlir::Value x) {
    return node_.create<OpT>(type_, x);
  }
  template <typename OpT> mlir::Value binary(mlir::Value a, mlir::Value b) {
    return node_.create<OpT>(type_, a, b);
  }
  /// An i1 mask of the shape.
  mlir::Value compare(CompareDirection direction, mlir::Value a,
                      mlir::Value b) {
    return node_.create<CompareOp>(
        node_.tensorType(type_.getShape(), node_.builder().getI1Type()),
        direction, a, b);
  }
  /// And, Or or Xor of two masks.
  template <typename OpT>
  mlir::Value combineMasks(mlir::Value a, mlir::Value b) {
    return node_.create<OpT>(a.getType(), a, b);
  }
  mlir::Value select(mlir::Value condition, mlir::Value onTrue,
                     mlir::Value onFalse) {
    return node_.create<SelectOp>(type_, condition, onTrue, onFalse);
  }

private:
  NodeImporter &node_;
  mlir::RankedTensorType type_;
};

} // namespace starch::import

#endif // STARCH_COMPILER_IMPORT_ELEMENTWISEBUILDER_H
