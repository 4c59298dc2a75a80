//===- StarchDialect.h - The starch dialect ---------------------*- C++ -*-===//
#ifndef STARCH_DIALECT_STARCHDIALECT_H
#define STARCH_DIALECT_STARCHDIALECT_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Dialect.h"

#include "starch/Dialect/StarchOpsDialect.h.inc"

namespace starch {
/// Discardable attribute naming the transformer layer an op belongs to.
inline constexpr llvm::StringLiteral kLayerAttrName = "starch.layer";
/// Module attribute naming the file that holds the parameters' data.
inline constexpr llvm::StringLiteral kWeightsAttrName = "starch.weights";
} // namespace starch

#endif // STARCH_DIALECT_STARCHDIALECT_H
