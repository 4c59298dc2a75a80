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
  /// Reads tensor `name` into `out`.
  bool load(const std::string &name, Tensor &out, std::string &error) const;

private:
  struct Entry {
    DType dtype;
    Shape shape;
    uint64_t begin, end;
  };
  std::string path_;
  uint64_t dataStart_ = 0;
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

/// Reads every tensor of `path`.
bool readSafetensors(const std::string &path,
                     std::map<std::string, Tensor> &out, std::string &error);

/// Writes `tensors` (in name order) with optional string metadata.
bool writeSafetensors(const std::string &path,
                      const std::map<std::string, Tensor> &tensors,
                      std::string &error,
                      const std::map<std::string, std::string> &metadata = {});

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_SAFETENSORS_H
