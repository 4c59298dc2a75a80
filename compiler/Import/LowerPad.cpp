//===- LowerPad.cpp - ONNX Pad --------------------------------------------===//
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// Where output position `j` of a padded axis of size `n` reads from, for
/// the non-constant Pad modes (`low` positions are added in front).
int64_t padSource(llvm::StringRef mode, int64_t j, int64_t low, int64_t n) {
  int64_t p = j - low;
  if (mode == "edge")
    return std::clamp<int64_t>(p, 0, n - 1);
  if (mode == "wrap")
    return ((p % n) + n) % n;
  // reflect: mirror about the first and last elements, period 2 (n - 1).
  if (n == 1)
    return 0;
  int64_t period = 2 * (n - 1), q = ((p % period) + period) % period;
  return q < n ? q : period - q;
}

/// Pad modes edge, reflect and wrap: one gather per padded axis with
/// constant source indices.
Value padByGather(NodeImporter &node, Value x, llvm::StringRef mode,
                  ArrayRef<int64_t> low, ArrayRef<int64_t> high) {
  for (int64_t axis = 0, rank = low.size(); axis < rank; ++axis) {
    if (low[axis] == 0 && high[axis] == 0)
      continue;
    SmallVector<int64_t> shape(shapeOf(x));
    int64_t n = shape[axis];
    shape[axis] = n + low[axis] + high[axis];
    rt::Tensor sources(rt::DType::i64, {shape[axis]});
    for (int64_t j = 0; j < shape[axis]; ++j)
      sources.data<int64_t>()[j] = padSource(mode, j, low[axis], n);
    x = node.create<GatherOp>(node.tensorType(shape, elementTypeOf(x)), x,
                              node.constant(sources), axis);
  }
  return x;
}

LogicalResult lowerPad(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  std::string mode = node.stringAttr("mode", "constant");
  if (mode != "constant" && mode != "edge" && mode != "reflect" &&
      mode != "wrap")
    return node.fail("mode '" + mode +
                     "' (expected constant, edge, reflect or wrap)");
  int64_t rank = shapeOf(x).size();
  SmallVector<int64_t> pads;
  double value = 0;
  if (node.opset() < 11) {
    pads = node.intsAttr("pads");
    value = node.floatAttr("value", 0);
  } else {
    auto given = node.requireInts(1, "the pads");
    if (!given)
      return failure();
    pads = *given;
    if (node.hasInput(2)) {
      auto fill = node.requireConstant(2, "the constant value");
      if (!fill)
        return failure();
      value = fill->numElements() ? rt::elementAsDouble(*fill, 0) : 0.0;
    }
  }
  SmallVector<int64_t> axes;
  if (node.hasInput(3)) {
    auto given = node.requireInts(3, "the axes");
    if (!given)
      return failure();
    for (int64_t a : *given) {
      auto axis = node.axis(a, rank);
      if (!axis)
        return failure();
      axes.push_back(*axis);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size())
    return node.fail("pads has " + std::to_string(pads.size()) +
                     " entries; expected " + std::to_string(2 * axes.size()));
  SmallVector<int64_t> low(rank, 0), high(rank, 0), target(shapeOf(x));
  for (auto [i, axis] : llvm::enumerate(axes)) {
    low[axis] = pads[i];
    high[axis] = pads[i + axes.size()];
    target[axis] += low[axis] + high[axis];
    // Edge, reflect and wrap read from the input: it must not be empty.
    if (mode != "constant" && target[axis] > 0 && shapeOf(x)[axis] == 0)
      return node.fail("mode '" + mode + "' cannot pad the empty dimension " +
                       std::to_string(axis));
  }
  if (mode != "constant") {
    node.setOutput(0, padByGather(node, x, mode, low, high));
    return success();
  }
  node.setOutput(0,
                 node.create<PadOp>(node.tensorType(target, elementTypeOf(x)),
                                    x, node.builder().getDenseI64ArrayAttr(low),
                                    node.builder().getDenseI64ArrayAttr(high),
                                    node.builder().getF64FloatAttr(value)));
  return success();
}

} // namespace

void registerPadLowerings(llvm::StringMap<Lowering> &table) {
  table["Pad"] = lowerPad;
}

} // namespace starch::import
