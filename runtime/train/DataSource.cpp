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


/// Every sequence must hold each encoder's placeholder count exactly: the
/// compiled program writes that many feature vectors.
void checkPlaceholders(const ProgramSpec &spec, const Tensor &tokens,
                       const std::string &path) {
  int64_t length = spec.sequenceLength;
  for (const ModalitySpec &modality : spec.modalities) {
    int64_t expected = modality.inputsPerSequence * modality.tokensPerInput;
    for (int64_t row = 0; row < tokens.shape()[0]; ++row) {
      const int64_t *ids = tokens.data<int64_t>() + row * length;
      int64_t count = std::count(ids, ids + length, modality.placeholderToken);
      if (count != expected)
        throw std::runtime_error(
            "--data '" + path + "': sequence " + std::to_string(row) +
            " holds " + std::to_string(count) + " placeholder tokens " +
            std::to_string(modality.placeholderToken) + " of encoder '" +
            modality.encoder + "'; expected " + std::to_string(expected) +
            " (" + std::to_string(modality.inputsPerSequence) + " x " +
            std::to_string(modality.tokensPerInput) + " features)");
    }
  }
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
  source.synthetic_ = false;
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
  checkPlaceholders(spec, source.tokens_, dataPath);
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

void DataSource::nextBatch(StepInputs &batch) {
  const ProgramSpec &spec = *spec_;
  Shape shape{spec.microBatches, spec.batchSize, spec.sequenceLength};
  batch.tokens = Tensor::uninitialized(DType::i64, shape);
  batch.labels = Tensor::uninitialized(DType::i64, shape);
  batch.inputs.clear();
  std::vector<int64_t> rowSize, perSequence;
  for (const InputSpec &input : spec.inputs) {
    Shape stacked{spec.microBatches};
    stacked.insert(stacked.end(), input.shape.begin(), input.shape.end());
    batch.inputs.emplace_back(input.dtype, stacked); // zeros
    perSequence.push_back(input.shape[0] / spec.batchSize);
    rowSize.push_back(numElements(input.shape) / input.shape[0]);
  }
  int64_t count = spec.microBatches * spec.batchSize;
  int64_t length = spec.sequenceLength;
  for (int64_t i = 0; i < count; ++i, ++position_) {
    int64_t *tokenRow = batch.tokens.data<int64_t>() + i * length;
    int64_t *labelRow = batch.labels.data<int64_t>() + i * length;
    if (synthetic_) {
      fillSynthetic(tokenRow, labelRow);
      for (size_t k = 0; k < spec.inputs.size(); ++k)
        fillNoise(batch.inputs[k], i * perSequence[k] * rowSize[k],
                  perSequence[k] * rowSize[k]);
      continue;
    }
    int64_t row = position_ % numSequences_;
    std::memcpy(tokenRow, tokens_.data<int64_t>() + row * length,
                length * sizeof(int64_t));
    std::memcpy(labelRow, labels_.data<int64_t>() + row * length,
                length * sizeof(int64_t));
    for (size_t k = 0; k < spec.inputs.size(); ++k) {
      size_t bytes = perSequence[k] * rowSize[k] * dtypeSize(inputs_[k].dtype());
      std::memcpy(static_cast<uint8_t *>(batch.inputs[k].bytes()) + i * bytes,
                  static_cast<const uint8_t *>(inputs_[k].bytes()) + row * bytes,
                  bytes);
    }
  }
}

void DataSource::restore(int64_t position, uint64_t generatorState) {
  position_ = position;
  rng_.setState(generatorState);
}

} // namespace starch::rt
