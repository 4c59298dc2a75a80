//===- LowerSoftmax.cpp - ONNX Softmax, LogSoftmax and Hardmax ------------===//
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// Before opset 13 Softmax, LogSoftmax and Hardmax coerce their input to
/// 2-D at attribute `axis` (default 1): the dimensions before it are rows.
FailureOr<Value> coerceTo2D(NodeImporter &node, Value x) {
  ArrayRef<int64_t> dims = shapeOf(x);
  int64_t axis = node.intAttr("axis", 1);
  if (axis < 0)
    axis += dims.size();
  if (axis < 0 || axis > static_cast<int64_t>(dims.size()))
    return node.fail("axis is out of range");
  return node.reshape(
      x, {product(dims.take_front(axis)), product(dims.drop_front(axis))});
}

template <typename OpT> LogicalResult lowerSoftmax(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  if (node.opset() >= 13) {
    auto axis = node.axis(node.intAttr("axis", -1), dims.size());
    if (!axis)
      return failure();
    node.setOutput(0, node.create<OpT>(x.getType(), x, *axis));
    return success();
  }
  FailureOr<Value> flat = coerceTo2D(node, x);
  if (failed(flat))
    return failure();
  Value result = node.create<OpT>(flat->getType(), *flat, 1);
  node.setOutput(0, node.reshape(result, dims));
  return success();
}

/// Hardmax: 1 at the first maximum along `axis`, 0 elsewhere (before opset
/// 13 the input is coerced to 2-D at `axis`).
LogicalResult lowerHardmax(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  Value input = x;
  int64_t axis;
  if (node.opset() >= 13) {
    auto given = node.axis(node.intAttr("axis", -1), dims.size());
    if (!given)
      return failure();
    axis = *given;
  } else {
    FailureOr<Value> flat = coerceTo2D(node, x);
    if (failed(flat))
      return failure();
    input = *flat;
    axis = 1;
  }
  ArrayRef<int64_t> shape = shapeOf(input);
  SmallVector<int64_t> kept(shape);
  kept.erase(kept.begin() + axis);
  Value best = node.create<ArgMaxOp>(
      node.tensorType(kept, node.builder().getI64Type()), input, axis);
  Value hot = node.oneHotMask(best, shape, axis);
  Value result = node.convert(hot, elementTypeOf(x));
  node.setOutput(0, node.reshape(result, dims));
  return success();
}

} // namespace

void registerSoftmaxLowerings(llvm::StringMap<Lowering> &table) {
  table["Softmax"] = lowerSoftmax<SoftmaxOp>;
  table["LogSoftmax"] = lowerSoftmax<LogSoftmaxOp>;
  table["Hardmax"] = lowerHardmax;
}

} // namespace starch::import
