//===- FusedGradients.cpp - Gradient rules of the fused ops ---------------===//
//
// The norms and attention differentiate into one fused backward op each
// (starch.rms_norm_grad, starch.layer_norm_grad, starch.attention_grad),
// whose kernels recompute the row statistics from the forward's operands
// instead of saving them. The rule builds the op only when some operand
// needs a gradient; results whose operand needs none stay unused, and the
// kernels skip unused results. Rope differentiates in closed form.
//
//===----------------------------------------------------------------------===//
#include "GradientBuilders.h"

using namespace mlir;

namespace starch::grad {
namespace {

using Cotangents = MutableArrayRef<Value>;

/// Hands result `i` of a fused backward op to operand `i` where it is needed.
void takeNeeded(Operation *backward, ArrayRef<bool> needs, Cotangents dxs) {
  for (auto [i, result] : llvm::enumerate(backward->getResults()))
    if (needs[i])
      dxs[i] = result;
}

LogicalResult rmsNormRule(RmsNormOp op, Math &m, Value dy, ArrayRef<bool> needs,
                          Cotangents dxs) {
  auto backward = RmsNormGradOp::create(
      m.b, m.loc, op.getInput().getType(), op.getWeight().getType(),
      op.getInput(), op.getWeight(), dy, op.getEpsilonAttr());
  takeNeeded(backward, needs, dxs);
  return success();
}

LogicalResult layerNormRule(LayerNormOp op, Math &m, Value dy,
                            ArrayRef<bool> needs, Cotangents dxs) {
  // d_bias has the bias's type, which the verifier makes the weight's.
  auto backward = LayerNormGradOp::create(
      m.b, m.loc, op.getInput().getType(), op.getWeight().getType(),
      op.getBias().getType(), op.getInput(), op.getWeight(), dy,
      op.getAxisAttr(), op.getEpsilonAttr());
  takeNeeded(backward, needs, dxs);
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

LogicalResult attentionRule(AttentionOp op, Math &m, Value dy,
                            ArrayRef<bool> needs, Cotangents dxs) {
  // Operands q, k, v[, bias] map to results d_query, d_key, d_value[, d_bias];
  // the bitfield mask's bits are passed through and get no cotangent.
  SmallVector<Type> resultTypes{op.getQuery().getType(), op.getKey().getType(),
                                op.getValue().getType()};
  if (Value bias = op.getBias())
    resultTypes.push_back(bias.getType());
  auto backward = AttentionGradOp::create(
      m.b, m.loc, resultTypes, op.getQuery(), op.getKey(), op.getValue(),
      op.getBias(), op.getBits(), op.getPositions(), op.getResult(), dy,
      op.getMaskAttr(), op.getScaleAttr(), op.getWindowAttr(),
      op.getSoftcapAttr());
  takeNeeded(backward, needs, dxs);
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
