//===- ShardedParams.h - Whole parameters and a rank's blocks ----*- C++ -*-===//
//
// A tensor-parallel program holds on each rank only its blocks of the
// sharded parameters (ParamSpec::shard), and a pipelined one only its
// stage's parameters (ParamSpec::stage), while weights files and
// checkpoints hold whole parameters, so a checkpoint resumes under any tp
// or stage count. Loading reads the whole model and keeps this rank's
// part; saving joins the blocks of every rank and brings every stage's
// parameters to rank 0 (collectives), and rank 0 writes.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H
#define STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H

#include "runtime/train/Program.h"

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
/// those of other pipeline stages (from their stage's first rank). Every
/// rank must call it at the same point. Throws std::runtime_error on
/// failure.
ParamStore joinRankBlocks(const ProgramSpec &spec, const ParamStore &blocks);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_SHARDEDPARAMS_H
