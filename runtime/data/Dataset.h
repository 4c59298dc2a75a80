//===- Dataset.h - Packed training data: dataset.json + shards --*- C++ -*-===//
//
// A dataset is a folder: dataset.json (the DataContract, the sequence count,
// the shard list) and shard-NNNNN.safetensors files, each holding a run of
// sequences as the tensors `tokens` and `labels` (i64 [n, S]) and one tensor
// per encoder input ([n * slots, ...shape], zeros in unused slots). Every
// record has a fixed size, so any sequence is read directly (pread) by its
// index: a data-parallel rank reads its own sequences without touching the
// others. docs/data.md is the reference.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_DATA_DATASET_H
#define STARCH_RUNTIME_DATA_DATASET_H

#include "runtime/data/DataContract.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace starch::rt {

constexpr const char *kDatasetIndexFile = "dataset.json";

struct DatasetShard {
  /// File name inside the dataset folder.
  std::string file;
  int64_t sequences = 0;
};

struct DatasetInfo {
  DataContract contract;
  int64_t sequences = 0;
  std::vector<DatasetShard> shards;
  /// Informational: the model.json name and the manifest it was packed from.
  std::string model, manifest;
  /// Informational: per encoder, the preprocessing applied ("clip: ...").
  std::map<std::string, std::string> processors;
};

/// Where one sequence's data goes (or comes from): `sequenceLength` tokens
/// and labels, and per encoder input `slots` rows of its shape, contiguous.
struct SequenceBuffers {
  int64_t *tokens = nullptr;
  int64_t *labels = nullptr;
  std::vector<uint8_t *> inputs;
};

/// Fills a dataset in place. The folder is built under a temporary name
/// beside `dir` and renamed by commit(); destroyed uncommitted, it is
/// removed, so a failed pack leaves nothing behind.
class DatasetWriter {
public:
  /// Lays out `info.sequences` sequences in shards of at most
  /// `sequencesPerShard` (`info.shards` is filled in). Throws
  /// std::runtime_error when `dir` exists and is not a dataset folder.
  DatasetWriter(const std::string &dir, DatasetInfo info,
                int64_t sequencesPerShard);
  ~DatasetWriter();
  DatasetWriter(const DatasetWriter &) = delete;
  DatasetWriter &operator=(const DatasetWriter &) = delete;

  const DatasetInfo &info() const { return info_; }
  /// Writes sequence `index`; safe to call from several threads for
  /// different indices.
  void write(int64_t index, const SequenceBuffers &sequence);
  /// Writes dataset.json and moves the folder to its final name (replacing
  /// an older dataset there).
  void commit();

private:
  struct Shard;
  std::string dir_, staging_;
  DatasetInfo info_;
  int64_t perShard_;
  std::vector<Shard> shards_;
  bool committed_ = false;
};

/// Reads sequences of a dataset folder by index (thread-safe).
class DatasetReader {
public:
  /// Opens `dir` (or its dataset.json) and checks every shard against the
  /// index; throws std::runtime_error naming the file on any mismatch.
  explicit DatasetReader(const std::string &dir);
  ~DatasetReader();
  DatasetReader(const DatasetReader &) = delete;
  DatasetReader &operator=(const DatasetReader &) = delete;

  const DatasetInfo &info() const { return info_; }
  const std::string &dir() const { return dir_; }
  void read(int64_t index, const SequenceBuffers &sequence) const;

private:
  struct Shard;
  std::string dir_;
  DatasetInfo info_;
  std::vector<Shard> shards_;
};

/// True when `path` is a dataset folder or its dataset.json.
bool isDataset(const std::string &path);

/// Bytes of one input slot (one input of `input`'s shape).
size_t slotBytes(const EncoderInputContract &input);

} // namespace starch::rt

#endif // STARCH_RUNTIME_DATA_DATASET_H
