//===- ConfinedFile.h - Files a model may name, nothing else ---*- C++ -*-===//
//
// The one rule for every file a model names by a relative path (ONNX
// external data): after resolving `..` and symbolic links it must be a
// regular file inside the model's folder, and every byte range read from it
// must lie within it (docs/import.md). Nothing is opened before the path is
// known to pass, so a refused location is never read, and a FIFO or device
// cannot block the reader. Errors are returned, never thrown: the importer
// is built without exceptions.
//
//===----------------------------------------------------------------------===//
#ifndef STARCH_RUNTIME_IO_CONFINEDFILE_H
#define STARCH_RUNTIME_IO_CONFINEDFILE_H

#include "runtime/io/MappedFile.h"

#include <cstdint>
#include <memory>
#include <string>

namespace starch::rt {

/// A regular file inside a folder, open for reading.
class ConfinedFile {
public:
  ConfinedFile() = default;
  ConfinedFile(const ConfinedFile &) = delete;
  ConfinedFile &operator=(const ConfinedFile &) = delete;
  ~ConfinedFile();

  /// Opens `location`, relative to `folder` ("" is the current directory).
  /// On failure returns false and sets `why` to a clause that completes
  /// "... at 'LOCATION'": "lies outside the model's folder", "is a
  /// directory, not a regular file", "does not exist".
  bool open(const std::string &folder, const std::string &location,
            std::string &why);

  /// Bytes in the file (when it was opened).
  int64_t size() const { return size_; }

  /// Checks that `length` bytes from `offset` lie within the file; sets
  /// `why` otherwise. Both must be non-negative.
  bool checkRange(int64_t offset, int64_t length, std::string &why) const;

  /// Reads `length` bytes from `offset` into `dest` after checkRange.
  bool read(int64_t offset, int64_t length, void *dest, std::string &why) const;

  /// The whole file (its size when opened) mapped; null with `why` set on
  /// failure.
  std::shared_ptr<const MappedFile> map(std::string &why) const {
    return MappedFile::map(fd_, size_, why);
  }

private:
  int fd_ = -1;
  int64_t size_ = 0;
};

} // namespace starch::rt

#endif // STARCH_RUNTIME_IO_CONFINEDFILE_H
