//===- ShardedCheckpoint.h - A checkpoint in per-rank files ------*- C++
//-*-===//
//
// Under several ranks each rank writes only the blocks it owns
// (CheckpointLayout.h) to DIR/checkpoint.step-S.ID.rank-R.safetensors, and
// rank 0, once every rank reports its file complete, writes the index
// DIR/checkpoint.safetensors (format 3) naming the files and each
// parameter's blocks; no rank ever holds more than its own part. A resume
// reads either format and takes only the blocks overlapping what its rank
// holds, so it reshards to any plan (docs/train-binary.md). Errors are
// thrown as std::runtime_error.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_SHARDEDCHECKPOINT_H
#define STARCH_RUNTIME_TRAIN_SHARDEDCHECKPOINT_H

#include "runtime/train/Checkpoint.h"

#include <string>
#include <vector>

namespace starch::rt {

/// The index's format version; its rank files carry it too.
inline constexpr int kShardedCheckpointVersion = 3;
inline constexpr const char *kShardFileFormat = "starch-train-checkpoint-shard";

/// Rank `rank`'s file of the save `saveId` of step `step`.
std::string shardFileName(int64_t step, const std::string &saveId, int rank);

/// Every rank of the current communicator calls it at the same point with
/// its rank-local `params` (spec order). Writes this rank's file; once all
/// are written rank 0 writes the index, then removes the rank files of
/// older saves. A failure on any rank throws on every rank and leaves the
/// previous index, and the files it names, as they were.
void saveShardedCheckpoint(const std::string &dir, const ProgramSpec &spec,
                           const ParamStore &params, const TrainState &state);

/// Removes DIR's rank files that `keep` does not name (those of older or
/// failed saves); best effort.
void removeStaleShardFiles(const std::string &dir,
                           const std::vector<std::string> &keep);

/// Reads DIR/checkpoint.safetensors, single-file (format 2) or index
/// (format 3), into `rank`'s parameters of `spec` (rank-local shapes, spec
/// order; other stages' stay empty) after checking every part it reads;
/// `params` is untouched on error.
TrainState resumeCheckpoint(const std::string &dir, const ProgramSpec &spec,
                            int rank, ParamStore &params);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_SHARDEDCHECKPOINT_H
