//===- LowerActivations.cpp - ONNX activations and math without a starch op
//===//
//
// Each op is decomposed into starch elementwise ops on its input's shape;
// attribute constants become splats of the input's type.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/NodeImporter.h"

#include <limits>

using namespace mlir;

namespace starch::import {
namespace {

/// Builders over one float input, with splats of its shape and type.
class Elementwise {
public:
  Elementwise(NodeImporter &node, Value x) : node_(node), type_(x.getType()) {}

  Value constant(double value) {
    return node_.splat(
        value, llvm::cast<RankedTensorType>(type_).getElementType(), shape());
  }
  template <typename OpT> Value unary(Value x) {
    return node_.create<OpT>(type_, x);
  }
  template <typename OpT> Value binary(Value a, Value b) {
    return node_.create<OpT>(type_, a, b);
  }
  Value compare(CompareDirection direction, Value a, Value b) {
    return node_.create<CompareOp>(
        node_.tensorType(shape(), node_.builder().getI1Type()), direction, a,
        b);
  }
  Value select(Value condition, Value onTrue, Value onFalse) {
    return node_.create<SelectOp>(type_, condition, onTrue, onFalse);
  }

private:
  ArrayRef<int64_t> shape() {
    return llvm::cast<RankedTensorType>(type_).getShape();
  }
  NodeImporter &node_;
  Type type_;
};

/// The float input of a one-input activation; null (error recorded) if the
/// input is missing or not a float tensor.
Value floatInput(NodeImporter &node) {
  Value x = node.input(0);
  if (x && !isa<FloatType>(elementTypeOf(x))) {
    node.fail("the input must be a float tensor");
    return {};
  }
  return x;
}

/// Elu: x < 0 ? alpha * (exp(x) - 1) : x.
LogicalResult lowerElu(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  Value expm1 = e.binary<SubOp>(e.unary<ExpOp>(x), e.constant(1));
  Value negative =
      e.binary<MulOp>(expm1, e.constant(node.floatAttr("alpha", 1)));
  node.setOutput(0, e.select(e.compare(CompareDirection::lt, x, e.constant(0)),
                             negative, x));
  return success();
}

/// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
LogicalResult lowerCelu(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  Value alpha = e.constant(node.floatAttr("alpha", 1));
  Value expm1 =
      e.binary<SubOp>(e.unary<ExpOp>(e.binary<DivOp>(x, alpha)), e.constant(1));
  Value negative =
      e.binary<MinOp>(e.constant(0), e.binary<MulOp>(alpha, expm1));
  node.setOutput(0,
                 e.binary<AddOp>(e.binary<MaxOp>(e.constant(0), x), negative));
  return success();
}

/// Selu: gamma * (x <= 0 ? alpha * exp(x) - alpha : x).
LogicalResult lowerSelu(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  Value alpha = e.constant(node.floatAttr("alpha", 1.67326319217681884765625f));
  Value gamma = e.constant(node.floatAttr("gamma", 1.05070102214813232421875f));
  Value negative =
      e.binary<SubOp>(e.binary<MulOp>(alpha, e.unary<ExpOp>(x)), alpha);
  Value chosen =
      e.select(e.compare(CompareDirection::le, x, e.constant(0)), negative, x);
  node.setOutput(0, e.binary<MulOp>(gamma, chosen));
  return success();
}

/// max(0, min(1, alpha * x + beta)).
Value hardSigmoid(Elementwise &e, Value x, double alpha, double beta) {
  Value linear =
      e.binary<AddOp>(e.binary<MulOp>(x, e.constant(alpha)), e.constant(beta));
  return e.binary<MaxOp>(e.constant(0), e.binary<MinOp>(e.constant(1), linear));
}

LogicalResult lowerHardSigmoid(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  node.setOutput(0, hardSigmoid(e, x, node.floatAttr("alpha", 0.2f),
                                node.floatAttr("beta", 0.5f)));
  return success();
}

/// HardSwish: x * hard_sigmoid(x) with alpha 1/6, beta 0.5.
LogicalResult lowerHardSwish(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  node.setOutput(0, e.binary<MulOp>(x, hardSigmoid(e, x, 1.0 / 6, 0.5)));
  return success();
}

/// Softsign: x / (1 + |x|).
LogicalResult lowerSoftsign(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  node.setOutput(
      0, e.binary<DivOp>(x, e.binary<AddOp>(e.constant(1), e.unary<AbsOp>(x))));
  return success();
}

/// ThresholdedRelu: x > alpha ? x : 0.
LogicalResult lowerThresholdedRelu(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  Value above = e.compare(CompareDirection::gt, x,
                          e.constant(node.floatAttr("alpha", 1)));
  node.setOutput(0, e.select(above, x, e.constant(0)));
  return success();
}

/// PRelu: x < 0 ? slope * x : x, the slope broadcast to x.
LogicalResult lowerPRelu(NodeImporter &node) {
  Value x = floatInput(node), slope = node.input(1);
  if (!x || !slope)
    return failure();
  if (!node.broadcastShape({x, slope}) ||
      node.broadcastShape({x, slope}) != SmallVector<int64_t>(shapeOf(x)))
    return node.fail("the slope must broadcast to the input's shape");
  Elementwise e(node, x);
  Value scaled = e.binary<MulOp>(x, node.broadcastTo(slope, shapeOf(x)));
  node.setOutput(0, e.select(e.compare(CompareDirection::lt, x, e.constant(0)),
                             scaled, x));
  return success();
}

/// Mish: x * tanh(log(1 + exp(x))).
LogicalResult lowerMish(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  Value softplus =
      e.unary<LogOp>(e.binary<AddOp>(e.unary<ExpOp>(x), e.constant(1)));
  node.setOutput(0, e.binary<MulOp>(x, e.unary<TanhOp>(softplus)));
  return success();
}

/// Round half to even: r = floor(x + 0.5), minus one where x was halfway and
/// r is odd.
LogicalResult lowerRound(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  Value shifted = e.binary<AddOp>(x, e.constant(0.5));
  Value rounded = e.unary<FloorOp>(shifted);
  Value halfway = e.compare(CompareDirection::eq, shifted, rounded);
  Value half = e.binary<MulOp>(rounded, e.constant(0.5));
  Value odd = e.compare(CompareDirection::ne, e.unary<FloorOp>(half), half);
  Value fix = node.create<AndOp>(halfway.getType(), halfway, odd);
  node.setOutput(
      0, e.select(fix, e.binary<SubOp>(rounded, e.constant(1)), rounded));
  return success();
}

/// IsInf: x == +inf (detect_positive) or x == -inf (detect_negative).
LogicalResult lowerIsInf(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  double inf = std::numeric_limits<double>::infinity();
  bool positive = node.intAttr("detect_positive", 1) != 0;
  bool negative = node.intAttr("detect_negative", 1) != 0;
  Value isPositive = e.compare(CompareDirection::eq, x, e.constant(inf));
  Value isNegative = e.compare(CompareDirection::eq, x, e.constant(-inf));
  Value result;
  if (positive && negative)
    result = node.create<OrOp>(isPositive.getType(), isPositive, isNegative);
  else if (positive)
    result = isPositive;
  else if (negative)
    result = isNegative;
  else
    result = node.splat(0, node.builder().getI1Type(), shapeOf(x));
  node.setOutput(0, result);
  return success();
}

/// Sinh and Cosh: (exp(x) -+ exp(-x)) / 2.
template <bool cosh> LogicalResult lowerHyperbolic(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  Value up = e.unary<ExpOp>(x), down = e.unary<ExpOp>(e.unary<NegOp>(x));
  Value combined = cosh ? e.binary<AddOp>(up, down) : e.binary<SubOp>(up, down);
  node.setOutput(0, e.binary<MulOp>(combined, e.constant(0.5)));
  return success();
}

/// Tan: sin(x) / cos(x).
LogicalResult lowerTan(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  node.setOutput(0, e.binary<DivOp>(e.unary<SinOp>(x), e.unary<CosOp>(x)));
  return success();
}

/// Asinh, Acosh, Atanh through log, evaluated in f64 so that log(1 + small)
/// keeps float32's relative precision near 0:
///   asinh(x) = sign(x) log(|x| + sqrt(x^2 + 1))
///   acosh(x) = log(x + sqrt(x^2 - 1))
///   atanh(x) = log((1 + x) / (1 - x)) / 2
template <char which> LogicalResult lowerInverseHyperbolic(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Type elementType = elementTypeOf(x);
  Value wide = node.convert(x, node.builder().getF64Type());
  Elementwise e(node, wide);
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
LogicalResult lowerShrink(NodeImporter &node) {
  Value x = floatInput(node);
  if (!x)
    return failure();
  Elementwise e(node, x);
  double lambd = node.floatAttr("lambd", 0.5f),
         bias = node.floatAttr("bias", 0);
  Value below = e.compare(CompareDirection::lt, x, e.constant(-lambd));
  Value above = e.compare(CompareDirection::gt, x, e.constant(lambd));
  Value outside =
      e.select(above, e.binary<SubOp>(x, e.constant(bias)), e.constant(0));
  node.setOutput(
      0, e.select(below, e.binary<AddOp>(x, e.constant(bias)), outside));
  return success();
}

} // namespace

void registerActivationLowerings(llvm::StringMap<Lowering> &table) {
  table["Elu"] = lowerElu;
  table["Celu"] = lowerCelu;
  table["Selu"] = lowerSelu;
  table["HardSigmoid"] = lowerHardSigmoid;
  table["HardSwish"] = lowerHardSwish;
  table["Softsign"] = lowerSoftsign;
  table["ThresholdedRelu"] = lowerThresholdedRelu;
  table["PRelu"] = lowerPRelu;
  table["Mish"] = lowerMish;
  table["Round"] = lowerRound;
  table["IsInf"] = lowerIsInf;
  table["Sinh"] = lowerHyperbolic<false>;
  table["Cosh"] = lowerHyperbolic<true>;
  table["Tan"] = lowerTan;
  table["Asinh"] = lowerInverseHyperbolic<'s'>;
  table["Acosh"] = lowerInverseHyperbolic<'c'>;
  table["Atanh"] = lowerInverseHyperbolic<'t'>;
  table["Shrink"] = lowerShrink;
}

} // namespace starch::import
