//===- DataContract.h - What a dataset must hold for a program --*- C++ -*-===//
//
// The shapes a compiled training program expects of its data: the sequence
// length, the vocabulary, and for every encoder input its element type, the
// shape of one input, how many input slots each sequence has and how many
// placeholder tokens one input fills. `starch-data` derives it from
// model.json (through the compiler, the same facts the program is built
// from) and records it in dataset.json; the training binary derives it from
// its ProgramSpec and refuses a dataset whose contract differs.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_DATA_DATACONTRACT_H
#define STARCH_RUNTIME_DATA_DATACONTRACT_H

#include "runtime/Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace starch::rt {

/// One encoder input of every sequence.
struct EncoderInputContract {
  /// The encoder's module name ("vision"); the manifest's key.
  std::string encoder;
  /// "image", "audio", ...: how starch-data reads the files.
  std::string modality;
  /// The program's input ("vision.pixel_values"); the shard tensor's name.
  std::string input;
  DType dtype = DType::f32;
  /// One input, without the slot dimension ([3, 224, 224]).
  Shape shape;
  /// Input slots per sequence; a sequence may use fewer (its placeholder
  /// count says how many), the rest hold zeros.
  int64_t slots = 1;
  int64_t placeholderToken = 0;
  int64_t tokensPerInput = 1;

  bool operator==(const EncoderInputContract &other) const;
};

struct DataContract {
  int64_t sequenceLength = 0;
  int64_t vocabSize = 0;
  std::vector<EncoderInputContract> inputs;

  /// Empty when `program` can train on data made for this contract, else
  /// one sentence naming the first difference ("sequence_length: the
  /// dataset has 64, the program takes 48").
  std::string mismatch(const DataContract &program) const;
  /// How many of `input`'s slots a sequence uses: its placeholder count
  /// divided by tokensPerInput. Throws std::runtime_error (naming `where`)
  /// when the count is not a multiple or needs more than `slots` inputs.
  int64_t usedSlots(const EncoderInputContract &input, const int64_t *tokens,
                    const std::string &where) const;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_DATA_DATACONTRACT_H
