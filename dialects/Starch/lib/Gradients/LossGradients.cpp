//===- LossGradients.cpp - Gradient rules of the loss ops -----------------===//
//
// The cross-entropy backward is one fused op that recomputes the softmax from
// the logits, so the forward keeps no probabilities alive. The optimizer ops
// (starch.adamw) and parameter writes come after differentiation and have no
// rule.
//
//===----------------------------------------------------------------------===//
#include "GradientBuilders.h"

using namespace mlir;

namespace starch::grad {
namespace {

LogicalResult crossEntropyRule(CrossEntropyOp op, Math &m, Value dy,
                               ArrayRef<bool> needs,
                               MutableArrayRef<Value> dxs) {
  if (needs[0])
    dxs[0] = CrossEntropyGradOp::create(m.b, m.loc, op.getLogits().getType(),
                                        op.getLogits(), op.getLabels(), dy,
                                        op.getIgnoreIndex());
  return success(); // labels are integers
}

/// The block's sums do not depend on `max` once combined (the shift
/// cancels between the exp-sum's log and the label term), so only the
/// logits get a cotangent; the all-reduce that made `max` needs none.
LogicalResult crossEntropyBlockRule(CrossEntropyBlockOp op, Math &m, Value dy,
                                    ArrayRef<bool> needs,
                                    MutableArrayRef<Value> dxs) {
  if (needs[0])
    dxs[0] = CrossEntropyBlockGradOp::create(
        m.b, m.loc, op.getLogits().getType(), op.getLogits(), op.getLabels(),
        op.getStart(), op.getMax(), dy);
  return success();
}

} // namespace

void registerLossGradients(MLIRContext &context) {
  attachRule<CrossEntropyOp, crossEntropyRule>(context);
  attachRule<CrossEntropyBlockOp, crossEntropyBlockRule>(context);
}

} // namespace starch::grad
