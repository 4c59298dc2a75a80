//===- Preprocessor.h - An encoder's files -> its input tensor --*- C++ -*-===//
//
// Turns a ProcessorSpec into the runtime/media configuration that
// reproduces it, taking the sizes the spec leaves open from the encoder's
// input shape, and checks that the processor's output is exactly the input
// the encoder takes.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_DATA_PREPROCESSOR_H
#define STARCH_RUNTIME_DATA_PREPROCESSOR_H

#include "runtime/data/DataContract.h"
#include "runtime/data/ProcessorSpec.h"
#include "runtime/media/ImageProcessor.h"
#include "runtime/media/LogMel.h"

#include <string>

namespace starch::rt {

/// How one encoder's files become its input tensor.
struct InputPreprocessor {
  enum class Kind { image, audio };
  Kind kind = Kind::image;
  media::ImageProcessorConfig image;
  media::LogMelConfig audio;
  /// One line for dataset.json and messages ("clip: shortest edge 224, ...").
  std::string description;

  /// Decodes `file` into `input`'s shape and element type; throws
  /// std::runtime_error naming the file.
  Tensor operator()(const std::string &file,
                    const EncoderInputContract &input) const;
};

/// The preprocessor of `spec` for `input`; false with `error` (one sentence,
/// relative to the spec: "makes 36x36 images, but ...") when it cannot
/// produce that input. Does not throw.
bool makePreprocessor(const ProcessorSpec &spec,
                      const EncoderInputContract &input,
                      InputPreprocessor &preprocessor, std::string &error);

} // namespace starch::rt

#endif // STARCH_RUNTIME_DATA_PREPROCESSOR_H
