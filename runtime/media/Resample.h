//===- Resample.h - PIL-exact resizing of 8-bit RGB images ------*- C++ -*-===//
//
// Reproduces Pillow's `Image.resize` for 8-bit images, bit for bit:
// separable convolution with the filter's support widened by the downscale
// factor (so shrinking averages, i.e. antialiases), weights normalised to sum
// 1 and rounded to 22-bit fixed point, and a round to uint8 after each pass.
// The horizontal pass runs first unless the height shrinks by more than twice
// as many pixels as the width (Pillow 13's order; earlier Pillow always went
// horizontal first). Nearest takes the pixel under each output pixel's
// centre. docs/media.md gives the formulas.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_RESAMPLE_H
#define STARCH_RUNTIME_MEDIA_RESAMPLE_H

#include "runtime/media/ImageFile.h"

#include <optional>
#include <string>

namespace starch::media {

/// PIL's resampling filters; the values are PIL's (and transformers'
/// PILImageResampling) numbers.
enum class Resample {
  Nearest = 0,
  Lanczos = 1,
  Bilinear = 2,
  Bicubic = 3,
  Box = 4,
  Hamming = 5,
};

const char *resampleName(Resample filter);
/// "bicubic" -> Bicubic, ...; none for an unknown name.
std::optional<Resample> resampleFromName(const std::string &name);

/// `image` resized to `height` x `width` (both >= 1) as PIL resizes it. The
/// same size returns a copy.
RgbImage resizeImage(const RgbImage &image, int64_t height, int64_t width,
                     Resample filter);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_RESAMPLE_H
