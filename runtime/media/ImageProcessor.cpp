//===- ImageProcessor.cpp - Images to pixel_values as HF computes ---------===//
#include "runtime/media/ImageProcessor.h"

#include <algorithm>
#include <stdexcept>

namespace starch::media {

ImageProcessorConfig ImageProcessorConfig::clip(int64_t shortestEdge,
                                                int64_t crop) {
  ImageProcessorConfig config;
  config.shortestEdge = shortestEdge;
  config.resample = Resample::Bicubic;
  config.centerCrop = true;
  config.cropSize = {crop, crop};
  config.mean = kOpenAiClipMean;
  config.std = kOpenAiClipStd;
  return config;
}

ImageProcessorConfig ImageProcessorConfig::siglip(int64_t height,
                                                  int64_t width) {
  ImageProcessorConfig config;
  config.size = {height, width};
  config.resample = Resample::Bicubic;
  config.mean = kHalfMean;
  config.std = kHalfStd;
  return config;
}

void ImageProcessorConfig::validate() const {
  auto fail = [](const std::string &what) {
    throw std::invalid_argument("image processor config: " + what);
  };
  if (resize && shortestEdge <= 0 && (size.height <= 0 || size.width <= 0))
    fail("resize needs shortest_edge > 0 or a size with height and width > "
         "0 (got shortest_edge " +
         std::to_string(shortestEdge) + ", size " +
         std::to_string(size.height) + "x" + std::to_string(size.width) + ")");
  if (centerCrop && (cropSize.height <= 0 || cropSize.width <= 0))
    fail("crop_size must be positive (got " + std::to_string(cropSize.height) +
         "x" + std::to_string(cropSize.width) + ")");
  if (normalize)
    for (int c = 0; c < 3; ++c)
      if (!(std[c] != 0.0))
        fail("std[" + std::to_string(c) + "] is 0");
}

ImageSize ImageProcessorConfig::outputSize(ImageSize input) const {
  ImageSize out = input;
  if (resize)
    out = shortestEdge > 0 ? shortestEdgeSize(input, shortestEdge) : size;
  if (centerCrop)
    out = cropSize;
  return out;
}

ImageSize shortestEdgeSize(ImageSize input, int64_t shortestEdge) {
  bool portrait = input.width <= input.height;
  int64_t shortSide = portrait ? input.width : input.height;
  int64_t longSide = portrait ? input.height : input.width;
  // Python's int(size * long / short): a correctly rounded double quotient
  // of exact integers, truncated.
  int64_t newLong =
      int64_t(double(shortestEdge * longSide) / double(shortSide));
  return portrait ? ImageSize{newLong, shortestEdge}
                  : ImageSize{shortestEdge, newLong};
}

RgbImage centerCropImage(const RgbImage &image, ImageSize crop) {
  auto floorHalf = [](int64_t v) { return v >= 0 ? v / 2 : -((1 - v) / 2); };
  // transformers crops at floor((size - crop) / 2); where the crop is larger
  // it first centres the image on a zero canvas at ceil((crop - size) / 2),
  // which cancels that negative offset exactly. Either way output pixel
  // (y, x) is image pixel (y + top, x + left), or zero outside the image.
  int64_t top = floorHalf(image.height - crop.height);
  int64_t left = floorHalf(image.width - crop.width);
  RgbImage out(crop.height, crop.width);
  for (int64_t y = 0; y < crop.height; ++y) {
    int64_t iy = y + top;
    if (iy < 0 || iy >= image.height)
      continue;
    for (int64_t x = 0; x < crop.width; ++x) {
      int64_t ix = x + left;
      if (ix < 0 || ix >= image.width)
        continue;
      for (int c = 0; c < 3; ++c)
        out.at(y, x, c) = image.at(iy, ix, c);
    }
  }
  return out;
}

RgbImage prepareImage(const RgbImage &image,
                      const ImageProcessorConfig &config) {
  config.validate();
  RgbImage prepared = image;
  if (config.resize) {
    ImageSize target =
        config.shortestEdge > 0
            ? shortestEdgeSize({image.height, image.width}, config.shortestEdge)
            : config.size;
    prepared =
        resizeImage(prepared, target.height, target.width, config.resample);
  }
  if (config.centerCrop)
    prepared = centerCropImage(prepared, config.cropSize);
  return prepared;
}

rt::Tensor pixelValues(const RgbImage &prepared,
                       const ImageProcessorConfig &config) {
  rt::Tensor out(rt::DType::f32, {3, prepared.height, prepared.width});
  float *values = out.data<float>();
  int64_t plane = prepared.height * prepared.width;
  for (int c = 0; c < 3; ++c) {
    float mean = float(config.mean[c]);
    float std = float(config.std[c]);
    for (int64_t i = 0; i < plane; ++i) {
      uint8_t byte = prepared.pixels[3 * i + c];
      float x = config.rescale ? float(double(byte) * config.rescaleFactor)
                               : float(byte);
      if (config.normalize)
        x = (x - mean) / std;
      values[c * plane + i] = x;
    }
  }
  return out;
}

rt::Tensor preprocessImage(const RgbImage &image,
                           const ImageProcessorConfig &config) {
  return pixelValues(prepareImage(image, config), config);
}

rt::Tensor preprocessImageFile(const std::string &path,
                               const ImageProcessorConfig &config) {
  return preprocessImage(
      decodeImage(path, config.alpha, config.exifOrientation), config);
}

} // namespace starch::media
