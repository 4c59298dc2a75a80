//===- CheckpointSeeds.cpp - Seeds of the checkpoint fuzz target ----------===//
//
// starch-fuzz-checkpoint-seeds DIR: writes checkpoints of the target's
// program (CheckpointProgram.h) into DIR, one per folder, as saveCheckpoint
// writes them, and a sharded checkpoint's index: mutations of a valid file
// reach the checks past its checksums. Not part of any test; corpus/checkpoint
// holds its output.
//
//===----------------------------------------------------------------------===//
#include "runtime/train/Checkpoint.h"
#include "runtime/train/CheckpointIndex.h"
#include "runtime/train/ShardedCheckpoint.h"
#include "test/fuzz/CheckpointProgram.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace {

using namespace starch;

rt::ParamStore values(bool diverged) {
  const rt::ProgramSpec &spec = fuzz::checkpointProgram();
  rt::ParamStore params;
  for (const rt::ParamSpec &param : spec.params) {
    rt::Tensor tensor(param.dtype, param.shape);
    for (int64_t i = 0; i < tensor.numElements(); ++i)
      rt::storeFromDouble(tensor, i, 0.25 * double(i + 1));
    params.push_back(tensor);
  }
  if (diverged)
    rt::storeFromDouble(params[1], 2, NAN);
  return params;
}

/// Writes OUT/NAME.safetensors after checking that loadCheckpoint accepts it
/// (refuses it, for a diverged state): a seed that reaches what it should.
void write(const std::string &out, const std::string &name,
           const rt::ParamStore &params, const rt::TrainState &state) {
  std::string dir = out + "/" + name;
  rt::saveCheckpoint(dir, fuzz::checkpointProgram(), params, state);
  bool diverged = name.rfind("diverged", 0) == 0;
  try {
    rt::ParamStore loaded;
    rt::loadCheckpoint(dir, fuzz::checkpointProgram(), loaded);
    if (diverged)
      throw std::runtime_error("a diverged checkpoint was accepted");
  } catch (const std::runtime_error &error) {
    if (!diverged ||
        std::string(error.what()).find("non-finite") == std::string::npos)
      throw std::runtime_error(name + ": " + error.what());
  }
  std::filesystem::rename(dir + "/" + rt::kCheckpointFileName,
                          out + "/" + name + ".safetensors");
  std::filesystem::remove(dir);
}

/// Writes OUT/NAME.safetensors: a sharded checkpoint's index (format 3) as
/// one rank writes it, after checking that a resume gets past the index to
/// its (absent) rank file.
void writeIndex(const std::string &out, const std::string &name,
                const rt::TrainState &state) {
  const rt::ProgramSpec &spec = fuzz::checkpointProgram();
  std::string dir = out + "/" + name;
  std::map<std::string, std::string> metadata = {
      {"format", rt::kCheckpointFormat},
      {"format_version", std::to_string(rt::kShardedCheckpointVersion)},
      {"model", spec.model},
      {"step", std::to_string(state.step)},
      {"data_position", std::to_string(state.dataPosition)},
      {"rng_state", std::to_string(state.generatorState)},
      {"data", state.data},
      {"save_id", "00000000"},
      {"shards", rt::formatCheckpointIndex(
                     rt::checkpointLayout(spec),
                     {rt::shardFileName(state.step, "00000000", 0)})},
  };
  rt::addChecksums(metadata, {});
  rt::makeDirectories(dir);
  rt::writeAtomically(dir, rt::kCheckpointFileName, {}, metadata);
  try {
    rt::ParamStore loaded;
    rt::resumeCheckpoint(dir, spec, 0, loaded);
    throw std::runtime_error("an index without its rank file was accepted");
  } catch (const std::runtime_error &error) {
    if (std::string(error.what()).find("the rank file holding") ==
        std::string::npos)
      throw std::runtime_error(name + ": " + error.what());
  }
  std::filesystem::rename(dir + "/" + rt::kCheckpointFileName,
                          out + "/" + name + ".safetensors");
  std::filesystem::remove(dir);
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::string out = argv[1];
  rt::TrainState synthetic{12, 96, 0x9e3779b97f4a7c15ULL, "synthetic"};
  rt::TrainState dataset{3, 24, 0, "/data/train"};
  try {
    write(out, "step-12-synthetic", values(false), synthetic);
    write(out, "step-3-dataset", values(false), dataset);
    // Checksums that match, but a trained tensor holds a NaN.
    write(out, "diverged-bf16", values(true), synthetic);
    writeIndex(out, "index-step-12", synthetic);
  } catch (const std::exception &error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}
