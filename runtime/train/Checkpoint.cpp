//===- Checkpoint.cpp - Crash-safe training checkpoints -------------------===//
#include "runtime/train/Checkpoint.h"

#include "runtime/io/Safetensors.h"
#include "runtime/train/Guards.h"
#include "runtime/train/WeightLoading.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
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

std::string hex64(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, value);
  return text;
}

/// Every field of a checkpoint has its own checksum in the metadata, so
/// that a field edited after saving is refused by name: metadata "K" under
/// "checksum:field:K", tensor "T" (name, type, shape and bytes) under
/// "checksum:tensor:T".
constexpr const char *kFieldChecksum = "checksum:field:";
constexpr const char *kTensorChecksum = "checksum:tensor:";

bool startsWith(const std::string &text, const char *prefix) {
  return text.rfind(prefix, 0) == 0;
}

std::string fieldChecksum(const std::string &key, const std::string &value) {
  std::string text = key + '\0' + value;
  return hex64(fnv1a64(text.data(), text.size()));
}

/// Over "NAME\0DTYPE\0DIMS\0" (DIMS like "16x16", empty for a scalar), then
/// the bytes.
std::string tensorChecksum(const std::string &name, const Tensor &tensor) {
  std::string dims;
  for (int64_t size : tensor.shape())
    dims += (dims.empty() ? "" : "x") + std::to_string(size);
  std::string head =
      name + '\0' + dtypeName(tensor.dtype()) + '\0' + dims + '\0';
  return hex64(fnv1a64(tensor.bytes(), tensor.byteSize(),
                       fnv1a64(head.data(), head.size())));
}

/// Refuses a metadata field without its checksum, one that does not match
/// it, and a checksum whose field is gone.
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

/// A decimal metadata value: step, data_position or rng_state.
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

} // namespace

/// Writes `tensors` as DIR/NAME through a temporary file, fsynced and
/// renamed, so a crash leaves the previous file or the new one, never half.
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

void checkSaveFolder(const std::string &dir) {
  makeDirectories(dir);
  // The name of no file a run writes, so nothing of a previous run is hit;
  // per process, so the ranks of one job do not remove each other's.
  std::string probe =
      dir + "/.starch-write-test-" + std::to_string(::getpid());
  int fd =
      ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(systemError("create a file in", dir));
  ::close(fd);
  if (::unlink(probe.c_str()) != 0)
    throw std::runtime_error(systemError("remove", probe));
}

void saveCheckpoint(const std::string &dir, const ProgramSpec &spec,
                    const ParamStore &params, const TrainState &state) {
  makeDirectories(dir);
  std::map<std::string, Tensor> tensors;
  for (size_t i = 0; i < spec.params.size(); ++i)
    tensors.emplace(spec.params[i].name, params[i]); // shares, no copy
  std::map<std::string, std::string> metadata = {
      {"format", kCheckpointFormat},
      {"format_version", std::to_string(kCheckpointVersion)},
      {"model", spec.model},
      {"step", std::to_string(state.step)},
      {"data_position", std::to_string(state.dataPosition)},
      {"rng_state", std::to_string(state.generatorState)},
      {"data", state.data},
  };
  for (const auto &[key, value] : std::map<std::string, std::string>(metadata))
    metadata[kFieldChecksum + key] = fieldChecksum(key, value);
  for (const auto &[name, tensor] : tensors)
    metadata[kTensorChecksum + name] = tensorChecksum(name, tensor);

  writeAtomically(dir, kCheckpointFileName, tensors, metadata);
}

std::vector<std::string> saveModuleWeights(const std::string &dir,
                                           const ProgramSpec &spec,
                                           const ParamStore &params,
                                           int64_t step, bool includeFrozen) {
  std::map<std::string, std::map<std::string, Tensor>> modules;
  std::map<std::string, bool> trains;
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    if (param.module.empty() || param.kind == ParamKind::optimizerState)
      continue;
    modules[param.module].emplace(param.source, params[i]);
    trains[param.module] |= param.kind == ParamKind::trainable;
  }
  std::vector<std::string> written;
  if (!modules.empty())
    makeDirectories(dir);
  for (const auto &[module, tensors] : modules) {
    if (!trains[module] && !includeFrozen)
      continue;
    // "pt": the metadata transformers' safetensors loader expects.
    writeAtomically(dir, module + ".safetensors", tensors,
                    {{"format", "pt"}, {"model", spec.model},
                     {"module", module}, {"step", std::to_string(step)}});
    written.push_back(module);
  }
  return written;
}

TrainState loadCheckpoint(const std::string &dir, const ProgramSpec &spec,
                          ParamStore &params) {
  std::string path = dir + "/" + kCheckpointFileName;
  SafetensorsFile file;
  std::string error;
  if (!file.open(path, error))
    throw std::runtime_error("cannot resume: " + error);
  const std::map<std::string, std::string> &metadata = file.metadata();
  auto meta = [&](const std::string &key) {
    auto it = metadata.find(key);
    return it == metadata.end() ? std::string() : it->second;
  };
  if (meta("format") != kCheckpointFormat)
    throw std::runtime_error("cannot resume: '" + path +
                             "' is not a Starch training checkpoint");
  if (meta("format_version") != std::to_string(kCheckpointVersion))
    throw std::runtime_error("cannot resume: '" + path +
                             "' has format version '" + meta("format_version") +
                             "'; this program reads " +
                             std::to_string(kCheckpointVersion));
  verifyFields(path, metadata, file.names());
  if (meta("model") != spec.model)
    throw std::runtime_error("cannot resume: '" + path +
                             "' is a checkpoint of model '" + meta("model") +
                             "', this program trains '" + spec.model + "'");

  // Every parameter present with its type; nothing else.
  std::map<std::string, Tensor> tensors;
  for (const ParamSpec &param : spec.params) {
    Tensor tensor;
    if (!file.contains(param.name))
      throw std::runtime_error("cannot resume: '" + path +
                               "' has no parameter '" + param.name + "'");
    if (!file.load(param.name, tensor, error))
      throw std::runtime_error("cannot resume: " + error);
    if (tensor.dtype() != param.dtype || tensor.shape() != param.shape)
      throw std::runtime_error(
          "cannot resume: '" + path + "' holds parameter '" + param.name +
          "' as " + describeTensorType(tensor.dtype(), tensor.shape()) +
          ", the program expects " +
          describeTensorType(param.dtype, param.shape));
    tensors.emplace(param.name, std::move(tensor));
  }
  for (const std::string &name : file.names())
    if (!tensors.count(name))
      throw std::runtime_error("cannot resume: '" + path + "' holds tensor '" +
                               name +
                               "', which is no parameter of this program");
  for (const ParamSpec &param : spec.params) {
    const Tensor &tensor = tensors[param.name];
    if (meta(kTensorChecksum + param.name) !=
        tensorChecksum(param.name, tensor))
      throw std::runtime_error("cannot resume: '" + path +
                               "' is corrupt: tensor '" + param.name +
                               "' does not match its checksum");
    // What training changes must be finite: a diverged state is no place
    // to resume from. (Frozen weights and buffers are the weights file's,
    // where an infinite mask is legitimate.)
    bool trained = param.kind == ParamKind::trainable ||
                   param.kind == ParamKind::optimizerState;
    if (int64_t at = trained ? firstNonFinite(tensor) : -1; at >= 0)
      throw std::runtime_error("cannot resume: '" + path +
                               "' holds a non-finite value in tensor '" +
                               param.name + "' (element " + std::to_string(at) +
                               "); it was saved from a diverged run");
  }

  TrainState state;
  const uint64_t maxInt64 = uint64_t(INT64_MAX);
  state.step = int64_t(parseNumber(metadata, "step", path, maxInt64));
  state.dataPosition =
      int64_t(parseNumber(metadata, "data_position", path, maxInt64));
  state.generatorState = parseNumber(metadata, "rng_state", path, UINT64_MAX);
  state.data = meta("data");
  params.resize(spec.params.size());
  for (size_t i = 0; i < spec.params.size(); ++i)
    params[i] = std::move(tensors[spec.params[i].name]);
  return state;
}

} // namespace starch::rt
