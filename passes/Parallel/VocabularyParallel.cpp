//===- VocabularyParallel.cpp - Split embeddings, LM head and loss --------===//
#include "passes/Parallel/VocabularyParallel.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

namespace starch {
namespace {

bool inLayer(Operation *op) { return op->hasAttr(kLayerAttrName); }

RankedTensorType typeOf(Value v) { return cast<RankedTensorType>(v.getType()); }

Value splat(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  return ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(type,
                             FloatAttr::get(type.getElementType(), value)));
}

} // namespace

BlockStarts::BlockStarts(func::FuncOp function, ArrayAttr groups)
    : function_(function), groups_(groups) {}

int64_t BlockStarts::parts() const {
  return cast<DenseI64ArrayAttr>(groups_[0]).size();
}

Value BlockStarts::get(OpBuilder &b, Type type, int64_t size) {
  Value &start = starts_[{type, size}];
  if (start)
    return start;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&function_.getBody().front());
  Location loc = function_.getLoc();
  SmallVector<APInt> firsts;
  for (int64_t i = 0; i < parts(); ++i)
    firsts.push_back(APInt(type.getIntOrFloatBitWidth(), i * size));
  auto all = RankedTensorType::get({parts()}, type);
  Value table = ConstantOp::create(b, loc, DenseElementsAttr::get(all, firsts));
  start = LocalBlockOp::create(b, loc, RankedTensorType::get({1}, type), table,
                               /*dim=*/0, groups_);
  return start;
}

llvm::SmallPtrSet<Operation *, 8> vocabularyOps(func::FuncOp function) {
  llvm::SmallPtrSet<Operation *, 8> ops;
  for (Operation &op : function.getBody().front()) {
    if (inLayer(&op))
      continue;
    if (auto gather = dyn_cast<GatherOp>(op)) {
      auto table = typeOf(gather.getData());
      if (gather.getAxis() == 0 && table.getRank() == 2 &&
          isa<FloatType>(table.getElementType()) &&
          gather.getData().getDefiningOp<ReadParamOp>())
        ops.insert(&op);
      continue;
    }
    auto loss = dyn_cast<CrossEntropyOp>(op);
    if (!loss)
      continue;
    SmallVector<Operation *> chain{&op};
    Value logits = loss.getLogits();
    while (auto reshape = logits.getDefiningOp<ReshapeOp>()) {
      chain.push_back(reshape);
      logits = reshape.getInput();
    }
    auto head = logits.getDefiningOp<MatmulOp>();
    if (!head || inLayer(head))
      continue;
    chain.push_back(head);
    ops.insert(chain.begin(), chain.end());
  }
  return ops;
}

void gatherFromBlock(OpBuilder &builder, GatherOp gather,
                     BlockStarts &starts) {
  int64_t size = typeOf(gather.getData()).getDimSize(gather.getAxis());
  gather.getOffsetMutable().assign(starts.get(
      builder, typeOf(gather.getIndices()).getElementType(), size));
}

void crossEntropyFromBlocks(OpBuilder &b, CrossEntropyOp loss,
                            BlockStarts &starts) {
  b.setInsertionPoint(loss);
  Location loc = loss.getLoc();
  Value logits = loss.getLogits(), labels = loss.getLabels();
  RankedTensorType logitsType = typeOf(logits), labelsType = typeOf(labels);
  int64_t classes = logitsType.getRank() - 1;
  ArrayAttr groups = starts.groups();
  ArrayRef<int64_t> positions = labelsType.getShape();
  auto rowsOf = [&](Type element) {
    return RankedTensorType::get(positions, element);
  };
  Type f64 = b.getF64Type();

  // The largest logit of each position over the group: the shift of the
  // exp-sums (any shift gives the loss; this one keeps exp in range).
  Value ownMax = ReduceOp::create(b, loc, rowsOf(logitsType.getElementType()),
                                  ReduceKind::max, logits,
                                  b.getDenseI64ArrayAttr({classes}));
  Value max = AllReduceOp::create(b, loc, ownMax.getType(), ownMax,
                                  CollectiveKind::max, groups);
  Value start = starts.get(b, labelsType.getElementType(),
                           logitsType.getDimSize(classes));
  SmallVector<int64_t> pairShape(positions);
  pairShape.push_back(2);
  auto pairsType = RankedTensorType::get(pairShape, f64);
  Value own = CrossEntropyBlockOp::create(b, loc, pairsType, logits, labels,
                                          start, max);
  Value sums =
      AllReduceOp::create(b, loc, pairsType, own, CollectiveKind::sum, groups);

  // Column `column` of the summed pairs, one f64 per position.
  auto column = [&](int64_t c) -> Value {
    SmallVector<int64_t> first(pairShape.size(), 0), limit(pairShape);
    first.back() = c;
    limit.back() = c + 1;
    SmallVector<int64_t> strides(pairShape.size(), 1), sliceShape(positions);
    sliceShape.push_back(1);
    Value slice = SliceOp::create(
        b, loc, RankedTensorType::get(sliceShape, f64), sums,
        b.getDenseI64ArrayAttr(first), b.getDenseI64ArrayAttr(limit),
        b.getDenseI64ArrayAttr(strides));
    return ReshapeOp::create(b, loc, rowsOf(f64), slice);
  };
  Value terms =
      SubOp::create(b, loc, rowsOf(f64),
                    LogOp::create(b, loc, rowsOf(f64), column(0)), column(1));
  // The mean over scored positions, 0 when none is (starch.cross_entropy).
  Value scored = ConvertOp::create(
      b, loc, rowsOf(f64),
      CompareOp::create(
          b, loc, rowsOf(b.getI1Type()), CompareDirection::ne, labels,
          ConstantOp::create(
              b, loc,
              DenseElementsAttr::get(
                  labelsType, IntegerAttr::get(labelsType.getElementType(),
                                               static_cast<int64_t>(
                                                   loss.getIgnoreIndex()))))));
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < labelsType.getRank(); ++d)
    all.push_back(d);
  auto scalar = RankedTensorType::get({}, f64);
  Value total =
      ReduceOp::create(b, loc, scalar, ReduceKind::sum,
                       MulOp::create(b, loc, rowsOf(f64), terms, scored),
                       b.getDenseI64ArrayAttr(all));
  Value count = ReduceOp::create(b, loc, scalar, ReduceKind::sum, scored,
                                 b.getDenseI64ArrayAttr(all));
  Value mean = DivOp::create(
      b, loc, scalar, total,
      MaxOp::create(b, loc, scalar, count, splat(b, loc, scalar, 1.0)));
  Value result = ConvertOp::create(b, loc, loss.getType(), mean);
  for (Operation *op :
       {ownMax.getDefiningOp(), max.getDefiningOp(), own.getDefiningOp(),
        sums.getDefiningOp(), result.getDefiningOp()})
    for (NamedAttribute attr : loss->getDiscardableAttrs())
      op->setAttr(attr.getName(), attr.getValue());
  loss.getResult().replaceAllUsesWith(result);
  loss.erase();
}

} // namespace starch
