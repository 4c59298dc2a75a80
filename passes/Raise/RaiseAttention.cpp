//===- RaiseAttention.cpp - scaled dot-product attention ------------------===//
//
// Attention arrives as softmax(scale * q k^T + mask) v on B x H x S x D
// tensors. Exporters differ in where the scale sits (on the scores, or its
// square root on q and on k), in how grouped key/value heads are repeated
// (reshape, broadcast over a new axis, reshape), and in how the mask is made
// (a folded constant, or a value computed from inputs). A folded mask that
// is causal or full, with or without a sliding window, becomes the op's
// mask kind; Gemma2's soft-capped scores, cap * tanh(s / cap), its softcap.
// The pattern roots at the final matmul with the values.
//
//===----------------------------------------------------------------------===//
#include "passes/Raise/RaiseMatchers.h"
#include "passes/Raise/RaisePatterns.h"
#include "runtime/kernels/Attention.h"

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

/// If `expanded` is broadcast(reshape(k)) taking a B x Hkv x T x D tensor to
/// B x Hkv x n x T x D (the middle of Hugging Face's repeat_kv), returns k.
Value unexpandHeads(Value expanded) {
  auto expand = definingOp<BroadcastOp>(expanded);
  auto split = expand ? definingOp<ReshapeOp>(expand.getInput()) : ReshapeOp();
  if (!split)
    return {};
  auto base = tensorTypeOf(split.getInput());
  auto type = expand.getType();
  if (base.getRank() != 4 || type.getRank() != 5 ||
      expand.getDims() != ArrayRef<int64_t>{0, 1, 2, 3, 4} ||
      split.getType().getShape() !=
          ArrayRef<int64_t>{base.getDimSize(0), base.getDimSize(1), 1,
                            base.getDimSize(2), base.getDimSize(3)} ||
      type.getDimSize(0) != base.getDimSize(0) ||
      type.getDimSize(1) != base.getDimSize(1))
    return {};
  return split.getInput();
}

/// If `value` repeats the heads of a B x Hkv x T x D tensor n times
/// (repeat_kv: reshape, broadcast, reshape), returns that tensor; otherwise
/// `value`.
Value unrepeatHeads(Value value) {
  auto merge = definingOp<ReshapeOp>(value);
  if (!merge)
    return value;
  Value base = unexpandHeads(merge.getInput());
  if (!base || tensorTypeOf(value).getDimSize(1) !=
                   tensorTypeOf(merge.getInput()).getDimSize(1) *
                       tensorTypeOf(merge.getInput()).getDimSize(2))
    return value;
  return base;
}

/// If `value` is k^T spelled through 3-D batched layout, as the dynamo
/// exporter writes it: reshape(transpose(reshape(x) : (B*H) x T x D,
/// [0, 2, 1])) : B x H x D x T, returns x's keys (B x Hkv x T x D, head
/// repetition undone).
Value matchFlattenedKeyTranspose(Value value, double &scale) {
  auto outer = definingOp<ReshapeOp>(value);
  auto transpose =
      outer ? definingOp<TransposeOp>(outer.getInput()) : TransposeOp();
  auto inner =
      transpose ? definingOp<ReshapeOp>(transpose.getInput()) : ReshapeOp();
  if (!inner || transpose.getPerm() != ArrayRef<int64_t>{0, 2, 1} ||
      outer.getType().getRank() != 4)
    return {};
  Value x = peelScale(inner.getInput(), scale);
  auto source = tensorTypeOf(x);
  auto keysT = outer.getType(); // B x H x D x T
  int64_t rank = source.getRank();
  if (rank < 4 || source.getDimSize(0) != keysT.getDimSize(0) ||
      source.getDimSize(rank - 1) != keysT.getDimSize(2) ||
      source.getDimSize(rank - 2) != keysT.getDimSize(3) ||
      inner.getType().getDimSize(0) !=
          keysT.getDimSize(0) * keysT.getDimSize(1))
    return {};
  if (rank == 4)
    return source.getDimSize(1) == keysT.getDimSize(1) ? unrepeatHeads(x)
                                                       : Value();
  if (rank == 5 &&
      source.getDimSize(1) * source.getDimSize(2) == keysT.getDimSize(1))
    return unexpandHeads(x);
  return {};
}

struct ScoreParts {
  Value query; // B x Hq x S x D
  /// Keys before head repetition; when `keyPerm` is set they still need that
  /// transpose to become B x Hkv x T x D (exporters fuse the head split and
  /// the k^T transpose into one).
  Value key;
  SmallVector<int64_t> keyPerm;
  double scale = 1.0;
  /// A multiply by a constant applied to the query projection before the
  /// head split (Whisper scales q_proj's output); folded into `scale`.
  MulOp queryScale;
};

/// Looks through the single-use reshapes and transposes that split q into
/// heads for a single-use multiply by a constant; returns it and its factor.
MulOp findScaleBeforeHeadSplit(Value query, double &factor) {
  Value value = query;
  while (isa_and_nonnull<ReshapeOp, TransposeOp>(value.getDefiningOp()) &&
         value.hasOneUse())
    value = value.getDefiningOp()->getOperand(0);
  auto mul = definingOp<MulOp>(value);
  if (!mul || value == query || !mul->hasOneUse())
    return {};
  if (auto c = splatValue(mul.getRhs())) {
    factor = *c;
    return mul;
  }
  return {};
}

/// Matches scale * q k^T in its spellings.
std::optional<ScoreParts> matchScores(Value scores) {
  ScoreParts parts;
  auto product = definingOp<MatmulOp>(peelScale(scores, parts.scale));
  if (!product || product.getType().getRank() != 4 ||
      product.getTransposeLhs() || product.getTransposeRhs())
    return std::nullopt;
  parts.query = peelScale(product.getLhs(), parts.scale);
  double factor = 1.0;
  if ((parts.queryScale = findScaleBeforeHeadSplit(parts.query, factor)))
    parts.scale *= factor;
  Value keysT = peelScale(product.getRhs(), parts.scale);
  if (Value key = matchFlattenedKeyTranspose(keysT, parts.scale)) {
    parts.key = key;
    return parts;
  }
  auto transpose = definingOp<TransposeOp>(keysT);
  if (!transpose)
    return std::nullopt;
  // k^T = transpose(x, P) means k = transpose(x, Q) with Q = P whose last two
  // entries are swapped; Q must keep the batch dimension first.
  SmallVector<int64_t> perm(transpose.getPerm());
  std::swap(perm[2], perm[3]);
  if (perm[0] != 0)
    return std::nullopt;
  Value source = peelScale(transpose.getInput(), parts.scale);
  if (perm == SmallVector<int64_t>{0, 1, 2, 3}) {
    parts.key = unrepeatHeads(source);
  } else {
    parts.key = source;
    parts.keyPerm = perm;
  }
  return parts;
}

/// If `scores` is cap * tanh(x / cap) (Gemma2's logit soft-capping),
/// returns tanh's operand and sets `softcap`. The division may be merged
/// into the attention's scale (or, for a cap of 1, be gone with the outer
/// product): the caller multiplies the scale it finds under the tanh by the
/// cap.
Value peelSoftcap(Value scores, double &softcap) {
  double outer = 1.0;
  auto tanh = definingOp<TanhOp>(peelScale(scores, outer));
  if (!tanh || outer <= 0 || !std::isfinite(outer))
    return {};
  softcap = outer;
  return tanh.getInput();
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

/// A constant mask as starch.attention states it: its kind and sliding
/// window (0: none).
struct MaskShape {
  AttentionMaskKind kind;
  int64_t window;
};

/// Classifies a constant additive mask (queries are the last of the keys):
/// full or causal, either with a sliding window, or neither. Each row must
/// be 0 on the keys the rule shows and masked out on the others.
std::optional<MaskShape> classifyConstantMask(Value mask) {
  DenseElementsAttr dense;
  if (!matchPattern(skipRestating(mask), m_Constant(&dense)) ||
      !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  auto type = tensorTypeOf(mask);
  int64_t queries = type.getDimSize(2), keys = type.getDimSize(3);
  // Read in place (a folded mask can hold S x T elements); each pass stops
  // at its first mismatch.
  auto values = dense.getValues<APFloat>();
  auto valueAt = [&](int64_t index) { return values[index].convertToDouble(); };
  int64_t count = type.getNumElements();
  auto fits = [&](bool causal, int64_t window) {
    for (int64_t index = 0; index < count; ++index) {
      int64_t key = index % keys, query = (index / keys) % queries;
      int64_t position = query + (keys - queries);
      bool visible =
          rt::visibleKeyRange(causal, window, position, keys).contains(key);
      double value = valueAt(index);
      // A hidden key must be masked out; NaN is not.
      if (visible ? value != 0.0 : !(value <= kMaskedOut))
        return false;
    }
    return true;
  };
  // The window is read off the last query row (it sees the most keys
  // before it) for causal masks, and off the first row for full ones.
  auto visibleIn = [&](int64_t query) {
    int64_t seen = 0;
    for (int64_t key = 0; key < keys; ++key)
      seen += valueAt(query * keys + key) == 0.0;
    return seen;
  };
  if (count == 0)
    return std::nullopt;
  for (bool causal : {false, true}) {
    int64_t seen = visibleIn(causal ? queries - 1 : 0);
    int64_t window = seen < keys ? seen : 0;
    if (fits(causal, 0))
      return MaskShape{
          causal ? AttentionMaskKind::causal : AttentionMaskKind::full, 0};
    if (window > 0 && fits(causal, window))
      return MaskShape{
          causal ? AttentionMaskKind::causal : AttentionMaskKind::full, window};
  }
  return std::nullopt;
}

struct RaiseAttention : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp root,
                                PatternRewriter &rewriter) const override {
    if (root.getType().getRank() != 4 || root.getTransposeLhs() ||
        root.getTransposeRhs())
      return failure();
    // select(isnan(p), 0, p) guards fully masked rows; causal and full masks
    // have none, so the guard is an identity there.
    Value probabilities = skipRestating(root.getLhs());
    bool nanGuard = false;
    if (auto select = definingOp<SelectOp>(probabilities)) {
      auto isNan = definingOp<CompareOp>(select.getCondition());
      if (isNan && isNan.getDirection() == CompareDirection::ne &&
          isNan.getLhs() == select.getOnFalse() &&
          isNan.getRhs() == select.getOnFalse() &&
          isSplat(select.getOnTrue(), 0.0)) {
        probabilities = select.getOnFalse();
        nanGuard = true;
      }
    }
    auto softmax = definingOp<SoftmaxOp>(probabilities);
    if (!softmax || softmax.getAxis() != 3)
      return rewriter.notifyMatchFailure(root, "no softmax over the keys");
    Value scores = skipRestating(softmax.getInput());
    std::optional<ScoreParts> parts;
    Value mask;
    double softcap = 0;
    // scale * q k^T, soft-capped or not.
    auto matchCapped = [&](Value value) {
      if (Value capped = peelSoftcap(value, softcap))
        if (auto found = matchScores(capped)) {
          found->scale *= softcap; // tanh reads scale * q k^T / softcap
          return found;
        }
      softcap = 0;
      return matchScores(value);
    };
    if (auto add = definingOp<AddOp>(scores)) {
      if ((parts = matchCapped(add.getLhs())))
        mask = add.getRhs();
      else if ((parts = matchCapped(add.getRhs())))
        mask = add.getLhs();
    }
    if (!parts)
      parts = matchCapped(scores);
    if (!parts)
      return rewriter.notifyMatchFailure(root, "scores are not scale * q k^T");

    Value value = unrepeatHeads(root.getRhs());
    auto q = tensorTypeOf(parts->query), v = tensorTypeOf(value);
    RankedTensorType k = tensorTypeOf(parts->key);
    if (!parts->keyPerm.empty()) {
      SmallVector<int64_t> shape;
      for (int64_t p : parts->keyPerm)
        shape.push_back(k.getDimSize(p));
      k = RankedTensorType::get(shape, k.getElementType());
    }
    if (q.getRank() != 4 || k != v || k.getDimSize(3) != q.getDimSize(3) ||
        q.getDimSize(1) % k.getDimSize(1) != 0 || q != root.getType() ||
        !std::isfinite(parts->scale) || parts->scale <= 0)
      return rewriter.notifyMatchFailure(root, "q, k, v do not line up");

    AttentionMaskKind kind = AttentionMaskKind::full;
    int64_t window = 0;
    Value bias;
    if (mask) {
      bias = unbroadcastMask(mask);
      if (auto constantMask = classifyConstantMask(bias)) {
        kind = constantMask->kind;
        window = constantMask->window;
        bias = {};
      } else {
        kind = AttentionMaskKind::additive;
      }
    }
    if (nanGuard && kind == AttentionMaskKind::additive)
      return rewriter.notifyMatchFailure(
          root, "a NaN guard with a general mask may see fully masked rows");
    if (MulOp queryScale = parts->queryScale)
      rewriter.replaceAllUsesWith(queryScale.getResult(), queryScale.getLhs());
    Value key = parts->key;
    if (!parts->keyPerm.empty()) {
      auto transpose =
          TransposeOp::create(rewriter, root.getLoc(), k, key,
                              rewriter.getDenseI64ArrayAttr(parts->keyPerm));
      copyLayerTag(root, transpose);
      key = transpose;
    }
    auto attention = AttentionOp::create(
        rewriter, root.getLoc(), root.getType(), parts->query, key, value, bias,
        /*bits=*/Value(), /*positions=*/Value(), kind,
        llvm::APFloat(parts->scale),
        window ? rewriter.getI64IntegerAttr(window) : IntegerAttr(),
        softcap ? rewriter.getF64FloatAttr(softcap) : FloatAttr());
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
