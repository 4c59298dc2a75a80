//===- DataSource.cpp - Token batches for the step loop -------------------===//
#include "runtime/train/DataSource.h"

#include "runtime/io/Npy.h"
#include "runtime/train/WeightLoading.h"

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

} // namespace

DataSource DataSource::fromFiles(const ProgramSpec &spec,
                                 const std::string &dataPath,
                                 const std::string &labelsPath) {
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
  source.description_ =
      dataPath + " (" + std::to_string(source.numSequences_) + " sequences" +
      (labelsPath.empty() ? "" : ", labels " + labelsPath) + ")";
  source.identity_ = dataPath;
  return source;
}

void DataSource::fillSynthetic(int64_t *tokens, int64_t *labels) {
  // Documented in docs/train-binary.md so a reference can regenerate it.
  int64_t vocab = spec_->vocabSize;
  int64_t start = static_cast<int64_t>(rng_.next() % uint64_t(vocab));
  int64_t stride = 1 + static_cast<int64_t>(rng_.next() % 7);
  for (int64_t j = 0; j < spec_->sequenceLength; ++j) {
    tokens[j] = (start + j * stride) % vocab;
    labels[j] = tokens[j];
  }
}

void DataSource::nextBatch(Tensor &tokens, Tensor &labels) {
  const ProgramSpec &spec = *spec_;
  Shape shape{spec.microBatches, spec.batchSize, spec.sequenceLength};
  tokens = Tensor::uninitialized(DType::i64, shape);
  labels = Tensor::uninitialized(DType::i64, shape);
  int64_t count = spec.microBatches * spec.batchSize;
  int64_t length = spec.sequenceLength;
  for (int64_t i = 0; i < count; ++i, ++position_) {
    int64_t *tokenRow = tokens.data<int64_t>() + i * length;
    int64_t *labelRow = labels.data<int64_t>() + i * length;
    if (synthetic_) {
      fillSynthetic(tokenRow, labelRow);
      continue;
    }
    int64_t row = position_ % numSequences_;
    std::memcpy(tokenRow, tokens_.data<int64_t>() + row * length,
                length * sizeof(int64_t));
    std::memcpy(labelRow, labels_.data<int64_t>() + row * length,
                length * sizeof(int64_t));
  }
}

void DataSource::restore(int64_t position, uint64_t generatorState) {
  position_ = position;
  rng_.setState(generatorState);
}

} // namespace starch::rt
