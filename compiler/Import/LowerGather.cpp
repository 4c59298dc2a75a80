//===- LowerGather.cpp - ONNX ops that pick elements by index -------------===//
//
// Gather is starch.gather, GatherND a gather at linear positions;
// GatherElements, OneHot and Trilu compare indices or positions with an iota
// and select.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

LogicalResult lowerGather(NodeImporter &node) {
  Value data = node.input(0), indices = node.input(1);
  if (!data || !indices)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(data);
  auto axis = node.axis(node.intAttr("axis", 0), dims.size());
  if (!axis)
    return failure();
  SmallVector<int64_t> target(dims.take_front(*axis));
  llvm::append_range(target, shapeOf(indices));
  llvm::append_range(target, dims.drop_front(*axis + 1));
  node.setOutput(
      0, node.create<GatherOp>(node.tensorType(target, elementTypeOf(data)),
                               data, indices, *axis));
  return success();
}

/// `indices` as i64, negative entries counted back from `size`. ONNX
/// converts float indices to integers.
Value wrapIndices(NodeImporter &node, Value indices, int64_t size) {
  ArrayRef<int64_t> shape = shapeOf(indices);
  Type i64 = node.builder().getI64Type();
  Value index = node.convert(indices, i64);
  auto indexType = node.tensorType(shape, i64);
  Value negative = node.create<CompareOp>(
      node.tensorType(shape, node.builder().getI1Type()), CompareDirection::lt,
      index, node.splat(0, i64, shape));
  return node.create<SelectOp>(
      indexType, negative,
      node.create<AddOp>(indexType, index, node.integerSplat(size, i64, shape)),
      index);
}

/// GatherElements: out[p] = data[p with p[axis] = indices[p]]. Decomposed
/// with a one-hot mask over a new trailing dimension of the axis' size:
/// data (cropped to the indices' shape off the axis, the axis moved last)
/// is broadcast over the index positions, masked and summed.
LogicalResult lowerGatherElements(NodeImporter &node) {
  Value data = node.input(0), indices = node.input(1);
  if (!data || !indices)
    return failure();
  ArrayRef<int64_t> d = shapeOf(data), in = shapeOf(indices);
  int64_t rank = d.size();
  auto axis = node.axis(node.intAttr("axis", 0), rank);
  if (!axis)
    return failure();
  if (static_cast<int64_t>(in.size()) != rank)
    return node.fail("data and indices must have the same rank");
  for (int64_t i = 0; i < rank; ++i)
    if (i != *axis && in[i] > d[i])
      return node.fail("indices are larger than data off the axis");
  Type elementType = elementTypeOf(data);
  if (elementType.isInteger(1))
    return node.fail("boolean data is not supported");
  int64_t n = d[*axis];
  // Crop data to the indices' shape, except along the axis.
  SmallVector<int64_t> cropped(in);
  cropped[*axis] = n;
  Value source = data;
  if (ArrayRef<int64_t>(cropped) != d) {
    SmallVector<int64_t> start(rank, 0), strides(rank, 1);
    source = node.slice(data, start, cropped, strides, cropped);
  }
  // Move the axis last, keep a unit dimension in its place, broadcast.
  if (*axis != rank - 1)
    source = node.transpose(source, axisLastPermutation(rank, *axis));
  SmallVector<int64_t> withUnit(cropped), expanded(in);
  withUnit[*axis] = 1;
  withUnit.push_back(n);
  expanded.push_back(n);
  Value candidates = node.broadcastTo(node.reshape(source, withUnit), expanded);
  Value hot = node.oneHotMask(wrapIndices(node, indices, n), expanded, rank);
  Value chosen =
      node.create<SelectOp>(node.tensorType(expanded, elementType), hot,
                            candidates, node.splat(0, elementType, expanded));
  node.setOutput(0, node.create<ReduceOp>(
                        node.tensorType(in, elementType), ReduceKind::sum,
                        chosen, node.builder().getDenseI64ArrayAttr({rank})));
  return success();
}

/// GatherND: out[b.., i.., rest] = data[b.., indices[b.., i.., :], rest]
/// with `batch_dims` b leading dimensions shared by data and indices. Data's
/// batch and indexed dimensions become one; each index tuple (negative
/// entries counted back per dimension) and its batch position become a
/// linear position in it, which starch.gather picks.
LogicalResult lowerGatherND(NodeImporter &node) {
  Value data = node.input(0), indices = node.input(1);
  if (!data || !indices)
    return failure();
  ArrayRef<int64_t> d = shapeOf(data), in = shapeOf(indices);
  int64_t r = d.size(), q = in.size();
  int64_t b = node.intAttr("batch_dims", 0);
  if (q < 1 || r < 1 || b < 0 || b >= std::min(q, r))
    return node.fail("batch_dims must lie in [0, min(rank(data), "
                     "rank(indices)))");
  int64_t k = in.back();
  if (k < 1 || b + k > r)
    return node.fail("the indices' last dimension must lie in [1, "
                     "rank(data) - batch_dims]");
  for (int64_t i = 0; i < b; ++i)
    if (in[i] != d[i])
      return node.fail("data and indices differ in batch dimension " +
                       std::to_string(i));
  Type i64 = node.builder().getI64Type();
  SmallVector<int64_t> positions(in.drop_back());
  auto positionType = node.tensorType(positions, i64);
  // stride[j]: elements of data's dimensions j+1 .. b+k-1.
  SmallVector<int64_t> stride(b + k, 1);
  for (int64_t j = b + k - 2; j >= 0; --j)
    stride[j] = stride[j + 1] * d[j + 1];
  Value linear = node.integerSplat(0, i64, positions);
  auto addScaled = [&](Value index, int64_t scale) {
    Value scaled = node.create<MulOp>(positionType, index,
                                      node.integerSplat(scale, i64, positions));
    linear = node.create<AddOp>(positionType, linear, scaled);
  };
  for (int64_t i = 0; i < b; ++i)
    addScaled(node.create<IotaOp>(positionType, i), stride[i]);
  for (int64_t j = 0; j < k; ++j) {
    Value column = node.reshape(node.sliceAxis(indices, q - 1, j, 1),
                                positions);
    addScaled(wrapIndices(node, column, d[b + j]), stride[b + j]);
  }
  SmallVector<int64_t> flat{stride[0] * d[0]};
  llvm::append_range(flat, d.drop_front(b + k));
  SmallVector<int64_t> target(positions);
  llvm::append_range(target, d.drop_front(b + k));
  node.setOutput(0, node.create<GatherOp>(
                        node.tensorType(target, elementTypeOf(data)),
                        node.reshape(data, flat), linear, 0));
  return success();
}

/// OneHot: compare the (wrapped) indices, broadcast along the new axis, with
/// an iota; select on_value / off_value. depth must be constant.
LogicalResult lowerOneHot(NodeImporter &node) {
  Value indices = node.input(0), values = node.input(2);
  auto depthTensor = node.requireConstant(1, "depth");
  if (!indices || !values || !depthTensor)
    return failure();
  if (depthTensor->numElements() != 1 ||
      shapeOf(values) != ArrayRef<int64_t>{2})
    return node.fail("depth must be a scalar and values hold 2 elements");
  int64_t depth = static_cast<int64_t>(rt::elementAsDouble(*depthTensor, 0));
  ArrayRef<int64_t> in = shapeOf(indices);
  int64_t rank = in.size() + 1;
  auto axis = node.axis(node.intAttr("axis", -1), rank);
  if (!axis)
    return failure();
  SmallVector<int64_t> out(in);
  out.insert(out.begin() + *axis, depth);
  Value hot = node.oneHotMask(wrapIndices(node, indices, depth), out, *axis);
  Type elementType = elementTypeOf(values);
  auto pick = [&](int64_t i) {
    Value one = node.sliceAxis(values, 0, i, 1);
    return node.broadcastTo(node.reshape(one, {}), out);
  };
  node.setOutput(0, node.create<SelectOp>(node.tensorType(out, elementType),
                                          hot, pick(1), pick(0)));
  return success();
}

/// Trilu keeps the upper (or lower) triangle of the last two dimensions:
/// element (i, j) stays iff j - i >= k (upper) or j - i <= k (lower).
LogicalResult lowerTrilu(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  int64_t k = 0;
  if (node.hasInput(1)) {
    auto given = node.requireInts(1, "k");
    if (!given)
      return failure();
    k = given->empty() ? 0 : (*given)[0];
  }
  ArrayRef<int64_t> dims = shapeOf(x);
  int64_t rank = dims.size();
  if (rank < 2)
    return node.fail("input must have rank >= 2");
  auto indexType = node.tensorType(dims, node.builder().getI64Type());
  Value rows = node.create<IotaOp>(indexType, rank - 2);
  Value cols = node.create<IotaOp>(indexType, rank - 1);
  Value diagonal = node.create<SubOp>(indexType, cols, rows);
  Value offset = node.integerSplat(k, node.builder().getI64Type(), dims);
  bool upper = node.intAttr("upper", 1) != 0;
  Value keep = node.create<CompareOp>(
      node.tensorType(dims, node.builder().getI1Type()),
      upper ? CompareDirection::ge : CompareDirection::le, diagonal, offset);
  Value zero = node.splat(0, elementTypeOf(x), dims);
  node.setOutput(0, node.create<SelectOp>(x.getType(), keep, x, zero));
  return success();
}

} // namespace

void registerGatherLowerings(llvm::StringMap<Lowering> &table) {
  table["Gather"] = lowerGather;
  table["GatherElements"] = lowerGatherElements;
  table["GatherND"] = lowerGatherND;
  table["OneHot"] = lowerOneHot;
  table["Trilu"] = lowerTrilu;
}

} // namespace starch::import
