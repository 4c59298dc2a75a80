//===- Options.h - Command-line flags of a training program -----*- C++ -*-===//
#ifndef STARCH_RUNTIME_TRAIN_OPTIONS_H
#define STARCH_RUNTIME_TRAIN_OPTIONS_H

#include "runtime/train/Program.h"

#include <cstdint>
#include <optional>
#include <map>
#include <string>
#include <vector>

namespace starch::rt {

struct TrainOptions {
  /// Total optimizer steps (a resumed run counts the saved ones).
  int64_t steps = 0;
  std::string data, labels;
  /// Encoder input files by ProgramSpec::inputs name (--input NAME=FILE).
  std::map<std::string, std::string> inputFiles;
  uint64_t seed = 0;
  int64_t logEvery = 1;
  /// Weights files per module: programSpec().weights, each replaced by
  /// --weights [MODULE=]FILE.
  std::vector<WeightsFile> weights;
  /// 0: the thread pool's default.
  int numThreads = 0;
  std::string saveDir;
  /// 0: save only at the end.
  int64_t saveEvery = 0;
  /// Also write frozen modules' DIR/<module>.safetensors.
  bool saveAll = false;
  std::string resumeDir;
  std::string lossLog;
  /// A Chrome trace of every rank's steps, written at the end (Trace.h).
  std::string trace;
  /// How long a rank waits for its peers in any transfer before the job
  /// ends with the rank and the transfer named (docs/comm.md).
  double commTimeoutSeconds = 60;
};

/// Parses the flags (docs/train-binary.md). Returns the exit code when the
/// program should stop now: 0 after --help, 2 after a bad flag or value (one
/// line on stderr).
std::optional<int> parseTrainOptions(int argc, char **argv,
                                     const ProgramSpec &spec,
                                     TrainOptions &options);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_OPTIONS_H
