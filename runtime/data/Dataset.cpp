//===- Dataset.cpp - Packed training data: dataset.json + shards ----------===//
#include "runtime/data/Dataset.h"

#include "runtime/io/Safetensors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

namespace starch::rt {

namespace {

using json = nlohmann::json;
constexpr const char *kFormat = "starch-dataset";
constexpr int kVersion = 1;

[[noreturn]] void fail(const std::string &what) {
  throw std::runtime_error(what);
}

std::string systemError() { return std::strerror(errno); }

DType dtypeNamed(const std::string &name, const std::string &where) {
  for (DType dtype : {DType::f32, DType::f64, DType::f16, DType::bf16,
                      DType::i64, DType::i32, DType::i16, DType::i8, DType::u8,
                      DType::i1})
    if (name == dtypeName(dtype))
      return dtype;
  fail(where + ": unknown element type '" + name + "'");
}

json toJson(const DatasetInfo &info) {
  json inputs = json::array();
  for (const EncoderInputContract &input : info.contract.inputs) {
    json entry = {{"encoder", input.encoder},
                  {"modality", input.modality},
                  {"input", input.input},
                  {"dtype", dtypeName(input.dtype)},
                  {"shape", input.shape},
                  {"slots", input.slots},
                  {"placeholder_token", input.placeholderToken},
                  {"tokens_per_input", input.tokensPerInput}};
    auto processor = info.processors.find(input.encoder);
    if (processor != info.processors.end())
      entry["processor"] = processor->second;
    inputs.push_back(entry);
  }
  json shards = json::array();
  for (const DatasetShard &shard : info.shards)
    shards.push_back({{"file", shard.file}, {"sequences", shard.sequences}});
  return {{"format", kFormat},
          {"version", kVersion},
          {"model", info.model},
          {"manifest", info.manifest},
          {"sequences", info.sequences},
          {"sequence_length", info.contract.sequenceLength},
          {"vocab_size", info.contract.vocabSize},
          {"inputs", inputs},
          {"shards", shards}};
}

/// Positive counts only: a dataset file is input like any other.
int64_t countAt(const json &object, const char *key, const std::string &where,
                int64_t min = 1) {
  const json &value = object.at(key);
  if (!value.is_number_integer() || value.get<int64_t>() < min ||
      value.get<int64_t>() > (int64_t(1) << 40))
    fail(where + ": '" + key + "' must be an integer >= " +
         std::to_string(min));
  return value.get<int64_t>();
}

DatasetInfo fromJson(const json &root, const std::string &where) {
  if (!root.is_object() || root.value("format", "") != kFormat)
    fail(where + " is not a Starch dataset index (\"format\": \"" +
         std::string(kFormat) + "\" missing)");
  if (root.value("version", 0) != kVersion)
    fail(where + ": dataset version " + root.value("version", json()).dump() +
         "; this program reads version " + std::to_string(kVersion));
  DatasetInfo info;
  info.model = root.value("model", "");
  info.manifest = root.value("manifest", "");
  info.sequences = countAt(root, "sequences", where);
  info.contract.sequenceLength = countAt(root, "sequence_length", where);
  info.contract.vocabSize = countAt(root, "vocab_size", where);
  for (const json &entry : root.at("inputs")) {
    EncoderInputContract input;
    input.encoder = entry.at("encoder").get<std::string>();
    input.modality = entry.at("modality").get<std::string>();
    input.input = entry.at("input").get<std::string>();
    input.dtype = dtypeNamed(entry.at("dtype").get<std::string>(), where);
    input.shape = entry.at("shape").get<Shape>();
    for (int64_t size : input.shape)
      if (size < 1 || size > (int64_t(1) << 32))
        fail(where + ": input '" + input.input + "' has a bad shape");
    input.slots = countAt(entry, "slots", where);
    input.placeholderToken = countAt(entry, "placeholder_token", where, 0);
    input.tokensPerInput = countAt(entry, "tokens_per_input", where);
    if (entry.contains("processor"))
      info.processors[input.encoder] = entry["processor"].get<std::string>();
    info.contract.inputs.push_back(std::move(input));
  }
  int64_t total = 0;
  for (const json &entry : root.at("shards")) {
    DatasetShard shard{entry.at("file").get<std::string>(),
                       countAt(entry, "sequences", where)};
    // Shards live in the dataset folder: a plain file name, nothing that
    // could reach outside it.
    if (shard.file.empty() || shard.file.find('/') != std::string::npos ||
        shard.file == "." || shard.file == "..")
      fail(where + ": shard file '" + shard.file +
           "' is not a file name inside the dataset folder");
    total += shard.sequences;
    info.shards.push_back(std::move(shard));
  }
  if (total != info.sequences)
    fail(where + ": the shards hold " + std::to_string(total) +
         " sequences, 'sequences' says " + std::to_string(info.sequences));
  return info;
}

/// The tensors of a shard of `count` sequences, in file order.
std::vector<SafetensorsLayoutEntry> shardLayout(const DataContract &contract,
                                                int64_t count) {
  std::vector<SafetensorsLayoutEntry> entries = {
      {"tokens", DType::i64, {count, contract.sequenceLength}},
      {"labels", DType::i64, {count, contract.sequenceLength}}};
  for (const EncoderInputContract &input : contract.inputs) {
    Shape shape{count * input.slots};
    shape.insert(shape.end(), input.shape.begin(), input.shape.end());
    entries.push_back({input.input, input.dtype, shape});
  }
  return entries;
}

/// Finds the shard holding sequence `index`: (shard, row within it).
std::pair<size_t, int64_t> locate(const std::vector<DatasetShard> &shards,
                                  int64_t index) {
  for (size_t i = 0; i < shards.size(); ++i) {
    if (index < shards[i].sequences)
      return {i, index};
    index -= shards[i].sequences;
  }
  fail("sequence index out of range");
}

/// Where each part of sequence `row` lies in a shard whose tensors start
/// at `offsets` (tokens, labels, then each input): `part(buffer, bytes,
/// file offset)` per part. The one statement of the record layout, for
/// writing and reading alike.
template <typename Part>
void forEachPart(const DataContract &contract,
                 const std::vector<uint64_t> &offsets, int64_t row,
                 const SequenceBuffers &sequence, Part part) {
  size_t rowBytes = contract.sequenceLength * sizeof(int64_t);
  part(sequence.tokens, rowBytes, offsets[0] + row * rowBytes);
  part(sequence.labels, rowBytes, offsets[1] + row * rowBytes);
  for (size_t i = 0; i < contract.inputs.size(); ++i) {
    size_t bytes = contract.inputs[i].slots * slotBytes(contract.inputs[i]);
    part(sequence.inputs[i], bytes, offsets[2 + i] + row * bytes);
  }
}

void writeAll(int fd, const void *data, size_t size, uint64_t offset,
              const std::string &path) {
  const char *bytes = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::pwrite(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail("cannot write '" + path + "': " + systemError());
    bytes += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

void readAll(int fd, void *data, size_t size, uint64_t offset,
             const std::string &path) {
  char *bytes = static_cast<char *>(data);
  while (size > 0) {
    ssize_t n = ::pread(fd, bytes, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail("cannot read '" + path + "': " +
           (n == 0 ? std::string("the file is shorter than its index says")
                   : systemError()));
    bytes += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

} // namespace

size_t slotBytes(const EncoderInputContract &input) {
  return numElements(input.shape) * dtypeSize(input.dtype);
}

bool isDataset(const std::string &path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return fs::is_regular_file(fs::path(path) / kDatasetIndexFile, ec);
  return fs::path(path).filename() == kDatasetIndexFile;
}

/// An open shard file and where each of its tensors starts.
struct DatasetWriter::Shard {
  std::string path;
  int fd = -1;
  /// tokens, labels, then one per encoder input.
  std::vector<uint64_t> offsets;
};

struct DatasetReader::Shard {
  std::string path;
  int fd = -1;
  std::vector<uint64_t> offsets;
};

DatasetWriter::DatasetWriter(const std::string &dir, DatasetInfo info,
                             int64_t sequencesPerShard)
    : dir_(dir), info_(std::move(info)), perShard_(sequencesPerShard) {
  std::error_code ec;
  if (fs::exists(dir_, ec) && !fs::is_empty(dir_, ec) && !isDataset(dir_))
    fail("'" + dir_ + "' exists and is not a dataset folder; not replacing it");
  staging_ = dir_ + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(staging_, ec);
  if (!fs::create_directories(staging_, ec) || ec)
    fail("cannot create '" + staging_ + "': " + ec.message());
  info_.shards.clear();
  for (int64_t first = 0; first < info_.sequences; first += perShard_) {
    int64_t count = std::min(perShard_, info_.sequences - first);
    char name[32];
    std::snprintf(name, sizeof name, "shard-%05zu.safetensors",
                  info_.shards.size());
    info_.shards.push_back({name, count});
    Shard shard;
    shard.path = (fs::path(staging_) / name).string();
    shard.fd = ::open(shard.path.c_str(), O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC,
                      0644);
    if (shard.fd < 0)
      fail("cannot create '" + shard.path + "': " + systemError());
    std::vector<SafetensorsLayoutEntry> layout =
        shardLayout(info_.contract, count);
    std::string header = safetensorsHeader(
        layout, {{"format", kFormat}, {"first_sequence", std::to_string(first)}},
        shard.offsets);
    uint64_t end = shard.offsets.back() + numElements(layout.back().shape) *
                                              dtypeSize(layout.back().dtype);
    writeAll(shard.fd, header.data(), header.size(), 0, shard.path);
    // Unwritten bytes read as zeros: the empty input slots.
    if (::ftruncate(shard.fd, static_cast<off_t>(end)) != 0)
      fail("cannot size '" + shard.path + "': " + systemError());
    shards_.push_back(std::move(shard));
  }
}

DatasetWriter::~DatasetWriter() {
  for (Shard &shard : shards_)
    if (shard.fd >= 0)
      ::close(shard.fd);
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
}

void DatasetWriter::write(int64_t index, const SequenceBuffers &sequence) {
  auto [which, row] = locate(info_.shards, index);
  const Shard &shard = shards_[which];
  forEachPart(info_.contract, shard.offsets, row, sequence,
              [&](void *data, size_t bytes, uint64_t offset) {
                writeAll(shard.fd, data, bytes, offset, shard.path);
              });
}

void DatasetWriter::commit() {
  for (Shard &shard : shards_) {
    if (::fsync(shard.fd) != 0 || ::close(shard.fd) != 0)
      fail("cannot write '" + shard.path + "': " + systemError());
    shard.fd = -1;
  }
  std::string index = (fs::path(staging_) / kDatasetIndexFile).string();
  {
    std::ofstream out(index);
    out << toJson(info_).dump(2) << "\n";
    if (!out.flush())
      fail("cannot write '" + index + "'");
  }
  std::error_code ec;
  std::string old = dir_ + ".old-" + std::to_string(::getpid());
  bool replacing = fs::exists(dir_, ec);
  if (replacing)
    fs::rename(dir_, old, ec);
  if (!ec)
    fs::rename(staging_, dir_, ec);
  if (ec)
    fail("cannot move the dataset to '" + dir_ + "': " + ec.message());
  if (replacing)
    fs::remove_all(old, ec);
  committed_ = true;
}

DatasetReader::DatasetReader(const std::string &path) {
  std::error_code ec;
  dir_ = fs::is_directory(path, ec) ? path
                                    : fs::path(path).parent_path().string();
  if (dir_.empty())
    dir_ = ".";
  std::string index = (fs::path(dir_) / kDatasetIndexFile).string();
  std::ifstream in(index);
  if (!in)
    fail("cannot open '" + index + "'");
  try {
    info_ = fromJson(json::parse(in), "'" + index + "'");
  } catch (const json::exception &e) {
    fail("'" + index + "' is not a valid dataset index: " + e.what());
  }
  for (const DatasetShard &entry : info_.shards) {
    Shard shard;
    shard.path = (fs::path(dir_) / entry.file).string();
    SafetensorsFile file;
    std::string error;
    if (!fs::is_regular_file(shard.path, ec) || !file.open(shard.path, error))
      fail(error.empty() ? "'" + shard.path + "' is missing" : error);
    for (const SafetensorsLayoutEntry &expected :
         shardLayout(info_.contract, entry.sequences)) {
      const SafetensorsFile::Entry *found = file.entry(expected.name);
      if (!found || found->dtype != expected.dtype ||
          found->shape != expected.shape)
        fail("'" + shard.path + "': tensor '" + expected.name + "' should be " +
             dtypeName(expected.dtype) + " [" + shapeString(expected.shape) +
             "] as " + index + " says");
      shard.offsets.push_back(file.dataStart() + found->begin);
    }
    shard.fd = ::open(shard.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (shard.fd < 0)
      fail("cannot open '" + shard.path + "': " + systemError());
    shards_.push_back(std::move(shard));
  }
}

DatasetReader::~DatasetReader() {
  for (Shard &shard : shards_)
    if (shard.fd >= 0)
      ::close(shard.fd);
}

void DatasetReader::read(int64_t index, const SequenceBuffers &sequence) const {
  auto [which, row] = locate(info_.shards, index);
  const Shard &shard = shards_[which];
  forEachPart(info_.contract, shard.offsets, row, sequence,
              [&](void *data, size_t bytes, uint64_t offset) {
                readAll(shard.fd, data, bytes, offset, shard.path);
              });
}

} // namespace starch::rt
