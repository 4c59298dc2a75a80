//===- DataContract.cpp - What a dataset must hold for a program ----------===//
#include "runtime/data/DataContract.h"

#include <algorithm>
#include <stdexcept>

namespace starch::rt {

bool EncoderInputContract::operator==(const EncoderInputContract &other) const {
  return encoder == other.encoder && modality == other.modality &&
         input == other.input && dtype == other.dtype &&
         shape == other.shape && slots == other.slots &&
         placeholderToken == other.placeholderToken &&
         tokensPerInput == other.tokensPerInput;
}

namespace {

std::string differs(const std::string &field, const std::string &dataset,
                    const std::string &program) {
  return field + ": the dataset has " + dataset + ", the program takes " +
         program;
}

std::string describe(const EncoderInputContract &input) {
  return "'" + input.input + "' (" + dtypeName(input.dtype) + " [" +
         shapeString(input.shape) + "], " + std::to_string(input.slots) +
         " per sequence, " + std::to_string(input.tokensPerInput) +
         " placeholder tokens " + std::to_string(input.placeholderToken) +
         " each)";
}

} // namespace

std::string DataContract::mismatch(const DataContract &program) const {
  if (sequenceLength != program.sequenceLength)
    return differs("sequence_length", std::to_string(sequenceLength),
                   std::to_string(program.sequenceLength));
  if (vocabSize != program.vocabSize)
    return differs("vocab_size", std::to_string(vocabSize),
                   std::to_string(program.vocabSize));
  if (inputs.size() != program.inputs.size())
    return differs("inputs", std::to_string(inputs.size()) + " encoder inputs",
                   std::to_string(program.inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!(inputs[i] == program.inputs[i]))
      return differs("inputs[" + std::to_string(i) + "]", describe(inputs[i]),
                     describe(program.inputs[i]));
  return "";
}

int64_t DataContract::usedSlots(const EncoderInputContract &input,
                                const int64_t *tokens,
                                const std::string &where) const {
  int64_t count =
      std::count(tokens, tokens + sequenceLength, input.placeholderToken);
  if (count % input.tokensPerInput != 0 ||
      count > input.slots * input.tokensPerInput)
    throw std::runtime_error(
        where + " holds " + std::to_string(count) + " placeholder tokens " +
        std::to_string(input.placeholderToken) + " of encoder '" +
        input.encoder + "'; each " + (input.modality.empty() ? "input" :
                                      input.modality) +
        " fills " + std::to_string(input.tokensPerInput) + " and a sequence " +
        "holds at most " + std::to_string(input.slots) + ", so the count must " +
        "be one of 0, " + std::to_string(input.tokensPerInput) +
        (input.slots > 1 ? ", ..., " + std::to_string(input.slots *
                                                      input.tokensPerInput)
                         : ""));
  return count / input.tokensPerInput;
}

} // namespace starch::rt
