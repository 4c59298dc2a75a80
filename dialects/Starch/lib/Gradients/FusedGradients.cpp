//===- FusedGradients.cpp - Gradient rules of the fused ops ---------------===//
//
// Norms and rope differentiate in closed form from their inputs, recomputing
// the row statistics instead of saving them (cheap next to the matmuls).
//
//===----------------------------------------------------------------------===//
#include "GradientBuilders.h"

#include <cmath>

using namespace mlir;

namespace starch::grad {
namespace {

using Cotangents = MutableArrayRef<Value>;

SmallVector<int64_t> range(int64_t begin, int64_t end) {
  return llvm::to_vector(llvm::seq<int64_t>(begin, end));
}

/// dx of a normalisation whose statistics run over `normDims`:
/// inv (dxhat - [mean(dxhat)] - xhat mean(dxhat xhat)); the bracketed term
/// only when the mean was subtracted (layer norm).
Value normInputGradient(Math &m, Value xhat, Value inverse, Value dxhat,
                        ArrayRef<int64_t> normDims, bool centered) {
  RankedTensorType type = Math::typeOf(xhat);
  auto meanOver = [&](Value v) {
    return m.expandReduced(m.reduce(ReduceKind::mean, v, normDims), type,
                           normDims);
  };
  Value inner = m.sub(dxhat, m.mul(xhat, meanOver(m.mul(dxhat, xhat))));
  if (centered)
    inner = m.sub(inner, meanOver(dxhat));
  return m.mul(inverse, inner);
}

LogicalResult rmsNormRule(RmsNormOp op, Math &m, Value dy, ArrayRef<bool> needs,
                          Cotangents dxs) {
  Value x = op.getInput(), w = op.getWeight();
  RankedTensorType type = Math::typeOf(x);
  int64_t last = type.getRank() - 1;
  double epsilon = op.getEpsilonAttr().getValueAsDouble();
  Value meanSquare = m.reduce(ReduceKind::mean, m.mul(x, x), {last});
  Value inverse = m.expandReduced(
      m.unary<RsqrtOp>(m.add(meanSquare, m.splatLike(meanSquare, epsilon))),
      type, {last});
  Value xhat = m.mul(x, inverse);
  if (needs[1])
    dxs[1] = m.sum(m.mul(dy, xhat), range(0, last));
  if (needs[0]) {
    Value dxhat = m.mul(dy, m.broadcast(w, type, {last}));
    dxs[0] = normInputGradient(m, xhat, inverse, dxhat, {last},
                               /*centered=*/false);
  }
  return success();
}

LogicalResult layerNormRule(LayerNormOp op, Math &m, Value dy,
                            ArrayRef<bool> needs, Cotangents dxs) {
  Value x = op.getInput();
  RankedTensorType type = Math::typeOf(x);
  int64_t axis = op.getAxis();
  SmallVector<int64_t> normDims = range(axis, type.getRank());
  SmallVector<int64_t> rowDims = range(0, axis);
  double epsilon = op.getEpsilonAttr().getValueAsDouble();
  auto meanOver = [&](Value v) {
    return m.expandReduced(m.reduce(ReduceKind::mean, v, normDims), type,
                           normDims);
  };
  Value centered = m.sub(x, meanOver(x));
  Value variance = meanOver(m.mul(centered, centered));
  Value inverse =
      m.unary<RsqrtOp>(m.add(variance, m.splatLike(variance, epsilon)));
  Value xhat = m.mul(centered, inverse);
  if (needs[1])
    dxs[1] = m.sum(m.mul(dy, xhat), rowDims);
  if (needs[2])
    dxs[2] = m.sum(dy, rowDims);
  if (needs[0]) {
    Value dxhat = m.mul(dy, m.broadcast(op.getWeight(), type, normDims));
    dxs[0] = normInputGradient(m, xhat, inverse, dxhat, normDims,
                               /*centered=*/true);
  }
  return success();
}

/// rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2]) when `forward`; its
/// adjoint concat(x[..., D/2:], -x[..., :D/2]) otherwise.
Value rotateHalf(Math &m, Value x, bool forward) {
  RankedTensorType type = Math::typeOf(x);
  int64_t last = type.getRank() - 1, half = type.getDimSize(last) / 2;
  SmallVector<int64_t> zeros(type.getRank(), 0), full(type.getShape());
  SmallVector<int64_t> mid = zeros, midLimit = full;
  mid[last] = half;
  midLimit[last] = half;
  Value low = m.slice(x, zeros, midLimit), high = m.slice(x, mid, full);
  if (forward)
    high = m.neg(high);
  else
    low = m.neg(low);
  return ConcatOp::create(m.b, m.loc, type, ValueRange{high, low}, last);
}

LogicalResult ropeRule(RopeOp op, Math &m, Value dy, ArrayRef<bool> needs,
                       Cotangents dxs) {
  Value x = op.getInput();
  RankedTensorType type = Math::typeOf(x);
  SmallVector<int64_t> tableDims = {0, 2, 3};
  if (needs[0]) {
    Value cos = m.broadcast(op.getCos(), type, tableDims);
    Value sin = m.broadcast(op.getSin(), type, tableDims);
    dxs[0] = m.add(m.mul(dy, cos), rotateHalf(m, m.mul(dy, sin), false));
  }
  if (needs[1])
    dxs[1] = m.sum(m.mul(dy, x), {1});
  if (needs[2])
    dxs[2] = m.sum(m.mul(dy, rotateHalf(m, x, true)), {1});
  return success();
}

/// Key/value heads repeated for each query head of their group:
/// B x Hkv x T x D -> B x Hkv*G x T x D (the identity when G = 1).
Value expandHeads(Math &m, Value v, int64_t group) {
  if (group == 1)
    return v;
  RankedTensorType type = Math::typeOf(v);
  ArrayRef<int64_t> s = type.getShape();
  Type element = type.getElementType();
  auto unit = RankedTensorType::get({s[0], s[1], 1, s[2], s[3]}, element);
  auto grouped =
      RankedTensorType::get({s[0], s[1], group, s[2], s[3]}, element);
  Value spread = m.broadcast(m.reshape(v, unit), grouped, {0, 1, 2, 3, 4});
  return m.reshape(
      spread, RankedTensorType::get({s[0], s[1] * group, s[2], s[3]}, element));
}

/// The adjoint of expandHeads: sums each group's query-head cotangents.
Value sumHeadGroups(Math &m, Value v, RankedTensorType kvType, int64_t group) {
  if (group == 1)
    return v;
  ArrayRef<int64_t> s = kvType.getShape();
  auto grouped = RankedTensorType::get({s[0], s[1], group, s[2], s[3]},
                                       kvType.getElementType());
  return m.sum(m.reshape(v, grouped), {2});
}

LogicalResult attentionRule(AttentionOp op, Math &m, Value dy,
                            ArrayRef<bool> needs, Cotangents dxs) {
  // Recomputes the probabilities p = softmax(scale q k^T + mask), then
  // dv = p^T dy, ds = p (dp - sum(dp p)) with dp = dy v^T,
  // dq = scale ds k, dk = scale ds^T q, dbias = ds summed to the bias shape.
  Value q = op.getQuery();
  RankedTensorType qType = Math::typeOf(q), kType = Math::typeOf(op.getKey()),
                   vType = Math::typeOf(op.getValue());
  int64_t group = qType.getDimSize(1) / kType.getDimSize(1);
  int64_t s = qType.getDimSize(2), t = kType.getDimSize(2);
  double scale = op.getScaleAttr().getValueAsDouble();
  Value key = expandHeads(m, op.getKey(), group);
  Value value = expandHeads(m, op.getValue(), group);
  Value scores = m.scale(m.matmul(q, m.transposeLastTwo(key)), scale);
  RankedTensorType scoresType = Math::typeOf(scores);
  switch (op.getMask()) {
  case AttentionMaskKind::full:
    break;
  case AttentionMaskKind::causal: {
    SmallVector<bool> visible;
    for (int64_t row = 0; row < s; ++row)
      for (int64_t col = 0; col < t; ++col)
        visible.push_back(col <= row + (t - s));
    auto maskType = RankedTensorType::get({s, t}, m.b.getI1Type());
    Value mask = ConstantOp::create(m.b, m.loc,
                                    DenseElementsAttr::get(maskType, visible));
    auto fullMask =
        RankedTensorType::get(scoresType.getShape(), m.b.getI1Type());
    scores = SelectOp::create(m.b, m.loc, scoresType,
                              m.broadcast(mask, fullMask, {2, 3}), scores,
                              m.splat(scoresType, -INFINITY));
    break;
  }
  case AttentionMaskKind::additive:
    scores = m.add(scores, m.broadcast(op.getBias(), scoresType, {0, 1, 2, 3}));
    break;
  }
  Value p = m.softmax(scores, 3);
  if (needs[2])
    dxs[2] =
        sumHeadGroups(m, m.matmul(m.transposeLastTwo(p), dy), vType, group);
  if (!needs[0] && !needs[1] && !(op.getBias() && needs[3]))
    return success();
  Value dp = m.matmul(dy, m.transposeLastTwo(value));
  Value ds = m.mul(
      p, m.sub(dp, m.expandReduced(m.sum(m.mul(dp, p), {3}), scoresType, {3})));
  if (needs[0])
    dxs[0] = m.scale(m.matmul(ds, key), scale);
  if (needs[1])
    dxs[1] = sumHeadGroups(
        m, m.scale(m.matmul(m.transposeLastTwo(ds), q), scale), kType, group);
  if (op.getBias() && needs[3])
    dxs[3] = m.unbroadcast(ds, Math::typeOf(op.getBias()), {0, 1, 2, 3});
  return success();
}

} // namespace

void registerFusedGradients(MLIRContext &context) {
  attachRule<RmsNormOp, rmsNormRule>(context);
  attachRule<LayerNormOp, layerNormRule>(context);
  attachRule<RopeOp, ropeRule>(context);
  attachRule<AttentionOp, attentionRule>(context);
}

} // namespace starch::grad
