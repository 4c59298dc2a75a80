//===- LowerShape.cpp - ONNX shape and data-movement ops ------------------===//
//
// Shapes are static, so every shape, axis, pad or split list must fold to a
// constant; Shape/Size/ConstantOfShape/Range produce constants themselves.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/GraphImporter.h"
#include "compiler/Import/NodeImporter.h"
#include "compiler/Interpreter/Interpreter.h"
#include "runtime/io/OnnxTensor.h"

using namespace mlir;

namespace starch::import {
namespace {

rt::Tensor int64Tensor(ArrayRef<int64_t> values, rt::Shape shape) {
  rt::Tensor tensor(rt::DType::i64, std::move(shape));
  std::copy(values.begin(), values.end(), tensor.data<int64_t>());
  return tensor;
}

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

LogicalResult lowerShape(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  int64_t rank = dims.size();
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t start = clampIndex(node.intAttr("start", 0));
  int64_t end = clampIndex(node.intAttr("end", rank));
  SmallVector<int64_t> slice(dims.begin() + start,
                             dims.begin() + std::max(start, end));
  node.setOutput(0, node.constant(int64Tensor(slice, {(int64_t)slice.size()})));
  return success();
}

LogicalResult lowerSize(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  node.setOutput(0, node.constant(int64Tensor({product(shapeOf(x))}, {})));
  return success();
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
    known *= size;
  }
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
    if (size < 0 || offset + size > dims[*axis])
      return node.fail("split sizes exceed dimension " + std::to_string(*axis));
    node.setOutput(i, node.sliceAxis(x, *axis, offset, size));
    offset += size;
  }
  if (offset != dims[*axis])
    return node.fail("split sizes add up to " + std::to_string(offset) +
                     " but the dimension has " + std::to_string(dims[*axis]));
  return success();
}

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

LogicalResult lowerConstantOfShape(NodeImporter &node) {
  auto shape = node.requireInts(0, "the shape");
  if (!shape)
    return failure();
  rt::Tensor fill(rt::DType::f32, {1});
  if (const auto *value = node.attribute("value")) {
    std::string error;
    if (!rt::decodeOnnxTensor(value->t(), "", fill, error))
      return node.fail("attribute 'value': " + error);
    if (fill.numElements() != 1)
      return node.fail("attribute 'value' must hold one element");
  }
  rt::Tensor result(fill.dtype(), rt::Shape(shape->begin(), shape->end()));
  for (int64_t i = 0; i < result.numElements(); ++i)
    std::memcpy(result.bytes() + i * rt::dtypeSize(fill.dtype()), fill.bytes(),
                rt::dtypeSize(fill.dtype()));
  node.setOutput(0, node.constant(result));
  return success();
}

LogicalResult lowerConstant(NodeImporter &node) {
  rt::Tensor tensor;
  std::string error;
  if (const auto *value = node.attribute("value")) {
    if (!rt::decodeOnnxTensor(value->t(), "", tensor, error))
      return node.fail("attribute 'value': " + error);
  } else if (const auto *f = node.attribute("value_float")) {
    tensor = rt::Tensor(rt::DType::f32, {});
    tensor.data<float>()[0] = f->f();
  } else if (const auto *fs = node.attribute("value_floats")) {
    tensor = rt::Tensor(rt::DType::f32, {fs->floats_size()});
    std::copy(fs->floats().begin(), fs->floats().end(), tensor.data<float>());
  } else if (const auto *i = node.attribute("value_int")) {
    tensor = int64Tensor({i->i()}, {});
  } else if (const auto *is = node.attribute("value_ints")) {
    SmallVector<int64_t> values(is->ints().begin(), is->ints().end());
    tensor = int64Tensor(values, {(int64_t)values.size()});
  } else {
    return node.fail("only dense constants (value, value_float(s), "
                     "value_int(s)) are supported");
  }
  node.setOutput(0, node.constant(tensor));
  return success();
}

LogicalResult lowerRange(NodeImporter &node) {
  auto start = node.requireConstant(0, "start");
  auto limit = node.requireConstant(1, "limit");
  auto delta = node.requireConstant(2, "delta");
  if (!start || !limit || !delta)
    return failure();
  double first = rt::elementAsDouble(*start, 0),
         last = rt::elementAsDouble(*limit, 0),
         step = rt::elementAsDouble(*delta, 0);
  if (step == 0)
    return node.fail("delta is 0");
  int64_t count = std::max<int64_t>(
      0, static_cast<int64_t>(std::ceil((last - first) / step)));
  rt::Tensor result(start->dtype(), {count});
  for (int64_t i = 0; i < count; ++i) {
    if (start->dtype() == rt::DType::i64)
      result.data<int64_t>()[i] =
          start->data<int64_t>()[0] + i * delta->data<int64_t>()[0];
    else
      rt::storeFromDouble(result, i, first + i * step);
  }
  node.setOutput(0, node.constant(result));
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
  Value result = x;
  for (auto [axis, count] : llvm::enumerate(*repeats)) {
    if (count < 1)
      return node.fail("repeat counts must be positive");
    if (count == 1)
      continue;
    SmallVector<Value> copies(count, result);
    SmallVector<int64_t> target(shapeOf(result));
    target[axis] *= count;
    result = node.create<ConcatOp>(node.tensorType(target, elementTypeOf(x)),
                                   copies, axis);
  }
  node.setOutput(0, result);
  return success();
}

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
  Value offset = node.splat(k, node.builder().getI64Type(), dims);
  bool upper = node.intAttr("upper", 1) != 0;
  Value keep = node.create<CompareOp>(
      node.tensorType(dims, node.builder().getI1Type()),
      upper ? CompareDirection::ge : CompareDirection::le, diagonal, offset);
  Value zero = node.splat(0, elementTypeOf(x), dims);
  node.setOutput(0, node.create<SelectOp>(x.getType(), keep, x, zero));
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
  if (d.size() != 4 || b < 1 || d[1] % (b * b) != 0)
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
  if (d.size() != 4 || b < 1 || d[2] % b != 0 || d[3] % b != 0)
    return node.fail("needs an N x C x H x W input with H and W divisible "
                     "by blocksize");
  node.setOutput(0, reshapeTransposeReshape(
                        node, x, {d[0], d[1], d[2] / b, b, d[3] / b, b},
                        {0, 3, 5, 1, 2, 4},
                        {d[0], d[1] * b * b, d[2] / b, d[3] / b}));
  return success();
}

/// EyeLike: a constant of the input's shape with ones on diagonal k.
LogicalResult lowerEyeLike(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> d = shapeOf(x);
  if (d.size() != 2)
    return node.fail("the input must be 2-D");
  Type elementType =
      node.hasAttribute("dtype")
          ? elementTypeFromOnnx(node.intAttr("dtype", 0), node.context())
          : elementTypeOf(x);
  auto dtype = elementType ? interp::dtypeOf(elementType) : std::nullopt;
  if (!dtype)
    return node.fail("dtype is not a supported element type");
  rt::Tensor eye(*dtype, {d[0], d[1]});
  int64_t k = node.intAttr("k", 0);
  for (int64_t i = 0; i < d[0]; ++i)
    if (i + k >= 0 && i + k < d[1])
      rt::storeFromDouble(eye, i * d[1] + i + k, 1.0);
  node.setOutput(0, node.constant(eye));
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
      node.create<AddOp>(indexType, index, node.splat(size, i64, shape)),
      index);
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

} // namespace

void registerShapeLowerings(llvm::StringMap<Lowering> &table) {
  table["Shape"] = lowerShape;
  table["Size"] = lowerSize;
  table["Reshape"] = lowerReshape;
  table["Flatten"] = lowerFlatten;
  table["Squeeze"] = lowerSqueeze;
  table["Unsqueeze"] = lowerUnsqueeze;
  table["Transpose"] = lowerTranspose;
  table["Concat"] = lowerConcat;
  table["Split"] = lowerSplit;
  table["Slice"] = lowerSlice;
  table["Gather"] = lowerGather;
  table["Expand"] = lowerExpand;
  table["ConstantOfShape"] = lowerConstantOfShape;
  table["Constant"] = lowerConstant;
  table["Range"] = lowerRange;
  table["Tile"] = lowerTile;
  table["Pad"] = lowerPad;
  table["Trilu"] = lowerTrilu;
  table["DepthToSpace"] = lowerDepthToSpace;
  table["SpaceToDepth"] = lowerSpaceToDepth;
  table["EyeLike"] = lowerEyeLike;
  table["OneHot"] = lowerOneHot;
  table["GatherElements"] = lowerGatherElements;
}

} // namespace starch::import
