//===- Passes.h - Starch passes ---------------------------------*- C++ -*-===//
#ifndef STARCH_PASSES_PASSES_H
#define STARCH_PASSES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "starch/Dialect/StarchOps.h"

namespace starch {
#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"
} // namespace starch

#endif // STARCH_PASSES_PASSES_H
