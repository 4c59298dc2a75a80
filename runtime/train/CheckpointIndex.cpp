//===- CheckpointIndex.cpp - The index of a sharded checkpoint ------------===//
#include "runtime/train/CheckpointIndex.h"

#include <nlohmann/json.hpp>

namespace starch::rt {

namespace {

using nlohmann::json;

bool dtypeOfName(const std::string &name, DType &dtype) {
  for (DType candidate :
       {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i64, DType::i32,
        DType::i16, DType::i8, DType::u8, DType::i1})
    if (name == dtypeName(candidate)) {
      dtype = candidate;
      return true;
    }
  return false;
}

bool isInteger(const json &value) {
  return value.is_number_integer() || value.is_number_unsigned();
}

/// A name inside the checkpoint's folder: an index must not send a resume
/// reading elsewhere.
bool isPlainFileName(const std::string &name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

/// Reads one tensor's entry; an error names what is wrong, the caller the
/// tensor.
std::string parseTensor(const json &entry, size_t fileCount,
                        StoredTensor &tensor) {
  if (!entry.is_object() || !entry.contains("dtype") ||
      !entry.contains("shape") || !entry.contains("dim") ||
      !entry.contains("blocks"))
    return "needs dtype, shape, dim and blocks";
  const json &dtype = entry["dtype"], &shape = entry["shape"];
  if (!dtype.is_string() ||
      !dtypeOfName(dtype.get<std::string>(), tensor.dtype))
    return "has an unknown dtype";
  if (!shape.is_array() || shape.size() > 16)
    return "has a bad shape";
  for (const json &size : shape) {
    if (!isInteger(size) || size.get<int64_t>() < 0 ||
        size.get<int64_t>() > (int64_t(1) << 40))
      return "has a bad shape";
    tensor.shape.push_back(size.get<int64_t>());
  }
  if (!isInteger(entry["dim"]))
    return "has a bad dim";
  int64_t dim = entry["dim"].get<int64_t>();
  if (dim < -1 || dim >= int64_t(tensor.shape.size()))
    return "has dim " + std::to_string(dim) + " outside its shape";
  const json &blocks = entry["blocks"];
  if (!blocks.is_array() || blocks.empty())
    return "has no blocks";
  // Blocks in order along the dimension, each starting where the last
  // ended, the last ending at its size: every element stored once.
  int64_t next = 0;
  for (const json &block : blocks) {
    if (!block.is_array() || block.size() != 3 || !isInteger(block[0]) ||
        !isInteger(block[1]) || !isInteger(block[2]))
      return "has a block that is not [file, offset, size]";
    int64_t file = block[0].get<int64_t>();
    int64_t offset = block[1].get<int64_t>(), size = block[2].get<int64_t>();
    if (file < 0 || file >= int64_t(fileCount))
      return "names file " + std::to_string(file) + " of " +
             std::to_string(fileCount);
    if (dim < 0 ? offset != 0 || size != 0 || blocks.size() != 1
                : offset != next || size <= 0 || size > tensor.shape[dim])
      return "has blocks that do not cover it exactly once";
    next = offset + size;
    tensor.blocks.push_back({file, TensorRegion{dim, offset, size}});
  }
  if (dim >= 0 && next != tensor.shape[dim])
    return "has blocks that do not cover it exactly once";
  return "";
}

} // namespace

std::string formatCheckpointIndex(const std::vector<StoredTensor> &layout,
                                  const std::vector<std::string> &fileOfRank) {
  // Files in rank order, only those of ranks that write a block.
  std::vector<int64_t> fileNumber(fileOfRank.size(), -1);
  for (const StoredTensor &tensor : layout)
    for (const StoredBlock &block : tensor.blocks)
      fileNumber[block.holder] = 0;
  json files = json::array();
  for (size_t rank = 0; rank < fileOfRank.size(); ++rank)
    if (fileNumber[rank] == 0) {
      fileNumber[rank] = int64_t(files.size());
      files.push_back(fileOfRank[rank]);
    }
  json tensors = json::object();
  for (const StoredTensor &tensor : layout) {
    json blocks = json::array();
    for (const StoredBlock &block : tensor.blocks)
      blocks.push_back(json::array(
          {fileNumber[block.holder], block.region.offset, block.region.size}));
    tensors[tensor.name] = {{"dtype", dtypeName(tensor.dtype)},
                            {"shape", tensor.shape},
                            {"dim", tensor.blocks.front().region.dim},
                            {"blocks", blocks}};
  }
  return json{{"files", files}, {"tensors", tensors}}.dump();
}

bool parseCheckpointIndex(const std::string &text, CheckpointIndex &index,
                          std::string &error) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object() || !root.contains("files") ||
      !root.contains("tensors") || !root["files"].is_array() ||
      !root["tensors"].is_object()) {
    error = "the index is not {\"files\": [...], \"tensors\": {...}}";
    return false;
  }
  for (const json &file : root["files"]) {
    if (!file.is_string() || !isPlainFileName(file.get<std::string>())) {
      error = "the index names a file that is not a plain file name: " +
              file.dump();
      return false;
    }
    index.files.push_back(file.get<std::string>());
  }
  for (const auto &[name, entry] : root["tensors"].items()) {
    StoredTensor tensor;
    tensor.name = name;
    if (std::string problem = parseTensor(entry, index.files.size(), tensor);
        !problem.empty()) {
      error = "the index entry of tensor '" + name + "' " + problem;
      return false;
    }
    index.tensors.emplace(name, std::move(tensor));
  }
  return true;
}

} // namespace starch::rt
