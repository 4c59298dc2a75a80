//===- LowerNeuralNet.cpp - ONNX MatMul, Gemm and Conv --------------------===//
#include "compiler/Import/ImportLimits.h"
#include "compiler/Import/NodeImporter.h"

using namespace mlir;

namespace starch::import {
namespace {

/// numpy matmul: 1-D operands gain and lose a unit dimension, batch
/// dimensions broadcast. A 2-D right operand (a weight) is not broadcast:
/// the left operand's batch dimensions fold into its rows instead.
FailureOr<Value> buildMatmul(NodeImporter &node, Value lhs, Value rhs) {
  Type elementType = elementTypeOf(lhs);
  if (shapeOf(lhs).empty() || shapeOf(rhs).empty())
    return node.fail("operands must have rank >= 1 (numpy matmul has no "
                     "scalars)");
  bool lhsVector = shapeOf(lhs).size() == 1,
       rhsVector = shapeOf(rhs).size() == 1;
  if (lhsVector)
    lhs = node.reshape(lhs, {1, shapeOf(lhs)[0]});
  if (rhsVector)
    rhs = node.reshape(rhs, {shapeOf(rhs)[0], 1});
  ArrayRef<int64_t> a = shapeOf(lhs), b = shapeOf(rhs);
  int64_t m = a[a.size() - 2], k = a.back(), n = b.back();
  if (b[b.size() - 2] != k)
    return node.fail("operands " + std::to_string(m) + "x" + std::to_string(k) +
                     " and " + std::to_string(b[b.size() - 2]) + "x" +
                     std::to_string(n) + " do not contract");
  SmallVector<int64_t> batch;
  Value result;
  if (b.size() == 2) {
    batch.assign(a.begin(), a.end() - 2);
    Value rows = node.reshape(lhs, {product(batch) * m, k});
    result = node.create<MatmulOp>(
        node.tensorType({product(batch) * m, n}, elementType), rows, rhs);
  } else {
    // Broadcast the batch dimensions of both operands.
    auto shape = node.broadcastShape({a.drop_back(2), b.drop_back(2)});
    if (!shape)
      return failure();
    batch = *shape;
    SmallVector<int64_t> lhsShape(batch), rhsShape(batch);
    lhsShape.append({m, k});
    rhsShape.append({k, n});
    lhs = node.broadcastTo(lhs, lhsShape);
    rhs = node.broadcastTo(rhs, rhsShape);
    SmallVector<int64_t> out(batch);
    out.append({m, n});
    result = node.create<MatmulOp>(node.tensorType(out, elementType), lhs, rhs);
  }
  SmallVector<int64_t> out(batch);
  if (!lhsVector)
    out.push_back(m);
  if (!rhsVector)
    out.push_back(n);
  return node.reshape(result, out);
}

LogicalResult lowerMatMul(NodeImporter &node) {
  Value lhs = node.input(0), rhs = node.input(1);
  if (!lhs || !rhs)
    return failure();
  if (!isa<FloatType>(elementTypeOf(lhs)) ||
      elementTypeOf(lhs) != elementTypeOf(rhs))
    return node.fail("operands must be floats of one type");
  FailureOr<Value> result = buildMatmul(node, lhs, rhs);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

LogicalResult lowerGemm(NodeImporter &node) {
  Value a = node.input(0), b = node.input(1);
  if (!a || !b)
    return failure();
  if (shapeOf(a).size() != 2 || shapeOf(b).size() != 2)
    return node.fail("A and B must be matrices");
  if (node.intAttr("transA", 0))
    a = node.transpose(a, {1, 0});
  if (node.intAttr("transB", 0))
    b = node.transpose(b, {1, 0});
  FailureOr<Value> contracted = buildMatmul(node, a, b);
  if (failed(contracted))
    return failure();
  Value product = *contracted;
  Type elementType = elementTypeOf(product);
  float alpha = node.floatAttr("alpha", 1.0f),
        beta = node.floatAttr("beta", 1.0f);
  if (alpha != 1.0f)
    product =
        node.create<MulOp>(product.getType(), product,
                           node.splat(alpha, elementType, shapeOf(product)));
  if (node.hasInput(2) && beta != 0.0f) {
    Value c = node.inputBroadcastTo(2, shapeOf(product), elementType, "C");
    if (!c)
      return failure();
    if (beta != 1.0f)
      c = node.create<MulOp>(c.getType(), c,
                             node.splat(beta, elementType, shapeOf(c)));
    product = node.create<AddOp>(product.getType(), product, c);
  }
  node.setOutput(0, product);
  return success();
}

LogicalResult lowerConv(NodeImporter &node) {
  Value x = node.input(0), w = node.input(1);
  if (!x || !w)
    return failure();
  ArrayRef<int64_t> in = shapeOf(x), filter = shapeOf(w);
  int64_t spatial = static_cast<int64_t>(in.size()) - 2;
  if (spatial < 1 || filter.size() != in.size())
    return node.fail("input and weight must be N x C x spatial... of one rank");
  SmallVector<int64_t> strides = node.intsAttrOr("strides", 1, spatial);
  SmallVector<int64_t> dilations = node.intsAttrOr("dilations", 1, spatial);
  SmallVector<int64_t> pads = node.intsAttrOr("pads", 0, 2 * spatial);
  if (static_cast<int64_t>(strides.size()) != spatial ||
      static_cast<int64_t>(dilations.size()) != spatial ||
      static_cast<int64_t>(pads.size()) != 2 * spatial)
    return node.fail("strides, dilations and pads do not match " +
                     std::to_string(spatial) + " spatial dimensions");
  for (std::string why : {checkWindowRange("strides", strides, 1),
                          checkWindowRange("dilations", dilations, 1),
                          checkWindowRange("pads", pads, 0)})
    if (!why.empty())
      return node.fail(why);
  SmallVector<int64_t> low(pads.begin(), pads.begin() + spatial),
      high(pads.begin() + spatial, pads.end());
  std::string autoPad = node.stringAttr("auto_pad", "NOTSET");
  SmallVector<int64_t> out{in[0], filter[0]};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t span = dilations[i] * (filter[i + 2] - 1) + 1;
    if (!applyAutoPad(autoPad, in[i + 2], strides[i], span, low[i], high[i]))
      return node.fail("auto_pad '" + autoPad + "' is not an ONNX value");
    int64_t padded = in[i + 2] + low[i] + high[i];
    if (padded < span)
      return node.fail("the kernel does not fit the padded input");
    out.push_back((padded - span) / strides[i] + 1);
  }
  auto &b = node.builder();
  Value result = node.create<ConvOp>(
      node.tensorType(out, elementTypeOf(x)), x, w,
      b.getDenseI64ArrayAttr(strides), b.getDenseI64ArrayAttr(low),
      b.getDenseI64ArrayAttr(high), b.getDenseI64ArrayAttr(dilations),
      node.intAttr("group", 1));
  if (node.hasInput(2)) {
    Value bias = node.input(2);
    if (!bias)
      return failure();
    if (shapeOf(bias) != ArrayRef<int64_t>(out[1]) ||
        elementTypeOf(bias) != elementTypeOf(x))
      return node.fail("the bias must be a vector of " +
                       std::to_string(out[1]) +
                       " values (one per output channel) of the input's type");
    Value expanded = node.create<BroadcastOp>(result.getType(), bias,
                                              b.getDenseI64ArrayAttr({1}));
    result = node.create<AddOp>(result.getType(), result, expanded);
  }
  node.setOutput(0, result);
  return success();
}

} // namespace

void registerNeuralNetLowerings(llvm::StringMap<Lowering> &table) {
  table["MatMul"] = lowerMatMul;
  table["Gemm"] = lowerGemm;
  table["Conv"] = lowerConv;
}

} // namespace starch::import
