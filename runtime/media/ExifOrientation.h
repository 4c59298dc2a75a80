//===- ExifOrientation.h - EXIF orientation of images -----------*- C++ -*-===//
//
// transformers' `load_image` applies the EXIF orientation tag before
// anything else (PIL's `ImageOps.exif_transpose`); the processors themselves
// do not. The tag is read from a JPEG's APP1 "Exif" segment or a PNG's eXIf
// chunk; a missing or unreadable tag means orientation 1 (as stored).
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_EXIFORIENTATION_H
#define STARCH_RUNTIME_MEDIA_EXIFORIENTATION_H

#include "runtime/media/ImageFile.h"

#include <string>

namespace starch::media {

/// The orientation tag (1..8) of a PNG or JPEG file's EXIF data; 1 when
/// there is none or it cannot be read.
int exifOrientation(const std::string &bytes, ImageFormat format);

/// `image` turned upright for `orientation` as PIL's exif_transpose does:
/// 2 mirror left-right, 3 rotate 180, 4 mirror top-bottom, 5 transpose,
/// 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise; any
/// other value returns the image unchanged.
RgbImage applyExifOrientation(const RgbImage &image, int orientation);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_EXIFORIENTATION_H
