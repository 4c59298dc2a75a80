//===- Driver.cpp - starchc's stages and pass pipelines -------------------===//
#include "compiler/Driver/Driver.h"
#include "passes/Passes.h"

#include "llvm/ADT/StringSwitch.h"

namespace starch::driver {

std::optional<EmitStage> parseEmitStage(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<EmitStage>>(name)
      .Case("starch", EmitStage::starch)
      .Case("raised", EmitStage::raised)
      .Default(std::nullopt);
}

void buildPipeline(mlir::OpPassManager &pm, EmitStage stage) {
  if (stage >= EmitStage::raised)
    pm.addPass(createStarchRaise());
}

} // namespace starch::driver
