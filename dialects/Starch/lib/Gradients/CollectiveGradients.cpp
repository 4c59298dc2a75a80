//===- CollectiveGradients.cpp - Gradient rules of the distribution ops ---===//
//
// Every rank of a tensor-parallel group computes the same loss. A sum over
// the group feeds each rank's input into that loss once, so its input's
// cotangent is the result's; a replicated value entering shards is used by
// each rank for its shard only, so its cotangent is the sum of the ranks'.
//
//===----------------------------------------------------------------------===//
#include "GradientBuilders.h"

using namespace mlir;

namespace starch::grad {
namespace {

LogicalResult allReduceRule(AllReduceOp op, Math &, Value dy,
                            ArrayRef<bool> needs, MutableArrayRef<Value> dxs) {
  if (op.getReduce() != CollectiveKind::sum)
    return op.emitOpError() << "has a gradient only when it sums";
  if (needs[0])
    dxs[0] = dy;
  return success();
}

LogicalResult enterShardsRule(EnterShardsOp op, Math &m, Value dy,
                              ArrayRef<bool> needs,
                              MutableArrayRef<Value> dxs) {
  if (needs[0])
    dxs[0] = AllReduceOp::create(m.b, m.loc, dy.getType(), dy,
                                 CollectiveKind::sum, op.getGroups());
  return success();
}

} // namespace

void registerCollectiveGradients(MLIRContext &context) {
  attachRule<AllReduceOp, allReduceRule>(context);
  attachRule<EnterShardsOp, enterShardsRule>(context);
}

} // namespace starch::grad
