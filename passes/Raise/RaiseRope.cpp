//===- RaiseRope.cpp - rotary position embedding --------------------------===//
//
// Hugging Face applies RoPE as
//   x * cos + rotate_half(x) * sin,  rotate_half(x) = cat(-x2, x1)
// on B x H x S x D tensors, with cos/sin tables of B|1 x S x D unsqueezed
// and broadcast over the heads.
//
//===----------------------------------------------------------------------===//
#include "passes/Raise/RaiseMatchers.h"
#include "passes/Raise/RaisePatterns.h"

using namespace mlir;

namespace starch::raise {
namespace {

/// True if `value` is x[..., begin:end] over the last dimension (stride 1).
bool isLastDimSlice(Value value, Value x, int64_t begin, int64_t end) {
  auto slice = definingOp<SliceOp>(value);
  if (!slice || slice.getInput() != x)
    return false;
  auto shape = llvm::cast<RankedTensorType>(x.getType()).getShape();
  int64_t last = shape.size() - 1;
  for (int64_t d = 0; d < last; ++d)
    if (slice.getStart()[d] != 0 || slice.getLimit()[d] != shape[d] ||
        slice.getStrides()[d] != 1)
      return false;
  return slice.getStart()[last] == begin && slice.getLimit()[last] == end &&
         slice.getStrides()[last] == 1;
}

/// True if `value` is rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2]).
bool isRotateHalf(Value value, Value x) {
  auto concat = definingOp<ConcatOp>(value);
  auto type = llvm::cast<RankedTensorType>(x.getType());
  int64_t last = type.getRank() - 1, size = type.getDimSize(last);
  if (!concat || concat.getAxis() != last || concat.getInputs().size() != 2)
    return false;
  auto negated = definingOp<NegOp>(concat.getInputs()[0]);
  return negated && isLastDimSlice(negated.getInput(), x, size / 2, size) &&
         isLastDimSlice(concat.getInputs()[1], x, 0, size / 2);
}

/// If `value` broadcasts a b x 1 x S x D table (b = 1 or B) over the heads
/// of `like` (B x H x S x D), returns the table.
Value matchHeadBroadcastTable(Value value, RankedTensorType like) {
  auto broadcast = definingOp<BroadcastOp>(value);
  if (!broadcast || broadcast.getType() != like ||
      broadcast.getDims() != ArrayRef<int64_t>{0, 1, 2, 3})
    return {};
  auto table = broadcast.getInput().getType();
  if (table.getDimSize(1) != 1 ||
      (table.getDimSize(0) != 1 && table.getDimSize(0) != like.getDimSize(0)) ||
      table.getDimSize(2) != like.getDimSize(2) ||
      table.getDimSize(3) != like.getDimSize(3))
    return {};
  return broadcast.getInput();
}

/// The B x S x D form rope expects of a b x 1 x S x D table.
Value toRopeTable(PatternRewriter &rewriter, Operation *root, Value table,
                  RankedTensorType like) {
  Location loc = root->getLoc();
  auto type = llvm::cast<RankedTensorType>(table.getType());
  auto squeezedType = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(2), type.getDimSize(3)},
      type.getElementType());
  auto squeezed = ReshapeOp::create(rewriter, loc, squeezedType, table);
  copyLayerTag(root, squeezed);
  if (type.getDimSize(0) == like.getDimSize(0))
    return squeezed;
  auto fullType = RankedTensorType::get(
      {like.getDimSize(0), type.getDimSize(2), type.getDimSize(3)},
      type.getElementType());
  auto broadcast = BroadcastOp::create(
      rewriter, loc, fullType, squeezed, rewriter.getDenseI64ArrayAttr({0, 1, 2}));
  copyLayerTag(root, broadcast);
  return broadcast;
}

struct RaiseRope : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp root,
                                PatternRewriter &rewriter) const override {
    auto type = root.getType();
    if (type.getRank() != 4 || type.getDimSize(3) % 2 != 0 ||
        !isa<FloatType>(type.getElementType()))
      return failure();
    Value lhs = root.getLhs(), rhs = root.getRhs();
    for (int swap = 0; swap < 2; ++swap, std::swap(lhs, rhs)) {
      auto cosProduct = definingOp<MulOp>(lhs);
      auto sinProduct = definingOp<MulOp>(rhs);
      if (!cosProduct || !sinProduct)
        continue;
      // Find x, cos in the first product and rotate_half(x), sin in the other.
      for (auto [x, cosB] : {std::pair(cosProduct.getLhs(), cosProduct.getRhs()),
                             std::pair(cosProduct.getRhs(), cosProduct.getLhs())}) {
        Value cosTable = matchHeadBroadcastTable(cosB, type);
        if (!cosTable)
          continue;
        for (auto [rotated, sinB] :
             {std::pair(sinProduct.getLhs(), sinProduct.getRhs()),
              std::pair(sinProduct.getRhs(), sinProduct.getLhs())}) {
          Value sinTable = matchHeadBroadcastTable(sinB, type);
          if (!sinTable || !isRotateHalf(rotated, x) ||
              sinTable.getType() != cosTable.getType())
            continue;
          Value cos = toRopeTable(rewriter, root, cosTable, type);
          Value sin = toRopeTable(rewriter, root, sinTable, type);
          auto rope = RopeOp::create(rewriter, root.getLoc(), type, x, cos, sin);
          copyLayerTag(root, rope);
          rewriter.replaceOp(root, rope.getResult());
          return success();
        }
      }
    }
    return rewriter.notifyMatchFailure(root, "not x * cos + rotate_half(x) * sin");
  }
};

} // namespace

void populateRopePatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseRope>(patterns.getContext());
}

} // namespace starch::raise
