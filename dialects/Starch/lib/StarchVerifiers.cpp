//===- StarchVerifiers.cpp - Shape rules of the starch ops ----------------===//
//
// Each verifier states the broken rule and the shapes involved, so that an
// importer or pass bug reads like a shape error in the model.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

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

LogicalResult verifyAxis(Operation *op, int64_t axis, int64_t rank,
                         StringRef name = "axis") {
  if (axis < 0 || axis >= rank)
    return op->emitOpError() << name << " " << axis
                             << " is outside [0, " << rank << ")";
  return success();
}

LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected,
                                Value result) {
  if (tensorType(result).getShape() != expected)
    return op->emitOpError() << "result has shape " << shapeString(result)
                             << " but the operands give "
                             << shapeString(expected);
  return success();
}

LogicalResult verifySameElementType(Operation *op, Value a, Value b) {
  if (tensorType(a).getElementType() != tensorType(b).getElementType())
    return op->emitOpError() << "element types differ: "
                             << tensorType(a).getElementType() << " vs "
                             << tensorType(b).getElementType();
  return success();
}

} // namespace

LogicalResult IotaOp::verify() {
  return verifyAxis(*this, getDim(), getType().getRank(), "dim");
}

LogicalResult CompareOp::verify() {
  if (getType().getShape() != getLhs().getType().getShape())
    return emitOpError() << "result has shape " << shapeString(getResult())
                         << " but the operands have shape "
                         << shapeString(getLhs());
  return success();
}

LogicalResult SelectOp::verify() {
  if (getCondition().getType().getShape() != getType().getShape())
    return emitOpError() << "condition has shape "
                         << shapeString(getCondition())
                         << " but the values have shape "
                         << shapeString(getResult());
  return success();
}

LogicalResult ConvertOp::verify() {
  if (getInput().getType().getShape() != getType().getShape())
    return emitOpError() << "changes the shape from "
                         << shapeString(getInput()) << " to "
                         << shapeString(getResult())
                         << "; convert only changes the element type";
  return success();
}

LogicalResult BroadcastOp::verify() {
  auto input = getInput().getType();
  auto result = getType();
  ArrayRef<int64_t> dims = getDims();
  if (static_cast<int64_t>(dims.size()) != input.getRank())
    return emitOpError() << "dims has " << dims.size()
                         << " entries but the operand has rank "
                         << input.getRank();
  if (failed(verifySameElementType(*this, getInput(), getResult())))
    return failure();
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (failed(verifyAxis(*this, dim, result.getRank(), "dims entry")))
      return failure();
    if (i > 0 && dims[i - 1] >= dim)
      return emitOpError() << "dims must be strictly increasing";
    int64_t size = input.getDimSize(i);
    if (size != 1 && size != result.getDimSize(dim))
      return emitOpError() << "operand dimension " << i << " (size " << size
                           << ") cannot broadcast to result dimension " << dim
                           << " (size " << result.getDimSize(dim) << ") of "
                           << shapeString(getResult());
  }
  return success();
}

LogicalResult ReshapeOp::verify() {
  if (getInput().getType().getNumElements() != getType().getNumElements())
    return emitOpError() << "cannot reshape " << shapeString(getInput())
                         << " (" << getInput().getType().getNumElements()
                         << " elements) into " << shapeString(getResult())
                         << " (" << getType().getNumElements() << " elements)";
  return verifySameElementType(*this, getInput(), getResult());
}

LogicalResult TransposeOp::verify() {
  auto input = getInput().getType();
  ArrayRef<int64_t> perm = getPerm();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return emitOpError() << "perm has " << perm.size()
                         << " entries but the operand has rank "
                         << input.getRank();
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return emitOpError() << "perm is not a permutation of [0, "
                           << input.getRank() << ")";
    seen[p] = true;
    expected.push_back(input.getDimSize(p));
  }
  if (failed(verifySameElementType(*this, getInput(), getResult())))
    return failure();
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one operand";
  auto first = tensorType(getInputs().front());
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, first.getRank())))
    return failure();
  SmallVector<int64_t> expected(first.getShape());
  expected[axis] = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    auto type = tensorType(input);
    if (type.getElementType() != first.getElementType())
      return emitOpError() << "operand #" << i << " has element type "
                           << type.getElementType() << " but operand #0 has "
                           << first.getElementType();
    if (type.getRank() != first.getRank())
      return emitOpError() << "operand #" << i << " has rank "
                           << type.getRank() << " but operand #0 has rank "
                           << first.getRank();
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != axis && type.getDimSize(d) != first.getDimSize(d))
        return emitOpError() << "operand #" << i << " has shape "
                             << shapeString(input) << " but operand #0 has "
                             << shapeString(getInputs().front())
                             << "; they may differ only in dimension " << axis;
    expected[axis] += type.getDimSize(axis);
  }
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult SliceOp::verify() {
  auto input = getInput().getType();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(getStart().size()) != rank ||
      static_cast<int64_t>(getLimit().size()) != rank ||
      static_cast<int64_t>(getStrides().size()) != rank)
    return emitOpError() << "start, limit and strides need " << rank
                         << " entries each (the operand rank)";
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t start = getStart()[d], limit = getLimit()[d],
            stride = getStrides()[d];
    if (stride == 0)
      return emitOpError() << "stride of dimension " << d << " is 0";
    int64_t count = stride > 0 ? (limit - start + stride - 1) / stride
                               : (start - limit - stride - 1) / -stride;
    count = std::max<int64_t>(count, 0);
    if (count > 0) {
      int64_t last = start + (count - 1) * stride;
      if (start < 0 || start >= input.getDimSize(d) || last < 0 ||
          last >= input.getDimSize(d))
        return emitOpError() << "window [" << start << ":" << limit << ":"
                             << stride << "] leaves dimension " << d
                             << " of " << shapeString(getInput());
    }
    expected.push_back(count);
  }
  if (failed(verifySameElementType(*this, getInput(), getResult())))
    return failure();
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult PadOp::verify() {
  auto input = getInput().getType();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(getLow().size()) != rank ||
      static_cast<int64_t>(getHigh().size()) != rank)
    return emitOpError() << "low and high need " << rank
                         << " entries each (the operand rank)";
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = input.getDimSize(d) + getLow()[d] + getHigh()[d];
    if (size < 0)
      return emitOpError() << "padding makes dimension " << d << " negative";
    expected.push_back(size);
  }
  if (failed(verifySameElementType(*this, getInput(), getResult())))
    return failure();
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult GatherOp::verify() {
  auto data = getData().getType();
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, data.getRank())))
    return failure();
  SmallVector<int64_t> expected(data.getShape().take_front(axis));
  llvm::append_range(expected, getIndices().getType().getShape());
  llvm::append_range(expected, data.getShape().drop_front(axis + 1));
  if (failed(verifySameElementType(*this, getData(), getResult())))
    return failure();
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult MatmulOp::verify() {
  auto lhs = getLhs().getType();
  auto rhs = getRhs().getType();
  if (lhs.getRank() < 2 || lhs.getRank() != rhs.getRank())
    return emitOpError() << "operands have shapes " << shapeString(getLhs())
                         << " and " << shapeString(getRhs())
                         << "; both need the same rank >= 2";
  int64_t rank = lhs.getRank();
  if (lhs.getShape().drop_back(2) != rhs.getShape().drop_back(2))
    return emitOpError() << "batch dimensions of " << shapeString(getLhs())
                         << " and " << shapeString(getRhs())
                         << " differ (broadcast explicitly)";
  if (lhs.getDimSize(rank - 1) != rhs.getDimSize(rank - 2))
    return emitOpError() << "operand #1 has shape " << shapeString(getRhs())
                         << " but the contraction needs "
                         << lhs.getDimSize(rank - 1) << "xN";
  if (failed(verifySameElementType(*this, getLhs(), getRhs())))
    return failure();
  SmallVector<int64_t> expected(lhs.getShape().drop_back(1));
  expected.push_back(rhs.getDimSize(rank - 1));
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult ReduceOp::verify() {
  auto input = getInput().getType();
  ArrayRef<int64_t> dims = getDims();
  SmallVector<bool> reduced(input.getRank(), false);
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (failed(verifyAxis(*this, dim, input.getRank(), "reduced dimension")))
      return failure();
    if (i > 0 && dims[i - 1] >= dim)
      return emitOpError() << "dims must be sorted and unique";
    reduced[dim] = true;
  }
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < input.getRank(); ++d)
    if (!reduced[d])
      expected.push_back(input.getDimSize(d));
  if (failed(verifySameElementType(*this, getInput(), getResult())))
    return failure();
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult ArgMaxOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyAxis(*this, getAxis(), input.getRank())))
    return failure();
  SmallVector<int64_t> expected(input.getShape());
  expected.erase(expected.begin() + getAxis());
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getType().getRank());
}

LogicalResult ConvOp::verify() {
  auto input = getInput().getType();
  auto filter = getFilter().getType();
  int64_t spatial = input.getRank() - 2;
  if (spatial < 1 || filter.getRank() != input.getRank())
    return emitOpError() << "input " << shapeString(getInput())
                         << " and filter " << shapeString(getFilter())
                         << " need the same rank >= 3 (N x C x spatial...)";
  if (static_cast<int64_t>(getStrides().size()) != spatial ||
      static_cast<int64_t>(getPadLow().size()) != spatial ||
      static_cast<int64_t>(getPadHigh().size()) != spatial ||
      static_cast<int64_t>(getDilations().size()) != spatial)
    return emitOpError() << "strides, pad_low, pad_high and dilations need "
                         << spatial << " entries each";
  int64_t groups = getGroups();
  if (groups < 1 || input.getDimSize(1) % groups != 0 ||
      filter.getDimSize(0) % groups != 0)
    return emitOpError() << "groups = " << groups
                         << " must divide the input channels ("
                         << input.getDimSize(1) << ") and output channels ("
                         << filter.getDimSize(0) << ")";
  if (filter.getDimSize(1) * groups != input.getDimSize(1))
    return emitOpError() << "filter " << shapeString(getFilter())
                         << " expects " << filter.getDimSize(1) * groups
                         << " input channels but the input has "
                         << input.getDimSize(1);
  SmallVector<int64_t> expected{input.getDimSize(0), filter.getDimSize(0)};
  for (int64_t i = 0; i < spatial; ++i) {
    if (getStrides()[i] < 1 || getDilations()[i] < 1)
      return emitOpError() << "strides and dilations must be positive";
    int64_t span = getDilations()[i] * (filter.getDimSize(i + 2) - 1) + 1;
    int64_t padded =
        input.getDimSize(i + 2) + getPadLow()[i] + getPadHigh()[i];
    if (padded < span)
      return emitOpError() << "kernel window " << span
                           << " exceeds the padded spatial size " << padded;
    expected.push_back((padded - span) / getStrides()[i] + 1);
  }
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult RmsNormOp::verify() {
  auto input = getInput().getType();
  auto weight = getWeight().getType();
  if (weight.getRank() != 1 || input.getRank() < 1 ||
      weight.getDimSize(0) != input.getShape().back())
    return emitOpError() << "weight has shape " << shapeString(getWeight())
                         << " but normalising " << shapeString(getInput())
                         << " needs " << input.getShape().back();
  return verifyResultShape(*this, input.getShape(), getResult());
}

LogicalResult LayerNormOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyAxis(*this, getAxis(), input.getRank())))
    return failure();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(getAxis());
  for (Value param : {getWeight(), getBias()})
    if (tensorType(param).getShape() != normalized)
      return emitOpError() << "weight and bias need shape "
                           << shapeString(normalized) << ", got "
                           << shapeString(param);
  return verifyResultShape(*this, input.getShape(), getResult());
}

LogicalResult RopeOp::verify() {
  auto input = getInput().getType();
  if (input.getRank() != 4 || input.getDimSize(3) % 2 != 0)
    return emitOpError() << "input has shape " << shapeString(getInput())
                         << "; expected B x H x S x D with even D";
  SmallVector<int64_t> table{input.getDimSize(0), input.getDimSize(2),
                             input.getDimSize(3)};
  for (Value t : {getCos(), getSin()})
    if (tensorType(t).getShape() != ArrayRef<int64_t>(table))
      return emitOpError() << "cos and sin need shape " << shapeString(table)
                           << " (B x S x D), got " << shapeString(t);
  return verifyResultShape(*this, input.getShape(), getResult());
}

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType(), k = getKey().getType(),
       v = getValue().getType();
  if (q.getRank() != 4 || k.getRank() != 4 || v.getRank() != 4)
    return emitOpError() << "query, key and value must be B x H x S x D";
  int64_t batch = q.getDimSize(0), qHeads = q.getDimSize(1),
          kvHeads = k.getDimSize(1), queries = q.getDimSize(2),
          keys = k.getDimSize(2);
  if (k.getShape() != v.getShape())
    return emitOpError() << "key " << shapeString(getKey()) << " and value "
                         << shapeString(getValue()) << " differ";
  if (k.getDimSize(0) != batch || k.getDimSize(3) != q.getDimSize(3))
    return emitOpError() << "key " << shapeString(getKey())
                         << " does not match query " << shapeString(getQuery())
                         << " in batch or head size";
  if (kvHeads == 0 || qHeads % kvHeads != 0)
    return emitOpError() << qHeads << " query heads cannot share " << kvHeads
                         << " key/value heads";
  bool additive = getMask() == AttentionMaskKind::additive;
  if (additive != static_cast<bool>(getBias()))
    return emitOpError() << "a bias operand is needed exactly when mask = "
                            "additive";
  if (Value bias = getBias()) {
    auto b = tensorType(bias);
    if (b.getRank() != 4 || (b.getDimSize(0) != 1 && b.getDimSize(0) != batch) ||
        (b.getDimSize(1) != 1 && b.getDimSize(1) != qHeads) ||
        b.getDimSize(2) != queries || b.getDimSize(3) != keys)
      return emitOpError() << "bias has shape " << shapeString(bias)
                           << "; expected (" << batch << "|1)x(" << qHeads
                           << "|1)x" << queries << "x" << keys;
  }
  return verifyResultShape(*this, q.getShape(), getResult());
}
