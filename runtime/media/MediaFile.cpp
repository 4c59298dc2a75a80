//===- MediaFile.cpp - Opening media files with one-line errors -----------===//
#include "runtime/media/MediaFile.h"

#include "runtime/media/MediaError.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace starch::media {

void checkMediaFile(const std::string &path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found)
    throwMediaError(path, "no such file");
  if (ec)
    throwMediaError(path, "cannot be read (" + ec.message() + ")");
  if (status.type() == fs::file_type::directory)
    throwMediaError(path, "is a directory, not a media file");
  if (status.type() != fs::file_type::regular)
    throwMediaError(path, "is not a regular file");
  uintmax_t size = fs::file_size(path, ec);
  if (ec)
    throwMediaError(path, "cannot be read (" + ec.message() + ")");
  if (size == 0)
    throwMediaError(path, "empty file (0 bytes)");
}

std::string readMediaFile(const std::string &path) {
  checkMediaFile(path);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throwMediaError(path, std::string("cannot be opened (") +
                              std::strerror(errno) + ")");
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  if (in.bad())
    throwMediaError(path, "read error");
  if (bytes.empty())
    throwMediaError(path, "empty file (0 bytes)");
  return bytes;
}

} // namespace starch::media
