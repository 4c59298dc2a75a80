//===- Optimizer.cpp - The training step as ops ---------------------------===//
//
// Builds @train_step around a gradient function: micro-batch accumulation,
// global-norm clipping, the warm-up + cosine learning rate and AdamW, all as
// starch ops, so starch-run executes a whole optimizer step and codegen emits
// it like any other function. docs/training.md gives the semantics.
//
//===----------------------------------------------------------------------===//
#include "passes/Training/Passes.h"

#include "passes/Training/MicroBatch.h"
#include "passes/Parallel/RankGroups.h"
#include "starch/Dialect/StarchPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/GlobPattern.h"

#include <cmath>
#include <tuple>

namespace starch {
#define GEN_PASS_DEF_STARCHOPTIMIZER
#include "passes/Training/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {


/// One-line builders over scalars and same-shape tensors.
struct StepBuilder {
  OpBuilder &b;
  Location loc;

  static RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  Value splat(RankedTensorType type, double value) {
    auto element = cast<FloatType>(type.getElementType());
    return ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, FloatAttr::get(element, value)));
  }
  Value splatLike(Value like, double value) {
    return splat(typeOf(like), value);
  }
  Value add(Value l, Value r) { return AddOp::create(b, loc, l.getType(), l, r); }
  Value sub(Value l, Value r) { return SubOp::create(b, loc, l.getType(), l, r); }
  Value mul(Value l, Value r) { return MulOp::create(b, loc, l.getType(), l, r); }
  Value div(Value l, Value r) { return DivOp::create(b, loc, l.getType(), l, r); }
  Value max(Value l, Value r) { return MaxOp::create(b, loc, l.getType(), l, r); }
  Value min(Value l, Value r) { return MinOp::create(b, loc, l.getType(), l, r); }
  Value convert(Value v, Type element) {
    return ConvertOp::create(
        b, loc, RankedTensorType::get(typeOf(v).getShape(), element), v);
  }
  /// Sum of every element, as a 0-d tensor.
  Value sumAll(Value v) {
    RankedTensorType type = typeOf(v);
    auto dims = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    return ReduceOp::create(b, loc,
                            RankedTensorType::get({}, type.getElementType()),
                            ReduceKind::sum, v, dims);
  }
  Value microBatch(Value stacked, int64_t index) {
    return microBatchOf(b, loc, stacked, index);
  }
};

struct StarchOptimizerPass
    : public starch::impl::StarchOptimizerBase<StarchOptimizerPass> {
  using StarchOptimizerBase::StarchOptimizerBase;

  /// `lr * lambda(step - 1)` (docs/training.md), in f64.
  Value scheduledRate(StepBuilder &s, Value step) {
    Type f64 = s.b.getF64Type();
    Value t = s.convert(step, f64);
    Value done = s.sub(t, s.splatLike(t, 1.0));
    double warmup = static_cast<double>(warmupSteps);
    Value warm = s.div(done, s.splatLike(t, std::max(1.0, warmup)));
    Value progress =
        s.div(s.sub(done, s.splatLike(t, warmup)),
              s.splatLike(t, std::max(1.0, double(totalSteps) - warmup)));
    Value cosine = CosOp::create(s.b, s.loc, t.getType(),
                                 s.mul(progress, s.splatLike(t, M_PI)));
    Value decay = s.max(s.splatLike(t, 0.0),
                        s.mul(s.splatLike(t, 0.5),
                              s.add(s.splatLike(t, 1.0), cosine)));
    Value inWarmup = CompareOp::create(
        s.b, s.loc, RankedTensorType::get({}, s.b.getI1Type()),
        CompareDirection::lt, done, s.splatLike(t, warmup));
    Value lambda = SelectOp::create(s.b, s.loc, t.getType(), inWarmup, warm,
                                    decay);
    return s.mul(lambda, s.splatLike(t, learningRate));
  }

  LogicalResult checkOptions(ModuleOp module) {
    auto fail = [&](const Twine &message) {
      return module.emitError() << "starch-optimizer: " << message;
    };
    if (microBatches < 1)
      return fail("micro-batches must be >= 1, got " + Twine(microBatches));
    if (dataParallel < 1)
      return fail("data-parallel must be >= 1, got " + Twine(dataParallel));
    if (replicaRanks < 1)
      return fail("replica-ranks must be >= 1, got " + Twine(replicaRanks));
    if (totalSteps < 1 || warmupSteps < 0)
      return fail("total-steps must be >= 1 and warmup-steps >= 0");
    if (!(learningRate >= 0) || !(maxGradNorm >= 0))
      return fail("lr and max-grad-norm must be >= 0");
    if (!(bucketMb >= 0))
      return fail("bucket-mb must be >= 0");
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(checkOptions(module)))
      return signalPassFailure();
    SymbolTable symbols(module);
    std::optional<PipelineLayout> layout = PipelineLayout::of(module);
    // A pipelined replica's ranks are the layout's; replica-ranks may only
    // repeat them.
    if (layout && dataParallel > 1) {
      if (replicaRanks != 1 && replicaRanks != layout->ranksPerReplica()) {
        module.emitError() << "starch-optimizer: replica-ranks=" << replicaRanks
                           << " but a replica of starch.pipeline has "
                           << layout->ranksPerReplica() << " ranks";
        return signalPassFailure();
      }
      replicaRanks = layout->ranksPerReplica();
    }
    if (!layout) {
      if (failed(buildStep(module, symbols, function, "train_step",
                           /*accumulated=*/false, nullptr)))
        return signalPassFailure();
      return;
    }
    // A pipelined program: one step per stage, around the stage's whole-step
    // gradients (starch-pipeline-schedule).
    for (int64_t stage = 0; stage < layout->stages; ++stage)
      if (failed(buildStep(module, symbols,
                           stageFunctionName(kStepGradientsName, stage),
                           stageFunctionName("train_step", stage),
                           /*accumulated=*/true, &*layout)))
        return signalPassFailure();
  }

  /// Builds `stepName` around the gradient function `gradName`: per
  /// micro-batch, or once when it covers the whole step (`accumulated`).
  /// With `pipeline`, the step is one stage's: the loss and the squared
  /// gradient norms are combined over the stages.
  LogicalResult buildStep(ModuleOp module, SymbolTable &symbols,
                          StringRef gradName, StringRef stepName,
                          bool accumulated, const PipelineLayout *pipeline) {
    auto gradFn = symbols.lookup<func::FuncOp>(gradName);
    if (!gradFn || gradFn.isExternal())
      return module.emitError() << "starch-optimizer: no function @"
                                << gradName;
    if (symbols.lookup(stepName))
      return gradFn.emitError()
             << "starch-optimizer: @" << stepName << " exists already";
    StringRef function = gradName;
    auto lossType = gradFn.getNumResults()
                        ? dyn_cast<RankedTensorType>(gradFn.getResultTypes()[0])
                        : RankedTensorType();
    if (!lossType || lossType.getRank() != 0 ||
        !isa<FloatType>(lossType.getElementType())) {
      return gradFn.emitError() << "starch-optimizer: the first result of @"
                                << function << " must be the 0-d float loss";
    }

    // The trainable parameter behind each gradient result, and that result.
    SmallVector<ParamOp> params;
    SmallVector<unsigned> resultIndex;
    for (unsigned i = 1; i < gradFn.getNumResults(); ++i) {
      auto name = gradFn.getResultAttrOfType<StringAttr>(i, kNameAttrName);
      ParamOp param;
      if (name && name.getValue().starts_with("grad."))
        param = symbols.lookup<ParamOp>(name.getValue().drop_front(5));
      if (!param || !param.isTrainable()) {
        return gradFn.emitError()
               << "starch-optimizer: result #" << i << " of @" << function
               << " is not the gradient of a trainable starch.param"
               << " (starch.name = \"grad.<param>\")";
      }
      params.push_back(param);
      resultIndex.push_back(i);
    }
    // The parameters of numbered layers layer by layer ("layers.2" before
    // "layers.10", each layer's by name), after the others (in their own
    // order), so that the optimizer's ops repeat per layer and the C++
    // emitter writes them as one loop (compiler/Codegen/Repeats.h) whatever
    // order the exporter gave the weights.
    auto layerKey = [](StringRef name)
        -> std::optional<std::tuple<StringRef, int64_t, StringRef>> {
      SmallVector<StringRef> parts;
      name.split(parts, '.');
      for (size_t i = parts.size(); i-- > 0;) {
        int64_t number = 0;
        if (parts[i].empty() || !llvm::all_of(parts[i], llvm::isDigit) ||
            parts[i].getAsInteger(10, number))
          continue;
        return std::tuple(name.take_front(parts[i].data() - name.data()),
                          number, name);
      }
      return std::nullopt;
    };
    SmallVector<unsigned> order(params.size());
    for (unsigned i = 0; i < order.size(); ++i)
      order[i] = i;
    llvm::stable_sort(order, [&](unsigned a, unsigned b) {
      return layerKey(params[a].getSymName()) <
             layerKey(params[b].getSymName());
    });
    {
      SmallVector<ParamOp> sortedParams;
      SmallVector<unsigned> sortedResults;
      for (unsigned i : order) {
        sortedParams.push_back(params[i]);
        sortedResults.push_back(resultIndex[i]);
      }
      params = std::move(sortedParams);
      resultIndex = std::move(sortedResults);
    }

    MLIRContext *context = &getContext();
    OpBuilder builder(context);
    Location loc = gradFn.getLoc();
    if (dataParallel > 1)
      module->setAttr("starch.data_parallel",
                      builder.getI64IntegerAttr(dataParallel));

    // Optimizer state, declared after the last parameter.
    Operation *lastParam = nullptr;
    for (auto param : module.getOps<ParamOp>())
      lastParam = param;
    builder.setInsertionPointAfter(lastParam ? lastParam : gradFn.getOperation());
    if (!lastParam)
      builder.setInsertionPointToStart(module.getBody());
    // ZeRO-1: the parameters whose optimizer state each replica keeps one
    // block of (along dimension 0, over the data-parallel group).
    ArrayAttr dataGroups = dataParallel > 1 ? rankGroups(builder, replicaRanks,
                                                         dataParallel, 1,
                                                         replicaRanks)
                                            : nullptr;
    SmallVector<bool> split;
    for (ParamOp param : params)
      split.push_back(isSplitByZero1(param));
    SmallVector<std::pair<ParamOp, ParamOp>> moments;
    for (auto [param, zero] : llvm::zip(params, split)) {
      auto declare = [&](StringRef prefix) {
        // A tied parameter's moments: declared by the first stage's step.
        std::string name = (prefix + param.getSymName()).str();
        if (auto existing = symbols.lookup<ParamOp>(name);
            existing && existing.getState() && param.getTiedStages())
          return existing;
        // Moments of a sharded parameter are sharded alike; under ZeRO-1
        // each replica holds one block.
        auto type = cast<RankedTensorType>(param.getType());
        auto state = ParamOp::create(
            builder, loc, (prefix + param.getSymName()).str(),
            zero ? zeroBlockType(type) : type, /*source=*/nullptr,
            /*frozen=*/false, /*buffer=*/false, /*state=*/true);
        state.setShardDimAttr(zero ? builder.getI64IntegerAttr(0)
                                   : param.getShardDimAttr());
        state.setShardGroupsAttr(zero ? dataGroups : param.getShardGroupsAttr());
        state.setStageAttr(param.getStageAttr());
        state.setTiedStagesAttr(param.getTiedStagesAttr());
        symbols.insert(state);
        return state;
      };
      ParamOp m = declare("adamw.exp_avg.");
      ParamOp v = declare("adamw.exp_avg_sq.");
      moments.push_back({m, v});
    }

    // The signature: every gradient-function argument stacked by micro-batch,
    // then the step.
    SmallVector<Type> argTypes;
    SmallVector<DictionaryAttr> argAttrs;
    for (unsigned i = 0; i < gradFn.getNumArguments(); ++i) {
      auto type = dyn_cast<RankedTensorType>(gradFn.getArgumentTypes()[i]);
      if (!type)
        return gradFn.emitError() << "starch-optimizer: argument #" << i
                                  << " is not a ranked tensor";
      argTypes.push_back(accumulated ? type : stackedType(type, microBatches));
      argAttrs.push_back(gradFn.getArgAttrDict(i));
    }
    auto stepType = RankedTensorType::get({}, builder.getI64Type());
    argTypes.push_back(stepType);
    argAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr(kNameAttrName, builder.getStringAttr("step"))));
    Type element = lossType.getElementType();
    // The parameters param_grad_norms reports: every stage's in a pipeline
    // (each stage fills its own entries, the others come from the other
    // stages), else those this step trains.
    SmallVector<ParamOp> normParams(params);
    if (pipeline) {
      normParams.clear();
      for (auto param : module.getOps<ParamOp>())
        if (param.isTrainable() && param.getStage())
          normParams.push_back(param);
    }
    auto paramNormsType = RankedTensorType::get(
        {static_cast<int64_t>(normParams.size())}, element);
    SmallVector<Type> resultTypes(3, lossType);
    resultTypes.push_back(paramNormsType);

    builder.setInsertionPointAfter(gradFn);
    auto step = func::FuncOp::create(
        builder, loc, stepName,
        FunctionType::get(context, argTypes, resultTypes));
    step.setAllArgAttrs(argAttrs);
    SmallVector<DictionaryAttr> resultAttrs;
    for (StringRef name : {"loss", "grad_norm", "lr"})
      resultAttrs.push_back(builder.getDictionaryAttr(
          builder.getNamedAttr(kNameAttrName, builder.getStringAttr(name))));
    // Which parameter each entry of param_grad_norms belongs to.
    SmallVector<Attribute> paramNames;
    for (ParamOp param : normParams)
      paramNames.push_back(builder.getStringAttr(param.getSymName()));
    resultAttrs.push_back(builder.getDictionaryAttr(
        {builder.getNamedAttr(kNameAttrName,
                              builder.getStringAttr("param_grad_norms")),
         builder.getNamedAttr(kParamsAttrName, builder.getArrayAttr(paramNames))}));
    step.setAllResultAttrs(resultAttrs);
    Block *body = step.addEntryBlock();
    builder.setInsertionPointToStart(body);
    StepBuilder s{builder, loc};

    // Accumulate over micro-batches.
    Value loss;
    SmallVector<Value> grads(params.size());
    if (accumulated) {
      auto call = func::CallOp::create(
          builder, loc, gradFn, body->getArguments().drop_back());
      loss = call.getResult(0);
      for (unsigned i = 0; i < params.size(); ++i)
        grads[i] = call.getResult(resultIndex[i]);
    }
    for (int64_t m = 0; !accumulated && m < microBatches; ++m) {
      SmallVector<Value> inputs;
      for (unsigned i = 0; i < gradFn.getNumArguments(); ++i)
        inputs.push_back(s.microBatch(body->getArgument(i), m));
      auto call = func::CallOp::create(builder, loc, gradFn, inputs);
      // On --trace timelines: the backward (forward included) of micro-batch
      // m, as a pipeline's last stage names it.
      call->setAttr(kTraceAttrName, builder.getStringAttr("B" + Twine(m)));
      loss = loss ? s.add(loss, call.getResult(0)) : call.getResult(0);
      for (unsigned i = 0; i < params.size(); ++i)
        grads[i] = grads[i] ? s.add(grads[i], call.getResult(resultIndex[i]))
                            : call.getResult(resultIndex[i]);
    }
    // The sums over every replica's micro-batches, then one scaling.
    if (dataParallel > 1) {
      ArrayAttr groups = replicaGroups(builder);
      auto reduce = [&](Value v) -> Value {
        return AllReduceOp::create(builder, loc, v.getType(), v,
                                   CollectiveKind::sum, groups);
      };
      loss = reduce(loss);
      // ZeRO-1 gradients: each replica keeps the block it updates.
      SmallVector<Value> whole;
      SmallVector<unsigned> wholeIndex;
      for (auto [i, grad] : llvm::enumerate(grads)) {
        if (split[i]) {
          grad = ReduceScatterOp::create(
              builder, loc,
              zeroBlockType(cast<RankedTensorType>(grad.getType())), grad,
              CollectiveKind::sum, /*dim=*/0, dataGroups);
          continue;
        }
        whole.push_back(grad);
        wholeIndex.push_back(i);
      }
      sumInBuckets(builder, loc, whole, groups);
      for (auto [i, grad] : llvm::zip(wholeIndex, whole))
        grads[i] = grad;
    }
    int64_t averaged = microBatches * dataParallel;
    if (averaged > 1) {
      double inverse = 1.0 / static_cast<double>(averaged);
      loss = s.mul(loss, s.splatLike(loss, inverse));
      for (Value &grad : grads)
        grad = s.mul(grad, s.splatLike(grad, inverse));
    }
    // Tied weights: each holding stage has its part of the gradient; the
    // sum over them (ranks at one tensor-parallel position of one replica)
    // is the whole, and every copy then takes the same update.
    if (pipeline)
      for (auto [param, grad] : llvm::zip(params, grads))
        if (param.getTiedStages())
          grad = AllReduceOp::create(
              builder, loc, grad.getType(), grad, CollectiveKind::sum,
              groupsAttr(builder, tiedGroups(*pipeline, param)));

    // Combined over a replica's stages with max and min rather than a sum:
    // a stage's tensor-parallel ranks all hold its values, other stages
    // hold zeros, and the loss lives on the last stage only. Max of
    // (values, zeros) is exact for the squared norms (>= 0, NaN kept), and
    // max + min of (loss, zeros) is the loss whatever its sign.
    ArrayAttr stageGroups = pipeline && pipeline->stages > 1
                                ? groupsAttr(builder, pipeline->replicaGroups())
                                : nullptr;
    auto combine = [&](Value v, CollectiveKind kind) -> Value {
      return AllReduceOp::create(builder, loc, v.getType(), v, kind,
                                 stageGroups);
    };
    if (stageGroups)
      loss = s.add(combine(loss, CollectiveKind::max),
                   combine(loss, CollectiveKind::min));

    // Global gradient norm, then clipping. Each parameter's own norm is a
    // result too, so that a training program can name the parameter whose
    // gradient is not finite.
    Value squares;
    SmallVector<Value> ownSquares;
    auto oneElement = RankedTensorType::get({1}, element);
    for (auto [param, grad, zero] : llvm::zip(params, grads, split)) {
      Value own = s.sumAll(s.mul(grad, grad));
      if (cast<RankedTensorType>(own.getType()).getElementType() != element)
        own = s.convert(own, element);
      if (param.isSharded() || zero)
        own = AllReduceOp::create(builder, loc, own.getType(), own,
                                  CollectiveKind::sum,
                                  zero ? dataGroups : param.getShardGroupsAttr());
      squares = squares ? s.add(squares, own) : own;
      ownSquares.push_back(ReshapeOp::create(builder, loc, oneElement, own));
    }
    if (stageGroups) {
      // Every stage's squares, each filling its own entries.
      SmallVector<Value> entries;
      for (ParamOp param : normParams) {
        auto it = llvm::find(params, param);
        entries.push_back(it != params.end()
                              ? ownSquares[it - params.begin()]
                              : s.splat(oneElement, 0.0));
      }
      Value vector = entries.size() == 1
                         ? entries.front()
                         : ConcatOp::create(builder, loc, paramNormsType,
                                            entries,
                                            builder.getI64IntegerAttr(0));
      vector = combine(vector, CollectiveKind::max);
      squares = s.sumAll(vector);
      ownSquares.assign({vector});
    }
    Value norm = squares ? Value(SqrtOp::create(builder, loc, lossType, squares))
                         : s.splat(lossType, 0.0);
    Value paramNorms;
    if (ownSquares.empty()) {
      paramNorms = s.splat(paramNormsType, 0.0);
    } else {
      Value stacked =
          ownSquares.size() == 1
              ? ownSquares.front()
              : ConcatOp::create(builder, loc, paramNormsType, ownSquares,
                                 builder.getI64IntegerAttr(0));
      paramNorms = SqrtOp::create(builder, loc, paramNormsType, stacked);
    }
    // Clipping's factor; adamw scales each gradient as it reads it.
    SmallVector<Value> gradScales(grads.size());
    if (maxGradNorm > 0 && !grads.empty()) {
      Value coef = s.min(s.splat(lossType, 1.0),
                         s.div(s.splat(lossType, maxGradNorm),
                               s.add(norm, s.splat(lossType, 1e-6))));
      for (auto [grad, scale] : llvm::zip(grads, gradScales))
        scale = elementOf(grad) == element ? coef
                                           : s.convert(coef, elementOf(grad));
    }

    Value stepArg = body->getArguments().back();
    Value lr = scheduledRate(s, stepArg);

    // AdamW per parameter; every write after every read.
    FailureOr<llvm::DenseSet<Operation *>> undecayed =
        paramsWithoutDecay(module, params);
    if (failed(undecayed))
      return failure();
    SmallVector<std::pair<ParamOp, Value>> writes;
    for (auto [param, grad, gradScale, moment, zero] :
         llvm::zip(params, grads, gradScales, moments, split)) {
      double decay = undecayed->contains(param) ? 0.0 : double(weightDecay);
      auto whole = cast<RankedTensorType>(param.getType());
      Type type = zero ? zeroBlockType(whole) : whole;
      Value p = ReadParamOp::create(builder, loc, whole, param.getSymName());
      // ZeRO-1: this replica updates its block, then the blocks are joined.
      if (zero)
        p = LocalBlockOp::create(builder, loc, type, p,
                                 /*dim=*/0, dataGroups);
      Value m = ReadParamOp::create(builder, loc, type,
                                    moment.first.getSymName());
      Value v = ReadParamOp::create(builder, loc, type,
                                    moment.second.getSymName());
      auto update = AdamWOp::create(
          builder, loc, TypeRange{type, type, type}, p, grad, m, v, lr, stepArg,
          builder.getF64FloatAttr(beta1), builder.getF64FloatAttr(beta2),
          builder.getF64FloatAttr(epsilon), builder.getF64FloatAttr(decay),
          gradScale);
      Value updated = update.getNewParam();
      if (zero)
        updated = AllGatherOp::create(builder, loc, whole, updated,
                                      /*dim=*/0, dataGroups);
      writes.push_back({param, updated});
      writes.push_back({moment.first, update.getNewExpAvg()});
      writes.push_back({moment.second, update.getNewExpAvgSq()});
    }
    for (auto [param, value] : writes)
      WriteParamOp::create(builder, loc, param.getSymName(), value);

    func::ReturnOp::create(
        builder, loc,
        ValueRange{loss, norm, s.convert(lr, element), paramNorms});
    return success();
  }

  /// Sums `grads` over the data-parallel `groups` in buckets of about
  /// bucket-mb MiB: consecutive gradients of one element type flattened
  /// into one vector, all-reduced once, and cut apart again.
  void sumInBuckets(OpBuilder &builder, Location loc,
                    MutableArrayRef<Value> grads, ArrayAttr groups) {
    auto reduce = [&](Value v) -> Value {
      return AllReduceOp::create(builder, loc, v.getType(), v,
                                 CollectiveKind::sum, groups);
    };
    double limit = bucketMb * 1024 * 1024;
    size_t begin = 0;
    while (begin < grads.size()) {
      Type element = elementOf(grads[begin]);
      double bytes = 0;
      size_t end = begin;
      for (; end < grads.size() && elementOf(grads[end]) == element; ++end) {
        auto type = cast<RankedTensorType>(grads[end].getType());
        double size = static_cast<double>(type.getNumElements()) *
                      type.getElementTypeBitWidth() / 8;
        if (end > begin && bytes + size > limit)
          break;
        bytes += size;
      }
      if (end - begin == 1) {
        grads[begin] = reduce(grads[begin]);
        begin = end;
        continue;
      }
      SmallVector<Value> flat;
      int64_t total = 0;
      for (size_t i = begin; i < end; ++i) {
        int64_t count = cast<RankedTensorType>(grads[i].getType()).getNumElements();
        flat.push_back(ReshapeOp::create(
            builder, loc, RankedTensorType::get({count}, element), grads[i]));
        total += count;
      }
      auto bucketType = RankedTensorType::get({total}, element);
      Value bucket = reduce(ConcatOp::create(builder, loc, bucketType, flat,
                                             builder.getI64IntegerAttr(0)));
      int64_t offset = 0;
      for (size_t i = begin; i < end; ++i) {
        auto type = cast<RankedTensorType>(grads[i].getType());
        int64_t count = type.getNumElements();
        Value part = SliceOp::create(
            builder, loc, RankedTensorType::get({count}, element), bucket,
            builder.getDenseI64ArrayAttr({offset}),
            builder.getDenseI64ArrayAttr({offset + count}),
            builder.getDenseI64ArrayAttr({1}));
        grads[i] = ReshapeOp::create(builder, loc, type, part);
        offset += count;
      }
      begin = end;
    }
  }

  static ArrayAttr groupsAttr(OpBuilder &builder,
                              const std::vector<std::vector<int64_t>> &groups) {
    SmallVector<Attribute> result;
    for (const std::vector<int64_t> &group : groups)
      result.push_back(builder.getDenseI64ArrayAttr(group));
    return builder.getArrayAttr(result);
  }

  /// Whether ZeRO-1 splits `param`'s optimizer state over the replicas: a
  /// parameter not split by tensor parallelism whose first dimension
  /// divides evenly (the others keep whole moments on every replica).
  bool isSplitByZero1(ParamOp param) {
    auto type = cast<RankedTensorType>(param.getType());
    return zero1 && dataParallel > 1 && !param.isSharded() &&
           type.getRank() >= 1 && type.getDimSize(0) % dataParallel == 0;
  }

  /// One replica's block of `type` under ZeRO-1 (dimension 0 divided).
  RankedTensorType zeroBlockType(RankedTensorType type) {
    SmallVector<int64_t> shape(type.getShape());
    shape[0] /= dataParallel;
    return RankedTensorType::get(shape, type.getElementType());
  }

  /// Per replica and tensor-parallel position, the ranks of every stage
  /// holding `param` (tied weights; the stages share one tp).
  static std::vector<std::vector<int64_t>>
  tiedGroups(const PipelineLayout &layout, ParamOp param) {
    SmallVector<int64_t> stages = param.holdingStages();
    std::vector<std::vector<int64_t>> groups;
    for (int64_t d = 0; d < layout.replicas; ++d)
      for (int64_t j = 0; j < layout.tp[stages.front()]; ++j) {
        std::vector<int64_t> group;
        for (int64_t stage : stages)
          group.push_back(layout.rankOf(d, stage, j));
        groups.push_back(group);
      }
    return groups;
  }

  /// The data-parallel groups: the ranks holding the same part of the
  /// model in every replica (null: the whole world, one rank per replica).
  ArrayAttr replicaGroups(OpBuilder &builder) {
    if (replicaRanks == 1)
      return nullptr;
    return rankGroups(builder, replicaRanks, dataParallel, 1, replicaRanks);
  }

  /// The parameters matching a glob of the module's kNoWeightDecayAttrName
  /// (by framework name), each marked with it (weight-decay groups).
  static FailureOr<llvm::DenseSet<Operation *>>
  paramsWithoutDecay(ModuleOp module, ArrayRef<ParamOp> params) {
    llvm::DenseSet<Operation *> result;
    auto globs = module->getAttrOfType<ArrayAttr>(kNoWeightDecayAttrName);
    if (!globs)
      return result;
    SmallVector<llvm::GlobPattern> patterns;
    for (auto text : globs.getAsValueRange<StringAttr>()) {
      llvm::Expected<llvm::GlobPattern> pattern =
          llvm::GlobPattern::create(text);
      if (!pattern) {
        llvm::consumeError(pattern.takeError());
        return module.emitError()
               << "starch-optimizer: '" << text << "' in "
               << kNoWeightDecayAttrName << " is not a glob";
      }
      patterns.push_back(std::move(*pattern));
    }
    UnitAttr mark = UnitAttr::get(module.getContext());
    for (ParamOp param : params) {
      StringRef name = param.getSource() ? *param.getSource()
                                         : param.getSymName();
      if (llvm::any_of(patterns, [&](auto &p) { return p.match(name); })) {
        result.insert(param);
        param->setAttr(kNoWeightDecayAttrName, mark);
      }
    }
    return result;
  }

  static Type elementOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType();
  }
};

} // namespace
