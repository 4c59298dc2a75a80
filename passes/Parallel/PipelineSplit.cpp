//===- PipelineSplit.cpp - A function's layer chain cut into stages -------===//
//
// starch-pipeline-split: every op of the loss function goes to one pipeline
// stage (its layer's, or for an untagged op the first stage that what it
// reads reaches), and each stage becomes a function of its own that
// receives what its predecessors send and returns what it sends on. Stages
// form a tree towards the last (encoder branches joining the LLM's first
// stage). Untagged computation on data alone (masks, positions, rotary
// tables) is cloned into each stage that needs it rather than sent.
// Passes.td gives the contract; docs/parallel.md the plan it serves.
//
//===----------------------------------------------------------------------===//
#include "passes/Parallel/Passes.h"

#include "starch/Dialect/StarchPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

namespace starch {
#define GEN_PASS_DEF_STARCHPIPELINESPLIT
#include "passes/Parallel/Passes.h.inc"
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
  PipelineLayout layout;
  /// Ops that run on exactly one stage.
  llvm::DenseMap<Operation *, int64_t> stageOf;
  /// Untagged effect-free ops over arguments, constants and untrained
  /// parameters (and parameter reads): cloned into every stage using them.
  llvm::DenseSet<Operation *> cloned;
  /// Values that depend on a trained parameter (their cut carries a
  /// gradient back).
  llvm::DenseSet<Value> varied;

  int64_t last() const { return layout.stages - 1; }
  /// Whether what `from` computes reaches `to` (`to` is `from` or after it).
  bool reaches(int64_t from, int64_t to) const {
    for (int64_t s = from; s >= 0; s = layout.next[s])
      if (s == to)
        return true;
    return false;
  }
  /// The first stage both `a` and `b` reach (the LLM's first stage for two
  /// encoder branches).
  int64_t join(int64_t a, int64_t b) const {
    for (int64_t s = a; s >= 0; s = layout.next[s])
      if (reaches(b, s))
        return s;
    return last();
  }
};

struct StarchPipelineSplitPass
    : public starch::impl::StarchPipelineSplitBase<StarchPipelineSplitPass> {
  using StarchPipelineSplitBase::StarchPipelineSplitBase;

  void runOnOperation() override;

private:
  LogicalResult makeLayout(ModuleOp module, PipelineLayout &layout);
  LogicalResult layerStages(func::FuncOp fn, int64_t stageCount,
                            llvm::StringMap<int64_t> &stageOfLayer);
  LogicalResult assign(func::FuncOp fn, const llvm::StringMap<int64_t> &layers,
                       StageAssignment &plan);
  LogicalResult placeParams(ModuleOp module, const PipelineLayout &layout,
                            ArrayRef<func::FuncOp> stageFunctions);
};

/// The stage tree and each stage's ranks, from the options.
LogicalResult StarchPipelineSplitPass::makeLayout(ModuleOp module,
                                                  PipelineLayout &layout) {
  auto fail = [&](const Twine &message) {
    return module.emitError() << "starch-pipeline-split: " << message;
  };
  if (tp < 1 || replicas < 1)
    return fail("tp and replicas must be >= 1");
  int64_t count = !next.empty()      ? static_cast<int64_t>(next.size())
                  : !starts.empty()  ? static_cast<int64_t>(starts.size()) + 1
                  : !stageTp.empty() ? static_cast<int64_t>(stageTp.size())
                                     : stages.getValue();
  if (count < 1)
    return fail("cannot cut into " + Twine(count) + " stages");
  if (stages > 1 && stages != count)
    return fail("the options describe " + Twine(count) + " stages, not " +
                Twine(stages));
  if (!stageTp.empty() && static_cast<int64_t>(stageTp.size()) != count)
    return fail("stage-tp lists " + Twine(stageTp.size()) + " stages, not " +
                Twine(count));
  if (!next.empty() && !starts.empty() &&
      static_cast<int64_t>(starts.size()) != count)
    return fail("with next, starts names the first layer of each of the " +
                Twine(count) + " stages");
  layout = PipelineLayout::chain(count, tp, replicas);
  if (!stageTp.empty())
    layout.tp.assign(stageTp.begin(), stageTp.end());
  if (!next.empty())
    layout.next.assign(next.begin(), next.end());
  if (!layout.isWellFormed())
    return fail("stages must form a tree towards the last: every stage but "
                "the last sends to a later one (next), the last to -1, and "
                "every stage has tp >= 1");
  return success();
}

/// The stage of every layer. A chain: the layers in execution order cut
/// before each of `starts` (or evenly). Explicit starts, one per stage
/// (`next` given): a layer belongs to the stage of its module whose start
/// is the latest at or before it; layers of a module without a stage of its
/// own get none (they are placed as untagged ops).
LogicalResult
StarchPipelineSplitPass::layerStages(func::FuncOp fn, int64_t stageCount,
                                     llvm::StringMap<int64_t> &stageOfLayer) {
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
  auto moduleOf = [](StringRef key) {
    auto [module, layer] = key.split(':');
    return layer.empty() ? StringRef() : module;
  };
  // Index into `order` of each start given.
  SmallVector<size_t> startIndex;
  for (const std::string &start : starts) {
    auto it = llvm::find_if(order, [&](const std::string &key) {
      return key == start || StringRef(key).ends_with(":" + start);
    });
    if (it == order.end())
      return fail("no layer '" + start + "' in @" + fn.getSymName());
    startIndex.push_back(it - order.begin());
  }
  if (next.empty()) {
    // A chain: cuts in execution order.
    SmallVector<size_t> cuts;
    if (!starts.empty()) {
      for (auto [start, index] : llvm::zip(starts, startIndex)) {
        if (index == 0 || (!cuts.empty() && index <= cuts.back()))
          return fail(
              "stage starts must be later layers in execution order; '" +
              start + "' is not");
        cuts.push_back(index);
      }
    } else {
      if (static_cast<size_t>(stageCount) > order.size())
        return fail("cannot cut " + Twine(order.size()) + " layers into " +
                    Twine(stageCount) + " stages");
      size_t base = order.size() / stageCount,
             extra = order.size() % stageCount;
      size_t at = 0;
      for (int64_t s = 0; s + 1 < stageCount; ++s) {
        at += base + (static_cast<size_t>(s) < extra ? 1 : 0);
        cuts.push_back(at);
      }
    }
    for (auto [i, key] : llvm::enumerate(order))
      stageOfLayer[key] =
          llvm::count_if(cuts, [&](size_t c) { return c <= i; });
    return success();
  }
  if (starts.empty())
    return fail("next needs starts: the first layer of every stage");
  for (auto [i, key] : llvm::enumerate(order)) {
    std::optional<int64_t> best;
    for (auto [stage, index] : llvm::enumerate(startIndex))
      if (index <= i && moduleOf(order[index]) == moduleOf(key) &&
          (!best || index > startIndex[*best]))
        best = stage;
    if (best)
      stageOfLayer[key] = *best;
  }
  return success();
}

LogicalResult
StarchPipelineSplitPass::assign(func::FuncOp fn,
                                const llvm::StringMap<int64_t> &stageOfLayer,
                                StageAssignment &plan) {
  // A module's untagged ops before its first layer (an embedding) start at
  // that layer's stage: the first of the module's stages.
  llvm::StringMap<int64_t> firstStageOfModule;
  for (auto &entry : stageOfLayer) {
    auto [module, layer] = entry.getKey().split(':');
    if (layer.empty())
      continue;
    auto [it, inserted] = firstStageOfModule.try_emplace(module, entry.second);
    if (!inserted && plan.reaches(entry.second, it->second))
      it->second = entry.second;
  }
  auto isTrainedRead = [&](Operation *op) {
    auto read = dyn_cast<ReadParamOp>(op);
    if (!read)
      return false;
    auto param =
        SymbolTable::lookupNearestSymbolFrom<ParamOp>(read, read.getNameAttr());
    return param && param.isTrainable();
  };
  Block &body = fn.getBody().front();
  // Ops that read nothing another stage must run first (parameters and
  // data only): placed where they are first used.
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
    auto layerStage = stageOfLayer.find(key);
    bool tagged = !key.empty() && layerStage != stageOfLayer.end();
    bool dataOnly = llvm::all_of(op.getOperands(), [&](Value v) {
      Operation *def = v.getDefiningOp();
      return !def || (plan.cloned.contains(def) && !isTrainedRead(def));
    });
    if (isa<ReadParamOp>(op) ||
        (!tagged && isMemoryEffectFree(&op) && dataOnly)) {
      plan.cloned.insert(&op);
      continue;
    }
    std::optional<int64_t> stage;
    if (tagged) {
      stage = layerStage->second;
    } else if (auto module = op.getAttrOfType<StringAttr>(kModuleAttrName)) {
      auto first = firstStageOfModule.find(module.getValue());
      if (first != firstStageOfModule.end())
        stage = first->second;
    }
    bool anchored = tagged;
    for (Value operand : op.getOperands())
      if (std::optional<int64_t> from = producerStage(operand)) {
        bool fromFloating = floating.contains(operand.getDefiningOp());
        if (tagged && !fromFloating && !plan.reaches(*from, *stage))
          return op.emitOpError()
                 << "of layer '" << key << "' (stage " << *stage
                 << ") uses a value of stage " << *from
                 << ", which does not send to it; stages must follow the "
                    "order of the layers";
        if (fromFloating && stage)
          continue; // placed where first used: here at the latest
        stage = stage ? plan.join(*stage, *from) : *from;
        anchored |= !fromFloating;
      }
    plan.stageOf[&op] = stage.value_or(plan.last());
    if (!anchored)
      floating.insert(&op);
  }
  // A floating op runs on the stage of its first user: the one that reaches
  // all the others.
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    if (!floating.contains(&op))
      continue;
    SmallVector<int64_t> users;
    for (Operation *user : op.getUsers())
      users.push_back(user == body.getTerminator() ? plan.last()
                                                   : plan.stageOf.lookup(user));
    if (users.empty())
      continue;
    auto first = llvm::find_if(users, [&](int64_t candidate) {
      return llvm::all_of(
          users, [&](int64_t u) { return plan.reaches(candidate, u); });
    });
    if (first == users.end())
      return op.emitOpError()
             << "is used by stages that no one stage feeds (e.g. " << users[0]
             << " and "
             << *llvm::find_if(
                    users,
                    [&](int64_t u) { return !plan.reaches(users[0], u); })
             << "); a value read by two encoder branches needs a stage "
                "before both";
    plan.stageOf[&op] = *first;
  }
  for (Value result : body.getTerminator()->getOperands())
    if (Operation *def = result.getDefiningOp();
        def && plan.stageOf.count(def) &&
        plan.stageOf.lookup(def) != plan.last())
      return fn.emitError()
             << "starch-pipeline-split: the result of @" << fn.getSymName()
             << " is computed on stage " << plan.stageOf.lookup(def)
             << ", not the last stage";
  SmallVector<bool> used(plan.layout.stages, false);
  for (auto &entry : plan.stageOf)
    used[entry.second] = true;
  for (auto [stage, any] : llvm::enumerate(used))
    if (!any)
      return fn.emitError() << "starch-pipeline-split: stage " << stage
                            << " would hold no computation";
  return success();
}

/// Each parameter belongs to the stages that read it: the first is its
/// `stage`, the others its `tied_stages` (tied weights, or a rotary table
/// every stage reads). A tensor-parallel one is split over the ranks of
/// each stage holding it.
LogicalResult
StarchPipelineSplitPass::placeParams(ModuleOp module,
                                     const PipelineLayout &layout,
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
    if (it == readers.end())
      continue;
    SmallVector<int64_t> stages(it->second);
    llvm::sort(stages);
    param.setStageAttr(builder.getI64IntegerAttr(stages.front()));
    if (stages.size() > 1) {
      // Read by several stages: each holds a copy (only those do). Tied
      // trained weights: the optimizer sums their gradient parts over ranks
      // at the same tensor-parallel position.
      for (int64_t stage : stages)
        if (param.isTrainable() &&
            layout.tp[stage] != layout.tp[stages.front()])
          return param.emitError()
                 << "starch-pipeline-split: trained parameter @"
                 << param.getSymName() << " is read by stages "
                 << stages.front() << " (tp " << layout.tp[stages.front()]
                 << ") and " << stage << " (tp " << layout.tp[stage]
                 << "); tied weights need stages of one tp";
      param.setTiedStagesAttr(
          builder.getDenseI64ArrayAttr(ArrayRef(stages).drop_front()));
    }
    if (!param.isSharded())
      continue;
    // Split over the ranks of each stage reading it (untrained ones may be
    // read by several stages of one tp).
    SmallVector<Attribute> groups;
    int64_t size =
        cast<DenseI64ArrayAttr>(param.getShardGroupsAttr()[0]).size();
    for (int64_t stage : stages) {
      if (layout.tp[stage] != size)
        return param.emitError()
               << "starch-pipeline-split: @" << param.getSymName()
               << " is split over " << size << " ranks, but stage " << stage
               << " has " << layout.tp[stage];
      for (const std::vector<int64_t> &group : layout.stageRanks(stage))
        groups.push_back(builder.getDenseI64ArrayAttr(group));
    }
    param.setShardGroupsAttr(builder.getArrayAttr(groups));
  }
  return success();
}

/// The tensor-parallel groups of `stageFn`'s collectives and shard entries:
/// its stage's ranks in each replica; and the context-parallel groups of its
/// gathers and blocks under cp (the replicas are data-parallel x cp), else
/// their tensor-parallel ones.
LogicalResult regroupTensorParallel(func::FuncOp stageFn, int64_t stage,
                                    const PipelineLayout &layout) {
  Builder builder(stageFn.getContext());
  SmallVector<Attribute> groups;
  for (const std::vector<int64_t> &group : layout.stageRanks(stage))
    groups.push_back(builder.getDenseI64ArrayAttr(group));
  ArrayAttr stageGroups = builder.getArrayAttr(groups);
  auto regroup = [&](Operation *op, ArrayAttr old) -> LogicalResult {
    int64_t size = cast<DenseI64ArrayAttr>(old[0]).size();
    if (size != layout.tp[stage])
      return op->emitOpError()
             << "splits over " << size << " ranks, but pipeline stage " << stage
             << " has " << layout.tp[stage]
             << " (every module of a stage needs the stage's tp, or 1)";
    op->setAttr("groups", stageGroups);
    return success();
  };
  // starch-context-parallel's collectives: the stage's context groups.
  int64_t cp = 1;
  if (auto attr =
          stageFn->getParentOfType<ModuleOp>()->getAttrOfType<IntegerAttr>(
              "starch.context_parallel"))
    cp = attr.getInt();
  SmallVector<Attribute> contextGroups;
  if (cp > 1)
    for (const std::vector<int64_t> &group : layout.contextGroups(stage, cp))
      contextGroups.push_back(builder.getDenseI64ArrayAttr(group));
  WalkResult result = stageFn.walk([&](Operation *op) {
    ArrayAttr old;
    if (auto reduce = dyn_cast<AllReduceOp>(op))
      old = reduce.getGroupsAttr();
    else if (auto enter = dyn_cast<EnterShardsOp>(op))
      old = enter.getGroupsAttr();
    if (old && failed(regroup(op, old)))
      return WalkResult::interrupt();
    // Gathers and blocks are context parallelism's, or, without it,
    // tensor parallelism's (vocabulary blocks, the gathered logits of
    // @forward); starch-tensor-parallel splits no vocabulary under cp.
    if (isa<AllGatherOp, LocalBlockOp>(op)) {
      if (cp == 1) {
        if (failed(regroup(op, op->getAttrOfType<ArrayAttr>("groups"))))
          return WalkResult::interrupt();
      } else {
        op->setAttr("groups", builder.getArrayAttr(contextGroups));
      }
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

void StarchPipelineSplitPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto fn = module.lookupSymbol<func::FuncOp>(function);
  if (!fn || fn.isExternal() || !fn.getBody().hasOneBlock()) {
    module.emitError() << "starch-pipeline-split: no single-block function @"
                       << function;
    return signalPassFailure();
  }
  StageAssignment plan;
  llvm::StringMap<int64_t> stageOfLayer;
  if (failed(makeLayout(module, plan.layout)) ||
      failed(layerStages(fn, plan.layout.stages, stageOfLayer)) ||
      failed(assign(fn, stageOfLayer, plan)))
    return signalPassFailure();
  const PipelineLayout &layout = plan.layout;

  Block &body = fn.getBody().front();
  Operation *terminator = body.getTerminator();
  int64_t last = plan.last();
  // What each stage sends to its successor, in program order: every value
  // travels the path from its stage to each stage using it.
  SmallVector<llvm::SetVector<Value>> sent(layout.stages);
  for (Operation &op : body.without_terminator()) {
    auto it = plan.stageOf.find(&op);
    if (it == plan.stageOf.end())
      continue;
    for (Value result : op.getResults())
      for (Operation *user : result.getUsers()) {
        int64_t to = user == terminator ? last : plan.stageOf.lookup(user);
        if (!plan.reaches(it->second, to)) {
          user->emitOpError() << "on stage " << to << " uses a value of stage "
                              << it->second << ", which does not send to it";
          return signalPassFailure();
        }
        for (int64_t s = it->second; s != to; s = layout.next[s])
          sent[s].insert(result);
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
  SmallVector<llvm::DenseSet<Operation *>> clonesOf(layout.stages);
  for (int64_t stage = 0; stage < layout.stages; ++stage) {
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
  SmallVector<size_t> receivedCounts;
  unsigned numArgs = fn.getNumArguments();
  for (int64_t stage = 0; stage < layout.stages; ++stage) {
    // Received: each predecessor's values, named as it sends them.
    SmallVector<Value> received;
    SmallVector<std::string> receivedNames;
    for (int64_t from : layout.predecessors(stage)) {
      ArrayRef<Value> values = sent[from].getArrayRef();
      for (size_t i = 0; i < values.size(); ++i) {
        received.push_back(values[i]);
        receivedNames.push_back(cutName(values, i));
      }
    }
    receivedCounts.push_back(received.size());
    SmallVector<Value> outputs(
        stage < last
            ? SmallVector<Value>(sent[stage].begin(), sent[stage].end())
            : SmallVector<Value>(terminator->getOperands()));
    SmallVector<Type> argTypes(fn.getArgumentTypes());
    for (Value v : received)
      argTypes.push_back(v.getType());
    SmallVector<Type> resultTypes(ValueRange(outputs).getTypes());
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
          kNameAttrName, builder.getStringAttr(receivedNames[i]))};
      if (plan.varied.contains(v) && isFloatTensor(v.getType()))
        attrs.push_back(builder.getNamedAttr(kDifferentiableAttrName,
                                             builder.getUnitAttr()));
      stageFn.setArgAttrs(numArgs + i, builder.getDictionaryAttr(attrs));
    }
    for (auto [i, v] : llvm::enumerate(outputs)) {
      if (stage == last) {
        stageFn.setResultAttrs(i, fn.getResultAttrDict(i));
        continue;
      }
      SmallVector<NamedAttribute> attrs{builder.getNamedAttr(
          kNameAttrName, builder.getStringAttr(cutName(outputs, i)))};
      if (plan.varied.contains(v) && isFloatTensor(v.getType()))
        attrs.push_back(builder.getNamedAttr(kCotangentInputAttrName,
                                             builder.getUnitAttr()));
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
                           llvm::map_to_vector(outputs, [&](Value v) {
                             return mapping.lookup(v);
                           }));
    if (failed(regroupTensorParallel(stageFn, stage, layout)))
      return signalPassFailure();
    stageFunctions.push_back(stageFn);
  }

  if (failed(placeParams(module, layout, stageFunctions)))
    return signalPassFailure();
  module->setAttr(kPipelineAttrName, layout.toAttr(context));
  fn.erase();
  if (verbose)
    for (auto [stage, stageFn] : llvm::enumerate(stageFunctions)) {
      unsigned ops = 0;
      stageFn.walk([&](Operation *) { ++ops; });
      llvm::errs() << "starch-pipeline-split: stage " << stage << ": @"
                   << stageFn.getSymName() << ", " << ops << " ops, receives "
                   << receivedCounts[stage] << " values, sends "
                   << (static_cast<int64_t>(stage) < last ? sent[stage].size()
                                                          : 0)
                   << "\n";
    }
}

} // namespace
