//===- CheckpointFiles.cpp - What every checkpoint file shares
//-------------===//
#include "runtime/train/CheckpointFiles.h"

#include "runtime/io/Safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace starch::rt {

uint64_t fnv1a64(const void *data, size_t size, uint64_t hash) {
  const uint8_t *bytes = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

namespace {

std::string systemError(const std::string &what, const std::string &path) {
  return "cannot " + what + " '" + path + "': " + std::strerror(errno);
}

/// fsync through a fresh descriptor: it flushes the file (or directory)
/// itself, whichever descriptor wrote it.
void syncPath(const std::string &path, bool directory) {
  int fd = ::open(path.c_str(), O_RDONLY | (directory ? O_DIRECTORY : 0));
  if (fd < 0)
    throw std::runtime_error(systemError("open", path));
  int rc = ::fsync(fd);
  int savedErrno = errno;
  ::close(fd);
  errno = savedErrno;
  if (rc != 0)
    throw std::runtime_error(systemError("fsync", path));
}

} // namespace

void makeDirectories(const std::string &dir) {
  // mkdir -p: each prefix ending before a '/', then the whole path.
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/')
      continue;
    std::string prefix = dir.substr(0, i);
    if (::mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST)
      throw std::runtime_error(systemError("create directory", prefix));
  }
  struct stat info;
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode))
    throw std::runtime_error("checkpoint path '" + dir +
                             "' is not a directory");
}

namespace {

std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

bool startsWith(const std::string &text, const char *prefix) {
  return text.rfind(prefix, 0) == 0;
}

} // namespace

std::string fieldChecksum(const std::string &key, const std::string &value) {
  std::string text = key + '\0' + value;
  return hex64(fnv1a64(text.data(), text.size()));
}

std::string tensorChecksum(const std::string &name, const Tensor &tensor) {
  std::string dims;
  for (int64_t size : tensor.shape())
    dims += (dims.empty() ? "" : "x") + std::to_string(size);
  std::string head =
      name + '\0' + dtypeName(tensor.dtype()) + '\0' + dims + '\0';
  return hex64(fnv1a64(tensor.bytes(), tensor.byteSize(),
                       fnv1a64(head.data(), head.size())));
}

void addChecksums(std::map<std::string, std::string> &metadata,
                  const std::map<std::string, Tensor> &tensors) {
  for (const auto &[key, value] : std::map<std::string, std::string>(metadata))
    metadata[kFieldChecksum + key] = fieldChecksum(key, value);
  for (const auto &[name, tensor] : tensors)
    metadata[kTensorChecksum + name] = tensorChecksum(name, tensor);
}

void verifyFields(const std::string &path,
                  const std::map<std::string, std::string> &metadata,
                  const std::vector<std::string> &tensorNames) {
  auto fail = [&](const std::string &message) {
    throw std::runtime_error("cannot resume: '" + path +
                             "' was changed after it was saved: " + message);
  };
  for (const auto &[key, value] : metadata) {
    if (startsWith(key, kFieldChecksum)) {
      std::string field = key.substr(std::strlen(kFieldChecksum));
      if (!metadata.count(field))
        fail("field '" + field + "' is missing");
      continue;
    }
    if (startsWith(key, kTensorChecksum)) {
      std::string name = key.substr(std::strlen(kTensorChecksum));
      if (std::find(tensorNames.begin(), tensorNames.end(), name) ==
          tensorNames.end())
        fail("tensor '" + name + "' is missing");
      continue;
    }
    auto recorded = metadata.find(kFieldChecksum + key);
    if (recorded == metadata.end())
      fail("field '" + key + "' has no checksum");
    if (recorded->second != fieldChecksum(key, value))
      fail("field '" + key + "' ('" + value + "') does not match its checksum");
  }
}

std::string metadataValue(const std::map<std::string, std::string> &metadata,
                          const std::string &key) {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : it->second;
}

uint64_t parseNumber(const std::map<std::string, std::string> &metadata,
                     const std::string &key, const std::string &path,
                     uint64_t limit) {
  auto it = metadata.find(key);
  if (it == metadata.end())
    throw std::runtime_error("cannot resume: '" + path + "' has no '" + key +
                             "' metadata");
  const std::string &text = it->second;
  char *end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || *end != '\0' || errno != 0 ||
      value > limit)
    throw std::runtime_error("cannot resume: '" + path + "' has a bad '" + key +
                             "' value '" + text + "'");
  return value;
}

void writeAtomically(const std::string &dir, const std::string &name,
                     const std::map<std::string, Tensor> &tensors,
                     const std::map<std::string, std::string> &metadata) {
  std::string finalPath = dir + "/" + name;
  // A fixed name: a temporary left by a killed writer is simply overwritten.
  std::string tempPath = finalPath + ".tmp";
  std::string error;
  if (!writeSafetensors(tempPath, tensors, error, metadata)) {
    std::remove(tempPath.c_str());
    throw std::runtime_error("cannot save checkpoint: " + error);
  }
  try {
    syncPath(tempPath, false);
    if (std::rename(tempPath.c_str(), finalPath.c_str()) != 0)
      throw std::runtime_error(systemError("rename", tempPath) + " to '" +
                               finalPath + "'");
  } catch (...) {
    std::remove(tempPath.c_str());
    throw;
  }
  // The rename itself is durable only once the directory is synced.
  syncPath(dir, true);
}

} // namespace starch::rt
