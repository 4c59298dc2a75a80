//===- PlanModel.cpp - model.json's parallel plan from the IR -------------===//
#include "compiler/Driver/PlanModel.h"

#include "compiler/Driver/AssembleModules.h"
#include "starch/Dialect/StarchDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace starch::driver {

using namespace mlir;

bool planModel(ModuleOp module, const config::ModelConfig &model,
               int64_t ranks, plan::Placement &placement, std::string &error) {
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward) {
    auto functions = module.getOps<func::FuncOp>();
    if (!functions.empty())
      forward = *functions.begin();
  }
  if (!forward) {
    error = model.path + ": no forward function to plan";
    return false;
  }
  // Each module's layer tags, in the order their first op runs; a
  // projector's ops carry its module name as their layer, not a layer.
  llvm::StringMap<std::vector<std::string>> layers;
  llvm::StringMap<llvm::StringSet<>> seen;
  forward.walk([&](Operation *op) {
    auto layer = op->getAttrOfType<StringAttr>(kLayerAttrName);
    if (!layer)
      return;
    auto owner = op->getAttrOfType<StringAttr>(kModuleAttrName);
    std::string name = owner ? owner.str() : std::string(kLlmModuleName);
    if (layer.getValue() == name)
      return;
    if (seen[name].insert(layer.getValue()).second)
      layers[name].push_back(layer.str());
  });

  std::vector<plan::ModuleInput> inputs;
  for (size_t i = 0; i < model.encoders.size(); ++i) {
    const config::EncoderConfig &encoder = model.encoders[i];
    inputs.push_back({encoder.name,
                      {encoder.name + "_projector"},
                      layers.lookup(encoder.name),
                      encoder.parallel,
                      encoder.frozen,
                      "encoders[" + std::to_string(i) + "].parallel"});
  }
  inputs.push_back({std::string(kLlmModuleName),
                    {},
                    layers.lookup(kLlmModuleName),
                    model.llmParallel,
                    model.llmFrozen,
                    "llm.parallel"});
  if (!plan::placeModules(inputs, model.parallel.layout,
                          ranks ? ranks : model.parallel.ranks, placement,
                          error)) {
    error = model.path + ": " + error;
    return false;
  }
  return true;
}

} // namespace starch::driver
