//===- LowerLoss.cpp - ONNX loss ops --------------------------------------===//
//
// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, decomposed: the
// target class is picked with a one-hot mask (compare with an iota along the
// class dimension), weighted, and reduced.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// Sums `value` over every dimension (a scalar).
Value sumAll(NodeImporter &node, Value value) {
  int64_t rank = shapeOf(value).size();
  if (rank == 0)
    return value;
  return node.create<ReduceOp>(
      node.tensorType({}, elementTypeOf(value)), ReduceKind::sum, value,
      node.builder().getDenseI64ArrayAttr(
          llvm::to_vector(llvm::seq<int64_t>(0, rank))));
}

/// The NLL loss of log-probabilities `input` (N x C x d...) at integer
/// `target` (N x d...), with optional class `weight` (C), `reduction`
/// none/sum/mean and `ignore_index`. The mean divides by the summed weights
/// of the counted targets.
LogicalResult negativeLogLikelihood(NodeImporter &node, Value input,
                                    Value target, Value weight) {
  ArrayRef<int64_t> dims = shapeOf(input);
  ArrayRef<int64_t> targetDims = shapeOf(target);
  if (dims.size() < 2 || targetDims.size() != dims.size() - 1 ||
      targetDims[0] != dims[0] ||
      !llvm::equal(targetDims.drop_front(), dims.drop_front(2)))
    return node.fail("input must be N x C x d... and target N x d...");
  if (!isa<IntegerType>(elementTypeOf(target)))
    return node.fail("target must hold integers");
  Type elementType = elementTypeOf(input);
  Type i64 = node.builder().getI64Type(), i1 = node.builder().getI1Type();
  Value classes = node.convert(target, i64);
  Value hot = node.oneHotMask(classes, dims, 1);
  auto pick = [&](Value perClass) {
    Value zeros = node.splat(0, elementType, dims);
    Value chosen = node.create<SelectOp>(node.tensorType(dims, elementType),
                                         hot, perClass, zeros);
    return node.create<ReduceOp>(node.tensorType(targetDims, elementType),
                                 ReduceKind::sum, chosen,
                                 node.builder().getDenseI64ArrayAttr({1}));
  };
  Value picked = pick(input);
  auto targetType = node.tensorType(targetDims, elementType);
  Value weights = node.splat(1, elementType, targetDims);
  if (weight) {
    if (shapeOf(weight) != ArrayRef<int64_t>{dims[1]})
      return node.fail("weight must have C = " + std::to_string(dims[1]) +
                       " elements");
    weights = pick(node.create<BroadcastOp>(
        node.tensorType(dims, elementType), node.convert(weight, elementType),
        node.builder().getDenseI64ArrayAttr({1})));
  }
  if (node.hasAttribute("ignore_index")) {
    Value ignored = node.create<CompareOp>(
        node.tensorType(targetDims, i1), CompareDirection::eq, classes,
        node.integerSplat(node.intAttr("ignore_index", 0), i64, targetDims));
    weights = node.create<SelectOp>(
        targetType, ignored, node.splat(0, elementType, targetDims), weights);
  }
  Value loss = node.create<NegOp>(
      targetType, node.create<MulOp>(targetType, picked, weights));
  std::string reduction = node.stringAttr("reduction", "mean");
  if (reduction == "sum") {
    loss = sumAll(node, loss);
  } else if (reduction == "mean") {
    Value total = sumAll(node, loss);
    loss = node.create<DivOp>(total.getType(), total, sumAll(node, weights));
  } else if (reduction != "none") {
    return node.fail("reduction '" + reduction +
                     "' (expected none, sum or mean)");
  }
  node.setOutput(0, loss);
  return success();
}

LogicalResult lowerNegativeLogLikelihoodLoss(NodeImporter &node) {
  Value input = node.input(0), target = node.input(1);
  if (!input || !target)
    return failure();
  Value weight = node.hasInput(2) ? node.input(2) : Value();
  if (node.hasInput(2) && !weight)
    return failure();
  if (!isa<FloatType>(elementTypeOf(input)))
    return node.fail("input must be a float tensor");
  return negativeLogLikelihood(node, input, target, weight);
}

/// SoftmaxCrossEntropyLoss: NLL of log_softmax over the class dimension;
/// the optional second output is that log_softmax.
LogicalResult lowerSoftmaxCrossEntropyLoss(NodeImporter &node) {
  Value scores = node.input(0), labels = node.input(1);
  if (!scores || !labels)
    return failure();
  Value weight = node.hasInput(2) ? node.input(2) : Value();
  if (node.hasInput(2) && !weight)
    return failure();
  if (!isa<FloatType>(elementTypeOf(scores)) || shapeOf(scores).size() < 2)
    return node.fail("scores must be a float N x C x d... tensor");
  Value logProb = node.create<LogSoftmaxOp>(scores.getType(), scores, 1);
  if (failed(negativeLogLikelihood(node, logProb, labels, weight)))
    return failure();
  node.setOutput(1, logProb);
  return success();
}

} // namespace

void registerLossLowerings(llvm::StringMap<Lowering> &table) {
  table["NegativeLogLikelihoodLoss"] = lowerNegativeLogLikelihoodLoss;
  table["SoftmaxCrossEntropyLoss"] = lowerSoftmaxCrossEntropyLoss;
}

} // namespace starch::import
