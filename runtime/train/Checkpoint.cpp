//===- Checkpoint.cpp - Crash-safe training checkpoints -------------------===//
#include "runtime/train/Checkpoint.h"

#include "runtime/io/Safetensors.h"
#include "runtime/train/CheckpointFiles.h"
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

TrainState trainStateFrom(const std::map<std::string, std::string> &metadata,
                          const std::string &path) {
  TrainState state;
  const uint64_t maxInt64 = uint64_t(INT64_MAX);
  state.step = int64_t(parseNumber(metadata, "step", path, maxInt64));
  state.dataPosition =
      int64_t(parseNumber(metadata, "data_position", path, maxInt64));
  state.generatorState = parseNumber(metadata, "rng_state", path, UINT64_MAX);
  state.data = metadataValue(metadata, "data");
  return state;
}

namespace {

std::string systemError(const std::string &what, const std::string &path) {
  return "cannot " + what + " '" + path + "': " + std::strerror(errno);
}

} // namespace

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
  addChecksums(metadata, tensors);

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
    return metadataValue(metadata, key);
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

  TrainState state = trainStateFrom(metadata, path);
  params.resize(spec.params.size());
  for (size_t i = 0; i < spec.params.size(); ++i)
    params[i] = std::move(tensors[spec.params[i].name]);
  return state;
}

} // namespace starch::rt
