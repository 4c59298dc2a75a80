//===- LowerConstants.cpp - ONNX ops that fold to constants ---------------===//
//
// Shape, Size, Constant, ConstantOfShape, Range and EyeLike depend only on
// static shapes and constant inputs: each becomes one starch.constant.
//
//===----------------------------------------------------------------------===//
#include "compiler/Import/GraphImporter.h"
#include "compiler/Import/ImportLimits.h"
#include "compiler/Import/NodeImporter.h"
#include "compiler/Interpreter/Interpreter.h"
#include "runtime/io/OnnxTensor.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <cstring>

using namespace mlir;

namespace starch::import {
namespace {

rt::Tensor int64Tensor(ArrayRef<int64_t> values, rt::Shape shape) {
  rt::Tensor tensor(rt::DType::i64, std::move(shape));
  std::copy(values.begin(), values.end(), tensor.data<int64_t>());
  return tensor;
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

LogicalResult lowerConstant(NodeImporter &node) {
  rt::Tensor tensor;
  std::string error;
  if (const auto *value = node.attribute("value")) {
    if (!rt::decodeOnnxTensor(value->t(), node.modelFolder(), tensor, error))
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

/// "at most 2^26" for a limit of 2^26 elements.
std::string atMost(int64_t limit) {
  if (limit > 0 && llvm::isPowerOf2_64(limit))
    return "at most 2^" + std::to_string(llvm::Log2_64(limit));
  return "at most " + std::to_string(limit);
}

/// "" when a constant of `shape` may be built in memory, else why not.
std::string checkConstantShape(ArrayRef<int64_t> shape, int64_t limit) {
  if (std::string why = checkShapeBounds(shape); !why.empty())
    return why;
  if (*boundedElementCount(shape) > limit)
    return "has " + std::to_string(*boundedElementCount(shape)) +
           " elements; a constant holds " + atMost(limit);
  return "";
}

LogicalResult lowerConstantOfShape(NodeImporter &node) {
  auto shape = node.requireInts(0, "the shape");
  if (!shape)
    return failure();
  rt::Tensor fill(rt::DType::f32, {1});
  if (const auto *value = node.attribute("value")) {
    std::string error;
    if (!rt::decodeOnnxTensor(value->t(), node.modelFolder(), fill, error))
      return node.fail("attribute 'value': " + error);
    if (fill.numElements() != 1)
      return node.fail("attribute 'value' must hold one element");
  }
  if (std::string why = checkConstantShape(*shape, node.maxConstantElements());
      !why.empty())
    return node.fail("the shape " + why);
  rt::Tensor result(fill.dtype(), rt::Shape(shape->begin(), shape->end()));
  for (int64_t i = 0; i < result.numElements(); ++i)
    std::memcpy(result.bytes() + i * rt::dtypeSize(fill.dtype()), fill.bytes(),
                rt::dtypeSize(fill.dtype()));
  node.setOutput(0, node.constant(result));
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
  // Converting a double beyond int64 (or NaN) is undefined: bound it first.
  double steps = std::ceil((last - first) / step);
  if (!(steps <= static_cast<double>(node.maxConstantElements())))
    return node.fail("start, limit and delta give " +
                     (std::isnan(steps) ? std::string("no number of")
                                        : std::to_string(steps)) +
                     " elements; a constant holds " +
                     atMost(node.maxConstantElements()));
  int64_t count = std::max<int64_t>(0, static_cast<int64_t>(steps));
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
  if (std::string why = checkConstantShape(d, node.maxConstantElements());
      !why.empty())
    return node.fail("the identity " + why);
  rt::Tensor eye(*dtype, {d[0], d[1]});
  // A diagonal past either edge (any int64 k) leaves the matrix zero. Only
  // the rows it crosses are visited: a 2^31 x 0 matrix has none.
  int64_t k = std::clamp<int64_t>(node.intAttr("k", 0), -d[0], d[1]);
  for (int64_t i = std::max<int64_t>(0, -k); i < std::min(d[0], d[1] - k); ++i)
    rt::storeFromDouble(eye, i * d[1] + i + k, 1.0);
  node.setOutput(0, node.constant(eye));
  return success();
}

} // namespace

void registerConstantLowerings(llvm::StringMap<Lowering> &table) {
  table["Shape"] = lowerShape;
  table["Size"] = lowerSize;
  table["Constant"] = lowerConstant;
  table["ConstantOfShape"] = lowerConstantOfShape;
  table["Range"] = lowerRange;
  table["EyeLike"] = lowerEyeLike;
}

} // namespace starch::import
