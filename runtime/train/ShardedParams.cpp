//===- ShardedParams.cpp - Whole parameters and a rank's blocks -----------===//
#include "runtime/train/ShardedParams.h"

#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/comm/RankGroups.h"

#include <stdexcept>

namespace starch::rt {

bool hasShardedParams(const ProgramSpec &spec) {
  if (spec.pipelineStages > 1)
    return true;
  for (const ParamSpec &param : spec.params)
    if (param.shard.sharded())
      return true;
  return false;
}

ProgramSpec wholeModelSpec(const ProgramSpec &spec) {
  ProgramSpec whole = spec;
  for (ParamSpec &param : whole.params)
    if (param.shard.sharded()) {
      param.shape[param.shard.dim] *= param.shard.groupSize;
      param.shard = ParamShard();
    }
  return whole;
}

ParamStore takeRankBlocks(const ProgramSpec &spec, ParamStore whole, int rank) {
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    if (!spec.holds(param, rank)) {
      whole[i] = Tensor(); // another stage's
      continue;
    }
    if (!param.shard.sharded())
      continue;
    Tensor block;
    if (Status s = takeShard(whole[i], param.shard, rank, block); !s)
      throw std::runtime_error("parameter '" + param.name + "': " + s.message());
    whole[i] = std::move(block);
  }
  return whole;
}

ParamStore
joinRankBlocks(const ProgramSpec &spec, const ParamStore &blocks,
               const std::function<bool(const ParamSpec &)> &wanted) {
  Communicator *comm = currentCommunicator();
  ParamStore whole = blocks;
  int self = comm ? comm->rank() : 0;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    if (!spec.holds(param, self) || !param.shard.sharded() ||
        (wanted && !wanted(param)))
      continue;
    RankGroup group;
    int position = 0;
    int rank = comm ? comm->rank() : 0;
    if (!findRankGroup(param.shard.groups, param.shard.groupSize, rank, group,
                       position))
      throw std::runtime_error("parameter '" + param.name + "': rank " +
                               std::to_string(rank) +
                               " is in none of its shard groups");
    if (!comm || comm->size() == 1) {
      if (param.shard.groupSize != 1)
        throw std::runtime_error("parameter '" + param.name +
                                 "' is split over ranks this run lacks");
      continue;
    }
    if (Status s = comm->allGather(blocks[i], param.shard.dim, whole[i], group);
        !s)
      throw std::runtime_error("parameter '" + param.name + "': " + s.message());
  }
  // Another stage's parameter reaches rank 0 from its stage's first rank
  // (replica 0, tensor-parallel position 0), which now holds it whole.
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    if (spec.holds(param, 0) || (wanted && !wanted(param)))
      continue;
    int owner = 0;
    while (owner < spec.ranksPerReplica() && spec.stageOf(owner) != param.stage)
      ++owner;
    if (owner == spec.ranksPerReplica())
      throw std::runtime_error("parameter '" + param.name + "' belongs to stage " +
                               std::to_string(param.stage) +
                               ", which no rank runs");
    if (self != 0 && self != owner)
      continue;
    if (!comm || comm->size() <= owner)
      throw std::runtime_error("parameter '" + param.name + "' is held by rank " +
                               std::to_string(owner) + ", which this run lacks");
    if (Status s = comm->broadcast(whole[i], owner, {0, owner}); !s)
      throw std::runtime_error("parameter '" + param.name + "': " + s.message());
  }
  return whole;
}

} // namespace starch::rt
