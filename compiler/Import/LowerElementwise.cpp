//===- LowerElementwise.cpp - ONNX elementwise ops ------------------------===//
//
// numpy-broadcasting ONNX ops become explicit `starch.broadcast` + one
// same-shape starch op; activations without a starch op are decomposed.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ElementwiseBuilder.h"
#include "compiler/Import/GraphImporter.h"
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// The first `count` inputs; nothing (an error recorded) if one is missing.
std::optional<SmallVector<Value>> inputs(NodeImporter &node, int count) {
  SmallVector<Value> values;
  for (int i = 0; i < count; ++i) {
    Value value = node.input(i);
    if (!value)
      return std::nullopt;
    values.push_back(value);
  }
  return values;
}

/// Broadcasts every operand to their common shape.
std::optional<SmallVector<Value>> broadcastAll(NodeImporter &node,
                                               ArrayRef<Value> values) {
  auto shape = node.broadcastShape(values);
  if (!shape)
    return std::nullopt;
  SmallVector<Value> result;
  for (Value value : values)
    result.push_back(node.broadcastTo(value, *shape));
  return result;
}

/// The first `count` inputs broadcast to their common shape.
std::optional<SmallVector<Value>> broadcastInputs(NodeImporter &node,
                                                  int count) {
  auto values = inputs(node, count);
  if (!values)
    return std::nullopt;
  return broadcastAll(node, *values);
}

template <typename OpT>
Value fold(NodeImporter &node, ArrayRef<Value> operands) {
  Value acc = operands.front();
  for (Value next : operands.drop_front())
    acc = node.create<OpT>(acc.getType(), acc, next);
  return acc;
}

/// Binary (or variadic) ops: inputs of one element type, numpy broadcasting.
template <typename OpT> LogicalResult lowerVariadic(NodeImporter &node) {
  auto values = inputs(node, node.numInputs());
  if (!values)
    return failure();
  if (values->empty())
    return node.fail("needs at least one input");
  for (Value value : *values)
    if (elementTypeOf(value) != elementTypeOf(values->front()))
      return node.fail("inputs have different element types");
  auto operands = broadcastAll(node, *values);
  if (!operands)
    return failure();
  node.setOutput(0, fold<OpT>(node, *operands));
  return success();
}

LogicalResult lowerMean(NodeImporter &node) {
  auto operands = broadcastInputs(node, node.numInputs());
  if (!operands)
    return failure();
  Value sum = fold<AddOp>(node, *operands);
  Value count = node.splat(static_cast<double>(operands->size()),
                           elementTypeOf(sum), shapeOf(sum));
  node.setOutput(0, node.create<DivOp>(sum.getType(), sum, count));
  return success();
}

LogicalResult lowerPow(NodeImporter &node) {
  Value base = node.input(0), exponent = node.input(1);
  if (!base || !exponent)
    return failure();
  exponent = node.convert(exponent, elementTypeOf(base));
  auto operands = broadcastAll(node, {base, exponent});
  if (!operands)
    return failure();
  node.setOutput(0, node.create<PowOp>((*operands)[0].getType(), (*operands)[0],
                                       (*operands)[1]));
  return success();
}

LogicalResult lowerMod(NodeImporter &node) {
  auto operands = broadcastInputs(node, 2);
  if (!operands)
    return failure();
  Value a = (*operands)[0], b = (*operands)[1];
  Value remainder = node.create<RemOp>(a.getType(), a, b);
  bool isFloat = llvm::isa<FloatType>(elementTypeOf(a));
  if (node.intAttr("fmod", 0) == 1 || isFloat) {
    if (!isFloat || node.intAttr("fmod", 0) == 1) {
      node.setOutput(0, remainder);
      return success();
    }
    return node.fail("fmod = 0 is only defined for integers");
  }
  // Python-style modulo: the result takes the sign of the divisor.
  ElementwiseBuilder e(node, a);
  Value zero = e.constant(0);
  Value nonZero = e.compare(CompareDirection::ne, remainder, zero);
  Value remNegative = e.compare(CompareDirection::lt, remainder, zero);
  Value divNegative = e.compare(CompareDirection::lt, b, zero);
  Value signsDiffer = e.combineMasks<XorOp>(remNegative, divNegative);
  Value adjust = e.combineMasks<AndOp>(nonZero, signsDiffer);
  Value shifted = e.binary<AddOp>(remainder, b);
  node.setOutput(0, e.select(adjust, shifted, remainder));
  return success();
}

template <CompareDirection direction>
LogicalResult lowerCompare(NodeImporter &node) {
  auto operands = broadcastInputs(node, 2);
  if (!operands)
    return failure();
  Value a = (*operands)[0];
  node.setOutput(0, node.create<CompareOp>(
                        node.tensorType(shapeOf(a), node.builder().getI1Type()),
                        direction, a, (*operands)[1]));
  return success();
}

template <typename OpT> LogicalResult lowerUnary(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  node.setOutput(0, node.create<OpT>(x.getType(), x));
  return success();
}

LogicalResult lowerIdentity(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  node.setOutput(0, x);
  return success();
}

LogicalResult lowerDropout(NodeImporter &node) {
  // Inference semantics: the input passes through; a requested mask is all
  // ones. Training-mode dropout (random) is refused rather than ignored.
  Value x = node.input(0);
  if (!x)
    return failure();
  bool training = node.opset() < 7 && node.intAttr("is_test", 0) == 0 &&
                  node.hasAttribute("is_test");
  if (node.hasInput(2)) {
    auto mode = node.requireConstant(2, "training_mode");
    if (!mode)
      return failure();
    training = mode->numElements() > 0 && rt::elementAsDouble(*mode, 0) != 0;
  }
  if (training && node.hasInput(1)) {
    // With ratio 0, training-mode dropout keeps every element too.
    auto ratio = node.requireConstant(1, "ratio");
    if (!ratio)
      return failure();
    training = ratio->numElements() == 0 || rt::elementAsDouble(*ratio, 0) != 0;
  }
  if (training)
    return node.fail("training_mode = true (random dropout) is not supported; "
                     "Starch imports Dropout with inference semantics");
  node.setOutput(0, x);
  if (node.numOutputs() > 1)
    node.setOutput(1, node.splat(1, node.builder().getI1Type(), shapeOf(x)));
  return success();
}

LogicalResult lowerIsNaN(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  node.setOutput(
      0, ElementwiseBuilder(node, x).compare(CompareDirection::ne, x, x));
  return success();
}

LogicalResult lowerCast(NodeImporter &node, Type to) {
  Value x = node.input(0);
  if (!x)
    return failure();
  if (!to)
    return node.fail("casts to this data type are not supported");
  node.setOutput(0, node.convert(x, to));
  return success();
}

LogicalResult lowerCastTo(NodeImporter &node) {
  if (!node.hasAttribute("to"))
    return node.fail("attribute 'to' is required");
  return lowerCast(node,
                   elementTypeFromOnnx(node.intAttr("to", 0), node.context()));
}

LogicalResult lowerCastLike(NodeImporter &node) {
  Value like = node.input(1);
  return like ? lowerCast(node, elementTypeOf(like)) : failure();
}

LogicalResult lowerWhere(NodeImporter &node) {
  auto operands = broadcastInputs(node, 3);
  if (!operands)
    return failure();
  Value a = (*operands)[1];
  node.setOutput(
      0, node.create<SelectOp>(a.getType(), (*operands)[0], a, (*operands)[2]));
  return success();
}

/// Clip: min and max come from inputs (opset >= 11) or attributes.
LogicalResult lowerClip(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  Type elementType = elementTypeOf(x);
  // A null value: no such bound.
  auto bound = [&](int index, StringRef name) -> FailureOr<Value> {
    if (node.opset() < 11) {
      if (!node.hasAttribute(name))
        return Value();
      return node.splat(node.floatAttr(name, 0), elementType, shapeOf(x));
    }
    if (!node.hasInput(index))
      return Value();
    Value value = node.inputBroadcastTo(index, shapeOf(x), elementType, name);
    if (!value)
      return failure();
    return value;
  };
  FailureOr<Value> low = bound(1, "min"), high = bound(2, "max");
  if (failed(low) || failed(high))
    return failure();
  Value result = x;
  if (*low)
    result = node.create<MaxOp>(x.getType(), result, *low);
  if (*high)
    result = node.create<MinOp>(x.getType(), result, *high);
  node.setOutput(0, result);
  return success();
}

LogicalResult lowerSoftplus(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ElementwiseBuilder e(node, x);
  Value one = e.constant(1);
  Value exp = e.unary<ExpOp>(x);
  node.setOutput(0, e.unary<LogOp>(e.binary<AddOp>(exp, one)));
  return success();
}

LogicalResult lowerLeakyRelu(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ElementwiseBuilder e(node, x);
  Value zero = e.constant(0);
  Value alpha = e.constant(node.floatAttr("alpha", 0.01f));
  Value negative = e.compare(CompareDirection::lt, x, zero);
  Value scaled = e.binary<MulOp>(x, alpha);
  node.setOutput(0, e.select(negative, scaled, x));
  return success();
}

LogicalResult lowerGelu(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  std::string approximate = node.stringAttr("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return node.fail("approximate = '" + approximate +
                     "' (expected 'none' or 'tanh')");
  node.setOutput(0, node.create<GeluOp>(x.getType(), x,
                                        approximate == "tanh"
                                            ? GeluApproximation::tanh
                                            : GeluApproximation::none));
  return success();
}

} // namespace

void registerElementwiseLowerings(llvm::StringMap<Lowering> &table) {
  table["Add"] = lowerVariadic<AddOp>;
  table["Sum"] = lowerVariadic<AddOp>;
  table["Sub"] = lowerVariadic<SubOp>;
  table["Mul"] = lowerVariadic<MulOp>;
  table["Div"] = lowerVariadic<DivOp>;
  table["Max"] = lowerVariadic<MaxOp>;
  table["Min"] = lowerVariadic<MinOp>;
  table["And"] = lowerVariadic<AndOp>;
  table["Or"] = lowerVariadic<OrOp>;
  table["Xor"] = lowerVariadic<XorOp>;
  table["Pow"] = lowerPow;
  table["Mod"] = lowerMod;
  table["Equal"] = lowerCompare<CompareDirection::eq>;
  table["Less"] = lowerCompare<CompareDirection::lt>;
  table["LessOrEqual"] = lowerCompare<CompareDirection::le>;
  table["Greater"] = lowerCompare<CompareDirection::gt>;
  table["GreaterOrEqual"] = lowerCompare<CompareDirection::ge>;
  table["Neg"] = lowerUnary<NegOp>;
  table["Abs"] = lowerUnary<AbsOp>;
  table["Exp"] = lowerUnary<ExpOp>;
  table["Log"] = lowerUnary<LogOp>;
  table["Sqrt"] = lowerUnary<SqrtOp>;
  table["Reciprocal"] = lowerUnary<ReciprocalOp>;
  table["Tanh"] = lowerUnary<TanhOp>;
  table["Erf"] = lowerUnary<ErfOp>;
  table["Sin"] = lowerUnary<SinOp>;
  table["Cos"] = lowerUnary<CosOp>;
  table["Sigmoid"] = lowerUnary<SigmoidOp>;
  table["Relu"] = lowerUnary<ReluOp>;
  table["Floor"] = lowerUnary<FloorOp>;
  table["Ceil"] = lowerUnary<CeilOp>;
  table["Sign"] = lowerUnary<SignOp>;
  table["Not"] = lowerUnary<NotOp>;
  table["Identity"] = lowerIdentity;
  table["Dropout"] = lowerDropout;
  table["IsNaN"] = lowerIsNaN;
  table["Mean"] = lowerMean;
  table["Cast"] = lowerCastTo;
  table["CastLike"] = lowerCastLike;
  table["Where"] = lowerWhere;
  table["Clip"] = lowerClip;
  table["Softplus"] = lowerSoftplus;
  table["LeakyRelu"] = lowerLeakyRelu;
  table["Gelu"] = lowerGelu;
}

} // namespace starch::import
