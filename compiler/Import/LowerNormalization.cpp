//===- LowerNormalization.cpp - ONNX normalizations -----------------------===//
//
// LayerNormalization is starch.layer_norm; the batch, instance and
// mean-variance normalizations are decomposed into reductions and
// elementwise ops.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// Broadcasts a per-channel vector (size C) to `like` (N x C x ...).
Value channelBroadcast(NodeImporter &node, Value vector, Value like) {
  return node.create<BroadcastOp>(like.getType(), vector,
                                  node.builder().getDenseI64ArrayAttr({1}));
}

/// normalized * scale + bias, with per-channel scale and bias.
Value scaleAndShift(NodeImporter &node, Value normalized, Value scale,
                    Value bias) {
  Type type = normalized.getType();
  Value scaled = node.create<MulOp>(type, normalized,
                                    channelBroadcast(node, scale, normalized));
  return node.create<AddOp>(type, scaled,
                            channelBroadcast(node, bias, normalized));
}

/// `reduced` (x reduced over `dims`) with those dimensions kept as size 1.
Value keepReducedDims(NodeImporter &node, Value reduced, Value x,
                      ArrayRef<int64_t> dims) {
  SmallVector<int64_t> keptWithOnes(shapeOf(x));
  for (int64_t d : dims)
    keptWithOnes[d] = 1;
  return node.reshape(reduced, keptWithOnes);
}

/// `kept` (x's shape with some dimensions 1) broadcast back to x's shape.
Value broadcastLike(NodeImporter &node, Value kept, Value x) {
  auto all = node.builder().getDenseI64ArrayAttr(
      llvm::to_vector(llvm::seq<int64_t>(0, shapeOf(x).size())));
  return node.create<BroadcastOp>(x.getType(), kept, all);
}

/// `reduced` (x reduced over `dims`) broadcast back to x's shape.
Value expandReduced(NodeImporter &node, Value reduced, Value x,
                    ArrayRef<int64_t> dims) {
  return broadcastLike(node, keepReducedDims(node, reduced, x, dims), x);
}

/// Mean and (population) variance of `x` over `dims`, reduced away; the
/// mean also with `dims` kept as size 1, and broadcast back to x's shape.
struct Moments {
  Value mean, variance, meanKept, meanLikeX;
};

Moments momentsOf(NodeImporter &node, Value x, ArrayRef<int64_t> dims) {
  ArrayRef<int64_t> shape = shapeOf(x);
  SmallVector<int64_t> kept;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
    if (!llvm::is_contained(dims, d))
      kept.push_back(shape[d]);
  auto keptType = node.tensorType(kept, elementTypeOf(x));
  auto dimsAttr = node.builder().getDenseI64ArrayAttr(dims);
  Value mean = node.create<ReduceOp>(keptType, ReduceKind::mean, x, dimsAttr);
  Value meanKept = keepReducedDims(node, mean, x, dims);
  Value meanLikeX = broadcastLike(node, meanKept, x);
  Value centered = node.create<SubOp>(x.getType(), x, meanLikeX);
  Value squares = node.create<MulOp>(x.getType(), centered, centered);
  Value variance =
      node.create<ReduceOp>(keptType, ReduceKind::mean, squares, dimsAttr);
  return {mean, variance, meanKept, meanLikeX};
}

/// 1/sqrt(variance + epsilon), of the variance's (reduced) shape.
Value invStdDevOf(NodeImporter &node, Value variance, double epsilon) {
  auto type = tensorTypeOf(variance);
  Value shifted = node.create<AddOp>(
      type, variance,
      node.splat(epsilon, type.getElementType(), type.getShape()));
  return node.create<RsqrtOp>(type, shifted);
}

/// mean and 1/sqrt(var + epsilon) of `x` over `dims`, kept as size-1
/// dimensions and broadcast back to x's shape.
std::pair<Value, Value> meanAndInvStdDev(NodeImporter &node, Value x,
                                         ArrayRef<int64_t> dims,
                                         double epsilon) {
  Moments moments = momentsOf(node, x, dims);
  return {moments.meanLikeX,
          expandReduced(node, invStdDevOf(node, moments.variance, epsilon), x,
                        dims)};
}

/// LayerNormalization's optional Mean and InvStdDev outputs (shape of the
/// input with the normalised dimensions kept as 1), decomposed: they exist
/// for training graphs that save statistics, which Starch recomputes.
LogicalResult layerNormStatistics(NodeImporter &node, Value x, int64_t axis,
                                  double epsilon) {
  SmallVector<int64_t> dims =
      llvm::to_vector(llvm::seq<int64_t>(axis, shapeOf(x).size()));
  Moments moments = momentsOf(node, x, dims);
  Value invStdDev = invStdDevOf(node, moments.variance, epsilon);
  node.setOutput(1, moments.meanKept);
  node.setOutput(2, keepReducedDims(node, invStdDev, x, dims));
  return success();
}

LogicalResult lowerLayerNormalization(NodeImporter &node) {
  Value x = node.input(0), scale = node.input(1);
  if (!x || !scale)
    return failure();
  if (!isa<FloatType>(elementTypeOf(x)))
    return node.fail("the input must be a float tensor");
  ArrayRef<int64_t> dims = shapeOf(x);
  auto axis = node.axis(node.intAttr("axis", -1), dims.size());
  if (!axis)
    return failure();
  double epsilon = node.floatAttr("epsilon", 1e-5f);
  ArrayRef<int64_t> normalized = dims.drop_front(*axis);
  Value bias = node.hasInput(2) ? node.input(2)
                                : node.splat(0, elementTypeOf(x), normalized);
  if (!bias)
    return failure();
  for (Value operand : {scale, bias})
    if (!node.broadcastShape({shapeOf(operand), normalized}))
      return failure();
  scale = node.broadcastTo(scale, normalized);
  bias = node.broadcastTo(bias, normalized);
  node.setOutput(
      0, node.create<LayerNormOp>(x.getType(), x, scale, bias,
                                  node.builder().getI64IntegerAttr(*axis),
                                  node.builder().getF64FloatAttr(epsilon)));
  if (node.numOutputs() > 1)
    return layerNormStatistics(node, x, *axis, epsilon);
  return success();
}

/// BatchNormalization, (x - mean) / sqrt(var + epsilon) * scale + bias per
/// channel. Inference normalises with the given running statistics;
/// training mode (training_mode = 1, or the statistics outputs of opsets
/// before 14) with the batch's own (population) statistics, and outputs the
/// updated running statistics, running * momentum + batch * (1 - momentum).
LogicalResult lowerBatchNormalization(NodeImporter &node) {
  Value x = node.input(0), scale = node.input(1), bias = node.input(2),
        mean = node.input(3), variance = node.input(4);
  if (!x || !scale || !bias || !mean || !variance)
    return failure();
  if (!isa<FloatType>(elementTypeOf(x)) || shapeOf(x).size() < 2)
    return node.fail("the input must be a float N x C x ... tensor");
  bool training =
      node.intAttr("training_mode", 0) != 0 || node.numOutputs() > 1;
  if (node.numOutputs() > 3)
    return node.fail("the saved_mean and saved_var outputs (opsets before "
                     "14) are not supported");
  Type elementType = elementTypeOf(x);
  int64_t channels = shapeOf(x)[1];
  for (Value vector : {scale, bias, mean, variance})
    if (shapeOf(vector) != ArrayRef<int64_t>{channels})
      return node.fail("scale, B, mean and var must have " +
                       std::to_string(channels) + " elements");
  auto vectorType = node.tensorType({channels}, elementType);
  mean = node.convert(mean, elementType);
  variance = node.convert(variance, elementType);
  if (training) {
    SmallVector<int64_t> dims{0};
    llvm::append_range(dims, llvm::seq<int64_t>(2, shapeOf(x).size()));
    Moments batch = momentsOf(node, x, dims);
    double momentum = node.floatAttr("momentum", 0.9f);
    auto update = [&](Value running, Value current) {
      return node.create<AddOp>(
          vectorType,
          node.create<MulOp>(vectorType, running,
                             node.splat(momentum, elementType, {channels})),
          node.create<MulOp>(
              vectorType, current,
              node.splat(1 - momentum, elementType, {channels})));
    };
    if (node.numOutputs() > 1)
      node.setOutput(1, update(mean, batch.mean));
    if (node.numOutputs() > 2)
      node.setOutput(2, update(variance, batch.variance));
    mean = batch.mean;
    variance = batch.variance;
  }
  Value shifted = node.create<AddOp>(
      vectorType, variance,
      node.splat(node.floatAttr("epsilon", 1e-5f), elementType, {channels}));
  Value factor =
      node.create<MulOp>(vectorType, node.convert(scale, elementType),
                         node.create<RsqrtOp>(vectorType, shifted));
  Value centered =
      node.create<SubOp>(x.getType(), x, channelBroadcast(node, mean, x));
  node.setOutput(0, scaleAndShift(node, centered, factor, bias));
  return success();
}

/// InstanceNormalization: per sample and channel over the spatial
/// dimensions, then a per-channel scale and bias.
LogicalResult lowerInstanceNormalization(NodeImporter &node) {
  Value x = node.input(0), scale = node.input(1), bias = node.input(2);
  if (!x || !scale || !bias)
    return failure();
  if (!isa<FloatType>(elementTypeOf(x)) || shapeOf(x).size() < 3)
    return node.fail("the input must be a float N x C x D1 ... tensor");
  SmallVector<int64_t> spatial =
      llvm::to_vector(llvm::seq<int64_t>(2, shapeOf(x).size()));
  auto [mean, invStdDev] =
      meanAndInvStdDev(node, x, spatial, node.floatAttr("epsilon", 1e-5f));
  Value normalized = node.create<MulOp>(
      x.getType(), node.create<SubOp>(x.getType(), x, mean), invStdDev);
  node.setOutput(0, scaleAndShift(node, normalized, scale, bias));
  return success();
}

/// MeanVarianceNormalization: (x - mean) / sqrt(var) over `axes` (ONNX's
/// function body adds no epsilon; 1e-9 guards a zero variance as onnxruntime
/// does).
LogicalResult lowerMeanVarianceNormalization(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  if (!isa<FloatType>(elementTypeOf(x)))
    return node.fail("the input must be a float tensor");
  SmallVector<int64_t> axes = node.intsAttr("axes");
  if (!node.hasAttribute("axes"))
    axes = {0, 2, 3};
  SmallVector<int64_t> dims;
  for (int64_t a : axes) {
    auto axis = node.axis(a, shapeOf(x).size());
    if (!axis)
      return failure();
    dims.push_back(*axis);
  }
  llvm::sort(dims);
  dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
  auto [mean, invStdDev] = meanAndInvStdDev(node, x, dims, 0.0);
  node.setOutput(0, node.create<MulOp>(x.getType(),
                                       node.create<SubOp>(x.getType(), x, mean),
                                       invStdDev));
  return success();
}

} // namespace

void registerNormalizationLowerings(llvm::StringMap<Lowering> &table) {
  table["LayerNormalization"] = lowerLayerNormalization;
  table["BatchNormalization"] = lowerBatchNormalization;
  table["InstanceNormalization"] = lowerInstanceNormalization;
  table["MeanVarianceNormalization"] = lowerMeanVarianceNormalization;
}

} // namespace starch::import
