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

/// The forward operands of starch.attention, by its rules.
LogicalResult verifyAttentionOperands(Operation *op, Value query, Value key,
                                      Value value, Value bias, Value bits,
                                      Value positions, AttentionMaskKind mask,
                                      double scale) {
  auto q = tensorType(query), k = tensorType(key), v = tensorType(value);
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return op->emitOpError()
           << "query " << shapeString(query) << ", key " << shapeString(key)
           << " and value " << shapeString(value)
           << " must each be B x H x S x D";
  int64_t batch = q.getDimSize(0), qHeads = q.getDimSize(1),
          kvHeads = k.getDimSize(1), queries = q.getDimSize(2),
          keys = k.getDimSize(2);
  if (k.getShape() != v.getShape())
    return op->emitOpError()
           << "key " << shapeString(key) << " and value " << shapeString(value)
           << " differ; they need the same B x Hkv x T x D";
  if (k.getDimSize(0) != batch || k.getDimSize(3) != q.getDimSize(3))
    return op->emitOpError()
           << "key " << shapeString(key) << " does not match query "
           << shapeString(query) << " in batch or head size";
  if (kvHeads == 0 || qHeads % kvHeads != 0)
    return op->emitOpError()
           << qHeads << " query heads cannot share " << kvHeads
           << " key/value heads (Hq must be a multiple of Hkv)";
  if ((mask == AttentionMaskKind::additive) != static_cast<bool>(bias))
    return op->emitOpError()
           << "a bias operand is needed exactly when mask = additive";
  SmallVector<std::pair<StringRef, Value>> others{{"key", key},
                                                  {"value", value}};
  if (bias) {
    auto b = tensorType(bias);
    if (b.getRank() != 4 ||
        (b.getDimSize(0) != 1 && b.getDimSize(0) != batch) ||
        (b.getDimSize(1) != 1 && b.getDimSize(1) != qHeads) ||
        b.getDimSize(2) != queries || b.getDimSize(3) != keys)
      return op->emitOpError()
             << "bias has shape " << shapeString(bias) << "; expected ("
             << batch << "|1)x(" << qHeads << "|1)x" << queries << "x" << keys;
    others.push_back({"bias", bias});
  }
  if (failed(
          verifyBitfieldBits(op, mask, bits, positions, batch, queries, keys)))
    return failure();
  Type element = q.getElementType();
  for (auto [name, other] : others)
    if (tensorType(other).getElementType() != element)
      return op->emitOpError() << name << " has element type "
                               << tensorType(other).getElementType()
                               << " but the query has " << element;
  if (!std::isfinite(scale) || scale <= 0)
    return op->emitOpError() << "scale = " << numberString(scale)
                             << " must be positive and finite";
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
                                     getMask(), getScale().convertToDouble())))
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
