//===- ElementwiseGradients.cpp - Gradient rules of elementwise ops -------===//
//
// Each rule is the derivative of the op description's formula, multiplied by
// the result cotangent `dy`. Piecewise-constant ops (floor, ceil, sign) and
// ops on integers or booleans give no gradient.
//
//===----------------------------------------------------------------------===//
#include "GradientBuilders.h"

#include <cmath>

using namespace mlir;

namespace starch::grad {
namespace {

using Cotangents = MutableArrayRef<Value>;

/// Rules of unary ops: dxs[0] = dy * f'(x), built only when needed.
template <typename OpT, Value (*Derivative)(OpT, Math &, Value)>
LogicalResult unaryRule(OpT op, Math &m, Value dy, ArrayRef<bool> needs,
                        Cotangents dxs) {
  if (needs[0])
    dxs[0] = Derivative(op, m, dy);
  return success();
}

Value negRule(NegOp, Math &m, Value dy) { return m.neg(dy); }
Value absRule(AbsOp op, Math &m, Value dy) {
  return m.mul(dy, m.unary<SignOp>(op.getInput()));
}
Value expRule(ExpOp op, Math &m, Value dy) { return m.mul(dy, op.getResult()); }
Value logRule(LogOp op, Math &m, Value dy) { return m.div(dy, op.getInput()); }
Value sqrtRule(SqrtOp op, Math &m, Value dy) {
  return m.div(m.scale(dy, 0.5), op.getResult());
}
Value rsqrtRule(RsqrtOp op, Math &m, Value dy) {
  // d/dx x^(-1/2) = -1/2 y^3.
  Value y = op.getResult();
  return m.mul(m.scale(dy, -0.5), m.mul(y, m.mul(y, y)));
}
Value reciprocalRule(ReciprocalOp op, Math &m, Value dy) {
  Value y = op.getResult();
  return m.neg(m.mul(dy, m.mul(y, y)));
}
Value tanhRule(TanhOp op, Math &m, Value dy) {
  Value y = op.getResult();
  return m.mul(dy, m.sub(m.splatLike(y, 1.0), m.mul(y, y)));
}
Value erfRule(ErfOp op, Math &m, Value dy) {
  Value x = op.getInput();
  Value gauss = m.unary<ExpOp>(m.neg(m.mul(x, x)));
  return m.mul(m.scale(dy, 2.0 / std::sqrt(M_PI)), gauss);
}
Value sinRule(SinOp op, Math &m, Value dy) {
  return m.mul(dy, m.unary<CosOp>(op.getInput()));
}
Value cosRule(CosOp op, Math &m, Value dy) {
  return m.neg(m.mul(dy, m.unary<SinOp>(op.getInput())));
}
Value sigmoidRule(SigmoidOp op, Math &m, Value dy) {
  Value y = op.getResult();
  return m.mul(dy, m.mul(y, m.sub(m.splatLike(y, 1.0), y)));
}
Value reluRule(ReluOp op, Math &m, Value dy) {
  Value x = op.getInput();
  return m.selectOrZero(m.compare(CompareDirection::gt, x, m.splatLike(x, 0.0)),
                        dy);
}
Value siluRule(SiluOp op, Math &m, Value dy) {
  // d/dx x s(x) = s (1 + x (1 - s)).
  Value x = op.getInput();
  Value s = m.unary<SigmoidOp>(x);
  Value one = m.splatLike(x, 1.0);
  return m.mul(dy, m.mul(s, m.add(one, m.mul(x, m.sub(one, s)))));
}
Value geluRule(GeluOp op, Math &m, Value dy) {
  Value x = op.getInput();
  Value one = m.splatLike(x, 1.0);
  switch (op.getApproximate()) {
  case GeluApproximation::none: {
    // Phi(x) + x phi(x).
    Value cdf = m.scale(
        m.add(one, m.unary<ErfOp>(m.scale(x, 1.0 / std::sqrt(2.0)))), 0.5);
    Value pdf = m.scale(m.unary<ExpOp>(m.scale(m.mul(x, x), -0.5)),
                        1.0 / std::sqrt(2.0 * M_PI));
    return m.mul(dy, m.add(cdf, m.mul(x, pdf)));
  }
  case GeluApproximation::tanh: {
    // t = tanh(c (x + k x^3)):
    // 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 k x^2).
    const double c = std::sqrt(2.0 / M_PI), k = 0.044715;
    Value x2 = m.mul(x, x);
    Value t = m.unary<TanhOp>(m.scale(m.add(x, m.scale(m.mul(x2, x), k)), c));
    Value inner = m.scale(m.add(one, m.scale(x2, 3.0 * k)), c);
    Value slope = m.mul(m.sub(one, m.mul(t, t)), inner);
    return m.mul(dy, m.scale(m.add(m.add(one, t), m.mul(x, slope)), 0.5));
  }
  case GeluApproximation::sigmoid: {
    // s = sigmoid(1.702 x): s + 1.702 x s (1 - s).
    Value s = m.unary<SigmoidOp>(m.scale(x, 1.702));
    Value slope = m.scale(m.mul(x, m.mul(s, m.sub(one, s))), 1.702);
    return m.mul(dy, m.add(s, slope));
  }
  }
  return Value();
}

LogicalResult addRule(AddOp, Math &, Value dy, ArrayRef<bool> needs,
                      Cotangents dxs) {
  if (needs[0])
    dxs[0] = dy;
  if (needs[1])
    dxs[1] = dy;
  return success();
}
LogicalResult subRule(SubOp, Math &m, Value dy, ArrayRef<bool> needs,
                      Cotangents dxs) {
  if (needs[0])
    dxs[0] = dy;
  if (needs[1])
    dxs[1] = m.neg(dy);
  return success();
}
LogicalResult mulRule(MulOp op, Math &m, Value dy, ArrayRef<bool> needs,
                      Cotangents dxs) {
  if (needs[0])
    dxs[0] = m.mul(dy, op.getRhs());
  if (needs[1])
    dxs[1] = m.mul(op.getLhs(), dy);
  return success();
}
LogicalResult divRule(DivOp op, Math &m, Value dy, ArrayRef<bool> needs,
                      Cotangents dxs) {
  Value dyOverRhs = m.div(dy, op.getRhs());
  if (needs[0])
    dxs[0] = dyOverRhs;
  if (needs[1]) // d(l/r)/dr = -(l/r)/r.
    dxs[1] = m.neg(m.mul(dyOverRhs, op.getResult()));
  return success();
}
LogicalResult remRule(RemOp op, Math &m, Value dy, ArrayRef<bool> needs,
                      Cotangents dxs) {
  if (needs[0])
    dxs[0] = dy;
  if (needs[1]) { // rem = l - r trunc(l / r): d/dr = -trunc(l / r).
    Value quotient = m.div(op.getLhs(), op.getRhs());
    Value truncated = m.mul(m.unary<SignOp>(quotient),
                            m.unary<FloorOp>(m.unary<AbsOp>(quotient)));
    dxs[1] = m.neg(m.mul(dy, truncated));
  }
  return success();
}
LogicalResult powRule(PowOp op, Math &m, Value dy, ArrayRef<bool> needs,
                      Cotangents dxs) {
  Value base = op.getLhs(), exponent = op.getRhs();
  if (needs[0]) { // r l^(r-1)
    Value lowered = PowOp::create(m.b, m.loc, base.getType(), base,
                                  m.sub(exponent, m.splatLike(exponent, 1.0)));
    dxs[0] = m.mul(dy, m.mul(exponent, lowered));
  }
  if (needs[1]) // l^r log(l), defined where l > 0.
    dxs[1] = m.mul(dy, m.mul(op.getResult(), m.unary<LogOp>(base)));
  return success();
}
/// max/min: the cotangent goes to the operand that was chosen; ties go to lhs.
template <typename OpT, CompareDirection LhsWins>
LogicalResult extremumRule(OpT op, Math &m, Value dy, ArrayRef<bool> needs,
                           Cotangents dxs) {
  Value lhsChosen = m.compare(LhsWins, op.getLhs(), op.getRhs());
  if (needs[0])
    dxs[0] = m.selectOrZero(lhsChosen, dy);
  if (needs[1])
    dxs[1] = m.zeroOrSelect(lhsChosen, dy);
  return success();
}
LogicalResult selectRule(SelectOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  if (needs[1])
    dxs[1] = m.selectOrZero(op.getCondition(), dy);
  if (needs[2])
    dxs[2] = m.zeroOrSelect(op.getCondition(), dy);
  return success();
}
LogicalResult convertRule(ConvertOp op, Math &m, Value dy, ArrayRef<bool> needs,
                          Cotangents dxs) {
  // Only float-to-float conversions carry a gradient (cast back).
  if (needs[0] && isDifferentiable(op.getInput().getType()) &&
      isDifferentiable(op.getType()))
    dxs[0] = ConvertOp::create(m.b, m.loc, op.getInput().getType(), dy);
  return success();
}
/// floor, ceil, sign: zero almost everywhere.
template <typename OpT>
LogicalResult zeroRule(OpT, Math &, Value, ArrayRef<bool>, Cotangents) {
  return success();
}

} // namespace

void registerElementwiseGradients(MLIRContext &context) {
  attachRule<NegOp, unaryRule<NegOp, negRule>>(context);
  attachRule<AbsOp, unaryRule<AbsOp, absRule>>(context);
  attachRule<ExpOp, unaryRule<ExpOp, expRule>>(context);
  attachRule<LogOp, unaryRule<LogOp, logRule>>(context);
  attachRule<SqrtOp, unaryRule<SqrtOp, sqrtRule>>(context);
  attachRule<RsqrtOp, unaryRule<RsqrtOp, rsqrtRule>>(context);
  attachRule<ReciprocalOp, unaryRule<ReciprocalOp, reciprocalRule>>(context);
  attachRule<TanhOp, unaryRule<TanhOp, tanhRule>>(context);
  attachRule<ErfOp, unaryRule<ErfOp, erfRule>>(context);
  attachRule<SinOp, unaryRule<SinOp, sinRule>>(context);
  attachRule<CosOp, unaryRule<CosOp, cosRule>>(context);
  attachRule<SigmoidOp, unaryRule<SigmoidOp, sigmoidRule>>(context);
  attachRule<ReluOp, unaryRule<ReluOp, reluRule>>(context);
  attachRule<SiluOp, unaryRule<SiluOp, siluRule>>(context);
  attachRule<GeluOp, unaryRule<GeluOp, geluRule>>(context);
  attachRule<FloorOp, zeroRule<FloorOp>>(context);
  attachRule<CeilOp, zeroRule<CeilOp>>(context);
  attachRule<SignOp, zeroRule<SignOp>>(context);
  attachRule<AddOp, addRule>(context);
  attachRule<SubOp, subRule>(context);
  attachRule<MulOp, mulRule>(context);
  attachRule<DivOp, divRule>(context);
  attachRule<RemOp, remRule>(context);
  attachRule<PowOp, powRule>(context);
  attachRule<MaxOp, extremumRule<MaxOp, CompareDirection::ge>>(context);
  attachRule<MinOp, extremumRule<MinOp, CompareDirection::le>>(context);
  attachRule<SelectOp, selectRule>(context);
  attachRule<ConvertOp, convertRule>(context);
  NotOp::attachInterface<NoGradientModel<NotOp>>(context);
  AndOp::attachInterface<NoGradientModel<AndOp>>(context);
  OrOp::attachInterface<NoGradientModel<OrOp>>(context);
  XorOp::attachInterface<NoGradientModel<XorOp>>(context);
  CompareOp::attachInterface<NoGradientModel<CompareOp>>(context);
}

} // namespace starch::grad
