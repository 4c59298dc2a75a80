//===- TensorParallel.cpp - Megatron tensor parallelism -------------------===//
//
// Splits the transformer layers of a forward (and loss) graph over the ranks
// of a tensor-parallel group, before autodiff derives the backward pass:
//
//  1. Plan (attributes): walk @loss in order, tracking each value's sharding
//     (StarchSharding.h) through the ops' ShardingOpInterface rules. Where a
//     layer's op reads a parameter not yet placed, try every split of that
//     parameter whose dimension divides by the group size and keep the one
//     the op turns into a split result, else a partial sum, else replicate
//     it. A replicated input then makes the weights of q/k/v, gate/up
//     column-parallel, and their split outputs make o_proj/down
//     row-parallel; GQA needs key/value heads divisible by the group size.
//     A layer whose ops cannot run on shards (a split reaching an op with
//     no rule for it) is replicated whole, and the walk starts over.
//  2. Materialise (ops): each sharded parameter gets `shard_dim` and
//     `shard_groups` and its rank's block type; split values get their
//     block types; a partial sum feeding an op that needs the whole value
//     gets a `starch.all_reduce`; a replicated value that may carry a
//     gradient and feeds computation on shards gets a `starch.enter_shards`,
//     whose gradient sums the ranks' shares. Autodiff then builds the
//     backward collectives from those two ops' gradient rules.
//
//===----------------------------------------------------------------------===//
#include "passes/Parallel/Passes.h"
#include "passes/Parallel/RankGroups.h"
#include "passes/Parallel/VocabularyParallel.h"

#include "starch/Dialect/StarchInterfaces.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

namespace starch {
#define GEN_PASS_DEF_STARCHTENSORPARALLEL
#include "passes/Parallel/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {

constexpr llvm::StringLiteral kVocabularyLayer = "(vocabulary)";

StringRef layerOf(Operation *op) {
  if (!op)
    return "";
  auto layer = op->getAttrOfType<StringAttr>(kLayerAttrName);
  return layer ? layer.getValue() : "";
}

/// A value read from a parameter not yet placed, through view ops only.
struct PendingWeight {
  ParamOp param;
  SmallVector<Operation *> chain; // read_param, then views, in order
};

/// Where each parameter goes and which layers stay whole, refined by
/// successive walks.
struct ParamPlacement {
  /// Parameters placed so far: their sharding (replicated or split).
  llvm::MapVector<Operation *, TensorSharding> params;
  llvm::StringSet<> replicatedLayers;
};

/// One walk of a function: every value's sharding, and the collectives the
/// materialisation inserts.
class ShardingWalk {
public:
  ShardingWalk(ParamPlacement &placement, int64_t parts, bool mayPlace,
               const std::function<bool(ParamOp)> &splittable,
               const llvm::SmallPtrSetImpl<Operation *> &vocabulary)
      : placement(placement), parts(parts), mayPlace(mayPlace),
        splittable(splittable), vocabulary(vocabulary) {}

  /// Walks `function`. Failure: `conflictLayer` names the layer to keep
  /// whole (empty when no layer can be blamed; `conflict` says why).
  LogicalResult run(func::FuncOp function);

  DenseMap<Value, TensorSharding> shardings;
  /// Uses that need the summed value of a partial sum.
  SmallVector<OpOperand *> reduceUses;
  /// Uses by computation on shards of a replicated value.
  SmallVector<OpOperand *> enterUses;
  /// Returned split values, gathered whole.
  SmallVector<OpOperand *> gatherUses;
  std::string conflictLayer;
  std::string conflict;

private:
  TensorSharding shardingOf(Value v) const {
    auto it = shardings.find(v);
    return it == shardings.end() ? TensorSharding::replicated() : it->second;
  }
  bool mayCarryGradient(Value v);
  std::optional<TensorSharding> chainSharding(const PendingWeight &weight,
                                              TensorSharding paramSharding);
  void placeParam(const PendingWeight &weight, TensorSharding sharding);
  LogicalResult shardOp(Operation &op, SmallVectorImpl<TensorSharding> &out);
  void placePending(Operation &op);
  LogicalResult fail(Operation *op, Value splitOperand, const Twine &why);
  /// The layer `op` belongs to; the vocabulary ops (embedding, LM head,
  /// loss) are kept whole or split together, as one pseudo-layer.
  StringRef layerName(Operation *op) const {
    return op && vocabulary.contains(op) ? StringRef(kVocabularyLayer)
                                         : layerOf(op);
  }

  ParamPlacement &placement;
  int64_t parts;
  bool mayPlace;
  const std::function<bool(ParamOp)> &splittable;
  const llvm::SmallPtrSetImpl<Operation *> &vocabulary;
  DenseMap<Value, PendingWeight> pending;
  DenseMap<Value, bool> gradientCarriers;
};

bool ShardingWalk::mayCarryGradient(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !isa<FloatType>(type.getElementType()))
    return false;
  auto known = gradientCarriers.find(v);
  if (known != gradientCarriers.end())
    return known->second;
  Operation *def = v.getDefiningOp();
  bool carries = !def || isa<ReadParamOp>(def) ||
                 llvm::any_of(def->getOperands(), [&](Value operand) {
                   return mayCarryGradient(operand);
                 });
  gradientCarriers[v] = carries;
  return carries;
}

std::optional<TensorSharding>
ShardingWalk::chainSharding(const PendingWeight &weight,
                            TensorSharding paramSharding) {
  TensorSharding current = paramSharding;
  for (Operation *view : llvm::drop_begin(weight.chain)) {
    auto rule = dyn_cast<ShardingOpInterface>(view);
    SmallVector<TensorSharding> out;
    if (!rule || failed(rule.shardResults({current}, parts, out)))
      return std::nullopt;
    current = out[0];
  }
  return current;
}

void ShardingWalk::placeParam(const PendingWeight &weight,
                              TensorSharding sharding) {
  placement.params[weight.param] = sharding;
  TensorSharding current = sharding;
  for (Operation *op : weight.chain) {
    if (op != weight.chain.front()) {
      SmallVector<TensorSharding> out;
      (void)cast<ShardingOpInterface>(op).shardResults({current}, parts, out);
      current = out[0];
    }
    shardings[op->getResult(0)] = current;
    pending.erase(op->getResult(0));
  }
}

LogicalResult ShardingWalk::shardOp(Operation &op,
                                    SmallVectorImpl<TensorSharding> &out) {
  SmallVector<TensorSharding> operands;
  for (Value operand : op.getOperands())
    operands.push_back(shardingOf(operand));
  auto rule = dyn_cast<ShardingOpInterface>(&op);
  if (rule)
    return rule.shardResults(operands, parts, out);
  if (!llvm::all_of(operands, [](auto &s) { return s.isReplicated(); }))
    return failure();
  out.append(op.getNumResults(), TensorSharding::replicated());
  return success();
}

/// Places the parameters `op` reads through pending weights: the split the
/// op makes best use of (a split result, else a partial one), else none.
void ShardingWalk::placePending(Operation &op) {
  StringRef layer = layerName(&op);
  bool inSplittableLayer =
      mayPlace && !layer.empty() && !placement.replicatedLayers.contains(layer);
  // A token embedding splits along the vocabulary only: its rows, not the
  // hidden dimension every layer reads whole.
  auto gather = dyn_cast<GatherOp>(op);
  bool vocabularyRows = gather && vocabulary.contains(&op);
  for (Value operand : op.getOperands()) {
    auto it = pending.find(operand);
    if (it == pending.end())
      continue;
    PendingWeight weight = it->second;
    auto type = cast<RankedTensorType>(weight.param.getType());
    std::optional<TensorSharding> best;
    int bestRank = 0; // 2: split results, 1: partial results
    if (inSplittableLayer && splittable(weight.param)) {
      for (int64_t dim = 0; dim < type.getRank(); ++dim) {
        if (type.getDimSize(dim) % parts != 0 ||
            (vocabularyRows && dim != gather.getAxis()))
          continue;
        auto candidate = TensorSharding::split(dim);
        std::optional<TensorSharding> seen = chainSharding(weight, candidate);
        if (!seen)
          continue;
        shardings[operand] = *seen;
        SmallVector<TensorSharding> results;
        bool works = succeeded(shardOp(op, results));
        shardings.erase(operand);
        if (!works || results.empty())
          continue;
        int rank = llvm::all_of(results, [](auto &s) { return s.isSplit(); })
                       ? 2
                   : llvm::all_of(results, [](auto &s) { return s.isPartial(); })
                       ? 1
                       : 0;
        if (rank > bestRank) {
          best = candidate;
          bestRank = rank;
        }
      }
    }
    placeParam(weight, best ? *best : TensorSharding::replicated());
  }
}

LogicalResult ShardingWalk::fail(Operation *op, Value splitOperand,
                                 const Twine &why) {
  conflictLayer = layerName(op).str();
  if (conflictLayer.empty() && splitOperand)
    conflictLayer = layerName(splitOperand.getDefiningOp()).str();
  // Outside the layers only the vocabulary splits: a split reaching an op
  // there that cannot take it (a logit softcap between a tied head and the
  // loss) keeps the vocabulary whole.
  if (conflictLayer.empty() && !vocabulary.empty() &&
      !placement.replicatedLayers.contains(kVocabularyLayer))
    conflictLayer = kVocabularyLayer.str();
  conflict = why.str();
  return failure();
}

LogicalResult ShardingWalk::run(func::FuncOp function) {
  for (Operation &op : function.getBody().front()) {
    if (auto read = dyn_cast<ReadParamOp>(op)) {
      auto param = SymbolTable::lookupNearestSymbolFrom<ParamOp>(
          read, read.getNameAttr());
      auto placed = placement.params.find(param);
      if (placed != placement.params.end())
        shardings[read.getResult()] = placed->second;
      else if (mayPlace)
        pending[read.getResult()] = PendingWeight{param, {read}};
      continue;
    }
    // Views of a pending weight stay pending: the consumer decides.
    if (isa<TransposeOp, ReshapeOp, BroadcastOp>(op) &&
        pending.count(op.getOperand(0))) {
      PendingWeight weight = pending.lookup(op.getOperand(0));
      weight.chain.push_back(&op);
      pending[op.getResult(0)] = weight;
      continue;
    }
    placePending(op);

    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (OpOperand &use : op.getOpOperands()) {
        TensorSharding s = shardingOf(use.get());
        // Functions other than the planned one (@forward) return a split
        // value (the logits of a vocabulary-split LM head) gathered whole.
        if (s.isSplit() && mayPlace)
          return fail(&op, use.get(), "a split value is returned");
        if (s.isSplit())
          gatherUses.push_back(&use);
        if (s.isPartial())
          reduceUses.push_back(&use);
      }
      continue;
    }

    SmallVector<TensorSharding> results;
    if (failed(shardOp(op, results))) {
      // Partial sums are summed before an op that cannot take them.
      bool reduced = false;
      for (OpOperand &use : op.getOpOperands())
        if (shardingOf(use.get()).isPartial()) {
          reduceUses.push_back(&use);
          reduced = true;
        }
      SmallVector<TensorSharding> operands;
      for (Value operand : op.getOperands()) {
        TensorSharding s = shardingOf(operand);
        operands.push_back(s.isPartial() ? TensorSharding::replicated() : s);
      }
      results.clear();
      auto rule = dyn_cast<ShardingOpInterface>(&op);
      bool works =
          reduced &&
          (rule ? succeeded(rule.shardResults(operands, parts, results))
                : llvm::all_of(operands, [](auto &s) { return s.isReplicated(); }));
      if (!works && !rule && reduced)
        results.assign(op.getNumResults(), TensorSharding::replicated());
      else if (!works) {
        Value split;
        for (Value operand : op.getOperands())
          if (shardingOf(operand).isSplit())
            split = operand;
        return fail(&op, split,
                    "'" + op.getName().getStringRef() +
                        "' cannot run on these shards");
      }
    }
    // Replicated operands of computation on shards: their gradient is each
    // rank's share.
    bool onShards = llvm::any_of(results, [](auto &s) { return !s.isReplicated(); });
    if (onShards)
      for (OpOperand &use : op.getOpOperands())
        if (shardingOf(use.get()).isReplicated() &&
            !llvm::is_contained(reduceUses, &use) && mayCarryGradient(use.get()))
          enterUses.push_back(&use);
    for (auto [result, sharding] : llvm::zip(op.getResults(), results))
      if (!sharding.isReplicated())
        shardings[result] = sharding;
  }
  return success();
}

/// `type` with dimension `dim` cut into `parts`.
RankedTensorType blockType(Type type, int64_t dim, int64_t parts) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(tensor.getShape());
  shape[dim] /= parts;
  return RankedTensorType::get(shape, tensor.getElementType());
}

struct StarchTensorParallelPass
    : public starch::impl::StarchTensorParallelBase<StarchTensorParallelPass> {
  using StarchTensorParallelBase::StarchTensorParallelBase;

  /// Replica k's group: ranks k*tp .. k*tp+tp-1.
  ArrayAttr tensorGroups(OpBuilder &builder) {
    return rankGroups(builder, replicas, degree, degree, 1);
  }

  bool splittable(ParamOp param) {
    if (param.getBuffer() || param.getState())
      return false;
    if (modules.empty())
      return true;
    auto owner = param->getAttrOfType<StringAttr>(kModuleAttrName);
    return owner && llvm::is_contained(modules, owner.getValue().str());
  }

  /// Walks `function` until every layer either runs on shards or is kept
  /// whole; fills `placement`.
  LogicalResult plan(func::FuncOp function, ParamPlacement &placement) {
    std::function<bool(ParamOp)> may = [&](ParamOp p) { return splittable(p); };
    llvm::SmallPtrSet<Operation *, 8> vocabulary;
    if (this->vocabulary)
      vocabulary = vocabularyOps(function);
    while (true) {
      placement.params.clear();
      ShardingWalk walk(placement, degree, /*mayPlace=*/true, may, vocabulary);
      if (succeeded(walk.run(function)))
        return success();
      if (walk.conflictLayer.empty() ||
          !placement.replicatedLayers.insert(walk.conflictLayer).second)
        return function.emitError()
               << "starch-tensor-parallel: " << walk.conflict
               << " outside any layer that could be kept whole";
      if (verbose)
        llvm::errs() << "starch-tensor-parallel: layer '" << walk.conflictLayer
                     << "' stays whole on every rank (" << walk.conflict
                     << ")\n";
    }
  }

  LogicalResult materialize(func::FuncOp function, ParamPlacement &placement,
                            ArrayAttr groups) {
    std::function<bool(ParamOp)> none = [](ParamOp) { return false; };
    llvm::SmallPtrSet<Operation *, 8> vocabulary;
    if (this->vocabulary)
      vocabulary = vocabularyOps(function);
    ShardingWalk walk(placement, degree, /*mayPlace=*/false, none, vocabulary);
    if (failed(walk.run(function)))
      return function.emitError()
             << "starch-tensor-parallel: @" << function.getSymName()
             << " cannot follow the plan of @" << this->function << ": "
             << walk.conflict;
    for (auto [value, sharding] : walk.shardings)
      if (sharding.isSplit())
        value.setType(blockType(value.getType(), sharding.dim, degree));
    OpBuilder builder(function.getContext());
    DenseMap<Value, Value> summed, entered;
    for (OpOperand *use : walk.reduceUses) {
      Value partial = use->get();
      Value &sum = summed[partial];
      if (!sum) {
        builder.setInsertionPointAfterValue(partial);
        sum = AllReduceOp::create(builder, partial.getLoc(), partial.getType(),
                                  partial, CollectiveKind::sum, groups);
        copyTags(partial, sum);
      }
      use->set(sum);
    }
    for (OpOperand *use : walk.enterUses) {
      // Views of one value (the q, k and v reshapes of one normed input)
      // share one entry, so the backward pass sums their gradients once.
      OpOperand *entry = use;
      while (auto reshape = entry->get().getDefiningOp<ReshapeOp>()) {
        if (!reshape->hasOneUse() || walk.shardings.count(reshape.getInput()))
          break;
        entry = &reshape->getOpOperand(0);
      }
      Value whole = entry->get();
      Value &shared = entered[whole];
      if (!shared) {
        builder.setInsertionPointAfterValue(whole);
        shared = EnterShardsOp::create(builder, whole.getLoc(), whole, groups);
        copyTags(whole, shared);
      }
      entry->set(shared);
    }
    for (OpOperand *use : walk.gatherUses) {
      Value block = use->get();
      int64_t dim = walk.shardings.lookup(block).dim;
      auto type = cast<RankedTensorType>(block.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape[dim] *= degree;
      builder.setInsertionPoint(use->getOwner());
      use->set(AllGatherOp::create(builder, block.getLoc(), type.clone(shape),
                                   block, dim, groups));
    }
    // Vocabulary parallelism: lookups in a table split along their axis,
    // and the loss of logits split along their classes, take block forms.
    SmallVector<GatherOp> blockGathers;
    SmallVector<CrossEntropyOp> blockLosses;
    auto splitAlong = [&](Value v, int64_t dim) {
      auto it = walk.shardings.find(v);
      return it != walk.shardings.end() && it->second.isSplit() &&
             it->second.dim == dim;
    };
    function.walk([&](Operation *op) {
      if (auto gather = dyn_cast<GatherOp>(op);
          gather && splitAlong(gather.getData(), gather.getAxis()))
        blockGathers.push_back(gather);
      if (auto loss = dyn_cast<CrossEntropyOp>(op);
          loss &&
          splitAlong(
              loss.getLogits(),
              cast<RankedTensorType>(loss.getLogits().getType()).getRank() - 1))
        blockLosses.push_back(loss);
    });
    BlockStarts starts(function, groups);
    for (GatherOp gather : blockGathers)
      gatherFromBlock(builder, gather, starts);
    for (CrossEntropyOp loss : blockLosses)
      crossEntropyFromBlocks(builder, loss, starts);
    return success();
  }

  static void copyTags(Value from, Value to) {
    Operation *def = from.getDefiningOp();
    if (!def)
      return;
    for (StringRef name : {kLayerAttrName.data(), kModuleAttrName.data()})
      if (Attribute tag = def->getAttr(name))
        to.getDefiningOp()->setAttr(name, tag);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (degree < 1 || replicas < 1) {
      module.emitError() << "starch-tensor-parallel: tp and replicas must be "
                            ">= 1, got tp="
                         << degree << " replicas=" << replicas;
      return signalPassFailure();
    }
    if (degree == 1)
      return;
    SymbolTable symbols(module);
    auto planned = symbols.lookup<func::FuncOp>(function);
    if (!planned || planned.isExternal() || !planned.getBody().hasOneBlock()) {
      module.emitError() << "starch-tensor-parallel: no single-block function @"
                         << function;
      return signalPassFailure();
    }
    ParamPlacement placement;
    if (failed(plan(planned, placement)))
      return signalPassFailure();

    OpBuilder builder(module.getContext());
    ArrayAttr groups = tensorGroups(builder);
    int64_t splitCount = 0;
    for (auto [op, sharding] : placement.params) {
      if (!sharding.isSplit())
        continue;
      auto param = cast<ParamOp>(op);
      param.setType(blockType(param.getType(), sharding.dim, degree));
      param.setShardDimAttr(builder.getI64IntegerAttr(sharding.dim));
      param.setShardGroupsAttr(groups);
      ++splitCount;
    }
    if (verbose)
      llvm::errs() << "starch-tensor-parallel: " << splitCount
                   << " parameters split over " << degree << " ranks, "
                   << placement.replicatedLayers.size()
                   << " layers kept whole\n";
    for (auto function : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (!function.isExternal() &&
          failed(materialize(function, placement, groups)))
        return signalPassFailure();
    module->setAttr("starch.tensor_parallel", builder.getI64IntegerAttr(degree));
  }
};

} // namespace
