//===- LowerReduction.cpp - ONNX reductions -------------------------------===//
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// Which elementwise step comes before and after the reduction.
enum class Around { none, square, abs, exp };

template <ReduceKind kind, Around before = Around::none,
          bool sqrtAfter = false, bool logAfter = false>
LogicalResult lowerReduce(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  int64_t rank = dims.size();
  // ReduceSum took axes as an input from opset 13, the others from 18.
  int64_t axesAsInput = node.node().op_type() == "ReduceSum" ? 13 : 18;
  SmallVector<int64_t> axes;
  if (node.opset() >= axesAsInput) {
    if (node.hasInput(1)) {
      auto given = node.requireInts(1, "the axes");
      if (!given)
        return failure();
      axes = *given;
    }
  } else {
    axes = node.intsAttr("axes");
  }
  if (axes.empty() && node.intAttr("noop_with_empty_axes", 0)) {
    node.setOutput(0, x);
    return success();
  }
  SmallVector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) {
    auto axis = node.axis(a, rank);
    if (!axis)
      return failure();
    reduced[*axis] = true;
  }
  Value input = x;
  if (before == Around::square)
    input = node.create<MulOp>(x.getType(), x, x);
  else if (before == Around::abs)
    input = node.create<AbsOp>(x.getType(), x);
  else if (before == Around::exp)
    input = node.create<ExpOp>(x.getType(), x);
  SmallVector<int64_t> reducedDims, kept, keptWithOnes;
  for (int64_t d = 0; d < rank; ++d) {
    if (reduced[d]) {
      reducedDims.push_back(d);
      keptWithOnes.push_back(1);
    } else {
      kept.push_back(dims[d]);
      keptWithOnes.push_back(dims[d]);
    }
  }
  auto resultType = node.tensorType(kept, elementTypeOf(x));
  Value result = reducedDims.empty()
                     ? input
                     : Value(node.create<ReduceOp>(
                           resultType, kind, input,
                           node.builder().getDenseI64ArrayAttr(reducedDims)));
  if (sqrtAfter)
    result = node.create<SqrtOp>(result.getType(), result);
  if (logAfter)
    result = node.create<LogOp>(result.getType(), result);
  if (node.intAttr("keepdims", 1))
    result = node.reshape(result, keptWithOnes);
  node.setOutput(0, result);
  return success();
}

template <bool isMin> LogicalResult lowerArgExtreme(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  if (node.intAttr("select_last_index", 0))
    return node.fail("select_last_index = 1 is not supported");
  ArrayRef<int64_t> dims = shapeOf(x);
  auto axis = node.axis(node.intAttr("axis", 0), dims.size());
  if (!axis)
    return failure();
  Value input = isMin ? Value(node.create<NegOp>(x.getType(), x)) : x;
  SmallVector<int64_t> kept(dims);
  kept.erase(kept.begin() + *axis);
  Value result = node.create<ArgMaxOp>(
      node.tensorType(kept, node.builder().getI64Type()), input, *axis);
  if (node.intAttr("keepdims", 1)) {
    SmallVector<int64_t> withOne(dims);
    withOne[*axis] = 1;
    result = node.reshape(result, withOne);
  }
  node.setOutput(0, result);
  return success();
}

} // namespace

void registerReductionLowerings(llvm::StringMap<Lowering> &table) {
  table["ReduceSum"] = lowerReduce<ReduceKind::sum>;
  table["ReduceMean"] = lowerReduce<ReduceKind::mean>;
  table["ReduceMax"] = lowerReduce<ReduceKind::max>;
  table["ReduceMin"] = lowerReduce<ReduceKind::min>;
  table["ReduceProd"] = lowerReduce<ReduceKind::prod>;
  table["ReduceSumSquare"] = lowerReduce<ReduceKind::sum, Around::square>;
  table["ReduceL1"] = lowerReduce<ReduceKind::sum, Around::abs>;
  table["ReduceL2"] = lowerReduce<ReduceKind::sum, Around::square, true>;
  table["ReduceLogSumExp"] =
      lowerReduce<ReduceKind::sum, Around::exp, false, true>;
  table["ArgMax"] = lowerArgExtreme<false>;
  table["ArgMin"] = lowerArgExtreme<true>;
}

} // namespace starch::import
