//===- ImageFile.h - PNG and JPEG files to 8-bit RGB ------------*- C++ -*-===//
//
// Decodes PNG with stb_image (Debian's libstb) and JPEG with libjpeg-turbo
// (as Pillow does) after checking the file's structure, and converts every
// mode (gray, gray+alpha, palette, RGB, RGBA) to 8-bit RGB as PIL does.
// Errors: MediaError.h.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_IMAGEFILE_H
#define STARCH_RUNTIME_MEDIA_IMAGEFILE_H

#include <cstdint>
#include <string>
#include <vector>

namespace starch::media {

/// An 8-bit RGB image, rows top to bottom, pixels interleaved (HWC).
struct RgbImage {
  int64_t height = 0;
  int64_t width = 0;
  std::vector<uint8_t> pixels;

  RgbImage() = default;
  RgbImage(int64_t height, int64_t width)
      : height(height), width(width), pixels(height * width * 3, 0) {}
  uint8_t &at(int64_t y, int64_t x, int channel) {
    return pixels[(y * width + x) * 3 + channel];
  }
  uint8_t at(int64_t y, int64_t x, int channel) const {
    return pixels[(y * width + x) * 3 + channel];
  }
};

/// What happens to transparency (an alpha channel, a palette's or a colour
/// key's) on the way to RGB. Both modes are paths through transformers' image
/// processors, which composite onto white whatever transparency the PIL
/// image they are handed still has.
enum class AlphaMode {
  /// The image went through PIL's `convert("RGB")` first, as transformers'
  /// `load_image` and most training pipelines do: alpha channels are
  /// dropped. A PNG colour key (a tRNS chunk naming one grey value, one RGB
  /// colour, or one fully transparent palette entry) survives that
  /// conversion in PIL, so pixels of that colour still become white.
  ConvertRgb,
  /// The processor got the image as opened: every pixel is composited onto
  /// opaque white with its alpha (PIL's `alpha_composite`).
  CompositeOnWhite,
};

enum class ImageFormat { Png, Jpeg };

/// The format named by the first bytes of `bytes`; throws (naming `label`)
/// for anything but PNG and JPEG.
ImageFormat sniffImageFormat(const std::string &bytes,
                             const std::string &label);

/// Reads and decodes the PNG or JPEG file at `path`. With
/// `exifOrientation`, the image is turned upright by its EXIF orientation
/// tag first, as transformers' `load_image` does (ExifOrientation.h).
RgbImage decodeImage(const std::string &path,
                     AlphaMode alpha = AlphaMode::ConvertRgb,
                     bool exifOrientation = false);

/// Decodes an in-memory PNG or JPEG file; `label` names it in errors.
RgbImage decodeImageBytes(const std::string &bytes, const std::string &label,
                          AlphaMode alpha = AlphaMode::ConvertRgb,
                          bool exifOrientation = false);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_IMAGEFILE_H
