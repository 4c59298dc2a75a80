//===- ShapeGradients.cpp - Gradient rules of data-movement ops -----------===//
//
// Data movement is linear, so each rule applies the adjoint movement to the
// cotangent: broadcast <-> sum, transpose <-> inverse transpose, slice <->
// zero padding (strided: interleaved zeros), concat <-> slices.
//
//===----------------------------------------------------------------------===//
#include "GradientBuilders.h"

using namespace mlir;

namespace starch::grad {
namespace {

using Cotangents = MutableArrayRef<Value>;

LogicalResult broadcastRule(BroadcastOp op, Math &m, Value dy,
                            ArrayRef<bool> needs, Cotangents dxs) {
  if (needs[0])
    dxs[0] = m.unbroadcast(dy, Math::typeOf(op.getInput()), op.getDims());
  return success();
}

LogicalResult reshapeRule(ReshapeOp op, Math &m, Value dy, ArrayRef<bool> needs,
                          Cotangents dxs) {
  if (needs[0])
    dxs[0] = m.reshape(dy, Math::typeOf(op.getInput()));
  return success();
}

LogicalResult transposeRule(TransposeOp op, Math &m, Value dy,
                            ArrayRef<bool> needs, Cotangents dxs) {
  if (!needs[0])
    return success();
  ArrayRef<int64_t> perm = op.getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  dxs[0] = m.transpose(dy, inverse);
  return success();
}

LogicalResult concatRule(ConcatOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  int64_t axis = op.getAxis(), offset = 0;
  RankedTensorType type = Math::typeOf(dy);
  for (auto [i, input] : llvm::enumerate(op.getInputs())) {
    int64_t size = Math::typeOf(input).getDimSize(axis);
    if (needs[i]) {
      SmallVector<int64_t> start(type.getRank(), 0);
      SmallVector<int64_t> limit(type.getShape());
      start[axis] = offset;
      limit[axis] = offset + size;
      dxs[i] = m.slice(dy, start, limit);
    }
    offset += size;
  }
  return success();
}

LogicalResult sliceRule(SliceOp op, Math &m, Value dy, ArrayRef<bool> needs,
                        Cotangents dxs) {
  if (!needs[0])
    return success();
  RankedTensorType input = Math::typeOf(op.getInput());
  RankedTensorType window = Math::typeOf(dy);
  if (window.getNumElements() == 0) {
    dxs[0] = m.splat(input, 0.0);
    return success();
  }
  // The adjoint scatters dy back to the positions it was taken from, zeros
  // elsewhere: a backwards dimension is first reversed so that every stride
  // is positive, then dy is spread out by the stride (interior zeros) and
  // padded to the input from its first position.
  SmallVector<int64_t> reversed, factors, low, high;
  for (int64_t d = 0; d < input.getRank(); ++d) {
    int64_t count = window.getDimSize(d), stride = op.getStrides()[d];
    int64_t first = op.getStart()[d];
    if (stride < 0 && count > 1) {
      first += (count - 1) * stride;
      reversed.push_back(d);
    }
    int64_t step = count > 1 ? std::abs(stride) : 1;
    factors.push_back(step);
    low.push_back(first);
    high.push_back(input.getDimSize(d) - first - count * step);
  }
  dxs[0] =
      m.pad(m.interleaveZeros(m.reverse(dy, reversed), factors), low, high);
  return success();
}

LogicalResult padRule(PadOp op, Math &m, Value dy, ArrayRef<bool> needs,
                      Cotangents dxs) {
  if (!needs[0])
    return success();
  // Padding by -low/-high crops the padded border away again; where the
  // forward pad cropped (negative amounts) it restores zeros.
  SmallVector<int64_t> low, high;
  for (int64_t l : op.getLow())
    low.push_back(-l);
  for (int64_t h : op.getHigh())
    high.push_back(-h);
  dxs[0] = m.pad(dy, low, high);
  return success();
}

LogicalResult gatherRule(GatherOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  if (!needs[0])
    return success();
  // nn.Embedding(padding_idx): that row gets exactly zero gradient, as in
  // PyTorch: its updates are zeroed (however the index is written). A
  // block's indices (offset) count in the whole axis, never from the end.
  if (std::optional<int64_t> pad = op.getPaddingIdx()) {
    RankedTensorType indices = Math::typeOf(op.getIndices());
    int64_t size = Math::typeOf(op.getData()).getDimSize(op.getAxis());
    Value raw = op.getIndices();
    Value wrapped =
        op.getOffset()
            ? raw
            : SelectOp::create(
                  m.b, m.loc, indices,
                  m.compare(CompareDirection::lt, raw, m.splat(indices, 0)),
                  m.add(raw, m.splat(indices, static_cast<double>(size))), raw);
    Value padded = m.compare(CompareDirection::eq, wrapped,
                             m.splat(indices, static_cast<double>(*pad)));
    // The indices' dimensions sit at axis.. in the cotangent.
    RankedTensorType dyType = Math::typeOf(dy);
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < indices.getRank(); ++d)
      dims.push_back(op.getAxis() + d);
    Value mask = m.broadcast(
        padded, RankedTensorType::get(dyType.getShape(), m.b.getI1Type()),
        dims);
    dy = SelectOp::create(m.b, m.loc, dyType, mask, m.splatLike(dy, 0.0), dy);
  }
  dxs[0] =
      ScatterAddOp::create(m.b, m.loc, op.getData().getType(), dy,
                           op.getIndices(), op.getAxisAttr(), op.getOffset());
  return success();
}

/// The adjoint of gather is gather's transpose and back.
LogicalResult scatterAddRule(ScatterAddOp op, Math &m, Value dy,
                             ArrayRef<bool> needs, Cotangents dxs) {
  if (needs[0])
    dxs[0] = GatherOp::create(m.b, m.loc, op.getUpdates().getType(), dy,
                              op.getIndices(), op.getAxisAttr(),
                              /*padding_idx=*/IntegerAttr(), op.getOffset());
  return success();
}

} // namespace

void registerShapeGradients(MLIRContext &context) {
  attachRule<BroadcastOp, broadcastRule>(context);
  attachRule<ReshapeOp, reshapeRule>(context);
  attachRule<TransposeOp, transposeRule>(context);
  attachRule<ConcatOp, concatRule>(context);
  attachRule<SliceOp, sliceRule>(context);
  attachRule<PadOp, padRule>(context);
  attachRule<GatherOp, gatherRule>(context);
  attachRule<ScatterAddOp, scatterAddRule>(context);
  ConstantOp::attachInterface<NoGradientModel<ConstantOp>>(context);
  IotaOp::attachInterface<NoGradientModel<IotaOp>>(context);
  ReadParamOp::attachInterface<NoGradientModel<ReadParamOp>>(context);
}

} // namespace starch::grad
