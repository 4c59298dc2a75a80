//===- ImageProcessor.h - Images to pixel_values as HF computes -*- C++ -*-===//
//
// The steps of transformers' PIL-backed image processors, in their order:
// resize (shortest edge or fixed size, PIL resampling), center crop, rescale
// by 1/255, normalize with mean/std, as float32 CHW. Presets reproduce
// CLIPImageProcessor and SiglipImageProcessor; docs/media.md lists every
// parameter.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_IMAGEPROCESSOR_H
#define STARCH_RUNTIME_MEDIA_IMAGEPROCESSOR_H

#include "runtime/Tensor.h"
#include "runtime/media/ImageFile.h"
#include "runtime/media/Resample.h"

#include <array>
#include <string>

namespace starch::media {

/// transformers' OPENAI_CLIP_MEAN / OPENAI_CLIP_STD.
constexpr std::array<double, 3> kOpenAiClipMean = {0.48145466, 0.4578275,
                                                   0.40821073};
constexpr std::array<double, 3> kOpenAiClipStd = {0.26862954, 0.26130258,
                                                  0.27577711};
/// transformers' IMAGENET_STANDARD_MEAN / IMAGENET_STANDARD_STD.
constexpr std::array<double, 3> kHalfMean = {0.5, 0.5, 0.5};
constexpr std::array<double, 3> kHalfStd = {0.5, 0.5, 0.5};

struct ImageSize {
  int64_t height = 0;
  int64_t width = 0;
};

struct ImageProcessorConfig {
  bool resize = true;
  /// When > 0, resize so the shorter side becomes this and the longer one
  /// int(shortestEdge * long / short) (transformers' rule); otherwise resize
  /// to `size`.
  int64_t shortestEdge = 0;
  ImageSize size;
  Resample resample = Resample::Bicubic;
  bool centerCrop = false;
  ImageSize cropSize;
  bool rescale = true;
  double rescaleFactor = 1.0 / 255.0;
  bool normalize = true;
  std::array<double, 3> mean = kHalfMean;
  std::array<double, 3> std = kHalfStd;
  AlphaMode alpha = AlphaMode::ConvertRgb;
  /// Turn the image upright by its EXIF orientation first, as transformers'
  /// `load_image` does (`Image.open` alone does not).
  bool exifOrientation = false;

  /// CLIPImageProcessor: shortest edge 224, bicubic, center crop 224x224,
  /// OpenAI CLIP mean/std.
  static ImageProcessorConfig clip(int64_t shortestEdge = 224,
                                   int64_t crop = 224);
  /// SiglipImageProcessor: 224x224, bicubic, no crop, mean = std = 0.5.
  static ImageProcessorConfig siglip(int64_t height = 224, int64_t width = 224);

  /// Throws std::invalid_argument naming the first field that cannot work.
  void validate() const;
  /// The (height, width) of the processor's output for an input size.
  ImageSize outputSize(ImageSize input) const;
};

/// transformers' `get_resize_output_image_size(..., default_to_square=False)`.
ImageSize shortestEdgeSize(ImageSize input, int64_t shortestEdge);

/// transformers' `center_crop`: offsets (in - crop) // 2 (floor), and zero
/// padding centred with ceil((crop - in) / 2) where the image is smaller.
RgbImage centerCropImage(const RgbImage &image, ImageSize crop);

/// Resize and crop: the 8-bit stage before rescale and normalize.
RgbImage prepareImage(const RgbImage &image,
                      const ImageProcessorConfig &config);

/// Rescale and normalize a prepared image into float32 [3, H, W], with
/// numpy's float32 arithmetic (x * factor in double, rounded to float; then
/// (x - mean) / std in float).
rt::Tensor pixelValues(const RgbImage &prepared,
                       const ImageProcessorConfig &config);

/// The whole pipeline on a decoded image, or on a PNG/JPEG file.
rt::Tensor preprocessImage(const RgbImage &image,
                           const ImageProcessorConfig &config);
rt::Tensor preprocessImageFile(const std::string &path,
                               const ImageProcessorConfig &config);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_IMAGEPROCESSOR_H
