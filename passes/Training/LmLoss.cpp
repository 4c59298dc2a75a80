//===- LmLoss.cpp - Causal-LM loss on a forward function ------------------===//
//
// The training objective of a decoder LLM: the logits at each position
// predict the next label. The shift moves the labels, not the logits: the
// labels become labels[:, 1:] followed by the ignore index, so the last
// position is scored against nothing and the logits (B x S x V, the step's
// largest activation) are neither sliced nor, in the backward, padded. The
// loss function stays a plain straight-line body that starch-autodiff
// differentiates.
//
//===----------------------------------------------------------------------===//
#include "passes/Training/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace starch {
#define GEN_PASS_DEF_STARCHLMLOSS
#include "passes/Training/Passes.h.inc"
} // namespace starch

using namespace mlir;
using namespace starch;

namespace {

/// Erases ops without uses or side effects, last first, so chains that only
/// fed dropped outputs disappear.
void eraseDeadOps(Block &block) {
  bool changed = true;
  while (changed) {
    changed = false;
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
      if (op.use_empty() && isMemoryEffectFree(&op) &&
          !op.hasTrait<OpTrait::IsTerminator>()) {
        op.erase();
        changed = true;
      }
  }
}

struct StarchLmLossPass
    : public starch::impl::StarchLmLossBase<StarchLmLossPass> {
  using StarchLmLossBase::StarchLmLossBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    auto forward = symbols.lookup<func::FuncOp>(function);
    if (!forward || forward.isExternal()) {
      module.emitError() << "starch-lm-loss: no function @" << function;
      return signalPassFailure();
    }
    if (symbols.lookup(lossFunction)) {
      forward.emitError() << "starch-lm-loss: cannot create @" << lossFunction
                          << ": the name is taken";
      return signalPassFailure();
    }
    if (logitsResult >= forward.getNumResults()) {
      forward.emitError() << "starch-lm-loss: @" << function << " has "
                          << forward.getNumResults() << " results; there is "
                          << "no result #" << static_cast<unsigned>(logitsResult);
      return signalPassFailure();
    }
    auto logitsType =
        dyn_cast<RankedTensorType>(forward.getResultTypes()[logitsResult]);
    if (!logitsType || logitsType.getRank() != 3 ||
        !isa<FloatType>(logitsType.getElementType()) ||
        logitsType.getDimSize(1) < 2) {
      forward.emitError() << "starch-lm-loss: result #" << static_cast<unsigned>(logitsResult)
                          << " of @" << function << " has type "
                          << forward.getResultTypes()[logitsResult]
                          << "; causal-LM logits are float B x S x V with "
                             "S >= 2";
      return signalPassFailure();
    }
    int64_t batch = logitsType.getDimSize(0), length = logitsType.getDimSize(1);

    func::FuncOp loss = forward.clone();
    loss.setName(lossFunction);
    module.getBody()->getOperations().insertAfter(forward->getIterator(), loss);
    Block &body = loss.getBody().front();
    MLIRContext *context = &getContext();
    auto labelsType =
        RankedTensorType::get({batch, length}, IntegerType::get(context, 64));
    BlockArgument labels = body.addArgument(labelsType, loss.getLoc());

    auto ret = cast<func::ReturnOp>(body.getTerminator());
    OpBuilder builder(ret);
    Location loc = ret.getLoc();
    Value logits = ret.getOperand(logitsResult);
    Value scored = labels;
    if (auto unscored = loss->getAttrOfType<DenseI64ArrayAttr>(
            "starch.unscored_tokens")) {
      Value ids = body.getArgument(0);
      if (ids.getType() != labelsType) {
        forward.emitError() << "starch-lm-loss: starch.unscored_tokens needs "
                               "the token ids as argument 0, of type "
                            << labelsType;
        return signalPassFailure();
      }
      auto flagsType = RankedTensorType::get(labelsType.getShape(),
                                             builder.getI1Type());
      auto splat = [&](int64_t value) -> Value {
        return ConstantOp::create(builder, loc,
                                  DenseElementsAttr::get(labelsType, value));
      };
      for (int64_t token : unscored.asArrayRef()) {
        Value hit = CompareOp::create(builder, loc, flagsType,
                                      CompareDirection::eq, ids, splat(token));
        scored = SelectOp::create(builder, loc, labelsType, hit,
                                  splat(ignoreIndex), scored);
      }
    }
    Value nextLabels = SliceOp::create(
        builder, loc,
        RankedTensorType::get({batch, length - 1}, labelsType.getElementType()),
        scored, builder.getDenseI64ArrayAttr({0, 1}),
        builder.getDenseI64ArrayAttr({batch, length}),
        builder.getDenseI64ArrayAttr({1, 1}));
    Value nothing = ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({batch, 1}, labelsType.getElementType()),
            static_cast<int64_t>(ignoreIndex)));
    Value shiftedLabels = ConcatOp::create(builder, loc, labelsType,
                                           ValueRange{nextLabels, nothing},
                                           builder.getI64IntegerAttr(1));
    Value value = CrossEntropyOp::create(
        builder, loc, RankedTensorType::get({}, logitsType.getElementType()),
        logits, shiftedLabels, builder.getI64IntegerAttr(ignoreIndex));
    func::ReturnOp::create(builder, loc, value);
    ret.erase();
    // The labels' classes, for the program's data (CppEmitter), however
    // later passes split the logits.
    getOperation()->setAttr(
        kVocabularySizeAttrName,
        builder.getI64IntegerAttr(logitsType.getShape().back()));
    eraseDeadOps(body);

    SmallVector<Type> argTypes(forward.getArgumentTypes());
    argTypes.push_back(labelsType);
    SmallVector<DictionaryAttr> argAttrs;
    for (unsigned i = 0; i < forward.getNumArguments(); ++i)
      argAttrs.push_back(forward.getArgAttrDict(i));
    argAttrs.push_back(builder.getDictionaryAttr(builder.getNamedAttr(
        kNameAttrName, builder.getStringAttr("labels"))));
    loss.setType(FunctionType::get(context, argTypes, value.getType()));
    loss.setAllArgAttrs(argAttrs);
    loss.setAllResultAttrs(ArrayRef<DictionaryAttr>{builder.getDictionaryAttr(
        builder.getNamedAttr(kNameAttrName, builder.getStringAttr("loss")))});
  }
};

} // namespace
