//===- Preprocessor.cpp - An encoder's files -> its input tensor ----------===//
#include "runtime/data/Preprocessor.h"

#include "runtime/kernels/Elementwise.h"

#include <sstream>
#include <stdexcept>

namespace starch::rt {

namespace {

struct SpecError {
  std::string message;
};

[[noreturn]] void fail(const std::string &what) { throw SpecError{what}; }

std::string shapeText(const Shape &shape) {
  return "[" + shapeString(shape) + "]";
}

InputPreprocessor imagePreprocessor(const ProcessorSpec &processor,
                                        const EncoderInputContract &input) {
  if (input.shape.size() != 3 || input.shape[0] != 3)
    fail("an image processor makes [3, H, W], but the encoder takes " +
         shapeText(input.shape));
  int64_t height = input.shape[1], width = input.shape[2];
  InputPreprocessor result;
  result.kind = InputPreprocessor::Kind::image;
  media::ImageProcessorConfig &image = result.image;
  std::ostringstream text;
  if (processor.kind == ProcessorSpec::Kind::clip) {
    image = media::ImageProcessorConfig::clip();
    image.shortestEdge = processor.shortestEdge > 0
                             ? processor.shortestEdge
                             : std::min(height, width);
    image.cropSize = processor.cropSize.empty()
                         ? media::ImageSize{height, width}
                         : media::ImageSize{processor.cropSize[0],
                                            processor.cropSize[1]};
    if (!processor.size.empty())
      fail("size: clip resizes by shortest_edge; use shortest_edge");
    text << "clip: shortest edge " << image.shortestEdge << ", center crop "
         << image.cropSize.height << "x" << image.cropSize.width;
  } else {
    image = media::ImageProcessorConfig::siglip(height, width);
    if (!processor.size.empty())
      image.size = {processor.size[0], processor.size[1]};
    if (processor.shortestEdge > 0 || !processor.cropSize.empty())
      fail("siglip resizes to size without cropping; shortest_edge and "
           "crop_size do not apply");
    text << "siglip: resize to " << image.size.height << "x"
         << image.size.width;
  }
  if (!processor.resample.empty()) {
    std::optional<media::Resample> filter =
        media::resampleFromName(processor.resample);
    if (!filter)
      fail("resample: '" + processor.resample +
           "' is not a PIL filter (nearest, lanczos, bilinear, bicubic, box, "
           "hamming)");
    image.resample = *filter;
  }
  if (!processor.mean.empty())
    image.mean = {processor.mean[0], processor.mean[1], processor.mean[2]};
  if (!processor.std.empty())
    image.std = {processor.std[0], processor.std[1], processor.std[2]};
  try {
    image.validate();
  } catch (const std::exception &e) {
    fail(e.what());
  }
  // The output size is fixed by the crop or the target size.
  media::ImageSize out = image.outputSize({height, width});
  if (out.height != height || out.width != width)
    fail("makes " + std::to_string(out.height) + "x" +
         std::to_string(out.width) + " images, but the encoder takes " +
         shapeText(input.shape));
  text << ", " << media::resampleName(image.resample)
       << ", rescale 1/255, normalize mean (" << image.mean[0] << ", "
       << image.mean[1] << ", " << image.mean[2] << ") std (" << image.std[0]
       << ", " << image.std[1] << ", " << image.std[2] << ")";
  result.description = text.str();
  return result;
}

InputPreprocessor audioPreprocessor(const ProcessorSpec &processor,
                                        const EncoderInputContract &input) {
  if (input.shape.size() != 2)
    fail("whisper makes [mel bins, frames], but the encoder takes " +
         shapeText(input.shape));
  InputPreprocessor result;
  result.kind = InputPreprocessor::Kind::audio;
  media::LogMelConfig &audio = result.audio;
  audio = media::LogMelConfig::whisper(input.shape[0],
                                       input.shape[1] * processor.hopLength);
  audio.sampleRate = processor.samplingRate;
  audio.nFft = processor.nFft;
  audio.hopLength = processor.hopLength;
  try {
    audio.validate();
  } catch (const std::exception &e) {
    fail(e.what());
  }
  std::ostringstream text;
  text << "whisper: " << audio.melBins << " mel bins, " << audio.nSamples
       << " samples at " << audio.sampleRate << " Hz (" << audio.frameCount()
       << " frames), n_fft " << audio.nFft << ", hop " << audio.hopLength;
  result.description = text.str();
  return result;
}

} // namespace

Tensor InputPreprocessor::operator()(const std::string &file,
                                     const EncoderInputContract &input) const {
  Tensor features = kind == Kind::image
                        ? media::preprocessImageFile(file, image)
                        : media::logMelFromWav(file, audio);
  // makePreprocessor checked the output shape; this guards the invariant.
  if (features.shape() != input.shape)
    throw std::runtime_error("'" + file + "': the processor made " +
                             shapeText(features.shape()) + ", encoder '" +
                             input.encoder + "' takes " +
                             shapeText(input.shape));
  if (features.dtype() == input.dtype)
    return features;
  Tensor converted = Tensor::uninitialized(input.dtype, input.shape);
  if (Status status = convert(features, converted); !status)
    throw std::runtime_error("'" + file + "': " + status.message());
  return converted;
}

bool makePreprocessor(const ProcessorSpec &spec,
                      const EncoderInputContract &input,
                      InputPreprocessor &preprocessor, std::string &error) {
  try {
    switch (spec.kind) {
    case ProcessorSpec::Kind::none:
      fail("missing (how to read this encoder's files: \"clip\" or "
           "\"siglip\" for images, \"whisper\" for audio)");
    case ProcessorSpec::Kind::clip:
    case ProcessorSpec::Kind::siglip:
      preprocessor = imagePreprocessor(spec, input);
      return true;
    case ProcessorSpec::Kind::whisper:
      preprocessor = audioPreprocessor(spec, input);
      return true;
    }
    fail("unknown processor kind");
  } catch (const SpecError &e) {
    error = e.message;
  } catch (const std::exception &e) {
    error = e.what();
  }
  return false;
}

} // namespace starch::rt
