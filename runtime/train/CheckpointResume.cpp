//===- CheckpointResume.cpp - Reading a rank's part of a checkpoint -------===//
#include "runtime/io/Safetensors.h"
#include "runtime/train/CheckpointIndex.h"
#include "runtime/train/Guards.h"
#include "runtime/train/ShardedCheckpoint.h"
#include "runtime/train/ShardedParams.h"
#include "runtime/train/WeightLoading.h"

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>

namespace starch::rt {

namespace {

[[noreturn]] void refuse(const std::string &message) {
  throw std::runtime_error("cannot resume: " + message);
}

/// The rank files a resume opens, each checked once: its format, model,
/// step and save (it must be the file the index means, not one of another
/// save under the same name) and its fields' checksums.
class ShardFiles {
public:
  ShardFiles(std::string dir, const CheckpointIndex &index,
             const std::map<std::string, std::string> &indexMetadata)
      : dir_(std::move(dir)), index_(index), indexMetadata_(indexMetadata) {}

  /// File `number`'s block of tensor `stored`, checked against its
  /// checksum and its place in the index.
  Tensor readBlock(int64_t number, const StoredTensor &stored,
                   const TensorRegion &region) {
    const SafetensorsFile &file = open(number, stored.name);
    std::string path = pathOf(number);
    Tensor block;
    std::string error;
    if (!file.contains(stored.name))
      refuse("'" + path + "' has no tensor '" + stored.name +
             "', which the index places there");
    if (!file.load(stored.name, block, error))
      refuse(error + " (tensor '" + stored.name + "')");
    Shape expected = regionShape(stored.shape, region);
    if (block.dtype() != stored.dtype || block.shape() != expected)
      refuse("'" + path + "' holds tensor '" + stored.name + "' as " +
             describeTensorType(block.dtype(), block.shape()) +
             ", the index says " + describeTensorType(stored.dtype, expected));
    if (metadataValue(file.metadata(), kTensorChecksum + stored.name) !=
        tensorChecksum(stored.name, block))
      refuse("'" + path + "' is corrupt: tensor '" + stored.name +
             "' does not match its checksum");
    return block;
  }

private:
  std::string pathOf(int64_t number) const {
    return dir_ + "/" + index_.files[number];
  }

  const SafetensorsFile &open(int64_t number, const std::string &tensor) {
    std::unique_ptr<SafetensorsFile> &slot = files_[number];
    if (slot)
      return *slot;
    std::string path = pathOf(number), error;
    auto file = std::make_unique<SafetensorsFile>();
    if (!file->open(path, error))
      refuse("the rank file holding tensor '" + tensor + "': " + error);
    const std::map<std::string, std::string> &metadata = file->metadata();
    if (metadataValue(metadata, "format") != kShardFileFormat)
      refuse("'" + path + "' is not a Starch checkpoint rank file");
    verifyFields(path, metadata, file->names());
    for (const char *key : {"model", "step", "save_id"})
      if (metadataValue(metadata, key) != metadataValue(indexMetadata_, key))
        refuse("'" + path + "' belongs to another save (its " + key + " is '" +
               metadataValue(metadata, key) + "', the index's '" +
               metadataValue(indexMetadata_, key) + "')");
    slot = std::move(file);
    return *slot;
  }

  std::string dir_;
  const CheckpointIndex &index_;
  const std::map<std::string, std::string> &indexMetadata_;
  std::map<int64_t, std::unique_ptr<SafetensorsFile>> files_;
};

/// Whether the block `region` of `stored` shares an element with what a
/// rank holds, `held` (a region of the same whole tensor).
bool overlaps(const StoredTensor &stored, const TensorRegion &region,
              const TensorRegion &held) {
  Shape blockShape = regionShape(stored.shape, region);
  Shape heldShape = regionShape(stored.shape, held);
  std::vector<int64_t> blockStart = regionStart(stored.shape, region);
  std::vector<int64_t> heldStart = regionStart(stored.shape, held);
  for (size_t d = 0; d < stored.shape.size(); ++d)
    if (std::max(blockStart[d], heldStart[d]) >=
        std::min(blockStart[d] + blockShape[d], heldStart[d] + heldShape[d]))
      return false;
  return true;
}

TrainState resumeSharded(const std::string &dir, const SafetensorsFile &file,
                         const ProgramSpec &spec, int rank,
                         ParamStore &params) {
  std::string path = dir + "/" + kCheckpointFileName;
  const std::map<std::string, std::string> &metadata = file.metadata();
  verifyFields(path, metadata, file.names());
  if (!file.names().empty())
    refuse("'" + path + "' is an index (format 3) but holds tensor '" +
           file.names().front() + "'");
  if (metadataValue(metadata, "model") != spec.model)
    refuse("'" + path + "' is a checkpoint of model '" +
           metadataValue(metadata, "model") + "', this program trains '" +
           spec.model + "'");
  CheckpointIndex index;
  std::string error;
  if (!parseCheckpointIndex(metadataValue(metadata, "shards"), index, error))
    refuse("'" + path + "': " + error);
  for (const auto &[name, stored] : index.tensors) {
    bool known = false;
    for (const ParamSpec &param : spec.params)
      known |= param.name == name;
    if (!known)
      refuse("'" + path + "' holds tensor '" + name +
             "', which is no parameter of this program");
  }

  ShardFiles shards(dir, index, metadata);
  ParamStore loaded(spec.params.size());
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec &param = spec.params[i];
    auto found = index.tensors.find(param.name);
    if (found == index.tensors.end())
      refuse("the index '" + path + "' does not cover parameter '" +
             param.name + "'");
    const StoredTensor &stored = found->second;
    Shape whole = wholeShape(param);
    if (stored.dtype != param.dtype || stored.shape != whole)
      refuse("'" + path + "' holds parameter '" + param.name + "' as " +
             describeTensorType(stored.dtype, stored.shape) +
             ", the program expects " + describeTensorType(param.dtype, whole));
    if (!spec.holds(param, rank))
      continue; // another stage's
    TensorRegion held = heldRegion(param, rank);
    Tensor target(param.dtype, param.shape);
    int64_t filled = 0;
    for (const StoredBlock &block : stored.blocks) {
      if (!overlaps(stored, block.region, held))
        continue;
      Tensor source = shards.readBlock(block.holder, stored, block.region);
      filled += copyOverlap(source, regionStart(whole, block.region), target,
                            regionStart(whole, held));
    }
    // The index's blocks cover every tensor exactly once (checked when
    // parsed), so this only fails on a broken invariant.
    if (filled != target.numElements())
      refuse("the index '" + path + "' does not cover all of parameter '" +
             param.name + "'");
    bool trained = param.kind == ParamKind::trainable ||
                   param.kind == ParamKind::optimizerState;
    if (int64_t at = trained ? firstNonFinite(target) : -1; at >= 0)
      refuse("the checkpoint in '" + dir +
             "' holds a non-finite value in tensor '" + param.name +
             "' (element " + std::to_string(at) +
             " of this rank's part); it was saved from a diverged run");
    loaded[i] = std::move(target);
  }

  TrainState state = trainStateFrom(metadata, path);
  params = std::move(loaded);
  return state;
}

} // namespace

TrainState resumeCheckpoint(const std::string &dir, const ProgramSpec &spec,
                            int rank, ParamStore &params) {
  std::string path = dir + "/" + kCheckpointFileName;
  SafetensorsFile file;
  std::string error;
  if (!file.open(path, error))
    refuse(error);
  const std::map<std::string, std::string> &metadata = file.metadata();
  if (metadataValue(metadata, "format") == kCheckpointFormat &&
      metadataValue(metadata, "format_version") ==
          std::to_string(kShardedCheckpointVersion))
    return resumeSharded(dir, file, spec, rank, params);
  // A single file (or something loadCheckpoint refuses with its reason):
  // the whole model, of which this rank keeps its part.
  ParamStore whole;
  TrainState state = loadCheckpoint(dir, wholeModelSpec(spec), whole);
  if (hasShardedParams(spec))
    whole = takeRankBlocks(spec, std::move(whole), rank);
  params = std::move(whole);
  return state;
}

} // namespace starch::rt
