//===- PipelineSchedule.cpp - 1F1B over micro-batches, per stage ----------===//
//
// starch-pipeline-schedule: each stage's whole step as straight-line code,
// forwards and backwards of the micro-batches in 1F1B order with the
// send/recv of the cuts between them. The order is static, so it is
// checked here, before anything runs, for a wait that could never end.
// Passes.td gives the contract.
//
//===----------------------------------------------------------------------===//
#include "passes/MicroBatch.h"
#include "passes/Passes.h"

#include "starch/Dialect/StarchPipeline.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace starch {
#define GEN_PASS_DEF_STARCHPIPELINESCHEDULE
#include "passes/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {


/// `op`, named `span` on the training program's --trace timeline.
template <typename OpT> OpT traced(OpT op, const Twine &span) {
  op->setAttr(kTraceAttrName, StringAttr::get(op->getContext(), span));
  return op;
}

/// One step of a stage's order: the forward or backward of a micro-batch.
struct Slot {
  bool backward;
  int64_t microBatch;
};

/// A stage as the schedule sees it.
struct Stage {
  func::FuncOp forward, gradient;
  /// Arguments shared by every stage (the step's data), then received ones.
  unsigned dataArgs = 0, received = 0;
  /// Received values that carry a gradient back, and outputs that get one.
  unsigned differentiableInputs = 0, seededOutputs = 0;
  /// Gradient results: trained parameters (after the forward's results).
  unsigned paramGrads = 0;
  bool hasBackward() const {
    return gradient && (paramGrads > 0 || differentiableInputs > 0);
  }
};

/// 1F1B: warm-up forwards, alternate, then drain the backwards. A stage
/// warms up with one forward per stage after it on the way to the last
/// (Cornstarch's rule: an encoder stage's warm-up is its own module's
/// stages after it plus the LLM's stages).
SmallVector<Slot> oneForwardOneBackward(int64_t stage,
                                        const PipelineLayout &layout,
                                        int64_t microBatches, bool backward) {
  SmallVector<Slot> order;
  bool last = layout.next[stage] < 0;
  if (!backward) {
    for (int64_t m = 0; m < microBatches; ++m)
      order.push_back({false, m});
    return order;
  }
  if (last) { // the backward computes the forward: one call per micro-batch
    for (int64_t m = 0; m < microBatches; ++m)
      order.push_back({true, m});
    return order;
  }
  int64_t warmup = std::min(layout.stagesAfter(stage), microBatches);
  for (int64_t m = 0; m < warmup; ++m)
    order.push_back({false, m});
  for (int64_t m = 0; m + warmup < microBatches; ++m) {
    order.push_back({false, m + warmup});
    order.push_back({true, m});
  }
  for (int64_t m = microBatches - warmup; m < microBatches; ++m)
    order.push_back({true, m});
  return order;
}

/// Runs the orders with blocking receives and buffered sends; the stage
/// and slot where every stage waits forever, if any.
std::optional<std::pair<int64_t, Slot>>
findDeadlock(ArrayRef<SmallVector<Slot>> orders, ArrayRef<Stage> stages,
             const PipelineLayout &layout) {
  int64_t count = static_cast<int64_t>(orders.size());
  SmallVector<size_t> position(count, 0);
  // Sent so far: forwards from k to next[k], cotangents from k to the
  // stages sending to it.
  SmallVector<int64_t> forwardsSent(count, 0), backwardsSent(count, 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (int64_t k = 0; k < count; ++k) {
      while (position[k] < orders[k].size()) {
        Slot slot = orders[k][position[k]];
        int64_t successor = layout.next[k];
        bool last = successor < 0;
        // A backward of the last stage includes its forward.
        bool needsInputs = !slot.backward || last;
        if (needsInputs && llvm::any_of(layout.predecessors(k), [&](int64_t p) {
              return forwardsSent[p] <= slot.microBatch;
            }))
          break;
        if (slot.backward && !last && stages[k].seededOutputs > 0 &&
            backwardsSent[successor] <= slot.microBatch)
          break;
        if (!slot.backward || last)
          ++forwardsSent[k];
        if (slot.backward)
          ++backwardsSent[k];
        ++position[k];
        progress = true;
      }
    }
  }
  for (int64_t k = 0; k < count; ++k)
    if (position[k] < orders[k].size())
      return std::make_pair(k, orders[k][position[k]]);
  return std::nullopt;
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
  auto first = module.lookupSymbol<func::FuncOp>(stageFunctionName(function, 0));
  stage.dataArgs = first.getNumArguments();
  stage.received = stage.forward.getNumArguments() - stage.dataArgs;
  for (unsigned i = stage.dataArgs; i < stage.forward.getNumArguments(); ++i)
    if (stage.forward.getArgAttr(i, kDifferentiableAttrName))
      ++stage.differentiableInputs;
  stage.seededOutputs =
      stage.gradient.getNumArguments() - stage.forward.getNumArguments();
  stage.paramGrads = stage.gradient.getNumResults() -
                     stage.forward.getNumResults() -
                     stage.differentiableInputs;
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
    argTypes.push_back(stackedType(
        cast<RankedTensorType>(stage.forward.getArgumentTypes()[i]),
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
    auto sender = module.lookupSymbol<func::FuncOp>(
        stageFunctionName(function, from));
    for (unsigned i = 0; i < sender.getNumResults(); ++i) {
      fromPrevious.push_back(pairs(from, index));
      toPrevious.push_back(pairs(index, from));
    }
  }

  SmallVector<SmallVector<Value>> inputs(microBatches);
  auto inputsOf = [&](int64_t m) -> SmallVector<Value> & {
    SmallVector<Value> &values = inputs[m];
    if (values.empty()) {
      for (unsigned i = 0; i < stage.dataArgs; ++i)
        values.push_back(microBatchOf(builder, loc, body->getArgument(i), m));
      // What the predecessors sent; kept until the backward.
      for (unsigned i = 0; i < stage.received; ++i)
        values.push_back(traced(
            RecvOp::create(
                builder, loc,
                stage.forward.getArgumentTypes()[stage.dataArgs + i],
                fromPrevious[i]),
            "recv F" + Twine(m)));
    }
    return values;
  };
  Value loss;
  SmallVector<Value> grads(stage.paramGrads);
  for (Slot slot : order) {
    SmallVector<Value> &values = inputsOf(slot.microBatch);
    if (!slot.backward) {
      if (last)
        continue; // the backward includes it
      auto call = traced(
          func::CallOp::create(builder, loc, stage.forward, values),
          "F" + Twine(slot.microBatch));
      for (Value output : call.getResults())
        traced(SendOp::create(builder, loc, output, toNext),
               "send F" + Twine(slot.microBatch));
      continue;
    }
    SmallVector<Value> operands(values);
    unsigned seeds = stage.seededOutputs;
    for (unsigned i = 0; i < seeds; ++i)
      operands.push_back(traced(
          RecvOp::create(builder, loc,
                         stage.gradient.getArgumentTypes()
                             [stage.forward.getNumArguments() + i],
                         fromNext),
          "recv B" + Twine(slot.microBatch)));
    auto call =
        traced(func::CallOp::create(builder, loc, stage.gradient, operands),
               "B" + Twine(slot.microBatch));
    if (last)
      loss = loss ? AddOp::create(builder, loc, lossType, loss,
                                  call.getResult(0))
                        .getResult()
                  : call.getResult(0);
    for (unsigned i = 0; i < stage.paramGrads; ++i) {
      Value grad = call.getResult(firstParamGrad + i);
      grads[i] = grads[i] ? AddOp::create(builder, loc, grad.getType(),
                                          grads[i], grad)
                                .getResult()
                          : grad;
    }
    // Cotangents of the differentiable received values, in argument order.
    unsigned cotangent = firstParamGrad + stage.paramGrads;
    for (unsigned i = 0; i < stage.received; ++i)
      if (stage.forward.getArgAttr(stage.dataArgs + i, kDifferentiableAttrName))
        traced(SendOp::create(builder, loc, call.getResult(cotangent++),
                              toPrevious[i]),
               "send B" + Twine(slot.microBatch));
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
  SmallVector<SmallVector<Slot>> orders;
  for (int64_t k = 0; k < layout->stages; ++k)
    orders.push_back(oneForwardOneBackward(k, *layout, microBatches,
                                           stages[k].hasBackward()));
  if (auto stuck = findDeadlock(orders, stages, *layout)) {
    module.emitError() << "starch-pipeline-schedule: stage " << stuck->first
                       << " would wait forever at the "
                       << (stuck->second.backward ? "backward" : "forward")
                       << " of micro-batch " << stuck->second.microBatch;
    return signalPassFailure();
  }
  for (int64_t k = 0; k < layout->stages; ++k) {
    build(module, *layout, k, stages[k], orders[k], lossType);
    if (verbose) {
      llvm::errs() << "starch-pipeline-schedule: stage " << k << ":";
      for (Slot slot : orders[k])
        llvm::errs() << " " << (slot.backward ? "B" : "F") << slot.microBatch;
      llvm::errs() << "\n";
    }
  }
}

} // namespace
