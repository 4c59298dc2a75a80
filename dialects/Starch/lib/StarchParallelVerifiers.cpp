//===- StarchParallelVerifiers.cpp - Rules of the distribution ops --------===//
//
// Verifiers of starch.all_reduce, starch.enter_shards, starch.send/recv and
// the distribution attributes of starch.param: rank groups partition ranks
// into equal-size groups, point-to-point pairs are [sender, receiver], and a
// sharded parameter's block divides nothing it cannot.
//
//===----------------------------------------------------------------------===//
#include "starch/Dialect/StarchOps.h"

#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace starch;

namespace {

/// Non-empty groups of one size, of distinct ranks >= 0.
LogicalResult verifyRankGroups(Operation *op, ArrayAttr groups,
                               StringRef attribute) {
  if (groups.empty())
    return op->emitOpError() << attribute << " must name at least one group";
  llvm::DenseSet<int64_t> seen;
  int64_t size = cast<DenseI64ArrayAttr>(groups[0]).size();
  for (auto [i, entry] : llvm::enumerate(groups)) {
    ArrayRef<int64_t> ranks = cast<DenseI64ArrayAttr>(entry).asArrayRef();
    if (ranks.empty() || static_cast<int64_t>(ranks.size()) != size)
      return op->emitOpError()
             << attribute << " group #" << i << " has " << ranks.size()
             << " ranks; every group must have the first group's " << size;
    for (int64_t rank : ranks)
      if (rank < 0 || !seen.insert(rank).second)
        return op->emitOpError()
               << attribute << " lists rank " << rank
               << (rank < 0 ? ", which is negative" : " twice");
  }
  return success();
}

/// `[sender, receiver]` pairs of ranks >= 0: a rank receives in at most one
/// pair and is never both a sender and a receiver (one sender may feed
/// several receivers).
LogicalResult verifyRankPairs(Operation *op, ArrayAttr pairs) {
  if (pairs.empty())
    return op->emitOpError() << "pairs must name at least one pair";
  llvm::DenseSet<int64_t> senders, receivers;
  for (Attribute entry : pairs) {
    ArrayRef<int64_t> pair = cast<DenseI64ArrayAttr>(entry).asArrayRef();
    if (pair.size() != 2)
      return op->emitOpError() << "pairs must be [sender, receiver] pairs";
    for (int64_t rank : pair)
      if (rank < 0)
        return op->emitOpError()
               << "pairs lists rank " << rank << ", which is negative";
    senders.insert(pair[0]);
    if (!receivers.insert(pair[1]).second)
      return op->emitOpError()
             << "pairs lists rank " << pair[1] << " as a receiver twice";
  }
  for (int64_t rank : senders)
    if (receivers.contains(rank))
      return op->emitOpError()
             << "pairs lists rank " << rank << " as sender and receiver";
  return success();
}

} // namespace

LogicalResult ParamOp::verify() {
  if (IntegerAttr stage = getStageAttr(); stage && stage.getInt() < 0)
    return emitOpError() << "stage " << stage.getInt() << " is negative";
  if (std::optional<ArrayRef<int64_t>> tied = getTiedStages()) {
    if (!getStage())
      return emitOpError() << "tied_stages needs stage (the first holder)";
    for (int64_t other : *tied)
      if (other <= *getStage() || llvm::count(*tied, other) != 1)
        return emitOpError()
               << "tied_stages must be distinct stages after stage "
               << *getStage();
  }
  if (getShardDim().has_value() != static_cast<bool>(getShardGroups()))
    return emitOpError() << "needs both shard_dim and shard_groups, or neither";
  if (!isSharded())
    return success();
  if (failed(verifyRankGroups(*this, *getShardGroups(), "shard_groups")))
    return failure();
  auto type = cast<RankedTensorType>(getType());
  int64_t dim = *getShardDim();
  if (dim < 0 || dim >= type.getRank())
    return emitOpError() << "shard_dim " << dim << " is not a dimension of "
                         << type;
  return success();
}

LogicalResult AllReduceOp::verify() {
  if (auto groups = getGroups())
    return verifyRankGroups(*this, *groups, "groups");
  return success();
}

LogicalResult EnterShardsOp::verify() {
  return verifyRankGroups(*this, getGroups(), "groups");
}

/// `whole` cut along `dim` into one block per member of a group of
/// `groups` is `block`: same element type and rank, `dim` divided.
static LogicalResult verifyBlocks(Operation *op, ArrayAttr groups, int64_t dim,
                                  Type whole, Type block) {
  if (failed(verifyRankGroups(op, groups, "groups")))
    return failure();
  auto wholeType = cast<RankedTensorType>(whole);
  auto blockType = cast<RankedTensorType>(block);
  int64_t parts = cast<DenseI64ArrayAttr>(groups[0]).size();
  if (dim < 0 || dim >= wholeType.getRank())
    return op->emitOpError()
           << "dim " << dim << " is not a dimension of " << wholeType;
  SmallVector<int64_t> expected(wholeType.getShape());
  if (expected[dim] % parts != 0)
    return op->emitOpError() << "dimension " << dim << " of " << wholeType
                             << " does not split into " << parts << " blocks";
  expected[dim] /= parts;
  if (blockType.getElementType() != wholeType.getElementType() ||
      blockType.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError()
           << "block " << blockType << " is not one of " << parts
           << " blocks of " << wholeType << " along dimension " << dim;
  return success();
}

LogicalResult ReduceScatterOp::verify() {
  return verifyBlocks(*this, getGroups(), getDim(), getInput().getType(),
                      getType());
}

LogicalResult AllGatherOp::verify() {
  return verifyBlocks(*this, getGroups(), getDim(), getType(),
                      getInput().getType());
}

LogicalResult LocalBlockOp::verify() {
  return verifyBlocks(*this, getGroups(), getDim(), getInput().getType(),
                      getType());
}

LogicalResult TokenDistributionOp::verify() {
  RankedTensorType bits = getBits().getType();
  if (bits.getRank() != 2)
    return emitOpError() << "bits is " << getBits().getType()
                         << "; expected B x S (one word per token)";
  int64_t tokens = bits.getDimSize(1), parts = getParts(), block = getBlock();
  if (parts < 1 || block < 1)
    return emitOpError() << "parts = " << parts << " and block = " << block
                         << " must be positive";
  if (tokens % (parts * block) != 0)
    return emitOpError() << tokens << " tokens do not make whole blocks of "
                         << block << " for each of " << parts << " parts";
  if (getStrategy() == TokenStrategy::zigzag &&
      (tokens / block) % (2 * parts) != 0)
    return emitOpError() << "zigzag needs the " << tokens / block
                         << " blocks to split into 2 x " << parts
                         << " equal chunks";
  if (getOrder().getType().getShape() != ArrayRef<int64_t>{tokens})
    return emitOpError() << "order is " << getOrder().getType() << "; expected "
                         << tokens << " (one per token)";
  return success();
}

LogicalResult SendOp::verify() { return verifyRankPairs(*this, getPairs()); }

LogicalResult RecvOp::verify() { return verifyRankPairs(*this, getPairs()); }
