//===- MediaError.h - One-line errors of the media readers ------*- C++ -*-===//
//
// Every failure of runtime/media is a std::runtime_error whose message is one
// line: the file in quotes, a colon, and what was wrong ("'cat.png': truncated
// PNG (chunk IDAT ends past the end of the file)").
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_MEDIA_MEDIAERROR_H
#define STARCH_RUNTIME_MEDIA_MEDIAERROR_H

#include <stdexcept>
#include <string>

namespace starch::media {

/// The message of a media error: `'path': what`, folded onto one line.
inline std::string mediaErrorMessage(const std::string &path,
                                     const std::string &what) {
  std::string message = "'" + path + "': " + what;
  for (char &c : message)
    if (c == '\n' || c == '\r')
      c = ' ';
  return message;
}

[[noreturn]] inline void throwMediaError(const std::string &path,
                                         const std::string &what) {
  throw std::runtime_error(mediaErrorMessage(path, what));
}

} // namespace starch::media

#endif // STARCH_RUNTIME_MEDIA_MEDIAERROR_H
