//===- ExifOrientation.cpp - EXIF orientation of PNG and JPEG files -------===//
#include "runtime/media/ExifOrientation.h"

#include <cstdint>
#include <optional>

namespace starch::media {

namespace {

constexpr uint16_t kOrientationTag = 0x0112;
constexpr uint16_t kShortType = 3;

/// Reads the orientation entry of IFD0 from TIFF-structured EXIF data.
std::optional<int> orientationFromTiff(const std::string &tiff) {
  if (tiff.size() < 8)
    return std::nullopt;
  bool littleEndian;
  if (tiff.compare(0, 4, "II*\0", 4) == 0)
    littleEndian = true;
  else if (tiff.compare(0, 4, "MM\0*", 4) == 0)
    littleEndian = false;
  else
    return std::nullopt;
  auto read16 = [&](size_t pos) -> uint32_t {
    uint32_t a = uint8_t(tiff[pos]), b = uint8_t(tiff[pos + 1]);
    return littleEndian ? a | (b << 8) : (a << 8) | b;
  };
  auto read32 = [&](size_t pos) -> uint32_t {
    return littleEndian ? read16(pos) | (read16(pos + 2) << 16)
                        : (read16(pos) << 16) | read16(pos + 2);
  };
  size_t ifd = read32(4);
  if (ifd + 2 > tiff.size())
    return std::nullopt;
  size_t entries = read16(ifd);
  for (size_t i = 0; i < entries; ++i) {
    size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.size())
      return std::nullopt;
    if (read16(entry) != kOrientationTag)
      continue;
    if (read16(entry + 2) != kShortType || read32(entry + 4) < 1)
      return std::nullopt;
    return int(read16(entry + 8));
  }
  return std::nullopt;
}

/// The TIFF data of the first APP1 "Exif" segment before the first scan.
std::optional<std::string> jpegExif(const std::string &bytes) {
  size_t pos = 2;
  while (pos + 4 <= bytes.size()) {
    if (uint8_t(bytes[pos]) != 0xFF)
      return std::nullopt;
    int marker = uint8_t(bytes[pos + 1]);
    if (marker == 0xFF) {
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9)
      return std::nullopt;
    size_t length =
        (size_t(uint8_t(bytes[pos + 2])) << 8) | uint8_t(bytes[pos + 3]);
    if (length < 2 || pos + 2 + length > bytes.size())
      return std::nullopt;
    if (marker == 0xE1 && length >= 8 &&
        bytes.compare(pos + 4, 6, "Exif\0\0", 6) == 0)
      return bytes.substr(pos + 10, length - 8);
    pos += 2 + length;
  }
  return std::nullopt;
}

/// The data of a PNG's eXIf chunk (structure already checked).
std::optional<std::string> pngExif(const std::string &bytes) {
  size_t pos = 8;
  while (pos + 12 <= bytes.size()) {
    size_t length = (size_t(uint8_t(bytes[pos])) << 24) |
                    (size_t(uint8_t(bytes[pos + 1])) << 16) |
                    (size_t(uint8_t(bytes[pos + 2])) << 8) |
                    uint8_t(bytes[pos + 3]);
    if (pos + 12 + length > bytes.size())
      return std::nullopt;
    std::string type = bytes.substr(pos + 4, 4);
    if (type == "eXIf") {
      std::string data = bytes.substr(pos + 8, length);
      // Some writers keep the JPEG segment's "Exif\0\0" prefix.
      if (data.compare(0, 6, "Exif\0\0", 6) == 0)
        data.erase(0, 6);
      return data;
    }
    if (type == "IEND")
      return std::nullopt;
    pos += 12 + length;
  }
  return std::nullopt;
}

} // namespace

int exifOrientation(const std::string &bytes, ImageFormat format) {
  std::optional<std::string> tiff =
      format == ImageFormat::Jpeg ? jpegExif(bytes) : pngExif(bytes);
  if (!tiff)
    return 1;
  std::optional<int> orientation = orientationFromTiff(*tiff);
  return orientation && *orientation >= 1 && *orientation <= 8 ? *orientation
                                                               : 1;
}

RgbImage applyExifOrientation(const RgbImage &image, int orientation) {
  if (orientation < 2 || orientation > 8)
    return image;
  int64_t h = image.height, w = image.width;
  bool swapsAxes = orientation >= 5;
  RgbImage out(swapsAxes ? w : h, swapsAxes ? h : w);
  for (int64_t y = 0; y < out.height; ++y)
    for (int64_t x = 0; x < out.width; ++x) {
      // The source pixel of output pixel (y, x).
      int64_t sy = y, sx = x;
      switch (orientation) {
      case 2:
        sx = w - 1 - x;
        break;
      case 3:
        sy = h - 1 - y;
        sx = w - 1 - x;
        break;
      case 4:
        sy = h - 1 - y;
        break;
      case 5:
        sy = x;
        sx = y;
        break;
      case 6:
        sy = h - 1 - x;
        sx = y;
        break;
      case 7:
        sy = h - 1 - x;
        sx = w - 1 - y;
        break;
      case 8:
        sy = x;
        sx = w - 1 - y;
        break;
      }
      for (int c = 0; c < 3; ++c)
        out.at(y, x, c) = image.at(sy, sx, c);
    }
  return out;
}

} // namespace starch::media
