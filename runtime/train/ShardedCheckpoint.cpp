//===- ShardedCheckpoint.cpp - Writing a checkpoint in per-rank files -----===//
#include "runtime/train/ShardedCheckpoint.h"

#include "runtime/comm/CurrentCommunicator.h"
#include "runtime/train/CheckpointIndex.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <dirent.h>
#include <stdexcept>
#include <unistd.h>

namespace starch::rt {

namespace {

constexpr const char *kShardPrefix = "checkpoint.step-";

void check(Status status, const char *what) {
  if (!status)
    throw std::runtime_error(std::string(what) + ": " + status.message());
}

/// A name no earlier save used, the same on every rank: rank 0's clock
/// and process id, broadcast. A save of the same step again (a rerun)
/// thus never overwrites a file the current index names.
std::string agreeOnSaveId(Communicator &comm) {
  Tensor id(DType::i64, {1});
  if (comm.rank() == 0) {
    uint64_t now =
        uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
    uint64_t mixed = fnv1a64(&now, sizeof now, uint64_t(::getpid()));
    id.data<int64_t>()[0] = int64_t(mixed & 0xffffffffULL);
  }
  check(comm.broadcast(id, 0), "cannot agree on the checkpoint's name");
  char text[9];
  std::snprintf(text, sizeof text, "%08" PRIx64,
                uint64_t(id.data<int64_t>()[0]));
  return text;
}

/// Whether every rank succeeded (an all-reduce of the flags).
bool allSucceeded(Communicator &comm, bool succeeded) {
  Tensor flag(DType::i64, {1}), all;
  flag.data<int64_t>()[0] = succeeded ? 1 : 0;
  check(comm.allReduce(flag, CollectiveOp::min, all),
        "cannot confirm the checkpoint's files");
  return all.data<int64_t>()[0] == 1;
}

} // namespace

std::string shardFileName(int64_t step, const std::string &saveId, int rank) {
  return kShardPrefix + std::to_string(step) + "." + saveId + ".rank-" +
         std::to_string(rank) + ".safetensors";
}

void removeStaleShardFiles(const std::string &dir,
                           const std::vector<std::string> &keep) {
  DIR *folder = ::opendir(dir.c_str());
  if (!folder)
    return;
  std::vector<std::string> stale;
  while (const dirent *entry = ::readdir(folder)) {
    std::string name = entry->d_name;
    if (name.rfind(kShardPrefix, 0) == 0 &&
        std::find(keep.begin(), keep.end(), name) == keep.end())
      stale.push_back(name);
  }
  ::closedir(folder);
  for (const std::string &name : stale)
    std::remove((dir + "/" + name).c_str());
}

void saveShardedCheckpoint(const std::string &dir, const ProgramSpec &spec,
                           const ParamStore &params, const TrainState &state) {
  Communicator *comm = currentCommunicator();
  if (!comm)
    throw std::runtime_error("a sharded checkpoint needs the ranks' "
                             "communicator");
  int self = comm->rank();
  std::string saveId = agreeOnSaveId(*comm);
  std::vector<StoredTensor> layout = checkpointLayout(spec);
  std::vector<std::string> fileOfRank;
  for (int rank = 0; rank < spec.ranks(); ++rank)
    fileOfRank.push_back(shardFileName(state.step, saveId, rank));

  std::map<std::string, Tensor> owned;
  for (size_t i = 0; i < layout.size(); ++i)
    for (const StoredBlock &block : layout[i].blocks)
      if (block.holder == self)
        owned.emplace(layout[i].name, params[i]); // shares, no copy
  std::string failure;
  if (!owned.empty()) {
    std::map<std::string, std::string> metadata = {
        {"format", kShardFileFormat},
        {"format_version", std::to_string(kShardedCheckpointVersion)},
        {"model", spec.model},
        {"step", std::to_string(state.step)},
        {"save_id", saveId},
        {"rank", std::to_string(self)},
    };
    addChecksums(metadata, owned);
    try {
      makeDirectories(dir);
      writeAtomically(dir, fileOfRank[self], owned, metadata);
    } catch (const std::exception &e) {
      failure = "rank " + std::to_string(self) + ": " + e.what();
    }
  }
  // The index may name the files only once every one of them is durable.
  if (!allSucceeded(*comm, failure.empty()))
    throw std::runtime_error(
        failure.empty() ? "another rank could not write its checkpoint file"
                        : failure);
  if (self != 0)
    return;

  std::map<std::string, std::string> metadata = {
      {"format", kCheckpointFormat},
      {"format_version", std::to_string(kShardedCheckpointVersion)},
      {"model", spec.model},
      {"step", std::to_string(state.step)},
      {"data_position", std::to_string(state.dataPosition)},
      {"rng_state", std::to_string(state.generatorState)},
      {"data", state.data},
      {"save_id", saveId},
      {"shards", formatCheckpointIndex(layout, fileOfRank)},
  };
  addChecksums(metadata, {});
  writeAtomically(dir, kCheckpointFileName, {}, metadata);
  // Only now are the previous save's files unreferenced.
  std::vector<std::string> written;
  for (const StoredTensor &tensor : layout)
    for (const StoredBlock &block : tensor.blocks)
      written.push_back(fileOfRank[block.holder]);
  removeStaleShardFiles(dir, written);
}

} // namespace starch::rt
