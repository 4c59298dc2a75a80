//===- FusedGradients.cpp - Gradient rules of the fused ops ---------------===//
//
// Norms and rope differentiate in closed form from their inputs, recomputing
// the row statistics instead of saving them (cheap next to the matmuls).
//
//===----------------------------------------------------------------------===//
#include "GradientBuilders.h"

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

} // namespace

void registerFusedGradients(MLIRContext &context) {
  attachRule<RmsNormOp, rmsNormRule>(context);
  attachRule<LayerNormOp, layerNormRule>(context);
  attachRule<RopeOp, ropeRule>(context);
}

} // namespace starch::grad
