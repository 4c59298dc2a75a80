//===- DataSource.cpp - Token batches for the step loop -------------------===//
#include "runtime/train/DataSource.h"

#include "runtime/io/Npy.h"
#include "runtime/kernels/Elementwise.h"
#include "runtime/train/WeightLoading.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace starch::rt {

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

DataContract dataContract(const ProgramSpec &spec) {
  DataContract contract;
  contract.sequenceLength = spec.sequenceLength;
  contract.vocabSize = spec.vocabSize;
  for (const ModalitySpec &m : spec.modalities) {
    const InputSpec &input = spec.inputs.at(m.input);
    contract.inputs.push_back(
        {m.encoder, m.modality, input.name, input.dtype,
         Shape(input.shape.begin() + 1, input.shape.end()), m.inputsPerSequence,
         m.placeholderToken, m.tokensPerInput});
  }
  return contract;
}

DataSource::DataSource(const ProgramSpec &spec)
    : spec_(&spec), contract_(dataContract(spec)) {
  if (contract_.inputs.size() != spec.inputs.size())
    throw std::logic_error("every encoder input needs its modality");
}

DataSource DataSource::synthetic(const ProgramSpec &spec, uint64_t seed) {
  int64_t placeholders = 0;
  for (const ModalitySpec &m : spec.modalities)
    placeholders += m.inputsPerSequence * m.tokensPerInput;
  if (spec.sequenceLength - placeholders < 1)
    throw std::runtime_error(
        "synthetic data: a sequence of " + std::to_string(spec.sequenceLength) +
        " tokens cannot hold " + std::to_string(placeholders) +
        " placeholder tokens and some text");
  DataSource source(spec);
  source.rng_.setState(seed);
  source.description_ = "synthetic (seed " + std::to_string(seed) + ")";
  source.identity_ = "synthetic";
  return source;
}

namespace {

/// Reads an i64/i32 [N, S] .npy as i64, checking what the step needs.
Tensor readSequences(const std::string &path, const char *flag,
                     const ProgramSpec &spec, bool allowIgnore) {
  Tensor raw;
  std::string error;
  if (!readNpy(path, raw, error))
    throw std::runtime_error(std::string(flag) + ": " + error);
  std::string where = std::string(flag) + " '" + path + "'";
  if (raw.dtype() != DType::i64 && raw.dtype() != DType::i32)
    throw std::runtime_error(where + " is " +
                             describeTensorType(raw.dtype(), raw.shape()) +
                             "; expected i64 or i32 [N, " +
                             std::to_string(spec.sequenceLength) + "]");
  if (raw.rank() != 2 || raw.shape()[1] != spec.sequenceLength ||
      raw.shape()[0] < 1)
    throw std::runtime_error(
        where + " has shape [" + shapeString(raw.shape()) + "]; expected [N, " +
        std::to_string(spec.sequenceLength) +
        "] with N >= 1 (the program's sequence length is " +
        std::to_string(spec.sequenceLength) + ")");
  Tensor out = Tensor::uninitialized(DType::i64, raw.shape());
  int64_t *values = out.data<int64_t>();
  for (int64_t i = 0, n = raw.numElements(); i < n; ++i) {
    int64_t v = raw.dtype() == DType::i64 ? raw.data<int64_t>()[i]
                                          : raw.data<int32_t>()[i];
    // An out-of-range id would index past the embedding table.
    if ((v < 0 || v >= spec.vocabSize) && !(allowIgnore && v == -100))
      throw std::runtime_error(
          where + " holds " + std::to_string(v) + " at sequence " +
          std::to_string(i / spec.sequenceLength) + ", position " +
          std::to_string(i % spec.sequenceLength) + "; ids must lie in [0, " +
          std::to_string(spec.vocabSize) + ")" +
          (allowIgnore ? " or be -100" : ""));
    values[i] = v;
  }
  return out;
}


Tensor readInput(const InputSpec &input, const std::string &path,
                 int64_t rows) {
  Tensor data;
  std::string error;
  if (!readNpy(path, data, error))
    throw std::runtime_error("--input " + input.name + ": " + error);
  Shape expected = input.shape;
  expected[0] = rows;
  if (data.dtype() != input.dtype || data.shape() != expected)
    throw std::runtime_error(
        "--input " + input.name + "='" + path + "' is " +
        describeTensorType(data.dtype(), data.shape()) + "; expected " +
        describeTensorType(input.dtype, expected) +
        " (the inputs of every sequence of --data, in order)");
  return data;
}

} // namespace

DataSource DataSource::fromFiles(
    const ProgramSpec &spec, const std::string &dataPath,
    const std::string &labelsPath,
    const std::map<std::string, std::string> &inputFiles) {
  DataSource source(spec);
  source.kind_ = Kind::files;
  source.tokens_ = readSequences(dataPath, "--data", spec, false);
  source.numSequences_ = source.tokens_.shape()[0];
  if (labelsPath.empty()) {
    source.labels_ = source.tokens_;
  } else {
    source.labels_ = readSequences(labelsPath, "--labels", spec, true);
    if (source.labels_.shape() != source.tokens_.shape())
      throw std::runtime_error("--labels '" + labelsPath + "' has shape [" +
                               shapeString(source.labels_.shape()) +
                               "] but --data '" + dataPath + "' has [" +
                               shapeString(source.tokens_.shape()) + "]");
  }
  for (int64_t row = 0; row < source.numSequences_; ++row)
    for (const EncoderInputContract &input : source.contract_.inputs)
      source.contract_.usedSlots(
          input, source.tokens_.data<int64_t>() + row * spec.sequenceLength,
          "--data '" + dataPath + "': sequence " + std::to_string(row));
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const InputSpec &input = spec.inputs[i];
    auto it = inputFiles.find(input.name);
    if (it == inputFiles.end())
      throw std::runtime_error("--data needs --input " + input.name +
                               "=FILE.npy too");
    int64_t perSequence = input.shape[0] / spec.batchSize;
    source.inputs_.push_back(
        readInput(input, it->second, source.numSequences_ * perSequence));
  }
  source.description_ =
      dataPath + " (" + std::to_string(source.numSequences_) + " sequences" +
      (labelsPath.empty() ? "" : ", labels " + labelsPath) + ")";
  source.identity_ = dataPath;
  return source;
}

void DataSource::fillSynthetic(int64_t *tokens, int64_t *labels) {
  // Documented in docs/train-binary.md so a reference can regenerate it.
  const ProgramSpec &spec = *spec_;
  // Text avoids the placeholder ids: ids are drawn from the others, in order.
  std::vector<int64_t> textIds;
  for (int64_t id = 0; id < spec.vocabSize; ++id)
    if (std::none_of(spec.modalities.begin(), spec.modalities.end(),
                     [&](const ModalitySpec &m) {
                       return m.placeholderToken == id;
                     }))
      textIds.push_back(id);
  int64_t vocab = static_cast<int64_t>(textIds.size());
  int64_t start = static_cast<int64_t>(rng_.next() % uint64_t(vocab));
  int64_t stride = 1 + static_cast<int64_t>(rng_.next() % 7);
  // Placeholder blocks (one per encoder input, modality order) go in at
  // random text positions 1..text, in order.
  struct Block {
    int64_t at, token, length;
  };
  std::vector<Block> blocks;
  int64_t text = spec.sequenceLength;
  for (const ModalitySpec &m : spec.modalities)
    for (int64_t i = 0; i < m.inputsPerSequence; ++i) {
      blocks.push_back({0, m.placeholderToken, m.tokensPerInput});
      text -= m.tokensPerInput;
    }
  for (Block &block : blocks)
    block.at = 1 + static_cast<int64_t>(rng_.next() % uint64_t(text));
  std::stable_sort(blocks.begin(), blocks.end(),
                   [](const Block &a, const Block &b) { return a.at < b.at; });
  int64_t j = 0, t = 0;
  auto next = blocks.begin();
  while (j < spec.sequenceLength) {
    if (next != blocks.end() && next->at == t) {
      for (int64_t k = 0; k < next->length; ++k, ++j)
        tokens[j] = labels[j] = next->token;
      ++next;
      continue;
    }
    tokens[j] = labels[j] = textIds[(start + t * stride) % vocab];
    ++j;
    ++t;
  }
}

void DataSource::fillNoise(Tensor &input, int64_t offset, int64_t count) {
  auto uniform = [&] {
    return (static_cast<double>(rng_.next() >> 11) + 0.5) * 0x1p-53;
  };
  Tensor values(DType::f64, {count});
  for (int64_t i = 0; i < count; i += 2) {
    double radius = std::sqrt(-2 * std::log(uniform()));
    double angle = 2 * M_PI * uniform();
    values.data<double>()[i] = radius * std::cos(angle);
    if (i + 1 < count)
      values.data<double>()[i + 1] = radius * std::sin(angle);
  }
  // Rounded to the input's element type (f32, f16, bf16, ...) by the
  // runtime's own conversion.
  Tensor window = Tensor::view(
      input.dtype(), {count},
      input.bytes() + offset * static_cast<int64_t>(dtypeSize(input.dtype())));
  if (Status status = convert(values, window); !status)
    throw std::runtime_error("synthetic data: " + status.message());
}

DataSource DataSource::fromDataset(const ProgramSpec &spec,
                                   const std::string &path) {
  DataSource source(spec);
  source.kind_ = Kind::dataset;
  auto reader = std::make_shared<const DatasetReader>(path);
  std::string mismatch = reader->info().contract.mismatch(source.contract_);
  if (!mismatch.empty())
    throw std::runtime_error(
        "--data '" + path + "' was packed for other shapes: " + mismatch +
        " (pack the manifest again with starch-data and this model.json)");
  source.numSequences_ = reader->info().sequences;
  source.description_ = reader->dir() + " (" +
                        std::to_string(source.numSequences_) + " sequences" +
                        (reader->info().manifest.empty()
                             ? ""
                             : ", from " + reader->info().manifest) +
                        ")";
  source.identity_ = reader->dir();
  source.dataset_ = std::move(reader);
  return source;
}

void DataSource::readSequence(int64_t row,
                              const SequenceBuffers &sequence) const {
  const ProgramSpec &spec = *spec_;
  int64_t length = spec.sequenceLength;
  if (kind_ == Kind::dataset) {
    dataset_->read(row, sequence);
    // Packed by starch-data, but a file is input: ids index the embedding.
    std::string where = "--data '" + dataset_->dir() + "': sequence " +
                        std::to_string(row);
    for (int64_t j = 0; j < length; ++j) {
      int64_t token = sequence.tokens[j], label = sequence.labels[j];
      if (token < 0 || token >= spec.vocabSize ||
          ((label < 0 || label >= spec.vocabSize) && label != -100))
        throw std::runtime_error(where + " holds an id outside [0, " +
                                 std::to_string(spec.vocabSize) +
                                 ") at position " + std::to_string(j));
    }
    return;
  }
  std::memcpy(sequence.tokens, tokens_.data<int64_t>() + row * length,
              length * sizeof(int64_t));
  std::memcpy(sequence.labels, labels_.data<int64_t>() + row * length,
              length * sizeof(int64_t));
  for (size_t k = 0; k < contract_.inputs.size(); ++k) {
    size_t bytes = contract_.inputs[k].slots * slotBytes(contract_.inputs[k]);
    std::memcpy(sequence.inputs[k], inputs_[k].bytes() + row * bytes, bytes);
  }
}

namespace {

/// Zero-filled step tensors of `spec`'s shapes.
StepInputs emptyBatch(const ProgramSpec &spec) {
  StepInputs batch;
  Shape shape{spec.microBatches, spec.batchSize, spec.sequenceLength};
  batch.tokens = Tensor::uninitialized(DType::i64, shape);
  batch.labels = Tensor::uninitialized(DType::i64, shape);
  for (const InputSpec &input : spec.inputs) {
    Shape stacked{spec.microBatches};
    stacked.insert(stacked.end(), input.shape.begin(), input.shape.end());
    batch.inputs.emplace_back(input.dtype, stacked); // zeros
  }
  return batch;
}

/// Copies the used slots of one sequence (staged in `slots`) to the next
/// free rows of its micro-batch's inputs.
void placeSlots(const DataContract &contract, const ProgramSpec &spec,
                int64_t sequence, const int64_t *tokens,
                const std::vector<Tensor> &slots, std::vector<int64_t> &nextRow,
                StepInputs &batch, const std::string &where) {
  int64_t microBatch = sequence / spec.batchSize;
  for (size_t k = 0; k < contract.inputs.size(); ++k) {
    const EncoderInputContract &input = contract.inputs[k];
    int64_t used = contract.usedSlots(input, tokens, where);
    size_t bytes = slotBytes(input);
    uint8_t *base = batch.inputs[k].bytes() +
                    (microBatch * spec.batchSize * input.slots + nextRow[k]) *
                        bytes;
    std::memcpy(base, slots[k].bytes(), used * bytes);
    nextRow[k] += used;
  }
}

} // namespace

StepInputs DataSource::assemble(int64_t position) {
  const ProgramSpec &spec = *spec_;
  StepInputs batch = emptyBatch(spec);
  std::vector<Tensor> slots;
  for (const EncoderInputContract &input : contract_.inputs)
    slots.push_back(Tensor::uninitialized(
        input.dtype, {input.slots * numElements(input.shape)}));
  std::vector<int64_t> nextRow(contract_.inputs.size(), 0);
  int64_t length = spec.sequenceLength;
  for (int64_t i = 0, count = spec.microBatches * spec.batchSize; i < count;
       ++i) {
    if (i % spec.batchSize == 0)
      std::fill(nextRow.begin(), nextRow.end(), 0);
    int64_t row = (position + i) % numSequences_;
    SequenceBuffers sequence{batch.tokens.data<int64_t>() + i * length,
                             batch.labels.data<int64_t>() + i * length,
                             {}};
    for (Tensor &slot : slots)
      sequence.inputs.push_back(slot.bytes());
    readSequence(row, sequence);
    placeSlots(contract_, spec, i, sequence.tokens, slots, nextRow, batch,
               identity_ + ": sequence " + std::to_string(row));
  }
  return batch;
}

void DataSource::setReplica(int64_t index, int64_t count) {
  if (count < 1 || index < 0 || index >= count)
    throw std::logic_error("bad data-parallel replica");
  replica_ = index;
  replicas_ = count;
}

void DataSource::nextBatch(StepInputs &batch) {
  const ProgramSpec &spec = *spec_;
  // This replica's sequences of the step: the step covers every replica's.
  int64_t count = spec.microBatches * spec.batchSize;
  int64_t skip = replica_ * count;
  if (kind_ != Kind::synthetic) {
    if (pending_.valid() && pendingPosition_ == position_) {
      batch = pending_.get();
    } else {
      if (pending_.valid())
        pending_.wait();
      batch = assemble(position_ + skip);
    }
    position_ += replicas_ * count;
    // The next step's sequences, read while this step computes.
    if (kind_ == Kind::dataset) {
      pendingPosition_ = position_;
      pending_ = std::async(std::launch::async, [this, at = position_ + skip] {
        return assemble(at);
      });
    }
    return;
  }
  batch = emptyBatch(spec);
  std::vector<Tensor> slots;
  for (const EncoderInputContract &input : contract_.inputs)
    slots.push_back(Tensor::uninitialized(
        input.dtype, {input.slots * numElements(input.shape)}));
  std::vector<int64_t> nextRow(contract_.inputs.size(), 0);
  int64_t length = spec.sequenceLength;
  // The generator makes every replica's sequences in order (the same as one
  // process would), and this replica keeps its own.
  std::vector<int64_t> scratch(2 * length);
  for (int64_t g = 0; g < replicas_ * count; ++g, ++position_) {
    bool mine = g >= skip && g < skip + count;
    int64_t i = g - skip;
    if (mine && i % spec.batchSize == 0)
      std::fill(nextRow.begin(), nextRow.end(), 0);
    int64_t *tokenRow = mine ? batch.tokens.data<int64_t>() + i * length
                             : scratch.data();
    int64_t *labelRow = mine ? batch.labels.data<int64_t>() + i * length
                             : scratch.data() + length;
    fillSynthetic(tokenRow, labelRow);
    for (Tensor &slot : slots)
      fillNoise(slot, 0, slot.numElements());
    if (mine)
      placeSlots(contract_, spec, i, tokenRow, slots, nextRow, batch,
                 "synthetic data");
  }
}

void DataSource::restore(int64_t position, uint64_t generatorState) {
  if (pending_.valid())
    pending_.wait();
  pending_ = {};
  pendingPosition_ = -1;
  position_ = position;
  rng_.setState(generatorState);
}

} // namespace starch::rt
