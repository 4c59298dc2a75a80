//===- StarchVerifiers.cpp - Shape rules of the starch ops ----------------===//
//
// Each verifier states the broken rule and the shapes involved, so that an
// importer or pass bug reads like a shape error in the model.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/STLExtras.h"
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

/// "[1, 0]" for messages about index lists.
std::string listString(ArrayRef<int64_t> values) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(values, os);
  os << "]";
  return text;
}

/// "1e-05", "0", "inf", "nan" for messages about float attributes.
std::string numberString(double value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%g", value);
  return text;
}

/// `axis` must name a dimension of `of` (whose shape is quoted).
LogicalResult verifyAxis(Operation *op, int64_t axis, Value of,
                         StringRef name = "axis") {
  int64_t rank = tensorType(of).getRank();
  if (axis < 0 || axis >= rank)
    return op->emitOpError()
           << name << " " << axis << " is outside the dimensions [0, " << rank
           << ") of " << shapeString(of);
  return success();
}

/// The result shape must be `expected`; `source` says what gives it.
LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected,
                                Value result,
                                StringRef source = "the operands give") {
  if (tensorType(result).getShape() != expected)
    return op->emitOpError()
           << "result has shape " << shapeString(result) << " but " << source
           << " " << shapeString(expected);
  return success();
}

/// `value` (called `name`) must have the element type of `reference`.
LogicalResult verifyElementType(Operation *op, StringRef name, Value value,
                                StringRef referenceName, Value reference) {
  Type actual = tensorType(value).getElementType();
  Type expected = tensorType(reference).getElementType();
  if (actual != expected)
    return op->emitOpError() << name << " has element type " << actual
                             << " but " << referenceName << " has " << expected;
  return success();
}

/// Normalisation epsilons are added to a variance: finite and not negative.
LogicalResult verifyEpsilon(Operation *op, double epsilon) {
  if (!std::isfinite(epsilon) || epsilon < 0)
    return op->emitOpError() << "epsilon = " << numberString(epsilon)
                             << " must be finite and >= 0";
  return success();
}

} // namespace

LogicalResult starch::verifyAttentionScoring(Operation *op,
                                             AttentionMaskKind mask,
                                             double scale, IntegerAttr window,
                                             FloatAttr softcap) {
  if (!std::isfinite(scale) || scale <= 0)
    return op->emitOpError() << "scale = " << numberString(scale)
                             << " must be positive and finite";
  if (window && window.getInt() <= 0)
    return op->emitOpError() << "window = " << window.getInt()
                             << " must be positive (a count of keys)";
  if (window && mask != AttentionMaskKind::full &&
      mask != AttentionMaskKind::causal)
    return op->emitOpError() << "window needs mask = full or causal, not "
                             << stringifyAttentionMaskKind(mask);
  if (softcap && (!std::isfinite(softcap.getValueAsDouble()) ||
                  softcap.getValueAsDouble() <= 0))
    return op->emitOpError()
           << "softcap = " << numberString(softcap.getValueAsDouble())
           << " must be positive and finite";
  return success();
}

LogicalResult starch::verifyAttentionOperands(
    Operation *op, Value query, Value key, Value value, Value bias, Value bits,
    Value positions, AttentionMaskKind mask, double scale, IntegerAttr window,
    FloatAttr softcap) {
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
  if (bias) {
    auto b = tensorType(bias);
    if (b.getRank() != 4 ||
        (b.getDimSize(0) != 1 && b.getDimSize(0) != batch) ||
        (b.getDimSize(1) != 1 && b.getDimSize(1) != qHeads) ||
        b.getDimSize(2) != queries || b.getDimSize(3) != keys)
      return op->emitOpError()
             << "bias has shape " << shapeString(bias) << "; expected ("
             << batch << "|1)x(" << qHeads << "|1)x" << queries << "x" << keys;
  }
  if (failed(
          verifyBitfieldBits(op, mask, bits, positions, batch, queries, keys)))
    return failure();
  for (auto [name, other] : {std::pair<StringRef, Value>{"key", key},
                             {"value", value},
                             {"bias", bias}})
    if (other && failed(verifyElementType(op, name, other, "the query", query)))
      return failure();
  return verifyAttentionScoring(op, mask, scale, window, softcap);
}

// Self-attention only: the rule compares query and key positions.
LogicalResult starch::verifyBitfieldBits(Operation *op, AttentionMaskKind mask,
                                         Value bits, Value positions,
                                         int64_t batch, int64_t queries,
                                         int64_t keys) {
  if ((mask == AttentionMaskKind::bitfield) != static_cast<bool>(bits))
    return op->emitOpError()
           << "a bits operand is needed exactly when mask = bitfield";
  if (positions) {
    if (mask != AttentionMaskKind::causal &&
        mask != AttentionMaskKind::bitfield)
      return op->emitOpError() << "positions need mask = causal or bitfield";
    if (tensorType(positions).getShape() != ArrayRef<int64_t>{queries})
      return op->emitOpError()
             << "positions has shape " << shapeString(positions)
             << "; expected " << queries << " (one per query)";
  }
  if (!bits)
    return success();
  // With positions the words are the keys'; the queries read theirs.
  int64_t words = positions ? keys : queries;
  if (tensorType(bits).getShape() != ArrayRef<int64_t>{batch, words})
    return op->emitOpError()
           << "bits has shape " << shapeString(bits) << "; expected " << batch
           << "x" << words << " (one word per token)";
  if (!positions && queries != keys)
    return op->emitOpError()
           << "mask = bitfield needs self-attention, but there are " << queries
           << " queries and " << keys << " keys";
  return success();
}

LogicalResult IotaOp::verify() {
  Type element = getType().getElementType();
  if (element.isInteger(1) || !llvm::isa<IntegerType, FloatType>(element))
    return emitOpError() << "result element type " << element
                         << " cannot hold indices; iota needs an integer "
                            "(wider than i1) or float element type";
  return verifyAxis(*this, getDim(), getResult(), "dim");
}

LogicalResult starch::verifySameShapeOperands(Operation *op) {
  Value result = op->getResult(0);
  for (OpOperand &operand : op->getOpOperands())
    if (tensorType(operand.get()).getShape() != tensorType(result).getShape())
      return op->emitOpError()
             << "operand #" << operand.getOperandNumber() << " has shape "
             << shapeString(operand.get()) << " but the result has shape "
             << shapeString(result)
             << "; elementwise operands need the result's shape (broadcast "
                "explicitly)";
  return success();
}

LogicalResult BroadcastOp::verify() {
  auto input = getInput().getType();
  auto result = getType();
  ArrayRef<int64_t> dims = getDims();
  if (static_cast<int64_t>(dims.size()) != input.getRank())
    return emitOpError() << "dims " << listString(dims) << " has "
                         << dims.size() << " entries but the operand "
                         << shapeString(getInput()) << " has rank "
                         << input.getRank();
  if (failed(verifyElementType(*this, "result", getResult(), "the operand",
                               getInput())))
    return failure();
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (failed(verifyAxis(*this, dim, getResult(), "dims entry")))
      return failure();
    if (i > 0 && dims[i - 1] >= dim)
      return emitOpError() << "dims " << listString(dims)
                           << " must be strictly increasing";
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
    return emitOpError() << "cannot reshape " << shapeString(getInput()) << " ("
                         << getInput().getType().getNumElements()
                         << " elements) into " << shapeString(getResult())
                         << " (" << getType().getNumElements() << " elements)";
  return verifyElementType(*this, "result", getResult(), "the operand",
                           getInput());
}

LogicalResult TransposeOp::verify() {
  auto input = getInput().getType();
  ArrayRef<int64_t> perm = getPerm();
  if (static_cast<int64_t>(perm.size()) != input.getRank())
    return emitOpError() << "perm " << listString(perm) << " has "
                         << perm.size() << " entries but the operand "
                         << shapeString(getInput()) << " has rank "
                         << input.getRank();
  SmallVector<bool> seen(perm.size(), false);
  SmallVector<int64_t> expected;
  for (int64_t p : perm) {
    if (p < 0 || p >= input.getRank() || seen[p])
      return emitOpError() << "perm " << listString(perm)
                           << " is not a permutation of [0, " << input.getRank()
                           << ")";
    seen[p] = true;
    expected.push_back(input.getDimSize(p));
  }
  if (failed(verifyElementType(*this, "result", getResult(), "the operand",
                               getInput())))
    return failure();
  return verifyResultShape(*this, expected, getResult(),
                           "transposing " + shapeString(getInput()) + " by " +
                               listString(perm) + " gives");
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one operand";
  Value firstValue = getInputs().front();
  auto first = tensorType(firstValue);
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, firstValue)))
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
      return emitOpError() << "operand #" << i << " has shape "
                           << shapeString(input) << " (rank " << type.getRank()
                           << ") but operand #0 has shape "
                           << shapeString(firstValue) << " (rank "
                           << first.getRank() << ")";
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (d != axis && type.getDimSize(d) != first.getDimSize(d))
        return emitOpError()
               << "operand #" << i << " has shape " << shapeString(input)
               << " but operand #0 has " << shapeString(firstValue)
               << "; they may differ only in dimension " << axis;
    expected[axis] += type.getDimSize(axis);
  }
  if (failed(verifyElementType(*this, "result", getResult(), "operand #0",
                               firstValue)))
    return failure();
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult SliceOp::verify() {
  auto input = getInput().getType();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(getStart().size()) != rank ||
      static_cast<int64_t>(getLimit().size()) != rank ||
      static_cast<int64_t>(getStrides().size()) != rank)
    return emitOpError() << "start, limit and strides need " << rank
                         << " entries each (the rank of "
                         << shapeString(getInput()) << "), got "
                         << getStart().size() << ", " << getLimit().size()
                         << " and " << getStrides().size();
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
                             << stride << "] leaves dimension " << d << " of "
                             << shapeString(getInput());
    }
    expected.push_back(count);
  }
  if (failed(verifyElementType(*this, "result", getResult(), "the operand",
                               getInput())))
    return failure();
  return verifyResultShape(*this, expected, getResult(), "the window gives");
}

LogicalResult PadOp::verify() {
  auto input = getInput().getType();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(getLow().size()) != rank ||
      static_cast<int64_t>(getHigh().size()) != rank)
    return emitOpError() << "low and high need " << rank
                         << " entries each (the rank of "
                         << shapeString(getInput()) << "), got "
                         << getLow().size() << " and " << getHigh().size();
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t size = input.getDimSize(d) + getLow()[d] + getHigh()[d];
    if (size < 0)
      return emitOpError() << "padding dimension " << d << " of "
                           << shapeString(getInput()) << " by low "
                           << getLow()[d] << " and high " << getHigh()[d]
                           << " leaves a negative size " << size;
    expected.push_back(size);
  }
  if (failed(verifyElementType(*this, "result", getResult(), "the operand",
                               getInput())))
    return failure();
  return verifyResultShape(*this, expected, getResult(), "the padding gives");
}

/// A block offset (gather, scatter_add) is one element of the indices' type.
static LogicalResult verifyBlockOffset(Operation *op, Value offset,
                                       Value indices) {
  if (!offset)
    return success();
  auto type = cast<RankedTensorType>(offset.getType());
  auto indexType = cast<RankedTensorType>(indices.getType()).getElementType();
  if (type.getNumElements() != 1 || type.getElementType() != indexType)
    return op->emitOpError()
           << "offset has type " << type
           << " but must be one element of the indices' type " << indexType;
  return success();
}

LogicalResult GatherOp::verify() {
  auto data = getData().getType();
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, getData())) ||
      failed(verifyBlockOffset(*this, getOffset(), getIndices())))
    return failure();
  // In a block (offset), padding_idx counts in the whole, longer axis.
  if (std::optional<int64_t> pad = getPaddingIdx();
      pad && (*pad < 0 || (!getOffset() && *pad >= data.getDimSize(axis))))
    return emitOpError() << "padding_idx " << *pad << " is outside [0, "
                         << data.getDimSize(axis) << ") (dimension " << axis
                         << " of the data)";
  SmallVector<int64_t> expected(data.getShape().take_front(axis));
  llvm::append_range(expected, getIndices().getType().getShape());
  llvm::append_range(expected, data.getShape().drop_front(axis + 1));
  if (failed(verifyElementType(*this, "result", getResult(), "the data",
                               getData())))
    return failure();
  return verifyResultShape(*this, expected, getResult(),
                           "data.shape[:axis] + indices.shape + "
                           "data.shape[axis+1:] is");
}

LogicalResult ScatterAddOp::verify() {
  auto result = getResult().getType();
  int64_t axis = getAxis();
  if (failed(verifyAxis(*this, axis, getResult())) ||
      failed(verifyBlockOffset(*this, getOffset(), getIndices())))
    return failure();
  SmallVector<int64_t> expected(result.getShape().take_front(axis));
  llvm::append_range(expected, getIndices().getType().getShape());
  llvm::append_range(expected, result.getShape().drop_front(axis + 1));
  if (getUpdates().getType().getShape() != ArrayRef<int64_t>(expected))
    return emitOpError() << "updates have shape " << shapeString(getUpdates())
                         << "; result.shape[:axis] + indices.shape + "
                            "result.shape[axis+1:] is "
                         << shapeString(expected);
  return verifyElementType(*this, "result", getResult(), "the updates",
                           getUpdates());
}

LogicalResult MatmulOp::verify() {
  auto lhs = getLhs().getType();
  auto rhs = getRhs().getType();
  if (lhs.getRank() < 2 || lhs.getRank() != rhs.getRank())
    return emitOpError() << "operands have shapes " << shapeString(getLhs())
                         << " and " << shapeString(getRhs())
                         << "; both need the same rank >= 2";
  if (lhs.getShape().drop_back(2) != rhs.getShape().drop_back(2))
    return emitOpError() << "batch dimensions of " << shapeString(getLhs())
                         << " and " << shapeString(getRhs())
                         << " differ (broadcast explicitly)";
  int64_t contraction = lhs.getDimSize(lhsContractedDim());
  if (contraction != rhs.getDimSize(rhsContractedDim())) {
    SmallVector<int64_t> batch(lhs.getShape().drop_back(2));
    std::string needed = batch.empty() ? "" : shapeString(batch) + "x";
    needed += getTransposeRhs() ? "Nx" + std::to_string(contraction)
                                : std::to_string(contraction) + "xN";
    return emitOpError() << "operand #1 has shape " << shapeString(getRhs())
                         << " but the contraction needs " << needed;
  }
  if (failed(verifyElementType(*this, "operand #1", getRhs(), "operand #0",
                               getLhs())) ||
      failed(verifyElementType(*this, "result", getResult(), "operand #0",
                               getLhs())))
    return failure();
  if (getBf16() && !lhs.getElementType().isF32())
    return emitOpError() << "bf16 rounds f32 tensors; the operands are "
                         << lhs.getElementType();
  SmallVector<int64_t> expected(lhs.getShape().drop_back(2));
  expected.push_back(lhs.getDimSize(lhsRowDim()));
  expected.push_back(rhs.getDimSize(rhsColumnDim()));
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult ReduceOp::verify() {
  auto input = getInput().getType();
  ArrayRef<int64_t> dims = getDims();
  SmallVector<bool> reduced(input.getRank(), false);
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (failed(verifyAxis(*this, dim, getInput(), "reduced dimension")))
      return failure();
    if (i > 0 && dims[i - 1] >= dim)
      return emitOpError() << "dims " << listString(dims)
                           << " must be sorted and unique";
    reduced[dim] = true;
  }
  SmallVector<int64_t> expected;
  for (int64_t d = 0; d < input.getRank(); ++d)
    if (!reduced[d])
      expected.push_back(input.getDimSize(d));
  if (failed(verifyElementType(*this, "result", getResult(), "the operand",
                               getInput())))
    return failure();
  return verifyResultShape(*this, expected, getResult(),
                           "removing dims " + listString(dims) + " from " +
                               shapeString(getInput()) + " gives");
}

LogicalResult ArgMaxOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyAxis(*this, getAxis(), getInput())))
    return failure();
  SmallVector<int64_t> expected(input.getShape());
  expected.erase(expected.begin() + getAxis());
  return verifyResultShape(*this, expected, getResult(),
                           "removing the axis from " + shapeString(getInput()) +
                               " gives");
}

LogicalResult CumSumOp::verify() {
  if (getInput().getType().getElementType().isInteger(1))
    return emitOpError() << "input " << getInput().getType()
                         << " is boolean; prefix sums need integers or floats";
  return verifyAxis(*this, getAxis(), getInput());
}

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput());
}

LogicalResult LogSoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput());
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
                         << spatial << " entries each (one per spatial "
                         << "dimension of " << shapeString(getInput()) << ")";
  int64_t groups = getGroups();
  if (groups < 1 || input.getDimSize(1) % groups != 0 ||
      filter.getDimSize(0) % groups != 0)
    return emitOpError() << "groups = " << groups
                         << " must divide the input channels ("
                         << input.getDimSize(1) << ") and output channels ("
                         << filter.getDimSize(0) << ")";
  if (filter.getDimSize(1) * groups != input.getDimSize(1))
    return emitOpError() << "filter " << shapeString(getFilter()) << " expects "
                         << filter.getDimSize(1) * groups
                         << " input channels but the input "
                         << shapeString(getInput()) << " has "
                         << input.getDimSize(1);
  if (failed(verifyElementType(*this, "filter", getFilter(), "the input",
                               getInput())) ||
      failed(verifyElementType(*this, "result", getResult(), "the input",
                               getInput())))
    return failure();
  SmallVector<int64_t> expected{input.getDimSize(0), filter.getDimSize(0)};
  for (int64_t i = 0; i < spatial; ++i) {
    if (getStrides()[i] < 1 || getDilations()[i] < 1)
      return emitOpError() << "strides and dilations must be positive; "
                           << "spatial dimension " << i << " has stride "
                           << getStrides()[i] << " and dilation "
                           << getDilations()[i];
    int64_t span = getDilations()[i] * (filter.getDimSize(i + 2) - 1) + 1;
    int64_t padded = input.getDimSize(i + 2) + getPadLow()[i] + getPadHigh()[i];
    if (padded < span)
      return emitOpError() << "kernel window " << span
                           << " exceeds the padded size " << padded
                           << " of spatial dimension " << i << " of "
                           << shapeString(getInput());
    expected.push_back((padded - span) / getStrides()[i] + 1);
  }
  return verifyResultShape(*this, expected, getResult());
}

LogicalResult RmsNormOp::verify() {
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
      failed(verifyElementType(*this, "weight", getWeight(), "the input",
                               getInput())) ||
      failed(verifyElementType(*this, "result", getResult(), "the input",
                               getInput())))
    return failure();
  return verifyResultShape(*this, input.getShape(), getResult(),
                           "the input has");
}

LogicalResult LayerNormOp::verify() {
  auto input = getInput().getType();
  if (failed(verifyAxis(*this, getAxis(), getInput())))
    return failure();
  ArrayRef<int64_t> normalized = input.getShape().drop_front(getAxis());
  for (auto [name, param] : {std::pair<StringRef, Value>{"weight", getWeight()},
                             std::pair<StringRef, Value>{"bias", getBias()}})
    if (tensorType(param).getShape() != normalized)
      return emitOpError() << name << " has shape " << shapeString(param)
                           << " but normalising dimensions " << getAxis()
                           << ".. of " << shapeString(getInput()) << " needs "
                           << shapeString(normalized);
  if (failed(verifyEpsilon(*this, getEpsilon().convertToDouble())) ||
      failed(verifyElementType(*this, "weight", getWeight(), "the input",
                               getInput())) ||
      failed(verifyElementType(*this, "bias", getBias(), "the input",
                               getInput())) ||
      failed(verifyElementType(*this, "result", getResult(), "the input",
                               getInput())))
    return failure();
  return verifyResultShape(*this, input.getShape(), getResult(),
                           "the input has");
}

LogicalResult RopeOp::verify() {
  auto input = getInput().getType();
  if (input.getRank() != 4 || input.getDimSize(3) % 2 != 0)
    return emitOpError() << "input has shape " << shapeString(getInput())
                         << "; expected B x H x S x D with even D";
  SmallVector<int64_t> table{input.getDimSize(0), input.getDimSize(2),
                             input.getDimSize(3)};
  for (auto [name, t] : {std::pair<StringRef, Value>{"cos", getCos()},
                         std::pair<StringRef, Value>{"sin", getSin()}})
    if (tensorType(t).getShape() != ArrayRef<int64_t>(table))
      return emitOpError() << name << " has shape " << shapeString(t)
                           << " but the input " << shapeString(getInput())
                           << " needs tables of shape " << shapeString(table)
                           << " (B x S x D)";
  if (failed(
          verifyElementType(*this, "cos", getCos(), "the input", getInput())) ||
      failed(
          verifyElementType(*this, "sin", getSin(), "the input", getInput())) ||
      failed(verifyElementType(*this, "result", getResult(), "the input",
                               getInput())))
    return failure();
  return verifyResultShape(*this, input.getShape(), getResult(),
                           "the input has");
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyAttentionOperands(*this, getQuery(), getKey(), getValue(),
                                     getBias(), getBits(), getPositions(),
                                     getMask(), getScale().convertToDouble(),
                                     getWindowAttr(), getSoftcapAttr())) ||
      failed(verifyElementType(*this, "result", getResult(), "the query",
                               getQuery())))
    return failure();
  return verifyResultShape(*this, getQuery().getType().getShape(), getResult(),
                           "the query has");
}

//===----------------------------------------------------------------------===//
// Resize
//===----------------------------------------------------------------------===//

/// starch.resize (`from` the input, `to` the result) and starch.resize_grad
/// (`from` the cotangent's resize input, i.e. its result, `to` its operand).
static LogicalResult verifyResize(Operation *op, Value from, Value to,
                                  ArrayRef<double> scales, double cubicA) {
  auto in = tensorType(from), out = tensorType(to);
  if (in.getRank() != out.getRank())
    return op->emitOpError() << "resizes " << shapeString(from) << " to "
                             << shapeString(to) << ": the ranks differ";
  if (static_cast<int64_t>(scales.size()) != in.getRank())
    return op->emitOpError()
           << "has " << scales.size() << " scales for rank " << in.getRank();
  for (int64_t d = 0; d < in.getRank(); ++d)
    if (in.getDimSize(d) == 0 && out.getDimSize(d) != 0)
      return op->emitOpError()
             << "resizes " << shapeString(from) << " to " << shapeString(to)
             << ": dimension " << d << " has no element to sample";
  for (double scale : scales)
    if (!std::isfinite(scale) || scale <= 0)
      return op->emitOpError() << "scale " << numberString(scale)
                               << " must be positive and finite";
  if (!std::isfinite(cubicA))
    return op->emitOpError() << "cubic_coeff_a must be finite";
  if (in.getElementType() != out.getElementType())
    return op->emitOpError() << "input and result element types differ";
  return success();
}

LogicalResult ResizeOp::verify() {
  return verifyResize(*this, getInput(), getResult(), getScales(),
                      getCubicCoeffA().convertToDouble());
}

LogicalResult ResizeGradOp::verify() {
  return verifyResize(*this, getDInput(), getDOut(), getScales(),
                      getCubicCoeffA().convertToDouble());
}
