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

#include "starch/Dialect/StarchEnums.h.inc"

#define GET_OP_CLASSES
#include "starch/Dialect/StarchOps.h.inc"

#endif // STARCH_DIALECT_STARCHOPS_H
