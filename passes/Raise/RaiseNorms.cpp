//===- RaiseNorms.cpp - rms_norm ------------------------------------------===//
//
// RMSNorm arrives as
//   w * (x * 1/sqrt(mean(x^2, -1, keepdim) + eps))
// with the reciprocal square root spelled rsqrt, reciprocal(sqrt) or
// 1 / sqrt, x^2 spelled pow(x, 2) or x * x, and keepdim spelled as a reshape
// and an explicit broadcast back to x's shape.
//
//===----------------------------------------------------------------------===//
#include "passes/Raise/RaiseMatchers.h"
#include "passes/Raise/RaisePatterns.h"

using namespace mlir;

namespace starch::raise {
namespace {

/// If `value` broadcasts a `... x 1` tensor back to the shape of `like`
/// along the last dimension, returns that tensor.
Value unwrapKeptLastDim(Value value, RankedTensorType like) {
  auto broadcast = definingOp<BroadcastOp>(value);
  if (!broadcast || broadcast.getType() != like)
    return {};
  auto kept = broadcast.getInput().getType();
  int64_t rank = like.getRank();
  if (kept.getRank() != rank || kept.getDimSize(rank - 1) != 1 ||
      kept.getShape().drop_back() != like.getShape().drop_back() ||
      broadcast.getDims() != ArrayRef<int64_t>(llvm::to_vector(llvm::seq<int64_t>(0, rank))))
    return {};
  return broadcast.getInput();
}

/// If `value` is 1 / sqrt(v + eps) in one of its spellings, returns v and
/// sets `epsilon`.
Value matchInverseRootPlusEpsilon(Value value, double &epsilon) {
  Value root;
  if (auto rsqrt = definingOp<RsqrtOp>(value)) {
    auto add = definingOp<AddOp>(rsqrt.getInput());
    if (!add)
      return {};
    root = add;
  } else {
    Value sqrtInput;
    if (auto reciprocal = definingOp<ReciprocalOp>(value)) {
      sqrtInput = reciprocal.getInput();
    } else if (auto div = definingOp<DivOp>(value); div && isSplat(div.getLhs(), 1.0)) {
      sqrtInput = div.getRhs();
    }
    auto sqrt = definingOp<SqrtOp>(sqrtInput);
    if (!sqrt)
      return {};
    root = sqrt.getInput();
  }
  auto add = definingOp<AddOp>(root);
  if (!add)
    return {};
  for (auto [v, eps] : {std::pair(add.getLhs(), add.getRhs()),
                        std::pair(add.getRhs(), add.getLhs())})
    if (std::optional<double> scalar = splatValue(eps)) {
      epsilon = *scalar;
      return v;
    }
  return {};
}

/// True if `value` is mean(x * x or x^2) over the last dimension, kept as a
/// size-1 dimension by a reshape.
bool isMeanSquareOverLastDim(Value value, Value x) {
  auto keepDim = definingOp<ReshapeOp>(value);
  auto reduce = keepDim ? definingOp<ReduceOp>(keepDim.getInput()) : ReduceOp();
  if (!reduce || reduce.getKind() != ReduceKind::mean ||
      reduce.getDims() != ArrayRef<int64_t>{llvm::cast<RankedTensorType>(x.getType()).getRank() - 1})
    return false;
  Value square = reduce.getInput();
  if (auto pow = definingOp<PowOp>(square))
    return pow.getLhs() == x && isSplat(pow.getRhs(), 2.0);
  auto mul = definingOp<MulOp>(square);
  return mul && mul.getLhs() == x && mul.getRhs() == x;
}

struct RaiseRmsNorm : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp root,
                                PatternRewriter &rewriter) const override {
    auto type = root.getType();
    if (!isa<FloatType>(type.getElementType()) || type.getRank() < 1)
      return failure();
    SmallVector<Value> factors = productFactors(root.getResult());
    if (factors.size() != 3)
      return rewriter.notifyMatchFailure(root, "not a product of three");
    int64_t rank = type.getRank();
    Value weight = takeFirst(factors, [&](Value v) {
      auto broadcast = definingOp<BroadcastOp>(v);
      return broadcast && broadcast.getInput().getType().getRank() == 1 &&
             broadcast.getDims() == ArrayRef<int64_t>{rank - 1};
    });
    if (!weight)
      return rewriter.notifyMatchFailure(root, "no weight broadcast");
    for (int candidate = 0; candidate < 2; ++candidate) {
      Value x = factors[candidate];
      Value inverse = unwrapKeptLastDim(factors[1 - candidate], type);
      double epsilon = 0;
      Value meanSquare = inverse ? matchInverseRootPlusEpsilon(inverse, epsilon)
                                 : Value();
      if (!meanSquare || !isMeanSquareOverLastDim(meanSquare, x))
        continue;
      Value weightVector = definingOp<BroadcastOp>(weight).getInput();
      auto norm = RmsNormOp::create(rewriter, root.getLoc(), type, x,
                                    weightVector,
                                    rewriter.getF64FloatAttr(epsilon));
      copyLayerTag(root, norm);
      rewriter.replaceOp(root, norm.getResult());
      return success();
    }
    return rewriter.notifyMatchFailure(root, "not an RMS normalisation");
  }
};

} // namespace

void populateNormPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseRmsNorm>(patterns.getContext());
}

} // namespace starch::raise
