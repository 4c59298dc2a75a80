//===- ContractionGradients.cpp - Matmul, reductions, softmax -------------===//
#include "GradientBuilders.h"

using namespace mlir;

namespace starch::grad {
namespace {

using Cotangents = MutableArrayRef<Value>;

LogicalResult matmulRule(MatmulOp op, Math &m, Value dy, ArrayRef<bool> needs,
                         Cotangents dxs) {
  // y = l r: dl = dy r^T, dr = l^T dy (batch dimensions ride along).
  if (needs[0])
    dxs[0] = m.matmul(dy, m.transposeLastTwo(op.getRhs()));
  if (needs[1])
    dxs[1] = m.matmul(m.transposeLastTwo(op.getLhs()), dy);
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
  attachRule<ReduceOp, reduceRule>(context);
  attachRule<SoftmaxOp, softmaxRule>(context);
  attachRule<LogSoftmaxOp, logSoftmaxRule>(context);
  ArgMaxOp::attachInterface<NoGradientModel<ArgMaxOp>>(context);
}

} // namespace starch::grad
