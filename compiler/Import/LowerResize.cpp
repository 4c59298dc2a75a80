//===- LowerResize.cpp - ONNX Resize --------------------------------------===//
//
// Resize (opset 11 on) with constant scales or sizes, as starch.resize.
// Shapes are static: the output size is floor(size * scale) for scales,
// the sizes themselves for sizes (whose scale is then size_out / size_in,
// as ONNX's reference uses it).
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/NodeImporter.h"

#include <cmath>

using namespace mlir;

namespace starch::import {
namespace {

std::optional<ResizeCoordinates> coordinatesNamed(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<ResizeCoordinates>>(name)
      .Case("half_pixel", ResizeCoordinates::half_pixel)
      .Case("pytorch_half_pixel", ResizeCoordinates::pytorch_half_pixel)
      .Case("align_corners", ResizeCoordinates::align_corners)
      .Case("asymmetric", ResizeCoordinates::asymmetric)
      .Case("tf_half_pixel_for_nn", ResizeCoordinates::tf_half_pixel_for_nn)
      .Default(std::nullopt);
}

LogicalResult lowerResize(NodeImporter &node) {
  if (node.opset() < 11)
    return node.fail("Resize before opset 11 (its scales-only form) is not "
                     "supported; re-export with opset 11 or later");
  Value x = node.input(0);
  if (!x)
    return failure();
  SmallVector<int64_t> shape(shapeOf(x));
  int64_t rank = shape.size();
  std::string mode = node.stringAttr("mode", "nearest");
  std::optional<ResizeMode> resizeMode =
      llvm::StringSwitch<std::optional<ResizeMode>>(mode)
          .Case("nearest", ResizeMode::nearest)
          .Case("linear", ResizeMode::linear)
          .Case("cubic", ResizeMode::cubic)
          .Default(std::nullopt);
  if (!resizeMode)
    return node.fail("mode '" + mode + "' (expected nearest, linear or cubic)");
  std::string transform =
      node.stringAttr("coordinate_transformation_mode", "half_pixel");
  std::optional<ResizeCoordinates> coordinates = coordinatesNamed(transform);
  if (!coordinates)
    return node.fail("coordinate_transformation_mode '" + transform +
                     "' is not supported (half_pixel, pytorch_half_pixel, "
                     "align_corners, asymmetric, tf_half_pixel_for_nn are)");
  std::string rounding = node.stringAttr("nearest_mode", "round_prefer_floor");
  std::optional<ResizeNearest> nearest =
      llvm::StringSwitch<std::optional<ResizeNearest>>(rounding)
          .Case("round_prefer_floor", ResizeNearest::round_prefer_floor)
          .Case("round_prefer_ceil", ResizeNearest::round_prefer_ceil)
          .Case("floor", ResizeNearest::floor)
          .Case("ceil", ResizeNearest::ceil)
          .Default(std::nullopt);
  if (!nearest)
    return node.fail("nearest_mode '" + rounding +
                     "' (expected "
                     "round_prefer_floor, round_prefer_ceil, floor or ceil)");
  if (node.intAttr("antialias", 0) != 0)
    return node.fail("antialias = 1 is not supported (export with "
                     "antialias off)");
  if (node.stringAttr("keep_aspect_ratio_policy", "stretch") != "stretch")
    return node.fail("keep_aspect_ratio_policy other than stretch is not "
                     "supported");
  // The axes the scales or sizes speak of (opset 18), else all of them.
  SmallVector<int64_t> axes;
  for (int64_t a : node.intsAttr("axes")) {
    auto axis = node.axis(a, rank);
    if (!axis)
      return failure();
    axes.push_back(*axis);
  }
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  SmallVector<double> scales(rank, 1.0);
  SmallVector<int64_t> target(shape);
  bool hasScales = node.hasInput(2), hasSizes = node.hasInput(3);
  std::optional<rt::Tensor> given;
  if (hasScales) {
    given = node.requireConstant(2, "the scales");
    if (!given)
      return failure();
    hasScales = given->numElements() > 0; // an empty scales means sizes
  }
  if (hasScales == hasSizes)
    return node.fail("exactly one of scales and sizes must be given");
  if (hasScales) {
    if (given->numElements() != static_cast<int64_t>(axes.size()))
      return node.fail("scales has " + std::to_string(given->numElements()) +
                       " entries for " + std::to_string(axes.size()) + " axes");
    for (auto [i, axis] : llvm::enumerate(axes)) {
      double scale = rt::elementAsDouble(*given, i);
      if (!(scale > 0) || std::isinf(scale))
        return node.fail("scale " + std::to_string(scale) +
                         " must be positive and finite");
      scales[axis] = scale;
      target[axis] = static_cast<int64_t>(std::floor(shape[axis] * scale));
    }
  } else {
    auto sizes = node.requireInts(3, "the sizes");
    if (!sizes)
      return failure();
    if (sizes->size() != axes.size())
      return node.fail("sizes has " + std::to_string(sizes->size()) +
                       " entries for " + std::to_string(axes.size()) + " axes");
    for (auto [i, axis] : llvm::enumerate(axes)) {
      if ((*sizes)[i] <= 0 || shape[axis] == 0)
        return node.fail("sizes must be positive, of non-empty dimensions");
      target[axis] = (*sizes)[i];
      scales[axis] = static_cast<double>(target[axis]) / shape[axis];
    }
  }
  for (int64_t i = 0; i < rank; ++i)
    if (target[i] <= 0 || shape[i] == 0)
      return node.fail("dimension " + std::to_string(i) + " resizes from " +
                       std::to_string(shape[i]) + " to " +
                       std::to_string(target[i]) +
                       "; both sizes must be positive");
  auto &b = node.builder();
  node.setOutput(
      0, node.create<ResizeOp>(
             node.tensorType(target, elementTypeOf(x)), x,
             ResizeModeAttr::get(node.context(), *resizeMode),
             ResizeCoordinatesAttr::get(node.context(), *coordinates),
             ResizeNearestAttr::get(node.context(), *nearest),
             b.getF64FloatAttr(node.floatAttr("cubic_coeff_a", -0.75f)),
             node.intAttr("exclude_outside", 0) ? b.getUnitAttr() : UnitAttr(),
             b.getDenseF64ArrayAttr(scales)));
  return success();
}

} // namespace

void registerResizeLowerings(llvm::StringMap<Lowering> &table) {
  table["Resize"] = lowerResize;
}

} // namespace starch::import
