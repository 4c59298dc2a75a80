//===- Resample.cpp - PIL-exact resizing of 8-bit RGB images --------------===//
#include "runtime/media/Resample.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace starch::media {

namespace {

constexpr double kPi = 3.14159265358979323846;
/// Fixed-point weights: 32 bits less 8 for the pixel, less 2 of headroom for
/// negative lobes, as Pillow sizes them.
constexpr int kWeightBits = 22;

double sinc(double x) {
  if (x == 0.0)
    return 1.0;
  return std::sin(kPi * x) / (kPi * x);
}

/// The filter's kernel at `x` (in input pixels at scale 1) and its support
/// radius.
struct Kernel {
  double support;
  double (*weight)(double x);
};

double boxWeight(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }

double triangleWeight(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hammingWeight(double x) {
  x = std::fabs(x);
  if (x == 0.0)
    return 1.0;
  if (x >= 1.0)
    return 0.0;
  return sinc(x) * (0.54 + 0.46 * std::cos(kPi * x));
}

/// Keys' cubic convolution with a = -0.5 (Catmull-Rom).
double cubicWeight(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0)
    return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

double lanczosWeight(double x) {
  if (x > -3.0 && x < 3.0)
    return sinc(x) * sinc(x / 3.0);
  return 0.0;
}

Kernel kernelOf(Resample filter) {
  switch (filter) {
  case Resample::Box:
    return {0.5, boxWeight};
  case Resample::Bilinear:
    return {1.0, triangleWeight};
  case Resample::Hamming:
    return {1.0, hammingWeight};
  case Resample::Bicubic:
    return {2.0, cubicWeight};
  case Resample::Lanczos:
    return {3.0, lanczosWeight};
  case Resample::Nearest:
    break;
  }
  throw std::logic_error("nearest resampling has no convolution kernel");
}

/// For each output pixel along one axis: the first input pixel it reads,
/// how many, and their fixed-point weights.
struct AxisWeights {
  std::vector<int64_t> first;
  std::vector<int64_t> count;
  int64_t taps = 0; // weights stored per output pixel
  std::vector<int32_t> weights;
};

AxisWeights axisWeights(int64_t inSize, int64_t outSize, Kernel kernel) {
  double scale = double(inSize) / double(outSize);
  double filterScale = std::max(scale, 1.0);
  double support = kernel.support * filterScale;
  double inverse = 1.0 / filterScale;

  AxisWeights axis;
  axis.taps = int64_t(std::ceil(support)) * 2 + 1;
  axis.first.resize(outSize);
  axis.count.resize(outSize);
  axis.weights.assign(outSize * axis.taps, 0);
  std::vector<double> exact(axis.taps);
  for (int64_t out = 0; out < outSize; ++out) {
    double center = (double(out) + 0.5) * scale;
    // Truncation toward zero, then clamping, as a C cast to int does.
    int64_t first = std::max<int64_t>(int64_t(center - support + 0.5), 0);
    int64_t last = std::min<int64_t>(int64_t(center + support + 0.5), inSize);
    int64_t count = std::min(last - first, axis.taps);
    double total = 0.0;
    for (int64_t i = 0; i < count; ++i) {
      exact[i] = kernel.weight((double(first + i) - center + 0.5) * inverse);
      total += exact[i];
    }
    for (int64_t i = 0; i < count; ++i) {
      double w = total != 0.0 ? exact[i] / total : exact[i];
      double scaled = w * double(1 << kWeightBits);
      // Round half away from zero.
      axis.weights[out * axis.taps + i] =
          int32_t(scaled < 0.0 ? scaled - 0.5 : scaled + 0.5);
    }
    axis.first[out] = first;
    axis.count[out] = count;
  }
  return axis;
}

uint8_t roundFixed(int64_t sum) {
  if (sum < 0)
    return 0;
  return uint8_t(std::min<int64_t>(sum >> kWeightBits, 255));
}

RgbImage resizeRows(const RgbImage &in, int64_t width, Kernel kernel) {
  AxisWeights axis = axisWeights(in.width, width, kernel);
  RgbImage out(in.height, width);
  for (int64_t y = 0; y < in.height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      const int32_t *w = &axis.weights[x * axis.taps];
      for (int c = 0; c < 3; ++c) {
        int64_t sum = int64_t(1) << (kWeightBits - 1);
        for (int64_t i = 0; i < axis.count[x]; ++i)
          sum += int64_t(in.at(y, axis.first[x] + i, c)) * w[i];
        out.at(y, x, c) = roundFixed(sum);
      }
    }
  return out;
}

RgbImage resizeColumns(const RgbImage &in, int64_t height, Kernel kernel) {
  AxisWeights axis = axisWeights(in.height, height, kernel);
  RgbImage out(height, in.width);
  for (int64_t y = 0; y < height; ++y) {
    const int32_t *w = &axis.weights[y * axis.taps];
    for (int64_t x = 0; x < in.width; ++x)
      for (int c = 0; c < 3; ++c) {
        int64_t sum = int64_t(1) << (kWeightBits - 1);
        for (int64_t i = 0; i < axis.count[y]; ++i)
          sum += int64_t(in.at(axis.first[y] + i, x, c)) * w[i];
        out.at(y, x, c) = roundFixed(sum);
      }
  }
  return out;
}

/// The input pixel under the centre of each output pixel. The centre is
/// advanced by repeated addition, as Pillow steps it: where a centre falls
/// exactly on a pixel boundary the accumulated rounding decides the side.
std::vector<int64_t> nearestSources(int64_t inSize, int64_t outSize) {
  double scale = double(inSize) / double(outSize);
  std::vector<int64_t> sources(outSize);
  double center = scale * 0.5;
  for (int64_t out = 0; out < outSize; ++out) {
    sources[out] = std::min<int64_t>(int64_t(center), inSize - 1);
    center += scale;
  }
  return sources;
}

RgbImage resizeNearest(const RgbImage &in, int64_t height, int64_t width) {
  std::vector<int64_t> rows = nearestSources(in.height, height);
  std::vector<int64_t> columns = nearestSources(in.width, width);
  RgbImage out(height, width);
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        out.at(y, x, c) = in.at(rows[y], columns[x], c);
  return out;
}

} // namespace

const char *resampleName(Resample filter) {
  switch (filter) {
  case Resample::Nearest:
    return "nearest";
  case Resample::Lanczos:
    return "lanczos";
  case Resample::Bilinear:
    return "bilinear";
  case Resample::Bicubic:
    return "bicubic";
  case Resample::Box:
    return "box";
  case Resample::Hamming:
    return "hamming";
  }
  return "unknown";
}

std::optional<Resample> resampleFromName(const std::string &name) {
  for (Resample filter :
       {Resample::Nearest, Resample::Lanczos, Resample::Bilinear,
        Resample::Bicubic, Resample::Box, Resample::Hamming})
    if (name == resampleName(filter))
      return filter;
  return std::nullopt;
}

RgbImage resizeImage(const RgbImage &image, int64_t height, int64_t width,
                     Resample filter) {
  if (height < 1 || width < 1)
    throw std::invalid_argument("resizeImage: target size " +
                                std::to_string(height) + "x" +
                                std::to_string(width) + " is empty");
  if (image.height < 1 || image.width < 1)
    throw std::invalid_argument("resizeImage: the input image is empty");
  if (height == image.height && width == image.width)
    return image;
  if (filter == Resample::Nearest)
    return resizeNearest(image, height, width);
  Kernel kernel = kernelOf(filter);
  // Each pass runs only where its axis changes size. Pillow (13 and later)
  // runs the vertical pass first when the height loses more than twice as
  // many pixels as the width; the uint8 rounding between passes makes the
  // order visible.
  bool verticalFirst = image.height > height &&
                       image.height - height > 2 * (image.width - width);
  if (verticalFirst) {
    RgbImage columns = resizeColumns(image, height, kernel);
    return width != image.width ? resizeRows(columns, width, kernel) : columns;
  }
  RgbImage rows =
      width != image.width ? resizeRows(image, width, kernel) : image;
  return height != image.height ? resizeColumns(rows, height, kernel) : rows;
}

} // namespace starch::media
