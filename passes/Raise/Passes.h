//===- Passes.h - Raise phase: fused ops, one forward -----------*- C++ -*-===//
//
// The phase right after import: starch-raise turns the exporters' op chains
// into fused ops and starch-compose joins a multimodal model's modules into
// one @forward. What it leaves is the forward graph that `--emit=raised`
// shows and the planner measures; nothing here depends on training settings.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_PASSES_RAISE_PASSES_H
#define STARCH_PASSES_RAISE_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "starch/Dialect/StarchOps.h"

namespace starch {
#define GEN_PASS_DECL
#include "passes/Raise/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Raise/Passes.h.inc"

/// Options of `starch-raise-pipeline`.
struct RaisePipelineOptions
    : public mlir::PassPipelineOptions<RaisePipelineOptions> {
  Option<bool> compose{
      *this, "compose",
      llvm::cl::desc("join the modules into @forward (starch-compose); a "
                     "multimodal model's module needs it"),
      llvm::cl::init(false)};
};

/// starch-raise, then starch-compose when `options.compose`.
void buildRaisePipeline(mlir::OpPassManager &pm,
                        const RaisePipelineOptions &options);

/// Registers `starch-raise-pipeline`.
void registerRaisePipeline();
} // namespace starch

#endif // STARCH_PASSES_RAISE_PASSES_H
