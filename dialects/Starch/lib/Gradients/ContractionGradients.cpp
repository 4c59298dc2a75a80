//===- ContractionGradients.cpp - Matmul, conv, reductions, softmax -------===//
#include "GradientBuilders.h"

using namespace mlir;

namespace starch::grad {
namespace {

using Cotangents = MutableArrayRef<Value>;

LogicalResult matmulRule(MatmulOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  // y = L R with L = l or l^T, R = r or r^T (the flags): dL = dy R^T and
  // dR = L^T dy (batch dimensions ride along). A flagged operand's
  // cotangent is the transpose, (dy R^T)^T = R dy^T and (L^T dy)^T = dy^T L;
  // every product reads its transposes as flags, so none is copied.
  // Under `bf16` the gradient products round as well: PyTorch's bf16
  // product reads a bf16 cotangent and writes bf16 gradients.
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs(),
       bf16 = op.getBf16();
  Value l = op.getLhs(), r = op.getRhs();
  if (needs[0])
    dxs[0] = tl ? m.matmul(r, dy, tr, /*transposeRhs=*/true, bf16)
                : m.matmul(dy, r, /*transposeLhs=*/false, !tr, bf16);
  if (needs[1])
    dxs[1] = tr ? m.matmul(dy, l, /*transposeLhs=*/true, tl, bf16)
                : m.matmul(l, dy, !tl, /*transposeRhs=*/false, bf16);
  return success();
}

/// The shapes and attributes of a `starch.conv`, spatial dimension `i`
/// being dimension `i + 2` of the tensors.
struct ConvShape {
  int64_t spatialRank, groups, outChannels, channelsPerGroup;
  ArrayRef<int64_t> input, kernel, output;
  ArrayRef<int64_t> strides, padLow, padHigh, dilations;

  explicit ConvShape(ConvOp op)
      : spatialRank(Math::typeOf(op.getInput()).getRank() - 2),
        groups(op.getGroups()),
        outChannels(Math::typeOf(op.getFilter()).getDimSize(0)),
        channelsPerGroup(Math::typeOf(op.getFilter()).getDimSize(1)),
        input(Math::typeOf(op.getInput()).getShape()),
        kernel(Math::typeOf(op.getFilter()).getShape()),
        output(Math::typeOf(op.getResult()).getShape()),
        strides(op.getStrides()), padLow(op.getPadLow()),
        padHigh(op.getPadHigh()), dilations(op.getDilations()) {}

  /// Dimension order `[1, 0, 2, 3, ...]`: swaps the two leading dimensions.
  SmallVector<int64_t> swapLeading() const {
    SmallVector<int64_t> perm =
        llvm::to_vector(llvm::seq<int64_t>(0, spatialRank + 2));
    std::swap(perm[0], perm[1]);
    return perm;
  }
};

Value buildConv(Math &m, RankedTensorType type, Value input, Value filter,
                ArrayRef<int64_t> strides, ArrayRef<int64_t> padLow,
                ArrayRef<int64_t> padHigh, ArrayRef<int64_t> dilations,
                int64_t groups) {
  return ConvOp::create(m.b, m.loc, type, input, filter, strides, padLow,
                        padHigh, dilations, groups);
}

/// Reorders the input (`N x groups * C' x S...`) to `C' x groups * N x
/// S...`, so that a conv with `groups` sums over the batch inside each group.
Value batchAsChannels(Math &m, Value input, int64_t groups) {
  RankedTensorType type = Math::typeOf(input);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t rank = type.getRank(), batch = shape[0], perGroup = shape[1] / groups;
  SmallVector<int64_t> split{batch, groups, perGroup}, perm{2, 1, 0},
      reordered{perGroup, groups * batch};
  for (int64_t d = 2; d < rank; ++d) {
    split.push_back(shape[d]);
    perm.push_back(d + 1);
    reordered.push_back(shape[d]);
  }
  Type element = type.getElementType();
  Value grouped = m.reshape(input, RankedTensorType::get(split, element));
  return m.reshape(m.transpose(grouped, perm),
                   RankedTensorType::get(reordered, element));
}

/// d input. Per spatial dimension `xp[p] = sum_{r s + k d = p} dy[r] w[k]`,
/// `xp` being the padded input.
///
/// Stride 1: a conv of dy with the flipped filter, dilated by `d` and padded
/// by `(K - 1) d - pad_low` low and `S + pad_low - R` high, so that its output
/// lines up with the input (cropping what the forward padded, zeros where it
/// cropped).
///
/// Stride s > 1: spreading dy out with zeros would cost `s` times the work and
/// memory per dimension (256 times for a 16x16 patch embedding). Instead the
/// positions are split by phase, `p = q s + f`:
/// `xp[q s + f] = sum_j dy[q - j] wd[f + j s]`, `wd` being the filter with
/// its dilation written out and zero-padded to `J = ceil(((K-1) d + 1) / s)`
/// taps of `s`. That is a stride-1 conv of dy with J taps whose output
/// channels are (input channel, phase); a reshape and transpose interleave
/// the phases (depth to space) and a pad lines the result up with the input.
///
/// In both, the filter's output and input channels swap inside each group.
Value convInputGradient(ConvOp op, Math &m, Value dy) {
  ConvShape conv(op);
  int64_t groups = conv.groups, channels = conv.input[1];
  int64_t perGroupOut = conv.outChannels / groups;
  SmallVector<int64_t> spread{1, 1}, tapPad{0, 0}, taps, phases;
  SmallVector<int64_t> low, high, dilations, lengths;
  int64_t phaseCount = 1;
  for (int64_t i = 0; i < conv.spatialRank; ++i) {
    int64_t size = conv.input[i + 2], kernel = conv.kernel[i + 2];
    int64_t windows = conv.output[i + 2], stride = conv.strides[i];
    int64_t dilation = conv.dilations[i], padLow = conv.padLow[i];
    if (stride == 1) {
      spread.push_back(1);
      tapPad.push_back(0);
      taps.push_back(kernel);
      low.push_back((kernel - 1) * dilation - padLow);
      high.push_back(size + padLow - windows);
      dilations.push_back(dilation);
      lengths.push_back(size);
    } else {
      int64_t span = (kernel - 1) * dilation + 1;
      int64_t tapCount = (span + stride - 1) / stride;
      int64_t rows = std::max<int64_t>(
          1, llvm::divideCeil(std::max<int64_t>(size + padLow, 0), stride));
      spread.push_back(dilation);
      tapPad.push_back(tapCount * stride - kernel * dilation);
      taps.push_back(tapCount);
      low.push_back(tapCount - 1);
      high.push_back(rows - windows);
      dilations.push_back(1);
      lengths.push_back(rows);
    }
    phases.push_back(stride);
    phaseCount *= stride;
  }

  // The filter, O x C/groups x K..., becomes
  // (group, input channel, phases...) x O/groups x taps..., taps reversed.
  Value filter = m.interleaveZeros(op.getFilter(), spread);
  if (llvm::any_of(tapPad, [](int64_t p) { return p != 0; }))
    filter = m.pad(filter, SmallVector<int64_t>(tapPad.size(), 0), tapPad);
  SmallVector<int64_t> split{groups, perGroupOut, conv.channelsPerGroup};
  SmallVector<int64_t> tapDims, phaseDims;
  for (int64_t i = 0; i < conv.spatialRank; ++i) {
    tapDims.push_back(split.size());
    split.push_back(taps[i]);
    if (phases[i] > 1) {
      phaseDims.push_back(split.size());
      split.push_back(phases[i]);
    }
  }
  Type element = Math::typeOf(dy).getElementType();
  filter = m.reverse(m.reshape(filter, RankedTensorType::get(split, element)),
                     tapDims);
  SmallVector<int64_t> perm{0, 2};
  perm.append(phaseDims);
  perm.push_back(1);
  perm.append(tapDims);
  SmallVector<int64_t> filterShape{channels * phaseCount, perGroupOut};
  filterShape.append(taps);
  filter = m.reshape(m.transpose(filter, perm),
                     RankedTensorType::get(filterShape, element));

  SmallVector<int64_t> gradShape{conv.input[0], channels * phaseCount};
  gradShape.append(lengths);
  Value grad = buildConv(m, RankedTensorType::get(gradShape, element), dy,
                         filter, SmallVector<int64_t>(conv.spatialRank, 1), low,
                         high, dilations, groups);
  if (phaseCount == 1)
    return grad;

  // Depth to space: N x (C, phases...) x rows... -> N x C x (row, phase)...,
  // then crop the padded border (or restore the cropped one) as above.
  SmallVector<int64_t> byPhase{conv.input[0], channels}, interleave{0, 1};
  SmallVector<int64_t> merged{conv.input[0], channels};
  SmallVector<int64_t> alignLow(conv.spatialRank + 2, 0),
      alignHigh(conv.spatialRank + 2, 0);
  for (int64_t i = 0; i < conv.spatialRank; ++i)
    if (phases[i] > 1)
      byPhase.push_back(phases[i]);
  for (int64_t i = 0, phaseDim = 2; i < conv.spatialRank; ++i) {
    interleave.push_back(byPhase.size() + i);
    if (phases[i] > 1) {
      interleave.push_back(phaseDim++);
      alignLow[i + 2] = -conv.padLow[i];
      alignHigh[i + 2] =
          conv.input[i + 2] + conv.padLow[i] - lengths[i] * phases[i];
    }
    merged.push_back(lengths[i] * phases[i]);
  }
  byPhase.append(lengths);
  grad = m.reshape(grad, RankedTensorType::get(byPhase, element));
  grad = m.reshape(m.transpose(grad, interleave),
                   RankedTensorType::get(merged, element));
  if (Math::typeOf(grad) == Math::typeOf(op.getInput()) &&
      llvm::all_of(alignLow, [](int64_t p) { return p == 0; }))
    return grad;
  return m.pad(grad, alignLow, alignHigh);
}

/// d filter: per spatial dimension `dw[k] = sum_r xp[k d + r s] dy[r]`, a conv
/// of the padded input with dy as its filter and the roles of stride and
/// dilation swapped. The batch is what it sums over, so it becomes the
/// channel dimension: the input is viewed as `C/groups x groups * N x S...`
/// and dy as `O x N x R...`, which a conv with the same groups contracts
/// within each group to `C/groups x O x K...`. pad_high drops the padded
/// tail that the forward's last window never reached, so that exactly K
/// positions result.
Value convFilterGradient(ConvOp op, Math &m, Value dy) {
  ConvShape conv(op);
  SmallVector<int64_t> high;
  for (int64_t i = 0; i < conv.spatialRank; ++i) {
    int64_t span = conv.dilations[i] * (conv.kernel[i + 2] - 1) + 1;
    int64_t padded = conv.input[i + 2] + conv.padLow[i] + conv.padHigh[i];
    int64_t unreached =
        padded - span - (conv.output[i + 2] - 1) * conv.strides[i];
    high.push_back(conv.padHigh[i] - unreached);
  }
  Value images = conv.groups == 1
                     ? m.transpose(op.getInput(), conv.swapLeading())
                     : batchAsChannels(m, op.getInput(), conv.groups);
  RankedTensorType filter = Math::typeOf(op.getFilter());
  SmallVector<int64_t> swappedShape{conv.channelsPerGroup, conv.outChannels};
  swappedShape.append(conv.kernel.begin() + 2, conv.kernel.end());
  Value swapped =
      buildConv(m, RankedTensorType::get(swappedShape, filter.getElementType()),
                images, m.transpose(dy, conv.swapLeading()), conv.dilations,
                conv.padLow, high, conv.strides, conv.groups);
  return m.transpose(swapped, conv.swapLeading());
}

LogicalResult convRule(ConvOp op, Math &m, Value dy, ArrayRef<bool> needs,
                       Cotangents dxs) {
  // Without elements there is nothing to move; the other operand's
  // cotangent is zero.
  bool empty = llvm::any_of(op->getOperands(), [](Value v) {
    return Math::typeOf(v).getNumElements() == 0;
  });
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (!needs[i])
      continue;
    if (empty)
      dxs[i] = m.splat(Math::typeOf(operand), 0.0);
    else
      dxs[i] =
          i == 0 ? convInputGradient(op, m, dy) : convFilterGradient(op, m, dy);
  }
  return success();
}

LogicalResult cumSumRule(CumSumOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  // result[k] sums input[j] over j <= k (j < k when exclusive): input[j]
  // reaches every result at k >= j, so its cotangent is the sum of dy over
  // those k, the cumsum of dy in the other direction with the same
  // exclusive flag.
  if (needs[0])
    dxs[0] = CumSumOp::create(m.b, m.loc, dy.getType(), dy, op.getAxisAttr(),
                              op.getExclusiveAttr(),
                              op.getReverse() ? UnitAttr() : m.b.getUnitAttr());
  return success();
}

LogicalResult resizeRule(ResizeOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  // A resize is linear in its input: the cotangent goes back through the
  // transposed interpolation, with the forward's sampling.
  if (needs[0])
    dxs[0] = ResizeGradOp::create(
        m.b, m.loc, op.getInput().getType(), dy, op.getModeAttr(),
        op.getCoordinatesAttr(), op.getNearestAttr(), op.getCubicCoeffAAttr(),
        op.getExcludeOutsideAttr(), op.getScalesAttr());
  return success();
}

LogicalResult reduceRule(ReduceOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  if (!needs[0])
    return success();
  RankedTensorType input = Math::typeOf(op.getInput());
  ArrayRef<int64_t> dims = op.getDims();
  Value spread = m.expandReduced(dy, input, dims);
  switch (op.getKind()) {
  case ReduceKind::sum:
    dxs[0] = spread;
    return success();
  case ReduceKind::mean: {
    int64_t count = 1;
    for (int64_t d : dims)
      count *= input.getDimSize(d);
    dxs[0] = m.scale(spread, 1.0 / static_cast<double>(count));
    return success();
  }
  case ReduceKind::max:
  case ReduceKind::min: {
    // Every element equal to the extremum receives the cotangent.
    Value extremum = m.expandReduced(op.getResult(), input, dims);
    dxs[0] = m.selectOrZero(
        m.compare(CompareDirection::eq, op.getInput(), extremum), spread);
    return success();
  }
  case ReduceKind::prod: {
    // d prod / dx_i = prod / x_i (inputs must be non-zero).
    Value product = m.expandReduced(op.getResult(), input, dims);
    dxs[0] = m.mul(spread, m.div(product, op.getInput()));
    return success();
  }
  }
  return success();
}

LogicalResult softmaxRule(SoftmaxOp op, Math &m, Value dy, ArrayRef<bool> needs,
                          Cotangents dxs) {
  if (!needs[0])
    return success();
  // dx = y (dy - sum(dy y, axis)).
  Value y = op.getResult();
  RankedTensorType type = Math::typeOf(y);
  int64_t axis = op.getAxis();
  Value dot = m.expandReduced(m.sum(m.mul(dy, y), {axis}), type, {axis});
  dxs[0] = m.mul(y, m.sub(dy, dot));
  return success();
}

LogicalResult logSoftmaxRule(LogSoftmaxOp op, Math &m, Value dy,
                             ArrayRef<bool> needs, Cotangents dxs) {
  if (!needs[0])
    return success();
  // dx = dy - softmax(x) sum(dy, axis).
  RankedTensorType type = Math::typeOf(dy);
  int64_t axis = op.getAxis();
  Value total = m.expandReduced(m.sum(dy, {axis}), type, {axis});
  dxs[0] = m.sub(dy, m.mul(m.unary<ExpOp>(op.getResult()), total));
  return success();
}

} // namespace

void registerContractionGradients(MLIRContext &context) {
  attachRule<MatmulOp, matmulRule>(context);
  attachRule<ConvOp, convRule>(context);
  attachRule<ReduceOp, reduceRule>(context);
  attachRule<CumSumOp, cumSumRule>(context);
  attachRule<ResizeOp, resizeRule>(context);
  attachRule<SoftmaxOp, softmaxRule>(context);
  attachRule<LogSoftmaxOp, logSoftmaxRule>(context);
  ArgMaxOp::attachInterface<NoGradientModel<ArgMaxOp>>(context);
}

} // namespace starch::grad
