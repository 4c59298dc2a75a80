//===- ShapeSharding.cpp - Sharding rules of data-movement ops ------------===//
//
// Data movement keeps a split when the split dimension survives the move
// whole: a reshape must keep it the outermost factor of its group of
// dimensions, a transpose moves it, a broadcast keeps it when it is not
// stretched. Movement is linear, so partial sums stay partial. A gather
// from a table split along the gathered axis gives partial rows: each rank
// finds the indices of its block (starch.gather's `offset`, which
// starch-tensor-parallel sets) and zeros for the others (vocabulary
// parallelism).
//
//===----------------------------------------------------------------------===//
#include "ShardingRules.h"

using namespace mlir;

namespace starch::sharding {
namespace {

/// The output dimension that carries input dimension `dim`'s split: the
/// first non-unit output dimension whose outer element count equals the
/// input's outer count before `dim`. Splitting it into `parts` gives every
/// rank the same elements as splitting `dim`, in the same order.
std::optional<int64_t> reshapedSplit(ArrayRef<int64_t> in,
                                     ArrayRef<int64_t> out, int64_t dim,
                                     int64_t parts) {
  int64_t outer = 1;
  for (int64_t i = 0; i < dim; ++i)
    outer *= in[i];
  int64_t prefix = 1;
  for (int64_t e = 0; e < static_cast<int64_t>(out.size()); ++e) {
    if (prefix == outer && out[e] != 1)
      return divides(out[e], parts) ? std::optional<int64_t>(e) : std::nullopt;
    prefix *= out[e];
    if (prefix > outer)
      return std::nullopt;
  }
  return std::nullopt;
}

LogicalResult reshapeRule(ReshapeOp op, Shardings operands, int64_t parts,
                          ResultShardings &results) {
  const TensorSharding &input = operands[0];
  if (!input.isSplit()) {
    results.push_back(input);
    return success();
  }
  std::optional<int64_t> dim = reshapedSplit(
      shapeOf(op.getInput()), shapeOf(op.getResult()), input.dim, parts);
  if (!dim)
    return failure();
  results.push_back(TensorSharding::split(*dim));
  return success();
}

LogicalResult transposeRule(TransposeOp op, Shardings operands, int64_t,
                            ResultShardings &results) {
  const TensorSharding &input = operands[0];
  if (!input.isSplit()) {
    results.push_back(input);
    return success();
  }
  for (auto [i, p] : llvm::enumerate(op.getPerm()))
    if (p == input.dim) {
      results.push_back(TensorSharding::split(i));
      return success();
    }
  return failure();
}

LogicalResult broadcastRule(BroadcastOp op, Shardings operands, int64_t,
                            ResultShardings &results) {
  const TensorSharding &input = operands[0];
  if (!input.isSplit()) {
    results.push_back(input);
    return success();
  }
  int64_t target = op.getDims()[input.dim];
  if (shapeOf(op.getInput())[input.dim] != shapeOf(op.getResult())[target])
    return failure(); // a stretched dimension has no blocks to keep
  results.push_back(TensorSharding::split(target));
  return success();
}

LogicalResult gatherRule(GatherOp op, Shardings operands, int64_t,
                         ResultShardings &results) {
  const TensorSharding &data = operands[0], &indices = operands[1];
  int64_t axis = op.getAxis();
  int64_t indexRank = static_cast<int64_t>(shapeOf(op.getIndices()).size());
  if (data.isPartial() || indices.isPartial() ||
      (data.isSplit() && indices.isSplit()))
    return failure();
  if (indices.isSplit()) {
    results.push_back(TensorSharding::split(axis + indices.dim));
    return success();
  }
  if (!data.isSplit() || data.dim == axis) {
    results.push_back(data.isSplit() ? TensorSharding::partial() : data);
    return success();
  }
  // The data's other dimensions keep their split, after the indices'.
  results.push_back(TensorSharding::split(
      data.dim < axis ? data.dim : data.dim - 1 + indexRank));
  return success();
}

} // namespace

void registerShapeSharding(MLIRContext &context) {
  attachRule<ReshapeOp, reshapeRule>(context);
  attachRule<TransposeOp, transposeRule>(context);
  attachRule<BroadcastOp, broadcastRule>(context);
  attachRule<GatherOp, gatherRule>(context);
}

} // namespace starch::sharding
