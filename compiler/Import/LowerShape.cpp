//===- LowerShape.cpp - ONNX reshapes and transposes ----------------------===//
//
// Ops that only rearrange the elements of one input; the target shape,
// axes or permutation must fold to a constant because shapes are static.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ImportLimits.h"
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// Axes from the input `index` (newer opsets) or the attribute `axes`.
std::optional<SmallVector<int64_t>> axesOf(NodeImporter &node, int index,
                                           int64_t inputOpset) {
  if (node.opset() >= inputOpset) {
    if (!node.hasInput(index))
      return SmallVector<int64_t>{};
    return node.requireInts(index, "the axes");
  }
  return node.intsAttr("axes");
}

LogicalResult lowerReshape(NodeImporter &node) {
  Value x = node.input(0);
  auto shape = node.requireInts(1, "the target shape");
  if (!x || !shape)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  bool allowZero = node.intAttr("allowzero", 0) != 0;
  SmallVector<int64_t> target;
  int64_t inferred = -1, known = 1;
  for (auto [i, size] : llvm::enumerate(*shape)) {
    if (size == 0 && !allowZero) {
      if (i >= dims.size())
        return node.fail("shape entry " + std::to_string(i) +
                         " copies a dimension the input does not have");
      size = dims[i];
    }
    if (size == -1) {
      if (inferred >= 0)
        return node.fail("the target shape has more than one -1");
      inferred = i;
      target.push_back(1);
      continue;
    }
    if (size < 0)
      return node.fail("the target shape has a negative entry");
    target.push_back(size);
  }
  // The -1 entry holds 1 here, so this is the product of the known sizes.
  std::optional<int64_t> knownCount = boundedElementCount(target);
  if (!knownCount)
    return node.fail("the target shape " + checkShapeBounds(target));
  known = *knownCount;
  int64_t total = product(dims);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      return node.fail("cannot infer the -1 entry: " + std::to_string(total) +
                       " elements do not divide by " + std::to_string(known));
    target[inferred] = total / known;
  }
  if (product(target) != total)
    return node.fail("cannot reshape " + std::to_string(total) +
                     " elements into " + std::to_string(product(target)));
  node.setOutput(0, node.reshape(x, target));
  return success();
}

LogicalResult lowerFlatten(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  int64_t rank = dims.size();
  int64_t axis = node.intAttr("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return node.fail("axis " + std::to_string(node.intAttr("axis", 1)) +
                     " is out of range for rank " + std::to_string(rank));
  node.setOutput(0, node.reshape(x, {product(dims.take_front(axis)),
                                     product(dims.drop_front(axis))}));
  return success();
}

LogicalResult lowerSqueeze(NodeImporter &node) {
  Value x = node.input(0);
  auto axes = axesOf(node, 1, 13);
  if (!x || !axes)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  SmallVector<bool> drop(dims.size(), false);
  if (axes->empty()) {
    for (auto [i, size] : llvm::enumerate(dims))
      drop[i] = size == 1;
  }
  for (int64_t a : *axes) {
    auto axis = node.axis(a, dims.size());
    if (!axis)
      return failure();
    if (dims[*axis] != 1)
      return node.fail("cannot squeeze dimension " + std::to_string(*axis) +
                       " of size " + std::to_string(dims[*axis]));
    drop[*axis] = true;
  }
  SmallVector<int64_t> target;
  for (auto [i, size] : llvm::enumerate(dims))
    if (!drop[i])
      target.push_back(size);
  node.setOutput(0, node.reshape(x, target));
  return success();
}

LogicalResult lowerUnsqueeze(NodeImporter &node) {
  Value x = node.input(0);
  auto axes = axesOf(node, 1, 13);
  if (!x || !axes)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  int64_t rank = dims.size() + axes->size();
  SmallVector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    auto axis = node.axis(a, rank);
    if (!axis)
      return failure();
    if (inserted[*axis])
      return node.fail("axes repeat " + std::to_string(*axis));
    inserted[*axis] = true;
  }
  SmallVector<int64_t> target;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    target.push_back(inserted[i] ? 1 : dims[next++]);
  node.setOutput(0, node.reshape(x, target));
  return success();
}

LogicalResult lowerTranspose(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  SmallVector<int64_t> perm = node.intsAttr("perm");
  if (perm.empty())
    for (int64_t i = dims.size() - 1; i >= 0; --i)
      perm.push_back(i);
  if (perm.size() != dims.size())
    return node.fail("perm has " + std::to_string(perm.size()) +
                     " entries for rank " + std::to_string(dims.size()));
  SmallVector<int64_t> target;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(dims.size()))
      return node.fail("perm entry " + std::to_string(p) + " is out of range");
    target.push_back(dims[p]);
  }
  bool identity = llvm::equal(perm, llvm::seq<int64_t>(0, dims.size()));
  node.setOutput(0, identity ? x : node.transpose(x, perm));
  return success();
}

LogicalResult lowerExpand(NodeImporter &node) {
  Value x = node.input(0);
  auto shape = node.requireInts(1, "the target shape");
  if (!x || !shape)
    return failure();
  // Expand broadcasts both ways: the result is broadcast(x.shape, shape).
  auto target = node.broadcastShape({shapeOf(x), *shape});
  if (!target)
    return failure();
  node.setOutput(0, node.broadcastTo(x, *target));
  return success();
}

/// reshape -> transpose -> reshape, the spelling of DepthToSpace and
/// SpaceToDepth.
Value reshapeTransposeReshape(NodeImporter &node, Value x,
                              ArrayRef<int64_t> split, ArrayRef<int64_t> perm,
                              ArrayRef<int64_t> target) {
  return node.reshape(node.transpose(node.reshape(x, split), perm), target);
}

LogicalResult lowerDepthToSpace(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> d = shapeOf(x);
  int64_t b = node.intAttr("blocksize", 0);
  // b <= 2^31 - 1: b * b and the sizes times b fit int64.
  if (std::string why = checkWindowRange("blocksize", {b}, 1); !why.empty())
    return node.fail(why);
  if (d.size() != 4 || d[1] % (b * b) != 0)
    return node.fail("needs an N x C x H x W input with C divisible by "
                     "blocksize^2");
  int64_t c = d[1] / (b * b);
  SmallVector<int64_t> target{d[0], c, d[2] * b, d[3] * b};
  std::string mode = node.stringAttr("mode", "DCR");
  if (mode == "DCR")
    node.setOutput(0,
                   reshapeTransposeReshape(node, x, {d[0], b, b, c, d[2], d[3]},
                                           {0, 3, 4, 1, 5, 2}, target));
  else if (mode == "CRD")
    node.setOutput(0,
                   reshapeTransposeReshape(node, x, {d[0], c, b, b, d[2], d[3]},
                                           {0, 1, 4, 2, 5, 3}, target));
  else
    return node.fail("mode '" + mode + "' (expected DCR or CRD)");
  return success();
}

LogicalResult lowerSpaceToDepth(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> d = shapeOf(x);
  int64_t b = node.intAttr("blocksize", 0);
  if (std::string why = checkWindowRange("blocksize", {b}, 1); !why.empty())
    return node.fail(why);
  if (d.size() != 4 || d[2] % b != 0 || d[3] % b != 0)
    return node.fail("needs an N x C x H x W input with H and W divisible "
                     "by blocksize");
  // C * b below 2^31 (both are below it, so the product fits): the
  // channels C * b * b then fit int64, and are bounded with the result.
  if (d[1] * b > kMaxDimSize)
    return node.fail("blocksize " + std::to_string(b) + " times " +
                     std::to_string(d[1]) + " channels exceeds 2^31 - 1");
  node.setOutput(0, reshapeTransposeReshape(
                        node, x, {d[0], d[1], d[2] / b, b, d[3] / b, b},
                        {0, 3, 5, 1, 2, 4},
                        {d[0], d[1] * b * b, d[2] / b, d[3] / b}));
  return success();
}

} // namespace

void registerShapeLowerings(llvm::StringMap<Lowering> &table) {
  table["Reshape"] = lowerReshape;
  table["Flatten"] = lowerFlatten;
  table["Squeeze"] = lowerSqueeze;
  table["Unsqueeze"] = lowerUnsqueeze;
  table["Transpose"] = lowerTranspose;
  table["Expand"] = lowerExpand;
  table["DepthToSpace"] = lowerDepthToSpace;
  table["SpaceToDepth"] = lowerSpaceToDepth;
}

} // namespace starch::import
