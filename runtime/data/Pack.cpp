//===- Pack.cpp - Manifest + media files -> dataset shards ----------------===//
#include "runtime/data/Pack.h"

#include "runtime/kernels/Parallel.h"

#include <atomic>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace starch::rt {


PackSummary packDataset(const std::string &manifest, const std::string &outDir,
                        DatasetInfo info,
                        const std::vector<InputPreprocessor> &preprocessors,
                        const PackOptions &options) {
  const DataContract contract = info.contract;
  if (preprocessors.size() != contract.inputs.size())
    throw std::invalid_argument("packDataset: one preprocessor per input");
  std::vector<ManifestSample> samples =
      readManifest(manifest, contract, options.manifest);
  info.sequences = static_cast<int64_t>(samples.size());
  DatasetWriter writer(outDir, std::move(info), options.sequencesPerShard);

  std::mutex mutex;
  int64_t done = 0;
  // The error of the earliest line wins, whatever order the workers run in.
  int64_t errorLine = std::numeric_limits<int64_t>::max();
  std::string error;
  // Lines after the earliest failure so far are skipped; earlier ones still
  // run, so the reported line does not depend on thread timing.
  std::atomic<int64_t> firstFailure{std::numeric_limits<int64_t>::max()};
  PackSummary summary;
  summary.files.assign(contract.inputs.size(), 0);
  parallelFor(static_cast<int64_t>(samples.size()), 1, [&](int64_t begin,
                                                           int64_t end) {
    std::vector<std::vector<uint8_t>> slots(contract.inputs.size());
    for (int64_t i = begin; i < end; ++i) {
      ManifestSample &sample = samples[i];
      if (sample.line > firstFailure.load())
        return;
      try {
        SequenceBuffers buffers{sample.tokens.data(), sample.labels.data(), {}};
        for (size_t k = 0; k < contract.inputs.size(); ++k) {
          const EncoderInputContract &input = contract.inputs[k];
          size_t bytes = slotBytes(input);
          slots[k].assign(input.slots * bytes, 0);
          for (size_t f = 0; f < sample.files[k].size(); ++f) {
            Tensor value = preprocessors[k](sample.files[k][f], input);
            std::memcpy(slots[k].data() + f * bytes, value.bytes(), bytes);
          }
          buffers.inputs.push_back(slots[k].data());
        }
        writer.write(i, buffers);
      } catch (const std::exception &e) {
        std::lock_guard<std::mutex> lock(mutex);
        if (sample.line < errorLine) {
          errorLine = sample.line;
          error = manifestWhere(manifest, sample.line) + ": " + e.what();
        }
        firstFailure = errorLine;
        return;
      }
      std::lock_guard<std::mutex> lock(mutex);
      ++done;
      for (size_t k = 0; k < contract.inputs.size(); ++k)
        summary.files[k] += static_cast<int64_t>(sample.files[k].size());
      if (options.progress)
        options.progress(done, static_cast<int64_t>(samples.size()));
    }
  });
  if (!error.empty())
    throw std::runtime_error(error);
  writer.commit();
  summary.sequences = writer.info().sequences;
  summary.shards = static_cast<int64_t>(writer.info().shards.size());
  return summary;
}

bool tryPackDataset(const std::string &manifest, const std::string &outDir,
                    DatasetInfo info,
                    const std::vector<InputPreprocessor> &preprocessors,
                    const PackOptions &options, PackSummary &summary,
                    std::string &error) {
  try {
    summary = packDataset(manifest, outDir, std::move(info), preprocessors,
                          options);
    return true;
  } catch (const std::exception &e) {
    error = e.what();
    return false;
  }
}

} // namespace starch::rt
