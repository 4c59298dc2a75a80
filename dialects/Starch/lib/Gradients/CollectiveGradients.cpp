//===- CollectiveGradients.cpp - Gradient rules of the distribution ops ---===//
//
// Every rank of a tensor-parallel group computes the same loss. A sum over
// the group feeds each rank's input into that loss once, so its input's
// cotangent is the result's; a replicated value entering shards is used by
// each rank for its shard only, so its cotangent is the sum of the ranks'.
// Context-parallel ranks compute parts of one loss: a gathered block is read
// by every rank, so its cotangent sums theirs (reduce_scatter), and a rank's
// block of a replicated value contributes to the whole (all_gather).
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

/// Each rank of the group uses its own block of the replicated input: the
/// input's cotangent is the blocks' cotangents joined.
LogicalResult localBlockRule(LocalBlockOp op, Math &m, Value dy,
                             ArrayRef<bool> needs, MutableArrayRef<Value> dxs) {
  if (needs[0])
    dxs[0] = AllGatherOp::create(m.b, m.loc, op.getInput().getType(), dy,
                                 op.getDim(), op.getGroups());
  return success();
}

} // namespace

void registerCollectiveGradients(MLIRContext &context) {
  attachRule<AllReduceOp, allReduceRule>(context);
  attachRule<EnterShardsOp, enterShardsRule>(context);
  attachRule<AllGatherOp, allGatherRule>(context);
  TokenDistributionOp::attachInterface<NoGradientModel<TokenDistributionOp>>(
      context);
  attachRule<LocalBlockOp, localBlockRule>(context);
}

} // namespace starch::grad
