//===- Pipeline.cpp - starch-raise-pipeline -------------------------------===//
#include "passes/Raise/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

namespace starch {

void buildRaisePipeline(mlir::OpPassManager &pm,
                        const RaisePipelineOptions &options) {
  pm.addPass(createStarchRaise());
  // Composing after raising: the LLM's attentions must already be fused for
  // compose to give them the bitfield mask.
  if (options.compose)
    pm.addPass(createStarchCompose());
}

void registerRaisePipeline() {
  mlir::PassPipelineRegistration<RaisePipelineOptions>(
      "starch-raise-pipeline",
      "From the imported modules to one forward graph of fused ops",
      buildRaisePipeline);
}

} // namespace starch
