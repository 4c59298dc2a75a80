//===- DataSource.h - Token batches for the step loop -----------*- C++ -*-===//
//
// Hands out sequences in the order docs/training.md fixes: step t takes
// sequences [(t-1)*M*B, t*M*B), wrapping at the end of a data file. Its
// whole state is (position, generator state), which checkpoints save so a
// resumed run sees exactly the sequences an uninterrupted one would.
// Encoder inputs: each sequence has a fixed number of input slots per
// encoder and uses as many as its placeholders need; within a micro-batch
// the used slots are packed to the front, in sequence order, which is the
// order the compiled program's masked scatter reads them in.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_TRAIN_DATASOURCE_H
#define STARCH_RUNTIME_TRAIN_DATASOURCE_H

#include "runtime/data/Dataset.h"
#include "runtime/train/Program.h"

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace starch::rt {

/// SplitMix64: a one-word generator whose state is trivially saved, and whose
/// output is the same on every platform (unlike std:: distributions).
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t state = 0) : state_(state) {}
  uint64_t next();
  uint64_t state() const { return state_; }
  void setState(uint64_t state) { state_ = state; }

private:
  uint64_t state_;
};

class DataSource {
public:
  /// Synthetic arithmetic progressions modulo the vocabulary, seeded by
  /// `seed` (labels = tokens); with encoders, each sequence also holds its
  /// placeholder blocks and the encoder inputs are standard normal noise
  /// (docs/train-binary.md).
  static DataSource synthetic(const ProgramSpec &spec, uint64_t seed);
  /// Sequences of an i64 or i32 .npy [N, S]; labels from `labelsPath` (same
  /// shape, -100 allowed) or the tokens when empty; each encoder input from
  /// `inputFiles` (by ProgramSpec::inputs name), [N * inputs per sequence,
  /// ...]. Throws std::runtime_error naming the file on any mismatch,
  /// including a sequence whose placeholder count is not the encoder's.
  static DataSource fromFiles(const ProgramSpec &spec,
                              const std::string &dataPath,
                              const std::string &labelsPath,
                              const std::map<std::string, std::string>
                                  &inputFiles = {});
  /// A dataset folder packed by starch-data (Dataset.h) whose contract must
  /// be the program's; the next step's sequences are read in the background
  /// while a step runs.
  static DataSource fromDataset(const ProgramSpec &spec,
                                const std::string &path);

  /// The next step's tokens and labels (i64 [M, B, S]) and encoder inputs.
  void nextBatch(StepInputs &batch);
  /// Makes this source replica `index` of `count` data-parallel replicas:
  /// a step then covers count x M x B sequences, of which replica r takes
  /// [r x M x B, (r + 1) x M x B) (its M micro-batches), exactly the
  /// sequences one process accumulating count x M micro-batches would
  /// give micro-batches r x M .. (r + 1) x M - 1. Position and generator
  /// state stay those of the whole step.
  void setReplica(int64_t index, int64_t count);

  /// Sequences handed out so far (not wrapped).
  int64_t position() const { return position_; }
  uint64_t generatorState() const { return rng_.state(); }
  /// Continues from a saved position and generator state.
  void restore(int64_t position, uint64_t generatorState);
  /// "synthetic (seed 0)" or "FILE (N sequences)", for the progress header.
  const std::string &description() const { return description_; }
  /// "synthetic" or the data file's path, saved in checkpoints.
  const std::string &identity() const { return identity_; }

private:
  enum class Kind { synthetic, files, dataset };
  DataSource(const ProgramSpec &spec);
  void fillSynthetic(int64_t *tokens, int64_t *labels);
  /// Standard normal values (Box-Muller over the generator).
  void fillNoise(Tensor &input, int64_t offset, int64_t count);
  /// Sequence `row` of the file data or dataset into `sequence`.
  void readSequence(int64_t row, const SequenceBuffers &sequence) const;
  /// The batch of the sequences from `position` on (files and datasets).
  StepInputs assemble(int64_t position);

  const ProgramSpec *spec_;
  DataContract contract_;
  Kind kind_ = Kind::synthetic;
  /// File data as i64 [N, S].
  Tensor tokens_, labels_;
  /// File data per encoder input, [N * inputs per sequence, ...].
  std::vector<Tensor> inputs_;
  std::shared_ptr<const DatasetReader> dataset_;
  /// The batch being read in the background and its position.
  std::future<StepInputs> pending_;
  int64_t pendingPosition_ = -1;
  int64_t numSequences_ = 0;
  int64_t position_ = 0;
  int64_t replica_ = 0, replicas_ = 1;
  SplitMix64 rng_;
  std::string description_, identity_;
};

/// The data a program takes, for checking datasets against it.
DataContract dataContract(const ProgramSpec &spec);

} // namespace starch::rt

#endif // STARCH_RUNTIME_TRAIN_DATASOURCE_H
