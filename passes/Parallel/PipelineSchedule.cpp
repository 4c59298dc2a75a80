//===- PipelineSchedule.cpp - 1F1B over micro-batches, per stage ----------===//
//
// starch-pipeline-schedule: each stage's whole step as straight-line code,
// forwards and backwards of the micro-batches in 1F1B or zero-bubble order
// (compiler/Plan/StageOrders.h) with the send/recv of the cuts between them.
// The order is static, so it is checked here, before anything runs, for a wait
// that could never end. Passes.td gives the contract.
//
//===----------------------------------------------------------------------===//
#include "compiler/Plan/StageOrders.h"
#include "passes/Parallel/Passes.h"
#include "passes/Training/MicroBatch.h"

#include "starch/Dialect/StarchPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace starch {
#define GEN_PASS_DEF_STARCHPIPELINESCHEDULE
#include "passes/Parallel/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;
using plan::Slot;
using plan::SlotKind;
using plan::StageWork;

namespace {

/// `op`, named `span` on the training program's --trace timeline.
template <typename OpT> OpT traced(OpT op, const Twine &span) {
  op->setAttr(kTraceAttrName, StringAttr::get(op->getContext(), span));
  return op;
}

/// A stage as the schedule sees it.
struct Stage {
  func::FuncOp forward, gradient;
  /// Arguments shared by every stage (the step's data), then received ones.
  unsigned dataArgs = 0, received = 0;
  /// Received values that carry a gradient back, and outputs that get one.
  unsigned differentiableInputs = 0, seededOutputs = 0;
  /// Gradient results: trained parameters (after the forward's results).
  unsigned paramGrads = 0;
  /// Zero-bubble: the backward's input-gradient part (the last stage's
  /// returns the loss first) and its weight-gradient part, when it has one.
  func::FuncOp inputGrad, weightGrad;
  bool hasBackward() const {
    return gradient && (paramGrads > 0 || differentiableInputs > 0);
  }
  StageWork work(bool last) const {
    StageWork work;
    work.backward = hasBackward() || last;
    work.seeded = !last && seededOutputs > 0;
    work.inputGrads = last || differentiableInputs > 0;
    work.weightGrads = paramGrads > 0;
    return work;
  }
};

/// `gradient` keeping only its results `keep` (in order), the computation
/// nothing kept needs erased: the input- or weight-gradient part of a
/// stage's backward.
func::FuncOp gradientPart(func::FuncOp gradient, StringRef suffix,
                          ArrayRef<unsigned> keep) {
  OpBuilder builder(gradient);
  builder.setInsertionPointAfter(gradient);
  auto part = cast<func::FuncOp>(builder.clone(*gradient));
  part.setSymName((gradient.getSymName() + suffix).str());
  auto ret = cast<func::ReturnOp>(part.getBody().front().getTerminator());
  SmallVector<Value> results;
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> attrs;
  for (unsigned i : keep) {
    results.push_back(ret.getOperand(i));
    types.push_back(ret.getOperand(i).getType());
    attrs.push_back(gradient.getResultAttrDict(i));
  }
  ret->setOperands(results);
  part.setFunctionType(
      FunctionType::get(part.getContext(), part.getArgumentTypes(), types));
  part.setAllResultAttrs(attrs);
  // Pure ops without users, last first, so that their operands' ops go too.
  Block &body = part.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if (&op != ret.getOperation() && isOpTriviallyDead(&op))
      op.erase();
  return part;
}

struct StarchPipelineSchedulePass
    : public starch::impl::StarchPipelineScheduleBase<
          StarchPipelineSchedulePass> {
  using StarchPipelineScheduleBase::StarchPipelineScheduleBase;

  void runOnOperation() override;

private:
  LogicalResult describe(ModuleOp module, int64_t index, Stage &stage);
  void build(ModuleOp module, const PipelineLayout &layout, int64_t index,
             Stage stage, ArrayRef<Slot> order, Type lossType);
};

LogicalResult StarchPipelineSchedulePass::describe(ModuleOp module,
                                                   int64_t index,
                                                   Stage &stage) {
  std::string name = stageFunctionName(function, index);
  stage.forward = module.lookupSymbol<func::FuncOp>(name);
  stage.gradient = module.lookupSymbol<func::FuncOp>(name + "_grad");
  if (!stage.forward || !stage.gradient)
    return module.emitError()
           << "starch-pipeline-schedule: no @" << name << " and @" << name
           << "_grad (run starch-pipeline-split and starch-autodiff first)";
  auto first =
      module.lookupSymbol<func::FuncOp>(stageFunctionName(function, 0));
  stage.dataArgs = first.getNumArguments();
  stage.received = stage.forward.getNumArguments() - stage.dataArgs;
  for (unsigned i = stage.dataArgs; i < stage.forward.getNumArguments(); ++i)
    if (stage.forward.getArgAttr(i, kDifferentiableAttrName))
      ++stage.differentiableInputs;
  stage.seededOutputs =
      stage.gradient.getNumArguments() - stage.forward.getNumArguments();
  stage.paramGrads = stage.gradient.getNumResults() -
                     stage.forward.getNumResults() - stage.differentiableInputs;
  return success();
}

void StarchPipelineSchedulePass::build(ModuleOp module,
                                       const PipelineLayout &layout,
                                       int64_t index, Stage stage,
                                       ArrayRef<Slot> order, Type lossType) {
  MLIRContext *context = &getContext();
  OpBuilder builder(context);
  Location loc = stage.forward.getLoc();
  bool last = layout.next[index] < 0;
  auto pairs = [&](int64_t from, int64_t to) {
    SmallVector<Attribute> result;
    for (const std::vector<int64_t> &pair : layout.pairs(from, to))
      result.push_back(builder.getDenseI64ArrayAttr(pair));
    return builder.getArrayAttr(result);
  };

  // (stacked step data) -> (loss sum, gradient sums of the stage's params).
  SmallVector<Type> argTypes;
  for (unsigned i = 0; i < stage.dataArgs; ++i)
    argTypes.push_back(
        stackedType(cast<RankedTensorType>(stage.forward.getArgumentTypes()[i]),
                    microBatches));
  unsigned firstParamGrad = stage.forward.getNumResults();
  SmallVector<Type> resultTypes{lossType};
  SmallVector<DictionaryAttr> resultAttrs{builder.getDictionaryAttr(
      builder.getNamedAttr(kNameAttrName, builder.getStringAttr("loss")))};
  for (unsigned i = 0; i < stage.paramGrads; ++i) {
    resultTypes.push_back(stage.gradient.getResultTypes()[firstParamGrad + i]);
    resultAttrs.push_back(stage.gradient.getResultAttrDict(firstParamGrad + i));
  }
  builder.setInsertionPointAfter(stage.gradient);
  auto accumulate = func::FuncOp::create(
      builder, loc, stageFunctionName(kStepGradientsName, index),
      FunctionType::get(context, argTypes, resultTypes));
  for (unsigned i = 0; i < stage.dataArgs; ++i)
    accumulate.setArgAttrs(i, stage.forward.getArgAttrDict(i));
  accumulate.setAllResultAttrs(resultAttrs);
  Block *body = accumulate.addEntryBlock();
  builder.setInsertionPointToStart(body);

  // Received values come from each predecessor in turn (as many as its
  // forward returns); cotangents go back the same way.
  int64_t successor = layout.next[index];
  ArrayAttr toNext = last ? nullptr : pairs(index, successor);
  ArrayAttr fromNext = last ? nullptr : pairs(successor, index);
  SmallVector<ArrayAttr> fromPrevious, toPrevious;
  for (int64_t from : layout.predecessors(index)) {
    auto sender =
        module.lookupSymbol<func::FuncOp>(stageFunctionName(function, from));
    for (unsigned i = 0; i < sender.getNumResults(); ++i) {
      fromPrevious.push_back(pairs(from, index));
      toPrevious.push_back(pairs(index, from));
    }
  }

  SmallVector<SmallVector<Value>> inputs(microBatches), seeds(microBatches);
  auto inputsOf = [&](int64_t m) -> SmallVector<Value> & {
    SmallVector<Value> &values = inputs[m];
    if (values.empty()) {
      for (unsigned i = 0; i < stage.dataArgs; ++i)
        values.push_back(microBatchOf(builder, loc, body->getArgument(i), m));
      // What the predecessors sent; kept until the backward.
      for (unsigned i = 0; i < stage.received; ++i)
        values.push_back(traced(
            RecvOp::create(builder, loc,
                           stage.forward.getArgumentTypes()[stage.dataArgs + i],
                           fromPrevious[i]),
            "recv F" + Twine(m)));
    }
    return values;
  };
  // The cotangents of the stage's outputs, received once per micro-batch
  // (kept for the weight gradient when it comes later).
  auto seedsOf = [&](int64_t m) -> SmallVector<Value> & {
    SmallVector<Value> &values = seeds[m];
    if (values.empty())
      for (unsigned i = 0; i < stage.seededOutputs; ++i)
        values.push_back(traced(
            RecvOp::create(
                builder, loc,
                stage.gradient
                    .getArgumentTypes()[stage.forward.getNumArguments() + i],
                fromNext),
            "recv B" + Twine(m)));
    return values;
  };
  Value loss;
  SmallVector<Value> grads(stage.paramGrads);
  auto addLoss = [&](Value value) {
    loss = loss ? AddOp::create(builder, loc, lossType, loss, value).getResult()
                : value;
  };
  auto addGrads = [&](ValueRange values) {
    for (unsigned i = 0; i < stage.paramGrads; ++i)
      grads[i] = grads[i] ? AddOp::create(builder, loc, values[i].getType(),
                                          grads[i], values[i])
                                .getResult()
                          : values[i];
  };
  // Cotangents of the differentiable received values, in argument order.
  auto sendCotangents = [&](ValueRange cotangents, int64_t m) {
    unsigned next = 0;
    for (unsigned i = 0; i < stage.received; ++i)
      if (stage.forward.getArgAttr(stage.dataArgs + i, kDifferentiableAttrName))
        traced(SendOp::create(builder, loc, cotangents[next++], toPrevious[i]),
               "send B" + Twine(m));
  };
  // A backward part: the kept inputs and the outputs' cotangents in, its
  // results out.
  auto callBackward = [&](func::FuncOp callee, Slot slot) {
    SmallVector<Value> operands(inputsOf(slot.microBatch));
    llvm::append_range(operands, seedsOf(slot.microBatch));
    return traced(func::CallOp::create(builder, loc, callee, operands),
                  plan::slotName(slot))
        .getResults();
  };
  for (Slot slot : order) {
    int64_t m = slot.microBatch;
    SmallVector<Value> &values = inputsOf(m);
    switch (slot.kind) {
    case SlotKind::forward: {
      if (last)
        break; // the backward includes it
      auto call =
          traced(func::CallOp::create(builder, loc, stage.forward, values),
                 plan::slotName(slot));
      for (Value output : call.getResults())
        traced(SendOp::create(builder, loc, output, toNext),
               "send F" + Twine(m));
      break;
    }
    case SlotKind::backward: {
      ResultRange results = callBackward(stage.gradient, slot);
      if (last)
        addLoss(results[0]);
      addGrads(results.slice(firstParamGrad, stage.paramGrads));
      sendCotangents(results.drop_front(firstParamGrad + stage.paramGrads), m);
      break;
    }
    case SlotKind::inputGrad: {
      ResultRange results = callBackward(stage.inputGrad, slot);
      if (last)
        addLoss(results[0]);
      sendCotangents(results.drop_front(last ? 1 : 0), m);
      break;
    }
    case SlotKind::weightGrad:
      addGrads(callBackward(stage.weightGrad, slot));
      break;
    }
  }
  if (!loss) {
    auto type = cast<RankedTensorType>(lossType);
    loss = ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(type,
                               FloatAttr::get(type.getElementType(), 0.0)));
  }
  SmallVector<Value> results{loss};
  results.append(grads.begin(), grads.end());
  func::ReturnOp::create(builder, loc, results);
}

void StarchPipelineSchedulePass::runOnOperation() {
  ModuleOp module = getOperation();
  std::optional<PipelineLayout> layout = PipelineLayout::of(module);
  if (!layout) {
    module.emitError() << "starch-pipeline-schedule: the module has no "
                          "starch.pipeline (run starch-pipeline-split first)";
    return signalPassFailure();
  }
  if (microBatches < 1) {
    module.emitError() << "starch-pipeline-schedule: micro-batches must be "
                          ">= 1, got "
                       << microBatches;
    return signalPassFailure();
  }
  SmallVector<Stage> stages(layout->stages);
  for (int64_t k = 0; k < layout->stages; ++k)
    if (failed(describe(module, k, stages[k])))
      return signalPassFailure();
  Type lossType = stages.back().forward.getResultTypes().front();
  bool zeroBubble = schedule == "zero-bubble";
  if (!zeroBubble && schedule != "1f1b") {
    module.emitError() << "starch-pipeline-schedule: schedule must be 1f1b "
                          "or zero-bubble, got '"
                       << schedule << "'";
    return signalPassFailure();
  }
  std::vector<StageWork> work;
  for (int64_t k = 0; k < layout->stages; ++k)
    work.push_back(stages[k].work(layout->next[k] < 0));
  std::vector<std::vector<Slot>> orders;
  if (zeroBubble) {
    orders = plan::zeroBubbleOrders(work, layout->next, microBatches);
    for (int64_t k = 0; k < layout->stages; ++k) {
      Stage &stage = stages[k];
      if (!stage.hasBackward() && layout->next[k] >= 0)
        continue;
      // Results of a gradient function: the forward's, the parameters'
      // gradients, the differentiable inputs' cotangents.
      unsigned firstParamGrad = stage.forward.getNumResults();
      SmallVector<unsigned> inputPart, weightPart;
      if (layout->next[k] < 0)
        inputPart.push_back(0); // the loss
      for (unsigned i = 0; i < stage.differentiableInputs; ++i)
        inputPart.push_back(firstParamGrad + stage.paramGrads + i);
      for (unsigned i = 0; i < stage.paramGrads; ++i)
        weightPart.push_back(firstParamGrad + i);
      if (work[k].inputGrads)
        stage.inputGrad = gradientPart(stage.gradient, "_input", inputPart);
      if (work[k].weightGrads)
        stage.weightGrad = gradientPart(stage.gradient, "_weight", weightPart);
    }
  } else {
    for (int64_t k = 0; k < layout->stages; ++k)
      orders.push_back(plan::oneForwardOneBackward(
          k, layout->next, microBatches, stages[k].hasBackward()));
  }
  if (auto stuck = plan::findDeadlock(orders, work, layout->next)) {
    module.emitError() << "starch-pipeline-schedule: stage " << stuck->first
                       << " would wait forever at "
                       << plan::slotName(stuck->second);
    return signalPassFailure();
  }
  for (int64_t k = 0; k < layout->stages; ++k) {
    build(module, *layout, k, stages[k], orders[k], lossType);
    if (verbose) {
      llvm::errs() << "starch-pipeline-schedule: stage " << k << ":";
      for (Slot slot : orders[k])
        llvm::errs() << " " << plan::slotName(slot);
      llvm::errs() << "\n";
    }
  }
}

} // namespace
