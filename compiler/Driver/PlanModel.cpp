//===- PlanModel.cpp - model.json's parallel plan from the IR -------------===//
#include "compiler/Driver/PlanModel.h"

#include "compiler/Driver/AssembleModules.h"
#include "passes/Training/Passes.h"
#include "starch/Dialect/StarchDialect.h"

#include "starch/Dialect/StarchInterfaces.h"
#include "starch/Dialect/StarchOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <numeric>

namespace starch::driver {

using namespace mlir;

namespace {

/// Seconds of one execution of `op` on one rank (`compute`, which tensor
/// parallelism divides, plus the fixed per-op `overhead`): products and
/// attention at their FLOP rates, everything else at memory bandwidth.
void opSeconds(Operation *op, const plan::Calibration &c, double &compute,
               double &overhead) {
  compute = overhead = 0;
  auto cost = dyn_cast<CostOpInterface>(op);
  if (!cost || isa<ParamOp, ReadParamOp, ConstantOp, ReshapeOp>(op))
    return;
  double flops = static_cast<double>(cost.getFlops());
  if (isa<MatmulOp, ConvOp>(op))
    compute = flops / c.gemmFlopsPerSecond;
  else if (isa<AttentionOp, AttentionGradOp>(op))
    compute = flops / c.attentionFlopsPerSecond;
  else
    compute =
        static_cast<double>(cost.getBytesAccessed()) / c.memoryBytesPerSecond;
  overhead = c.opOverheadSeconds;
  // What the whole program takes beyond its kernels' rates (a profiled
  // one-process run's measured over predicted step).
  compute *= c.programScale;
  overhead *= c.programScale;
}

/// The work of each layer of each module, and of each module's ops before
/// its first layer (head) and after its last (tail), for one micro-batch:
/// Cornstarch's frozen-aware count. The forward costs F (the ops'
/// CostOpInterface); an op whose result depends on a trained parameter
/// also runs backward: F for the gradient of each operand that depends on
/// one (the weight gradient when that operand is the parameter itself,
/// attention's 2.5 F as its gradient kernel counts). A frozen encoder with
/// nothing trained before it costs F alone.
struct Group {
  double flops = 0, backwardFlops = 0;
  plan::LayerWork work;
  /// In the gradient function autodiff builds for one micro-batch: the
  /// seconds of the group's ops (its forward and its backward).
  double stepCompute = 0, stepOverhead = 0;
};

struct ModuleCosts {
  std::vector<std::string> layers; // in the order their first op runs
  llvm::StringMap<Group> layer;
  Group head, tail;
  int64_t headsDivisor = 0; // gcd of every attention's query and key heads
  int64_t tokens = 0;       // the longest attention's queries
};

/// The group an op of `function` belongs to: its module's layer, or the
/// module's ops before its first layer (head) or after (tail). A new
/// layer joins its module's list in the order of its first op.
class GroupOf {
public:
  explicit GroupOf(llvm::StringMap<ModuleCosts> &modules) : modules_(modules) {}
  Group &operator()(Operation *op) {
    auto owner = op->getAttrOfType<StringAttr>(kModuleAttrName);
    std::string name = owner ? owner.str() : std::string(kLlmModuleName);
    ModuleCosts &module = modules_[name];
    auto layer = op->getAttrOfType<StringAttr>(kLayerAttrName);
    if (layer && layer.getValue() != name) {
      seenLayer_[name] = true;
      auto [it, fresh] = module.layer.try_emplace(layer.getValue());
      if (fresh)
        module.layers.push_back(layer.str());
      return it->second;
    }
    return seenLayer_.lookup(name) ? module.tail : module.head;
  }

private:
  llvm::StringMap<ModuleCosts> &modules_;
  llvm::StringMap<bool> seenLayer_;
};

llvm::StringMap<ModuleCosts> moduleCosts(func::FuncOp forward,
                                         const plan::Calibration &c) {
  llvm::StringMap<ModuleCosts> modules;
  GroupOf groupFor(modules);
  llvm::DenseSet<Value> varied; // depends on a trained parameter
  llvm::DenseSet<Value> paramReads;
  llvm::DenseMap<Operation *, Group *> groupOf;
  forward.walk([&](Operation *op) {
    if (op == forward.getOperation() || isa<func::ReturnOp>(op))
      return;
    auto owner = op->getAttrOfType<StringAttr>(kModuleAttrName);
    ModuleCosts &module =
        modules[owner ? owner.str() : std::string(kLlmModuleName)];
    Group *group = &groupFor(op);
    groupOf[op] = group;
    plan::LayerWork &work = group->work;

    bool trainedRead = false;
    if (auto read = dyn_cast<ReadParamOp>(op)) {
      paramReads.insert(read.getResult());
      double bytes = static_cast<double>(tensorBytes(read.getResult()));
      work.paramBytes += bytes;
      if (auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(
              read, read.getNameAttr()))
        trainedRead = param.isTrainable();
      if (trainedRead)
        work.trainedBytes += bytes;
    }
    if (auto attention = dyn_cast<AttentionOp>(op)) {
      for (Value operand : {attention.getQuery(), attention.getKey()})
        module.headsDivisor =
            std::gcd(module.headsDivisor,
                     cast<RankedTensorType>(operand.getType()).getDimSize(1));
      module.tokens = std::max(
          module.tokens,
          cast<RankedTensorType>(attention.getQuery().getType()).getDimSize(2));
    }
    for (Value v : op->getOperands()) {
      Operation *from = v.getDefiningOp();
      if (groupOf.lookup(from) != group &&
          !isa_and_nonnull<ReadParamOp>(from) &&
          !isa_and_nonnull<ConstantOp>(from) &&
          isa<FloatType>(cast<ShapedType>(v.getType()).getElementType()))
        work.boundaryBytes =
            std::max(work.boundaryBytes, static_cast<double>(tensorBytes(v)));
    }

    double compute, overhead;
    opSeconds(op, c, compute, overhead);
    double flops = 0;
    if (auto cost = dyn_cast<CostOpInterface>(op))
      flops = static_cast<double>(cost.getFlops());
    group->flops += flops;
    work.forward += compute;
    work.overhead += overhead;
    if (compute > 0)
      for (Value result : op->getResults())
        work.activationBytes += static_cast<double>(tensorBytes(result));
    // The backward: a gradient for each operand that depends on something
    // trained.
    double factor = isa<AttentionOp>(op) ? 2.5 : 1.0;
    bool upstream = false;
    for (Value v : op->getOperands()) {
      if (!varied.contains(v))
        continue;
      upstream = true;
      bool weight = paramReads.contains(v);
      (weight ? work.weightGrad : work.inputGrad) += factor * compute;
      group->backwardFlops += factor * flops;
      if (isa<AttentionOp>(op))
        break; // one gradient kernel for query, key and value
    }
    if (trainedRead || upstream)
      for (Value result : op->getResults())
        varied.insert(result);
  });
  return modules;
}

/// Adds the seconds of every op of `gradient` (autodiff's function for one
/// micro-batch: the forward and what the backward really runs, transposes
/// and reductions included) to its group.
void addGradientSeconds(func::FuncOp gradient, const plan::Calibration &c,
                        llvm::StringMap<ModuleCosts> &modules) {
  GroupOf groupOf(modules);
  gradient.walk([&](Operation *op) {
    if (op == gradient.getOperation() || isa<func::ReturnOp>(op))
      return;
    double compute, overhead;
    opSeconds(op, c, compute, overhead);
    Group &group = groupOf(op);
    group.stepCompute += compute;
    group.stepOverhead += overhead;
  });
}

/// The backward of `group` as the gradient function has it: what it runs
/// beyond the forward, shared between input and weight gradients as the
/// op-level count shares it.
plan::LayerWork measuredWork(const Group &group) {
  plan::LayerWork work = group.work;
  double counted = work.inputGrad + work.weightGrad;
  if (counted <= 0)
    return work; // nothing trains here or before: forward only
  // The per-op cost of the backward's ops rides on its compute (the
  // forward's stays in `overhead`).
  double backward = std::max(0.0, group.stepCompute - work.forward) +
                    std::max(0.0, group.stepOverhead - work.overhead);
  work.inputGrad = backward * work.inputGrad / counted;
  work.weightGrad = backward * work.weightGrad / counted;
  return work;
}

/// FLOPs of one micro-batch's step through a group: forward and backward.
double groupFlops(const Group &group) {
  return group.flops + group.backwardFlops;
}

/// Tensor-parallel degrees that divide every attention's heads.
std::vector<int64_t> tpChoices(int64_t headsDivisor) {
  std::vector<int64_t> choices;
  for (int64_t tp : {1, 2, 4, 8})
    if (headsDivisor == 0 || headsDivisor % tp == 0)
      choices.push_back(tp);
  return choices;
}

/// The forward function the plan reads.
func::FuncOp forwardOf(ModuleOp module) {
  if (auto forward = module.lookupSymbol<func::FuncOp>("forward"))
    return forward;
  auto functions = module.getOps<func::FuncOp>();
  return functions.empty() ? func::FuncOp() : *functions.begin();
}

/// Encoders in model.json's order, then the LLM: name, attached modules,
/// model.json field, frozen.
struct ModuleEntry {
  std::string name;
  std::vector<std::string> attached;
  const config::ModuleParallelConfig *parallel;
  bool frozen;
  std::string field;
};

std::vector<ModuleEntry> moduleEntries(const config::ModelConfig &model) {
  std::vector<ModuleEntry> entries;
  for (size_t i = 0; i < model.encoders.size(); ++i) {
    const config::EncoderConfig &encoder = model.encoders[i];
    entries.push_back({encoder.name,
                       {encoder.name + "_projector"},
                       &encoder.parallel,
                       encoder.frozen,
                       "encoders[" + std::to_string(i) + "].parallel"});
  }
  entries.push_back({std::string(kLlmModuleName),
                     {},
                     &model.llmParallel,
                     model.llmFrozen,
                     "llm.parallel"});
  return entries;
}

/// `into` plus `extra` (a projector's work counted on its encoder's stage).
void addWork(plan::LayerWork &into, const plan::LayerWork &extra) {
  into.forward += extra.forward;
  into.overhead += extra.overhead;
  into.inputGrad += extra.inputGrad;
  into.weightGrad += extra.weightGrad;
  into.paramBytes += extra.paramBytes;
  into.trainedBytes += extra.trainedBytes;
  into.activationBytes += extra.activationBytes;
}

} // namespace

bool planModel(ModuleOp module, const config::ModelConfig &model, int64_t ranks,
               plan::Placement &placement, std::string &error) {
  func::FuncOp forward = forwardOf(module);
  if (!forward) {
    error = model.path + ": no forward function to plan";
    return false;
  }
  llvm::StringMap<ModuleCosts> costs =
      moduleCosts(forward, plan::defaultCalibration());
  std::vector<plan::ModuleInput> inputs;
  for (const ModuleEntry &entry : moduleEntries(model)) {
    const ModuleCosts &own = costs[entry.name];
    plan::ModuleInput input{entry.name,      entry.attached, own.layers,
                            *entry.parallel, entry.frozen,   entry.field};
    for (const std::string &layer : own.layers)
      input.layerCosts.push_back(groupFlops(own.layer.lookup(layer)));
    input.headCost = groupFlops(own.head);
    input.tailCost = groupFlops(own.tail);
    // The projector runs on the encoder's last stage.
    for (const std::string &attached : entry.attached) {
      const ModuleCosts &extra = costs[attached];
      input.tailCost += groupFlops(extra.head) + groupFlops(extra.tail);
      for (auto &group : extra.layer)
        input.tailCost += groupFlops(group.second);
    }
    inputs.push_back(std::move(input));
  }
  if (!plan::placeModules(inputs, model.parallel.layout,
                          ranks ? ranks : model.parallel.ranks, placement,
                          error)) {
    error = model.path + ": " + error;
    return false;
  }
  return true;
}

bool planAutomatically(ModuleOp module, config::ModelConfig &model,
                       int64_t ranks, plan::PlanRequest &request,
                       plan::PlanReport &report, std::string &error) {
  func::FuncOp forward = forwardOf(module);
  if (!forward) {
    error = model.path + ": no forward function to plan";
    return false;
  }
  request = plan::PlanRequest();
  request.ranks = ranks ? ranks : model.parallel.ranks;
  if (request.ranks < 1) {
    error = model.path + ": parallel.plan \"auto\" needs a rank budget: "
                         "parallel.ranks (or starchc --ranks N)";
    return false;
  }
  request.calibration = plan::defaultCalibration();
  if (!model.parallel.calibration.empty() &&
      !plan::readCalibration(model.parallel.calibration, request.calibration,
                             error))
    return false;
  request.microBatches = model.training.microBatches;
  request.memoryBytesPerRank = model.parallel.memoryGb * 1e9;
  request.zero1 = model.parallel.zero1;
  llvm::StringMap<ModuleCosts> costs =
      moduleCosts(forward, request.calibration);
  // The backward as autodiff builds it, on a copy: the loss and the
  // gradient function of one micro-batch.
  OwningOpRef<ModuleOp> copy = module.clone();
  PassManager pm(module.getContext());
  StarchLmLossOptions loss;
  loss.logitsResult = model.logitsOutput;
  pm.addPass(createStarchLmLoss(loss));
  StarchAutodiffOptions gradients;
  gradients.functions.push_back("loss");
  pm.addPass(createStarchAutodiff(gradients));
  {
    // The real pipeline reports any failure later; the report says why the
    // planner fell back to the forward's op-level count.
    std::string first;
    ScopedDiagnosticHandler quiet(module.getContext(), [&](Diagnostic &d) {
      if (first.empty())
        first = d.str();
      return success();
    });
    auto gradient = succeeded(pm.run(*copy))
                        ? copy->lookupSymbol<func::FuncOp>("loss_grad")
                        : func::FuncOp();
    if (gradient) {
      addGradientSeconds(gradient, request.calibration, costs);
      request.backwardSource = "autodiff's gradient function";
    } else {
      request.backwardSource =
          "op-level count (no gradient function: " +
          (first.empty() ? std::string("no diagnostic") : first) + ")";
    }
  }
  for (const ModuleEntry &entry : moduleEntries(model)) {
    const ModuleCosts &own = costs[entry.name];
    plan::ModuleProfile profile;
    profile.name = entry.name;
    profile.layers = own.layers;
    for (const std::string &layer : own.layers)
      profile.work.push_back(measuredWork(own.layer.lookup(layer)));
    profile.head = measuredWork(own.head);
    profile.tail = measuredWork(own.tail);
    for (const std::string &attached : entry.attached) {
      const ModuleCosts &extra = costs[attached];
      addWork(profile.tail, measuredWork(extra.head));
      addWork(profile.tail, measuredWork(extra.tail));
      for (auto &group : extra.layer)
        addWork(profile.tail, measuredWork(group.second));
    }
    profile.frozen = entry.frozen;
    profile.tpChoices = tpChoices(own.headsDivisor);
    // The LLM's cp as model.json gives it, else each degree that deals its
    // tokens in whole parts (encoders run whole on each cp rank).
    if (entry.name == kLlmModuleName && entry.parallel->cp == 1) {
      for (int64_t cp : {2, 4, 8})
        if (own.tokens > 0 && own.tokens % cp == 0)
          profile.cpChoices.push_back(cp);
    } else {
      profile.cpChoices = {entry.parallel->cp};
    }
    if (profile.layers.empty()) {
      error = model.path + ": " + entry.field + ": module '" + entry.name +
              "' has no layers to place (its ops carry no starch.layer tag)";
      return false;
    }
    request.modules.push_back(std::move(profile));
  }
  if (!plan::choosePlan(request, report, error)) {
    error = model.path + ": parallel.plan \"auto\": " + error;
    return false;
  }
  // The chosen plan replaces the modules' own fields.
  const plan::CandidatePlan &chosen = report.chosen;
  model.parallel.layout = chosen.layout;
  model.parallel.ranks = request.ranks;
  for (size_t i = 0; i < model.encoders.size(); ++i)
    model.encoders[i].parallel = chosen.parallel[i];
  model.llmParallel = chosen.parallel.back();
  model.training.microBatches = chosen.microBatches;
  model.parallel.zeroBubble = chosen.zeroBubble;
  return true;
}

} // namespace starch::driver
