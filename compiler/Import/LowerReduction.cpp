//===- LowerReduction.cpp - ONNX reductions -------------------------------===//
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// Which elementwise step comes before and after the reduction.
enum class Around { none, square, abs, exp };

template <ReduceKind kind, Around before = Around::none, bool sqrtAfter = false,
          bool logAfter = false>
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

/// ArgMax/ArgMin through starch.argmax (first index wins ties): ArgMin
/// negates the input; select_last_index reverses the axis and maps the index
/// back, so that the last of equal extremes wins.
template <bool isMin> LogicalResult lowerArgExtreme(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  auto axis = node.axis(node.intAttr("axis", 0), dims.size());
  if (!axis)
    return failure();
  Value input = x;
  if (elementTypeOf(x).isInteger(1))
    return node.fail("boolean inputs are not supported");
  if (isMin) {
    // Negation must not wrap: unsigned and narrow integers widen first.
    if (elementTypeOf(x).isUnsignedInteger() ||
        (isa<IntegerType>(elementTypeOf(x)) &&
         elementTypeOf(x).getIntOrFloatBitWidth() < 64))
      input = node.convert(input, node.builder().getI64Type());
    input = node.create<NegOp>(input.getType(), input);
  }
  bool last = node.intAttr("select_last_index", 0) != 0;
  int64_t size = dims[*axis];
  if (last) {
    SmallVector<int64_t> start(dims.size(), 0), limit(dims),
        strides(dims.size(), 1);
    start[*axis] = size - 1;
    limit[*axis] = -1;
    strides[*axis] = -1;
    input = node.slice(input, start, limit, strides, dims);
  }
  SmallVector<int64_t> kept(dims);
  kept.erase(kept.begin() + *axis);
  auto indexType = node.tensorType(kept, node.builder().getI64Type());
  Value result = node.create<ArgMaxOp>(indexType, input, *axis);
  if (last)
    result = node.create<SubOp>(
        indexType,
        node.integerSplat(size - 1, node.builder().getI64Type(), kept), result);
  if (node.intAttr("keepdims", 1)) {
    SmallVector<int64_t> withOne(dims);
    withOne[*axis] = 1;
    result = node.reshape(result, withOne);
  }
  node.setOutput(0, result);
  return success();
}

/// CumSum along a constant axis: one starch.cumsum, with ONNX's exclusive
/// and reverse attributes.
LogicalResult lowerCumSum(NodeImporter &node) {
  Value x = node.input(0);
  auto axisValue = node.requireInts(1, "the axis");
  if (!x || !axisValue)
    return failure();
  if (axisValue->size() != 1)
    return node.fail("the axis must be a scalar");
  auto axis = node.axis((*axisValue)[0], shapeOf(x).size());
  if (!axis)
    return failure();
  if (elementTypeOf(x).isInteger(1))
    return node.fail("boolean inputs are not supported");
  node.setOutput(0, node.create<CumSumOp>(x.getType(), x, *axis,
                                          node.intAttr("exclusive", 0) != 0,
                                          node.intAttr("reverse", 0) != 0));
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
  table["ReduceLogSum"] =
      lowerReduce<ReduceKind::sum, Around::none, false, true>;
  table["ArgMax"] = lowerArgExtreme<false>;
  table["CumSum"] = lowerCumSum;
  table["ArgMin"] = lowerArgExtreme<true>;
}

} // namespace starch::import
