//===- ParamShards.cpp - A rank's block of a tensor-parallel parameter ----===//
#include "runtime/comm/ParamShards.h"

#include "runtime/comm/RankGroups.h"
#include "runtime/kernels/DataMovement.h"

namespace starch::rt {

Status takeBlock(const Tensor &full, int64_t dim, int64_t parts, int64_t index,
                 Tensor &block) {
  const Shape &shape = full.shape();
  if (dim < 0 || dim >= static_cast<int64_t>(shape.size()) || parts <= 0 ||
      shape[dim] % parts != 0 || index < 0 || index >= parts)
    return Status::error("cannot cut " + shapeString(shape) + " into " +
                         std::to_string(parts) + " blocks along dimension " +
                         std::to_string(dim));
  Shape blockShape = shape;
  blockShape[dim] /= parts;
  std::vector<int64_t> start(shape.size(), 0), strides(shape.size(), 1);
  start[dim] = index * blockShape[dim];
  block = Tensor(full.dtype(), blockShape);
  return slice(full, start, strides, block);
}

Status takeShard(const Tensor &full, const ParamShard &shard, int rank,
                 Tensor &block) {
  RankGroup group;
  int position = 0;
  if (!findRankGroup(shard.groups, shard.groupSize, rank, group, position))
    return Status::error("rank " + std::to_string(rank) +
                         " is in none of the parameter's shard groups");
  return takeBlock(full, shard.dim, shard.groupSize, position, block);
}

Status joinBlocks(const std::vector<Tensor> &blocks, int64_t dim,
                  Tensor &full) {
  if (blocks.empty())
    return Status::error("no blocks to join");
  Shape shape = blocks[0].shape();
  if (dim < 0 || dim >= static_cast<int64_t>(shape.size()))
    return Status::error("cannot join blocks along dimension " +
                         std::to_string(dim));
  shape[dim] *= static_cast<int64_t>(blocks.size());
  full = Tensor(blocks[0].dtype(), shape);
  return concat(blocks, dim, full);
}

} // namespace starch::rt
