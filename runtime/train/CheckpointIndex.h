//===- CheckpointIndex.h - The index of a sharded checkpoint -----*- C++
//-*-===//
//
// The `shards` metadata field of a sharded checkpoint's index file: which
// rank files exist and, for every parameter, its whole dtype and shape and
// which file holds which block (docs/train-binary.md). Parsing checks
// everything a resume relies on: plain file names in the checkpoint's
// folder, known dtypes, and blocks that cover each tensor exactly once.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_CHECKPOINTINDEX_H
#define STARCH_RUNTIME_TRAIN_CHECKPOINTINDEX_H

#include "runtime/train/CheckpointLayout.h"

#include <map>
#include <string>
#include <vector>

namespace starch::rt {

struct CheckpointIndex {
  /// File names in the checkpoint's folder; StoredBlock::holder indexes it.
  std::vector<std::string> files;
  /// By name.
  std::map<std::string, StoredTensor> tensors;
};

/// The JSON text of `layout` (StoredBlock::holder: ranks) with rank r's
/// blocks in `fileOfRank[r]`.
std::string formatCheckpointIndex(const std::vector<StoredTensor> &layout,
                                  const std::vector<std::string> &fileOfRank);

/// Parses and checks an index; false with a sentence in `error` (naming
/// the tensor at fault) otherwise.
bool parseCheckpointIndex(const std::string &text, CheckpointIndex &index,
                          std::string &error);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_CHECKPOINTINDEX_H
