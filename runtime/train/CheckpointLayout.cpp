//===- CheckpointLayout.cpp - Which rank stores which block ---------------===//
#include "runtime/train/CheckpointLayout.h"

#include "runtime/comm/RankGroups.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace starch::rt {

TensorRegion heldRegion(const ParamSpec &param, int rank) {
  if (!param.shard.sharded())
    return TensorRegion();
  RankGroup group;
  int position = 0;
  if (!findRankGroup(param.shard.groups, param.shard.groupSize, rank, group,
                     position))
    throw std::runtime_error("parameter '" + param.name + "': rank " +
                             std::to_string(rank) +
                             " is in none of its shard groups");
  int64_t size = param.shape[param.shard.dim];
  return TensorRegion{param.shard.dim, position * size, size};
}

Shape wholeShape(const ParamSpec &param) {
  Shape shape = param.shape;
  if (param.shard.sharded())
    shape[param.shard.dim] *= param.shard.groupSize;
  return shape;
}

Shape regionShape(const Shape &whole, const TensorRegion &region) {
  Shape shape = whole;
  if (region.dim >= 0)
    shape[region.dim] = region.size;
  return shape;
}

std::vector<int64_t> regionStart(const Shape &whole,
                                 const TensorRegion &region) {
  std::vector<int64_t> start(whole.size(), 0);
  if (region.dim >= 0)
    start[region.dim] = region.offset;
  return start;
}

std::vector<StoredTensor> checkpointLayout(const ProgramSpec &spec) {
  std::vector<StoredTensor> layout;
  for (const ParamSpec &param : spec.params) {
    StoredTensor stored{param.name, param.dtype, wholeShape(param), {}};
    for (int rank = 0; rank < spec.ranks(); ++rank) {
      if (!spec.holds(param, rank))
        continue;
      TensorRegion region = heldRegion(param, rank);
      bool taken = false;
      for (const StoredBlock &block : stored.blocks)
        taken |= block.region == region;
      if (!taken)
        stored.blocks.push_back({rank, region});
    }
    if (stored.blocks.empty())
      throw std::runtime_error("parameter '" + param.name +
                               "' is held by no rank of the plan");
    // Along the dimension: block i of a group is at position i, and the
    // lowest rank of position i need not come before position i + 1's.
    std::sort(stored.blocks.begin(), stored.blocks.end(),
              [](const StoredBlock &a, const StoredBlock &b) {
                return a.region.offset < b.region.offset;
              });
    layout.push_back(std::move(stored));
  }
  return layout;
}

int64_t copyOverlap(const Tensor &source,
                    const std::vector<int64_t> &sourceStart, Tensor &target,
                    const std::vector<int64_t> &targetStart) {
  const Shape &from = source.shape(), &to = target.shape();
  size_t rank = from.size();
  // The overlap, in whole-tensor coordinates: [begin, end) per dimension.
  std::vector<int64_t> begin(rank), end(rank);
  for (size_t d = 0; d < rank; ++d) {
    begin[d] = std::max(sourceStart[d], targetStart[d]);
    end[d] = std::min(sourceStart[d] + from[d], targetStart[d] + to[d]);
    if (begin[d] >= end[d])
      return 0;
  }
  size_t element = dtypeSize(source.dtype());
  if (rank == 0) {
    std::memcpy(target.bytes(), source.bytes(), element);
    return 1;
  }
  // Row-major strides in elements; rows of the last dimension are copied
  // whole, the index walks the others like an odometer.
  auto strides = [rank](const Shape &shape) {
    std::vector<int64_t> result(rank, 1);
    for (size_t d = rank - 1; d > 0; --d)
      result[d - 1] = result[d] * shape[d];
    return result;
  };
  std::vector<int64_t> fromStride = strides(from), toStride = strides(to);
  int64_t row = end[rank - 1] - begin[rank - 1];
  std::vector<int64_t> index = begin;
  const uint8_t *in = source.bytes();
  uint8_t *out = target.bytes();
  int64_t copied = 0;
  while (true) {
    int64_t fromOffset = 0, toOffset = 0;
    for (size_t d = 0; d < rank; ++d) {
      fromOffset += (index[d] - sourceStart[d]) * fromStride[d];
      toOffset += (index[d] - targetStart[d]) * toStride[d];
    }
    std::memcpy(out + toOffset * element, in + fromOffset * element,
                row * element);
    copied += row;
    size_t d = rank - 1;
    while (d > 0) {
      --d;
      if (++index[d] < end[d])
        break;
      index[d] = begin[d];
      if (d == 0)
        return copied;
    }
    if (rank == 1)
      return copied;
  }
}

} // namespace starch::rt
