//===- Checkpoint.h - Crash-safe training checkpoints -----------*- C++ -*-===//
//
// DIR/checkpoint.safetensors holds every parameter under its ParamSpec::name
// plus string metadata (docs/train-binary.md). It is replaced atomically, so
// a writer killed mid-save leaves the previous checkpoint intact, and loading
// verifies names, types, the model, a checksum per field (metadata included)
// and that the trained tensors are finite before anything is used.
// Errors are thrown as std::runtime_error.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_CHECKPOINT_H
#define STARCH_RUNTIME_TRAIN_CHECKPOINT_H

#include "runtime/train/CheckpointFiles.h"
#include "runtime/train/Program.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace starch::rt {

/// What besides the parameters a run needs to continue exactly.
struct TrainState {
  /// Optimizer steps completed.
  int64_t step = 0;
  /// Sequences consumed (DataSource::position).
  int64_t dataPosition = 0;
  /// The synthetic generator's state (DataSource::generatorState).
  uint64_t generatorState = 0;
  /// "synthetic" or the data file (DataSource::identity); informational.
  std::string data;
};

/// The training state a checkpoint's metadata records (format 2's file and
/// format 3's index alike); `path` names the file in errors.
TrainState trainStateFrom(const std::map<std::string, std::string> &metadata,
                          const std::string &path);

inline constexpr const char *kCheckpointFileName = "checkpoint.safetensors";
inline constexpr const char *kCheckpointFormat = "starch-train-checkpoint";
/// 2: a checksum per field, metadata included (format 1 is refused).
inline constexpr int kCheckpointVersion = 2;

/// Writes DIR/<module>.safetensors for every module of a multimodal program
/// that trains (every module with `includeFrozen`), keyed by the framework's
/// parameter names, so that a trained module loads back into its framework;
/// each file's metadata names the model, the module and `step`. Returns the
/// modules written.
std::vector<std::string> saveModuleWeights(const std::string &dir,
                                           const ProgramSpec &spec,
                                           const ParamStore &params,
                                           int64_t step, bool includeFrozen);

/// Makes sure checkpoints can be written to DIR before a run trains:
/// creates DIR if it is missing, then creates and removes a file in it.
/// Throws a sentence naming the path and the reason (errno) otherwise.
void checkSaveFolder(const std::string &dir);

/// Writes DIR/checkpoint.safetensors (creating DIR): temporary file, fsync,
/// rename over the old one, fsync of DIR.
void saveCheckpoint(const std::string &dir, const ProgramSpec &spec,
                    const ParamStore &params, const TrainState &state);

/// Reads DIR/checkpoint.safetensors into `params` (resized to spec order)
/// after checking it completely; `params` is untouched on error.
TrainState loadCheckpoint(const std::string &dir, const ProgramSpec &spec,
                          ParamStore &params);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_CHECKPOINT_H
