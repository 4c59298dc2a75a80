//===- NodeImporter.cpp - Lowering one ONNX node --------------------------===//
#include "compiler/Import/NodeImporter.h"
#include "compiler/Import/GraphImporter.h"
#include "compiler/Interpreter/Interpreter.h"

#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;

namespace starch::import {

RankedTensorType tensorTypeOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType());
}
ArrayRef<int64_t> shapeOf(Value value) {
  return tensorTypeOf(value).getShape();
}
Type elementTypeOf(Value value) { return tensorTypeOf(value).getElementType(); }
int64_t product(ArrayRef<int64_t> dims) {
  return std::accumulate(dims.begin(), dims.end(), int64_t{1},
                         std::multiplies<int64_t>());
}
SmallVector<int64_t> axisLastPermutation(int64_t rank, int64_t axis) {
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.push_back(axis);
  return perm;
}
bool applyAutoPad(StringRef mode, int64_t size, int64_t stride, int64_t span,
                  int64_t &low, int64_t &high) {
  if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
    int64_t windows = (size + stride - 1) / stride;
    int64_t total = std::max<int64_t>(0, (windows - 1) * stride + span - size);
    low = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
    high = total - low;
  } else if (mode == "VALID") {
    low = high = 0;
  } else if (mode != "NOTSET") {
    return false;
  }
  return true;
}

const llvm::StringMap<Lowering> &onnxLowerings() {
  static const llvm::StringMap<Lowering> table = [] {
    llvm::StringMap<Lowering> lowerings;
    registerElementwiseLowerings(lowerings);
    registerActivationLowerings(lowerings);
    registerConstantLowerings(lowerings);
    registerShapeLowerings(lowerings);
    registerSliceConcatLowerings(lowerings);
    registerGatherLowerings(lowerings);
    registerPadLowerings(lowerings);
    registerResizeLowerings(lowerings);
    registerReductionLowerings(lowerings);
    registerSoftmaxLowerings(lowerings);
    registerNeuralNetLowerings(lowerings);
    registerEinsumLowerings(lowerings);
    registerNormalizationLowerings(lowerings);
    registerPoolingLowerings(lowerings);
    registerLossLowerings(lowerings);
    return lowerings;
  }();
  return table;
}

NodeImporter::NodeImporter(GraphImporter &graph, const onnx::NodeProto &node,
                           OpBuilder &builder, int64_t opset)
    : graph_(graph), node_(node), builder_(builder),
      loc_(NameLoc::get(
          StringAttr::get(builder.getContext(),
                          node.name().empty() ? node.op_type() : node.name()))),
      opset_(opset) {}

int NodeImporter::numInputs() const {
  int count = node_.input_size();
  while (count > 0 && node_.input(count - 1).empty())
    --count;
  return count;
}

const std::string &NodeImporter::modelFolder() const {
  return graph_.modelFolder();
}

int64_t NodeImporter::maxConstantElements() const {
  return graph_.maxConstantElements();
}

bool NodeImporter::hasInput(int index) const {
  return index < node_.input_size() && !node_.input(index).empty();
}

Value NodeImporter::input(int index) {
  if (!hasInput(index)) {
    recordError("input #" + std::to_string(index) + " is required");
    return {};
  }
  Value value = graph_.lookup(node_.input(index), builder_);
  if (!value)
    recordError("input '" + node_.input(index) +
                "' is not defined before this node");
  return value;
}

RankedTensorType NodeImporter::inputType(int index) {
  Value value = input(index);
  return value ? tensorTypeOf(value) : RankedTensorType();
}

std::optional<rt::Tensor> NodeImporter::constantInput(int index) {
  if (!hasInput(index))
    return std::nullopt;
  return graph_.constantOf(node_.input(index), builder_);
}

std::optional<rt::Tensor> NodeImporter::requireConstant(int index,
                                                        StringRef what) {
  if (!hasInput(index)) {
    recordError(what.str() + " (input #" + std::to_string(index) +
                ") is required");
    return std::nullopt;
  }
  std::optional<rt::Tensor> value = constantInput(index);
  if (!value && !failed_)
    recordError(
        what.str() + " (input '" + node_.input(index) +
        "') must be a constant once shapes are static, but it is computed "
        "from run-time values");
  return value;
}

std::optional<SmallVector<int64_t>> NodeImporter::requireInts(int index,
                                                              StringRef what) {
  std::optional<rt::Tensor> tensor = requireConstant(index, what);
  if (!tensor)
    return std::nullopt;
  if (rt::isFloat(tensor->dtype())) {
    recordError(what.str() + " must hold integers");
    return std::nullopt;
  }
  SmallVector<int64_t> values;
  for (int64_t i = 0; i < tensor->numElements(); ++i)
    values.push_back(
        tensor->dtype() == rt::DType::i64
            ? tensor->data<int64_t>()[i]
            : static_cast<int64_t>(rt::elementAsDouble(*tensor, i)));
  return values;
}

const onnx::AttributeProto *NodeImporter::attribute(StringRef name) const {
  for (const auto &attr : node_.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

const onnx::AttributeProto *
NodeImporter::typedAttribute(StringRef name, int type,
                             StringRef typeName) const {
  const auto *attr = attribute(name);
  // Old models may leave the type UNDEFINED; the value field still decides.
  if (!attr || attr->type() == type ||
      attr->type() == onnx::AttributeProto::UNDEFINED)
    return attr;
  recordError("attribute '" + name + "' must be of type " + typeName);
  return nullptr;
}

int64_t NodeImporter::intAttr(StringRef name, int64_t defaultValue) const {
  const auto *attr = typedAttribute(name, onnx::AttributeProto::INT, "INT");
  return attr ? attr->i() : defaultValue;
}

float NodeImporter::floatAttr(StringRef name, float defaultValue) const {
  const auto *attr = typedAttribute(name, onnx::AttributeProto::FLOAT, "FLOAT");
  return attr ? attr->f() : defaultValue;
}

std::string NodeImporter::stringAttr(StringRef name,
                                     StringRef defaultValue) const {
  const auto *attr =
      typedAttribute(name, onnx::AttributeProto::STRING, "STRING");
  return attr ? attr->s() : defaultValue.str();
}

SmallVector<int64_t> NodeImporter::intsAttr(StringRef name) const {
  const auto *attr = typedAttribute(name, onnx::AttributeProto::INTS, "INTS");
  if (!attr)
    return {};
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

SmallVector<int64_t> NodeImporter::intsAttrOr(StringRef name, int64_t fill,
                                              int64_t count) const {
  SmallVector<int64_t> values = intsAttr(name);
  if (values.empty())
    values.assign(count, fill);
  return values;
}

void NodeImporter::setOutput(int index, Value value) {
  if (index < node_.output_size() && !node_.output(index).empty())
    graph_.define(node_.output(index), value);
}

void NodeImporter::recordError(const Twine &message) const {
  if (!failed_)
    graph_.recordNodeError(node_, message.str());
  failed_ = true;
}

LogicalResult NodeImporter::fail(const Twine &message) {
  recordError(message);
  return failure();
}

Value NodeImporter::constant(const rt::Tensor &tensor) {
  return graph_.materialize(tensor, builder_, loc_);
}

Value NodeImporter::splat(double value, Type elementType,
                          ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, elementType);
  Attribute scalar;
  if (auto floatType = llvm::dyn_cast<FloatType>(elementType)) {
    APFloat converted(value);
    bool lost;
    converted.convert(floatType.getFloatSemantics(),
                      APFloat::rmNearestTiesToEven, &lost);
    scalar = FloatAttr::get(elementType, converted);
  } else {
    // A float attribute given for an integer input may be anything; the
    // conversion to int64 is defined only inside its range.
    constexpr double kTwo63 = 9223372036854775808.0;
    int64_t whole = std::isnan(value) ? 0
                    : value >= kTwo63 ? std::numeric_limits<int64_t>::max()
                    : value < -kTwo63 ? std::numeric_limits<int64_t>::min()
                                      : static_cast<int64_t>(value);
    scalar = IntegerAttr::get(elementType, whole);
  }
  return create<ConstantOp>(DenseElementsAttr::get(type, scalar));
}

Value NodeImporter::integerSplat(int64_t value, Type elementType,
                                 ArrayRef<int64_t> shape) {
  return create<ConstantOp>(
      DenseElementsAttr::get(RankedTensorType::get(shape, elementType),
                             IntegerAttr::get(elementType, value)));
}

Value NodeImporter::reshape(Value value, ArrayRef<int64_t> shape) {
  if (shapeOf(value) == shape)
    return value;
  return create<ReshapeOp>(tensorType(shape, elementTypeOf(value)), value);
}

Value NodeImporter::transpose(Value value, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(shapeOf(value)[p]);
  return create<TransposeOp>(tensorType(shape, elementTypeOf(value)), value,
                             builder_.getDenseI64ArrayAttr(perm));
}

Value NodeImporter::slice(Value value, ArrayRef<int64_t> start,
                          ArrayRef<int64_t> limit, ArrayRef<int64_t> strides,
                          ArrayRef<int64_t> shape) {
  return create<SliceOp>(tensorType(shape, elementTypeOf(value)), value,
                         builder_.getDenseI64ArrayAttr(start),
                         builder_.getDenseI64ArrayAttr(limit),
                         builder_.getDenseI64ArrayAttr(strides));
}

Value NodeImporter::sliceAxis(Value value, int64_t axis, int64_t begin,
                              int64_t size) {
  ArrayRef<int64_t> dims = shapeOf(value);
  SmallVector<int64_t> start(dims.size(), 0), limit(dims),
      strides(dims.size(), 1);
  start[axis] = begin;
  limit[axis] = begin + size;
  SmallVector<int64_t> shape(dims);
  shape[axis] = size;
  if (size == 0)
    start[axis] = limit[axis] = 0;
  return slice(value, start, limit, strides, shape);
}

Value NodeImporter::broadcastTo(Value value, ArrayRef<int64_t> shape) {
  ArrayRef<int64_t> from = shapeOf(value);
  if (from == shape)
    return value;
  int64_t offset = static_cast<int64_t>(shape.size() - from.size());
  SmallVector<int64_t> dims;
  for (int64_t i = 0; i < static_cast<int64_t>(from.size()); ++i)
    dims.push_back(i + offset);
  return create<BroadcastOp>(tensorType(shape, elementTypeOf(value)), value,
                             builder_.getDenseI64ArrayAttr(dims));
}

Value NodeImporter::inputBroadcastTo(int index, ArrayRef<int64_t> shape,
                                     Type elementType, StringRef what) {
  Value value = input(index);
  if (!value)
    return {};
  if (elementTypeOf(value) != elementType) {
    recordError(what + " must have the element type of the input");
    return {};
  }
  auto common = broadcastShape({shapeOf(value), shape});
  if (!common)
    return {};
  if (ArrayRef<int64_t>(*common) != shape) {
    recordError(what + " of shape " +
                rt::shapeString(
                    rt::Shape(shapeOf(value).begin(), shapeOf(value).end())) +
                " does not broadcast to " +
                rt::shapeString(rt::Shape(shape.begin(), shape.end())));
    return {};
  }
  return broadcastTo(value, shape);
}

std::optional<SmallVector<int64_t>>
NodeImporter::broadcastShape(ArrayRef<Value> values) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value value : values)
    shapes.push_back(shapeOf(value));
  return broadcastShape(shapes);
}

std::optional<SmallVector<int64_t>>
NodeImporter::broadcastShape(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t rank = 0;
  for (ArrayRef<int64_t> dims : shapes)
    rank = std::max(rank, dims.size());
  SmallVector<int64_t> shape(rank, 1);
  for (ArrayRef<int64_t> dims : shapes) {
    size_t offset = rank - dims.size();
    for (size_t i = 0; i < dims.size(); ++i) {
      int64_t &target = shape[offset + i];
      if (dims[i] == target || dims[i] == 1)
        continue;
      if (target != 1) {
        std::string list;
        for (ArrayRef<int64_t> each : shapes)
          list += (list.empty() ? "" : ", ") +
                  rt::shapeString(rt::Shape(each.begin(), each.end()));
        recordError("operand shapes " + list + " do not broadcast");
        return std::nullopt;
      }
      target = dims[i];
    }
  }
  return shape;
}

Value NodeImporter::oneHotMask(Value index, ArrayRef<int64_t> shape,
                               int64_t axis) {
  SmallVector<int64_t> withUnit(shape);
  withUnit[axis] = 1;
  Value spread = broadcastTo(reshape(index, withUnit), shape);
  Value positions =
      create<IotaOp>(tensorType(shape, builder_.getI64Type()), axis);
  return create<CompareOp>(tensorType(shape, builder_.getI1Type()),
                           CompareDirection::eq, spread, positions);
}

Value NodeImporter::convert(Value value, Type elementType) {
  if (elementTypeOf(value) == elementType)
    return value;
  return create<ConvertOp>(tensorType(shapeOf(value), elementType), value);
}

std::optional<int64_t> NodeImporter::axis(int64_t axis, int64_t rank) {
  // ONNX's axes lie in [-rank, rank - 1]: a scalar has none, and a lowering
  // given axis 0 of a scalar would index past its shape.
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) {
    recordError("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
    return std::nullopt;
  }
  return normalized;
}

} // namespace starch::import
