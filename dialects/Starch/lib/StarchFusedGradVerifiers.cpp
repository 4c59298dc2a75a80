//===- StarchFusedGradVerifiers.cpp - Rules of the fused backward ops -----===//
//
// Verifiers of starch.rms_norm_grad, starch.layer_norm_grad and
// starch.attention_grad. Each forward operand follows its forward op's rule;
// the cotangent operand and every gradient result have the type of the value
// they belong to, which is what the messages name.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace starch;

namespace {

RankedTensorType tensorType(Value value) {
  return llvm::cast<RankedTensorType>(value.getType());
}

/// "4x8" (or "scalar") for messages.
std::string shapeString(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(shape, os, "x");
  return text;
}

std::string shapeString(Value value) {
  return shapeString(tensorType(value).getShape());
}

/// "1e-05", "nan" for messages about float attributes.
std::string numberString(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", value);
  return text;
}

/// `value` (called `name`) must have exactly the type of `reference`.
LogicalResult verifySameType(Operation *op, StringRef name, Value value,
                             StringRef referenceName, Value reference) {
  if (value.getType() != reference.getType())
    return op->emitOpError()
           << name << " has type " << value.getType() << " but "
           << referenceName << " has type " << reference.getType();
  return success();
}

LogicalResult verifyEpsilon(Operation *op, double epsilon) {
  if (!std::isfinite(epsilon) || epsilon < 0)
    return op->emitOpError() << "epsilon = " << numberString(epsilon)
                             << " must be finite and >= 0";
  return success();
}

/// The element types of `values` (named `names`) all equal the input's.
LogicalResult verifyElementTypes(Operation *op, Value input,
                                 ArrayRef<std::pair<StringRef, Value>> values) {
  Type expected = tensorType(input).getElementType();
  for (auto [name, value] : values)
    if (tensorType(value).getElementType() != expected)
      return op->emitOpError() << name << " has element type "
                               << tensorType(value).getElementType()
                               << " but the input has " << expected;
  return success();
}

} // namespace

LogicalResult RmsNormGradOp::verify() {
  auto input = getInput().getType();
  auto weight = getWeight().getType();
  if (input.getRank() < 1)
    return emitOpError() << "input is a scalar; rms_norm normalises the last "
                            "dimension of a tensor of rank >= 1";
  if (weight.getRank() != 1 || weight.getDimSize(0) != input.getShape().back())
    return emitOpError() << "weight has shape " << shapeString(getWeight())
                         << " but normalising " << shapeString(getInput())
                         << " needs " << input.getShape().back();
  if (failed(verifyEpsilon(*this, getEpsilon().convertToDouble())) ||
      failed(verifyElementTypes(*this, getInput(), {{"weight", getWeight()}})))
    return failure();
  if (failed(
          verifySameType(*this, "d_out", getDOut(), "the input", getInput())) ||
      failed(verifySameType(*this, "d_input", getDInput(), "the input",
                            getInput())) ||
      failed(verifySameType(*this, "d_weight", getDWeight(), "the weight",
                            getWeight())))
    return failure();
  return success();
}

LogicalResult LayerNormGradOp::verify() {
  auto input = getInput().getType();
  int64_t axis = getAxis();
  if (axis < 0 || axis >= input.getRank())
    return emitOpError() << "axis " << axis << " is outside the dimensions [0, "
                         << input.getRank() << ") of "
                         << shapeString(getInput());
  ArrayRef<int64_t> normalized = input.getShape().drop_front(axis);
  if (getWeight().getType().getShape() != normalized)
    return emitOpError() << "weight has shape " << shapeString(getWeight())
                         << " but normalising dimensions " << axis << ".. of "
                         << shapeString(getInput()) << " needs "
                         << shapeString(normalized);
  if (failed(verifyEpsilon(*this, getEpsilon().convertToDouble())) ||
      failed(verifyElementTypes(*this, getInput(), {{"weight", getWeight()}})))
    return failure();
  if (failed(
          verifySameType(*this, "d_out", getDOut(), "the input", getInput())) ||
      failed(verifySameType(*this, "d_input", getDInput(), "the input",
                            getInput())) ||
      failed(verifySameType(*this, "d_weight", getDWeight(), "the weight",
                            getWeight())) ||
      failed(verifySameType(*this, "d_bias", getDBias(), "the weight",
                            getWeight())))
    return failure();
  return success();
}

LogicalResult AttentionGradOp::verify() {
  if (failed(verifyAttentionOperands(*this, getQuery(), getKey(), getValue(),
                                     getBias(), getBits(), getPositions(),
                                     getMask(), getScale().convertToDouble(),
                                     getWindowAttr(), getSoftcapAttr())))
    return failure();
  if (failed(verifySameType(*this, "out", getOut(), "the query", getQuery())) ||
      failed(
          verifySameType(*this, "d_out", getDOut(), "the query", getQuery())) ||
      failed(verifySameType(*this, "d_query", getDQuery(), "the query",
                            getQuery())) ||
      failed(verifySameType(*this, "d_key", getDKey(), "the key", getKey())) ||
      failed(verifySameType(*this, "d_value", getDValue(), "the value",
                            getValue())))
    return failure();
  Value bias = getBias(), dBias = getDBias();
  if (static_cast<bool>(bias) != static_cast<bool>(dBias))
    return emitOpError() << "has " << (dBias ? "a" : "no")
                         << " d_bias result but " << (bias ? "a" : "no")
                         << " bias operand; d_bias is there exactly when the "
                            "bias is";
  if (bias)
    return verifySameType(*this, "d_bias", dBias, "the bias", bias);
  return success();
}
