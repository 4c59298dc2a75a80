//===- ImageFile.cpp - PNG and JPEG files to 8-bit RGB --------------------===//
//
// PNG is decoded by stb_image, JPEG by libjpeg-turbo with the settings Pillow
// uses (so the pixels are Pillow's, bit for bit). The file's structure is
// checked first (PNG chunks and CRCs up to IEND, JPEG markers up to EOI):
// stb never checks PNG CRCs, and both decoders would fill a truncated file's
// missing data with made-up pixels, where PIL refuses the file.
//
//===----------------------------------------------------------------------===//
#include "runtime/media/ImageFile.h"

#include "runtime/media/ExifOrientation.h"
#include "runtime/media/MediaError.h"
#include "runtime/media/MediaFile.h"

#include <stb_image.h>

#include <array>
#include <climits>
#include <csetjmp>
#include <cstdio> // before jpeglib.h, which uses FILE
#include <memory>
#include <optional>

#include <jerror.h>
#include <jpeglib.h>

namespace starch::media {

namespace {

const char kPngSignature[] = "\x89PNG\r\n\x1a\n";

uint32_t readBigEndian32(const std::string &bytes, size_t pos) {
  return (uint32_t(uint8_t(bytes[pos])) << 24) |
         (uint32_t(uint8_t(bytes[pos + 1])) << 16) |
         (uint32_t(uint8_t(bytes[pos + 2])) << 8) |
         uint32_t(uint8_t(bytes[pos + 3]));
}

uint32_t readBigEndian16(const std::string &bytes, size_t pos) {
  return (uint32_t(uint8_t(bytes[pos])) << 8) |
         uint32_t(uint8_t(bytes[pos + 1]));
}

/// CRC-32 (polynomial 0xEDB88320) as PNG chunks use it.
uint32_t crc32Of(const std::string &bytes, size_t begin, size_t end) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = begin; i < end; ++i)
    crc = table[(crc ^ uint8_t(bytes[i])) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

/// A name for the formats people most often mistake for images we read.
std::string describeOtherFormat(const std::string &bytes) {
  auto startsWith = [&](const char *magic, size_t length) {
    return bytes.size() >= length &&
           bytes.compare(0, length, magic, length) == 0;
  };
  if (startsWith("GIF8", 4))
    return "GIF";
  if (startsWith("BM", 2))
    return "BMP";
  if (bytes.size() >= 12 && startsWith("RIFF", 4) &&
      bytes.compare(8, 4, "WEBP") == 0)
    return "WebP";
  if (bytes.size() >= 12 && startsWith("RIFF", 4) &&
      bytes.compare(8, 4, "WAVE") == 0)
    return "WAV audio";
  if (startsWith("II*\0", 4) || startsWith("MM\0*", 4))
    return "TIFF";
  if (bytes.size() >= 12 && bytes.compare(4, 4, "ftyp") == 0)
    return "an ISO media file (HEIF/AVIF/MP4)";
  return "not an image format we know";
}

/// What the decoder does not tell: the colour type and the transparency
/// chunks, for the colour key.
struct PngInfo {
  int colorType = 0;
  int bitDepth = 0;
  std::string palette;      // PLTE data, 3 bytes per entry
  std::string transparency; // tRNS data
  bool hasTransparency = false;
};

/// Walks the chunks from the signature to IEND, checking lengths and CRCs.
PngInfo checkPngStructure(const std::string &bytes, const std::string &label) {
  PngInfo info;
  size_t pos = 8;
  bool sawHeader = false, sawImageData = false;
  while (true) {
    if (pos + 8 > bytes.size())
      throwMediaError(label, "truncated PNG (file ends at byte " +
                                 std::to_string(bytes.size()) +
                                 " before the IEND chunk)");
    uint32_t length = readBigEndian32(bytes, pos);
    std::string type = bytes.substr(pos + 4, 4);
    for (char c : type)
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
        throwMediaError(label, "corrupt PNG (invalid chunk type at byte " +
                                   std::to_string(pos + 4) + ")");
    size_t dataBegin = pos + 8;
    size_t chunkEnd = dataBegin + size_t(length) + 4;
    if (length > 0x7FFFFFFFu || chunkEnd > bytes.size())
      throwMediaError(label, "truncated PNG (chunk " + type + " at byte " +
                                 std::to_string(pos) + " needs " +
                                 std::to_string(size_t(length) + 12) +
                                 " bytes, the file has " +
                                 std::to_string(bytes.size() - pos) + " left)");
    if (crc32Of(bytes, pos + 4, dataBegin + length) !=
        readBigEndian32(bytes, dataBegin + length))
      throwMediaError(label, "corrupt PNG (CRC mismatch in chunk " + type +
                                 " at byte " + std::to_string(pos) + ")");
    if (!sawHeader) {
      if (type != "IHDR" || length != 13)
        throwMediaError(label, "corrupt PNG (first chunk is " + type +
                                   ", expected IHDR)");
      sawHeader = true;
      int bitDepth = info.bitDepth = uint8_t(bytes[dataBegin + 8]);
      int colorType = info.colorType = uint8_t(bytes[dataBegin + 9]);
      // PIL opens 16-bit grayscale as a 32-bit integer mode whose conversion
      // to RGB clips instead of scaling; refuse rather than disagree.
      if (bitDepth == 16 && (colorType == 0 || colorType == 4))
        throwMediaError(label, "unsupported PNG: 16-bit grayscale (convert "
                               "it to 8 bits per channel)");
    }
    if (type == "IDAT")
      sawImageData = true;
    if (type == "PLTE")
      info.palette = bytes.substr(dataBegin, length);
    if (type == "tRNS") {
      info.transparency = bytes.substr(dataBegin, length);
      info.hasTransparency = true;
    }
    if (type == "IEND")
      break;
    pos = chunkEnd;
  }
  if (!sawImageData)
    throwMediaError(label, "corrupt PNG (no IDAT chunk)");
  return info;
}

/// The one colour a PNG's tRNS chunk makes transparent, as PIL keeps it
/// through convert("RGB"): a grey or RGB key (PIL compares its raw 16-bit
/// sample values with the 8-bit pixels), or the colour of the palette entry
/// when exactly one entry is transparent and all others opaque. None when
/// the tRNS chunk gives several alpha levels (PIL drops those).
std::optional<std::array<int, 3>> pngColourKey(const PngInfo &info) {
  if (!info.hasTransparency)
    return std::nullopt;
  const std::string &t = info.transparency;
  if (info.colorType == 0 && t.size() >= 2) {
    int grey = int(readBigEndian16(t, 0));
    return std::array<int, 3>{grey, grey, grey};
  }
  if (info.colorType == 2 && t.size() >= 6)
    return std::array<int, 3>{int(readBigEndian16(t, 0)),
                              int(readBigEndian16(t, 2)),
                              int(readBigEndian16(t, 4))};
  if (info.colorType != 3)
    return std::nullopt;
  size_t transparentEntry = std::string::npos;
  for (size_t i = 0; i < t.size(); ++i) {
    uint8_t alpha = uint8_t(t[i]);
    if (alpha == 0xFF)
      continue;
    if (alpha != 0x00 || transparentEntry != std::string::npos)
      return std::nullopt; // partial alpha or several transparent entries
    transparentEntry = i;
  }
  if (transparentEntry == std::string::npos ||
      3 * transparentEntry + 2 >= info.palette.size())
    return std::nullopt;
  const std::string &p = info.palette;
  return std::array<int, 3>{uint8_t(p[3 * transparentEntry]),
                            uint8_t(p[3 * transparentEntry + 1]),
                            uint8_t(p[3 * transparentEntry + 2])};
}

bool isStartOfFrame(int marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
         marker != 0xCC;
}

/// Walks the markers from SOI to EOI, skipping entropy-coded scan data.
void checkJpegStructure(const std::string &bytes, const std::string &label) {
  auto truncated = [&](const std::string &where) {
    throwMediaError(label, "truncated JPEG (" + where +
                               " ends before the end-of-image marker)");
  };
  size_t pos = 2;
  bool sawFrame = false, sawScan = false;
  while (true) {
    if (pos >= bytes.size())
      truncated("file");
    // Stray bytes between segments are skipped, as libjpeg does.
    while (pos < bytes.size() && uint8_t(bytes[pos]) != 0xFF)
      ++pos;
    while (pos < bytes.size() && uint8_t(bytes[pos]) == 0xFF)
      ++pos; // fill bytes
    if (pos >= bytes.size())
      truncated("file");
    int marker = uint8_t(bytes[pos++]);
    if (marker == 0xD9)
      break;
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01)
      continue;
    if (pos + 2 > bytes.size())
      truncated("file");
    size_t segmentLength = readBigEndian16(bytes, pos);
    if (segmentLength < 2)
      throwMediaError(label, "corrupt JPEG (segment length " +
                                 std::to_string(segmentLength) + " at byte " +
                                 std::to_string(pos) + ")");
    if (pos + segmentLength > bytes.size())
      truncated("a marker segment");
    if (isStartOfFrame(marker)) {
      if (segmentLength < 8)
        throwMediaError(label, "corrupt JPEG (short frame header)");
      int precision = uint8_t(bytes[pos + 2]);
      int components = uint8_t(bytes[pos + 7]);
      if (precision != 8)
        throwMediaError(label,
                        "unsupported JPEG: " + std::to_string(precision) +
                            "-bit samples (expected 8)");
      if (components != 1 && components != 3)
        throwMediaError(label,
                        "unsupported JPEG: " + std::to_string(components) +
                            " colour components (CMYK?); expected 1 "
                            "(gray) or 3 (YCbCr)");
      sawFrame = true;
    }
    pos += segmentLength;
    if (marker != 0xDA)
      continue;
    sawScan = true;
    // Entropy-coded data: 0xFF is stuffed as FF 00, restart markers are
    // FF D0..D7; any other FF xx is the next marker.
    while (true) {
      if (pos + 1 >= bytes.size())
        truncated("the scan data");
      if (uint8_t(bytes[pos]) == 0xFF) {
        int next = uint8_t(bytes[pos + 1]);
        if (next != 0x00 && next != 0xFF && !(next >= 0xD0 && next <= 0xD7))
          break;
      }
      ++pos;
    }
  }
  if (!sawFrame || !sawScan)
    throwMediaError(label, std::string("corrupt JPEG (no ") +
                               (sawFrame ? "scan" : "frame header") +
                               " before the end-of-image marker)");
}

/// libjpeg's error manager: errors jump back to the decoder with the
/// message (libjpeg's default calls exit()), warnings are dropped.
struct JpegErrorManager {
  jpeg_error_mgr pub; // first: libjpeg sees a jpeg_error_mgr *
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpegErrorExit(j_common_ptr cinfo) {
  auto *manager = reinterpret_cast<JpegErrorManager *>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, manager->message);
  std::longjmp(manager->jump, 1);
}

/// Warnings ("Corrupt JPEG data: ...") are counted by libjpeg and otherwise
/// ignored, as Pillow does: it returns the image it decoded.
void jpegIgnoreMessage(j_common_ptr) {}

/// The libjpeg state; it lives outside decodeJpegScanlines, the function
/// that calls setjmp, so its values are well defined after a longjmp.
struct JpegDecoder {
  jpeg_decompress_struct cinfo{};
  JpegErrorManager error{};

  JpegDecoder() {
    cinfo.err = jpeg_std_error(&error.pub);
    error.pub.error_exit = jpegErrorExit;
    error.pub.output_message = jpegIgnoreMessage;
  }
  // Does nothing before jpeg_create_decompress (cinfo.mem is still null).
  ~JpegDecoder() { jpeg_destroy_decompress(&cinfo); }
  JpegDecoder(const JpegDecoder &) = delete;
  JpegDecoder &operator=(const JpegDecoder &) = delete;
};

/// Decodes `bytes` into `image` with Pillow's settings for
/// `Image.open(path).convert("RGB")`: libjpeg's defaults (the colour space
/// it infers from the JFIF/Adobe markers and component ids, the accurate
/// integer IDCT, fancy (triangle-filter) chroma upsampling, full size),
/// RGB output for three components and gray for one, which PIL's convert
/// copies into R, G and B. False when libjpeg reports an error (its message
/// is in decoder.error.message). No object with a destructor may be alive
/// in this function across a libjpeg call: libjpeg errors longjmp to here.
bool decodeJpegScanlines(JpegDecoder &decoder, const std::string &bytes,
                         RgbImage &image) {
  jpeg_decompress_struct *cinfo = &decoder.cinfo;
  if (setjmp(decoder.error.jump))
    return false;
  jpeg_create_decompress(cinfo);
  jpeg_mem_src(cinfo, reinterpret_cast<const unsigned char *>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(cinfo, TRUE);
  // checkJpegStructure let only one or three 8-bit components through.
  cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  cinfo->scale_num = cinfo->scale_denom = 1;
  jpeg_start_decompress(cinfo);
  if (cinfo->output_width == 0 || cinfo->output_height == 0)
    return true; // reported by the caller
  image = RgbImage(cinfo->output_height, cinfo->output_width);
  const int components = cinfo->output_components;
  const size_t rowBytes = size_t(cinfo->output_width) * 3;
  while (cinfo->output_scanline < cinfo->output_height) {
    uint8_t *row = image.pixels.data() + cinfo->output_scanline * rowBytes;
    JSAMPROW rows[1] = {row};
    jpeg_read_scanlines(cinfo, rows, 1);
    if (components == 1) // gray in the first third of the row: spread it
      for (size_t x = cinfo->output_width; x-- > 0;)
        row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = row[x];
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

/// libjpeg errors that mean "a JPEG this build cannot decode" rather than
/// "a damaged JPEG".
bool isUnsupportedJpegError(int code) {
  return code == JERR_SOF_UNSUPPORTED || code == JERR_NOT_COMPILED ||
         code == JERR_ARITH_NOTIMPL || code == JERR_BAD_PRECISION ||
         code == JERR_CONVERSION_NOTIMPL;
}

RgbImage decodeJpeg(const std::string &bytes, const std::string &label) {
  JpegDecoder decoder;
  RgbImage image;
  if (!decodeJpegScanlines(decoder, bytes, image))
    throwMediaError(label,
                    std::string(isUnsupportedJpegError(
                                    decoder.error.pub.msg_code)
                                    ? "unsupported JPEG (libjpeg: "
                                    : "corrupt JPEG (libjpeg: ") +
                        decoder.error.message + ")");
  if (image.width <= 0 || image.height <= 0)
    throwMediaError(label, "corrupt JPEG (zero-sized image)");
  return image;
}

/// PIL's alpha_composite of `value` with `alpha` over opaque white:
/// round(value * a/255 + 255 * (1 - a/255)), exact in integers.
uint8_t compositeOnWhite(uint8_t value, uint8_t alpha) {
  uint32_t numerator = uint32_t(value) * alpha + 255u * (255u - alpha);
  return uint8_t((numerator + 127u) / 255u);
}

/// stb decodes every PNG mode (gray, gray+alpha, palette, RGB, RGBA, colour
/// keys) to RGBA the way PIL's convert("RGBA") does; the alpha mode then
/// decides.
RgbImage decodePng(const std::string &bytes, const std::string &label,
                   AlphaMode alpha) {
  std::optional<std::array<int, 3>> colourKey =
      pngColourKey(checkPngStructure(bytes, label));
  if (bytes.size() > size_t(INT_MAX))
    throwMediaError(label, "PNG file larger than 2 GiB");
  int width = 0, height = 0, channelsInFile = 0;
  std::unique_ptr<stbi_uc, void (*)(void *)> decoded(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc *>(bytes.data()),
                            int(bytes.size()), &width, &height, &channelsInFile,
                            4),
      stbi_image_free);
  if (!decoded) {
    const char *reason = stbi_failure_reason();
    throwMediaError(label, std::string("corrupt PNG (decoder: ") +
                               (reason ? reason : "unknown") + ")");
  }
  if (width <= 0 || height <= 0)
    throwMediaError(label, "corrupt PNG (zero-sized image)");

  RgbImage image(height, width);
  const stbi_uc *rgba = decoded.get();
  size_t count = size_t(width) * size_t(height);
  for (size_t i = 0; i < count; ++i) {
    const stbi_uc *pixel = rgba + 4 * i;
    uint8_t *out = &image.pixels[3 * i];
    if (alpha == AlphaMode::CompositeOnWhite) {
      for (int c = 0; c < 3; ++c)
        out[c] = compositeOnWhite(pixel[c], pixel[3]);
      continue;
    }
    bool keyed = colourKey && pixel[0] == (*colourKey)[0] &&
                 pixel[1] == (*colourKey)[1] && pixel[2] == (*colourKey)[2];
    for (int c = 0; c < 3; ++c)
      out[c] = keyed ? 255 : pixel[c];
  }
  return image;
}

} // namespace

ImageFormat sniffImageFormat(const std::string &bytes,
                             const std::string &label) {
  if (bytes.size() >= 8 && bytes.compare(0, 8, kPngSignature, 8) == 0)
    return ImageFormat::Png;
  if (bytes.size() >= 3 && uint8_t(bytes[0]) == 0xFF &&
      uint8_t(bytes[1]) == 0xD8 && uint8_t(bytes[2]) == 0xFF)
    return ImageFormat::Jpeg;
  if (bytes.empty())
    throwMediaError(label, "empty file (0 bytes)");
  throwMediaError(label, "unsupported image format (" +
                             describeOtherFormat(bytes) +
                             "); expected PNG or JPEG");
}

RgbImage decodeImageBytes(const std::string &bytes, const std::string &label,
                          AlphaMode alpha, bool exifOrientation) {
  ImageFormat format = sniffImageFormat(bytes, label);
  RgbImage image;
  if (format == ImageFormat::Png) {
    image = decodePng(bytes, label, alpha);
  } else {
    // A JPEG has no transparency: both alpha modes keep its pixels.
    checkJpegStructure(bytes, label);
    image = decodeJpeg(bytes, label);
  }
  if (exifOrientation)
    return applyExifOrientation(image, media::exifOrientation(bytes, format));
  return image;
}

RgbImage decodeImage(const std::string &path, AlphaMode alpha,
                     bool exifOrientation) {
  return decodeImageBytes(readMediaFile(path), path, alpha, exifOrientation);
}

} // namespace starch::media
