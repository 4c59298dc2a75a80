//===- LowerNeuralNet.cpp - ONNX contractions, convolutions, norms --------===//
#include "compiler/Import/NodeImporter.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace starch::import {
namespace {

/// numpy matmul: 1-D operands gain and lose a unit dimension, batch
/// dimensions broadcast. A 2-D right operand (a weight) is not broadcast:
/// the left operand's batch dimensions fold into its rows instead.
FailureOr<Value> buildMatmul(NodeImporter &node, Value lhs, Value rhs) {
  Type elementType = elementTypeOf(lhs);
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
    Value c = node.broadcastTo(node.input(2), shapeOf(product));
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
    Value expanded = node.create<BroadcastOp>(result.getType(), bias,
                                              b.getDenseI64ArrayAttr({1}));
    result = node.create<AddOp>(result.getType(), result, expanded);
  }
  node.setOutput(0, result);
  return success();
}

template <typename OpT> LogicalResult lowerSoftmax(NodeImporter &node) {
  Value x = node.input(0);
  if (!x)
    return failure();
  ArrayRef<int64_t> dims = shapeOf(x);
  if (node.opset() >= 13) {
    auto axis = node.axis(node.intAttr("axis", -1), dims.size());
    if (!axis)
      return failure();
    node.setOutput(0, node.create<OpT>(x.getType(), x, *axis));
    return success();
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  int64_t axis = node.intAttr("axis", 1);
  if (axis < 0)
    axis += dims.size();
  if (axis < 0 || axis > static_cast<int64_t>(dims.size()))
    return node.fail("axis is out of range");
  Value flat = node.reshape(
      x, {product(dims.take_front(axis)), product(dims.drop_front(axis))});
  Value result = node.create<OpT>(flat.getType(), flat, 1);
  node.setOutput(0, node.reshape(result, dims));
  return success();
}

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

/// One operand of an Einsum: its value and one label per dimension.
struct EinsumOperand {
  Value value;
  std::string labels;
};

/// Sums `operand` over the labels not in `keep`.
EinsumOperand sumOutLabels(NodeImporter &node, EinsumOperand operand,
                           StringRef keep) {
  ArrayRef<int64_t> dims = shapeOf(operand.value);
  SmallVector<int64_t> reduced, kept;
  std::string labels;
  for (auto [d, label] : llvm::enumerate(operand.labels)) {
    if (keep.contains(label)) {
      kept.push_back(dims[d]);
      labels += label;
    } else {
      reduced.push_back(d);
    }
  }
  if (reduced.empty())
    return operand;
  Value sum = node.create<ReduceOp>(
      node.tensorType(kept, elementTypeOf(operand.value)), ReduceKind::sum,
      operand.value, node.builder().getDenseI64ArrayAttr(reduced));
  return {sum, labels};
}

/// Transposes `operand` so that its labels read `order`.
Value permuteTo(NodeImporter &node, const EinsumOperand &operand,
                StringRef order) {
  SmallVector<int64_t> perm;
  for (char label : order)
    perm.push_back(operand.labels.find(label));
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return operand.value;
  return node.transpose(operand.value, perm);
}

/// Einsum with one or two operands and no repeated label within an operand:
/// labels only in one operand and not in the output are summed first; two
/// operands become one batched matmul (batch = shared output labels,
/// contraction = shared labels not in the output), reshaped and transposed
/// into the output's order. "..." stands for the leading dimensions.
LogicalResult lowerEinsum(NodeImporter &node) {
  std::string equation;
  for (char c : node.stringAttr("equation", ""))
    if (c != ' ')
      equation += c;
  auto [inputsText, outputText] = StringRef(equation).split("->");
  bool explicitOutput = StringRef(equation).contains("->");
  SmallVector<StringRef> terms;
  inputsText.split(terms, ',');
  if (static_cast<int>(terms.size()) != node.numInputs() || terms.size() > 2)
    return node.fail(
        "equation '" + equation +
        "': only one or two operands are supported, one term each");
  // Ellipsis dimensions (right-aligned across operands) get the labels
  // '0', '1', ..., which no equation uses.
  int64_t ellipsisRank = 0;
  for (auto [i, term] : llvm::enumerate(terms))
    if (term.contains("...")) {
      Value value = node.input(i);
      if (!value)
        return failure();
      ellipsisRank = std::max<int64_t>(
          ellipsisRank, static_cast<int64_t>(shapeOf(value).size()) -
                            static_cast<int64_t>(term.size() - 3));
    }
  SmallVector<EinsumOperand> operands;
  for (auto [i, term] : llvm::enumerate(terms)) {
    Value value = node.input(i);
    if (!value)
      return failure();
    if (!isa<FloatType>(elementTypeOf(value)))
      return node.fail("operands must be float tensors");
    int64_t rank = shapeOf(value).size();
    std::string labels = term.str();
    if (size_t at = labels.find("..."); at != std::string::npos) {
      int64_t count = rank - static_cast<int64_t>(labels.size() - 3);
      if (count < 0)
        return node.fail("term '" + term.str() +
                         "' has more labels than rank " + std::to_string(rank));
      std::string generated;
      for (int64_t k = 0; k < count; ++k)
        generated += static_cast<char>('0' + (ellipsisRank - count + k));
      labels.replace(at, 3, generated);
    }
    if (static_cast<int64_t>(labels.size()) != rank)
      return node.fail("term '" + term.str() + "' does not match rank " +
                       std::to_string(rank));
    for (char label : labels)
      if (llvm::count(labels, label) > 1)
        return node.fail("repeated label '" + std::string(1, label) +
                         "' in one term (diagonals) is not supported");
    operands.push_back({value, labels});
  }
  std::string ellipsis;
  for (int64_t k = 0; k < ellipsisRank; ++k)
    ellipsis += static_cast<char>('0' + k);
  std::string output;
  if (explicitOutput) {
    output = outputText.str();
    if (size_t at = output.find("..."); at != std::string::npos)
      output.replace(at, 3, ellipsis);
  } else {
    // Implicit output: the ellipsis, then labels used once, alphabetically.
    std::string once;
    for (const auto &operand : operands)
      for (char label : operand.labels)
        if (std::isalpha(static_cast<unsigned char>(label)) &&
            llvm::count(operands[0].labels + (operands.size() > 1
                                                  ? operands[1].labels
                                                  : std::string()),
                        label) == 1)
          once += label;
    llvm::sort(once);
    output = ellipsis + once;
  }
  // Sizes agree per label.
  llvm::DenseMap<char, int64_t> sizes;
  for (const auto &operand : operands)
    for (auto [d, label] : llvm::enumerate(operand.labels)) {
      int64_t size = shapeOf(operand.value)[d];
      auto [it, inserted] = sizes.try_emplace(label, size);
      if (!inserted && it->second != size)
        return node.fail("label '" + std::string(1, label) + "' has sizes " +
                         std::to_string(it->second) + " and " +
                         std::to_string(size));
    }
  for (char label : output)
    if (!sizes.count(label))
      return node.fail("output label '" + std::string(1, label) +
                       "' is in no operand");
  Type elementType = elementTypeOf(operands[0].value);
  if (operands.size() == 1) {
    EinsumOperand summed = sumOutLabels(node, operands[0], output);
    node.setOutput(0, permuteTo(node, summed, output));
    return success();
  }
  // Sum labels that only one operand has and the output lacks.
  std::string lhsKeep = output + operands[1].labels;
  std::string rhsKeep = output + operands[0].labels;
  EinsumOperand lhs = sumOutLabels(node, operands[0], lhsKeep);
  EinsumOperand rhs = sumOutLabels(node, operands[1], rhsKeep);
  std::string batch, contract, lhsFree, rhsFree;
  for (char label : lhs.labels) {
    bool shared = StringRef(rhs.labels).contains(label);
    bool kept = StringRef(output).contains(label);
    (shared ? (kept ? batch : contract) : lhsFree) += label;
  }
  for (char label : rhs.labels)
    if (!StringRef(lhs.labels).contains(label))
      rhsFree += label;
  auto product = [&](StringRef labels) {
    int64_t total = 1;
    for (char label : labels)
      total *= sizes[label];
    return total;
  };
  int64_t b = product(batch), m = product(lhsFree), k = product(contract),
          n = product(rhsFree);
  Value left =
      node.reshape(permuteTo(node, lhs, batch + lhsFree + contract), {b, m, k});
  Value right =
      node.reshape(permuteTo(node, rhs, batch + contract + rhsFree), {b, k, n});
  Value result = node.create<MatmulOp>(node.tensorType({b, m, n}, elementType),
                                       left, right);
  std::string labels = batch + lhsFree + rhsFree;
  SmallVector<int64_t> shape;
  for (char label : labels)
    shape.push_back(sizes[label]);
  result = node.reshape(result, shape);
  node.setOutput(0, permuteTo(node, {result, labels}, output));
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

void registerNeuralNetLowerings(llvm::StringMap<Lowering> &table) {
  table["MatMul"] = lowerMatMul;
  table["Gemm"] = lowerGemm;
  table["Einsum"] = lowerEinsum;
  table["Conv"] = lowerConv;
  table["LayerNormalization"] = lowerLayerNormalization;
  table["Softmax"] = lowerSoftmax<SoftmaxOp>;
  table["LogSoftmax"] = lowerSoftmax<LogSoftmaxOp>;
  table["BatchNormalization"] = lowerBatchNormalization;
  table["InstanceNormalization"] = lowerInstanceNormalization;
  table["MeanVarianceNormalization"] = lowerMeanVarianceNormalization;
  table["GlobalAveragePool"] = lowerGlobalPool<ReduceKind::mean>;
  table["GlobalMaxPool"] = lowerGlobalPool<ReduceKind::max>;
  table["MaxPool"] = lowerPool<true>;
  table["AveragePool"] = lowerPool<false>;
}

} // namespace starch::import
