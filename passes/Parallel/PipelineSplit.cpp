//===- PipelineSplit.cpp - A function's layer chain cut into stages -------===//
//
// starch-pipeline-split: every op of the loss function goes to one pipeline
// stage (its layer's, or for an untagged op the latest stage of what it
// reads), and each stage becomes a function of its own that receives the
// values crossing the cut before it and returns those crossing the cut
// after it. Untagged computation on data alone (masks, positions, rotary
// tables) is cloned into each stage that needs it rather than sent.
// Passes.td gives the contract; docs/parallel.md the plan it serves.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "starch/Dialect/StarchPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

namespace starch {
#define GEN_PASS_DEF_STARCHPIPELINESPLIT
#include "passes/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {


/// The layer an op belongs to, as "module:layer" when it has a module.
std::string layerKey(Operation *op) {
  auto layer = op->getAttrOfType<StringAttr>(kLayerAttrName);
  if (!layer)
    return "";
  auto module = op->getAttrOfType<StringAttr>(kModuleAttrName);
  return module ? (module.getValue() + ":" + layer.getValue()).str()
                : layer.str();
}

bool isFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

/// Which stage runs each op of the function.
struct StageAssignment {
  int64_t stages = 1;
  /// Ops that run on exactly one stage.
  llvm::DenseMap<Operation *, int64_t> stageOf;
  /// Untagged effect-free ops over arguments, constants and untrained
  /// parameters (and parameter reads): cloned into every stage using them.
  llvm::DenseSet<Operation *> cloned;
  /// Values that depend on a trained parameter (their cut carries a
  /// gradient back).
  llvm::DenseSet<Value> varied;
};

struct StarchPipelineSplitPass
    : public starch::impl::StarchPipelineSplitBase<StarchPipelineSplitPass> {
  using StarchPipelineSplitBase::StarchPipelineSplitBase;

  void runOnOperation() override;

private:
  LogicalResult layerStages(func::FuncOp fn,
                            llvm::StringMap<int64_t> &stageOfLayer,
                            int64_t &stageCount);
  LogicalResult assign(func::FuncOp fn, const llvm::StringMap<int64_t> &layers,
                       StageAssignment &plan);
  LogicalResult placeParams(ModuleOp module,
                            ArrayRef<func::FuncOp> stageFunctions);
};

/// The stage of every layer: the layers in execution order cut at `starts`
/// (or evenly into `stages`, the first `layers % stages` one longer).
LogicalResult StarchPipelineSplitPass::layerStages(
    func::FuncOp fn, llvm::StringMap<int64_t> &stageOfLayer,
    int64_t &stageCount) {
  SmallVector<std::string> order;
  llvm::StringSet<> seen;
  for (Operation &op : fn.getBody().front()) {
    std::string key = layerKey(&op);
    if (!key.empty() && seen.insert(key).second)
      order.push_back(key);
  }
  auto fail = [&](const Twine &message) {
    return fn.emitError() << "starch-pipeline-split: " << message;
  };
  if (order.empty())
    return fail("@" + fn.getSymName() +
                " has no layer tags (starch.layer) to cut at");
  SmallVector<size_t> cuts; // index into `order` where each later stage begins
  if (!starts.empty()) {
    for (const std::string &start : starts) {
      auto it = llvm::find_if(order, [&](const std::string &key) {
        return key == start || StringRef(key).ends_with(":" + start);
      });
      if (it == order.end())
        return fail("no layer '" + start + "' in @" + fn.getSymName());
      size_t index = it - order.begin();
      if (index == 0 || (!cuts.empty() && index <= cuts.back()))
        return fail("stage starts must be later layers in execution order; '" +
                    start + "' is not");
      cuts.push_back(index);
    }
    if (stages > 1 && static_cast<size_t>(stages) != cuts.size() + 1)
      return fail(Twine(cuts.size()) + " starts make " +
                  Twine(cuts.size() + 1) + " stages, not " + Twine(stages));
  } else {
    if (stages < 1 || static_cast<size_t>(stages) > order.size())
      return fail("cannot cut " + Twine(order.size()) + " layers into " +
                  Twine(stages) + " stages");
    size_t base = order.size() / stages, extra = order.size() % stages;
    size_t next = 0;
    for (int64_t s = 0; s + 1 < stages; ++s) {
      next += base + (static_cast<size_t>(s) < extra ? 1 : 0);
      cuts.push_back(next);
    }
  }
  stageCount = static_cast<int64_t>(cuts.size()) + 1;
  for (auto [i, key] : llvm::enumerate(order))
    stageOfLayer[key] = llvm::count_if(cuts, [&](size_t c) { return c <= i; });
  return success();
}

LogicalResult
StarchPipelineSplitPass::assign(func::FuncOp fn,
                                const llvm::StringMap<int64_t> &stageOfLayer,
                                StageAssignment &plan) {
  // A module's untagged ops before its first layer (an embedding) start at
  // that layer's stage.
  llvm::StringMap<int64_t> firstStageOfModule;
  for (auto &entry : stageOfLayer) {
    auto [module, layer] = entry.getKey().split(':');
    if (layer.empty())
      continue;
    auto [it, inserted] = firstStageOfModule.try_emplace(module, entry.second);
    if (!inserted)
      it->second = std::min(it->second, entry.second);
  }
  auto isTrainedRead = [&](Operation *op) {
    auto read = dyn_cast<ReadParamOp>(op);
    if (!read)
      return false;
    auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(
        read, read.getNameAttr());
    return param && param.isTrainable();
  };
  Block &body = fn.getBody().front();
  // Untagged ops that read nothing another stage must run first.
  llvm::DenseSet<Operation *> floating;
  for (Operation &op : body.without_terminator()) {
    if (llvm::any_of(op.getOperands(),
                     [&](Value v) { return plan.varied.contains(v); }) ||
        isTrainedRead(&op))
      for (Value result : op.getResults())
        plan.varied.insert(result);

    auto producerStage = [&](Value v) -> std::optional<int64_t> {
      Operation *def = v.getDefiningOp();
      auto it = def ? plan.stageOf.find(def) : plan.stageOf.end();
      if (it == plan.stageOf.end())
        return std::nullopt;
      return it->second;
    };
    std::string key = layerKey(&op);
    bool dataOnly = llvm::all_of(op.getOperands(), [&](Value v) {
      Operation *def = v.getDefiningOp();
      return !def || (plan.cloned.contains(def) && !isTrainedRead(def));
    });
    if (isa<ReadParamOp>(op) ||
        (key.empty() && isMemoryEffectFree(&op) && dataOnly)) {
      plan.cloned.insert(&op);
      continue;
    }
    int64_t stage = 0;
    if (!key.empty()) {
      stage = stageOfLayer.lookup(key);
    } else if (auto module = op.getAttrOfType<StringAttr>(kModuleAttrName)) {
      stage = firstStageOfModule.lookup(module.getValue());
    }
    bool anchored = !key.empty();
    for (Value operand : op.getOperands())
      if (std::optional<int64_t> from = producerStage(operand)) {
        if (!key.empty() && *from > stage)
          return op.emitOpError()
                 << "of layer '" << key << "' (stage " << stage
                 << ") uses a value of stage " << *from
                 << "; stages must follow the order of the layers";
        stage = std::max(stage, *from);
        anchored |= !floating.contains(operand.getDefiningOp());
      }
    plan.stageOf[&op] = stage;
    if (!anchored)
      floating.insert(&op);
  }
  // An untagged op over parameters and data only (the transpose of the LM
  // head's weight, an embedding lookup) runs where it is first needed.
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    if (!floating.contains(&op))
      continue;
    std::optional<int64_t> first;
    for (Operation *user : op.getUsers()) {
      int64_t stage = user == body.getTerminator() ? plan.stages - 1
                                                   : plan.stageOf.lookup(user);
      first = first ? std::min(*first, stage) : stage;
    }
    if (first)
      plan.stageOf[&op] = *first;
  }
  for (Value result : body.getTerminator()->getOperands())
    if (Operation *def = result.getDefiningOp();
        def && plan.stageOf.lookup(def) != plan.stages - 1 &&
        plan.stageOf.count(def))
      return fn.emitError() << "starch-pipeline-split: the result of @"
                            << fn.getSymName() << " is computed on stage "
                            << plan.stageOf.lookup(def)
                            << ", not the last stage";
  SmallVector<bool> used(plan.stages, false);
  for (auto &entry : plan.stageOf)
    used[entry.second] = true;
  for (auto [stage, any] : llvm::enumerate(used))
    if (!any)
      return fn.emitError() << "starch-pipeline-split: stage " << stage
                            << " would hold no computation";
  return success();
}

/// Each parameter belongs to the one stage that reads it; a trained one
/// read by several stages (tied weights) cannot be placed yet.
LogicalResult
StarchPipelineSplitPass::placeParams(ModuleOp module,
                                     ArrayRef<func::FuncOp> stageFunctions) {
  llvm::MapVector<StringRef, SmallVector<int64_t>> readers;
  for (auto [index, fn] : llvm::enumerate(stageFunctions)) {
    int64_t stage = static_cast<int64_t>(index);
    func::FuncOp body = fn;
    body.walk([&](ReadParamOp read) {
      SmallVector<int64_t> &stages = readers[read.getName()];
      if (!llvm::is_contained(stages, stage))
        stages.push_back(stage);
    });
  }
  OpBuilder builder(module.getContext());
  for (auto param : module.getOps<ParamOp>()) {
    auto it = readers.find(param.getSymName());
    if (it == readers.end() || it->second.size() > 1) {
      if (it != readers.end() && param.isTrainable())
        return param.emitError()
               << "starch-pipeline-split: trained parameter @"
               << param.getSymName() << " is read by stages "
               << it->second[0] << " and " << it->second[1]
               << " (weights tied across stages are not supported yet)";
      continue; // every rank holds it
    }
    param.setStageAttr(builder.getI64IntegerAttr(it->second.front()));
  }
  return success();
}

void StarchPipelineSplitPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fn = module.lookupSymbol<func::FuncOp>(function);
  if (!fn || fn.isExternal() || !fn.getBody().hasOneBlock()) {
    module.emitError() << "starch-pipeline-split: no single-block function @"
                       << function;
    return signalPassFailure();
  }
  if (tp < 1 || replicas < 1) {
    module.emitError() << "starch-pipeline-split: tp and replicas must be >= 1";
    return signalPassFailure();
  }
  llvm::StringMap<int64_t> stageOfLayer;
  StageAssignment plan;
  if (failed(layerStages(fn, stageOfLayer, plan.stages)) ||
      failed(assign(fn, stageOfLayer, plan)))
    return signalPassFailure();

  Block &body = fn.getBody().front();
  Operation *terminator = body.getTerminator();
  int64_t last = plan.stages - 1;
  // The values crossing each cut c (from stages <= c to stages > c), in
  // program order; a value skipping a stage passes through it.
  SmallVector<SmallVector<Value>> cut(plan.stages);
  for (Operation &op : body.without_terminator()) {
    auto it = plan.stageOf.find(&op);
    if (it == plan.stageOf.end())
      continue;
    for (Value result : op.getResults()) {
      int64_t lastUse = -1;
      for (Operation *user : result.getUsers())
        lastUse = std::max(lastUse, user == terminator
                                        ? last
                                        : plan.stageOf.lookup(user));
      for (int64_t c = it->second; c < lastUse; ++c)
        cut[c].push_back(result);
    }
  }
  // Names the user can place: the layer (or module) that made the value,
  // numbered when that layer sends several.
  auto tagOf = [](Value v) {
    Operation *def = v.getDefiningOp();
    auto tag = def->getAttrOfType<StringAttr>(kLayerAttrName);
    if (!tag)
      tag = def->getAttrOfType<StringAttr>(kModuleAttrName);
    return tag ? tag.getValue() : StringRef("value");
  };
  auto cutName = [&](ArrayRef<Value> values, size_t index) {
    StringRef tag = tagOf(values[index]);
    auto same = [&](Value v) { return tagOf(v) == tag; };
    if (llvm::count_if(values, same) == 1)
      return (tag + ".output").str();
    size_t nth = llvm::count_if(values.take_front(index), same);
    return (tag + ".output" + Twine(nth)).str();
  };

  // Operands the ops of each stage need from cloned ops, transitively.
  SmallVector<llvm::DenseSet<Operation *>> clonesOf(plan.stages);
  for (int64_t stage = 0; stage < plan.stages; ++stage) {
    SmallVector<Operation *> work;
    for (auto &entry : plan.stageOf)
      if (entry.second == stage)
        work.push_back(entry.first);
    if (stage == last)
      work.push_back(terminator);
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp();
            def && plan.cloned.contains(def) &&
            clonesOf[stage].insert(def).second)
          work.push_back(def);
    }
  }

  OpBuilder builder(fn);
  MLIRContext *context = &getContext();
  SmallVector<func::FuncOp> stageFunctions;
  unsigned numArgs = fn.getNumArguments();
  for (int64_t stage = 0; stage < plan.stages; ++stage) {
    ArrayRef<Value> received =
        stage > 0 ? ArrayRef<Value>(cut[stage - 1]) : ArrayRef<Value>();
    SmallVector<Value> sent(stage < last ? cut[stage]
                                         : SmallVector<Value>(
                                               terminator->getOperands()));
    SmallVector<Type> argTypes(fn.getArgumentTypes());
    for (Value v : received)
      argTypes.push_back(v.getType());
    SmallVector<Type> resultTypes(ValueRange(sent).getTypes());
    builder.setInsertionPoint(fn);
    auto stageFn = func::FuncOp::create(
        builder, fn.getLoc(), stageFunctionName(fn.getSymName(), stage),
        FunctionType::get(context, argTypes, resultTypes));
    for (NamedAttribute attr : fn->getDiscardableAttrs())
      stageFn->setAttr(attr.getName(), attr.getValue());
    for (unsigned i = 0; i < numArgs; ++i)
      stageFn.setArgAttrs(i, fn.getArgAttrDict(i));
    for (auto [i, v] : llvm::enumerate(received)) {
      SmallVector<NamedAttribute> attrs{builder.getNamedAttr(
          kNameAttrName, builder.getStringAttr(cutName(received, i)))};
      if (plan.varied.contains(v) && isFloatTensor(v.getType()))
        attrs.push_back(
            builder.getNamedAttr(kDifferentiableAttrName, builder.getUnitAttr()));
      stageFn.setArgAttrs(numArgs + i, builder.getDictionaryAttr(attrs));
    }
    for (auto [i, v] : llvm::enumerate(sent)) {
      if (stage == last) {
        stageFn.setResultAttrs(i, fn.getResultAttrDict(i));
        continue;
      }
      SmallVector<NamedAttribute> attrs{builder.getNamedAttr(
          kNameAttrName, builder.getStringAttr(cutName(sent, i)))};
      if (plan.varied.contains(v) && isFloatTensor(v.getType()))
        attrs.push_back(
            builder.getNamedAttr(kCotangentInputAttrName, builder.getUnitAttr()));
      stageFn.setResultAttrs(i, builder.getDictionaryAttr(attrs));
    }

    Block *entry = stageFn.addEntryBlock();
    IRMapping mapping;
    for (unsigned i = 0; i < numArgs; ++i)
      mapping.map(body.getArgument(i), entry->getArgument(i));
    for (auto [i, v] : llvm::enumerate(received))
      mapping.map(v, entry->getArgument(numArgs + i));
    builder.setInsertionPointToStart(entry);
    for (Operation &op : body.without_terminator()) {
      auto it = plan.stageOf.find(&op);
      bool here = it != plan.stageOf.end() ? it->second == stage
                                           : clonesOf[stage].contains(&op);
      if (here)
        builder.clone(op, mapping);
    }
    func::ReturnOp::create(builder, fn.getLoc(),
                           llvm::map_to_vector(sent, [&](Value v) {
                             return mapping.lookup(v);
                           }));
    stageFunctions.push_back(stageFn);
  }

  if (failed(placeParams(module, stageFunctions)))
    return signalPassFailure();
  PipelineLayout layout{plan.stages, tp, replicas};
  module->setAttr(kPipelineAttrName, layout.toAttr(context));
  fn.erase();
  if (verbose)
    for (auto [stage, stageFn] : llvm::enumerate(stageFunctions)) {
      unsigned ops = 0;
      stageFn.walk([&](Operation *) { ++ops; });
      llvm::errs() << "starch-pipeline-split: stage " << stage << ": @"
                   << stageFn.getSymName() << ", " << ops << " ops, receives "
                   << (stage ? cut[stage - 1].size() : 0) << " values, sends "
                   << (stage + 1 < stageFunctions.size() ? cut[stage].size()
                                                         : 0)
                   << "\n";
    }
}

} // namespace
