//===- Safetensors.h - safetensors files ------------------------*- C++ -*-===//
//
// Header: 8-byte little-endian length, JSON index {name: {dtype, shape,
// data_offsets}}, then the data. Errors are returned, never thrown (the JSON
// parser's exceptions are caught inside).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_IO_SAFETENSORS_H
#define STARCH_RUNTIME_IO_SAFETENSORS_H

#include "runtime/Tensor.h"
#include "runtime/io/MappedFile.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace starch::rt {

/// An opened safetensors file whose tensors are read on demand.
class SafetensorsFile {
public:
  /// Reads the index of `path`.
  bool open(const std::string &path, std::string &error);

  bool contains(const std::string &name) const {
    return entries_.count(name) != 0;
  }
  std::vector<std::string> names() const;
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }
  /// Maps the file (MappedFile.h): from now on load() gives tensors that
  /// share the mapping instead of reading copies. For reading many tensors
  /// once (comparing them); the file must keep its length while they live.
  bool map(std::string &error);
  /// Reads tensor `name` into `out` (after map(), its bytes in the mapping
  /// where they are aligned for its type).
  bool load(const std::string &name, Tensor &out, std::string &error) const;

  struct Entry {
    DType dtype;
    Shape shape;
    /// Byte range within the data section.
    uint64_t begin, end;
  };
  /// The index entry of `name`, or null.
  const Entry *entry(const std::string &name) const;
  /// Where the data section starts in the file (entry offsets are relative
  /// to it), for reading parts of a tensor directly.
  uint64_t dataStart() const { return dataStart_; }

private:
  std::string path_;
  uint64_t dataStart_ = 0;
  /// The file's length when its index was read.
  uint64_t fileSize_ = 0;
  std::shared_ptr<const MappedFile> mapping_;
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

/// Reads every tensor of `path`.
bool readSafetensors(const std::string &path,
                     std::map<std::string, Tensor> &out, std::string &error);

/// A tensor of a file being laid out: its header entry without the data.
struct SafetensorsLayoutEntry {
  std::string name;
  DType dtype;
  Shape shape;
};

/// The header (length prefix, JSON index, padding) of a file holding
/// `entries` back to back in the given order; `fileOffsets[i]` receives
/// where entry i's bytes start in the file. For writers that fill a file in
/// place (pwrite) instead of holding every tensor in memory.
std::string safetensorsHeader(const std::vector<SafetensorsLayoutEntry> &entries,
                              const std::map<std::string, std::string> &metadata,
                              std::vector<uint64_t> &fileOffsets);

/// Writes `tensors` (in name order) with optional string metadata.
bool writeSafetensors(const std::string &path,
                      const std::map<std::string, Tensor> &tensors,
                      std::string &error,
                      const std::map<std::string, std::string> &metadata = {});

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_SAFETENSORS_H
