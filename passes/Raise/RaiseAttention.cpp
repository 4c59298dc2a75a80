//===- RaiseAttention.cpp - scaled dot-product attention ------------------===//
//
// Attention arrives as softmax(scale * q k^T + mask) v on B x H x S x D
// tensors. Exporters differ in where the scale sits (on the scores, or its
// square root on q and on k), in how grouped key/value heads are repeated
// (reshape, broadcast over a new axis, reshape), and in how the mask is made
// (a folded constant, or a value computed from inputs). The pattern roots at
// the final matmul with the values.
//
//===----------------------------------------------------------------------===//
#include "passes/Raise/RaiseMatchers.h"
#include "passes/Raise/RaisePatterns.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;

namespace starch::raise {
namespace {

/// Scores more negative than this count as "masked out"; exporters use
/// -inf, the dtype's lowest value or -1e4..-1e9.
constexpr double kMaskedOut = -1.0e4;

RankedTensorType tensorTypeOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType());
}

/// Peels multiplications and divisions by splat constants off `value`,
/// folding them into `scale`.
Value peelScale(Value value, double &scale) {
  while (true) {
    value = skipRestating(value);
    if (auto mul = definingOp<MulOp>(value)) {
      if (auto c = splatValue(mul.getRhs())) {
        scale *= *c;
        value = mul.getLhs();
        continue;
      }
      if (auto c = splatValue(mul.getLhs())) {
        scale *= *c;
        value = mul.getRhs();
        continue;
      }
    }
    if (auto div = definingOp<DivOp>(value))
      if (auto c = splatValue(div.getRhs()); c && *c != 0.0) {
        scale /= *c;
        value = div.getLhs();
        continue;
      }
    return value;
  }
}

/// If `value` repeats the heads of a B x Hkv x T x D tensor n times
/// (Hugging Face's repeat_kv), returns that tensor; otherwise `value`.
Value unrepeatHeads(Value value) {
  auto merge = definingOp<ReshapeOp>(value);
  auto expand = merge ? definingOp<BroadcastOp>(merge.getInput()) : BroadcastOp();
  auto split = expand ? definingOp<ReshapeOp>(expand.getInput()) : ReshapeOp();
  if (!split)
    return value;
  auto base = tensorTypeOf(split.getInput());
  auto expanded = expand.getType();
  auto repeated = tensorTypeOf(value);
  if (base.getRank() != 4 || expanded.getRank() != 5 ||
      expand.getDims() != ArrayRef<int64_t>{0, 1, 2, 3, 4} ||
      split.getType().getShape() !=
          ArrayRef<int64_t>{base.getDimSize(0), base.getDimSize(1), 1,
                            base.getDimSize(2), base.getDimSize(3)} ||
      expanded.getDimSize(0) != base.getDimSize(0) ||
      expanded.getDimSize(1) != base.getDimSize(1) ||
      repeated.getDimSize(1) != base.getDimSize(1) * expanded.getDimSize(2))
    return value;
  return split.getInput();
}

struct ScoreParts {
  Value query, key; // before head repetition, B x H x S x D
  double scale = 1.0;
};

/// Matches scale * q k^T in its spellings.
std::optional<ScoreParts> matchScores(Value scores) {
  ScoreParts parts;
  auto product = definingOp<MatmulOp>(peelScale(scores, parts.scale));
  if (!product || product.getType().getRank() != 4)
    return std::nullopt;
  parts.query = peelScale(product.getLhs(), parts.scale);
  auto transpose =
      definingOp<TransposeOp>(peelScale(product.getRhs(), parts.scale));
  if (!transpose || transpose.getPerm() != ArrayRef<int64_t>{0, 1, 3, 2})
    return std::nullopt;
  parts.key = unrepeatHeads(peelScale(transpose.getInput(), parts.scale));
  return parts;
}

/// The mask operand before its broadcast over batch or heads.
Value unbroadcastMask(Value mask) {
  auto broadcast = definingOp<BroadcastOp>(mask);
  if (!broadcast || broadcast.getDims() != ArrayRef<int64_t>{0, 1, 2, 3})
    return mask;
  auto type = broadcast.getInput().getType();
  auto full = broadcast.getType();
  for (int d = 0; d < 2; ++d)
    if (type.getDimSize(d) != 1 && type.getDimSize(d) != full.getDimSize(d))
      return mask;
  if (type.getDimSize(2) != full.getDimSize(2) ||
      type.getDimSize(3) != full.getDimSize(3))
    return mask;
  return broadcast.getInput();
}

/// Classifies a constant additive mask: all zero, causal, or neither.
std::optional<AttentionMaskKind> classifyConstantMask(Value mask) {
  DenseElementsAttr dense;
  if (!matchPattern(skipRestating(mask), m_Constant(&dense)) ||
      !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  auto type = tensorTypeOf(mask);
  int64_t queries = type.getDimSize(2), keys = type.getDimSize(3);
  bool allZero = true, causal = true;
  int64_t index = 0;
  for (APFloat element : dense.getValues<APFloat>()) {
    double value = element.convertToDouble();
    int64_t key = index % keys, query = (index / keys) % queries;
    ++index;
    bool visible = key <= query + (keys - queries);
    allZero &= value == 0.0;
    causal &= visible ? value == 0.0 : value <= kMaskedOut;
    if (!allZero && !causal)
      return std::nullopt;
  }
  return allZero ? AttentionMaskKind::full : AttentionMaskKind::causal;
}

struct RaiseAttention : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp root,
                                PatternRewriter &rewriter) const override {
    if (root.getType().getRank() != 4)
      return failure();
    auto softmax = definingOp<SoftmaxOp>(skipRestating(root.getLhs()));
    if (!softmax || softmax.getAxis() != 3)
      return rewriter.notifyMatchFailure(root, "no softmax over the keys");
    Value scores = skipRestating(softmax.getInput());
    std::optional<ScoreParts> parts;
    Value mask;
    if (auto add = definingOp<AddOp>(scores)) {
      if ((parts = matchScores(add.getLhs())))
        mask = add.getRhs();
      else if ((parts = matchScores(add.getRhs())))
        mask = add.getLhs();
    }
    if (!parts)
      parts = matchScores(scores);
    if (!parts)
      return rewriter.notifyMatchFailure(root, "scores are not scale * q k^T");

    Value value = unrepeatHeads(root.getRhs());
    auto q = tensorTypeOf(parts->query), k = tensorTypeOf(parts->key),
         v = tensorTypeOf(value);
    if (q.getRank() != 4 || k != v || k.getDimSize(3) != q.getDimSize(3) ||
        q.getDimSize(1) % k.getDimSize(1) != 0 || q != root.getType() ||
        !std::isfinite(parts->scale) || parts->scale <= 0)
      return rewriter.notifyMatchFailure(root, "q, k, v do not line up");

    AttentionMaskKind kind = AttentionMaskKind::full;
    Value bias;
    if (mask) {
      bias = unbroadcastMask(mask);
      if (auto constantKind = classifyConstantMask(bias)) {
        kind = *constantKind;
        bias = {};
      } else {
        kind = AttentionMaskKind::additive;
      }
    }
    auto attention = AttentionOp::create(
        rewriter, root.getLoc(), root.getType(), parts->query, parts->key,
        value, bias, kind, llvm::APFloat(parts->scale));
    copyLayerTag(root, attention);
    rewriter.replaceOp(root, attention.getResult());
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttention>(patterns.getContext());
}

} // namespace starch::raise
