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
  // Interim until a scatter-add op exists: dy is summed into the gathered
  // rows through a one-hot matrix, data viewed as P x A x Q and dy as
  // P x N x Q (N = number of indices): d data = onehot^T dy, batched over P.
  RankedTensorType data = Math::typeOf(op.getData());
  RankedTensorType indices = Math::typeOf(op.getIndices());
  int64_t axis = op.getAxis();
  int64_t outer = 1, inner = 1, count = indices.getNumElements();
  int64_t size = data.getDimSize(axis);
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.getDimSize(d);
  for (int64_t d = axis + 1; d < data.getRank(); ++d)
    inner *= data.getDimSize(d);
  Type element = data.getElementType();
  Type indexElement = indices.getElementType();
  auto flatType = RankedTensorType::get({count}, indexElement);
  Value flat = m.reshape(op.getIndices(), flatType);
  // Negative indices count from the end.
  Value wrapped = SelectOp::create(
      m.b, m.loc, flatType,
      m.compare(CompareDirection::lt, flat, m.splat(flatType, 0)),
      m.add(flat, m.splat(flatType, static_cast<double>(size))), flat);
  // nn.Embedding(padding_idx): that row's index scatters nowhere (-1 matches
  // no column), so its gradient is exactly zero, as in PyTorch.
  if (std::optional<int64_t> pad = op.getPaddingIdx())
    wrapped = SelectOp::create(
        m.b, m.loc, flatType,
        m.compare(CompareDirection::eq, wrapped,
                  m.splat(flatType, static_cast<double>(*pad))),
        m.splat(flatType, -1.0), wrapped);
  auto tableType = RankedTensorType::get({count, size}, indexElement);
  Value column = IotaOp::create(m.b, m.loc, tableType, 1);
  Value hits = m.compare(CompareDirection::eq,
                         m.broadcast(wrapped, tableType, {0}), column);
  Value oneHot = ConvertOp::create(
      m.b, m.loc, RankedTensorType::get({count, size}, element), hits);
  Value scatter =
      m.broadcast(m.transposeLastTwo(oneHot),
                  RankedTensorType::get({outer, size, count}, element), {1, 2});
  Value rows =
      m.reshape(dy, RankedTensorType::get({outer, count, inner}, element));
  dxs[0] = m.reshape(m.matmul(scatter, rows), data);
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
  ConstantOp::attachInterface<NoGradientModel<ConstantOp>>(context);
  IotaOp::attachInterface<NoGradientModel<IotaOp>>(context);
  ReadParamOp::attachInterface<NoGradientModel<ReadParamOp>>(context);
}

} // namespace starch::grad
