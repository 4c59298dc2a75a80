//===- Safetensors.cpp - safetensors files --------------------------------===//
#include "runtime/io/Safetensors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <unistd.h>

namespace starch::rt {

namespace {

/// A header number where a count belongs (a dimension, a data offset): JSON
/// also allows -3 or 1e52 there, whose conversion to an integer would be
/// undefined.
uint64_t headerCount(const nlohmann::json &value, const std::string &what) {
  if (!value.is_number_unsigned())
    throw std::runtime_error(what +
                             " is not a non-negative integer: " + value.dump());
  return value.get<uint64_t>();
}

struct DtypeName {
  const char *name;
  DType dtype;
};

const DtypeName kNames[] = {
    {"F32", DType::f32},   {"F64", DType::f64}, {"F16", DType::f16},
    {"BF16", DType::bf16}, {"I64", DType::i64}, {"I32", DType::i32},
    {"I16", DType::i16},   {"I8", DType::i8},   {"U8", DType::u8},
    {"BOOL", DType::i1},
};

std::optional<DType> dtypeFromName(const std::string &name) {
  for (const DtypeName &entry : kNames)
    if (name == entry.name)
      return entry.dtype;
  return std::nullopt;
}

const char *nameOf(DType dtype) {
  for (const DtypeName &entry : kNames)
    if (entry.dtype == dtype)
      return entry.name;
  return "?";
}

} // namespace

bool SafetensorsFile::open(const std::string &path, std::string &error) {
  path_ = path;
  entries_.clear();
  metadata_.clear();
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) {
    error = "cannot open '" + path + "'";
    return false;
  }
  uint64_t fileSize = static_cast<uint64_t>(file.tellg());
  fileSize_ = fileSize;
  mapping_.reset();
  file.seekg(0);
  unsigned char lengthBytes[8];
  if (fileSize < 8 || !file.read(reinterpret_cast<char *>(lengthBytes), 8)) {
    error = "'" + path + "' is not a safetensors file (too short)";
    return false;
  }
  uint64_t headerLength = 0;
  for (int i = 0; i < 8; ++i)
    headerLength |= static_cast<uint64_t>(lengthBytes[i]) << (8 * i);
  if (headerLength > fileSize - 8) {
    error = "'" + path + "' is not a safetensors file (header length " +
            std::to_string(headerLength) + " exceeds the file)";
    return false;
  }
  std::string header(headerLength, '\0');
  file.read(header.data(), headerLength);
  dataStart_ = 8 + headerLength;
  uint64_t dataSize = fileSize - dataStart_;
  try {
    nlohmann::json index = nlohmann::json::parse(header);
    if (!index.is_object())
      throw std::runtime_error("the header is not a JSON object");
    for (auto &[name, info] : index.items()) {
      if (name == "__metadata__") {
        for (auto &[key, value] : info.items())
          metadata_[key] =
              value.is_string() ? value.get<std::string>() : value.dump();
        continue;
      }
      std::optional<DType> dtype =
          dtypeFromName(info.at("dtype").get<std::string>());
      if (!dtype)
        throw std::runtime_error("tensor '" + name +
                                 "' has unsupported dtype " +
                                 info.at("dtype").get<std::string>());
      const std::string what = "tensor '" + name + "'";
      Shape shape;
      uint64_t expected = dtypeSize(*dtype);
      const nlohmann::json &dims = info.at("shape");
      if (!dims.is_array())
        throw std::runtime_error(what + " shape is not a list");
      for (const nlohmann::json &dim : dims) {
        uint64_t size = headerCount(dim, what + " shape");
        // The bytes the shape needs, without overflow: more than the file
        // holds is refused below anyway.
        if (size > static_cast<uint64_t>(INT64_MAX) ||
            (size != 0 && expected > UINT64_MAX / size))
          throw std::runtime_error(what + " has a shape too large to hold");
        shape.push_back(static_cast<int64_t>(size));
        expected *= size;
      }
      Entry entry{
          *dtype, shape,
          headerCount(info.at("data_offsets").at(0), what + " data offset"),
          headerCount(info.at("data_offsets").at(1), what + " data offset")};
      if (entry.end < entry.begin || entry.end > dataSize ||
          entry.end - entry.begin != expected)
        throw std::runtime_error("tensor '" + name +
                                 "' has data offsets that do not fit its shape "
                                 "or the file");
      entries_.emplace(name, std::move(entry));
    }
  } catch (const std::exception &e) {
    error = "'" + path + "' has a bad safetensors header: " + e.what();
    return false;
  }
  return true;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> result;
  for (const auto &entry : entries_)
    result.push_back(entry.first);
  return result;
}

const SafetensorsFile::Entry *
SafetensorsFile::entry(const std::string &name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

bool SafetensorsFile::map(std::string &error) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open '" + path_ + "' (" + std::strerror(errno) + ")";
    return false;
  }
  // The index was checked against the length it had then.
  off_t size = ::lseek(fd, 0, SEEK_END);
  std::string why = "changed length since its index was read";
  if (size >= 0 && static_cast<uint64_t>(size) == fileSize_)
    mapping_ = MappedFile::map(fd, size, why);
  ::close(fd);
  if (!mapping_) {
    error = "'" + path_ + "' " + why;
    return false;
  }
  return true;
}

bool SafetensorsFile::load(const std::string &name, Tensor &out,
                           std::string &error) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    error = "'" + path_ + "' has no tensor named '" + name + "'";
    return false;
  }
  const Entry &entry = it->second;
  if (mapping_) {
    Tensor tensor = MappedFile::tensorAt(
        mapping_, static_cast<int64_t>(dataStart_ + entry.begin), entry.dtype,
        entry.shape);
    if (tensor.empty()) { // unaligned for its type (or empty): a copy
      tensor = Tensor::uninitialized(entry.dtype, entry.shape);
      if (tensor.byteSize())
        std::memcpy(tensor.bytes(), mapping_->data() + dataStart_ + entry.begin,
                    tensor.byteSize());
    }
    out = std::move(tensor);
    return true;
  }
  // Every byte is read below: no zero fill first.
  Tensor tensor = Tensor::uninitialized(entry.dtype, entry.shape);
  std::ifstream file(path_, std::ios::binary);
  file.seekg(static_cast<std::streamoff>(dataStart_ + entry.begin));
  if (!file || !file.read(reinterpret_cast<char *>(tensor.bytes()),
                          static_cast<std::streamsize>(tensor.byteSize()))) {
    error = "cannot read tensor '" + name + "' from '" + path_ + "'";
    return false;
  }
  out = std::move(tensor);
  return true;
}

bool readSafetensors(const std::string &path,
                     std::map<std::string, Tensor> &out, std::string &error) {
  SafetensorsFile file;
  if (!file.open(path, error))
    return false;
  for (const std::string &name : file.names()) {
    Tensor tensor;
    if (!file.load(name, tensor, error))
      return false;
    out[name] = std::move(tensor);
  }
  return true;
}

std::string safetensorsHeader(const std::vector<SafetensorsLayoutEntry> &entries,
                              const std::map<std::string, std::string> &metadata,
                              std::vector<uint64_t> &fileOffsets) {
  nlohmann::json index = nlohmann::json::object();
  if (!metadata.empty())
    index["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::vector<uint64_t> dataOffsets;
  for (const SafetensorsLayoutEntry &entry : entries) {
    uint64_t size = numElements(entry.shape) * dtypeSize(entry.dtype);
    index[entry.name] = {{"dtype", nameOf(entry.dtype)},
                         {"shape", entry.shape},
                         {"data_offsets", {offset, offset + size}}};
    dataOffsets.push_back(offset);
    offset += size;
  }
  std::string json = index.dump();
  json.append((8 - json.size() % 8) % 8, ' '); // keep the data aligned
  std::string header(8, '\0');
  for (int i = 0; i < 8; ++i)
    header[i] = static_cast<char>((uint64_t(json.size()) >> (8 * i)) & 0xff);
  header += json;
  fileOffsets.clear();
  for (uint64_t dataOffset : dataOffsets)
    fileOffsets.push_back(header.size() + dataOffset);
  return header;
}

bool writeSafetensors(const std::string &path,
                      const std::map<std::string, Tensor> &tensors,
                      std::string &error,
                      const std::map<std::string, std::string> &metadata) {
  std::string header;
  try {
    std::vector<SafetensorsLayoutEntry> entries;
    for (const auto &[name, tensor] : tensors)
      entries.push_back({name, tensor.dtype(), tensor.shape()});
    std::vector<uint64_t> offsets;
    header = safetensorsHeader(entries, metadata, offsets);
  } catch (const std::exception &e) {
    error = "cannot write '" + path + "': " + e.what();
    return false;
  }
  // POSIX calls rather than a stream: a full disk or a read-only folder is
  // reported with its reason, including on the final close.
  auto fail = [&](const char *what) {
    error = std::string("cannot ") + what + " '" + path +
            "': " + std::strerror(errno);
    return false;
  };
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail("create");
  auto writeAll = [&](const void *data, size_t size) {
    const char *bytes = static_cast<const char *>(data);
    while (size > 0) {
      ssize_t written = ::write(fd, bytes, size);
      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0) {
        if (written == 0)
          errno = EIO;
        return false;
      }
      bytes += written;
      size -= size_t(written);
    }
    return true;
  };
  bool written = writeAll(header.data(), header.size());
  for (auto it = tensors.begin(); written && it != tensors.end(); ++it)
    written = writeAll(it->second.bytes(), it->second.byteSize());
  if (!written) {
    int savedErrno = errno;
    ::close(fd);
    errno = savedErrno;
    return fail("write");
  }
  if (::close(fd) != 0)
    return fail("write");
  return true;
}

} // namespace starch::rt
