//===- MediaTest.cpp - runtime/media against Hugging Face's processors ----===//
//
// Reads the fixtures written by test/fixtures/make_media_fixtures.py
// (manifest.json + .npy outputs of transformers' processors and of PIL's
// decoding) and checks that runtime/media reproduces them. Each comparison prints its largest
// difference.
//
//===----------------------------------------------------------------------===//
#include "runtime/io/Npy.h"
#include "runtime/media/ExifOrientation.h"
#include "runtime/media/ImageProcessor.h"
#include "runtime/media/LogMel.h"
#include "runtime/media/MelFilterBank.h"
#include "runtime/media/WavFile.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iostream>

namespace starch::media {
namespace {

using nlohmann::json;

const std::string kFixtures = STARCH_MEDIA_FIXTURES;
const std::string kExampleImages = STARCH_EXAMPLE_IMAGES;

std::string fixture(const std::string &name) { return kFixtures + "/" + name; }

/// The image a manifest case reads: a fixture, or one of the shipped
/// example images (docs/examples/media/images) where it says "example".
std::string imagePath(const nlohmann::json &c) {
  std::string name = c.at("file");
  return c.value("example", false) ? kExampleImages + "/" + name
                                   : fixture(name);
}

const json &manifest() {
  static const json parsed = [] {
    std::ifstream in(fixture("manifest.json"));
    if (!in)
      throw std::runtime_error("missing " + fixture("manifest.json"));
    return json::parse(in);
  }();
  return parsed;
}

rt::Tensor loadNpy(const std::string &name) {
  rt::Tensor tensor;
  std::string error;
  if (!rt::readNpy(fixture(name), tensor, error))
    throw std::runtime_error(error);
  return tensor;
}

/// A case's name for gtest: letters, digits and underscores.
std::string testName(std::string name) {
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return name;
}

std::vector<json> manifestList(const char *key) {
  const json &list = manifest().at(key);
  return std::vector<json>(list.begin(), list.end());
}

//===----------------------------------------------------------------------===//
// Images
//===----------------------------------------------------------------------===//

ImageProcessorConfig presetOf(const json &c) {
  std::vector<int64_t> args = c.at("preset_args").get<std::vector<int64_t>>();
  ImageProcessorConfig config =
      c.at("preset") == "clip" ? ImageProcessorConfig::clip(args[0], args[1])
                               : ImageProcessorConfig::siglip(args[0], args[1]);
  config.alpha = c.at("alpha") == "composite" ? AlphaMode::CompositeOnWhite
                                              : AlphaMode::ConvertRgb;
  config.exifOrientation = c.at("exif_orientation").get<bool>();
  return config;
}

/// The preset must have the processor's own parameters.
void expectPresetMatchesProcessor(const ImageProcessorConfig &config,
                                  const json &hf) {
  EXPECT_EQ(static_cast<int>(config.resample), hf.at("resample").get<int>());
  EXPECT_DOUBLE_EQ(config.rescaleFactor, hf.at("rescale_factor").get<double>());
  for (int c = 0; c < 3; ++c) {
    EXPECT_DOUBLE_EQ(config.mean[c], hf.at("image_mean")[c].get<double>());
    EXPECT_DOUBLE_EQ(config.std[c], hf.at("image_std")[c].get<double>());
  }
  const json &size = hf.at("size");
  if (size.contains("shortest_edge")) {
    EXPECT_EQ(config.shortestEdge, size.at("shortest_edge").get<int64_t>());
  } else {
    EXPECT_EQ(config.shortestEdge, 0);
    EXPECT_EQ(config.size.height, size.at("height").get<int64_t>());
    EXPECT_EQ(config.size.width, size.at("width").get<int64_t>());
  }
  EXPECT_EQ(config.centerCrop, hf.at("do_center_crop").get<bool>());
  if (config.centerCrop) {
    EXPECT_EQ(config.cropSize.height,
              hf.at("crop_size").at("height").get<int64_t>());
    EXPECT_EQ(config.cropSize.width,
              hf.at("crop_size").at("width").get<int64_t>());
  }
}

class MediaImage : public ::testing::TestWithParam<json> {};

TEST_P(MediaImage, MatchesHuggingFace) {
  const json &c = GetParam();
  ImageProcessorConfig config = presetOf(c);
  expectPresetMatchesProcessor(config, c.at("hf_params"));

  RgbImage decoded =
      decodeImage(imagePath(c), config.alpha, config.exifOrientation);
  RgbImage prepared = prepareImage(decoded, config);
  std::vector<int64_t> shape = c.at("shape").get<std::vector<int64_t>>();
  ASSERT_EQ(prepared.height, shape[1]);
  ASSERT_EQ(prepared.width, shape[2]);
  ImageSize predicted = config.outputSize({decoded.height, decoded.width});
  EXPECT_EQ(predicted.height, shape[1]);
  EXPECT_EQ(predicted.width, shape[2]);

  // The 8-bit stage (after resize and crop), on the stored rows: PNG and
  // JPEG decode to PIL's pixels and the resize is Pillow's, so it is exact.
  rt::Tensor expected = loadNpy(c.at("prepared"));
  int64_t start = c.at("prepared_rows")[0], step = c.at("prepared_rows")[1];
  int maxLevels = 0;
  for (int64_t ch = 0; ch < 3; ++ch)
    for (int64_t r = 0; r < expected.shape()[1]; ++r)
      for (int64_t x = 0; x < shape[2]; ++x) {
        int want =
            expected
                .data<uint8_t>()[(ch * expected.shape()[1] + r) * shape[2] + x];
        int got = prepared.at(start + r * step, x, int(ch));
        maxLevels = std::max(maxLevels, std::abs(got - want));
      }
  std::cout << "[media] " << c.at("file").get<std::string>() << " "
            << c.at("config").get<std::string>() << " "
            << c.at("alpha").get<std::string>()
            << ": 8-bit stage max |diff| = " << maxLevels << "/255";
  EXPECT_EQ(maxLevels, 0);

  if (c.contains("pixel_values")) {
    rt::Tensor values = pixelValues(prepared, config);
    ASSERT_EQ(values.shape(), (rt::Shape{3, shape[1], shape[2]}));
    rt::Tensor want = loadNpy(c.at("pixel_values"));
    int64_t vstart = c.at("pixel_values_rows")[0];
    int64_t vstep = c.at("pixel_values_rows")[1];
    double maxNormalized = 0, maxDenormalized = 0;
    for (int64_t ch = 0; ch < 3; ++ch)
      for (int64_t r = 0; r < want.shape()[1]; ++r)
        for (int64_t x = 0; x < shape[2]; ++x) {
          double w =
              want.data<float>()[(ch * want.shape()[1] + r) * shape[2] + x];
          double g = values.data<
              float>()[(ch * shape[1] + vstart + r * vstep) * shape[2] + x];
          maxNormalized = std::max(maxNormalized, std::fabs(g - w));
          maxDenormalized =
              std::max(maxDenormalized, std::fabs(g - w) * config.std[ch]);
        }
    std::cout << "; pixel_values max |diff| = " << maxNormalized
              << " (x*std+mean: " << maxDenormalized << ")";
    EXPECT_LE(maxNormalized, 1e-4);
  }
  std::cout << "\n";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MediaImage,
                         ::testing::ValuesIn(manifestList("images")),
                         [](const ::testing::TestParamInfo<json> &info) {
                           const json &c = info.param;
                           return testName(
                               c.at("file").get<std::string>() + "_" +
                               c.at("config").get<std::string>() + "_" +
                               c.at("alpha").get<std::string>());
                         });

class MediaDecode : public ::testing::TestWithParam<json> {};

/// JPEG decoding alone: the pixels of PIL's Image.open(path).convert("RGB"),
/// bit for bit (libjpeg-turbo with Pillow's settings).
TEST_P(MediaDecode, MatchesPilConvertRgb) {
  const json &c = GetParam();
  RgbImage decoded = decodeImage(imagePath(c));
  rt::Tensor expected = loadNpy(c.at("expected"));
  ASSERT_EQ(expected.shape(), (rt::Shape{decoded.height, decoded.width, 3}));
  int maxLevels = 0;
  size_t differing = 0;
  for (size_t i = 0; i < decoded.pixels.size(); ++i) {
    int diff = std::abs(int(decoded.pixels[i]) -
                        int(expected.data<uint8_t>()[i]));
    maxLevels = std::max(maxLevels, diff);
    differing += diff != 0;
  }
  std::cout << "[media] decode " << c.at("file").get<std::string>() << " "
            << decoded.height << "x" << decoded.width
            << ": max |diff| = " << maxLevels << "/255 (" << differing << " of "
            << decoded.pixels.size() << " values differ)\n";
  EXPECT_EQ(maxLevels, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MediaDecode,
                         ::testing::ValuesIn(manifestList("decoded")),
                         [](const ::testing::TestParamInfo<json> &info) {
                           return testName(
                               info.param.at("file").get<std::string>());
                         });

class MediaExif : public ::testing::TestWithParam<json> {};

/// Each EXIF orientation turns the image upright as PIL's exif_transpose.
TEST_P(MediaExif, MatchesPilExifTranspose) {
  const json &c = GetParam();
  std::string path = fixture(c.at("file"));
  RgbImage upright = decodeImage(path, AlphaMode::ConvertRgb, true);
  rt::Tensor expected = loadNpy(c.at("expected"));
  ASSERT_EQ(expected.shape(), (rt::Shape{upright.height, upright.width, 3}));
  EXPECT_TRUE(std::equal(upright.pixels.begin(), upright.pixels.end(),
                         expected.data<uint8_t>()))
      << "orientation " << c.at("orientation");
  // Without the option the pixels stay as stored.
  RgbImage stored = decodeImage(path, AlphaMode::ConvertRgb, false);
  if (c.at("orientation").get<int>() >= 5) {
    EXPECT_EQ(stored.height, upright.width);
    EXPECT_EQ(stored.width, upright.height);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MediaExif,
                         ::testing::ValuesIn(manifestList("exif")),
                         [](const ::testing::TestParamInfo<json> &info) {
                           return "orientation" +
                                  std::to_string(
                                      info.param.at("orientation").get<int>());
                         });

class MediaResize : public ::testing::TestWithParam<json> {};

/// PIL's resize applied to identical pixels: every filter is bit-exact.
TEST_P(MediaResize, MatchesPil) {
  const json &c = GetParam();
  rt::Tensor source = loadNpy(c.at("source"));
  ASSERT_EQ(source.dtype(), rt::DType::u8);
  RgbImage image(source.shape()[0], source.shape()[1]);
  std::copy_n(source.data<uint8_t>(), image.pixels.size(),
              image.pixels.begin());
  std::optional<Resample> filter = resampleFromName(c.at("filter"));
  ASSERT_TRUE(filter.has_value());
  RgbImage resized = resizeImage(image, c.at("height"), c.at("width"), *filter);
  rt::Tensor expected = loadNpy(c.at("expected"));
  ASSERT_EQ(expected.shape(), (rt::Shape{resized.height, resized.width, 3}));
  int maxLevels = 0;
  for (size_t i = 0; i < resized.pixels.size(); ++i)
    maxLevels = std::max(maxLevels, std::abs(int(resized.pixels[i]) -
                                             int(expected.data<uint8_t>()[i])));
  std::cout << "[media] resize " << c.at("filter").get<std::string>() << " "
            << source.shape()[0] << "x" << source.shape()[1] << " -> "
            << resized.height << "x" << resized.width
            << ": max |diff| = " << maxLevels << "/255\n";
  EXPECT_EQ(maxLevels, 0);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MediaResize,
                         ::testing::ValuesIn(manifestList("resize")),
                         [](const ::testing::TestParamInfo<json> &info) {
                           const json &c = info.param;
                           return testName(
                               c.at("filter").get<std::string>() + "_" +
                               std::to_string(c.at("height").get<int>()) + "x" +
                               std::to_string(c.at("width").get<int>()));
                         });

TEST(MediaImageProcessor, ShortestEdgeSizeTruncatesTheLongSide) {
  ImageSize s = shortestEdgeSize({40, 48}, 32); // 32 * 48 / 40 = 38.4
  EXPECT_EQ(s.height, 32);
  EXPECT_EQ(s.width, 38);
  s = shortestEdgeSize({53, 37}, 32); // 32 * 53 / 37 = 45.8
  EXPECT_EQ(s.height, 45);
  EXPECT_EQ(s.width, 32);
  s = shortestEdgeSize({20, 20}, 224);
  EXPECT_EQ(s.height, 224);
  EXPECT_EQ(s.width, 224);
}

TEST(MediaImageProcessor, CenterCropOffsetsAndPadding) {
  RgbImage image(5, 4);
  for (int64_t y = 0; y < 5; ++y)
    for (int64_t x = 0; x < 4; ++x)
      image.at(y, x, 0) = uint8_t(10 * y + x + 1);
  // Smaller crop: offsets floor((5-2)/2) = 1 and floor((4-3)/2) = 0.
  RgbImage small = centerCropImage(image, {2, 3});
  EXPECT_EQ(small.at(0, 0, 0), 11);
  EXPECT_EQ(small.at(1, 2, 0), 23);
  // Larger crop: the image lands at ceil((7-5)/2) = 1, ceil((7-4)/2) = 2.
  RgbImage large = centerCropImage(image, {7, 7});
  EXPECT_EQ(large.at(0, 0, 0), 0);
  EXPECT_EQ(large.at(1, 2, 0), 1);
  EXPECT_EQ(large.at(5, 5, 0), 44);
  EXPECT_EQ(large.at(6, 6, 0), 0);
}

TEST(MediaImageProcessor, InvalidConfigsAreRefused) {
  ImageProcessorConfig config = ImageProcessorConfig::siglip(0, 32);
  EXPECT_THROW(config.validate(), std::invalid_argument);
  config = ImageProcessorConfig::clip(32, 0);
  EXPECT_THROW(config.validate(), std::invalid_argument);
  config = ImageProcessorConfig::clip();
  config.std[1] = 0.0;
  EXPECT_THROW(config.validate(), std::invalid_argument);
}

//===----------------------------------------------------------------------===//
// Audio
//===----------------------------------------------------------------------===//

class MediaAudio : public ::testing::TestWithParam<json> {};

TEST_P(MediaAudio, MatchesWhisperFeatureExtractor) {
  const json &c = GetParam();
  LogMelConfig config =
      LogMelConfig::whisper(c.at("mel_bins"), c.at("n_samples"));
  rt::Tensor features = logMelFromWav(fixture(c.at("file")), config);
  int64_t frames = c.at("frames");
  ASSERT_EQ(features.shape(), (rt::Shape{config.melBins, frames}));
  EXPECT_EQ(config.frameCount(), frames);

  rt::Tensor head = loadNpy(c.at("features"));
  int64_t stored = c.at("stored_frames");
  ASSERT_EQ(head.shape(), (rt::Shape{config.melBins, stored}));
  double maxDiff = 0;
  for (int64_t m = 0; m < config.melBins; ++m)
    for (int64_t t = 0; t < stored; ++t)
      maxDiff = std::max(
          maxDiff, std::fabs(double(features.data<float>()[m * frames + t]) -
                             head.data<float>()[m * stored + t]));
  // Past the stored frames only each band's range is kept.
  double tailExcess = 0;
  if (c.contains("tail_min_max")) {
    rt::Tensor range = loadNpy(c.at("tail_min_max"));
    for (int64_t m = 0; m < config.melBins; ++m) {
      double lo = range.data<float>()[2 * m],
             hi = range.data<float>()[2 * m + 1];
      for (int64_t t = stored; t < frames; ++t) {
        double v = features.data<float>()[m * frames + t];
        tailExcess = std::max({tailExcess, lo - v, v - hi});
      }
    }
  }
  std::cout << "[media] " << c.at("file").get<std::string>() << " mel"
            << config.melBins << " n_samples " << config.nSamples
            << ": log-mel max |diff| = " << maxDiff;
  if (c.contains("tail_min_max"))
    std::cout << " (frames " << stored << ".." << frames - 1
              << " outside HF's range by " << tailExcess << ")";
  std::cout << "\n";
  EXPECT_LE(maxDiff, 1e-4);
  EXPECT_LE(tailExcess, 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, MediaAudio, ::testing::ValuesIn(manifestList("audio")),
    [](const ::testing::TestParamInfo<json> &info) {
      const json &c = info.param;
      return testName(c.at("file").get<std::string>() + "_mel" +
                      std::to_string(c.at("mel_bins").get<int>()) + "_n" +
                      std::to_string(c.at("n_samples").get<int>()));
    });

TEST(MediaLogMel, SlaneyMelScale) {
  EXPECT_DOUBLE_EQ(hertzToSlaneyMel(1000.0), 15.0);
  EXPECT_DOUBLE_EQ(hertzToSlaneyMel(200.0), 3.0);
  EXPECT_NEAR(hertzToSlaneyMel(6400.0), 42.0, 1e-12);
  for (double hz : {0.0, 440.0, 999.0, 1000.0, 4321.0, 8000.0})
    EXPECT_NEAR(slaneyMelToHertz(hertzToSlaneyMel(hz)), hz, 1e-9);
}

TEST(MediaLogMel, FilterBankShape) {
  std::vector<double> filters =
      slaneyMelFilterBank(201, 80, 0.0, 8000.0, 16000);
  ASSERT_EQ(filters.size(), 80u * 201u);
  for (int64_t m = 0; m < 80; ++m) {
    double peak = *std::max_element(&filters[m * 201], &filters[m * 201] + 201);
    EXPECT_GT(peak, 0.0) << "band " << m << " is empty";
  }
}

TEST(MediaLogMel, SilenceIsConstant) {
  rt::Tensor features = logMelSpectrogram(std::vector<float>(100, 0.0f),
                                          LogMelConfig::whisper(80, 3200));
  ASSERT_EQ(features.shape(), (rt::Shape{80, 20}));
  // log10(1e-10) = -10, then (x + 4) / 4.
  for (int64_t i = 0; i < features.numElements(); ++i)
    EXPECT_FLOAT_EQ(features.data<float>()[i], -1.5f);
}

TEST(MediaLogMel, InvalidConfigsAreRefused) {
  LogMelConfig config = LogMelConfig::whisper(80, 100); // <= n_fft / 2
  EXPECT_THROW(logMelSpectrogram({0.0f}, config), std::invalid_argument);
  config = LogMelConfig::whisper(0, 16000);
  EXPECT_THROW(config.validate(), std::invalid_argument);
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

struct BadFile {
  const char *file;
  bool audio;
  const char *expected; // part of the message after "'<path>': "
};

const BadFile kBadFiles[] = {
    {"bad_truncated.png", false, "truncated PNG (chunk IDAT"},
    {"bad_crc.png", false, "corrupt PNG (CRC mismatch in chunk IDAT"},
    {"bad_truncated.jpg", false, "truncated JPEG"},
    {"bad_empty.png", false, "empty file (0 bytes)"},
    {"bad_format.gif", false,
     "unsupported image format (GIF); expected PNG or JPEG"},
    {"bad_gray16.png", false, "unsupported PNG: 16-bit grayscale"},
    {"bad_idat.png", false, "corrupt PNG (decoder: "},
    {"bad_cmyk.jpg", false, "unsupported JPEG: 4 colour components"},
    {"tone_noise_1p1s.wav", false, "unsupported image format (WAV audio)"},
    {"does_not_exist.png", false, "no such file"},
    {"bad_8khz.wav", true, "sample rate is 8000 Hz, expected 16000 Hz"},
    {"bad_stereo.wav", true, "has 2 channels, expected 1 (mono)"},
    {"bad_empty.wav", true, "empty file (0 bytes)"},
    {"bad_not_audio.wav", true, "not a readable WAV file"},
    {"bad_sun_audio.wav", true, "unsupported audio format (AU "},
    {"rgb_32x32.png", true, "not a readable WAV file"},
    {"does_not_exist.wav", true, "no such file"},
};

TEST(MediaErrors, OneLineNamingTheFileAndTheProblem) {
  for (const BadFile &bad : kBadFiles) {
    std::string path = fixture(bad.file);
    std::string message;
    try {
      if (bad.audio)
        logMelFromWav(path, LogMelConfig::whisper(80, 16000));
      else
        preprocessImageFile(path, ImageProcessorConfig::clip(32, 32));
    } catch (const std::runtime_error &e) {
      message = e.what();
    }
    std::cout << "[media] " << message << "\n";
    ASSERT_FALSE(message.empty()) << bad.file << " was accepted";
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind("'" + path + "': ", 0), 0u) << message;
    EXPECT_NE(message.find(bad.expected), std::string::npos)
        << "expected '" << bad.expected << "' in: " << message;
  }
}

TEST(MediaErrors, DamagedBytesInMemory) {
  std::ifstream in(fixture("photo_48x64.jpg"), std::ios::binary);
  std::string jpeg((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  ASSERT_GT(jpeg.size(), 100u);
  // Every truncation of a JPEG is refused, not decoded with made-up pixels.
  for (size_t keep :
       {size_t(3), size_t(20), jpeg.size() / 2, jpeg.size() - 2}) {
    try {
      decodeImageBytes(jpeg.substr(0, keep), "cut.jpg");
      ADD_FAILURE() << "a JPEG cut at " << keep << " bytes was accepted";
    } catch (const std::runtime_error &e) {
      EXPECT_NE(std::string(e.what()).find("truncated JPEG"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_NO_THROW(decodeImageBytes(jpeg, "whole.jpg"));

  // Errors libjpeg finds (it would call exit() by default) are one-line
  // errors naming the file.
  auto markerAt = [&](uint8_t marker) {
    for (size_t i = 2; i + 1 < jpeg.size(); ++i)
      if (uint8_t(jpeg[i]) == 0xFF && uint8_t(jpeg[i + 1]) == marker)
        return i;
    return std::string::npos;
  };
  size_t dht = markerAt(0xC4), sof = markerAt(0xC0), sos = markerAt(0xDA);
  ASSERT_NE(dht, std::string::npos);
  ASSERT_NE(sof, std::string::npos);
  ASSERT_NE(sos, std::string::npos);
  std::string badTable = jpeg;
  badTable[dht + 4] = char(0x17); // Huffman table id 7 (0..3 exist)
  std::string emptyImage = jpeg;
  emptyImage[sof + 5] = emptyImage[sof + 6] = 0; // height 0
  for (const std::string *bad : {&badTable, &emptyImage}) {
    try {
      decodeImageBytes(*bad, "bad.jpg");
      ADD_FAILURE() << "a damaged JPEG header was accepted";
    } catch (const std::runtime_error &e) {
      std::string message = e.what();
      std::cout << "[media] " << message << "\n";
      EXPECT_EQ(message.rfind("'bad.jpg': corrupt JPEG (libjpeg: ", 0), 0u)
          << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
  // Damaged entropy-coded data is only a libjpeg warning; PIL returns the
  // image libjpeg decoded, and so does the runtime.
  std::string damagedScan = jpeg;
  for (size_t i = sos + 40; i < sos + 60; ++i)
    if (uint8_t(damagedScan[i]) != 0xFF && uint8_t(damagedScan[i - 1]) != 0xFF)
      damagedScan[i] = char(uint8_t(damagedScan[i]) ^ 0x5A);
  RgbImage damaged = decodeImageBytes(damagedScan, "damaged.jpg");
  EXPECT_EQ(damaged.height, 48);
  EXPECT_EQ(damaged.width, 64);
}

} // namespace
} // namespace starch::media
