//===- PlanModel.cpp - model.json's parallel plan from the IR -------------===//
#include "compiler/Driver/PlanModel.h"

#include "compiler/Driver/AssembleModules.h"
#include "starch/Dialect/StarchDialect.h"

#include "starch/Dialect/StarchInterfaces.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace starch::driver {

using namespace mlir;

namespace {

/// FLOPs of one micro-batch's step through each layer of each module, and
/// of each module's ops before its first layer (head) and after its last
/// (tail): Cornstarch's frozen-aware count. The forward costs F (the ops'
/// CostOpInterface); the backward adds F for the input gradient when
/// anything before the layer trains, and F for the weight gradient when
/// the layer itself reads a trained parameter; a frozen encoder with
/// nothing trained before it costs F alone.
struct ModuleCosts {
  llvm::StringMap<double> layerCost;
  double head = 0, tail = 0;
};

llvm::StringMap<ModuleCosts> moduleCosts(func::FuncOp forward) {
  struct Group {
    double forward = 0;
    bool upstream = false, own = false;
    double cost() const { return forward * (1 + upstream + own); }
  };
  // Per module: its layers' groups, and the untagged ops before and after.
  llvm::StringMap<llvm::StringMap<Group>> layers;
  llvm::StringMap<Group> heads, tails;
  llvm::StringMap<bool> seenLayer;
  llvm::DenseSet<Value> varied; // depends on a trained parameter
  llvm::DenseMap<Operation *, Group *> groupOf;
  forward.walk([&](Operation *op) {
    if (op == forward.getOperation())
      return;
    auto owner = op->getAttrOfType<StringAttr>(kModuleAttrName);
    std::string module = owner ? owner.str() : std::string(kLlmModuleName);
    auto layer = op->getAttrOfType<StringAttr>(kLayerAttrName);
    bool tagged = layer && layer.getValue() != module;
    bool trainedRead = false;
    if (auto read = dyn_cast<ReadParamOp>(op))
      if (auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(
              read, read.getNameAttr()))
        trainedRead = param.isTrainable();
    bool upstream = llvm::any_of(op->getOperands(), [&](Value v) {
      return varied.contains(v);
    });
    if (trainedRead || upstream)
      for (Value result : op->getResults())
        varied.insert(result);
    Group *group;
    if (tagged) {
      seenLayer[module] = true;
      group = &layers[module][layer.getValue()];
    } else {
      group = seenLayer.lookup(module) ? &tails[module] : &heads[module];
    }
    groupOf[op] = group;
    if (auto cost = dyn_cast<CostOpInterface>(op))
      group->forward += static_cast<double>(cost.getFlops());
    // An input gradient is needed when a value from outside the group
    // depends on something trained; a weight gradient when the group
    // reads a trained parameter.
    for (Value v : op->getOperands())
      if (varied.contains(v) && groupOf.lookup(v.getDefiningOp()) != group)
        group->upstream = true;
    group->own |= trainedRead;
  });
  llvm::StringMap<ModuleCosts> result;
  for (auto &module : layers)
    for (auto &entry : module.second)
      result[module.getKey()].layerCost[entry.getKey()] = entry.second.cost();
  for (auto &entry : heads)
    result[entry.getKey()].head = entry.second.cost();
  for (auto &entry : tails)
    result[entry.getKey()].tail = entry.second.cost();
  return result;
}

} // namespace

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

  llvm::StringMap<ModuleCosts> costs = moduleCosts(forward);
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
  // Each module's costs, its projector's counted on its last stage.
  for (plan::ModuleInput &input : inputs) {
    const ModuleCosts &own = costs[input.name];
    for (const std::string &layer : input.layers)
      input.layerCosts.push_back(own.layerCost.lookup(layer));
    input.headCost = own.head;
    input.tailCost = own.tail;
    for (const std::string &attached : input.attached) {
      const ModuleCosts &extra = costs[attached];
      input.tailCost += extra.head + extra.tail;
      for (auto &entry : extra.layerCost)
        input.tailCost += entry.second;
    }
  }
  if (!plan::placeModules(inputs, model.parallel.layout,
                          ranks ? ranks : model.parallel.ranks, placement,
                          error)) {
    error = model.path + ": " + error;
    return false;
  }
  return true;
}

} // namespace starch::driver
