//===- ShardedParams.h - Whole parameters and a rank's blocks ----*- C++ -*-===//
//
// A tensor-parallel program holds on each rank only its blocks of the
// sharded parameters (ParamSpec::shard), while weights files and
// checkpoints hold whole parameters, so a checkpoint resumes under any tp.
// Loading reads the whole model and keeps this rank's blocks; saving joins
// the blocks of every rank (a collective) and rank 0 writes.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H
#define STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H

#include "runtime/train/Program.h"

namespace starch::rt {

/// True when some parameter of `spec` is a tensor-parallel block.
bool hasShardedParams(const ProgramSpec &spec);

/// `spec` with every sharded parameter at its whole shape and no shard:
/// the parameters as files hold them.
ProgramSpec wholeModelSpec(const ProgramSpec &spec);

/// This rank's blocks of the whole parameters `whole` (wholeModelSpec
/// order, which is spec order). Throws std::runtime_error naming the
/// parameter on failure.
ParamStore takeRankBlocks(const ProgramSpec &spec, ParamStore whole, int rank);

/// The whole parameters joined from the blocks of every rank of each
/// parameter's group, through the current communicator. Every rank must
/// call it at the same point. Throws std::runtime_error on failure.
ParamStore joinRankBlocks(const ProgramSpec &spec, const ParamStore &blocks);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H
