//===- ParamShards.h - A rank's block of a tensor-parallel parameter -*- C++ -*-===//
//
// A parameter sharded by tensor parallelism is cut along `dim` into as many
// equal contiguous blocks as its groups have ranks; the rank at position i
// of its group holds block i. Data files and checkpoints hold the whole
// parameter: a rank takes its block on load and the blocks are joined again
// to save, so a checkpoint resumes under any plan.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_COMM_PARAMSHARDS_H
#define STARCH_RUNTIME_COMM_PARAMSHARDS_H

#include "runtime/Tensor.h"
#include "runtime/kernels/Status.h"

#include <cstdint>
#include <vector>

namespace starch::rt {

struct ParamShard {
  int64_t dim = -1; // -1: not sharded
  /// The groups, flat (runtime/comm/RankGroups.h).
  std::vector<int64_t> groups;
  int64_t groupSize = 0;

  bool sharded() const { return dim >= 0; }
};

/// Block `index` of `parts` of `full` along `dim`.
Status takeBlock(const Tensor &full, int64_t dim, int64_t parts, int64_t index,
                 Tensor &block);

/// `rank`'s block of `full` under `shard`.
Status takeShard(const Tensor &full, const ParamShard &shard, int rank,
                 Tensor &block);

/// The blocks of one group, in group order, joined along `dim`.
Status joinBlocks(const std::vector<Tensor> &blocks, int64_t dim, Tensor &full);

} // namespace starch::rt

#endif // STARCH_RUNTIME_COMM_PARAMSHARDS_H
