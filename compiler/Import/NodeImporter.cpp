//===- NodeImporter.cpp - Lowering one ONNX node --------------------------===//
#include "compiler/Import/NodeImporter.h"
#include "compiler/Import/GraphImporter.h"
#include "compiler/Interpreter/Interpreter.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace starch::import {

RankedTensorType tensorTypeOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType());
}
ArrayRef<int64_t> shapeOf(Value value) {
  return tensorTypeOf(value).getShape();
}
Type elementTypeOf(Value value) { return tensorTypeOf(value).getElementType(); }

const llvm::StringMap<Lowering> &onnxLowerings() {
  static const llvm::StringMap<Lowering> table = [] {
    llvm::StringMap<Lowering> lowerings;
    registerElementwiseLowerings(lowerings);
    registerShapeLowerings(lowerings);
    registerReductionLowerings(lowerings);
    registerNeuralNetLowerings(lowerings);
    registerActivationLowerings(lowerings);
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
    scalar = IntegerAttr::get(elementType, static_cast<int64_t>(value));
  }
  return create<ConstantOp>(DenseElementsAttr::get(type, scalar));
}

Value NodeImporter::reshape(Value value, ArrayRef<int64_t> shape) {
  if (shapeOf(value) == shape)
    return value;
  return create<ReshapeOp>(tensorType(shape, elementTypeOf(value)), value);
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

std::optional<SmallVector<int64_t>>
NodeImporter::broadcastShape(ArrayRef<Value> values) {
  size_t rank = 0;
  for (Value value : values)
    rank = std::max(rank, shapeOf(value).size());
  SmallVector<int64_t> shape(rank, 1);
  for (Value value : values) {
    ArrayRef<int64_t> dims = shapeOf(value);
    size_t offset = rank - dims.size();
    for (size_t i = 0; i < dims.size(); ++i) {
      int64_t &target = shape[offset + i];
      if (dims[i] == target || dims[i] == 1)
        continue;
      if (target != 1) {
        std::string shapes;
        for (Value v : values)
          shapes +=
              (shapes.empty() ? "" : ", ") +
              rt::shapeString(rt::Shape(shapeOf(v).begin(), shapeOf(v).end()));
        recordError("operand shapes " + shapes + " do not broadcast");
        return std::nullopt;
      }
      target = dims[i];
    }
  }
  return shape;
}

Value NodeImporter::convert(Value value, Type elementType) {
  if (elementTypeOf(value) == elementType)
    return value;
  return create<ConvertOp>(tensorType(shapeOf(value), elementType), value);
}

std::optional<int64_t> NodeImporter::axis(int64_t axis, int64_t rank) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= std::max<int64_t>(rank, 1)) {
    recordError("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
    return std::nullopt;
  }
  return normalized;
}

} // namespace starch::import
