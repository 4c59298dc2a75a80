//===- Manifest.h - The JSONL training-data manifest ------------*- C++ -*-===//
//
// One sample per line: {"tokens": [...], "labels": [...], "<encoder>":
// ["file", ...], ...}. Token ids carry the placeholders of each media file
// (tokens_per_input per file); paths are relative to the manifest's folder.
// Every line is checked against the program's DataContract before any file
// is decoded; errors name the manifest and line. docs/data.md is the
// reference.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_DATA_MANIFEST_H
#define STARCH_RUNTIME_DATA_MANIFEST_H

#include "runtime/data/DataContract.h"

#include <cstdint>
#include <string>
#include <vector>

namespace starch::rt {

struct ManifestSample {
  /// 1-based line of the manifest, for messages.
  int64_t line = 0;
  /// sequenceLength ids each (padded when the line was shorter).
  std::vector<int64_t> tokens, labels;
  /// Per contract input, the files of this sample (resolved paths), at most
  /// its slot count.
  std::vector<std::vector<std::string>> files;
};

struct ManifestOptions {
  /// Pads shorter lines with this id (labels with -100); < 0: a line must
  /// hold exactly sequence_length tokens.
  int64_t padToken = -1;
};

/// Reads and checks every line of `path`. Throws std::runtime_error
/// "PATH:LINE: what" on the first problem.
std::vector<ManifestSample> readManifest(const std::string &path,
                                         const DataContract &contract,
                                         const ManifestOptions &options = {});

/// "PATH:LINE: what", the prefix of every message about a sample.
std::string manifestWhere(const std::string &path, int64_t line);

} // namespace starch::rt

#endif // STARCH_RUNTIME_DATA_MANIFEST_H
