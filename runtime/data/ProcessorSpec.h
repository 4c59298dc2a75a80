//===- ProcessorSpec.h - How an encoder's files become its input -*- C++ -*-===//
//
// model.json's `processor` of an encoder: which Hugging Face processor the
// encoder was trained behind, with optional overrides. Sizes left at 0 come
// from the encoder's input shape (Preprocessor.h). A plain struct, so that
// the compiler's model.json parser can hold it without the media decoders.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_DATA_PROCESSORSPEC_H
#define STARCH_RUNTIME_DATA_PROCESSORSPEC_H

#include <cstdint>
#include <string>
#include <vector>

namespace starch::rt {

struct ProcessorSpec {
  enum class Kind { none, clip, siglip, whisper };
  Kind kind = Kind::none;
  /// Images: clip resizes the shorter side to `shortestEdge` and crops
  /// `cropSize`; siglip resizes to `size`. Empty / 0: the input's size.
  int64_t shortestEdge = 0;
  std::vector<int64_t> size, cropSize;
  /// PIL resampling filter name ("bicubic", ...); empty: the preset's.
  std::string resample;
  /// Per-channel normalisation; empty: the preset's.
  std::vector<double> mean, std;
  /// Audio (whisper); mel bins and frames come from the input shape.
  int64_t samplingRate = 16000, nFft = 400, hopLength = 160;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_DATA_PROCESSORSPEC_H
