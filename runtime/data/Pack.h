//===- Pack.h - Manifest + media files -> dataset shards --------*- C++ -*-===//
//
// What `starch-data` does once it knows the program's DataContract: read and
// check the manifest, decode and preprocess every image and audio file as
// the encoder's Hugging Face processor does (runtime/media), and write the
// dataset folder (Dataset.h). Any error names the manifest line and the
// file, and leaves nothing written.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_DATA_PACK_H
#define STARCH_RUNTIME_DATA_PACK_H

#include "runtime/data/Dataset.h"
#include "runtime/data/Manifest.h"
#include "runtime/data/Preprocessor.h"

#include <functional>
#include <string>
#include <vector>

namespace starch::rt {

struct PackOptions {
  int64_t sequencesPerShard = 1024;
  ManifestOptions manifest;
  /// Called after each sequence, from worker threads (serialised).
  std::function<void(int64_t done, int64_t total)> progress;
};

struct PackSummary {
  int64_t sequences = 0;
  int64_t shards = 0;
  /// Files decoded per contract input.
  std::vector<int64_t> files;
};

/// Packs `manifest` into `outDir` for `info.contract` (one preprocessor per
/// contract input). Throws std::runtime_error on the first problem (by
/// manifest line); nothing is left at `outDir` then.
PackSummary packDataset(const std::string &manifest, const std::string &outDir,
                        DatasetInfo info,
                        const std::vector<InputPreprocessor> &preprocessors,
                        const PackOptions &options);

/// packDataset for callers built without exceptions (LLVM tools): false
/// with the message in `error`.
bool tryPackDataset(const std::string &manifest, const std::string &outDir,
                    DatasetInfo info,
                    const std::vector<InputPreprocessor> &preprocessors,
                    const PackOptions &options, PackSummary &summary,
                    std::string &error);

} // namespace starch::rt

#endif // STARCH_RUNTIME_DATA_PACK_H
