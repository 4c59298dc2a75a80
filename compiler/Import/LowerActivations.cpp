//===- LowerActivations.cpp - ONNX activations without a starch op --------===//
//
// Each op is decomposed into starch elementwise ops on its input's shape;
// attribute constants become splats of the input's type.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ElementwiseBuilder.h"
#include "compiler/Import/NodeImporter.h"

#include <limits>

using namespace mlir;

namespace starch::import {
namespace {

/// The float input of an activation; failure (error recorded) if it is
/// missing or not a float tensor.
FailureOr<Value> floatInput(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  if (!isa<FloatType>(elementTypeOf(x)))
    return node.fail("the input must be a float tensor");
  return x;
}

/// The decomposition of a one-input float activation at `x`.
using Decomposition = Value (*)(NodeImporter &node, ElementwiseBuilder &e,
                                Value x);

template <Decomposition decompose>
LogicalResult lowerActivation(NodeImporter &node) {
  FailureOr<Value> x = floatInput(node);
  if (failed(x))
    return failure();
  ElementwiseBuilder e(node, *x);
  node.setOutput(0, decompose(node, e, *x));
  return success();
}

/// Elu: x < 0 ? alpha * (exp(x) - 1) : x.
Value elu(NodeImporter &node, ElementwiseBuilder &e, Value x) {
  Value expm1 = e.binary<SubOp>(e.unary<ExpOp>(x), e.constant(1));
  Value negative =
      e.binary<MulOp>(expm1, e.constant(node.floatAttr("alpha", 1)));
  return e.select(e.compare(CompareDirection::lt, x, e.constant(0)), negative,
                  x);
}

/// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
Value celu(NodeImporter &node, ElementwiseBuilder &e, Value x) {
  Value alpha = e.constant(node.floatAttr("alpha", 1));
  Value expm1 =
      e.binary<SubOp>(e.unary<ExpOp>(e.binary<DivOp>(x, alpha)), e.constant(1));
  Value negative =
      e.binary<MinOp>(e.constant(0), e.binary<MulOp>(alpha, expm1));
  return e.binary<AddOp>(e.binary<MaxOp>(e.constant(0), x), negative);
}

/// Selu: gamma * (x <= 0 ? alpha * exp(x) - alpha : x).
Value selu(NodeImporter &node, ElementwiseBuilder &e, Value x) {
  Value alpha = e.constant(node.floatAttr("alpha", 1.67326319217681884765625f));
  Value gamma = e.constant(node.floatAttr("gamma", 1.05070102214813232421875f));
  Value negative =
      e.binary<SubOp>(e.binary<MulOp>(alpha, e.unary<ExpOp>(x)), alpha);
  Value chosen =
      e.select(e.compare(CompareDirection::le, x, e.constant(0)), negative, x);
  return e.binary<MulOp>(gamma, chosen);
}

/// max(0, min(1, alpha * x + beta)).
Value hardSigmoidWith(ElementwiseBuilder &e, Value x, double alpha,
                      double beta) {
  Value linear =
      e.binary<AddOp>(e.binary<MulOp>(x, e.constant(alpha)), e.constant(beta));
  return e.binary<MaxOp>(e.constant(0), e.binary<MinOp>(e.constant(1), linear));
}

Value hardSigmoid(NodeImporter &node, ElementwiseBuilder &e, Value x) {
  return hardSigmoidWith(e, x, node.floatAttr("alpha", 0.2f),
                         node.floatAttr("beta", 0.5f));
}

/// HardSwish: x * hard_sigmoid(x) with alpha 1/6, beta 0.5.
Value hardSwish(NodeImporter &, ElementwiseBuilder &e, Value x) {
  return e.binary<MulOp>(x, hardSigmoidWith(e, x, 1.0 / 6, 0.5));
}

/// Softsign: x / (1 + |x|).
Value softsign(NodeImporter &, ElementwiseBuilder &e, Value x) {
  return e.binary<DivOp>(x, e.binary<AddOp>(e.constant(1), e.unary<AbsOp>(x)));
}

/// ThresholdedRelu: x > alpha ? x : 0.
Value thresholdedRelu(NodeImporter &node, ElementwiseBuilder &e, Value x) {
  Value above = e.compare(CompareDirection::gt, x,
                          e.constant(node.floatAttr("alpha", 1)));
  return e.select(above, x, e.constant(0));
}

/// PRelu: x < 0 ? slope * x : x, the slope broadcast to x.
LogicalResult lowerPRelu(NodeImporter &node) {
  FailureOr<Value> input = floatInput(node);
  Value slope = node.input(1);
  if (failed(input) || !slope)
    return failure();
  Value x = *input;
  if (!node.broadcastShape({x, slope}) ||
      node.broadcastShape({x, slope}) != SmallVector<int64_t>(shapeOf(x)))
    return node.fail("the slope must broadcast to the input's shape");
  ElementwiseBuilder e(node, x);
  Value scaled = e.binary<MulOp>(x, node.broadcastTo(slope, shapeOf(x)));
  node.setOutput(0, e.select(e.compare(CompareDirection::lt, x, e.constant(0)),
                             scaled, x));
  return success();
}

/// Mish: x * tanh(log(1 + exp(x))).
Value mish(NodeImporter &, ElementwiseBuilder &e, Value x) {
  Value softplus =
      e.unary<LogOp>(e.binary<AddOp>(e.unary<ExpOp>(x), e.constant(1)));
  return e.binary<MulOp>(x, e.unary<TanhOp>(softplus));
}

/// Round half to even: r = floor(x + 0.5), minus one where x was halfway and
/// r is odd.
Value roundHalfToEven(NodeImporter &, ElementwiseBuilder &e, Value x) {
  Value shifted = e.binary<AddOp>(x, e.constant(0.5));
  Value rounded = e.unary<FloorOp>(shifted);
  Value halfway = e.compare(CompareDirection::eq, shifted, rounded);
  Value half = e.binary<MulOp>(rounded, e.constant(0.5));
  Value odd = e.compare(CompareDirection::ne, e.unary<FloorOp>(half), half);
  Value fix = e.combineMasks<AndOp>(halfway, odd);
  return e.select(fix, e.binary<SubOp>(rounded, e.constant(1)), rounded);
}

/// IsInf: x == +inf (detect_positive) or x == -inf (detect_negative).
Value isInf(NodeImporter &node, ElementwiseBuilder &e, Value x) {
  double inf = std::numeric_limits<double>::infinity();
  bool positive = node.intAttr("detect_positive", 1) != 0;
  bool negative = node.intAttr("detect_negative", 1) != 0;
  Value isPositive = e.compare(CompareDirection::eq, x, e.constant(inf));
  Value isNegative = e.compare(CompareDirection::eq, x, e.constant(-inf));
  if (positive && negative)
    return e.combineMasks<OrOp>(isPositive, isNegative);
  if (positive)
    return isPositive;
  if (negative)
    return isNegative;
  return node.splat(0, node.builder().getI1Type(), shapeOf(x));
}

/// Sinh and Cosh: (exp(x) -+ exp(-x)) / 2.
template <bool cosh>
Value hyperbolic(NodeImporter &, ElementwiseBuilder &e, Value x) {
  Value up = e.unary<ExpOp>(x), down = e.unary<ExpOp>(e.unary<NegOp>(x));
  Value combined = cosh ? e.binary<AddOp>(up, down) : e.binary<SubOp>(up, down);
  return e.binary<MulOp>(combined, e.constant(0.5));
}

/// Tan: sin(x) / cos(x).
Value tangent(NodeImporter &, ElementwiseBuilder &e, Value x) {
  return e.binary<DivOp>(e.unary<SinOp>(x), e.unary<CosOp>(x));
}

/// Asinh, Acosh, Atanh through log, evaluated in f64 so that log(1 + small)
/// keeps float32's relative precision near 0:
///   asinh(x) = sign(x) log(|x| + sqrt(x^2 + 1))
///   acosh(x) = log(x + sqrt(x^2 - 1))
///   atanh(x) = log((1 + x) / (1 - x)) / 2
template <char which> LogicalResult lowerInverseHyperbolic(NodeImporter &node) {
  FailureOr<Value> x = floatInput(node);
  if (failed(x))
    return failure();
  Type elementType = elementTypeOf(*x);
  Value wide = node.convert(*x, node.builder().getF64Type());
  ElementwiseBuilder e(node, wide);
  Value result;
  if (which == 's') {
    Value magnitude = e.unary<AbsOp>(wide);
    Value root = e.unary<SqrtOp>(
        e.binary<AddOp>(e.binary<MulOp>(wide, wide), e.constant(1)));
    result = e.binary<MulOp>(e.unary<SignOp>(wide),
                             e.unary<LogOp>(e.binary<AddOp>(magnitude, root)));
  } else if (which == 'c') {
    Value root = e.unary<SqrtOp>(
        e.binary<SubOp>(e.binary<MulOp>(wide, wide), e.constant(1)));
    result = e.unary<LogOp>(e.binary<AddOp>(wide, root));
  } else {
    Value ratio = e.binary<DivOp>(e.binary<AddOp>(e.constant(1), wide),
                                  e.binary<SubOp>(e.constant(1), wide));
    result = e.binary<MulOp>(e.unary<LogOp>(ratio), e.constant(0.5));
  }
  node.setOutput(0, node.convert(result, elementType));
  return success();
}

/// Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0.
Value shrink(NodeImporter &node, ElementwiseBuilder &e, Value x) {
  double lambd = node.floatAttr("lambd", 0.5f),
         bias = node.floatAttr("bias", 0);
  Value below = e.compare(CompareDirection::lt, x, e.constant(-lambd));
  Value above = e.compare(CompareDirection::gt, x, e.constant(lambd));
  Value outside =
      e.select(above, e.binary<SubOp>(x, e.constant(bias)), e.constant(0));
  return e.select(below, e.binary<AddOp>(x, e.constant(bias)), outside);
}

} // namespace

void registerActivationLowerings(llvm::StringMap<Lowering> &table) {
  table["Elu"] = lowerActivation<elu>;
  table["Celu"] = lowerActivation<celu>;
  table["Selu"] = lowerActivation<selu>;
  table["HardSigmoid"] = lowerActivation<hardSigmoid>;
  table["HardSwish"] = lowerActivation<hardSwish>;
  table["Softsign"] = lowerActivation<softsign>;
  table["ThresholdedRelu"] = lowerActivation<thresholdedRelu>;
  table["PRelu"] = lowerPRelu;
  table["Mish"] = lowerActivation<mish>;
  table["Round"] = lowerActivation<roundHalfToEven>;
  table["IsInf"] = lowerActivation<isInf>;
  table["Sinh"] = lowerActivation<hyperbolic<false>>;
  table["Cosh"] = lowerActivation<hyperbolic<true>>;
  table["Tan"] = lowerActivation<tangent>;
  table["Asinh"] = lowerInverseHyperbolic<'s'>;
  table["Acosh"] = lowerInverseHyperbolic<'c'>;
  table["Atanh"] = lowerInverseHyperbolic<'t'>;
  table["Shrink"] = lowerActivation<shrink>;
}

} // namespace starch::import
