//===- LowerSliceConcat.cpp - ONNX slices and concatenations --------------===//
//
// Slice and Split become starch.slice, Concat starch.concat and Tile a
// broadcast between reshapes; starts, ends, steps, split sizes and repeats
// must be constant.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ImportLimits.h"
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

LogicalResult lowerSlice(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  int64_t rank = dims.size();
  SmallVector<int64_t> starts, ends, axes, steps;
  if (node.opset() < 10) {
    starts = node.intsAttr("starts");
    ends = node.intsAttr("ends");
    axes = node.intsAttr("axes");
  } else {
    auto s = node.requireInts(1, "starts"), e = node.requireInts(2, "ends");
    if (!s || !e)
      return failure();
    starts = *s;
    ends = *e;
    if (node.hasInput(3)) {
      auto a = node.requireInts(3, "axes");
      if (!a)
        return failure();
      axes = *a;
    }
    if (node.hasInput(4)) {
      auto st = node.requireInts(4, "steps");
      if (!st)
        return failure();
      steps = *st;
    }
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return node.fail("starts, ends, axes and steps differ in length");
  SmallVector<int64_t> start(rank, 0), limit(dims), stride(rank, 1),
      target(dims);
  for (size_t i = 0; i < axes.size(); ++i) {
    auto axis = node.axis(axes[i], rank);
    if (!axis)
      return failure();
    int64_t size = dims[*axis], step = steps[i];
    if (step == 0)
      return node.fail("step 0 on axis " + std::to_string(*axis));
    int64_t begin = starts[i] < 0 ? starts[i] + size : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + size : ends[i];
    if (step > 0) {
      begin = std::clamp<int64_t>(begin, 0, size);
      end = std::clamp<int64_t>(end, 0, size);
    } else {
      begin = std::clamp<int64_t>(begin, 0, size - 1);
      end = std::clamp<int64_t>(end, -1, size - 1);
    }
    int64_t count = step > 0 ? (end - begin + step - 1) / step
                             : (begin - end - step - 1) / -step;
    count = std::max<int64_t>(count, 0);
    if (count == 0)
      begin = end = 0;
    start[*axis] = begin;
    limit[*axis] = end;
    stride[*axis] = step;
    target[*axis] = count;
  }
  node.setOutput(0, node.slice(x, start, limit, stride, target));
  return success();
}

LogicalResult lowerSplit(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  auto axis = node.axis(node.intAttr("axis", 0), dims.size());
  if (!axis)
    return failure();
  SmallVector<int64_t> sizes;
  if (node.opset() >= 13 && node.hasInput(1)) {
    auto given = node.requireInts(1, "the split sizes");
    if (!given)
      return failure();
    sizes = *given;
  } else if (node.opset() < 13 && node.hasAttribute("split")) {
    sizes = node.intsAttr("split");
  } else {
    int64_t parts = node.intAttr("num_outputs", node.numOutputs());
    if (parts != node.numOutputs())
      return node.fail("num_outputs is " + std::to_string(parts) +
                       " but the node has " +
                       std::to_string(node.numOutputs()) + " outputs");
    int64_t chunk = (dims[*axis] + parts - 1) / parts;
    for (int64_t i = 0; i < parts; ++i)
      sizes.push_back(
          std::max<int64_t>(0, std::min(chunk, dims[*axis] - i * chunk)));
  }
  if (static_cast<int64_t>(sizes.size()) != node.numOutputs())
    return node.fail("split into " + std::to_string(sizes.size()) +
                     " parts but the node has " +
                     std::to_string(node.numOutputs()) + " outputs");
  int64_t offset = 0;
  for (auto [i, size] : llvm::enumerate(sizes)) {
    if (size < 0 || size > dims[*axis] - offset)
      return node.fail("split sizes exceed dimension " + std::to_string(*axis));
    node.setOutput(i, node.sliceAxis(x, *axis, offset, size));
    offset += size;
  }
  if (offset != dims[*axis])
    return node.fail("split sizes add up to " + std::to_string(offset) +
                     " but the dimension has " + std::to_string(dims[*axis]));
  return success();
}

LogicalResult lowerConcat(NodeImporter &node) {
  SmallVector<Value> inputs;
  for (int i = 0; i < node.numInputs(); ++i) {
    Value value = node.input(i);
    if (!value)
      return failure();
    inputs.push_back(value);
  }
  if (inputs.empty())
    return node.fail("needs at least one input");
  auto axis = node.axis(node.intAttr("axis", 0), shapeOf(inputs[0]).size());
  if (!axis)
    return failure();
  SmallVector<int64_t> target(shapeOf(inputs[0]));
  target[*axis] = 0;
  for (Value value : inputs) {
    if (shapeOf(value).size() != target.size())
      return node.fail("inputs have different ranks");
    target[*axis] += shapeOf(value)[*axis];
  }
  if (inputs.size() == 1) {
    node.setOutput(0, inputs[0]);
    return success();
  }
  node.setOutput(
      0, node.create<ConcatOp>(
             node.tensorType(target, elementTypeOf(inputs[0])), inputs, *axis));
  return success();
}

LogicalResult lowerTile(NodeImporter &node) {
  Value x = node.input(0);
  auto repeats = node.requireInts(1, "the repeats");
  if (!x || !repeats)
    return failure();
  if (repeats->size() != shapeOf(x).size())
    return node.fail("repeats has " + std::to_string(repeats->size()) +
                     " entries for rank " + std::to_string(shapeOf(x).size()));
  // Per repeated axis, `count` copies along a new axis before it
  // (reshape, broadcast), merged into it (reshape): a few ops, whatever the
  // count.
  Value result = x;
  for (auto [axis, count] : llvm::enumerate(*repeats)) {
    if (count < 1)
      return node.fail("repeat counts must be positive");
    if (count == 1)
      continue;
    SmallVector<int64_t> copies(shapeOf(result));
    copies.insert(copies.begin() + axis, count);
    if (std::string why = checkShapeBounds(copies); !why.empty())
      return node.fail("repeating axis " + std::to_string(axis) + " " +
                       std::to_string(count) + " times " + why);
    SmallVector<int64_t> one(copies), target(shapeOf(result));
    one[axis] = 1;
    target[axis] *= count;
    result = node.reshape(node.broadcastTo(node.reshape(result, one), copies),
                          target);
  }
  node.setOutput(0, result);
  return success();
}

} // namespace

void registerSliceConcatLowerings(llvm::StringMap<Lowering> &table) {
  table["Slice"] = lowerSlice;
  table["Split"] = lowerSplit;
  table["Concat"] = lowerConcat;
  table["Tile"] = lowerTile;
}

} // namespace starch::import
