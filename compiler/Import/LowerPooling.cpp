//===- LowerPooling.cpp - ONNX pooling ------------------------------------===//
//
// The global pools are reductions; MaxPool and AveragePool are decomposed
// into one strided slice per kernel position.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/ImportLimits.h"
#include "compiler/Import/NodeImporter.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace starch::import {
namespace {

/// GlobalAveragePool / GlobalMaxPool: a reduction over the spatial
/// dimensions, kept as size 1.
template <ReduceKind kind> LogicalResult lowerGlobalPool(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  if (dims.size() < 3)
    return node.fail("the input must be N x C x D1 ...");
  SmallVector<int64_t> spatial =
      llvm::to_vector(llvm::seq<int64_t>(2, dims.size()));
  SmallVector<int64_t> kept(dims.take_front(2)), withOnes(kept);
  withOnes.append(dims.size() - 2, 1);
  Value reduced =
      node.create<ReduceOp>(node.tensorType(kept, elementTypeOf(x)), kind, x,
                            node.builder().getDenseI64ArrayAttr(spatial));
  node.setOutput(0, node.reshape(reduced, withOnes));
  return success();
}

/// The geometry of a pooling window along each spatial dimension.
struct PoolGeometry {
  SmallVector<int64_t> kernel, strides, dilations, low, high, out;
  /// Padding past `high` that ceil_mode's last window reads (never counted).
  SmallVector<int64_t> ceilExtra;
};

FailureOr<PoolGeometry> poolGeometry(NodeImporter &node,
                                     ArrayRef<int64_t> spatialSizes) {
  int64_t rank = spatialSizes.size();
  PoolGeometry g;
  g.kernel = node.intsAttr("kernel_shape");
  g.strides = node.intsAttrOr("strides", 1, rank);
  g.dilations = node.intsAttrOr("dilations", 1, rank);
  SmallVector<int64_t> pads = node.intsAttrOr("pads", 0, 2 * rank);
  if (static_cast<int64_t>(g.kernel.size()) != rank ||
      static_cast<int64_t>(g.strides.size()) != rank ||
      static_cast<int64_t>(g.dilations.size()) != rank ||
      static_cast<int64_t>(pads.size()) != 2 * rank)
    return node.fail("kernel_shape, strides, dilations and pads must match " +
                     std::to_string(rank) + " spatial dimensions");
  for (std::string why : {checkWindowRange("kernel_shape", g.kernel, 1),
                          checkWindowRange("strides", g.strides, 1),
                          checkWindowRange("dilations", g.dilations, 1),
                          checkWindowRange("pads", pads, 0)})
    if (!why.empty())
      return node.fail(why);
  // Each factor is at most 2^31 - 1, and the running product stays below
  // kMaxPoolWindowPositions before it is multiplied: no overflow.
  int64_t positions = 1;
  for (int64_t size : g.kernel)
    if ((positions *= size) > kMaxPoolWindowPositions)
      return node.fail("kernel_shape covers more than " +
                       std::to_string(kMaxPoolWindowPositions) +
                       " positions (the pool becomes one slice per position)");
  g.low.assign(pads.begin(), pads.begin() + rank);
  g.high.assign(pads.begin() + rank, pads.end());
  std::string autoPad = node.stringAttr("auto_pad", "NOTSET");
  bool ceilMode = node.intAttr("ceil_mode", 0) != 0;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t span = g.dilations[i] * (g.kernel[i] - 1) + 1;
    int64_t size = spatialSizes[i];
    if (!applyAutoPad(autoPad, size, g.strides[i], span, g.low[i], g.high[i]))
      return node.fail("auto_pad '" + autoPad + "' is not an ONNX value");
    int64_t padded = size + g.low[i] + g.high[i];
    if (padded < span)
      return node.fail("the window does not fit the padded input");
    int64_t out = (padded - span) / g.strides[i] + 1;
    if (ceilMode && (padded - span) % g.strides[i] != 0) {
      ++out;
      // The last window must start inside the input or its low padding.
      if ((out - 1) * g.strides[i] >= size + g.low[i])
        --out;
    }
    g.out.push_back(out);
    g.ceilExtra.push_back(
        std::max<int64_t>(0, (out - 1) * g.strides[i] + span - padded));
  }
  return g;
}

/// Pads the spatial dimensions (from 2) of `x` by `low`/`high` with `value`.
Value padSpatial(NodeImporter &node, Value x, ArrayRef<int64_t> low,
                 ArrayRef<int64_t> high, double value) {
  ArrayRef<int64_t> dims = shapeOf(x);
  if (llvm::all_of(low, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(high, [](int64_t p) { return p == 0; }))
    return x;
  SmallVector<int64_t> fullLow(dims.size(), 0), fullHigh(dims.size(), 0),
      shape(dims);
  for (size_t i = 0; i < low.size(); ++i) {
    fullLow[i + 2] = low[i];
    fullHigh[i + 2] = high[i];
    shape[i + 2] += low[i] + high[i];
  }
  return node.create<PadOp>(node.tensorType(shape, elementTypeOf(x)), x,
                            node.builder().getDenseI64ArrayAttr(fullLow),
                            node.builder().getDenseI64ArrayAttr(fullHigh),
                            node.builder().getF64FloatAttr(value));
}

/// Combines, with `combine`, one strided slice of `padded` per kernel
/// position: the windows of a pool, evaluated position by position.
template <typename CombineOp>
Value combineWindows(NodeImporter &node, Value padded, const PoolGeometry &g) {
  ArrayRef<int64_t> dims = shapeOf(padded);
  int64_t rank = g.kernel.size();
  SmallVector<int64_t> shape(dims.take_front(2));
  shape.append(g.out.begin(), g.out.end());
  auto type = node.tensorType(shape, elementTypeOf(padded));
  SmallVector<int64_t> position(rank, 0);
  Value result;
  while (true) {
    SmallVector<int64_t> start(dims.size(), 0), limit(dims.take_front(2)),
        strides(dims.size(), 1);
    for (int64_t i = 0; i < rank; ++i) {
      start[i + 2] = position[i] * g.dilations[i];
      limit.push_back(start[i + 2] + (g.out[i] - 1) * g.strides[i] + 1);
      strides[i + 2] = g.strides[i];
    }
    Value window = node.slice(padded, start, limit, strides, shape);
    result =
        result ? Value(node.create<CombineOp>(type, result, window)) : window;
    int64_t i = rank - 1;
    while (i >= 0 && ++position[i] == g.kernel[i])
      position[i--] = 0;
    if (i < 0)
      return result;
  }
}

/// MaxPool and AveragePool, decomposed: pad, one strided slice per kernel
/// position, max or add; the average divides by a folded count of the
/// elements each window covers (padding included with count_include_pad,
/// ceil_mode's extra region never).
template <bool isMax> LogicalResult lowerPool(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  if (dims.size() < 3)
    return node.fail("the input must be N x C x D1 ...");
  bool indices = node.numOutputs() > 1 && !node.node().output(1).empty();
  if (isMax && (indices || node.intAttr("storage_order", 0)))
    return node.fail("the Indices output (and storage_order) is not "
                     "supported");
  Type elementType = elementTypeOf(x);
  if (!isMax && !isa<FloatType>(elementType))
    return node.fail("AveragePool needs a float input");
  FailureOr<PoolGeometry> g = poolGeometry(node, dims.drop_front(2));
  if (failed(g))
    return failure();
  SmallVector<int64_t> high(g->high);
  for (size_t i = 0; i < high.size(); ++i)
    high[i] += g->ceilExtra[i];
  if (isMax) {
    double lowest = -std::numeric_limits<double>::infinity();
    if (auto integer = dyn_cast<IntegerType>(elementType))
      lowest =
          integer.isUnsigned() ? 0.0 : -std::ldexp(1.0, integer.getWidth() - 1);
    node.setOutput(0, combineWindows<MaxOp>(
                          node, padSpatial(node, x, g->low, high, lowest), *g));
    return success();
  }
  Value sum =
      combineWindows<AddOp>(node, padSpatial(node, x, g->low, high, 0.0), *g);
  // How many elements each window averages, as a constant (it folds).
  bool includePad = node.intAttr("count_include_pad", 0) != 0;
  SmallVector<int64_t> one(dims.size(), 1);
  for (size_t i = 2; i < dims.size(); ++i)
    one[i] = dims[i];
  Value ones = node.splat(1.0, elementType, one);
  Value counted = padSpatial(node, ones, g->low, g->high, includePad ? 1 : 0);
  SmallVector<int64_t> none(g->low.size(), 0);
  counted = padSpatial(node, counted, none, g->ceilExtra, 0.0);
  Value count = combineWindows<AddOp>(node, counted, *g);
  node.setOutput(0, node.create<DivOp>(sum.getType(), sum,
                                       node.broadcastTo(count, shapeOf(sum))));
  return success();
}

} // namespace

void registerPoolingLowerings(llvm::StringMap<Lowering> &table) {
  table["GlobalAveragePool"] = lowerGlobalPool<ReduceKind::mean>;
  table["GlobalMaxPool"] = lowerGlobalPool<ReduceKind::max>;
  table["MaxPool"] = lowerPool<true>;
  table["AveragePool"] = lowerPool<false>;
}

} // namespace starch::import
