//===- CollectiveGradients.cpp - Gradient rules of the distribution ops ---===//
//
// Every rank of a tensor-parallel group computes the same loss. A sum over
// the group feeds each rank's input into that loss once, so its input's
// cotangent is the result's; a replicated value entering shards is used by
// each rank for its shard only, so its cotangent is the sum of the ranks'.
// Context-parallel ranks compute parts of one loss (their shares, which the
// optimizer sums as replicas): a gathered block is read by every rank, so
// its cotangent sums theirs (reduce_scatter). starch.local_block has no
// rule on purpose: under that convention a rank's block of a replicated
// value back-propagates into its own block only, under the tensor-parallel
// one into the whole; autodiff stops with a message rather than guess (the
// passes use it on integers and after autodiff only).
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

/// Every rank of the group reads every block (context parallelism's keys
/// and values): the cotangent of a rank's block sums the ranks' cotangents
/// of it.
LogicalResult allGatherRule(AllGatherOp op, Math &m, Value dy,
                            ArrayRef<bool> needs, MutableArrayRef<Value> dxs) {
  if (needs[0])
    dxs[0] = ReduceScatterOp::create(m.b, m.loc, op.getInput().getType(), dy,
                                     CollectiveKind::sum, op.getDim(),
                                     op.getGroups());
  return success();
}

} // namespace

void registerCollectiveGradients(MLIRContext &context) {
  attachRule<AllReduceOp, allReduceRule>(context);
  attachRule<EnterShardsOp, enterShardsRule>(context);
  attachRule<AllGatherOp, allGatherRule>(context);
  TokenDistributionOp::attachInterface<NoGradientModel<TokenDistributionOp>>(
      context);
}

} // namespace starch::grad
