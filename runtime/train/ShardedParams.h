//===- ShardedParams.h - Whole parameters and a rank's blocks ----*- C++
//-*-===//
//
// A tensor-parallel program holds on each rank only its blocks of the
// sharded parameters (ParamSpec::shard), and a pipelined one only its
// stage's parameters (ParamSpec::stage), while weights files and
// checkpoints hold whole parameters, so a checkpoint resumes under any tp
// or stage count. Loading a weights file reads the whole model and keeps
// this rank's part; per-module weights files are written by rank 0 from
// the blocks of every rank joined (collectives). Checkpoints are written
// per rank instead (ShardedCheckpoint.h).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H
#define STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H

#include "runtime/train/Program.h"

#include <functional>

namespace starch::rt {

/// True when some rank holds less than the whole model (tensor-parallel
/// blocks or pipeline stages).
bool hasShardedParams(const ProgramSpec &spec);

/// `spec` with every sharded parameter at its whole shape and no shard:
/// the parameters as files hold them.
ProgramSpec wholeModelSpec(const ProgramSpec &spec);

/// This rank's blocks of the whole parameters `whole` (wholeModelSpec
/// order, which is spec order); parameters of other stages become empty
/// tensors. Throws std::runtime_error naming the parameter on failure.
ParamStore takeRankBlocks(const ProgramSpec &spec, ParamStore whole, int rank);

/// The whole parameters joined from the blocks of every rank of each
/// parameter's group, through the current communicator; on rank 0 also
/// those of other pipeline stages (from their stage's first rank). Only
/// the parameters `wanted` accepts (all without it); the others stay as
/// `blocks` holds them. Every rank must call it at the same point. Throws
/// std::runtime_error on failure.
ParamStore
joinRankBlocks(const ProgramSpec &spec, const ParamStore &blocks,
               const std::function<bool(const ParamSpec &)> &wanted = nullptr);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H
