//===- StarchInterfaces.h - Op interfaces of starch -------------*- C++ -*-===//
#ifndef STARCH_DIALECT_STARCHINTERFACES_H
#define STARCH_DIALECT_STARCHINTERFACES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "starch/Dialect/StarchSharding.h"

#include "starch/Dialect/StarchInterfaces.h.inc"

namespace starch {
class StarchDialect;
/// Attaches the gradient rules of every op family (external models of
/// GradientOpInterface); called from StarchDialect::initialize().
void registerGradientModels(StarchDialect &dialect);
/// Attaches the sharding rules of every op family (external models of
/// ShardingOpInterface); called from StarchDialect::initialize().
void registerShardingModels(StarchDialect &dialect);
} // namespace starch

#endif // STARCH_DIALECT_STARCHINTERFACES_H
