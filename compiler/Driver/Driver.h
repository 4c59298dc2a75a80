//===- Driver.h - starchc's stages and pass pipelines -----------*- C++ -*-===//
//
// The driver only assembles pipelines: each `--emit=` stage names how far the
// model goes (import, then the passes in order). Later stages (training step,
// code generation, executables) extend the same list.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_COMPILER_DRIVER_DRIVER_H
#define STARCH_COMPILER_DRIVER_DRIVER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>

namespace starch::driver {

enum class EmitStage {
  /// The imported forward graph.
  starch,
  /// After starch-raise: fused attention, norms, activations, rope.
  raised,
};

std::optional<EmitStage> parseEmitStage(llvm::StringRef name);

/// Adds the passes that take an imported module to `stage`.
void buildPipeline(mlir::OpPassManager &pm, EmitStage stage);

} // namespace starch::driver

#endif // STARCH_COMPILER_DRIVER_DRIVER_H
