//===- MediaFile.h - Opening media files with one-line errors ---*- C++ -*-===//
#ifndef STARCH_RUNTIME_MEDIA_MEDIAFILE_H
#define STARCH_RUNTIME_MEDIA_MEDIAFILE_H

#include <string>

namespace starch::media {

/// Throws unless `path` is an existing, readable, non-empty regular file
/// ("'a.wav': no such file", "'a.wav': empty file (0 bytes)").
void checkMediaFile(const std::string &path);

/// The bytes of `path`, after checkMediaFile.
std::string readMediaFile(const std::string &path);

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_MEDIAFILE_H
